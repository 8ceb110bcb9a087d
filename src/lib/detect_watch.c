/* detect_watch.c - the watch list (sanctioned or otherwise listed vessels) and
 * its detector.
 *
 * The list is a CSV (the OFAC SDN vessel snapshot shipped in data/watchlist/ is
 * one) indexed by three open-addressing hash tables: IMO, MMSI and normalised
 * name (each listed name and each f.k.a. alias). A vessel is matched when it is
 * first heard and again only when what it broadcasts (name, call sign, IMO)
 * changes: never per position. Each entry a vessel matches raises one
 * WATCHLIST event (an instant at the first sighting), and the strongest
 * IMO / MMSI / call-sign match marks the vessel (dv->who.watch), so that every
 * later event of any detector lists it as a listed vessel. Name-only matches
 * are weak (names repeat: OFAC lists several "ALPHA"s, and so does the sea) and
 * raise a LOW event without marking the vessel. docs/detect.md, "Watch list". */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"
#include "util.h"

/* ---- names ------------------------------------------------------------------------- */

/* Leading words that say what a ship is rather than what it is called:
 * "M/V", "MV", "M.V.", "MT", "M/T", "M.T." (after the punctuation became spaces). */
static size_t skip_prefix(const char *s, size_t n)
{
    static const char *const pre[] = {"M V ", "MV ", "M T ", "MT "};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        size_t k = strlen(pre[i]);
        if (n > k && memcmp(s, pre[i], k) == 0)
            return k;
    }
    return 0;
}

size_t lo_ship_name_norm(const char *name, char *out, size_t cap)
{
    if (!cap)
        return 0;
    char buf[256];
    size_t n = 0;
    bool space = false;
    for (const unsigned char *s = (const unsigned char *)(name ? name : ""); *s && n + 2 < sizeof buf; s++) {
        if (isalnum(*s) && *s < 0x80) {
            if (space && n)
                buf[n++] = ' ';
            space = false;
            buf[n++] = (char)toupper(*s);
        } else {
            space = true; /* AIS pads with '@'; punctuation, dots and slashes separate words */
        }
    }
    buf[n] = '\0';
    size_t k = skip_prefix(buf, n);
    size_t len = n - k;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, buf + k, len);
    out[len] = '\0';
    return len;
}

bool det_imo_valid(uint32_t imo)
{
    if (imo < 1000000 || imo > 9999999)
        return false;
    unsigned sum = 0, x = imo / 10;
    for (unsigned w = 2; w <= 7; w++, x /= 10)
        sum += (x % 10) * w;
    return sum % 10 == imo % 10;
}

/* ---- the list ------------------------------------------------------------------------ */

typedef struct wslot {
    uint32_t key;   /* IMO, MMSI or name hash (never 0: 0 is empty) */
    uint32_t entry; /* index + 1; the top bit marks an alias */
} wslot;
#define ALIAS_BIT 0x80000000u

struct lo_watchlist {
    lo_watch_entry *e;
    uint32_t n;
    wslot *imo, *mmsi, *name;
    uint32_t cap; /* of each table: a power of two, at least twice the keys */
};

static uint32_t mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352dU;
    h ^= h >> 15;
    h *= 0x846ca68bU;
    h ^= h >> 16;
    return h;
}

static uint32_t name_key(const char *norm)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *s = (const unsigned char *)norm; *s; s++)
        h = (h ^ *s) * 16777619u;
    return h ? h : 1;
}

static void tab_put(wslot *t, uint32_t cap, uint32_t key, uint32_t val)
{
    for (uint32_t i = mix(key) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (!t[i].key) {
            t[i].key = key;
            t[i].entry = val;
            return;
        }
        if (t[i].key == key && t[i].entry == val)
            return;
    }
}

void lo_watchlist_destroy(lo_watchlist *w)
{
    if (!w)
        return;
    free(w->e);
    free(w->imo);
    free(w->mmsi);
    free(w->name);
    free(w);
}

uint32_t lo_watchlist_count(const lo_watchlist *w) { return w ? w->n : 0; }

const lo_watch_entry *lo_watchlist_get(const lo_watchlist *w, uint32_t i)
{
    return w && i < w->n ? &w->e[i] : NULL;
}

/* One CSV record (RFC 4180: quoted fields, "" inside quotes) from text at *pos
 * into buf as NUL-terminated fields; returns the field count, 0 at the end, -1
 * when the record is too long. */
