/* land.c - land polygons -> "is this point on land?" and "how far is the
 * shore?", both fast enough to ask for every position of a feed.
 *
 * Loading turns the GeoJSON rings into plain planar rings in [-180, 180]:
 * rings that jump across the antimeridian are unwrapped and cut into pieces at
 * +-180, and a ring that goes round a pole (Natural Earth's Antarctica, whose
 * ring runs from -180 to 180 along the coast) is closed over the pole first.
 *
 * On land: a grid of cells; each cell lists the edges whose bounding box
 * touches it and knows whether its centre is on land (found by one scanline
 * per row of centres). A point in a cell without edges takes its centre's
 * answer. Otherwise the path from the centre along the centre's row to the
 * point's longitude, then along that meridian to the point, is tested against
 * the cell's edges: each crossing flips the answer. Both legs stay inside the
 * cell, so the cell's list is enough, and the rule used for crossings on the
 * centre row is the scanline's own, so the two agree to the last bit.
 *
 * Shore distance: each shore edge is taken as the great-circle arc between its
 * vertices (within 44 m of the straight lon/lat line on Natural Earth's 10 m
 * land), runs of 8 edges are measured together, and the nearest is found in a
 * bounding-volume hierarchy of 3-D boxes (sphtree.c): exact on the sphere, no
 * special case at the antimeridian or the poles, cost growing with
 * log(edges), not distance. A 1-degree grid of centre-to-shore distances
 * bounds every search from both sides. docs/geo.md has the measurements. */
#include "lookout/geo.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo_internal.h"
#include "lookout/limits.h"
#include "sphtree.h"

#define DEFAULT_CPD 4
#define BOUND_CPD 1 /* 1-degree cells: 64,800 searches at load (0.5-degree cells were no faster to query) */
#define BOUND_COLS (360 * BOUND_CPD)
#define BOUND_ROWS (180 * BOUND_CPD)
#define F_EDGE 1  /* an edge starts at this vertex */
#define F_SHORE 2 /* ... and it is shore (not a cut at +-180 or a pole closure) */

/* Shore edges are measured a chunk at a time: a run of up to CHUNK_EDGES
 * consecutive shore edges of one ring, whose vertices (unit vectors) follow
 * each other in memory, so that neighbouring edges share their ends and a
 * look-up reads few cache lines. */
#define CHUNK_EDGES 8
#define CHUNKS_PER_LEAF 1 /* measured: 8 x 1 beats 4, 6, 12, 16 edges and 2 or 4 chunks a leaf */

typedef struct chunk {
    uint32_t first; /* first vertex */
    uint32_t edges; /* edges: vertices first .. first + edges */
} chunk;

struct lo_land {
    double *xy;     /* vertices (lon, lat); rings closed, one after the other */
    uint8_t *vflag; /* F_EDGE, F_SHORE per vertex */
    uint32_t nverts;
    /* grid */
    uint32_t cols, rows;
    double cpd;            /* cells per degree */
    uint32_t *cell_start;  /* cols * rows + 1 offsets into cell_edge */
    uint32_t *cell_edge;   /* first vertex of each listed edge */
    uint8_t *centre_land;  /* one bit per cell */
    /* shore */
    double (*unit)[3]; /* vertices of the chunks as unit vectors, chunk after chunk */
    uint32_t nunit;
    chunk *chunks;     /* in the tree's leaf order */
    uint32_t nchunks;
    /* A coarser grid of BOUND_CPD cells per degree: per cell the distance from
     * its centre to the shore, per row how far a point of a cell can be from
     * its centre. Together a lower bound (a capped look-up far out is answered
     * at once) and an upper bound (the search starts with it) for any point of
     * the cell. */
    float *centre_shore_m;
    double *row_radius_m;
    lo_sphtree tree;
    lo_land_stats stats;
};

/* ---- grid geometry: every use goes through these, so that loading and
 * looking up compute the same numbers ---- */

static inline uint32_t col_of(const lo_land *l, double x)
{
    double c = floor((x + 180) * l->cpd);
    if (c < 0)
        return 0;
    if (c >= l->cols)
        return l->cols - 1;
    return (uint32_t)c;
}

static inline uint32_t row_of(const lo_land *l, double y)
{
    double r = floor((y + 90) * l->cpd);
    if (r < 0)
        return 0;
    if (r >= l->rows)
        return l->rows - 1;
    return (uint32_t)r;
}

