/* zones.c - named polygons (EEZs, territorial seas, watch boxes) -> "which
 * zones hold this point?".
 *
 * Each polygon of a zone is a part: a GEOS geometry (made valid when it is
 * not), prepared for repeated point tests, with its bounding box and a coarse
 * grid over the box whose cells are known to be wholly inside, wholly outside,
 * or touched by an edge. A world grid of 1-degree cells lists the parts whose
 * box meets each cell. A point goes: world cell -> parts there -> part box ->
 * part cell; only points in an edge cell reach GEOS.
 *
 * Longitudes: a ring that jumps across the antimeridian is unwrapped (so its
 * longitudes pass 180), a part lying wholly east of 180 is moved back by 360,
 * and a point is tested at lon and lon + 360, so cut (RFC 7946), unwrapped and
 * 0..360 files all work.
 *
 * GEOS is loaded (geos_dl.h) and its context started by the first file added,
 * not by lo_zones_create: lo_geo_load makes an empty lo_zones for every
 * command that reads the geography, and most never add a zone. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo_internal.h"
#include "geos_dl.h"
#include "lookout/geo.h"
#include "lookout/limits.h"

#define WORLD_CPD 1     /* world grid: cells per degree */
#define PART_GRID_MIN 16 /* cells along each side of a part's grid, at least */
#define PART_GRID_MAX 64 /* ... and at most */
#define EDGE_EPS 1e-9    /* degrees: an edge this near a cell marks it */

enum { C_OUT = 0, C_IN = 1, C_EDGE = 2, C_FREE = 3 /* while loading */ };

typedef struct part {
    double x0, y0, x1, y1; /* box; x1 may pass 180 */
    uint32_t zone;
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
    uint32_t gx, gy; /* part grid */
    double sx, sy;   /* cells per degree */
    uint8_t *cell;   /* C_OUT, C_IN, C_EDGE */
} part;

typedef struct zone_rec {
    lo_zone pub;
    char *name, *source, *properties; /* owned; pub points at them */
    uint32_t first_part, nparts;
} zone_rec;

struct lo_zones {
    GEOSContextHandle_t ctx; /* NULL until the first file is added */
    zone_rec *zones;
    uint32_t nzones, zcap;
    part *parts;
    uint32_t nparts, pcap;
    /* world grid: parts per 1-degree cell */
    uint32_t *wstart, *wpart;
    lo_zones_stats stats;
    char geos_msg[160]; /* last GEOS error */
};

static void on_geos_error(const char *msg, void *ud)
{
    lo_zones *z = ud;
    snprintf(z->geos_msg, sizeof z->geos_msg, "%s", msg);
}

lo_zones *lo_zones_create(void) { return calloc(1, sizeof(lo_zones)); }

/* Load GEOS and start z's context, once. */
static int start_geos(lo_zones *z, const char *source, lo_geo_error *err)
{
    if (z->ctx)
        return 0;
    const char *why = lo_geos_load();
    if (why) {
        geo_error(err, -1, "%s", why); /* not about the file: callers name it */
        return LO_E_IO;
    }
    z->ctx = lo_geos.GEOS_init_r();
    if (!z->ctx) {
        geo_error(err, -1, "%s: GEOS could not start", source);
        return LO_E_NOMEM;
    }
    lo_geos.GEOSContext_setErrorMessageHandler_r(z->ctx, on_geos_error, z);
    lo_geos.GEOSContext_setNoticeMessageHandler_r(z->ctx, NULL, NULL);
    return 0;
}

static void free_part(lo_zones *z, part *p)
{
    if (p->prep)
        lo_geos.GEOSPreparedGeom_destroy_r(z->ctx, p->prep);
    if (p->geom)
        lo_geos.GEOSGeom_destroy_r(z->ctx, p->geom);
    free(p->cell);
    memset(p, 0, sizeof *p);
}

static void free_zone(zone_rec *r)
{
    free(r->name);
    free(r->source);
    free(r->properties);
    memset(r, 0, sizeof *r);
}

