/* geo_bench.c - speed of the geographic look-ups (geo.h): load times, then
 * look-ups per second of land, shore distance, nearest port and zones.
 *
 *   lookout_geo_bench [-n POINTS] [-c CELLS_PER_DEGREE] [-z ZONES.geojson]... DATA_DIR [POINTS.csv]
 *
 * DATA_DIR is the repository's data/ (land and ports as shipped). Three sets of
 * points: uniform on the sphere (70 % sea, many far from any coast), "coastal"
 * (uniform points kept when within 50 nm of the shore: where ships are), and,
 * when POINTS.csv is given, its positions (a "lat,lon" pair per line, header
 * allowed; e.g. from `lookout decode -f csv -s -c lat,lon FILE`). Each set is
 * timed for each look-up (best of 3 passes). Build the release preset for
 * numbers worth quoting. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lookout/geo.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: steadier on a busy machine */
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: the same points every run */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static void sphere_point(double *lat, double *lon)
{
    *lat = asin(2 * urand() - 1) * 180 / M_PI;
    *lon = urand() * 360 - 180;
}

typedef struct set {
    const char *name;
    double *lat, *lon;
    size_t n;
} set;

static volatile double sink;

/* Peak resident memory so far (Linux), in MB; 0 when unknown. */
static double peak_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtod(line + 6, NULL);
    if (f)
        fclose(f);
    return kb / 1024;
}

enum { T_LAND, T_SHORE50, T_SHORE, T_PORT10, T_PORT, T_ZONES, NTESTS };
static const char *const test_names[NTESTS] = {
    "on land", "shore distance, capped at 50 nm", "shore distance, exact", "nearest port/anchorage, within 10 km",
    "nearest port/anchorage, anywhere", "zones holding the point",
};

static double run(int test, const set *s, lo_geo *g)
{
    double best = INFINITY;
    uint32_t ids[64];
    for (int pass = 0; pass < 3; pass++) {
        double acc = 0, t0 = now_s();
        for (size_t i = 0; i < s->n; i++) {
            double la = s->lat[i], lo = s->lon[i], d = 0;
            switch (test) {
            case T_LAND:
                acc += lo_land_contains(g->land, la, lo);
                break;
            case T_SHORE50:
                acc += lo_land_shore_m(g->land, la, lo, 50 * LO_NM_M) < INFINITY;
                break;
            case T_SHORE:
                acc += lo_land_shore_m(g->land, la, lo, INFINITY);
                break;
            case T_PORT10:
                acc += lo_ports_nearest(g->ports, la, lo, LO_PORT_ANY, 10000, &d) != NULL;
                break;
            case T_PORT:
                acc += lo_ports_nearest(g->ports, la, lo, LO_PORT_ANY, INFINITY, &d) != NULL;
                acc += d;
                break;
            case T_ZONES:
                acc += lo_zones_at(g->zones, la, lo, ids, 64);
                break;
            }
        }
        double t = now_s() - t0;
        sink = acc;
        if (t < best)
            best = t;
    }
    return s->n / best;
}

