/* sim_parse.c - scenario text -> sim_scenario. The language is line-based
 * (docs/sim.md): a directive and its arguments per line, `#` comments, quoted
 * text for names; `vessel LABEL` opens a block that the property lines after it
 * fill. Input is bounded (LO_SIM_MAX_* in sim.h); every error names the file
 * and line. Numbers are parsed here, not with strtod: no locale, no surprises. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#if defined(__clang__)
/* Same bytes from every compiler: no fused multiply-adds (GCC in ISO C mode
 * makes none; clang would). */
#pragma STDC FP_CONTRACT OFF
#endif
#include "util.h"

#define MAX_TOKENS 2048

typedef struct tok {
    const char *s; /* NUL-terminated, in the line buffer */
    bool quoted;
} tok;

typedef struct parser {
    sim_scenario *sc;
    strbuf *err;
    unsigned line;
    tok t[MAX_TOKENS];
    unsigned nt, i; /* tokens of the line, next one */
    char buf[LO_SIM_MAX_LINE + 1];
    int32_t vessel; /* open vessel block, or -1 */
} parser;

/* ---- errors ------------------------------------------------------------------------ */

static strbuf *err_start(parser *p)
{
    strbuf *b = p->err;
    b->len = 0;
    b->overflow = false;
    sb_puts(b, p->sc->file);
    sb_putc(b, ':');
    sb_u64(b, p->line);
    sb_puts(b, ": ");
    return b;
}

static int fail(parser *p, const char *msg)
{
    sb_puts(err_start(p), msg);
    return LO_E_INVAL;
}

/* msg1 'what' msg2 */
static int fail_q(parser *p, const char *msg1, const char *what, const char *msg2)
{
    strbuf *b = err_start(p);
    sb_puts(b, msg1);
    sb_puts(b, " '");
    sb_putn(b, what, strnlen(what, 64));
    sb_puts(b, "'");
    sb_puts(b, msg2);
    return LO_E_INVAL;
}

/* ---- tokens ------------------------------------------------------------------------- */

static int tokenize(parser *p, const char *line, size_t len)
{
    p->nt = p->i = 0;
    size_t o = 0;
    for (size_t k = 0; k < len;) {
        char c = line[k];
        if (c == '#')
            break;
        if (c == ' ' || c == '\t') {
            k++;
            continue;
        }
        if (p->nt == MAX_TOKENS)
            return fail(p, "too many words on one line");
        tok *t = &p->t[p->nt++];
        t->quoted = false;
        t->s = p->buf + o;
        if (c == '"') {
            size_t e = k + 1;
            while (e < len && line[e] != '"')
                e++;
            if (e == len)
                return fail(p, "text without its closing '\"'");
            memcpy(p->buf + o, line + k + 1, e - k - 1);
            o += e - k - 1;
            t->quoted = true;
            k = e + 1;
        } else if (c == ',' || c == '@') {
            p->buf[o++] = c;
            k++;
        } else if (c == '-' && k + 1 < len && line[k + 1] == '>') {
            p->buf[o++] = ','; /* "->" separates waypoints like "," */
            k += 2;
        } else {
            while (k < len && line[k] != ' ' && line[k] != '\t' && line[k] != ',' && line[k] != '#' && line[k] != '@' &&
                   line[k] != '"' && !(line[k] == '-' && k + 1 < len && line[k + 1] == '>' && p->buf + o > t->s))
                p->buf[o++] = line[k++];
        }
        p->buf[o++] = '\0';
    }
    return 0;
}

static bool more(const parser *p) { return p->i < p->nt; }
static const tok *peek(const parser *p) { return more(p) ? &p->t[p->i] : NULL; }
static bool is(const parser *p, const char *w) { return more(p) && !p->t[p->i].quoted && !strcmp(p->t[p->i].s, w); }

static int need(parser *p, const char *what, const tok **out)
{
    if (!more(p))
        return fail_q(p, "expected", what, " at the end of the line");
    *out = &p->t[p->i++];
    return 0;
}

/* ---- values ------------------------------------------------------------------------- */

/* [+-]digits[.digits], whole token unless *end is wanted. */
static bool parse_num(const char *s, double *out, const char **end)
{
    const char *q = s;
    bool neg = *q == '-';
    if (*q == '-' || *q == '+')
        q++;
    double v = 0, scale = 1;
    int digits = 0;
    while (*q >= '0' && *q <= '9' && digits < 18) {
        v = v * 10 + (*q++ - '0');
        digits++;
    }
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') {
            if (scale < 1e15) {
                v = v * 10 + (*q - '0');
                scale *= 10;
            }
            q++;
            digits++;
        }
    }
    if (!digits || (*q >= '0' && *q <= '9'))
        return false;
    if (end)
        *end = q;
    else if (*q)
        return false;
    *out = (neg ? -v : v) / scale;
    return true;
}