static inline double col_centre(const lo_land *l, uint32_t c) { return -180 + (c + 0.5) / l->cpd; }
static inline double row_centre(const lo_land *l, uint32_t r) { return -90 + (r + 0.5) / l->cpd; }

/* Where the edge crosses the parallel y = Y (call only when it does). */
static inline double cross_parallel(const double *e, double Y)
{
    return e[0] + (Y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
}

/* Where the edge crosses the meridian x = X (call only when it does). */
static inline double cross_meridian(const double *e, double X)
{
    return e[1] + (X - e[0]) * (e[3] - e[1]) / (e[2] - e[0]);
}

/* ---- loading: rings ----------------------------------------------------------- */

typedef struct builder {
    lo_land *l;
    size_t cap;            /* vertices allocated in l->xy / l->vflag */
    double *raw, *a, *b;   /* scratch: one ring as read, unwrapped, clipped */
    size_t rawcap, scap;
    uint32_t rings, skipped;
    lo_geo_error *err;
} builder;

static int ensure_scratch(builder *bd, size_t pairs)
{
    if (pairs <= bd->scap)
        return 0;
    size_t ncap = pairs * 2;
    double *na = realloc(bd->a, ncap * 2 * sizeof *na);
    if (!na)
        return LO_E_NOMEM;
    bd->a = na;
    double *nb = realloc(bd->b, ncap * 2 * sizeof *nb);
    if (!nb)
        return LO_E_NOMEM;
    bd->b = nb;
    bd->scap = ncap;
    return 0;
}

static bool is_shore(const double *e)
{
    if (e[0] == e[2] && (e[0] == 180 || e[0] == -180))
        return false; /* a cut along the antimeridian */
    if (e[1] == e[3] && (e[1] == 90 || e[1] == -90))
        return false; /* a closure over a pole */
    return true;
}

/* Append an open ring of n vertices (shifted by dx) as a closed ring. */
static int emit_ring(builder *bd, const double *p, size_t n, double dx)
{
    lo_land *l = bd->l;
    /* drop repeats (clipping makes some), then close */
    size_t need = l->nverts + n + 1;
    if (need > LO_GEO_MAX_VERTICES) {
        geo_error(bd->err, -1, "more than %u land vertices", (unsigned)LO_GEO_MAX_VERTICES);
        return LO_E_RANGE;
    }
    if (need > bd->cap) {
        size_t ncap = bd->cap ? bd->cap * 2 : 1u << 16;
        while (ncap < need)
            ncap *= 2;
        double *nxy = realloc(l->xy, ncap * 2 * sizeof *nxy);
        if (!nxy)
            return LO_E_NOMEM;
        l->xy = nxy;
        uint8_t *nf = realloc(l->vflag, ncap);
        if (!nf)
            return LO_E_NOMEM;
        l->vflag = nf;
        bd->cap = ncap;
    }
    uint32_t start = l->nverts, k = start;
    double *xy = l->xy;
    for (size_t i = 0; i < n; i++) {
        double x = p[2 * i] - dx, y = p[2 * i + 1];
        if (k > start && xy[2 * k - 2] == x && xy[2 * k - 1] == y)
            continue;
        xy[2 * k] = x;
        xy[2 * k + 1] = y;
        k++;
    }
    while (k > start + 1 && xy[2 * k - 2] == xy[2 * start] && xy[2 * k - 1] == xy[2 * start + 1])
        k--;
    if (k - start < 3) {
        bd->skipped++;
        return 0; /* nothing left of it in this window */
    }
    xy[2 * k] = xy[2 * start];
    xy[2 * k + 1] = xy[2 * start + 1];
    k++;
    for (uint32_t i = start; i + 1 < k; i++)
        l->vflag[i] = (uint8_t)(F_EDGE | (is_shore(xy + 2 * i) ? F_SHORE : 0));
    l->vflag[k - 1] = 0;
    l->nverts = k;
    bd->rings++;
    return 0;
}

/* Sutherland-Hodgman against one vertical line: keep x >= bound (ge) or x <=
 * bound. Cut points get x = bound exactly, so the two sides of a cut agree. */
static size_t clip_side(const double *in, size_t n, double *out, double bound, bool ge)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *c = in + 2 * i, *p = in + 2 * ((i + n - 1) % n);
        bool cin = ge ? c[0] >= bound : c[0] <= bound;
        bool pin = ge ? p[0] >= bound : p[0] <= bound;
        if (cin != pin) {
            double t = (bound - p[0]) / (c[0] - p[0]);
            out[2 * m] = bound;
            out[2 * m + 1] = p[1] + t * (c[1] - p[1]);
            m++;
        }
        if (cin) {
            out[2 * m] = c[0];
            out[2 * m + 1] = c[1];
            m++;
        }
    }
    return m;
}

