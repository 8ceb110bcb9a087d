/* ports.c - ports and anchorages -> "which is nearest, and how far?". The NGA
 * World Port Index and Global Fishing Watch's named anchorages are read from
 * CSV (columns found by name), their names kept in one string pool, and each
 * source indexed in its own bounding-volume hierarchy of unit vectors
 * (sphtree.c), so the nearest is exact on the sphere wherever the point is. */
#include "lookout/geo.h"

#include <stdlib.h>
#include <string.h>

#include "geo_internal.h"
#include "lookout/limits.h"
#include "sphtree.h"

#define MAX_FIELDS 32

typedef struct rec {
    double v[3]; /* unit vector */
} rec;

struct lo_ports {
    lo_port *ports; /* WPI first, then anchorages, each in its tree's leaf order */
    rec *recs;      /* the same order */
    uint32_t n, nwpi, rejected;
    char *pool;
    lo_sphtree tree[2]; /* WPI, anchorages */
};

/* ---- reading: CSV --------------------------------------------------------------- */

typedef struct loader {
    lo_port *ports;
    size_t n, cap;
    char *pool;
    size_t plen, pcap;
    uint32_t rejected;
    lo_geo_error *err;
} loader;

/* Pool offsets live in the pointer fields until the pool stops moving. */
static int pool_add(loader *ld, const char *s, size_t len, const char **off)
{
    if (ld->plen + len + 1 > ld->pcap) {
        size_t ncap = ld->pcap ? ld->pcap * 2 : 1u << 16;
        while (ncap < ld->plen + len + 1)
            ncap *= 2;
        char *np = realloc(ld->pool, ncap);
        if (!np)
            return LO_E_NOMEM;
        ld->pool = np;
        ld->pcap = ncap;
    }
    memcpy(ld->pool + ld->plen, s, len);
    ld->pool[ld->plen + len] = '\0';
    *off = (const char *)(uintptr_t)ld->plen;
    ld->plen += len + 1;
    return 0;
}

/* Split one CSV record (RFC 4180: quoted fields, "" inside quotes) of the text
 * at *pos into fields, unquoted into buf (each NUL-terminated). Returns the
 * number of fields, 0 at the end of the text, or LO_E_RANGE for a record beyond
 * the buffer or maxf fields. */
static int csv_record(const char *text, size_t len, size_t *pos, char *buf, size_t bufcap, const char **f,
                      size_t *flen, int maxf)
{
    size_t i = *pos, o = 0;
    if (i >= len)
        return 0;
    for (int nf = 0;; nf++) {
        if (nf >= maxf)
            return LO_E_RANGE;
        f[nf] = buf + o;
        size_t start = o;
        if (i < len && text[i] == '"') {
            for (i++; i < len;) {
                char ch = text[i];
                if (ch == '"') {
                    if (i + 1 >= len || text[i + 1] != '"') {
                        i++;
                        break;
                    }
                    i++; /* "" is one quote */
                }
                if (o + 1 >= bufcap)
                    return LO_E_RANGE;
                buf[o++] = ch;
                i++;
            }
        }
        while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
            if (o + 1 >= bufcap)
                return LO_E_RANGE;
            buf[o++] = text[i++];
        }
        flen[nf] = o - start;
        if (o >= bufcap)
            return LO_E_RANGE;
        buf[o++] = '\0';
        if (i < len && text[i] == ',') {
            i++;
            continue;
        }
        if (i < len && text[i] == '\r')
            i++;
        if (i < len && text[i] == '\n')
            i++;
        *pos = i;
        return nf + 1;
    }
}

static int find_col(const char **f, const size_t *flen, int nf, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < nf; i++) {
        const char *s = f[i];
        size_t l = flen[i];
        if (i == 0 && l >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF) {
            s += 3; /* UTF-8 byte order mark */
            l -= 3;
        }
        if (l == len && memcmp(s, name, len) == 0)
            return i;
    }
    return -1;
}

static bool parse_deg(const char *s, size_t len, double lim, double *out)
{
    if (len == 0 || len > 40)
        return false;
    char *end;
    double v = strtod(s, &end);
    if (end != s + len || !(v >= -lim && v <= lim))
        return false;
    *out = v;
    return true;
}

static uint32_t parse_u32(const char *s, size_t len)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v > UINT32_MAX ? 0 : (uint32_t)v;
}

/* Columns: lat, lon, name, country, locode, number (-1: absent). */
enum { C_LAT, C_LON, C_NAME, C_COUNTRY, C_LOCODE, C_NUMBER, NCOLS };

