/* import_csv.c - CSV datasets (US MarineCadastre, Danish Maritime Authority) ->
 * the messages their rows were decoded from. A row's values are written as the
 * JSON `lookout decode` would print, encoded to message bits by the encoder
 * and decoded again: what comes out is an ordinary lo_message, with real bits
 * (the tracker's duplicate check fingerprints them), and nothing here knows a
 * message layout. */
#include "lookout/import.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/encode.h"
#include "lookout/limits.h"
#include "lookout/sentence.h"
#include "format.h"
#include "parse.h"
#include "strbuf.h"
#include "util.h"

/* The columns we read, whatever the format calls them. */
enum {
    C_MMSI, C_TIME, C_LAT, C_LON, C_SOG, C_COG, C_HEADING, C_ROT, C_STATUS, C_NAME, C_IMO, C_CALLSIGN,
    C_SHIPTYPE, C_CARGO, C_LENGTH, C_WIDTH, C_DRAUGHT, C_DEST, C_ETA, C_CLASS, C_EPFD, C_A, C_B, C_C, C_D,
    C_COUNT
};

static const char *const mc_names[C_COUNT] = {
    [C_MMSI] = "MMSI", [C_TIME] = "BaseDateTime", [C_LAT] = "LAT", [C_LON] = "LON", [C_SOG] = "SOG",
    [C_COG] = "COG", [C_HEADING] = "Heading", [C_STATUS] = "Status", [C_NAME] = "VesselName", [C_IMO] = "IMO",
    [C_CALLSIGN] = "CallSign", [C_SHIPTYPE] = "VesselType", [C_LENGTH] = "Length", [C_WIDTH] = "Width",
    [C_DRAUGHT] = "Draft", [C_CLASS] = "TransceiverClass",
};

static const char *const dma_names[C_COUNT] = {
    [C_MMSI] = "MMSI", [C_TIME] = "Timestamp", [C_LAT] = "Latitude", [C_LON] = "Longitude", [C_SOG] = "SOG",
    [C_COG] = "COG", [C_HEADING] = "Heading", [C_ROT] = "ROT", [C_STATUS] = "Navigational status",
    [C_NAME] = "Name", [C_IMO] = "IMO", [C_CALLSIGN] = "Callsign", [C_SHIPTYPE] = "Ship type",
    [C_CARGO] = "Cargo type", [C_LENGTH] = "Length", [C_WIDTH] = "Width", [C_DRAUGHT] = "Draught",
    [C_DEST] = "Destination", [C_ETA] = "ETA", [C_CLASS] = "Type of mobile",
    [C_EPFD] = "Type of position fixing device", [C_A] = "A", [C_B] = "B", [C_C] = "C", [C_D] = "D",
};

/* What kind of station a row describes, hence which messages it becomes. */
typedef enum { K_CLASS_A, K_CLASS_B, K_BASE, K_ATON, K_SAR } station;

typedef struct field {
    const char *p;
    size_t n;
} field;

typedef struct static_entry {
    uint32_t mmsi;
    uint32_t used;
    uint64_t hash;
} static_entry;

struct lo_import {
    lo_import_format format;
    char sep;
    int col[C_COUNT]; /* field index of each column, -1 when absent */
    int need;         /* fields a row must have: 1 + the largest required index */
    lo_import_stats stats;
    char scratch[LO_IMPORT_MAX_LINE]; /* unquoted field text */
    static_entry cache[LO_IMPORT_STATIC_CACHE];
};

/* ---- fields ---- */

/* Split a line into fields (RFC 4180 quotes; "" inside quotes is a quote).
 * Unquoted text is pointed to in place, quoted text copied to scratch.
 * Returns the number of fields or -1 for an unterminated quote. */