static int read_points(const char *path, set *s)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 1 << 16;
    s->lat = malloc(cap * sizeof *s->lat);
    s->lon = malloc(cap * sizeof *s->lon);
    char line[256];
    while (s->lat && s->lon && fgets(line, sizeof line, f)) {
        char *end;
        double la = strtod(line, &end);
        if (end == line || *end != ',')
            continue;
        char *p = end + 1;
        double lo = strtod(p, &end);
        if (end == p || !(la >= -90 && la <= 90) || !(lo >= -180 && lo <= 180))
            continue;
        if (s->n == cap) {
            cap *= 2;
            double *a = realloc(s->lat, cap * sizeof *a), *b = a ? realloc(s->lon, cap * sizeof *b) : NULL;
            if (!a || !b) {
                fclose(f);
                return -1;
            }
            s->lat = a;
            s->lon = b;
        }
        s->lat[s->n] = la;
        s->lon[s->n] = lo;
        s->n++;
    }
    fclose(f);
    return s->n ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t npoints = 1000000;
    lo_land_config cfg = {0};
    const char *zones[16];
    int nzones = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            npoints = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            cfg.cells_per_degree = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-z") == 0 && i + 1 < argc && nzones < 16)
            zones[nzones++] = argv[++i];
        else
            break;
    }
    if (i >= argc || npoints == 0) {
        fprintf(stderr, "usage: lookout_geo_bench [-n POINTS] [-c CELLS_PER_DEGREE] [-z ZONES.geojson]... "
                        "DATA_DIR [POINTS.csv]\n");
        return 2;
    }
    const char *dir = argv[i++];
    lo_geo g;
    lo_geo_error err = {0};
    double t0 = now_s();
    int rc = lo_geo_load(&g, dir, &cfg, &err);
    double t_all = now_s() - t0, mem = peak_mb();
    if (rc) {
        fprintf(stderr, "geo_bench: %s: %s\n", lo_strerror(rc), err.text);
        return 1;
    }
    /* the parts separately */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, LO_GEO_LAND_FILE);
    lo_land *l2;
    t0 = now_s();
    lo_land_load(&l2, path, &cfg, NULL);
    double t_land = now_s() - t0;
    lo_land_destroy(l2);
    lo_land_stats ls;
    lo_land_get_stats(g.land, &ls);
    printf("load (CPU time): land and ports %.2f s, peak resident memory %.0f MB; land alone %.2f s (%u rings, "
           "%u vertices, %u shore edges, grid %ux%u, %u cells with edges, longest list %u, index %.1f MB); "
           "%u ports and anchorages\n",
           t_all, mem, t_land, ls.rings, ls.vertices, ls.shore_edges, ls.cols, ls.rows, ls.cells_with_edges,
           ls.max_cell_edges, ls.memory_bytes / 1e6, lo_ports_count(g.ports));
    for (int z = 0; z < nzones; z++) {
        t0 = now_s();
        rc = lo_zones_add_file(g.zones, zones[z], NULL, &err);
        if (rc < 0) {
            fprintf(stderr, "geo_bench: %s: %s\n", lo_strerror(rc), err.text);
            return 1;
        }
        printf("load: zones %s: %d zones in %.2f s\n", zones[z], rc, now_s() - t0);
    }

    set sets[3] = {{"uniform on the sphere", NULL, NULL, 0}, {"coastal (within 50 nm of shore)", NULL, NULL, 0},
                   {"file", NULL, NULL, 0}};
    int nsets = 2;
    for (int k = 0; k < 2; k++) {
        sets[k].lat = malloc(npoints * sizeof(double));
        sets[k].lon = malloc(npoints * sizeof(double));
        if (!sets[k].lat || !sets[k].lon)
            return 1;
    }
    for (size_t k = 0; k < npoints; k++)
        sphere_point(&sets[0].lat[k], &sets[0].lon[k]);
    sets[0].n = npoints;
    while (sets[1].n < npoints) {
        double la, lo;
        sphere_point(&la, &lo);
        if (!lo_land_contains(g.land, la, lo) && lo_land_shore_m(g.land, la, lo, 50 * LO_NM_M) < INFINITY) {
            sets[1].lat[sets[1].n] = la;
            sets[1].lon[sets[1].n] = lo;
            sets[1].n++;
        }
    }
    if (i < argc) {
        if (read_points(argv[i], &sets[2]) != 0) {
            fprintf(stderr, "geo_bench: no positions in %s\n", argv[i]);
            return 1;
        }
        sets[2].name = argv[i];
        nsets = 3;
    }
    printf("\n| look-up | %s", sets[0].name);
    for (int k = 1; k < nsets; k++)
        printf(" | %s", sets[k].name);
    printf(" |\n|---");
    for (int k = 0; k < nsets; k++)
        printf("|---:");
    printf("|\n");
    for (int t = 0; t < NTESTS; t++) {
        if (t == T_ZONES && nzones == 0)
            continue;
        printf("| %s", test_names[t]);
        for (int k = 0; k < nsets; k++) {
            printf(" | %.2f M/s", run(t, &sets[k], &g) / 1e6);
        }
        printf(" |\n");
        fflush(stdout);
    }
    for (int k = 0; k < nsets; k++) {
        free(sets[k].lat);
        free(sets[k].lon);
    }
    if (nzones) {
        const lo_zones_stats *zs = lo_zones_get_stats(g.zones);
        printf("\nzones: %llu queries, %llu part boxes held the point, %llu answered by a cell, %llu by GEOS; "
               "%llu polygons repaired at load\n",
               (unsigned long long)zs->queries, (unsigned long long)zs->box_tests,
               (unsigned long long)zs->cell_hits, (unsigned long long)zs->geos_calls,
               (unsigned long long)zs->repaired);
    }
    lo_geo_free(&g);
    return 0;
}