/* One ring as read (closed, n positions): unwrap, close over a pole when it
 * goes round one, cut at the antimeridian, append. */
static int add_ring(builder *bd, const double *raw, size_t n, long feature)
{
    int rc = ensure_scratch(bd, 2 * (n + 8));
    if (rc)
        return rc;
    double *u = bd->a;
    double shift = 0, ysum = 0;
    u[0] = raw[0];
    u[1] = raw[1];
    for (size_t i = 1; i < n; i++) {
        double x = raw[2 * i] + shift;
        while (x - u[2 * i - 2] > 180) {
            x -= 360;
            shift -= 360;
        }
        while (x - u[2 * i - 2] < -180) {
            x += 360;
            shift += 360;
        }
        u[2 * i] = x;
        u[2 * i + 1] = raw[2 * i + 1];
        ysum += raw[2 * i + 1];
    }
    size_t m = n - 1; /* open ring: the last position repeats the first */
    if (shift != 0) {
        if (shift != 360 && shift != -360) {
            geo_error(bd->err, feature, "ring winds %g degrees round a pole", -shift);
            return LO_E_INVAL;
        }
        /* Round a pole. Start the ring where it crosses the antimeridian (X,
         * one of 180 + 360k within its span), go once round to the same point
         * 360 degrees on, then along that meridian to the pole, along the pole
         * and back: the closure lies on +-180 and the pole, never on the shore. */
        double pole = ysum < 0 ? -90 : 90;
        u[2 * m] = raw[0] + shift; /* the first position again, unwrapped: u[0..m] */
        u[2 * m + 1] = raw[1];
        double lo = shift > 0 ? u[0] : u[0] + shift;
        double X = 180 + 360 * ceil((lo - 180) / 360);
        size_t j = 0;
        while (j < m && !(u[2 * j] == X || (u[2 * j] < X) != (u[2 * j + 2] < X)))
            j++;
        if (j == m) {
            geo_error(bd->err, feature, "ring round a pole does not cross the antimeridian");
            return LO_E_INVAL;
        }
        double cy = u[2 * j + 1];
        if (u[2 * j] != X)
            cy += (X - u[2 * j]) * (u[2 * j + 3] - u[2 * j + 1]) / (u[2 * j + 2] - u[2 * j]);
        double *r = bd->b;
        size_t k = 0;
#define PUT(px, py) (r[2 * k] = (px), r[2 * k + 1] = (py), k++)
        PUT(X, cy);
        for (size_t i = j + 1; i <= m; i++)
            PUT(u[2 * i], u[2 * i + 1]);
        for (size_t i = 1; i <= j; i++)
            PUT(u[2 * i] + shift, u[2 * i + 1]);
        PUT(X + shift, cy);
        PUT(X + shift, pole);
        PUT(X, pole);
#undef PUT
        bd->b = bd->a;
        bd->a = r;
        u = r;
        m = k;
    }
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        xmin = fmin(xmin, u[2 * i]);
        xmax = fmax(xmax, u[2 * i]);
    }
    int wlo = (int)floor((xmin + 180) / 360), whi = (int)ceil((xmax - 180) / 360);
    if (wlo == 0 && whi == 0)
        return emit_ring(bd, u, m, 0);
    for (int w = wlo; w <= whi; w++) {
        double lo = -180 + 360.0 * w, hi = 180 + 360.0 * w;
        size_t k = clip_side(u, m, bd->b, lo, true);
        double *tmp = malloc((2 * k + 2) * 2 * sizeof *tmp);
        if (!tmp)
            return LO_E_NOMEM;
        size_t k2 = clip_side(bd->b, k, tmp, hi, false);
        rc = k2 >= 3 ? emit_ring(bd, tmp, k2, 360.0 * w) : 0;
        free(tmp);
        if (rc)
            return rc;
    }
    return 0;
}