static int get_num(parser *p, const char *what, double lo, double hi, double *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    if (t->quoted || !parse_num(t->s, out, NULL))
        return fail_q(p, "expected a number for", what, "");
    if (*out < lo || *out > hi) {
        strbuf *b = err_start(p);
        sb_puts(b, what);
        sb_puts(b, " ");
        sb_puts(b, t->s);
        sb_puts(b, " is out of range");
        return LO_E_INVAL;
    }
    return 0;
}

static int get_uint(parser *p, const char *what, uint64_t max, uint64_t *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    uint64_t v = 0;
    const char *s = t->s;
    if (t->quoted || !*s)
        return fail_q(p, "expected a whole number for", what, "");
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return fail_q(p, "expected a whole number for", what, "");
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > max) {
        strbuf *b = err_start(p);
        sb_puts(b, what);
        sb_puts(b, " ");
        sb_puts(b, t->s);
        sb_puts(b, " is more than ");
        sb_u64(b, max);
        return LO_E_INVAL;
    }
    *out = v;
    return 0;
}

/* Latitude or longitude in decimal degrees, with an optional N/S or E/W. */
static int get_coord(parser *p, bool lat, double *out)
{
    const tok *t = NULL;
    const char *what = lat ? "a latitude" : "a longitude";
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    const char *end;
    double v;
    if (t->quoted || !parse_num(t->s, &v, &end))
        return fail_q(p, lat ? "expected a latitude, got" : "expected a longitude, got", t->s, "");
    if (*end) {
        char h = *end;
        if (end[1] || !strchr(lat ? "NSns" : "EWew", h) || v < 0)
            return fail_q(p, lat ? "expected a latitude, got" : "expected a longitude, got", t->s, "");
        if (h == 'S' || h == 's' || h == 'W' || h == 'w')
            v = -v;
    }
    if (lat ? fabs(v) > 90 : fabs(v) > 180)
        return fail_q(p, lat ? "latitude" : "longitude", t->s, " is out of range");
    *out = v;
    return 0;
}

static int get_point(parser *p, double *lat, double *lon)
{
    int rc = get_coord(p, true, lat);
    return rc ? rc : get_coord(p, false, lon);
}

static int get_box(parser *p, double *box)
{
    double a = 0, b = 0, c = 0, d = 0;
    int rc;
    if ((rc = get_point(p, &a, &b)) || (rc = get_point(p, &c, &d)))
        return rc;
    box[0] = a < c ? a : c;
    box[1] = b < d ? b : d;
    box[2] = a < c ? c : a;
    box[3] = b < d ? d : b;
    if (box[2] - box[0] < 1e-6 || box[3] - box[1] < 1e-6)
        return fail(p, "the box has no area (give two opposite corners)");
    return 0;
}

/* "6h", "90m", "1h30m", "45s", "2d", "1.5h". */
static bool parse_dur(const char *s, int64_t *out)
{
    double total = 0;
    if (!*s)
        return false;
    while (*s) {
        double v;
        const char *end;
        if (!parse_num(s, &v, &end) || v < 0)
            return false;
        double unit;
        switch (*end) {
        case 'd':
            unit = 86400000.0;
            break;
        case 'h':
            unit = 3600000.0;
            break;
        case 'm':
            unit = 60000.0;
            break;
        case 's':
            unit = 1000.0;
            break;
        default:
            return false;
        }
        total += v * unit;
        s = end + 1;
    }
    if (total > 366.0 * 86400000.0)
        return false;
    *out = (int64_t)llround(total);
    return true;
}

static int get_dur(parser *p, const char *what, int64_t *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    if (t->quoted || !parse_dur(t->s, out))
        return fail_q(p, "expected a duration like 6h, 90m, 1h30m or 2d for", what, "");
    return 0;
}

/* "2018-01-20T02:00Z", "2018-01-20T02:00:00Z" (Z may be left out). */
static bool parse_iso(const char *s, int64_t *out)
{
    int part[6] = {0};
    static const char seps[] = "--T::";
    int n = 0;
    for (; n < 6; n++) {
        int want = n ? 2 : 4, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < want) {
            part[n] = part[n] * 10 + (*s++ - '0');
            digits++;
        }
        if (digits != want)
            return false;
        if (n == 5 || *s != seps[n])
            break;
        s++;
    }
    if (n < 4)
        return false;
    if (*s == 'Z')
        s++;
    if (*s || part[1] < 1 || part[1] > 12 || part[2] < 1 || part[2] > 31 || part[3] > 23 || part[4] > 59 ||
        part[5] > 59 || part[0] < 1970)
        return false;
    *out = lo_utc_to_ms(part[0], part[1], part[2], part[3], part[4], part[5]);
    return true;
}

static int get_time(parser *p, const char *what, int64_t *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    if (!t->quoted && t->s[0] == '+') {
        int64_t d;
        if (!parse_dur(t->s + 1, &d))
            return fail_q(p, "expected a time like +6h or 2018-01-20T02:00Z for", what, "");
        if (!p->sc->has_start)
            return fail_q(p, "the time", t->s, " counts from 'start', which must come before it");
        *out = p->sc->start_ms + d;
        return 0;
    }
    if (t->quoted || !parse_iso(t->s, out))
        return fail_q(p, "expected a time like 2018-01-20T02:00Z or +6h for", what, "");
    return 0;
}