void lo_zones_destroy(lo_zones *z)
{
    if (!z)
        return;
    for (uint32_t i = 0; i < z->nparts; i++)
        free_part(z, &z->parts[i]);
    for (uint32_t i = 0; i < z->nzones; i++)
        free_zone(&z->zones[i]);
    free(z->parts);
    free(z->zones);
    free(z->wstart);
    free(z->wpart);
    if (z->ctx)
        lo_geos.GEOS_finish_r(z->ctx);
    free(z);
}

/* ---- loading ------------------------------------------------------------------ */

typedef struct adder {
    lo_zones *z;
    const char *source, *name_key, *stem;
    lo_geo_error *err;
    long feature;     /* feature of the zone being built, -1 before the first */
    uint64_t vertices; /* in this file */
    double *raw;
    size_t rawcap;
} adder;

static char *dup_text(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static const char *zone_name(json_t *props, const char *key)
{
    static const char *const keys[] = {"name", "NAME", "Name", "geoname", "GEONAME", "A3", "iso3", "ISO_A3"};
    if (key)
        return json_string_value(json_object_get(props, key));
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *s = json_string_value(json_object_get(props, keys[i]));
        if (s && *s)
            return s;
    }
    return NULL;
}

static int new_zone(adder *ad, long feature, json_t *feat)
{
    lo_zones *z = ad->z;
    if (z->nzones >= LO_GEO_MAX_ZONES) {
        geo_error(ad->err, feature, "more than %u zones", (unsigned)LO_GEO_MAX_ZONES);
        return LO_E_RANGE;
    }
    if (z->nzones == z->zcap) {
        uint32_t ncap = z->zcap ? z->zcap * 2 : 16;
        zone_rec *nz = realloc(z->zones, ncap * sizeof *nz);
        if (!nz)
            return LO_E_NOMEM;
        z->zones = nz;
        z->zcap = ncap;
    }
    zone_rec *r = &z->zones[z->nzones];
    memset(r, 0, sizeof *r);
    json_t *props = feat ? json_object_get(feat, "properties") : NULL;
    const char *name = json_is_object(props) ? zone_name(props, ad->name_key) : NULL;
    char fallback[300];
    if (!name) {
        snprintf(fallback, sizeof fallback, "%s/%ld", ad->stem, feature);
        name = fallback;
    }
    char *pj = json_is_object(props) ? json_dumps(props, JSON_COMPACT) : NULL;
    r->name = dup_text(name, strlen(name));
    r->source = dup_text(ad->source, strlen(ad->source));
    r->properties = pj ? pj : dup_text("{}", 2);
    if (!r->name || !r->source || !r->properties) {
        free_zone(r);
        return LO_E_NOMEM;
    }
    r->pub.name = r->name;
    r->pub.source = r->source;
    r->pub.properties = r->properties;
    r->pub.min_lat = r->pub.min_lon = INFINITY;
    r->pub.max_lat = r->pub.max_lon = -INFINITY;
    r->first_part = z->nparts;
    z->nzones++;
    ad->feature = feature;
    return 0;
}

/* Unwrap a closed ring in place (no jump above 180 degrees between neighbours).
 * Returns the net shift (0 unless it goes round a pole). */
static double unwrap(double *xy, size_t n)
{
    double shift = 0;
    for (size_t i = 1; i < n; i++) {
        double x = xy[2 * i] + shift;
        while (x - xy[2 * i - 2] > 180) {
            x -= 360;
            shift -= 360;
        }
        while (x - xy[2 * i - 2] < -180) {
            x += 360;
            shift += 360;
        }
        xy[2 * i] = x;
    }
    return shift;
}

static GEOSGeometry *make_ring(adder *ad, const double *xy, size_t n, double dx)
{
    GEOSContextHandle_t ctx = ad->z->ctx;
    GEOSCoordSequence *seq = lo_geos.GEOSCoordSeq_create_r(ctx, (unsigned)n, 2);
    if (!seq)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!lo_geos.GEOSCoordSeq_setXY_r(ctx, seq, (unsigned)i, xy[2 * i] + dx, xy[2 * i + 1])) {
            lo_geos.GEOSCoordSeq_destroy_r(ctx, seq);
            return NULL;
        }
    }
    return lo_geos.GEOSGeom_createLinearRing_r(ctx, seq);
}

/* Mark the part cells an edge meets: the edge is cut into pieces no longer
 * than a cell, and the cells each piece's box (grown by EDGE_EPS) meets are
 * marked, so a long diagonal edge marks a band of cells, not its whole box. */