static int on_polygon(void *ctx, long feature, json_t *feat, json_t *rings)
{
    (void)feat;
    builder *bd = ctx;
    size_t i;
    json_t *ring;
    json_array_foreach(rings, i, ring)
    {
        size_t n;
        int rc = geo_json_ring(ring, &bd->raw, &n, &bd->rawcap, LO_GEO_MAX_VERTICES, bd->err, feature);
        if (rc == 1) {
            bd->skipped++;
            continue;
        }
        if (rc)
            return rc;
        rc = add_ring(bd, bd->raw, n, feature);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- loading: grid ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int build_grid(lo_land *l, lo_geo_error *err)
{
    uint64_t ncells = (uint64_t)l->cols * l->rows;
    l->cell_start = calloc(ncells + 1, sizeof *l->cell_start);
    l->centre_land = calloc((ncells + 7) / 8, 1);
    uint32_t *row_start = calloc(l->rows + 1, sizeof *row_start);
    if (!l->cell_start || !l->centre_land || !row_start) {
        free(row_start);
        return LO_E_NOMEM;
    }
    /* count cell entries and row crossings */
    uint64_t total = 0, crossings = 0;
    for (uint32_t i = 0; i + 1 < l->nverts; i++) {
        if (!(l->vflag[i] & F_EDGE))
            continue;
        const double *e = l->xy + 2 * i;
        uint32_t c0 = col_of(l, fmin(e[0], e[2])), c1 = col_of(l, fmax(e[0], e[2]));
        uint32_t r0 = row_of(l, fmin(e[1], e[3])), r1 = row_of(l, fmax(e[1], e[3]));
        for (uint32_t r = r0; r <= r1; r++) {
            for (uint32_t c = c0; c <= c1; c++)
                l->cell_start[(uint64_t)r * l->cols + c + 1]++;
            double Y = row_centre(l, r);
            if ((e[1] > Y) != (e[3] > Y)) {
                row_start[r + 1]++;
                crossings++;
            }
        }
        total += (uint64_t)(c1 - c0 + 1) * (r1 - r0 + 1);
    }
    if (total > UINT32_MAX || crossings > UINT32_MAX) {
        free(row_start);
        geo_error(err, -1, "land grid too large");
        return LO_E_RANGE;
    }
    for (uint64_t k = 0; k < ncells; k++)
        l->cell_start[k + 1] += l->cell_start[k];
    for (uint32_t r = 0; r < l->rows; r++)
        row_start[r + 1] += row_start[r];
    l->cell_edge = malloc((total ? total : 1) * sizeof *l->cell_edge);
    double *xs = malloc((crossings ? crossings : 1) * sizeof *xs);
    uint32_t *fill = malloc(ncells * sizeof *fill);
    uint32_t *rfill = malloc(l->rows * sizeof *rfill);
    if (!l->cell_edge || !xs || !fill || !rfill) {
        free(xs);
        free(fill);
        free(rfill);
        free(row_start);
        return LO_E_NOMEM;
    }
    memcpy(fill, l->cell_start, ncells * sizeof *fill);
    memcpy(rfill, row_start, l->rows * sizeof *rfill);
    for (uint32_t i = 0; i + 1 < l->nverts; i++) {
        if (!(l->vflag[i] & F_EDGE))
            continue;
        const double *e = l->xy + 2 * i;
        uint32_t c0 = col_of(l, fmin(e[0], e[2])), c1 = col_of(l, fmax(e[0], e[2]));
        uint32_t r0 = row_of(l, fmin(e[1], e[3])), r1 = row_of(l, fmax(e[1], e[3]));
        for (uint32_t r = r0; r <= r1; r++) {
            for (uint32_t c = c0; c <= c1; c++)
                l->cell_edge[fill[(uint64_t)r * l->cols + c]++] = i;
            double Y = row_centre(l, r);
            if ((e[1] > Y) != (e[3] > Y))
                xs[rfill[r]++] = cross_parallel(e, Y);
        }
    }
    /* each row of centres: on land when an odd number of crossings lie west of it */
    for (uint32_t r = 0; r < l->rows; r++) {
        double *rx = xs + row_start[r];
        uint32_t nx = row_start[r + 1] - row_start[r];
        qsort(rx, nx, sizeof *rx, cmp_double);
        uint32_t k = 0;
        unsigned parity = 0;
        for (uint32_t c = 0; c < l->cols; c++) {
            double X = col_centre(l, c);
            while (k < nx && rx[k] < X) {
                parity ^= 1;
                k++;
            }
            if (parity) {
                uint64_t cell = (uint64_t)r * l->cols + c;
                l->centre_land[cell >> 3] |= (uint8_t)(1u << (cell & 7));
            }
        }
    }
    uint32_t used = 0, longest = 0;
    for (uint64_t k = 0; k < ncells; k++) {
        uint32_t len = l->cell_start[k + 1] - l->cell_start[k];
        used += len > 0;
        if (len > longest)
            longest = len;
    }
    l->stats.cells_with_edges = used;
    l->stats.max_cell_edges = longest;
    free(xs);
    free(fill);
    free(rfill);
    free(row_start);
    return 0;
}

/* ---- loading: shore arcs ------------------------------------------------------ */

static int build_shore(lo_land *l)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i + 1 < l->nverts; i++)
        n += (l->vflag[i] & F_SHORE) != 0; /* chunks are fewer than shore edges */
    l->unit = malloc((l->nverts ? l->nverts : 1) * sizeof *l->unit);
    chunk *ch = malloc((n ? n : 1) * sizeof *ch);
    double(*lo)[3] = malloc((n ? n : 1) * sizeof *lo);
    double(*hi)[3] = malloc((n ? n : 1) * sizeof *hi);
    double(*c)[3] = malloc((n ? n : 1) * sizeof *c);
    int rc = LO_E_NOMEM;
    if (!l->unit || !ch || !lo || !hi || !c)
        goto out;
    for (uint32_t i = 0; i < l->nverts; i++)
        geo_unit(l->xy[2 * i + 1], l->xy[2 * i], l->unit[i]);
    uint32_t k = 0;
    for (uint32_t i = 0; i + 1 < l->nverts;) {
        if (!(l->vflag[i] & F_SHORE)) {
            i++;
            continue;
        }
        uint32_t e = 0;
        while (e < CHUNK_EDGES && i + e + 1 < l->nverts && (l->vflag[i + e] & F_SHORE))
            e++;
        ch[k].first = i;
        ch[k].edges = e;
        /* the box of the vertices, grown by the largest bulge of an arc out of its chord */
        double bulge = 0;
        for (int a = 0; a < 3; a++) {
            lo[k][a] = INFINITY;
            hi[k][a] = -INFINITY;
        }
        for (uint32_t j = i; j <= i + e; j++) {
            const double *v = l->unit[j];
            for (int a = 0; a < 3; a++) {
                lo[k][a] = v[a] < lo[k][a] ? v[a] : lo[k][a];
                hi[k][a] = v[a] > hi[k][a] ? v[a] : hi[k][a];
            }
            if (j > i) {
                const double *u = l->unit[j - 1];
                double dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
                double q = (dx * dx + dy * dy + dz * dz) / 4; /* sin^2 of half the angle */
                double bl = q / (1 + sqrt(q < 1 ? 1 - q : 0)); /* 1 - cos of half the angle */
                bulge = bl > bulge ? bl : bulge;
            }
        }
        for (int a = 0; a < 3; a++) {
            lo[k][a] -= bulge + 1e-15;
            hi[k][a] += bulge + 1e-15;
            c[k][a] = (lo[k][a] + hi[k][a]) / 2;
        }
        k++;
        i += e;
    }
    rc = lo_sphtree_build(&l->tree, k, (const double(*)[3])lo, (const double(*)[3])hi, (const double(*)[3])c,
                          CHUNKS_PER_LEAF);
    if (rc)
        goto out;
    l->chunks = malloc((k ? k : 1) * sizeof *l->chunks);
    if (!l->chunks) {
        rc = LO_E_NOMEM;
        goto out;
    }
    /* the chunks' vertices again, in leaf order, so that the chunks of a leaf
     * and of neighbouring leaves sit together in memory */
    double(*unit)[3] = malloc(((uint64_t)n + k + 1) * sizeof *unit);
    if (!unit) {
        rc = LO_E_NOMEM;
        goto out;
    }
    uint32_t nu = 0;
    for (uint32_t j = 0; j < k; j++) {
        const chunk *src = &ch[l->tree.order[j]];
        memcpy(unit[nu], l->unit[src->first], (src->edges + 1) * sizeof *unit);
        l->chunks[j].first = nu;
        l->chunks[j].edges = src->edges;
        nu += src->edges + 1;
    }
    free(l->unit);
    l->unit = unit;
    l->nunit = nu;
    l->stats.shore_edges = n;
    l->nchunks = k;
    rc = 0;
out:
    free(ch);
    free(lo);
    free(hi);
    free(c);
    return rc;
}