static int get_speed(parser *p, const char *what, double max, double *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    const char *end;
    if (t->quoted || !parse_num(t->s, out, &end) ||
        (*end && strcmp(end, "kn") && strcmp(end, "kt") && strcmp(end, "knots")))
        return fail_q(p, "expected a speed in knots (12 or 12kn) for", what, "");
    if (*out < 0 || *out > max)
        return fail_q(p, "speed", t->s, " is out of range");
    return 0;
}

static int get_dist(parser *p, const char *what, double max_m, double *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    const char *end;
    double v;
    if (t->quoted || !parse_num(t->s, &v, &end))
        return fail_q(p, "expected a distance (150, 150m, 2km, 5nm) for", what, "");
    if (!*end || !strcmp(end, "m"))
        ;
    else if (!strcmp(end, "km"))
        v *= 1000.0;
    else if (!strcmp(end, "nm"))
        v *= SIM_NM;
    else
        return fail_q(p, "expected a distance (150, 150m, 2km, 5nm) for", what, "");
    if (v < 0 || v > max_m)
        return fail_q(p, "distance", t->s, " is out of range");
    *out = v;
    return 0;
}

bool sim_valid_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 32 || (unsigned char)*s > 95 || *s == '@')
            return false;
    return true;
}

/* Text for an AIS field of at most max characters, upper-cased. */
static int get_text(parser *p, const char *what, size_t max, char *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    size_t n = strlen(t->s);
    if (n > max) {
        strbuf *b = err_start(p);
        sb_puts(b, what);
        sb_puts(b, " \"");
        sb_puts(b, t->s);
        sb_puts(b, "\" is longer than ");
        sb_u64(b, max);
        sb_puts(b, " characters");
        return LO_E_INVAL;
    }
    for (size_t i = 0; i <= n; i++)
        out[i] = t->s[i] >= 'a' && t->s[i] <= 'z' ? (char)(t->s[i] - 32) : t->s[i];
    if (!sim_valid_text(out))
        return fail_q(p, "AIS text cannot carry", t->s, " (letters, digits, space and !\"#$%&'()*+,-./:;<=>?[\\]^_ only)");
    return 0;
}

static int get_label(parser *p, const char *what, char *out)
{
    const tok *t = NULL;
    int rc = need(p, what, &t);
    if (rc)
        return rc;
    size_t n = strlen(t->s);
    if (n == 0 || n >= LO_SIM_MAX_LABEL)
        return fail_q(p, "a label has 1-31 characters:", t->s, "");
    for (size_t i = 0; i < n; i++) {
        char c = t->s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return fail_q(p, "a label has letters, digits, '_', '-' and '.' only:", t->s, "");
    }
    memcpy(out, t->s, n + 1);
    return 0;
}

static int end_of_line(parser *p)
{
    if (more(p))
        return fail_q(p, "unexpected", peek(p)->s, " at the end of the line");
    return 0;
}

/* ---- growing arrays ------------------------------------------------------------------- */

static int grow(void **arr, uint32_t *cap, uint32_t n, size_t size, uint32_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return LO_E_RANGE;
    uint32_t c = *cap ? *cap * 2 : 8;
    if (c > max)
        c = max;
    void *a = realloc(*arr, (size_t)c * size);
    if (!a)
        return LO_E_NOMEM;
    memset((char *)a + (size_t)*cap * size, 0, (size_t)(c - *cap) * size);
    *arr = a;
    *cap = c;
    return 0;
}

static int limit(parser *p, int rc, const char *what)
{
    if (rc == LO_E_RANGE) {
        strbuf *b = err_start(p);
        sb_puts(b, "too many ");
        sb_puts(b, what);
        return LO_E_RANGE;
    }
    if (rc == LO_E_NOMEM)
        sb_puts(err_start(p), "out of memory");
    return rc;
}

/* ---- ship types ------------------------------------------------------------------------- */

static const struct {
    const char *word;
    uint8_t type;
} type_words[] = {
    {"fishing", 30},   {"towing", 31},  {"dredger", 33}, {"diving", 34},    {"military", 35}, {"sailing", 36},
    {"pleasure", 37},  {"hsc", 40},     {"pilot", 50},   {"sar", 51},       {"tug", 52},      {"tender", 53},
    {"law", 55},       {"medical", 58}, {"passenger", 60}, {"cargo", 70},   {"tanker", 80},   {"other", 90},
};

int sim_ship_type_word(const char *w)
{
    for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
        if (!strcmp(w, type_words[i].word))
            return type_words[i].type;
    return -1;
}

static int get_shiptype(parser *p, uint8_t *out)
{
    const tok *t = peek(p);
    if (t && !t->quoted && sim_ship_type_word(t->s) >= 0) {
        *out = (uint8_t)sim_ship_type_word(t->s);
        p->i++;
        return 0;
    }
    uint64_t v;
    int rc = get_uint(p, "the ship type (0-99, or tanker, cargo, fishing, ...)", 99, &v);
    if (!rc)
        *out = (uint8_t)v;
    return rc;
}