static void mark_edge(part *p, double ax, double ay, double bx, double by)
{
    double steps = ceil(fmax(fabs(bx - ax) * p->sx, fabs(by - ay) * p->sy));
    if (steps < 1)
        steps = 1;
    for (double i = 0; i < steps; i++) {
        double t0 = i / steps, t1 = (i + 1) / steps;
        double x0 = ax + (bx - ax) * t0, y0 = ay + (by - ay) * t0;
        double x1 = ax + (bx - ax) * t1, y1 = ay + (by - ay) * t1;
        double lx = fmin(x0, x1) - EDGE_EPS, hx = fmax(x0, x1) + EDGE_EPS;
        double ly = fmin(y0, y1) - EDGE_EPS, hy = fmax(y0, y1) + EDGE_EPS;
        double c0 = fmax(floor((lx - p->x0) * p->sx), 0), c1 = fmin(floor((hx - p->x0) * p->sx), p->gx - 1);
        double r0 = fmax(floor((ly - p->y0) * p->sy), 0), r1 = fmin(floor((hy - p->y0) * p->sy), p->gy - 1);
        for (double r = r0; r <= r1; r++)
            for (double c = c0; c <= c1; c++)
                p->cell[(uint32_t)r * p->gx + (uint32_t)c] = C_EDGE;
    }
}

static int mark_ring(lo_zones *z, part *p, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *seq = lo_geos.GEOSGeom_getCoordSeq_r(z->ctx, ring);
    unsigned n;
    if (!seq || !lo_geos.GEOSCoordSeq_getSize_r(z->ctx, seq, &n))
        return LO_E_NOMEM;
    double px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!lo_geos.GEOSCoordSeq_getXY_r(z->ctx, seq, i, &x, &y))
            return LO_E_NOMEM;
        if (i > 0)
            mark_edge(p, px, py, x, y);
        px = x;
        py = y;
    }
    return 0;
}

static inline bool geos_covers(lo_zones *z, const part *p, double x, double y, int *err)
{
    GEOSGeometry *pt = lo_geos.GEOSGeom_createPointFromXY_r(z->ctx, x, y);
    if (!pt) {
        *err = LO_E_NOMEM;
        return false;
    }
    char r = lo_geos.GEOSPreparedIntersects_r(z->ctx, p->prep, pt);
    lo_geos.GEOSGeom_destroy_r(z->ctx, pt);
    if (r == 2) {
        *err = LO_E_NOMEM;
        return false;
    }
    return r == 1;
}