static uint32_t search(const lo_land *l, const double p[3], double max_m, double *best2);

static inline uint32_t bound_index(double v, double lo, uint32_t n)
{
    double i = floor((v - lo) * BOUND_CPD);
    return i < 0 ? 0 : i >= n ? n - 1 : (uint32_t)i;
}

static int build_bounds(lo_land *l)
{
    l->centre_shore_m = malloc((size_t)BOUND_COLS * BOUND_ROWS * sizeof *l->centre_shore_m);
    l->row_radius_m = malloc(BOUND_ROWS * sizeof *l->row_radius_m);
    if (!l->centre_shore_m || !l->row_radius_m)
        return LO_E_NOMEM;
    double half = 0.5 / BOUND_CPD;
    for (uint32_t r = 0; r < BOUND_ROWS; r++) {
        double Y = -90 + (r + 0.5) / BOUND_CPD;
        /* the farthest point of a cell this small from its centre is a corner */
        double d0 = lo_geo_distance_m(Y, 0, Y - half, half), d1 = lo_geo_distance_m(Y, 0, Y + half, half);
        l->row_radius_m[r] = (d0 > d1 ? d0 : d1) * 1.001 + 1;
        double prev = INFINITY;
        for (uint32_t c = 0; c < BOUND_COLS; c++) {
            double p[3], best2;
            geo_unit(Y, -180 + (c + 0.5) / BOUND_CPD, p);
            /* the neighbour's answer bounds this one: centres are at most 2 radii apart */
            uint32_t k = search(l, p, prev + 2 * l->row_radius_m[r], &best2);
            if (k == LO_SPHTREE_NONE)
                k = search(l, p, INFINITY, &best2);
            prev = k == LO_SPHTREE_NONE ? INFINITY : geo_chord2_m(best2);
            l->centre_shore_m[r * BOUND_COLS + c] = (float)prev;
        }
    }
    return 0;
}