/* ---- vessels ------------------------------------------------------------------------------ */

static int32_t find_vessel(const sim_scenario *sc, const char *label)
{
    for (uint32_t i = 0; i < sc->nv; i++)
        if (!strcmp(sc->v[i].label, label))
            return (int32_t)i;
    return -1;
}

static int32_t find_zone(const sim_scenario *sc, const char *name)
{
    for (uint32_t i = 0; i < sc->nz; i++)
        if (!strcmp(sc->z[i].name, name))
            return (int32_t)i;
    return -1;
}

/* One waypoint of a route or track: LAT LON [@ SPEED] [wait D]. */
static int route_item(parser *p, sim_wp **arr, uint32_t *n, uint32_t *cap, bool extras)
{
    int rc = grow((void **)arr, cap, *n, sizeof **arr, LO_SIM_MAX_WAYPOINTS);
    if (rc)
        return limit(p, rc, "waypoints in one route");
    sim_wp *w = &(*arr)[*n];
    memset(w, 0, sizeof *w);
    if ((rc = get_point(p, &w->lat, &w->lon)))
        return rc;
    for (; extras;) {
        if (is(p, "@")) {
            p->i++;
            if ((rc = get_speed(p, "the speed after '@'", 60, &w->speed_kn)))
                return rc;
            if (w->speed_kn < 0.5)
                return fail(p, "a route speed must be at least 0.5 kn (use 'wait' to stop)");
        } else if (is(p, "wait")) {
            p->i++;
            if ((rc = get_dur(p, "wait", &w->wait_ms)))
                return rc;
        } else {
            break;
        }
    }
    (*n)++;
    return 0;
}

static int vessel_property(parser *p, const char *key)
{
    sim_vdef *v = &p->sc->v[p->vessel];
    int rc = 0;
    uint64_t u;
    double d;
    if (!strcmp(key, "mmsi")) {
        if (!(rc = get_uint(p, "the MMSI", 999999999, &u))) {
            if (u < 1000000)
                return fail(p, "an MMSI has 9 digits (a ship's starts with its country's MID: 2-7)");
            v->id.mmsi = (uint32_t)u;
            v->has_mmsi = true;
        }
    } else if (!strcmp(key, "name")) {
        rc = get_text(p, "the name", 20, v->id.name);
    } else if (!strcmp(key, "callsign")) {
        rc = get_text(p, "the call sign", 7, v->id.callsign);
    } else if (!strcmp(key, "destination")) {
        rc = get_text(p, "the destination", 20, v->id.dest);
    } else if (!strcmp(key, "imo")) {
        if (!(rc = get_uint(p, "the IMO number", 1073741823, &u)))
            v->id.imo = (uint32_t)u;
    } else if (!strcmp(key, "type")) {
        rc = get_shiptype(p, &v->id.shiptype);
        v->has_type = true;
    } else if (!strcmp(key, "class")) {
        const tok *t = NULL;
        if ((rc = need(p, "the class (A or B)", &t)))
            return rc;
        if (strcmp(t->s, "A") && strcmp(t->s, "B"))
            return fail_q(p, "the class is A or B, not", t->s, "");
        v->id.cls = t->s[0];
        v->has_class = true;
    } else if (!strcmp(key, "size")) {
        double len, beam;
        if ((rc = get_num(p, "the length (m)", 1, 511, &len)) || (rc = get_num(p, "the beam (m)", 1, 126, &beam)))
            return rc;
        v->id.bow = (uint16_t)lround(len * 0.82);
        v->id.stern = (uint16_t)(lround(len) - v->id.bow);
        v->id.port = (uint8_t)(lround(beam) / 2);
        v->id.stbd = (uint8_t)(lround(beam) - v->id.port);
        v->has_dims = true;
    } else if (!strcmp(key, "dimensions")) {
        uint64_t a, b, c, e;
        if ((rc = get_uint(p, "the distance from the bow (m)", 511, &a)) ||
            (rc = get_uint(p, "the distance from the stern (m)", 511, &b)) ||
            (rc = get_uint(p, "the distance from port (m)", 63, &c)) ||
            (rc = get_uint(p, "the distance from starboard (m)", 63, &e)))
            return rc;
        v->id.bow = (uint16_t)a, v->id.stern = (uint16_t)b, v->id.port = (uint8_t)c, v->id.stbd = (uint8_t)e;
        v->has_dims = true;
    } else if (!strcmp(key, "draught")) {
        if (!(rc = get_num(p, "the draught (m)", 0, 25.5, &d)))
            v->id.draught = (uint8_t)lround(d * 10);
    } else if (!strcmp(key, "speed")) {
        rc = get_speed(p, "the speed", 60, &v->speed_kn);
        if (!rc && v->speed_kn < 0.5)
            return fail(p, "a vessel's speed must be at least 0.5 kn");
    } else if (!strcmp(key, "depart")) {
        rc = get_time(p, "depart", &v->depart_ms);
        v->has_depart = true;
    } else if (!strcmp(key, "route")) {
        if (v->behaviour != BEH_NONE && v->behaviour != BEH_ROUTE)
            return fail(p, "a vessel has a route, an area or a place ('at'), not two of them");
        v->behaviour = BEH_ROUTE;
        if ((rc = route_item(p, &v->route, &v->nroute, &v->caproute, true)))
            return rc;
        while (is(p, ",")) {
            p->i++;
            if ((rc = route_item(p, &v->route, &v->nroute, &v->caproute, true)))
                return rc;
        }
    } else if (!strcmp(key, "area")) {
        if (v->behaviour != BEH_NONE)
            return fail(p, "a vessel has a route, an area or a place ('at'), not two of them");
        v->behaviour = BEH_AREA;
        if ((rc = get_box(p, v->box)))
            return rc;
        if (is(p, "speed")) {
            p->i++;
            rc = get_speed(p, "the speed", 60, &v->speed_kn);
        }
    } else if (!strcmp(key, "at")) {
        if (v->behaviour != BEH_NONE)
            return fail(p, "a vessel has a route, an area or a place ('at'), not two of them");
        v->behaviour = BEH_ANCHOR;
        rc = get_point(p, &v->at_lat, &v->at_lon);
        if (!rc && is(p, "moored")) {
            p->i++;
            v->moored = true;
        } else if (!rc && is(p, "anchored")) {
            p->i++;
        }
    } else {
        return fail_q(p, "unknown vessel property", key,
                      " (mmsi, name, callsign, imo, type, class, size, dimensions, draught, destination, speed, "
                      "depart, route, area, at)");
    }
    return rc ? rc : end_of_line(p);
}