/* Take one polygon (owned) as a part of the current zone. */
static int add_part(adder *ad, GEOSGeometry *g)
{
    lo_zones *z = ad->z;
    GEOSContextHandle_t ctx = z->ctx;
    if (z->nparts == z->pcap) {
        uint32_t ncap = z->pcap ? z->pcap * 2 : 64;
        part *np = realloc(z->parts, ncap * sizeof *np);
        if (!np) {
            lo_geos.GEOSGeom_destroy_r(ctx, g);
            return LO_E_NOMEM;
        }
        z->parts = np;
        z->pcap = ncap;
    }
    part *p = &z->parts[z->nparts];
    memset(p, 0, sizeof *p);
    p->geom = g;
    p->zone = z->nzones - 1;
    z->nparts++; /* from here free_part cleans up */
    double x0, y0, x1, y1;
    if (!lo_geos.GEOSGeom_getXMin_r(ctx, g, &x0) || !lo_geos.GEOSGeom_getYMin_r(ctx, g, &y0) ||
        !lo_geos.GEOSGeom_getXMax_r(ctx, g, &x1) || !lo_geos.GEOSGeom_getYMax_r(ctx, g, &y1))
        return LO_E_NOMEM;
    p->x0 = x0;
    p->y0 = y0;
    p->x1 = x1;
    p->y1 = y1;
    p->prep = lo_geos.GEOSPrepare_r(ctx, g);
    if (!p->prep)
        return LO_E_NOMEM;
    /* the part grid: twice the square root of the vertices a side, within
     * PART_GRID_MIN..PART_GRID_MAX */
    int nv = lo_geos.GEOSGetNumCoordinates_r(ctx, g);
    double side = 2 * sqrt(nv > 0 ? nv : 1);
    uint32_t g1 = side < PART_GRID_MIN ? PART_GRID_MIN : side > PART_GRID_MAX ? PART_GRID_MAX : (uint32_t)side;
    double w = fmax(x1 - x0, 1e-9), h = fmax(y1 - y0, 1e-9);
    p->gx = g1;
    p->gy = g1;
    p->sx = g1 / w;
    p->sy = g1 / h;
    p->cell = malloc((size_t)p->gx * p->gy);
    uint32_t *queue = malloc((size_t)p->gx * p->gy * sizeof *queue);
    if (!p->cell || !queue) {
        free(queue);
        return LO_E_NOMEM;
    }
    memset(p->cell, C_FREE, (size_t)p->gx * p->gy);
    int rc = mark_ring(z, p, lo_geos.GEOSGetExteriorRing_r(ctx, g));
    int nh = lo_geos.GEOSGetNumInteriorRings_r(ctx, g);
    for (int i = 0; rc == 0 && i < nh; i++)
        rc = mark_ring(z, p, lo_geos.GEOSGetInteriorRingN_r(ctx, g, i));
    /* Cells no edge meets are wholly inside or outside, and so is a whole
     * region of them joined side by side: one GEOS test per region. */
    for (uint32_t start = 0; rc == 0 && start < p->gx * p->gy; start++) {
        if (p->cell[start] != C_FREE)
            continue;
        uint32_t r = start / p->gx, c = start % p->gx;
        int err = 0;
        bool in = geos_covers(z, p, x0 + (c + 0.5) / p->sx, y0 + (r + 0.5) / p->sy, &err);
        if (err) {
            rc = err;
            break;
        }
        uint8_t st = in ? C_IN : C_OUT;
        uint32_t head = 0, tail = 0;
        p->cell[start] = st;
        queue[tail++] = start;
        while (head < tail) {
            uint32_t k = queue[head++], kr = k / p->gx, kc = k % p->gx;
            uint32_t nb[4], nn = 0;
            if (kc > 0)
                nb[nn++] = k - 1;
            if (kc + 1 < p->gx)
                nb[nn++] = k + 1;
            if (kr > 0)
                nb[nn++] = k - p->gx;
            if (kr + 1 < p->gy)
                nb[nn++] = k + p->gx;
            for (uint32_t i = 0; i < nn; i++) {
                if (p->cell[nb[i]] == C_FREE) {
                    p->cell[nb[i]] = st;
                    queue[tail++] = nb[i];
                }
            }
        }
    }
    free(queue);
    if (rc)
        return rc;
    zone_rec *zr = &z->zones[p->zone];
    zr->nparts++;
    zr->pub.parts++;
    zr->pub.vertices += (uint32_t)(nv > 0 ? nv : 0);
    zr->pub.min_lon = fmin(zr->pub.min_lon, x0);
    zr->pub.max_lon = fmax(zr->pub.max_lon, x1);
    zr->pub.min_lat = fmin(zr->pub.min_lat, y0);
    zr->pub.max_lat = fmax(zr->pub.max_lat, y1);
    return 0;
}

/* Take the polygons of a geometry (owned): itself, or the members of a
 * (multi)collection. */
static int add_polygons(adder *ad, GEOSGeometry *g)
{
    GEOSContextHandle_t ctx = ad->z->ctx;
    int type = lo_geos.GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
        if (lo_geos.GEOSisEmpty_r(ctx, g) == 1) {
            lo_geos.GEOSGeom_destroy_r(ctx, g);
            return 0;
        }
        return add_part(ad, g);
    }
    int rc = 0;
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int n = lo_geos.GEOSGetNumGeometries_r(ctx, g);
        for (int i = 0; rc == 0 && i < n; i++) {
            GEOSGeometry *m = lo_geos.GEOSGeom_clone_r(ctx, lo_geos.GEOSGetGeometryN_r(ctx, g, i));
            rc = m ? add_polygons(ad, m) : LO_E_NOMEM;
        }
    }
    lo_geos.GEOSGeom_destroy_r(ctx, g); /* lines and points left by repairs are dropped */
    return rc;
}