int lo_land_from_geojson(lo_land **out, const char *text, size_t len, const lo_land_config *cfg,
                         lo_geo_error *err)
{
    if (!out)
        return LO_E_INVAL;
    *out = NULL;
    if (!text) {
        geo_error(err, -1, "no GeoJSON text");
        return LO_E_INVAL;
    }
    unsigned cpd = cfg && cfg->cells_per_degree ? cfg->cells_per_degree : DEFAULT_CPD;
    if (cpd > LO_GEO_MAX_LAND_CPD) {
        geo_error(err, -1, "cells_per_degree %u above %u", cpd, (unsigned)LO_GEO_MAX_LAND_CPD);
        return LO_E_RANGE;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        geo_error(err, jerr.line, "not JSON: %s", jerr.text);
        return LO_E_INVAL;
    }
    lo_land *l = calloc(1, sizeof *l);
    if (!l) {
        json_decref(root);
        return LO_E_NOMEM;
    }
    builder bd = {.l = l, .err = err};
    int rc = geo_json_polygons(root, on_polygon, &bd, NULL, err);
    json_decref(root);
    free(bd.raw);
    free(bd.a);
    free(bd.b);
    if (rc == 0 && bd.rings == 0) {
        geo_error(err, -1, "no polygons");
        rc = LO_E_INVAL;
    }
    if (rc == 0) {
        l->cpd = cpd;
        l->cols = 360 * cpd;
        l->rows = 180 * cpd;
        rc = build_grid(l, err);
    }
    if (rc == 0)
        rc = build_shore(l);
    if (rc == 0)
        rc = build_bounds(l);
    if (rc) {
        lo_land_destroy(l);
        return rc;
    }
    lo_land_stats *s = &l->stats;
    s->rings = bd.rings;
    s->vertices = l->nverts;
    for (uint32_t i = 0; i < l->nverts; i++)
        s->edges += (l->vflag[i] & F_EDGE) != 0;
    s->cols = l->cols;
    s->rows = l->rows;
    uint64_t ncells = (uint64_t)l->cols * l->rows;
    s->memory_bytes = sizeof *l + (uint64_t)l->nverts * (2 * sizeof(double) + 1) +
                      (ncells + 1) * sizeof(uint32_t) + (uint64_t)l->cell_start[ncells] * sizeof(uint32_t) +
                      (ncells + 7) / 8 + (uint64_t)l->nunit * sizeof *l->unit +
                      (uint64_t)l->nchunks * (sizeof(chunk) + sizeof(uint32_t)) +
                      (uint64_t)l->tree.nnodes * sizeof(lo_sphtree_node) +
                      (uint64_t)BOUND_COLS * BOUND_ROWS * sizeof(float);
    *out = l;
    return 0;
}