/* ---- events -------------------------------------------------------------------------------- */

static const char *const event_names[] = {"sts", "dark", "loiter", "zone", "jump", "identity", "swap", "circle"};

const char *lo_sim_event_name(lo_sim_event_type t)
{
    return (unsigned)t < sizeof event_names / sizeof event_names[0] ? event_names[t] : "";
}

static int add_event_vessel(parser *p, sim_edef *e, uint32_t v)
{
    for (uint32_t i = 0; i < e->nvessels; i++)
        if (e->vessels[i] == v)
            return fail_q(p, "vessel", p->sc->v[v].label, " is named twice");
    int rc = grow((void **)&e->vessels, &e->capvessels, e->nvessels, sizeof *e->vessels, LO_SIM_MAX_SCRIPTED);
    if (rc)
        return limit(p, rc, "vessels in one event");
    e->vessels[e->nvessels++] = v;
    return 0;
}

static int event_line(parser *p)
{
    sim_scenario *sc = p->sc;
    const tok *t = NULL;
    int rc = need(p, "the event type", &t);
    if (rc)
        return rc;
    int type = -1;
    for (size_t k = 0; k < sizeof event_names / sizeof event_names[0]; k++)
        if (!strcmp(t->s, event_names[k]))
            type = (int)k;
    if (type < 0)
        return fail_q(p, "unknown event", t->s, " (sts, dark, loiter, zone, jump, identity, swap, circle)");
    if ((rc = grow((void **)&sc->e, &sc->cape, sc->ne, sizeof *sc->e, LO_SIM_MAX_EVENTS)))
        return limit(p, rc, "events");
    sim_edef *e = &sc->e[sc->ne++];
    memset(e, 0, sizeof *e);
    e->type = (lo_sim_event_type)type;
    e->line = p->line;
    e->zone = -1;
    /* Vessel labels first, then keywords. */
    static const char *const keywords[] = {"at",   "start", "duration", "distance", "drift", "radius", "speed",
                                           "to",   "by",    "bearing",  "in",       "through", "dwell", "name",
                                           "callsign", "imo", "mmsi",   "type",     "count", "center", "id",
                                           "track"};
    while (more(p)) {
        bool kw = false;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0] && !kw; k++)
            kw = is(p, keywords[k]);
        if (kw)
            break;
        t = &p->t[p->i++];
        int32_t v = find_vessel(sc, t->s);
        if (v < 0)
            return fail_q(p, "unknown vessel", t->s, " (vessels must be defined before their events)");
        if ((rc = add_event_vessel(p, e, (uint32_t)v)))
            return rc;
    }
    double speed_max = 60;
    while (more(p)) {
        t = &p->t[p->i++];
        const char *k = t->s;
        if (!strcmp(k, "at") || !strcmp(k, "center")) {
            rc = get_point(p, &e->lat, &e->lon);
            e->has_at = true;
        } else if (!strcmp(k, "through")) {
            rc = get_point(p, &e->lat, &e->lon);
            e->has_through = true;
        } else if (!strcmp(k, "start")) {
            rc = get_time(p, "start", &e->start_ms);
            e->has_start = true;
        } else if (!strcmp(k, "duration")) {
            rc = get_dur(p, "duration", &e->dur_ms);
            e->has_dur = true;
        } else if (!strcmp(k, "dwell")) {
            rc = get_dur(p, "dwell", &e->dwell_ms);
        } else if (!strcmp(k, "distance")) {
            rc = get_dist(p, "distance", 2000, &e->distance_m);
        } else if (!strcmp(k, "radius")) {
            rc = get_dist(p, "radius", 100000, &e->radius_m);
        } else if (!strcmp(k, "by")) {
            rc = get_dist(p, "by", 20000000, &e->by_m);
            e->has_by = true;
        } else if (!strcmp(k, "bearing")) {
            rc = get_num(p, "bearing", 0, 360, &e->bearing);
        } else if (!strcmp(k, "drift") || !strcmp(k, "speed")) {
            rc = get_speed(p, k, speed_max, &e->speed_kn);
        } else if (!strcmp(k, "to")) {
            rc = get_point(p, &e->to_lat, &e->to_lon);
            e->has_to = true;
        } else if (!strcmp(k, "in")) {
            if (e->type == LO_SIM_ZONE) {
                const tok *z = NULL;
                if ((rc = need(p, "the zone's name", &z)))
                    return rc;
                e->zone = find_zone(sc, z->s);
                if (e->zone < 0)
                    return fail_q(p, "unknown zone", z->s, " (zones must be defined before their events)");
            } else {
                rc = get_box(p, e->box);
                e->has_box = true;
            }
        } else if (!strcmp(k, "name")) {
            rc = get_text(p, "the name", 20, e->new_name);
            e->set |= ID_NAME;
        } else if (!strcmp(k, "callsign")) {
            rc = get_text(p, "the call sign", 7, e->new_callsign);
            e->set |= ID_CALLSIGN;
        } else if (!strcmp(k, "imo")) {
            uint64_t u;
            if (!(rc = get_uint(p, "the IMO number", 1073741823, &u)))
                e->new_imo = (uint32_t)u;
            e->set |= ID_IMO;
        } else if (!strcmp(k, "mmsi")) {
            uint64_t u;
            if (!(rc = get_uint(p, "the MMSI", 999999999, &u)))
                e->new_mmsi = (uint32_t)u;
            e->set |= ID_MMSI;
        } else if (!strcmp(k, "type")) {
            rc = get_shiptype(p, &e->new_type);
            e->set |= ID_TYPE;
        } else if (!strcmp(k, "count")) {
            uint64_t u;
            if (!(rc = get_uint(p, "count", LO_SIM_MAX_SCRIPTED, &u)))
                e->count = (uint32_t)u;
        } else if (!strcmp(k, "id")) {
            rc = get_label(p, "the event id", e->id);
        } else if (!strcmp(k, "track")) {
            rc = route_item(p, &e->track, &e->ntrack, &e->captrack, false);
            while (!rc && is(p, ",")) {
                p->i++;
                rc = route_item(p, &e->track, &e->ntrack, &e->captrack, false);
            }
        } else {
            return fail_q(p, "unexpected", k, p->i == 1 ? "" : " in an event");
        }
        if (rc)
            return rc;
    }
    /* What each type needs. */
    static const uint8_t nves[] = {2, 1, 1, 1, 1, 1, 2, 0};
    if (nves[type] && e->nvessels != nves[type]) {
        strbuf *b = err_start(p);
        sb_puts(b, "event ");
        sb_puts(b, event_names[type]);
        sb_puts(b, nves[type] == 1 ? " takes one vessel" : " takes two vessels");
        return LO_E_INVAL;
    }
    if (!e->has_start && type != LO_SIM_ZONE)
        return fail_q(p, "event", event_names[type], " needs 'start TIME'");
    bool needs_dur = type == LO_SIM_STS || type == LO_SIM_DARK || type == LO_SIM_LOITER || type == LO_SIM_JUMP ||
                     type == LO_SIM_CIRCLE;
    if (needs_dur && !e->has_dur)
        return fail_q(p, "event", event_names[type], " needs 'duration D'");
    if (needs_dur && e->dur_ms <= 0)
        return fail(p, "the duration must be more than 0");
    if ((type == LO_SIM_STS || type == LO_SIM_LOITER) && !e->has_at)
        return fail_q(p, "event", event_names[type], " needs 'at LAT LON'");
    switch (type) {
    case LO_SIM_STS:
        if (e->distance_m <= 0)
            e->distance_m = 150;
        if (e->speed_kn <= 0)
            e->speed_kn = 0.5;
        if (e->speed_kn >= 2)
            return fail(p, "an sts pair drifts below 2 kn ('drift 0.5kn')");
        break;
    case LO_SIM_LOITER:
        if (e->radius_m <= 0)
            e->radius_m = 1000;
        if (e->speed_kn <= 0)
            e->speed_kn = 1;
        if (e->speed_kn >= 2)
            return fail(p, "loitering is below 2 kn ('speed 1kn')");
        break;
    case LO_SIM_ZONE:
        if (e->zone < 0)
            return fail(p, "event zone needs 'in ZONE'");
        if (e->dwell_ms && !e->has_start)
            return fail(p, "a zone 'dwell' needs 'start TIME'");
        if (e->speed_kn <= 0)
            e->speed_kn = 1;
        break;
    case LO_SIM_JUMP:
        if (e->has_to + e->has_by + (e->ntrack > 0) != 1)
            return fail(p, "event jump needs one of 'to LAT LON', 'by DISTANCE bearing DEG', 'track LAT LON, LAT LON, ...'");
        if (e->ntrack == 1)
            return fail(p, "a jump's track needs at least two points");
        break;
    case LO_SIM_IDENTITY:
        if (!e->set)
            return fail(p, "event identity needs one of name, callsign, imo, mmsi, type");
        if ((e->set & ID_MMSI) && e->new_mmsi < 1000000)
            return fail(p, "an MMSI has 9 digits");
        break;
    case LO_SIM_CIRCLE:
        if (!e->has_at)
            return fail(p, "event circle needs 'center LAT LON'");
        if (e->nvessels + e->count == 0)
            return fail(p, "event circle needs vessels, or 'count N in LAT LON LAT LON'");
        if (e->count && !e->has_box)
            return fail(p, "event circle's 'count N' needs 'in LAT LON LAT LON' (where the vessels truly are)");
        if (e->speed_kn <= 0 && e->radius_m > 0)
            e->speed_kn = 8;
        break;
    default:
        break;
    }
    return 0;
}