static int on_polygon(void *ctx_, long feature, json_t *feat, json_t *rings)
{
    adder *ad = ctx_;
    lo_zones *z = ad->z;
    GEOSContextHandle_t ctx = z->ctx;
    int rc;
    if (feature != ad->feature && (rc = new_zone(ad, feature, feat)) != 0)
        return rc;
    size_t nr = json_array_size(rings);
    if (nr == 0)
        return 0;
    GEOSGeometry *shell = NULL, **holes = calloc(nr, sizeof *holes);
    if (!holes)
        return LO_E_NOMEM;
    size_t nh = 0;
    double shell_mid = 0, dx = 0;
    rc = 0;
    for (size_t i = 0; i < nr && rc == 0; i++) {
        size_t n;
        rc = geo_json_ring(json_array_get(rings, i), &ad->raw, &n, &ad->rawcap, LO_GEO_MAX_VERTICES, ad->err,
                           feature);
        if (rc == 1) { /* degenerate ring: a degenerate shell drops the polygon */
            rc = 0;
            if (i == 0)
                break;
            continue;
        }
        if (rc)
            break;
        ad->vertices += n;
        if (ad->vertices > LO_GEO_MAX_VERTICES) {
            geo_error(ad->err, feature, "more than %u vertices", (unsigned)LO_GEO_MAX_VERTICES);
            rc = LO_E_RANGE;
            break;
        }
        if (unwrap(ad->raw, n) != 0) {
            geo_error(ad->err, feature, "a ring goes round a pole (not supported for zones)");
            rc = LO_E_INVAL;
            break;
        }
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            lo = fmin(lo, ad->raw[2 * k]);
            hi = fmax(hi, ad->raw[2 * k]);
        }
        double mid = (lo + hi) / 2;
        if (i == 0) {
            /* keep the part's west edge in [-180, 180) */
            dx = lo >= 180 ? -360 * floor((lo + 180) / 360) : lo < -180 ? 360 * ceil((-180 - lo) / 360) : 0;
            shell_mid = mid + dx;
        } else {
            /* a hole goes where its shell is */
            double hx = 0;
            while (mid + hx - shell_mid > 180)
                hx -= 360;
            while (mid + hx - shell_mid < -180)
                hx += 360;
            dx = hx;
        }
        GEOSGeometry *ring = make_ring(ad, ad->raw, n, dx);
        if (!ring) {
            geo_error(ad->err, feature, "GEOS: %s", z->geos_msg);
            rc = LO_E_NOMEM;
            break;
        }
        if (i == 0)
            shell = ring;
        else
            holes[nh++] = ring;
    }
    if (rc || !shell) {
        for (size_t i = 0; i < nh; i++)
            lo_geos.GEOSGeom_destroy_r(ctx, holes[i]);
        if (shell)
            lo_geos.GEOSGeom_destroy_r(ctx, shell);
        free(holes);
        return rc;
    }
    GEOSGeometry *poly = lo_geos.GEOSGeom_createPolygon_r(ctx, shell, holes, (unsigned)nh);
    free(holes);
    if (!poly)
        return LO_E_NOMEM;
    char valid = lo_geos.GEOSisValid_r(ctx, poly);
    if (valid == 0) {
        GEOSMakeValidParams *mp = lo_geos.GEOSMakeValidParams_create_r(ctx);
        GEOSGeometry *fixed = NULL;
        if (mp) {
            lo_geos.GEOSMakeValidParams_setMethod_r(ctx, mp, GEOS_MAKE_VALID_STRUCTURE);
            lo_geos.GEOSMakeValidParams_setKeepCollapsed_r(ctx, mp, 0);
            fixed = lo_geos.GEOSMakeValidWithParams_r(ctx, poly, mp);
            lo_geos.GEOSMakeValidParams_destroy_r(ctx, mp);
        }
        lo_geos.GEOSGeom_destroy_r(ctx, poly);
        if (!fixed) {
            geo_error(ad->err, feature, "GEOS could not repair a polygon: %s", z->geos_msg);
            return LO_E_INVAL;
        }
        z->stats.repaired++;
        poly = fixed;
    } else if (valid == 2) {
        lo_geos.GEOSGeom_destroy_r(ctx, poly);
        return LO_E_NOMEM;
    }
    return add_polygons(ad, poly);
}