#define WL_MAX_FIELDS 32
static int csv_record(const char *text, size_t len, size_t *pos, char *buf, size_t cap, char **f)
{
    size_t p = *pos, k = 0;
    if (p >= len)
        return 0;
    int nf = 0;
    f[nf++] = buf;
    bool quoted = false;
    while (p < len) {
        char c = text[p++];
        if (quoted) {
            if (c == '"') {
                if (p < len && text[p] == '"') {
                    p++;
                } else {
                    quoted = false;
                    continue;
                }
            }
        } else if (c == '"') {
            quoted = true;
            continue;
        } else if (c == ',') {
            if (k + 1 >= cap)
                return -1;
            buf[k++] = '\0';
            if (nf < WL_MAX_FIELDS)
                f[nf++] = buf + k;
            continue;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && p < len && text[p] == '\n')
                p++;
            break;
        }
        if (k + 1 >= cap)
            return -1;
        buf[k++] = c;
    }
    buf[k] = '\0';
    *pos = p;
    return nf;
}

static void copy_trim(char *dst, size_t cap, const char *src)
{
    while (*src == ' ' || *src == '\t')
        src++;
    size_t n = strlen(src);
    while (n && (src[n - 1] == ' ' || src[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static uint32_t parse_u32(const char *s)
{
    while (*s == ' ')
        s++;
    uint64_t v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (++digits > 10 || v > UINT32_MAX)
            return 0;
    }
    while (*s == ' ')
        s++;
    return *s ? 0 : (uint32_t)v;
}

enum { C_ID, C_NAME, C_PROG, C_CALL, C_IMO, C_MMSI, C_ALIAS, C_N };

static int column_of(const char *h)
{
    static const struct {
        const char *name;
        int col;
    } map[] = {{"ofac_ent_num", C_ID}, {"id", C_ID},         {"name", C_NAME},     {"programs", C_PROG},
               {"program", C_PROG},    {"call_sign", C_CALL}, {"callsign", C_CALL}, {"imo", C_IMO},
               {"mmsi", C_MMSI},       {"aliases", C_ALIAS}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(h, map[i].name) == 0)
            return map[i].col;
    return -1;
}

/* err->text = a b c (b quoted input, cut to fit). */
static int fail(lo_detect_error *err, long line, int code, const char *a, const char *b, const char *c)
{
    if (err) {
        err->line = line;
        snprintf(err->text, sizeof err->text, "%s%.100s%s", a, b ? b : "", c ? c : "");
    }
    return code;
}

/* "ANA I;SAND SWAN" -> "ANA I;SAND SWAN" normalised, ';'-separated, whole names only. */
static void norm_aliases(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    dst[0] = '\0';
    while (*src) {
        const char *end = strchr(src, ';');
        size_t n = end ? (size_t)(end - src) : strlen(src);
        char one[128], norm[64];
        if (n >= sizeof one)
            n = sizeof one - 1;
        memcpy(one, src, n);
        one[n] = '\0';
        size_t m = lo_ship_name_norm(one, norm, sizeof norm);
        if (m && k + m + 2 <= cap) {
            if (k)
                dst[k++] = ';';
            memcpy(dst + k, norm, m + 1);
            k += m;
        }
        src += n;
        if (*src == ';')
            src++;
    }
}

#define WL_MAX_FILE (64u << 20)
#define WL_MAX_LINE 8192

int lo_watchlist_load(lo_watchlist **out, const char *path, lo_detect_error *err)
{
    if (!out || !path)
        return LO_E_INVAL;
    *out = NULL;
    char *text, why[160];
    size_t len;
    int rd = util_read_file(path, WL_MAX_FILE, &text, &len, why, sizeof why);
    if (rd) {
        char msg[64]; /* fail() prints a, 100 bytes of b, then c into 200 */
        snprintf(msg, sizeof msg, ": %.60s", why);
        return fail(err, -1, rd == LO_E_RANGE ? LO_E_INVAL : rd, "", path, msg);
    }
    int rc = 0;
    char *buf = malloc(WL_MAX_LINE);
    lo_watchlist *w = calloc(1, sizeof *w);
    if (!buf || !w) {
        rc = LO_E_NOMEM;
        goto out;
    }
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    char *f[WL_MAX_FIELDS];
    int col[C_N];
    for (int i = 0; i < C_N; i++)
        col[i] = -1;
    long line = 1;
    int nf = csv_record(text, len, &pos, buf, WL_MAX_LINE, f);
    if (nf <= 0) {
        rc = fail(err, 1, LO_E_INVAL, "", path, ": no header line");
        goto out;
    }
    for (int i = 0; i < nf; i++) {
        char h[32];
        copy_trim(h, sizeof h, f[i]);
        for (char *c = h; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        int c = column_of(h);
        if (c >= 0 && col[c] < 0)
            col[c] = i;
    }
    if (col[C_NAME] < 0 && col[C_IMO] < 0 && col[C_MMSI] < 0) {
        rc = fail(err, 1, LO_E_INVAL, "", path, ": the header names none of name, imo, mmsi");
        goto out;
    }
    /* Source: the file name without directories and extension. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char stem[40];
    copy_trim(stem, sizeof stem, base);
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = '\0';
    uint32_t ecap = 0;
    for (;;) {
        line++;
        nf = csv_record(text, len, &pos, buf, WL_MAX_LINE, f);
        if (nf == 0)
            break;
        if (nf < 0) {
            rc = fail(err, line, LO_E_INVAL, "record longer than 8192 bytes", NULL, NULL);
            goto out;
        }
        if (nf == 1 && f[0][0] == '\0')
            continue; /* blank line */
        if (w->n == ecap) {
            ecap = ecap ? ecap * 2 : 256;
            lo_watch_entry *e = realloc(w->e, ecap * sizeof *e);
            if (!e) {
                rc = LO_E_NOMEM;
                goto out;
            }
            w->e = e;
        }
        lo_watch_entry *e = &w->e[w->n];
        memset(e, 0, sizeof *e);
#define FIELD(c) (col[c] >= 0 && col[c] < nf ? f[col[c]] : "")
        copy_trim(e->name, sizeof e->name, FIELD(C_NAME));
        lo_ship_name_norm(e->name, e->norm, sizeof e->norm);
        copy_trim(e->callsign, sizeof e->callsign, FIELD(C_CALL));
        for (char *c = e->callsign; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        copy_trim(e->program, sizeof e->program, FIELD(C_PROG));
        norm_aliases(e->aliases, sizeof e->aliases, FIELD(C_ALIAS));
        const char *s;
        if (*(s = FIELD(C_IMO)) && !(e->imo = parse_u32(s))) {
            rc = fail(err, line, LO_E_INVAL, "bad IMO number '", s, "'");
            goto out;
        }
        if (*(s = FIELD(C_MMSI)) && !(e->mmsi = parse_u32(s))) {
            rc = fail(err, line, LO_E_INVAL, "bad MMSI '", s, "'");
            goto out;
        }
        char id[16];
        copy_trim(id, sizeof id, FIELD(C_ID));
        if (!*id)
            snprintf(id, sizeof id, "line %ld", line % 100000000L);
        snprintf(e->source, sizeof e->source, "%.36s, entry %.15s", stem, id);
#undef FIELD
        if (!e->norm[0] && !e->imo && !e->mmsi) {
            rc = fail(err, line, LO_E_INVAL, "no name, IMO or MMSI", NULL, NULL);
            goto out;
        }
        w->n++;
    }
    /* Tables: every name and alias, IMO and MMSI; at most half full. */
    uint32_t keys = 0;
    for (uint32_t i = 0; i < w->n; i++) {
        keys += 1;
        for (const char *a = w->e[i].aliases; *a; a++)
            keys += *a == ';';
        keys += w->e[i].aliases[0] != '\0';
    }
    w->cap = 16;
    while (w->cap < keys * 2)
        w->cap *= 2;
    w->imo = calloc(w->cap, sizeof *w->imo);
    w->mmsi = calloc(w->cap, sizeof *w->mmsi);
    w->name = calloc(w->cap, sizeof *w->name);
    if (!w->imo || !w->mmsi || !w->name) {
        rc = LO_E_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < w->n; i++) {
        const lo_watch_entry *e = &w->e[i];
        if (e->imo)
            tab_put(w->imo, w->cap, e->imo, i + 1);
        if (e->mmsi)
            tab_put(w->mmsi, w->cap, e->mmsi, i + 1);
        if (e->norm[0])
            tab_put(w->name, w->cap, name_key(e->norm), i + 1);
        const char *a = e->aliases;
        while (*a) {
            const char *end = strchr(a, ';');
            size_t n = end ? (size_t)(end - a) : strlen(a);
            char one[64];
            memcpy(one, a, n < sizeof one ? n : sizeof one - 1);
            one[n < sizeof one ? n : sizeof one - 1] = '\0';
            if (strcmp(one, e->norm) != 0)
                tab_put(w->name, w->cap, name_key(one), (i + 1) | ALIAS_BIT);
            a += n;
            if (*a == ';')
                a++;
        }
    }
out:
    free(text);
    free(buf);
    if (rc < 0) {
        lo_watchlist_destroy(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---- matching ------------------------------------------------------------------------ */

/* Is norm one of the entry's aliases? */
static bool has_alias(const lo_watch_entry *e, const char *norm)
{
    size_t n = strlen(norm);
    for (const char *a = e->aliases; *a;) {
        const char *end = strchr(a, ';');
        size_t k = end ? (size_t)(end - a) : strlen(a);
        if (k == n && memcmp(a, norm, n) == 0)
            return true;
        a += k;
        if (*a == ';')
            a++;
    }
    return false;
}

typedef struct mres {
    uint32_t entry;
    uint8_t how;
    bool alias;
} mres;

static void add_match(mres *r, uint32_t *n, uint32_t cap, uint32_t entry, uint8_t how, bool alias)
{
    for (uint32_t i = 0; i < *n; i++)
        if (r[i].entry == entry) {
            if (how > r[i].how) {
                r[i].how = how;
                r[i].alias = alias;
            }
            return;
        }
    if (*n < cap)
        r[(*n)++] = (mres){entry, how, alias};
}

#define MATCH_MAX 64

uint32_t det_watch_match_all(const lo_watchlist *w, uint32_t mmsi, const lo_identity *id, uint32_t *entries,
                             uint8_t *how, bool *alias, uint32_t cap)
{
    if (!w || !w->n)
        return 0;
    mres r[MATCH_MAX];
    uint32_t n = 0;
    uint32_t m = w->cap - 1;
    if (id && id->imo)
        for (uint32_t i = mix(id->imo) & m; w->imo[i].key; i = (i + 1) & m)
            if (w->imo[i].key == id->imo)
                add_match(r, &n, MATCH_MAX, w->imo[i].entry - 1, LO_WATCH_IMO, false);
    if (mmsi)
        for (uint32_t i = mix(mmsi) & m; w->mmsi[i].key; i = (i + 1) & m)
            if (w->mmsi[i].key == mmsi)
                add_match(r, &n, MATCH_MAX, w->mmsi[i].entry - 1, LO_WATCH_MMSI, false);
    char norm[64];
    if (id && lo_ship_name_norm(id->name, norm, sizeof norm)) {
        char cs[12];
        copy_trim(cs, sizeof cs, id->callsign);
        for (char *c = cs; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        uint32_t key = name_key(norm);
        for (uint32_t i = mix(key) & m; w->name[i].key; i = (i + 1) & m) {
            if (w->name[i].key != key)
                continue;
            uint32_t ei = (w->name[i].entry & ~ALIAS_BIT) - 1;
            const lo_watch_entry *e = &w->e[ei];
            bool is_alias = (w->name[i].entry & ALIAS_BIT) != 0;
            if (is_alias ? !has_alias(e, norm) : strcmp(e->norm, norm) != 0)
                continue; /* a hash collision */
            bool call = cs[0] && e->callsign[0] && strcmp(cs, e->callsign) == 0;
            add_match(r, &n, MATCH_MAX, ei, call ? LO_WATCH_CALLSIGN : LO_WATCH_NAME, is_alias);
        }
    }
    /* Strongest first, then list order (insertion sort: a handful). */
    for (uint32_t i = 1; i < n; i++) {
        mres x = r[i];
        uint32_t j = i;
        while (j > 0 && (r[j - 1].how < x.how || (r[j - 1].how == x.how && r[j - 1].entry > x.entry))) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
    for (uint32_t i = 0; i < n && i < cap; i++) {
        if (entries)
            entries[i] = r[i].entry;
        if (how)
            how[i] = r[i].how;
        if (alias)
            alias[i] = r[i].alias;
    }
    return n;
}

const lo_watch_entry *lo_watchlist_match(const lo_watchlist *w, uint32_t mmsi, const lo_identity *id,
                                         lo_watch_match *how)
{
    uint32_t e;
    uint8_t h;
    if (det_watch_match_all(w, mmsi, id, &e, &h, NULL, 1) == 0) {
        if (how)
            *how = LO_WATCH_NONE;
        return NULL;
    }
    if (how)
        *how = (lo_watch_match)h;
    return &w->e[e];
}

/* ---- the detector ---------------------------------------------------------------------- */

static const char *how_key(uint8_t how)
{
    switch (how) {
    case LO_WATCH_IMO: return "imo";
    case LO_WATCH_MMSI: return "mmsi";
    case LO_WATCH_CALLSIGN: return "callsign+name";
    case LO_WATCH_NAME: return "name";
    default: return "none";
    }
}

static uint32_t fingerprint(uint32_t mmsi, const lo_identity *id)
{
    uint32_t h = mix(mmsi ^ 0x9e3779b9u) ^ mix(id->imo + 0x51ed27u);
    char norm[64];
    lo_ship_name_norm(id->name, norm, sizeof norm);
    h = (h ^ name_key(norm)) * 16777619u;
    for (const unsigned char *s = (const unsigned char *)id->callsign; *s; s++)
        h = (h ^ *s) * 16777619u;
    return h ? h : 1;
}

/* Raise the WATCHLIST event of slot k of dv: an instant at the first sighting. */
static void raise(lo_detector *d, dvessel *dv, const lo_vessel *v, uint32_t k, int64_t t)
{
    const lo_watchlist *w = d->env.watch;
    uint32_t ei = (uint32_t)dv->watch.entry[k];
    const lo_watch_entry *e = &w->e[ei];
    uint8_t how = dv->watch.how[k];
    lo_severity sev = how == LO_WATCH_NAME       ? LO_SEV_LOW
                      : how == LO_WATCH_CALLSIGN ? LO_SEV_MEDIUM
                                                 : LO_SEV_HIGH;
    /* An MMSI listed for a ship that now sends another valid IMO: MMSIs are
     * reissued after a re-flag, so the listed ship may be gone. */
    bool imo_differs = how == LO_WATCH_MMSI && e->imo && v->id.imo && v->id.imo != e->imo;
    if (imo_differs)
        sev = LO_SEV_MEDIUM;
    /* A name shared with a listed ship whose IMO is known, by a vessel sending
     * another valid IMO: another hull of the same name. */
    bool other_hull = how <= LO_WATCH_CALLSIGN && e->imo && det_imo_valid(v->id.imo) && v->id.imo != e->imo;
    if (other_hull)
        sev = LO_SEV_INFO;
    bool pos = v->has_position;
    lo_event *ev = det_event_begin(d, LO_EV_WATCHLIST, sev, t, t, pos ? v->last.lat_udeg : LO_UDEG_NONE,
                                   pos ? v->last.lon_udeg : LO_UDEG_NONE);
    det_event_vessel(ev, dv);
    if (pos) {
        det_point p = det_point_of(&v->last);
        det_event_evidence(ev, v->mmsi, &p, "first position");
    }
    det_param_int(ev, "entry", ei);
    det_param_str(ev, "source", e->source);
    det_param_str(ev, "program", e->program);
    det_param_str(ev, "match", how_key(how));
    det_param_str(ev, "listed_name", e->name);
    if (e->imo)
        det_param_int(ev, "listed_imo", e->imo);
    if (e->mmsi)
        det_param_int(ev, "listed_mmsi", e->mmsi);
    if (e->callsign[0])
        det_param_str(ev, "listed_callsign", e->callsign);
    /* Which of the names matched, when it was a name. */
    char norm[64];
    lo_ship_name_norm(v->id.name, norm, sizeof norm);
    if (how <= LO_WATCH_CALLSIGN)
        det_param_bool(ev, "alias", strcmp(norm, e->norm) != 0);
    if (other_hull)
        det_param_str(ev, "note", "same name, another valid IMO: most likely another ship");
    else if (how == LO_WATCH_NAME)
        det_param_str(ev, "note", "name only: weak, ship names repeat");
    if (imo_differs)
        det_param_str(ev, "note", "listed MMSI, but the vessel sends another IMO: MMSI reissued?");
    if (v->id.name[0])
        det_event_summary(ev, "%s (MMSI %09u) matches watch-list entry %s by %s (%s)", v->id.name, v->mmsi, e->name,
                          how_key(how), e->program);
    else
        det_event_summary(ev, "MMSI %09u matches watch-list entry %s by %s (%s)", v->mmsi, e->name, how_key(how),
                          e->program);
    det_event_emit(d, ev, LO_EVENT_CLOSED, ei);
}

/* An MMSI match the vessel's own valid IMO contradicts: the MMSI was
 * reissued after the listed ship re-flagged (MMSIs follow the flag). */
static bool contradicted(const lo_watch_entry *e, uint8_t how, const lo_identity *id)
{
    return how == LO_WATCH_MMSI && e->imo && det_imo_valid(id->imo) && id->imo != e->imo;
}

static void match_vessel(lo_detector *d, dvessel *dv, const lo_vessel *v)
{
    const lo_watchlist *w = d->env.watch;
    if (!w || !w->n || !dv->mmsi)
        return; /* MMSI 0: many ships at once, and no record of its own */
    uint32_t fp = fingerprint(v->mmsi, &v->id);
    if (fp == dv->watch.fp)
        return;
    dv->watch.fp = fp;
    d->watch.matches++;
    uint32_t ent[8];
    uint8_t how[8];
    uint32_t n = det_watch_match_all(w, v->mmsi, &v->id, ent, how, NULL, 8);
    if (n > 8)
        n = 8;
    int64_t t = v->last_seen_ms;
    for (uint32_t i = 0; i < n; i++) {
        det_watch_vessel *s = &dv->watch;
        uint32_t k = 0;
        while (k < s->n && (uint32_t)s->entry[k] != ent[i])
            k++;
        if (k < s->n)
            continue; /* reported already (a weaker or equal match then: one event per entry) */
        if (s->n == DET_WATCH_PER_VESSEL) {
            s->dropped++;
            d->watch.dropped++;
            continue;
        }
        s->entry[k] = (int32_t)ent[i];
        s->how[k] = how[i];
        s->n++;
        /* The mark: the strongest match, name-only ones excluded (too weak to
         * label a vessel "listed" in every other alert). */
        if (how[i] > LO_WATCH_NAME && how[i] > s->best && !contradicted(&w->e[ent[i]], how[i], &v->id)) {
            s->best = how[i];
            dv->who.watch = (int32_t)ent[i];
        }
        if (v->has_position) {
            raise(d, dv, v, k, t);
        } else {
            if (!s->pending)
                d->watch.npending++;
            s->pending |= (uint8_t)(1u << k);
            if (!s->matched_ms)
                s->matched_ms = t;
        }
    }
    /* Marked by MMSI alone at the first position, and now the static data
     * brings another valid IMO: not the listed ship after all. The mark goes
     * to the strongest match still standing, or away. */
    det_watch_vessel *s = &dv->watch;
    if (s->best == LO_WATCH_MMSI && dv->who.watch >= 0 &&
        contradicted(&w->e[dv->who.watch], LO_WATCH_MMSI, &v->id)) {
        s->best = 0;
        dv->who.watch = -1;
        for (uint32_t i = 0; i < n; i++)
            if (how[i] > LO_WATCH_NAME && how[i] > s->best && !contradicted(&w->e[ent[i]], how[i], &v->id)) {
                s->best = how[i];
                dv->who.watch = (int32_t)ent[i];
            }
    }
}

int det_watch_init(lo_detector *d)
{
    memset(&d->watch, 0, sizeof d->watch);
    return 0;
}

void det_watch_free(lo_detector *d) { (void)d; }

static void flush_pending(lo_detector *d, dvessel *dv, const lo_vessel *v)
{
    det_watch_vessel *s = &dv->watch;
    for (uint32_t k = 0; k < s->n; k++)
        if (s->pending & (1u << k))
            raise(d, dv, v, k, s->matched_ms);
    if (s->pending)
        d->watch.npending--;
    s->pending = 0;
}

void det_watch_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    (void)p;
    if (d->watch.npending && dv->watch.pending) /* the global count first: no miss on dv per position */
        flush_pending(d, dv, v);
}

void det_watch_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)c;
    match_vessel(d, dv, v);
}

void det_watch_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { match_vessel(d, dv, v); }

/* A listed vessel that never sent a position: reported when it leaves, without a place. */
static void raise_unplaced(lo_detector *d, dvessel *dv)
{
    det_watch_vessel *s = &dv->watch;
    if (!s->pending)
        return;
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = dv->mmsi;
    v.id.imo = dv->who.imo;
    memcpy(v.id.name, dv->who.name, sizeof v.id.name);
    memcpy(v.id.callsign, dv->who.callsign, sizeof v.id.callsign);
    flush_pending(d, dv, &v);
}

void det_watch_evict(lo_detector *d, dvessel *dv) { raise_unplaced(d, dv); }

void det_watch_advance(lo_detector *d, int64_t now)
{
    (void)d;
    (void)now;
}

void det_watch_finish(lo_detector *d)
{
    if (!d->env.watch)
        return;
    for (uint32_t i = 1; i <= d->nrecords; i++) {
        dvessel *dv = det_vessel_at(d, i);
        if (dv && dv->mmsi)
            raise_unplaced(d, dv);
    }
}