/* ---- directives ---------------------------------------------------------------------------- */

static int directive(parser *p)
{
    sim_scenario *sc = p->sc;
    const tok *t = &p->t[p->i++];
    const char *k = t->s;
    int rc = 0;
    if (t->quoted)
        return fail_q(p, "expected a directive, not the text", k, "");
    if (!strcmp(k, "start")) {
        const tok *v = NULL;
        if ((rc = need(p, "the start time", &v)))
            return rc;
        if (v->quoted || !parse_iso(v->s, &sc->start_ms))
            return fail_q(p, "expected a start time like 2018-01-20T00:00:00Z, got", v->s, "");
        sc->has_start = true;
    } else if (!strcmp(k, "duration")) {
        rc = get_dur(p, "the duration", &sc->duration_ms);
        if (!rc && sc->duration_ms <= 0)
            return fail(p, "the duration must be more than 0");
        sc->has_duration = true;
    } else if (!strcmp(k, "seed")) {
        rc = get_uint(p, "the seed", UINT64_MAX, &sc->seed);
    } else if (!strcmp(k, "station")) {
        const tok *v = NULL;
        if ((rc = need(p, "the station name", &v)))
            return rc;
        size_t n = strlen(v->s);
        if (n == 0 || n >= LO_MAX_STATION || strpbrk(v->s, ",*\\!$"))
            return fail_q(p, "a station name has 1-31 characters and none of , * \\ ! $:", v->s, "");
        memcpy(sc->station, v->s, n + 1);
    } else if (!strcmp(k, "noise")) {
        rc = get_dist(p, "the noise", 1000, &sc->noise_m);
    } else if (!strcmp(k, "loss")) {
        rc = get_num(p, "the loss (0-0.9)", 0, 0.9, &sc->loss);
    } else if (!strcmp(k, "traffic")) {
        uint64_t n;
        if ((rc = get_uint(p, "the number of background vessels", LO_SIM_MAX_VESSELS, &n)))
            return rc;
        sc->traffic = (uint32_t)n;
        if (is(p, "in")) {
            p->i++;
            rc = get_box(p, sc->traffic_box);
            sc->traffic_in_box = true;
        }
    } else if (!strcmp(k, "zone")) {
        if ((rc = grow((void **)&sc->z, &sc->capz, sc->nz, sizeof *sc->z, LO_SIM_MAX_ZONES)))
            return limit(p, rc, "zones");
        sim_zone *z = &sc->z[sc->nz];
        z->line = p->line;
        if ((rc = get_label(p, "the zone's name", z->name)))
            return rc;
        if (find_zone(sc, z->name) >= 0)
            return fail_q(p, "zone", z->name, " is defined twice");
        if ((rc = get_box(p, z->box)))
            return rc;
        sc->nz++;
    } else if (!strcmp(k, "vessel")) {
        if ((rc = grow((void **)&sc->v, &sc->capv, sc->nv, sizeof *sc->v, LO_SIM_MAX_SCRIPTED)))
            return limit(p, rc, "vessels");
        sim_vdef *v = &sc->v[sc->nv];
        memset(v, 0, sizeof *v);
        v->line = p->line;
        v->id.cls = 'A';
        if ((rc = get_label(p, "the vessel's label", v->label)))
            return rc;
        if (find_vessel(sc, v->label) >= 0)
            return fail_q(p, "vessel", v->label, " is defined twice");
        p->vessel = (int32_t)sc->nv++;
        return end_of_line(p);
    } else if (!strcmp(k, "event")) {
        p->vessel = -1;
        return event_line(p);
    } else if (p->vessel >= 0) {
        return vessel_property(p, k);
    } else {
        static const char *const props[] = {"mmsi", "name", "callsign", "imo", "type", "class", "size", "dimensions",
                                            "draught", "destination", "speed", "depart", "route", "area", "at"};
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
            if (!strcmp(k, props[i]))
                return fail_q(p, "vessel property", k, " outside a vessel block (start one with 'vessel LABEL')");
        return fail_q(p, "unknown directive", k,
                      " (start, duration, seed, station, noise, loss, traffic, zone, vessel, event)");
    }
    return rc ? rc : end_of_line(p);
}