/* Rebuild the world grid of part boxes. */
static int build_world(lo_zones *z)
{
    uint32_t cols = 360 * WORLD_CPD, rows = 180 * WORLD_CPD, ncells = cols * rows;
    uint32_t *start = calloc(ncells + 1, sizeof *start);
    if (!start)
        return LO_E_NOMEM;
    uint64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (uint32_t k = 0; k < ncells; k++)
                start[k + 1] += start[k];
            fill = malloc(ncells * sizeof *fill);
            uint32_t *wp = malloc((total ? total : 1) * sizeof *wp);
            if (!fill || !wp) {
                free(fill);
                free(wp);
                free(start);
                return LO_E_NOMEM;
            }
            memcpy(fill, start, ncells * sizeof *fill);
            free(z->wpart);
            z->wpart = wp;
        }
        for (uint32_t i = 0; i < z->nparts; i++) {
            const part *p = &z->parts[i];
            int r0 = (int)floor((p->y0 + 90) * WORLD_CPD), r1 = (int)floor((p->y1 + 90) * WORLD_CPD);
            int c0 = (int)floor((p->x0 + 180) * WORLD_CPD), c1 = (int)floor((p->x1 + 180) * WORLD_CPD);
            if (r0 < 0)
                r0 = 0;
            if (r1 >= (int)rows)
                r1 = (int)rows - 1;
            if (c1 - c0 >= (int)cols)
                c1 = c0 + (int)cols - 1; /* a part all round the world */
            for (int r = r0; r <= r1; r++) {
                for (int c = c0; c <= c1; c++) {
                    uint32_t cc = (uint32_t)(((c % (int)cols) + (int)cols) % (int)cols);
                    uint32_t cell = (uint32_t)r * cols + cc;
                    if (pass == 0) {
                        start[cell + 1]++;
                        total++;
                    } else {
                        z->wpart[fill[cell]++] = i;
                    }
                }
            }
        }
        free(fill);
        if (pass == 0 && total > UINT32_MAX) {
            free(start);
            return LO_E_RANGE;
        }
    }
    free(z->wstart);
    z->wstart = start;
    return 0;
}

static void roll_back(lo_zones *z, uint32_t nzones, uint32_t nparts)
{
    while (z->nparts > nparts)
        free_part(z, &z->parts[--z->nparts]);
    while (z->nzones > nzones)
        free_zone(&z->zones[--z->nzones]);
}

int lo_zones_add_geojson(lo_zones *z, const char *text, size_t len, const char *source, const char *name_key,
                         lo_geo_error *err)
{
    if (!z || !text)
        return LO_E_INVAL;
    if (!source)
        source = "zones";
    int rc = start_geos(z, source, err);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        geo_error(err, jerr.line, "%s: not JSON: %s", source, jerr.text);
        return LO_E_INVAL;
    }
    /* the file stem names zones without a name */
    char stem[256];
    snprintf(stem, sizeof stem, "%s", source);
    char *dot = strchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    uint32_t nz = z->nzones, np = z->nparts;
    adder ad = {.z = z, .source = source, .name_key = name_key, .stem = stem, .err = err, .feature = -1};
    rc = geo_json_polygons(root, on_polygon, &ad, NULL, err);
    json_decref(root);
    free(ad.raw);
    if (rc == 0) {
        /* zones whose polygons were all degenerate are dropped */
        uint32_t k = nz;
        for (uint32_t i = nz; i < z->nzones; i++) {
            if (z->zones[i].nparts == 0) {
                free_zone(&z->zones[i]);
                continue;
            }
            if (k != i) {
                z->zones[k] = z->zones[i];
                for (uint32_t j = z->zones[k].first_part; j < z->zones[k].first_part + z->zones[k].nparts; j++)
                    z->parts[j].zone = k;
            }
            k++;
        }
        z->nzones = k;
        rc = build_world(z);
    }
    if (rc) {
        if (err) {
            char why[sizeof err->text];
            memcpy(why, err->text, sizeof why);
            if (rc == LO_E_NOMEM)
                geo_error(err, -1, "%s: out of memory or GEOS failed (%s)", source, z->geos_msg);
            else
                geo_error(err, err->where, "%s: %s", source, why);
        }
        roll_back(z, nz, np);
        if (build_world(z) != 0) {
            free(z->wstart);
            free(z->wpart);
            z->wstart = z->wpart = NULL;
        }
        return rc;
    }
    return (int)(z->nzones - nz);
}