static int split(const char *s, size_t n, char sep, field *f, int max, char *scratch)
{
    int nf = 0;
    size_t i = 0, used = 0;
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    for (;;) {
        if (nf == max)
            return nf; /* further fields are not ours */
        if (i < n && s[i] == '"') {
            char *out = scratch + used;
            size_t k = 0;
            i++;
            for (;;) {
                if (i >= n)
                    return -1;
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        out[k++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[k++] = s[i++];
            }
            used += k;
            f[nf].p = out;
            f[nf].n = k;
            while (i < n && s[i] != sep) /* text after the closing quote is ignored */
                i++;
        } else {
            size_t start = i;
            while (i < n && s[i] != sep)
                i++;
            f[nf].p = s + start;
            f[nf].n = i - start;
        }
        nf++;
        if (i >= n)
            return nf;
        i++; /* the separator */
    }
}

static bool name_eq(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* The separator of a header line: ',' unless there is none and ';' or tab is there. */
static char header_sep(const char *s, size_t n)
{
    if (memchr(s, ',', n))
        return ',';
    if (memchr(s, ';', n))
        return ';';
    if (memchr(s, '\t', n))
        return '\t';
    return ',';
}

/* Map header names to columns for one format; returns how many required
 * columns (MMSI, time, lat, lon) were found. */
static int map_columns(const field *f, int nf, const char *const names[C_COUNT], int col[C_COUNT])
{
    for (int c = 0; c < C_COUNT; c++)
        col[c] = -1;
    for (int i = 0; i < nf; i++) {
        const char *p = f[i].p;
        size_t n = f[i].n;
        lo_trim(&p, &n);
        while (n && (*p == '#' || *p == ' ')) { /* DMA: "# Timestamp" */
            p++;
            n--;
        }
        for (int c = 0; c < C_COUNT; c++)
            if (names[c] && col[c] < 0 && name_eq(p, n, names[c]))
                col[c] = i;
    }
    return (col[C_MMSI] >= 0) + (col[C_TIME] >= 0) + (col[C_LAT] >= 0) + (col[C_LON] >= 0);
}

static lo_import_format detect(const char *line, size_t len, int col[C_COUNT], char *sep)
{
    if (!line || len > LO_IMPORT_MAX_LINE)
        return LO_IMPORT_NONE;
    field f[LO_IMPORT_MAX_FIELDS];
    char scratch[LO_IMPORT_MAX_LINE];
    *sep = header_sep(line, len);
    int nf = split(line, len, *sep, f, LO_IMPORT_MAX_FIELDS, scratch);
    if (nf < 4)
        return LO_IMPORT_NONE;
    if (map_columns(f, nf, mc_names, col) == 4)
        return LO_IMPORT_MARINECADASTRE;
    if (map_columns(f, nf, dma_names, col) == 4 && col[C_CLASS] >= 0)
        return LO_IMPORT_DMA;
    return LO_IMPORT_NONE;
}

lo_import_format lo_import_detect(const char *line, size_t len)
{
    int col[C_COUNT];
    char sep;
    return detect(line, len, col, &sep);
}

const char *lo_import_format_name(lo_import_format f)
{
    switch (f) {
    case LO_IMPORT_MARINECADASTRE: return "marinecadastre";
    case LO_IMPORT_DMA: return "dma";
    default: return "";
    }
}

static const char *const reject_keys[] = {
    "",
#define LO_X_(sym, key, msg) key,
    LO_IMPORT_REJECT_MAP(LO_X_)
#undef LO_X_
};
static const char *const reject_texts[] = {
    "",
#define LO_X_(sym, key, msg) msg,
    LO_IMPORT_REJECT_MAP(LO_X_)
#undef LO_X_
};

const char *lo_import_reject_key(lo_import_reject r)
{
    return (unsigned)r < LO_IMPORT_REJECT_COUNT ? reject_keys[r] : "unknown";
}

const char *lo_import_reject_text(lo_import_reject r)
{
    return (unsigned)r < LO_IMPORT_REJECT_COUNT ? reject_texts[r] : "unknown";
}

int lo_import_create(const char *header, size_t len, lo_import **out)
{
    if (!out)
        return LO_E_INVAL;
    *out = NULL;
    int col[C_COUNT];
    char sep;
    lo_import_format f = detect(header, len, col, &sep);
    if (f == LO_IMPORT_NONE)
        return LO_E_INVAL;
    lo_import *imp = calloc(1, sizeof *imp);
    if (!imp)
        return LO_E_NOMEM;
    imp->format = f;
    imp->sep = sep;
    memcpy(imp->col, col, sizeof col);
    imp->need = 0;
    for (int c = C_MMSI; c <= C_LON; c++)
        if (col[c] + 1 > imp->need)
            imp->need = col[c] + 1;
    *out = imp;
    return 0;
}

void lo_import_destroy(lo_import *imp) { free(imp); }

lo_import_format lo_import_get_format(const lo_import *imp) { return imp ? imp->format : LO_IMPORT_NONE; }

const lo_import_stats *lo_import_get_stats(const lo_import *imp) { return &imp->stats; }

/* ---- values ---- */

typedef struct row {
    const lo_import *imp;
    field f[LO_IMPORT_MAX_FIELDS];
    int nf;
} row;

/* Column c of the row, trimmed; empty when absent. */
static field get(const row *r, int c)
{
    field out = {"", 0};
    int i = r->imp->col[c];
    if (i >= 0 && i < r->nf) {
        out = r->f[i];
        lo_trim(&out.p, &out.n);
    }
    return out;
}

/* DMA writes "Unknown" / "Undefined" where a value is not available. */
static bool unknown(field v)
{
    return v.n == 0 || name_eq(v.p, v.n, "Unknown") || name_eq(v.p, v.n, "Undefined") ||
           name_eq(v.p, v.n, "Unknown value") || name_eq(v.p, v.n, "NULL") || name_eq(v.p, v.n, "NaN");
}

/* A number with `dec` decimals; false when absent. *bad set when present but not a number. */
static bool number(const row *r, int c, int dec, int64_t *out, bool *bad)
{
    field v = get(r, c);
    if (unknown(v))
        return false;
    if (lo_parse_fixed(v.p, v.n, dec, r->imp->sep != ',', out)) {
        *bad = true;
        return false;
    }
    return true;
}

static bool starts_with_ci(field v, const char *prefix)
{
    size_t n = strlen(prefix);
    return v.n >= n && name_eq(v.p, n, prefix);
}

static bool contains_ci(field v, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= v.n; i++)
        if (name_eq(v.p + i, n, needle))
            return true;
    return false;
}

/* ITU-R M.1371 navigational status from the DMA's text. */
static int status_from_text(field v)
{
    static const struct {
        const char *text;
        int code;
    } map[] = {
        {"under way using engine", 0}, {"at anchor", 1}, {"not under command", 2}, {"restricted", 3},
        {"constrained", 4}, {"moored", 5}, {"aground", 6}, {"engaged in fishing", 7}, {"under way sailing", 8},
        {"[hsc]", 9}, {"[wig]", 10}, {"towing astern", 11}, {"pushing ahead", 12}, {"reserved for future use", 13},
        {"ais-sart", 14},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (contains_ci(v, map[i].text))
            return map[i].code;
    return 15;
}

/* AIS ship type from the DMA's text, with the cargo category as second digit. */
static int shiptype_from_text(field type, field cargo)
{
    static const struct {
        const char *text;
        int code;
    } map[] = {
        {"Towing long/wide", 32}, {"Towing", 31}, {"WIG", 20}, {"Fishing", 30}, {"Dredging", 33},
        {"Diving", 34}, {"Military", 35}, {"Sailing", 36}, {"Pleasure", 37}, {"HSC", 40}, {"Pilot", 50},
        {"SAR", 51}, {"Tug", 52}, {"Port tender", 53}, {"Anti-pollution", 54}, {"Law enforcement", 55},
        {"Spare 1", 56}, {"Spare 2", 57}, {"Medical", 58}, {"Not party to conflict", 59}, {"Passenger", 60},
        {"Cargo", 70}, {"Tanker", 80}, {"Other", 90}, {"Reserved", 38},
    };
    int code = 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (name_eq(type.p, type.n, map[i].text)) {
            code = map[i].code;
            break;
        }
    if (code % 10 == 0 && code >= 20 && code != 30 && code != 50) { /* types with a hazard digit */
        if (contains_ci(cargo, "category x"))
            code += 1;
        else if (contains_ci(cargo, "category y"))
            code += 2;
        else if (contains_ci(cargo, "category z"))
            code += 3;
        else if (contains_ci(cargo, "category os"))
            code += 4;
    }
    return code;
}

static int epfd_from_text(field v)
{
    static const char *const names[] = {"Undefined", "GPS", "GLONASS", "Combined GPS/GLONASS", "Loran-C",
                                        "Chayka", "Integrated navigation system", "Surveyed", "Galileo"};
    for (int i = 1; i < (int)(sizeof names / sizeof *names); i++)
        if (name_eq(v.p, v.n, names[i]))
            return i;
    return 0;
}

static station station_of(const row *r)
{
    field v = get(r, C_CLASS);
    if (r->imp->format == LO_IMPORT_MARINECADASTRE)
        return v.n == 1 && (v.p[0] == 'B' || v.p[0] == 'b') ? K_CLASS_B : K_CLASS_A;
    if (starts_with_ci(v, "Class B"))
        return K_CLASS_B;
    if (starts_with_ci(v, "Base Station"))
        return K_BASE;
    if (starts_with_ci(v, "AtoN"))
        return K_ATON;
    if (starts_with_ci(v, "SAR Airborne"))
        return K_SAR;
    return K_CLASS_A; /* Class A, and SART / MOB / EPIRB, which send type 1 */
}

/* AIS text: upper case, six-bit characters only (others become '?'), at most
 * max characters, trailing blanks dropped; "Unknown" is no text. */
static void ais_text(field v, size_t max, char *out)
{
    size_t n = 0;
    if (!unknown(v)) {
        for (size_t i = 0; i < v.n && n < max; i++) {
            unsigned char c = (unsigned char)v.p[i];
            if (c >= 'a' && c <= 'z')
                c = (unsigned char)(c - 'a' + 'A');
            if (c < 0x20 || c > 0x5F || c == '@')
                c = '?';
            out[n++] = (char)c;
        }
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void put_json_text(strbuf *b, const char *key, const char *text)
{
    sb_putc(b, ',');
    sb_putc(b, '"');
    sb_puts(b, key);
    sb_puts(b, "\":\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_putc(b, '\\');
        sb_putc(b, *p);
    }
    sb_putc(b, '"');
}

static void put_json_int(strbuf *b, const char *key, int64_t v)
{
    sb_putc(b, ',');
    sb_putc(b, '"');
    sb_puts(b, key);
    sb_puts(b, "\":");
    sb_i64(b, v);
}

/* Degrees (microdegrees) to the message's 1/10000 minute, rounded. */
static int64_t udeg_to_min4(int64_t udeg) { return (udeg * 6 + (udeg >= 0 ? 5 : -5)) / 10; }

/* The static part of a row. */
typedef struct statics {
    char name[21], callsign[8], dest[21];
    int64_t imo, shiptype, bow, stern, port, starboard, draught, epfd;
    int eta_month, eta_day, eta_hour, eta_minute;
    bool any;
} statics;

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static void read_statics(const row *r, statics *st, bool *bad)
{
    memset(st, 0, sizeof *st);
    ais_text(get(r, C_NAME), 20, st->name);
    ais_text(get(r, C_CALLSIGN), 7, st->callsign);
    ais_text(get(r, C_DEST), 20, st->dest);
    field imo = get(r, C_IMO);
    if (starts_with_ci(imo, "IMO")) {
        imo.p += 3;
        imo.n -= 3;
    }
    uint64_t u;
    if (!unknown(imo) && lo_parse_uint(imo.p, imo.n, (1u << 30) - 1, &u) == 0)
        st->imo = (int64_t)u;
    int64_t v;
    if (r->imp->format == LO_IMPORT_DMA) {
        st->shiptype = shiptype_from_text(get(r, C_SHIPTYPE), get(r, C_CARGO));
        st->epfd = epfd_from_text(get(r, C_EPFD));
    } else if (number(r, C_SHIPTYPE, 0, &v, bad) && v > 0 && v < 100) {
        st->shiptype = v;
    }
    /* Dimensions: A, B, C, D (bow, stern, port, starboard) when given, else
     * the length and width split in halves about the antenna. */
    int64_t a, b, c, d;
    bool ba = number(r, C_A, 0, &a, bad), bb = number(r, C_B, 0, &b, bad);
    bool bc = number(r, C_C, 0, &c, bad), bd = number(r, C_D, 0, &d, bad);
    if (ba && bb && bc && bd && (a | b | c | d)) {
        st->bow = clamp(a, 0, 511);
        st->stern = clamp(b, 0, 511);
        st->port = clamp(c, 0, 63);
        st->starboard = clamp(d, 0, 63);
    } else {
        int64_t len = 0, wid = 0;
        if (number(r, C_LENGTH, 0, &len, bad) && len > 0) {
            st->stern = clamp(len / 2, 0, 511);
            st->bow = clamp(len - len / 2, 0, 511);
        }
        if (number(r, C_WIDTH, 0, &wid, bad) && wid > 0) {
            st->starboard = clamp(wid / 2, 0, 63);
            st->port = clamp(wid - wid / 2, 0, 63);
        }
    }
    if (number(r, C_DRAUGHT, 1, &v, bad) && v > 0)
        st->draught = clamp(v, 0, 255);
    field eta = get(r, C_ETA);
    int64_t ms;
    if (!unknown(eta) && lo_parse_dmy_time(eta.p, eta.n, &ms) == 0) {
        int y, sec, milli;
        lo_ms_to_utc(ms, &y, &st->eta_month, &st->eta_day, &st->eta_hour, &st->eta_minute, &sec, &milli);
    }
    st->any = st->name[0] || st->callsign[0] || st->dest[0] || st->imo || st->shiptype || st->bow || st->stern ||
              st->port || st->starboard || st->draught || st->eta_month;
}

static uint64_t statics_hash(const statics *st, station k)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)k;
    const unsigned char *p = (const unsigned char *)st;
    for (size_t i = 0; i < sizeof *st; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* True when this static content is new for the MMSI (and remember it). */
static bool statics_changed(lo_import *imp, uint32_t mmsi, uint64_t h)
{
    static_entry *e = &imp->cache[(mmsi * 2654435761u) % LO_IMPORT_STATIC_CACHE];
    if (e->used && e->mmsi == mmsi && e->hash == h)
        return false;
    e->used = 1;
    e->mmsi = mmsi;
    e->hash = h;
    return true;
}

/* JSON -> bits -> message. */
static int make(const strbuf *b, int64_t time_ms, lo_message *m)
{
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    if (b->overflow || lo_encode_json(b->p, b->len, NULL, bits, &nbits, NULL, NULL, 0))
        return -1;
    lo_reject why;
    if (lo_decode(bits, nbits, m, &why))
        return -1;
    memset(&m->meta, 0, sizeof m->meta);
    m->meta.rx_time_ms = time_ms;
    return 0;
}

static void sb_init(strbuf *b, char *buf, size_t cap)
{
    b->p = buf;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
}

static int reject(lo_import *imp, lo_import_reject r, lo_import_reject *why)
{
    imp->stats.rejected++;
    imp->stats.reject[r]++;
    if (why)
        *why = r;
    return LO_E_REJECTED;
}

int lo_import_row(lo_import *imp, const char *line, size_t len, lo_message out[LO_IMPORT_MAX_MESSAGES],
                  lo_import_reject *why)
{
    if (!imp || !line || !out)
        return LO_E_INVAL;
    if (why)
        *why = LO_IMPORT_OK;
    const char *t = line;
    size_t tn = len;
    lo_trim(&t, &tn);
    while (tn && (t[tn - 1] == '\n' || t[tn - 1] == '\r'))
        tn--;
    if (tn == 0)
        return 0;
    imp->stats.rows++;
    if (len > LO_IMPORT_MAX_LINE)
        return reject(imp, LO_IMPORT_REJECT_LINE_TOO_LONG, why);
    row r = {.imp = imp};
    r.nf = split(line, len, imp->sep, r.f, LO_IMPORT_MAX_FIELDS, imp->scratch);
    if (r.nf < 0)
        return reject(imp, LO_IMPORT_REJECT_BAD_QUOTES, why);
    if (r.nf < imp->need)
        return reject(imp, LO_IMPORT_REJECT_FIELD_COUNT, why);

    field f = get(&r, C_MMSI);
    uint64_t mmsi;
    if (lo_parse_uint(f.p, f.n, 999999999, &mmsi) || mmsi == 0)
        return reject(imp, LO_IMPORT_REJECT_BAD_MMSI, why);
    f = get(&r, C_TIME);
    int64_t time_ms;
    if ((imp->format == LO_IMPORT_DMA ? lo_parse_dmy_time(f.p, f.n, &time_ms)
                                      : lo_parse_iso_time(f.p, f.n, &time_ms)))
        return reject(imp, LO_IMPORT_REJECT_BAD_TIME, why);

    bool bad = false;
    int64_t lat, lon, sog = -1, cog = -1, heading = -1, rot = 0, status = 15, v;
    bool have_lat = number(&r, C_LAT, 6, &lat, &bad), have_lon = number(&r, C_LON, 6, &lon, &bad);
    bool pos = have_lat && have_lon && lat >= -90000000 && lat <= 90000000 && lon >= -180000000 &&
               lon <= 180000000;
    if (number(&r, C_SOG, 1, &v, &bad))
        sog = v;
    if (number(&r, C_COG, 1, &v, &bad))
        cog = v;
    if (number(&r, C_HEADING, 0, &v, &bad))
        heading = v;
    bool have_rot = number(&r, C_ROT, 3, &rot, &bad);
    if (imp->format == LO_IMPORT_DMA)
        status = status_from_text(get(&r, C_STATUS));
    else if (number(&r, C_STATUS, 0, &v, &bad) && v >= 0 && v <= 15)
        status = v;
    statics st;
    read_statics(&r, &st, &bad);
    if (bad)
        return reject(imp, LO_IMPORT_REJECT_BAD_NUMBER, why);

    station k = station_of(&r);
    int second = (int)(time_ms / 1000 % 60);
    int64_t speed = sog < 0 || sog >= 1023 ? 1023 : sog > 1022 ? 1022 : sog;
    int64_t course = cog < 0 || cog >= 3600 ? 3600 : cog;
    int64_t hdg = heading < 0 || heading > 359 ? 511 : heading;
    char json[1024];
    strbuf b;
    int n = 0, npos = 0;
    if (pos) {
        sb_init(&b, json, sizeof json);
        int type = k == K_CLASS_B ? 18 : k == K_BASE ? 4 : k == K_ATON ? 21 : k == K_SAR ? 9 : 1;
        sb_puts(&b, "{\"type\":");
        sb_i64(&b, type);
        put_json_int(&b, "mmsi", (int64_t)mmsi);
        put_json_int(&b, "lon", udeg_to_min4(lon));
        put_json_int(&b, "lat", udeg_to_min4(lat));
        switch (type) {
        case 1: {
            int64_t turn = -128; /* not available */
            if (have_rot) { /* degrees per minute -> ITU ROT_AIS = 4.733 sqrt(ROT) */
                double x = 4.733 * sqrt(fabs((double)rot / 1000.0));
                turn = (int64_t)(x + 0.5);
                if (turn > 126)
                    turn = 126;
                if (rot < 0)
                    turn = -turn;
            }
            put_json_int(&b, "status", status);
            put_json_int(&b, "turn", turn);
        }
            /* fall through */
        case 18:
            put_json_int(&b, "speed", speed);
            put_json_int(&b, "course", course);
            put_json_int(&b, "heading", hdg);
            put_json_int(&b, "second", second);
            break;
        case 9: /* whole knots */
            put_json_int(&b, "speed", speed == 1023 ? 1023 : (speed + 5) / 10);
            put_json_int(&b, "course", course);
            put_json_int(&b, "second", second);
            put_json_int(&b, "alt", 4095);
            break;
        case 4: {
            int y, mo, d, h, mi, sec, ms;
            lo_ms_to_utc(time_ms, &y, &mo, &d, &h, &mi, &sec, &ms);
            char ts[32];
            strbuf tb;
            sb_init(&tb, ts, sizeof ts - 1);
            sb_u_pad(&tb, (uint64_t)y, 4);
            sb_putc(&tb, '-');
            sb_u_pad(&tb, (uint64_t)mo, 2);
            sb_putc(&tb, '-');
            sb_u_pad(&tb, (uint64_t)d, 2);
            sb_putc(&tb, 'T');
            sb_u_pad(&tb, (uint64_t)h, 2);
            sb_putc(&tb, ':');
            sb_u_pad(&tb, (uint64_t)mi, 2);
            sb_putc(&tb, ':');
            sb_u_pad(&tb, (uint64_t)sec, 2);
            sb_putc(&tb, 'Z');
            ts[tb.len] = '\0';
            put_json_text(&b, "timestamp", ts);
            put_json_int(&b, "epfd", st.epfd);
            break;
        }
        case 21:
            put_json_text(&b, "name", st.name);
            put_json_int(&b, "to_bow", st.bow);
            put_json_int(&b, "to_stern", st.stern);
            put_json_int(&b, "to_port", st.port);
            put_json_int(&b, "to_starboard", st.starboard);
            put_json_int(&b, "epfd", st.epfd);
            put_json_int(&b, "second", second);
            break;
        }
        sb_putc(&b, '}');
        if (make(&b, time_ms, &out[n]))
            return reject(imp, LO_IMPORT_REJECT_ENCODE, why);
        n++;
        npos = 1;
    }
    /* Static data of ships, when it changed for this MMSI. */
    if (st.any && (k == K_CLASS_A || k == K_CLASS_B) && statics_changed(imp, (uint32_t)mmsi, statics_hash(&st, k))) {
        sb_init(&b, json, sizeof json);
        if (k == K_CLASS_A) {
            sb_puts(&b, "{\"type\":5");
            put_json_int(&b, "mmsi", (int64_t)mmsi);
            put_json_int(&b, "imo", st.imo);
            put_json_text(&b, "callsign", st.callsign);
            put_json_text(&b, "shipname", st.name);
            put_json_int(&b, "shiptype", st.shiptype);
            put_json_int(&b, "to_bow", st.bow);
            put_json_int(&b, "to_stern", st.stern);
            put_json_int(&b, "to_port", st.port);
            put_json_int(&b, "to_starboard", st.starboard);
            put_json_int(&b, "epfd", st.epfd);
            char eta[16];
            strbuf eb;
            sb_init(&eb, eta, sizeof eta - 1);
            /* ETA in type 5's raw form; not available = 00-00T24:60 */
            int64_t raw = st.eta_month ? ((int64_t)st.eta_month << 16) | (st.eta_day << 11) |
                                             (st.eta_hour << 6) | st.eta_minute
                                       : (24 << 6) | 60;
            lo_fmt_mdhm(&eb, raw);
            eta[eb.len] = '\0';
            put_json_text(&b, "eta", eta);
            put_json_int(&b, "draught", st.draught);
            put_json_text(&b, "destination", st.dest);
            sb_putc(&b, '}');
            if (make(&b, time_ms, &out[n]))
                return reject(imp, LO_IMPORT_REJECT_ENCODE, why);
            n++;
        } else {
            if (st.name[0]) {
                sb_puts(&b, "{\"type\":24,\"part\":\"A\"");
                put_json_int(&b, "mmsi", (int64_t)mmsi);
                put_json_text(&b, "shipname", st.name);
                sb_putc(&b, '}');
                if (make(&b, time_ms, &out[n]))
                    return reject(imp, LO_IMPORT_REJECT_ENCODE, why);
                n++;
            }
            if (st.callsign[0] || st.shiptype || st.bow || st.stern || st.port || st.starboard) {
                sb_init(&b, json, sizeof json);
                sb_puts(&b, "{\"type\":24,\"part\":\"B\"");
                put_json_int(&b, "mmsi", (int64_t)mmsi);
                put_json_int(&b, "shiptype", st.shiptype);
                put_json_text(&b, "callsign", st.callsign);
                put_json_int(&b, "to_bow", st.bow);
                put_json_int(&b, "to_stern", st.stern);
                put_json_int(&b, "to_port", st.port);
                put_json_int(&b, "to_starboard", st.starboard);
                sb_putc(&b, '}');
                if (make(&b, time_ms, &out[n]))
                    return reject(imp, LO_IMPORT_REJECT_ENCODE, why);
                n++;
            }
        }
    }
    if (!pos && !st.any)
        return reject(imp, LO_IMPORT_REJECT_NOTHING, why);
    imp->stats.messages += (uint64_t)n;
    imp->stats.positions += (uint64_t)npos;
    imp->stats.statics += (uint64_t)(n - npos);
    return n;
}