/* Whole-scenario checks, each naming the line at fault. */
static int check(parser *p)
{
    sim_scenario *sc = p->sc;
    p->line = 1;
    if (!sc->has_start)
        return fail(p, "no 'start TIME' line");
    if (!sc->has_duration)
        return fail(p, "no 'duration D' line");
    for (uint32_t i = 0; i < sc->nv; i++) {
        sim_vdef *v = &sc->v[i];
        p->line = v->line;
        if (!v->has_mmsi)
            return fail_q(p, "vessel", v->label, " has no 'mmsi'");
        if (v->behaviour == BEH_NONE)
            return fail_q(p, "vessel", v->label, " needs a 'route', an 'area' or a place ('at LAT LON')");
        for (uint32_t j = 0; j < i; j++)
            if (sc->v[j].id.mmsi == v->id.mmsi)
                return fail_q(p, "vessel", v->label, " has the same MMSI as another vessel");
    }
    int64_t end = sc->start_ms + sc->duration_ms;
    for (uint32_t i = 0; i < sc->ne; i++) {
        sim_edef *e = &sc->e[i];
        p->line = e->line;
        if (e->has_start && (e->start_ms < sc->start_ms || e->start_ms >= end))
            return fail(p, "the event starts outside the scenario's time (start .. start + duration)");
        if (e->type == LO_SIM_IDENTITY && (e->set & ID_MMSI))
            for (uint32_t j = 0; j < sc->nv; j++)
                if (sc->v[j].id.mmsi == e->new_mmsi && j != e->vessels[0])
                    return fail(p, "the new MMSI is another vessel's (use 'swap' to exchange MMSIs)");
    }
    return 0;
}