int lo_zones_add_file(lo_zones *z, const char *path, const char *name_key, lo_geo_error *err)
{
    if (!z || !path)
        return LO_E_INVAL;
    char *text;
    size_t len;
    int rc = geo_read_file(path, LO_GEO_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;
    rc = lo_zones_add_geojson(z, text, len, geo_basename(path), name_key, err);
    free(text);
    return rc;
}

uint32_t lo_zones_count(const lo_zones *z) { return z ? z->nzones : 0; }

const lo_zone *lo_zones_get(const lo_zones *z, uint32_t id) { return z && id < z->nzones ? &z->zones[id].pub : NULL; }

long lo_zones_find(const lo_zones *z, const char *name)
{
    if (!z || !name)
        return -1;
    for (uint32_t i = 0; i < z->nzones; i++)
        if (strcmp(z->zones[i].pub.name, name) == 0)
            return (long)i;
    return -1;
}

const lo_zones_stats *lo_zones_get_stats(const lo_zones *z) { return &z->stats; }

/* ---- look-ups ----------------------------------------------------------------- */

/* Is (x, y) in the part? x is in [-180, 180); x + 360 is tried for parts past 180. */
static bool part_covers(lo_zones *z, const part *p, double x, double y, int *err)
{
    if (y < p->y0 || y > p->y1)
        return false;
    if (x < p->x0 || x > p->x1) {
        x += 360;
        if (x < p->x0 || x > p->x1)
            return false;
    }
    z->stats.box_tests++;
    double c = floor((x - p->x0) * p->sx), r = floor((y - p->y0) * p->sy);
    uint32_t ci = c < 0 ? 0 : c >= p->gx ? p->gx - 1 : (uint32_t)c;
    uint32_t ri = r < 0 ? 0 : r >= p->gy ? p->gy - 1 : (uint32_t)r;
    uint8_t st = p->cell[ri * p->gx + ci];
    if (st != C_EDGE) {
        z->stats.cell_hits++;
        return st == C_IN;
    }
    z->stats.geos_calls++;
    return geos_covers(z, p, x, y, err);
}

int lo_zones_at(lo_zones *z, double lat, double lon, uint32_t *ids, size_t cap)
{
    if (!z || (!ids && cap) || !geo_ok(lat, lon))
        return LO_E_INVAL;
    z->stats.queries++;
    if (z->nparts == 0 || !z->wstart)
        return 0;
    double x = lo_geo_wrap_lon(lon);
    uint32_t r = (uint32_t)fmin(floor((lat + 90) * WORLD_CPD), 180 * WORLD_CPD - 1);
    uint32_t c = (uint32_t)fmin(floor((x + 180) * WORLD_CPD), 360 * WORLD_CPD - 1);
    uint32_t cell = r * 360 * WORLD_CPD + c;
    size_t n = 0;
    uint32_t last = UINT32_MAX;
    for (uint32_t k = z->wstart[cell]; k < z->wstart[cell + 1]; k++) {
        const part *p = &z->parts[z->wpart[k]];
        if (p->zone == last)
            continue; /* already in (parts of a zone are listed together) */
        int err = 0;
        bool in = part_covers(z, p, x, lat, &err);
        if (err)
            return err;
        if (in) {
            if (n < cap)
                ids[n] = p->zone;
            n++;
            last = p->zone;
        }
    }
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int lo_zones_contains(lo_zones *z, uint32_t id, double lat, double lon)
{
    if (!z || id >= z->nzones || !geo_ok(lat, lon))
        return LO_E_INVAL;
    double x = lo_geo_wrap_lon(lon);
    const zone_rec *zr = &z->zones[id];
    for (uint32_t i = zr->first_part; i < zr->first_part + zr->nparts; i++) {
        int err = 0;
        bool in = part_covers(z, &z->parts[i], x, lat, &err);
        if (err)
            return err;
        if (in)
            return 1;
    }
    return 0;
}