static int load_csv(loader *ld, const char *path, lo_port_kind kind)
{
    static const char *const names[2][NCOLS] = {
        {"lat", "lon", "name", "country", "unlocode", "wpi_number"},
        {"latitude", "longitude", "label", "iso3", "sublabel", NULL},
    };
    const char *const *want = names[kind == LO_PORT_WPI ? 0 : 1];
    char *text;
    size_t len;
    int rc = geo_read_file(path, LO_GEO_MAX_FILE, &text, &len, ld->err);
    if (rc)
        return rc;
    const char *base = geo_basename(path);
    char *buf = malloc(LO_GEO_MAX_CSV_LINE + 1);
    if (!buf) {
        free(text);
        return LO_E_NOMEM;
    }
    const char *f[MAX_FIELDS];
    size_t flen[MAX_FIELDS];
    size_t pos = 0;
    long line = 1;
    int col[NCOLS];
    int nf = csv_record(text, len, &pos, buf, LO_GEO_MAX_CSV_LINE + 1, f, flen, MAX_FIELDS);
    if (nf <= 0) {
        geo_error(ld->err, line, "%s: no header line", base);
        rc = LO_E_INVAL;
        goto out;
    }
    for (int c = 0; c < NCOLS; c++) {
        col[c] = want[c] ? find_col(f, flen, nf, want[c]) : -1;
        if (col[c] < 0 && c <= C_NAME) {
            geo_error(ld->err, line, "%s: no column \"%s\"", base, want[c]);
            rc = LO_E_INVAL;
            goto out;
        }
    }
    for (;;) {
        line++;
        nf = csv_record(text, len, &pos, buf, LO_GEO_MAX_CSV_LINE + 1, f, flen, MAX_FIELDS);
        if (nf == 0)
            break;
        if (nf < 0) {
            geo_error(ld->err, line, "%s: line longer than %u bytes or more than %d fields", base,
                      (unsigned)LO_GEO_MAX_CSV_LINE, MAX_FIELDS);
            rc = nf;
            goto out;
        }
        if (nf == 1 && flen[0] == 0)
            continue; /* blank line */
        if (ld->n >= LO_GEO_MAX_PORTS) {
            geo_error(ld->err, line, "%s: more than %u ports", base, (unsigned)LO_GEO_MAX_PORTS);
            rc = LO_E_RANGE;
            goto out;
        }
        if (ld->n == ld->cap) {
            size_t ncap = ld->cap ? ld->cap * 2 : 4096;
            lo_port *np = realloc(ld->ports, ncap * sizeof *np);
            if (!np) {
                rc = LO_E_NOMEM;
                goto out;
            }
            ld->ports = np;
            ld->cap = ncap;
        }
        lo_port *p = &ld->ports[ld->n];
        memset(p, 0, sizeof *p);
        p->kind = kind;
        if (col[C_LAT] >= nf || col[C_LON] >= nf || !parse_deg(f[col[C_LAT]], flen[col[C_LAT]], 90, &p->lat) ||
            !parse_deg(f[col[C_LON]], flen[col[C_LON]], 180, &p->lon)) {
            ld->rejected++; /* GFW's list has one: POINTE NOIRE at longitude 1001 */
            continue;
        }
        const char **dst[] = {&p->name, &p->country, &p->locode};
        for (int c = C_NAME; c <= C_LOCODE; c++) {
            int k = col[c];
            rc = k >= 0 && k < nf ? pool_add(ld, f[k], flen[k], dst[c - C_NAME]) : pool_add(ld, "", 0, dst[c - C_NAME]);
            if (rc)
                goto out;
        }
        if (col[C_NUMBER] >= 0 && col[C_NUMBER] < nf)
            p->number = parse_u32(f[col[C_NUMBER]], flen[col[C_NUMBER]]);
        ld->n++;
    }
    rc = 0;
out:
    free(buf);
    free(text);
    return rc;
}

/* ---- index ---------------------------------------------------------------------- */

static void point_leaf(const void *ctx, uint32_t first, uint32_t count, const double p[3], double *best2,
                       uint32_t *best)
{
    const rec *r = ctx;
    for (uint32_t k = first; k < first + count; k++) {
        double dx = p[0] - r[k].v[0], dy = p[1] - r[k].v[1], dz = p[2] - r[k].v[2];
        double d2 = dx * dx + dy * dy + dz * dz;
        if (d2 < *best2) {
            *best2 = d2;
            *best = k;
        }
    }
}