int lo_land_load(lo_land **out, const char *path, const lo_land_config *cfg, lo_geo_error *err)
{
    if (!out || !path)
        return LO_E_INVAL;
    *out = NULL;
    char *text;
    size_t len;
    int rc = geo_read_file(path, LO_GEO_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;
    rc = lo_land_from_geojson(out, text, len, cfg, err);
    free(text);
    if (rc && err) {
        char why[sizeof err->text];
        memcpy(why, err->text, sizeof why);
        geo_error(err, err->where, "%s: %s", geo_basename(path), why);
    }
    return rc;
}

void lo_land_destroy(lo_land *l)
{
    if (!l)
        return;
    free(l->xy);
    free(l->vflag);
    free(l->cell_start);
    free(l->cell_edge);
    free(l->centre_land);
    free(l->unit);
    free(l->chunks);
    free(l->centre_shore_m);
    free(l->row_radius_m);
    lo_sphtree_free(&l->tree);
    free(l);
}

void lo_land_get_stats(const lo_land *l, lo_land_stats *s) { *s = l->stats; }

/* ---- look-ups ----------------------------------------------------------------- */

static bool contains(const lo_land *l, double y, double x)
{
    /* The closure of Antarctica's ring runs along -90: a point exactly at a pole
     * would sit on it. The poles are taken as points just off them. */
    if (y <= -90)
        y = -90 + 1e-9;
    else if (y >= 90)
        y = 90 - 1e-9;
    /* Likewise the cuts along the antimeridian: a point on it is taken just
     * east of it, inside the piece of any polygon that was cut there. */
    if (x == -180)
        x = -180 + 1e-9;
    uint32_t r = row_of(l, y), c = col_of(l, x);
    uint64_t cell = (uint64_t)r * l->cols + c;
    bool in = (l->centre_land[cell >> 3] >> (cell & 7)) & 1;
    uint32_t s = l->cell_start[cell], e = l->cell_start[cell + 1];
    if (s == e)
        return in;
    double X = col_centre(l, c), Y = row_centre(l, r);
    double hlo = fmin(X, x), hhi = fmax(X, x), vlo = fmin(Y, y), vhi = fmax(Y, y);
    for (uint32_t k = s; k < e; k++) {
        const double *ed = l->xy + 2 * l->cell_edge[k];
        if ((ed[1] > Y) != (ed[3] > Y)) {
            double xi = cross_parallel(ed, Y);
            if (xi >= hlo && xi < hhi)
                in = !in;
        }
        if ((ed[0] > x) != (ed[2] > x)) {
            double yi = cross_meridian(ed, x);
            if (yi >= vlo && yi < vhi)
                in = !in;
        }
    }
    return in;
}

bool lo_land_contains(const lo_land *l, double lat, double lon)
{
    if (!l || !geo_ok(lat, lon))
        return false;
    return contains(l, lat, lo_geo_wrap_lon(lon));
}

static inline double dot3(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static inline double dist2(const double *a, const double *b)
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return dx * dx + dy * dy + dz * dz;
}

/* The squared chord from p to the nearest point of the chunk's arcs, when it
 * is below *best2: then *best2 is set and *where says where (vertex j as 2j,
 * inside edge j as 2j + 1). Ends are measured as vertices; an edge's inside
 * only when the foot of p on its great circle falls between its ends, which
 * the Lagrange identity tells from dot products alone:
 * (a x b).(a x p) = b.p - (a.b)(a.p), (a x b).(p x b) = a.p - (a.b)(b.p). */
static inline bool chunk_dist2(const lo_land *l, const chunk *ch, const double p[3], double *best2,
                               uint32_t *where)
{
    const double(*v)[3] = l->unit + ch->first;
    bool better = false;
    double ap = dot3(v[0], p), d = dist2(v[0], p);
    if (d < *best2) {
        *best2 = d;
        *where = 0;
        better = true;
    }
    for (uint32_t j = 0; j < ch->edges; j++) {
        const double *a = v[j], *b = v[j + 1];
        double bp = dot3(b, p);
        d = dist2(b, p);
        if (d < *best2) {
            *best2 = d;
            *where = 2 * j + 2;
            better = true;
        }
        double ab = dot3(a, b);
        if (bp - ab * ap > 0 && ap - ab * bp > 0) {
            double n[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
            double pn = dot3(p, n), nn = dot3(n, n);
            /* chord^2 = 2 s^2 / (1 + sqrt(1 - s^2)) >= s^2, with s = pn / |n| the
             * sine of the distance to the great circle */
            if (pn * pn < *best2 * nn) {
                double s2 = pn * pn / nn;
                if (s2 > 1)
                    s2 = 1;
                d = 2 * s2 / (1 + sqrt(1 - s2));
                if (d < *best2) {
                    *best2 = d;
                    *where = 2 * j + 1;
                    better = true;
                }
            }
        }
        ap = bp;
    }
    return better;
}

static void chunk_leaf(const void *ctx, uint32_t first, uint32_t count, const double p[3], double *best2,
                       uint32_t *best)
{
    const lo_land *l = ctx;
    uint32_t where;
    for (uint32_t k = first; k < first + count; k++)
        if (chunk_dist2(l, &l->chunks[k], p, best2, &where))
            *best = k;
}

/* The nearest chunk within max_m of p (LO_SPHTREE_NONE when none), and its squared chord. */
static uint32_t search(const lo_land *l, const double p[3], double max_m, double *best2)
{
    double max2 = geo_m_chord2(max_m);
    if (max2 < INFINITY)
        max2 = nextafter(max2, INFINITY); /* "at most max_m" */
    return lo_sphtree_nearest(&l->tree, p, max2, chunk_leaf, l, best2);
}

/* The same for the point (lat, lon), bounded first by its cell. */
static uint32_t nearest_chunk(const lo_land *l, double lat, double lon, const double p[3], double max_m,
                              double *best2)
{
    uint32_t r = bound_index(lat, -90, BOUND_ROWS);
    uint32_t c = bound_index(lo_geo_wrap_lon(lon), -180, BOUND_COLS);
    double dc = l->centre_shore_m[r * BOUND_COLS + c], rr = l->row_radius_m[r];
    if (dc - rr > max_m) {
        *best2 = INFINITY;
        return LO_SPHTREE_NONE;
    }
    double ub = dc + rr; /* the shore point nearest the centre is this near */
    return search(l, p, ub < max_m ? ub : max_m, best2);
}

double lo_land_shore_m(const lo_land *l, double lat, double lon, double max_m)
{
    if (!l || !geo_ok(lat, lon) || isnan(max_m))
        return NAN;
    double p[3], best2;
    geo_unit(lat, lon, p);
    if (nearest_chunk(l, lat, lon, p, max_m, &best2) == LO_SPHTREE_NONE)
        return INFINITY;
    return geo_chord2_m(best2);
}

int lo_land_query(const lo_land *l, double lat, double lon, double max_m, lo_shore *out)
{
    if (!l || !out || !geo_ok(lat, lon) || isnan(max_m))
        return LO_E_INVAL;
    double p[3], best2;
    geo_unit(lat, lon, p);
    out->on_land = contains(l, lat, lo_geo_wrap_lon(lon));
    uint32_t k = nearest_chunk(l, lat, lon, p, max_m, &best2);
    if (k == LO_SPHTREE_NONE) {
        out->distance_m = INFINITY;
        out->shore_lat = out->shore_lon = NAN;
        return 0;
    }
    out->distance_m = geo_chord2_m(best2);
    /* measure the chunk again to learn where on it */
    const chunk *ch = &l->chunks[k];
    double d2 = INFINITY;
    uint32_t where = 0;
    chunk_dist2(l, ch, p, &d2, &where);
    const double *a = l->unit[ch->first + where / 2];
    if (where % 2 == 0) {
        geo_latlon(a, &out->shore_lat, &out->shore_lon);
    } else {
        const double *b = a + 3;
        double n[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
        double t = dot3(p, n) / dot3(n, n);
        double q[3] = {p[0] - t * n[0], p[1] - t * n[1], p[2] - t * n[2]}; /* foot on the great circle */
        geo_latlon(q, &out->shore_lat, &out->shore_lon);
    }
    return 0;
}