void sim_put_time(strbuf *b, int64_t ms)
{
    int y, mo, d, h, mi, s, milli;
    lo_ms_to_utc(ms, &y, &mo, &d, &h, &mi, &s, &milli);
    sb_u_pad(b, (uint64_t)(y < 0 ? 0 : y), 4);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)mo, 2);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)d, 2);
    sb_putc(b, 'T');
    sb_u_pad(b, (uint64_t)h, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)mi, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)s, 2);
    if (milli) {
        sb_putc(b, '.');
        sb_u_pad(b, (uint64_t)milli, 3);
    }
    sb_putc(b, 'Z');
}

int sim_parse(const char *text, size_t len, const char *file, sim_scenario *sc, strbuf *err)
{
    memset(sc, 0, sizeof *sc);
    sc->file = file ? file : "scenario";
    sc->seed = 1;
    sc->noise_m = 3.0;
    memcpy(sc->station, "sim", 4);
    parser *p = calloc(1, sizeof *p);
    if (!p)
        return LO_E_NOMEM;
    p->sc = sc;
    p->err = err;
    p->vessel = -1;
    int rc = 0;
    if (len > LO_SIM_MAX_TEXT) {
        p->line = 1;
        sb_puts(err_start(p), "the scenario is larger than 4 MiB");
        rc = LO_E_RANGE;
        goto out;
    }
    size_t pos = 0;
    while (pos < len && !rc) {
        p->line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r')
            n--;
        if (n > LO_SIM_MAX_LINE) {
            strbuf *b = err_start(p);
            sb_puts(b, "line longer than ");
            sb_u64(b, LO_SIM_MAX_LINE);
            sb_puts(b, " bytes");
            rc = LO_E_RANGE;
            break;
        }
        for (size_t k = 0; k < n; k++)
            if (line[k] == '\0' || ((unsigned char)line[k] < 32 && line[k] != '\t')) {
                rc = fail(p, "control characters in the line");
                break;
            }
        if (rc || (rc = tokenize(p, line, n)) || p->nt == 0)
            continue;
        rc = directive(p);
    }
    if (!rc)
        rc = check(p);
out:
    free(p);
    if (rc)
        sim_scenario_free(sc);
    return rc;
}

void sim_scenario_free(sim_scenario *sc)
{
    for (uint32_t i = 0; i < sc->nv; i++)
        free(sc->v[i].route);
    for (uint32_t i = 0; i < sc->ne; i++) {
        free(sc->e[i].vessels);
        free(sc->e[i].track);
    }
    free(sc->v);
    free(sc->e);
    free(sc->z);
    const char *file = sc->file;
    memset(sc, 0, sizeof *sc);
    sc->file = file;
}