/* Index ports [first, first + n) in tree t and put them in its leaf order. */
static int index_part(lo_ports *ps, const lo_port *src, uint32_t first, uint32_t n, lo_sphtree *t)
{
    double(*v)[3] = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return LO_E_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        geo_unit(src[i].lat, src[i].lon, v[i]);
    int rc = lo_sphtree_build(t, n, (const double(*)[3])v, (const double(*)[3])v, (const double(*)[3])v, 8);
    if (rc == 0) {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = t->order[k];
            ps->ports[first + k] = src[i];
            memcpy(ps->recs[first + k].v, v[i], sizeof v[i]);
        }
    }
    free(v);
    return rc;
}

int lo_ports_load(lo_ports **out, const char *wpi_csv, const char *anchorage_csv, lo_geo_error *err)
{
    if (!out)
        return LO_E_INVAL;
    *out = NULL;
    if (!wpi_csv && !anchorage_csv) {
        geo_error(err, -1, "no port file");
        return LO_E_INVAL;
    }
    loader ld = {.err = err};
    int rc = 0;
    size_t nwpi = 0;
    if (wpi_csv)
        rc = load_csv(&ld, wpi_csv, LO_PORT_WPI);
    nwpi = ld.n;
    if (rc == 0 && anchorage_csv)
        rc = load_csv(&ld, anchorage_csv, LO_PORT_ANCHORAGE);
    lo_ports *ps = NULL;
    if (rc == 0) {
        ps = calloc(1, sizeof *ps);
        if (ps) {
            ps->ports = malloc((ld.n ? ld.n : 1) * sizeof *ps->ports);
            ps->recs = malloc((ld.n ? ld.n : 1) * sizeof *ps->recs);
        }
        if (!ps || !ps->ports || !ps->recs)
            rc = LO_E_NOMEM;
    }
    if (rc == 0) {
        /* the pool stops moving: offsets become pointers */
        for (size_t i = 0; i < ld.n; i++) {
            lo_port *p = &ld.ports[i];
            p->name = ld.pool + (uintptr_t)p->name;
            p->country = ld.pool + (uintptr_t)p->country;
            p->locode = ld.pool + (uintptr_t)p->locode;
        }
        ps->pool = ld.pool;
        ld.pool = NULL;
        ps->n = (uint32_t)ld.n;
        ps->nwpi = (uint32_t)nwpi;
        ps->rejected = ld.rejected;
        rc = index_part(ps, ld.ports, 0, ps->nwpi, &ps->tree[0]);
        if (rc == 0)
            rc = index_part(ps, ld.ports + nwpi, ps->nwpi, ps->n - ps->nwpi, &ps->tree[1]);
    }
    free(ld.ports);
    free(ld.pool);
    if (rc) {
        lo_ports_destroy(ps);
        return rc;
    }
    *out = ps;
    return 0;
}

void lo_ports_destroy(lo_ports *p)
{
    if (!p)
        return;
    free(p->ports);
    free(p->recs);
    free(p->pool);
    lo_sphtree_free(&p->tree[0]);
    lo_sphtree_free(&p->tree[1]);
    free(p);
}

uint32_t lo_ports_count(const lo_ports *p) { return p ? p->n : 0; }

uint32_t lo_ports_rejected(const lo_ports *p) { return p ? p->rejected : 0; }

const lo_port *lo_ports_get(const lo_ports *p, uint32_t i) { return p && i < p->n ? &p->ports[i] : NULL; }

const lo_port *lo_ports_nearest(const lo_ports *p, double lat, double lon, unsigned kinds, double max_m,
                                double *dist_m)
{
    if (!p || !geo_ok(lat, lon) || isnan(max_m))
        return NULL;
    double v[3];
    geo_unit(lat, lon, v);
    double best2 = geo_m_chord2(max_m);
    if (best2 < INFINITY)
        best2 = nextafter(best2, INFINITY);
    const lo_port *found = NULL;
    for (int t = 0; t < 2; t++) {
        if (!(kinds & (t == 0 ? LO_PORT_WPI : LO_PORT_ANCHORAGE)))
            continue;
        uint32_t first = t == 0 ? 0 : p->nwpi;
        double d2;
        uint32_t k = lo_sphtree_nearest(&p->tree[t], v, best2, point_leaf, p->recs + first, &d2);
        if (k != LO_SPHTREE_NONE) {
            best2 = d2;
            found = &p->ports[first + k];
        }
    }
    if (found && dist_m)
        *dist_m = geo_chord2_m(best2);
    return found;
}
