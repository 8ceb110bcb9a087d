/* test_geo.c - the geographic ground truth (geo.h) on real places and against
 * brute force.
 *
 * Basics: distances and bearings with known values, the equirectangular
 * approximation's error (the bounds geo.h states), destination round trips.
 * Land (data/geo, Natural Earth 10 m): places with known answers (open ocean,
 * Gelendzhik and Simferopol airports, Sevastopol harbour, the Shanghai "crop
 * circle" area, Antarctica, the North Pole, both sides of the antimeridian),
 * and the index against brute force over every edge of the file for some
 * hundreds of points (uniform, coastal, along the antimeridian, polar): the
 * brute-force land test is a ray to the North Pole with each edge taken the
 * short way round, and the brute-force shore distance uses the cross-track
 * formula, so neither shares code with the index. Small hand-made files test
 * the cuts at the antimeridian, a ring round a pole and holes.
 * Ports (data/ports): known ports, and the index against the whole table.
 * Zones: the shipped watch box, hand-made zones (antimeridian three ways, a
 * hole, a self-crossing ring repaired, a point on the edge), and the OSM
 * maritime borders and Global Fishing Watch DPRK boundaries of ../shared/data
 * (ODbL / no licence: read there, not shipped; skipped without it) against
 * GEOS alone, without lookout's box and cell filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo_internal.h"
#include "lookout/geo.h"

#define DATA LOOKOUT_TEST_DATA "/../../data"
#define SHARED LOOKOUT_TEST_DATA "/../../../shared/data"
#define NM LO_NM_M

static lo_geo G; /* loaded once for the group (the land takes a second) */

/* xorshift64*: the same points every run */
static uint64_t rng_state = 0x243F6A8885A308D3ull;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static void sphere_point(double *lat, double *lon)
{
    *lat = asin(2 * urand() - 1) / GEO_DEG;
    *lon = urand() * 360 - 180;
}

static int setup(void **state)
{
    (void)state;
    lo_geo_error err = {0};
    int rc = lo_geo_load(&G, DATA, NULL, &err);
    if (rc)
        fprintf(stderr, "lo_geo_load: %s: %s\n", lo_strerror(rc), err.text);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    lo_geo_free(&G);
    return 0;
}

/* ---- basics --------------------------------------------------------------------- */

static void test_distance(void **state)
{
    (void)state;
    /* London - Paris, and JFK - Heathrow (on the sphere; WGS 84 gives 343.9 and 5,555 km) */
    assert_float_equal(lo_geo_distance_m(51.5074, -0.1278, 48.8566, 2.3522), 343556.5, 1);
    assert_float_equal(lo_geo_distance_m(40.6413, -73.7781, 51.4700, -0.4543), 5540019.0, 1);
    /* one degree of a great circle, across the antimeridian */
    double deg = LO_EARTH_RADIUS_M * GEO_DEG;
    assert_float_equal(lo_geo_distance_m(0, 179.5, 0, -179.5), deg, 1e-6);
    assert_float_equal(lo_geo_distance_m(10, 180, 11, -180), deg, 1e-6);
    /* pole to pole, antipodes, the same point */
    assert_float_equal(lo_geo_distance_m(90, 0, -90, 0), M_PI * LO_EARTH_RADIUS_M, 1e-6);
    assert_float_equal(lo_geo_distance_m(0, 0, 0, 180), M_PI * LO_EARTH_RADIUS_M, 1e-6);
    assert_float_equal(lo_geo_distance_m(30, 40, -30, -140), M_PI * LO_EARTH_RADIUS_M, 1e-6);
    assert_true(lo_geo_distance_m(12.3, 45.6, 12.3, 45.6) == 0);
    /* a metre is a metre (no cancellation at short range) */
    assert_float_equal(lo_geo_distance_m(0, 0, 1 / deg, 0), 1.0, 1e-9);
    /* refused positions */
    assert_true(isnan(lo_geo_distance_m(91, 0, 0, 0)));
    assert_true(isnan(lo_geo_distance_m(0, NAN, 0, 0)));
    assert_true(isnan(lo_geo_bearing_deg(0, 0, -90.5, 0)));
    assert_true(isnan(lo_geo_fast_distance_m(0, 0, 0, INFINITY)));
    double la, lo;
    lo_geo_destination(0, 0, NAN, 1, &la, &lo);
    assert_true(isnan(la) && isnan(lo));
    /* microdegrees */
    assert_float_equal(lo_udeg(44580000), 44.58, 1e-12);
    assert_float_equal(lo_m_to_nm(1852 * 50), 50, 1e-12);
}

static void test_bearing(void **state)
{
    (void)state;
    assert_float_equal(lo_geo_bearing_deg(0, 0, 1, 0), 0, 1e-9);
    assert_float_equal(lo_geo_bearing_deg(0, 0, 0, 1), 90, 1e-9);
    assert_float_equal(lo_geo_bearing_deg(0, 0, -1, 0), 180, 1e-9);
    assert_float_equal(lo_geo_bearing_deg(0, 0, 0, -1), 270, 1e-9);
    /* east across the antimeridian */
    assert_float_equal(lo_geo_bearing_deg(0, 179.5, 0, -179.5), 90, 1e-9);
    assert_float_equal(lo_geo_bearing_deg(0, -179.5, 0, 179.5), 270, 1e-9);
    /* London -> Paris: about 148 degrees */
    double b = lo_geo_bearing_deg(51.5074, -0.1278, 48.8566, 2.3522);
    assert_true(b > 147 && b < 150);
    /* from the North Pole everything is south: 180 - dlon */
    assert_float_equal(lo_geo_bearing_deg(90, 0, 10, 30), 150, 1e-6);
    assert_float_equal(lo_geo_bearing_deg(-90, 0, 10, 30), 30, 1e-6);
    assert_float_equal(lo_geo_bearing_deg(5, 5, 5, 5), 0, 0);
    for (int i = 0; i < 1000; i++) {
        double la1, lo1, la2, lo2;
        sphere_point(&la1, &lo1);
        sphere_point(&la2, &lo2);
        double br = lo_geo_bearing_deg(la1, lo1, la2, lo2);
        assert_true(br >= 0 && br < 360);
    }
}

static void test_destination(void **state)
{
    (void)state;
    double la, lo;
    lo_geo_destination(0, 179.9, 90, 2 * LO_EARTH_RADIUS_M * GEO_DEG * 0.1, &la, &lo);
    assert_float_equal(la, 0, 1e-9);
    assert_float_equal(lo, -179.9, 1e-9);
    lo_geo_destination(89, 0, 0, 2 * LO_EARTH_RADIUS_M * GEO_DEG, &la, &lo); /* over the pole */
    assert_float_equal(la, 89, 1e-9);
    assert_float_equal(fabs(lo), 180, 1e-9);
    /* round trips: the distance and bearing of the destination are those asked */
    for (int i = 0; i < 2000; i++) {
        double la1, lo1;
        sphere_point(&la1, &lo1);
        if (fabs(la1) > 89.9)
            continue;
        double brg = urand() * 360, d = urand() * 5e6;
        lo_geo_destination(la1, lo1, brg, d, &la, &lo);
        assert_true(lo >= -180 && lo < 180);
        assert_float_equal(lo_geo_distance_m(la1, lo1, la, lo), d, 1e-3);
        if (d > 1) {
            double back = lo_geo_bearing_deg(la1, lo1, la, lo), diff = fabs(back - brg);
            assert_true(diff < 1e-6 || fabs(diff - 360) < 1e-6);
        }
    }
}

static void test_wrap_lon(void **state)
{
    (void)state;
    assert_float_equal(lo_geo_wrap_lon(180), -180, 0);
    assert_float_equal(lo_geo_wrap_lon(-180), -180, 0);
    assert_float_equal(lo_geo_wrap_lon(190), -170, 1e-12);
    assert_float_equal(lo_geo_wrap_lon(-190), 170, 1e-12);
    assert_float_equal(lo_geo_wrap_lon(720 + 45), 45, 1e-12);
    assert_float_equal(lo_geo_wrap_lon(359.999), -0.001, 1e-9);
    for (int i = 0; i < 10000; i++) {
        double x = (urand() - 0.5) * 1e5, w = lo_geo_wrap_lon(x);
        assert_true(w >= -180 && w < 180);
    }
}

/* The bounds geo.h states for the equirectangular approximation. */
static void test_fast_distance(void **state)
{
    (void)state;
    static const double range[] = {10e3, 100e3, 1000e3}, bound[] = {1e-5, 1e-3, 5e-2};
    for (int r = 0; r < 3; r++) {
        double worst = 0;
        for (int i = 0; i < 20000; i++) {
            double la1 = (urand() * 2 - 1) * 80, lo1 = urand() * 360 - 180, la2, lo2;
            lo_geo_destination(la1, lo1, urand() * 360, urand() * range[r], &la2, &lo2);
            if (fabs(la2) > 80)
                continue;
            double exact = lo_geo_distance_m(la1, lo1, la2, lo2), fast = lo_geo_fast_distance_m(la1, lo1, la2, lo2);
            if (exact > 1)
                worst = fmax(worst, fabs(fast - exact) / exact);
        }
        print_message("fast distance up to %.0f km: worst relative error %.2e (bound %.0e)\n", range[r] / 1e3,
                      worst, bound[r]);
        assert_true(worst < bound[r]);
    }
    /* the short way across the antimeridian */
    assert_float_equal(lo_geo_fast_distance_m(0, 179.5, 0, -179.5), LO_EARTH_RADIUS_M * GEO_DEG, 1e-6);
}

/* ---- land: brute force ----------------------------------------------------------------- */

typedef struct raw_land {
    double *x, *y;       /* every vertex of every ring as in the file */
    double (*u)[3];      /* unit vectors */
    unsigned char *last; /* the vertex closes its ring */
    double *len;         /* chord of the edge starting here */
    size_t n, cap;
} raw_land;

static void raw_add(raw_land *r, double x, double y, bool last)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1 << 16;
        r->x = realloc(r->x, r->cap * sizeof *r->x);
        r->y = realloc(r->y, r->cap * sizeof *r->y);
        r->last = realloc(r->last, r->cap);
        assert_non_null(r->x);
        assert_non_null(r->y);
        assert_non_null(r->last);
    }
    r->x[r->n] = x;
    r->y[r->n] = y;
    r->last[r->n++] = last;
}

static void raw_polygon(raw_land *r, json_t *rings)
{
    size_t i, j;
    json_t *ring, *pos;
    json_array_foreach(rings, i, ring)
    {
        size_t n = json_array_size(ring);
        json_array_foreach(ring, j, pos)
        {
            raw_add(r, json_number_value(json_array_get(pos, 0)), json_number_value(json_array_get(pos, 1)),
                    j + 1 == n);
        }
    }
}

/* Every ring of the land file, read with jansson alone. */
static raw_land *raw_load(const char *path)
{
    char *text;
    size_t len;
    assert_int_equal(geo_read_file(path, 1u << 30, &text, &len, NULL), 0);
    json_t *root = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(root);
    raw_land *r = calloc(1, sizeof *r);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(root, "features"), i, f)
    {
        json_t *g = json_object_get(f, "geometry");
        const char *type = json_string_value(json_object_get(g, "type"));
        json_t *c = json_object_get(g, "coordinates");
        if (strcmp(type, "Polygon") == 0) {
            raw_polygon(r, c);
        } else {
            size_t k;
            json_t *poly;
            json_array_foreach(c, k, poly) raw_polygon(r, poly);
        }
    }
    json_decref(root);
    r->u = malloc(r->n * sizeof *r->u);
    r->len = malloc(r->n * sizeof *r->len);
    for (size_t k = 0; k < r->n; k++) {
        double la = r->y[k] * GEO_DEG, lo = r->x[k] * GEO_DEG;
        r->u[k][0] = cos(la) * cos(lo);
        r->u[k][1] = cos(la) * sin(lo);
        r->u[k][2] = sin(la);
    }
    for (size_t k = 0; k + 1 < r->n; k++) {
        double dx = r->u[k][0] - r->u[k + 1][0], dy = r->u[k][1] - r->u[k + 1][1], dz = r->u[k][2] - r->u[k + 1][2];
        r->len[k] = sqrt(dx * dx + dy * dy + dz * dz);
    }
    return r;
}

static void raw_free(raw_land *r)
{
    free(r->x);
    free(r->y);
    free(r->u);
    free(r->last);
    free(r->len);
    free(r);
}

/* On land: the parity of the edges crossed by the meridian from the point to
 * the North Pole (no land ring goes round it), each edge taken the short way. */
static bool brute_land(const raw_land *r, double lat, double lon)
{
    bool in = false;
    for (size_t i = 0; i + 1 < r->n; i++) {
        if (r->last[i])
            continue;
        double x1 = r->x[i], y1 = r->y[i], y2 = r->y[i + 1], dx = r->x[i + 1] - x1;
        if (dx > 180)
            dx -= 360;
        else if (dx < -180)
            dx += 360;
        double x2 = x1 + dx;
        double X = lon + 360 * round((x1 - lon) / 360); /* the copy of the meridian nearest the edge */
        if ((x1 > X) != (x2 > X) && y1 + (X - x1) * (y2 - y1) / (x2 - x1) > lat)
            in = !in;
    }
    return in;
}

static double ang(double la1, double lo1, double la2, double lo2)
{
    return lo_geo_distance_m(la1, lo1, la2, lo2) / LO_EARTH_RADIUS_M;
}

/* Distance to the shore: every edge except the cuts along +-180, each the
 * great-circle arc between its ends, measured with the cross-track and
 * along-track distances. Edges are skipped when the triangle inequality on
 * chords shows they cannot be nearer than the best so far. */
static double brute_shore(const raw_land *r, double lat, double lon)
{
    double p[3];
    geo_unit(lat, lon, p);
    double best = INFINITY, best_chord = INFINITY;
    for (size_t i = 0; i + 1 < r->n; i++) {
        if (r->last[i])
            continue;
        if (r->x[i] == r->x[i + 1] && fabs(r->x[i]) == 180)
            continue; /* a cut */
        const double *a = r->u[i];
        double dx = p[0] - a[0], dy = p[1] - a[1], dz = p[2] - a[2];
        double ca = sqrt(dx * dx + dy * dy + dz * dz);
        if (ca - r->len[i] > best_chord + 1e-9)
            continue;
        double y1 = r->y[i], x1 = r->x[i], y2 = r->y[i + 1], x2 = r->x[i + 1];
        double d13 = ang(y1, x1, lat, lon), d23 = ang(y2, x2, lat, lon), d12 = ang(y1, x1, y2, x2);
        double d = fmin(d13, d23);
        if (d12 > 0) {
            double t13 = lo_geo_bearing_deg(y1, x1, lat, lon) * GEO_DEG;
            double t12 = lo_geo_bearing_deg(y1, x1, y2, x2) * GEO_DEG;
            double xt = asin(sin(d13) * sin(t13 - t12));
            double c = cos(d13) / cos(xt);
            double at = acos(c > 1 ? 1 : c < -1 ? -1 : c);
            if (cos(t13 - t12) > 0 && at <= d12)
                d = fmin(d, fabs(xt));
        }
        if (d < best) {
            best = d;
            best_chord = 2 * sin(d / 2);
        }
    }
    return best * LO_EARTH_RADIUS_M;
}

static raw_land *RAW; /* read by the first test that needs it */

static raw_land *raw(void)
{
    if (!RAW)
        RAW = raw_load(DATA "/" LO_GEO_LAND_FILE);
    return RAW;
}

static void check_point(double lat, double lon, unsigned *land_mismatch, double *worst)
{
    bool want = brute_land(raw(), lat, lon), got = lo_land_contains(G.land, lat, lon);
    if (want != got) {
        print_message("land mismatch at %.9f, %.9f: index %d, brute force %d\n", lat, lon, got, want);
        (*land_mismatch)++;
    }
    double bd = brute_shore(raw(), lat, lon), id = lo_land_shore_m(G.land, lat, lon, INFINITY);
    double diff = fabs(bd - id);
    if (diff > *worst)
        *worst = diff;
    if (diff > 1 + 1e-6 * bd)
        print_message("shore distance at %.6f, %.6f: index %.3f m, brute force %.3f m\n", lat, lon, id, bd);
    assert_true(diff <= 1 + 1e-6 * bd);
    /* capped look-ups: exact within the cap, INFINITY beyond it */
    double cap = bd * (urand() * 2);
    double capped = lo_land_shore_m(G.land, lat, lon, cap);
    if (bd < cap * 0.999)
        assert_float_equal(capped, id, 1e-6);
    else if (bd > cap * 1.001)
        assert_true(capped == INFINITY);
}

static void test_land_brute_force(void **state)
{
    (void)state;
    unsigned mismatch = 0, n = 0;
    double worst = 0, la, lo;
    for (int i = 0; i < 150; i++, n++) { /* uniform */
        sphere_point(&la, &lo);
        check_point(la, lo, &mismatch, &worst);
    }
    for (int i = 0; i < 100;) { /* within 50 km of the shore, where the index works hardest */
        sphere_point(&la, &lo);
        if (lo_land_shore_m(G.land, la, lo, 50e3) < INFINITY) {
            check_point(la, lo, &mismatch, &worst);
            i++;
            n++;
        }
    }
    for (int i = 0; i < 60; i++, n++) { /* along the antimeridian (Chukotka, Fiji, Wrangel) */
        la = (urand() * 2 - 1) * 80;
        lo = lo_geo_wrap_lon(180 + (urand() * 2 - 1) * 1.5);
        check_point(la, lo, &mismatch, &worst);
    }
    for (int i = 0; i < 24; i++, n++) { /* Chukotka and Fiji themselves */
        check_point(64 + urand() * 6, lo_geo_wrap_lon(180 + (urand() * 2 - 1) * 3), &mismatch, &worst);
        check_point(-16.5 - urand(), lo_geo_wrap_lon(180 + (urand() * 2 - 1) * 0.5), &mismatch, &worst);
    }
    for (int i = 0; i < 40; i++, n++) { /* polar */
        la = (i % 2 ? 1 : -1) * (80 + urand() * 10);
        lo = urand() * 360 - 180;
        check_point(la, lo, &mismatch, &worst);
    }
    /* on grid lines and exact degrees */
    for (int i = 0; i < 30; i++, n++)
        check_point(floor((urand() * 2 - 1) * 80), floor(urand() * 1440) / 4 - 180, &mismatch, &worst);
    print_message("land: %u points against brute force, %u land/sea mismatches, worst shore difference %.3g m\n",
                  n, mismatch, worst);
    assert_int_equal(mismatch, 0);
    /* land/sea alone is cheaper to brute force: more points */
    for (int i = 0; i < 400; i++) {
        sphere_point(&la, &lo);
        if (brute_land(raw(), la, lo) != lo_land_contains(G.land, la, lo)) {
            print_message("land mismatch at %.9f, %.9f\n", la, lo);
            mismatch++;
        }
    }
    assert_int_equal(mismatch, 0);
}

/* ---- land: known places ---------------------------------------------------------------- */

typedef struct place {
    const char *what;
    double lat, lon;
    bool land;
    double min_km, max_km; /* distance to the shore */
} place;

static void test_land_places(void **state)
{
    (void)state;
    static const place places[] = {
        {"North Pacific, far from any coast", 30, -140, false, 1000, 3000},
        {"Point Nemo, the farthest from land", -48.8767, -123.3933, false, 2400, 2800},
        {"mid-Atlantic", 30, -40, false, 1000, 2500},
        {"Indian Ocean", -30, 80, false, 500, 3500},
        {"Gelendzhik airport (ships shown there, 2017 and 2024)", 44.58, 38.01, true, 1, 5},
        {"Simferopol airport (about 50 ships shown there, 2024)", 44.97, 34.11, true, 25, 50},
        {"Sevastopol bay (in Natural Earth 10 m it is sea)", 44.618, 33.56, false, 0, 1},
        {"off Sevastopol, the false HMS Defender track", 44.62, 33.50, false, 0, 3},
        {"Black Sea, where ATRIA really was (MARAD, 2017)", 44.2617, 37.5483, false, 10, 60},
        {"Shanghai 'crop circles': the Huangpu river is land at this scale", 31.38, 121.50, true, 0, 5},
        {"East China Sea, DPRK transfer 2018-02-24", 31.2, 124.1, false, 100, 250},
        {"Siberia", 60, 100, true, 1000, 2500},
        {"Sahara", 23, 10, true, 500, 1500},
        {"Antarctic plateau", -85, 0, true, 300, 1500},
        {"South Pole (the Ross ice shelf is sea in Natural Earth)", -90, 0, true, 400, 1600},
        {"North Pole (sea ice, no land)", 90, 0, false, 600, 1000},
        {"Chukotka, west of 180", 66, 179, true, 0, 200},
        {"Chukotka, east of 180", 67.5, -179.9, true, 50, 200},
        {"Wrangel Island, west of 180", 71.2, 179.8, true, 5, 50},
        {"Wrangel Island, east of 180", 71.2, -179.8, true, 5, 50},
        {"Bering Strait", 65.8, -169, false, 0, 50},
        {"Fiji, Vanua Levu", -16.6, 179.2, true, 0, 40},
        {"Fiji, Taveuni east of 180", -16.85, -179.97, true, 0, 10},
        {"Lake Superior (lakes are land in Natural Earth; James Bay is the shore)", 47.7, -87.5, true, 300, 800},
        {"Caspian Sea (a hole in the Eurasia ring)", 42, 51, false, 0, 200},
        {"English Channel", 50.2, -1.0, false, 5, 60},
        {"Rotterdam harbour, a river port: land", 51.95, 4.05, true, 0, 5},
    };
    for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
        const place *p = &places[i];
        bool land = lo_land_contains(G.land, p->lat, p->lon);
        double km = lo_land_shore_m(G.land, p->lat, p->lon, INFINITY) / 1e3;
        print_message("%-70s %s, %.2f km from shore\n", p->what, land ? "land" : "sea", km);
        assert_true(land == p->land);
        assert_true(km >= p->min_km && km <= p->max_km);
        /* the same through lo_land_query, with a shore point that far away */
        lo_shore s;
        assert_int_equal(lo_land_query(G.land, p->lat, p->lon, INFINITY, &s), 0);
        assert_true(s.on_land == land);
        assert_float_equal(s.distance_m / 1e3, km, 1e-9);
        assert_float_equal(lo_geo_distance_m(p->lat, p->lon, s.shore_lat, s.shore_lon), s.distance_m,
                           1e-3 + 1e-9 * s.distance_m);
        /* microdegrees, as the tracker gives them */
        int32_t la = (int32_t)lround(p->lat * 1e6), lo = (int32_t)lround(p->lon * 1e6);
        assert_true(lo_land_contains(G.land, lo_udeg(la), lo_udeg(lo)) == land);
    }
    /* both sides of the antimeridian name one place */
    assert_true(lo_land_contains(G.land, 66, 180) == lo_land_contains(G.land, 66, -180));
    assert_float_equal(lo_land_shore_m(G.land, 60, 180, INFINITY), lo_land_shore_m(G.land, 60, -180, INFINITY), 1e-6);
    assert_float_equal(lo_land_shore_m(G.land, 60, 540, INFINITY), lo_land_shore_m(G.land, 60, -180, INFINITY), 1e-6);
    /* capped */
    assert_true(lo_land_shore_nm(G.land, 30, -140, 50) == INFINITY);
    double gel = lo_land_shore_nm(G.land, 44.58, 38.01, 50);
    assert_true(gel > 0.5 && gel < 3);
    lo_land_stats st;
    lo_land_get_stats(G.land, &st);
    print_message("land: %u rings, %u vertices, %u edges (%u shore), grid %ux%u, %u cells with edges (longest "
                  "list %u), %.1f MB\n",
                  st.rings, st.vertices, st.edges, st.shore_edges, st.cols, st.rows, st.cells_with_edges,
                  st.max_cell_edges, st.memory_bytes / 1e6);
    assert_true(st.vertices > 400000 && st.shore_edges > 400000);
}

/* ---- land: small files ----------------------------------------------------------------- */

static lo_land *land_text(const char *text, unsigned cpd)
{
    lo_land *l = NULL;
    lo_land_config cfg = {cpd};
    lo_geo_error err = {0};
    int rc = lo_land_from_geojson(&l, text, strlen(text), &cfg, &err);
    if (rc)
        print_message("land_text: %s: %s\n", lo_strerror(rc), err.text);
    assert_int_equal(rc, 0);
    return l;
}

static void test_land_small(void **state)
{
    (void)state;
    double deg = LO_EARTH_RADIUS_M * GEO_DEG;
    /* a square across the antimeridian written with a jump (as world-atlas does) */
    lo_land *l = land_text("{\"type\":\"Polygon\",\"coordinates\":[[[170,0],[-170,0],[-170,10],[170,10],[170,0]]]}", 4);
    assert_true(lo_land_contains(l, 5, 179));
    assert_true(lo_land_contains(l, 5, -179));
    assert_true(lo_land_contains(l, 5, 180));
    assert_true(lo_land_contains(l, 5, -171));
    assert_false(lo_land_contains(l, 5, 160));
    assert_false(lo_land_contains(l, 5, 0));
    assert_false(lo_land_contains(l, 11, 180));
    /* the cut at 180 is not shore: from the middle the shore is 5 degrees south or north */
    assert_float_equal(lo_land_shore_m(l, 5, 180, INFINITY), 5 * deg, 1);
    assert_float_equal(lo_land_shore_m(l, 5, -180, INFINITY), 5 * deg, 1);
    lo_land_stats st;
    lo_land_get_stats(l, &st);
    assert_int_equal(st.rings, 2); /* cut in two */
    assert_int_equal(st.shore_edges, 6);
    lo_land_destroy(l);
    /* the same square with longitudes past 180 (0..360 style) */
    l = land_text("{\"type\":\"Polygon\",\"coordinates\":[[[170,0],[190,0],[190,10],[170,10],[170,0]]]}", 4);
    assert_true(lo_land_contains(l, 5, -175));
    assert_true(lo_land_contains(l, 5, 175));
    assert_false(lo_land_contains(l, 5, -165));
    lo_land_destroy(l);
    /* a ring round the North Pole along 80N, a vertex every 2 degrees (as
     * Natural Earth's Antarctica goes round the South Pole) */
    char text[4096];
    int len = snprintf(text, sizeof text, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                          "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (int x = 30; x <= 390; x += 2) /* starts at 30E, passes 180 with a jump */
        len += snprintf(text + len, sizeof text - (size_t)len, "%s[%d,80]", x > 30 ? "," : "", x > 180 ? x - 360 : x);
    snprintf(text + len, sizeof text - (size_t)len, "]]}}");
    l = land_text(text, 2);
    assert_true(lo_land_contains(l, 85, 0));
    assert_true(lo_land_contains(l, 89.9, 123));
    assert_true(lo_land_contains(l, 90, 0));
    assert_true(lo_land_contains(l, 81, 180));
    assert_false(lo_land_contains(l, 75, 0));
    assert_false(lo_land_contains(l, 79, -179));
    assert_false(lo_land_contains(l, -85, 0));
    /* edges are great-circle arcs: between vertices 2 degrees apart at 80N an
     * arc bulges 0.0027 degrees north of the parallel (300 m) */
    assert_float_equal(lo_land_shore_m(l, 90, 0, INFINITY), 10 * deg, 400);
    assert_float_equal(lo_land_shore_m(l, 85, 45, INFINITY), 5 * deg, 400);
    lo_land_get_stats(l, &st);
    assert_int_equal(st.shore_edges, 180); /* the pole closure and the cut are not shore */
    lo_land_destroy(l);
    /* a hole (a lake) and two polygons in a FeatureCollection */
    l = land_text("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":null,"
                  "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
                  "[[4,4],[6,4],[6,6],[4,6],[4,4]]],[[[20,0],[21,0],[21,1],[20,0]]]]}},"
                  "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,1]}}]}",
                  1);
    assert_true(lo_land_contains(l, 2, 2));
    assert_false(lo_land_contains(l, 5, 5));
    assert_true(lo_land_contains(l, 0.5, 20.9));
    assert_false(lo_land_contains(l, 0.9, 20.1));
    assert_float_equal(lo_land_shore_m(l, 5, 5, INFINITY), deg * cos(5 * GEO_DEG), 1); /* to 4E or 6E */
    lo_land_destroy(l);
    /* errors */
    lo_land *bad = (lo_land *)1;
    lo_geo_error err = {0};
    static const char *const invalid[] = {
        "not json", "{}", "{\"type\":\"FeatureCollection\",\"features\":[]}", "{\"type\":\"Polygon\"}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,95],[0,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"x\"],[1,1],[0,0]]]}",
        "{\"type\":\"Banana\",\"coordinates\":[]}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        assert_int_equal(lo_land_from_geojson(&bad, invalid[i], strlen(invalid[i]), NULL, &err), LO_E_INVAL);
        assert_null(bad);
        assert_true(err.text[0] != '\0');
    }
    lo_land_config big = {LO_GEO_MAX_LAND_CPD + 1};
    assert_int_equal(lo_land_from_geojson(&bad, "{}", 2, &big, NULL), LO_E_RANGE);
    assert_int_equal(lo_land_load(&bad, DATA "/no-such-file.geojson", NULL, &err), LO_E_IO);
    assert_non_null(strstr(err.text, "no-such-file.geojson"));
    /* refused positions */
    assert_false(lo_land_contains(G.land, NAN, 0));
    assert_false(lo_land_contains(G.land, 91, 0));
    assert_false(lo_land_contains(G.land, 0, INFINITY));
    assert_true(isnan(lo_land_shore_m(G.land, -91, 0, INFINITY)));
    assert_true(isnan(lo_land_shore_m(G.land, 0, NAN, INFINITY)));
    assert_true(isnan(lo_land_shore_m(G.land, 0, 0, NAN)));
    lo_shore s;
    assert_int_equal(lo_land_query(G.land, 100, 0, INFINITY, &s), LO_E_INVAL);
    assert_false(lo_land_contains(NULL, 0, 0));
}

/* Random rings (random walks, self-crossing, across the antimeridian, some
 * going round a pole) against the brute-force parity. A ring round a pole is
 * closed over the pole its mean latitude is nearer; the brute-force ray to the
 * North Pole closes every ring over the South Pole, so a ring lookout closes
 * over the North Pole flips it. */
static void test_land_random_rings(void **state)
{
    (void)state;
    enum { MAXV = 64 };
    unsigned tested = 0, mismatch = 0, refused = 0;
    for (int it = 0; it < 30; it++) {
        double xs[3][MAXV + 1], ys[3][MAXV + 1];
        int nr = 1 + (int)(urand() * 3), nv[3];
        char text[3 * (MAXV + 1) * 50 + 100];
        int len = snprintf(text, sizeof text, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
        raw_land r = {0};
        bool flip = false;
        for (int k = 0; k < nr; k++) {
            int n = 3 + (int)(urand() * (MAXV - 3));
            double x = urand() * 360 - 180, y = urand() * 170 - 85, sx = urand() < 0.3 ? 60 : 10;
            double turn = 0, ysum = 0;
            for (int i = 0; i < n; i++) {
                xs[k][i] = x;
                ys[k][i] = y;
                x += (urand() * 2 - 1) * sx + (urand() < 0.2 ? 25 : 0);
                y = fmax(-89, fmin(89, y + (urand() * 2 - 1) * 10));
                x = fmod(x + 540, 360) - 180;
            }
            xs[k][n] = xs[k][0];
            ys[k][n] = ys[k][0];
            nv[k] = n + 1;
            len += snprintf(text + len, sizeof text - (size_t)len, "%s[[", k ? "," : "");
            for (int i = 0; i <= n; i++) {
                len += snprintf(text + len, sizeof text - (size_t)len, "%s[%.17g,%.17g]", i ? "," : "", xs[k][i],
                                ys[k][i]);
                raw_add(&r, xs[k][i], ys[k][i], i == n);
                if (i > 0) {
                    double dx = xs[k][i] - xs[k][i - 1];
                    turn += dx > 180 ? dx - 360 : dx < -180 ? dx + 360 : dx;
                    ysum += ys[k][i];
                }
            }
            len += snprintf(text + len, sizeof text - (size_t)len, "]]");
            if (fabs(turn) > 180 && ysum >= 0)
                flip = !flip;
        }
        snprintf(text + len, sizeof text - (size_t)len, "]}");
        lo_land *l = NULL;
        lo_land_config cfg = {1 + (unsigned)(urand() * 6)};
        if (lo_land_from_geojson(&l, text, strlen(text), &cfg, NULL) != 0) {
            refused++; /* a ring round a pole twice */
        } else {
            for (int q = 0; q < 200; q++) {
                double la, lo;
                sphere_point(&la, &lo);
                if (q % 2) { /* near a vertex, where the edges are */
                    int k = (int)(urand() * nr), i = (int)(urand() * (nv[k] - 1));
                    la = fmax(-89.9, fmin(89.9, ys[k][i] + urand() - 0.5));
                    lo = lo_geo_wrap_lon(xs[k][i] + urand() - 0.5);
                }
                bool want = brute_land(&r, la, lo) != flip;
                tested++;
                if (lo_land_contains(l, la, lo) != want) {
                    print_message("random rings %d: %.9f, %.9f: index %d, brute force %d\n", it, la, lo, !want,
                                  want);
                    mismatch++;
                }
                assert_true(lo_land_shore_m(l, la, lo, INFINITY) >= 0);
            }
            lo_land_destroy(l);
        }
        free(r.x);
        free(r.y);
        free(r.last);
    }
    print_message("random rings: %u points, %u mismatches, %u sets refused (round a pole twice)\n", tested,
                  mismatch, refused);
    assert_int_equal(mismatch, 0);
    assert_true(tested > 4000);
}

/* ---- ports ------------------------------------------------------------------------------ */

static void test_ports(void **state)
{
    (void)state;
    const lo_ports *ps = G.ports;
    uint32_t n = lo_ports_count(ps);
    unsigned wpi = 0, anch = 0;
    for (uint32_t i = 0; i < n; i++) {
        const lo_port *p = lo_ports_get(ps, i);
        wpi += p->kind == LO_PORT_WPI;
        anch += p->kind == LO_PORT_ANCHORAGE;
    }
    print_message("ports: %u WPI, %u anchorages, %u rows skipped\n", wpi, anch, lo_ports_rejected(ps));
    assert_int_equal(wpi, 3803);
    assert_int_equal(anch, 60409);
    assert_int_equal(lo_ports_rejected(ps), 1); /* POINTE NOIRE at longitude 1001 */
    assert_null(lo_ports_get(ps, n));
    /* known ports */
    double d;
    const lo_port *p = lo_ports_nearest(ps, 51.95, 4.05, LO_PORT_WPI, INFINITY, &d);
    assert_non_null(p);
    print_message("near 51.95N 4.05E: %s (%s, %s) %.1f km\n", p->name, p->country, p->locode, d / 1e3);
    assert_string_equal(p->name, "Europoort");
    assert_string_equal(p->locode, "NL EUR");
    p = lo_ports_nearest(ps, 51.89, 4.47, LO_PORT_WPI, INFINITY, &d);
    assert_string_equal(p->name, "Rotterdam");
    assert_string_equal(p->country, "Netherlands");
    assert_int_equal(p->number, 31140);
    assert_true(d < 2e3);
    p = lo_ports_nearest(ps, 44.617, 33.53, LO_PORT_WPI, INFINITY, &d);
    print_message("Sevastopol bay: %s (%s) %.1f km\n", p->name, p->country, d / 1e3);
    assert_non_null(strstr(p->name, "Sevastopol"));
    p = lo_ports_nearest(ps, 31.2, 124.1, LO_PORT_ANY, INFINITY, &d);
    print_message("the 2018 transfer east of Shanghai: nearest %s (%s) %.1f km\n", p->name, p->country, d / 1e3);
    assert_true(d > 10e3); /* GFW's encounter rule: at least 10 km from any port or anchorage */
    p = lo_ports_nearest(ps, 31.2, 124.1, LO_PORT_ANY, 10e3, &d);
    assert_null(p);
    p = lo_ports_nearest(ps, 35.10, 129.04, LO_PORT_ANCHORAGE, INFINITY, &d); /* Busan */
    print_message("Busan: anchorage %s (%s) %.2f km\n", p->name, p->country, d / 1e3);
    assert_int_equal(p->kind, LO_PORT_ANCHORAGE);
    assert_string_equal(p->country, "KOR");
    assert_true(d < 5e3);
    /* against the whole table */
    for (int i = 0; i < 200; i++) {
        double la, lo;
        if (i % 2)
            sphere_point(&la, &lo);
        else { /* near a random port */
            const lo_port *q = lo_ports_get(ps, (uint32_t)(urand() * n));
            la = fmax(-90, fmin(90, q->lat + (urand() - 0.5)));
            lo = q->lon + (urand() - 0.5);
        }
        unsigned kinds = 1 + i % 3;
        double best = INFINITY;
        for (uint32_t k = 0; k < n; k++) {
            const lo_port *q = lo_ports_get(ps, k);
            if (q->kind & kinds)
                best = fmin(best, lo_geo_distance_m(la, lo, q->lat, q->lon));
        }
        p = lo_ports_nearest(ps, la, lo, kinds, INFINITY, &d);
        assert_non_null(p);
        assert_true(p->kind & kinds);
        assert_float_equal(d, best, 1e-3 + 1e-9 * best);
        assert_float_equal(lo_geo_distance_m(la, lo, p->lat, p->lon), d, 1e-3 + 1e-9 * best);
        /* within a radius: found exactly when it is that near */
        double r = best * 2 * urand();
        const lo_port *q = lo_ports_nearest(ps, la, lo, kinds, r, NULL);
        if (best < r * 0.999)
            assert_non_null(q);
        else if (best > r * 1.001)
            assert_null(q);
    }
    assert_null(lo_ports_nearest(ps, 95, 0, LO_PORT_ANY, INFINITY, &d));
    assert_null(lo_ports_nearest(ps, 0, 0, 0, INFINITY, &d)); /* no kind asked */
}

static void test_ports_files(void **state)
{
    (void)state;
    char path[] = "/tmp/lookout_test_ports_XXXXXX"; /* own name: tests of other builds run at once */
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("\xEF\xBB\xBFwpi_number,name,unlocode,country,lat,lon\r\n"
          "1,\"Port \"\"A\"\", the first\",XX AAA,Nowhere,10.5,20.5\r\n"
          "\r\n"
          "2,B,,Nowhere,-10,-170\r\n"
          "3,C,,Nowhere,,\r\n",
          f);
    fclose(f);
    lo_ports *ps;
    lo_geo_error err = {0};
    assert_int_equal(lo_ports_load(&ps, path, NULL, &err), 0);
    assert_int_equal(lo_ports_count(ps), 2);
    assert_int_equal(lo_ports_rejected(ps), 1);
    double d;
    const lo_port *p = lo_ports_nearest(ps, 10, 20, LO_PORT_ANY, INFINITY, &d);
    assert_string_equal(p->name, "Port \"A\", the first");
    assert_string_equal(p->locode, "XX AAA");
    assert_int_equal(p->number, 1);
    p = lo_ports_nearest(ps, -10, 179, LO_PORT_ANY, INFINITY, &d); /* across the antimeridian */
    assert_string_equal(p->name, "B");
    assert_float_equal(d, lo_geo_distance_m(-10, 179, -10, -170), 1e-3);
    lo_ports_destroy(ps);
    f = fopen(path, "w");
    fputs("name,lat\nA,1\n", f);
    fclose(f);
    assert_int_equal(lo_ports_load(&ps, path, NULL, &err), LO_E_INVAL);
    assert_null(ps);
    assert_non_null(strstr(err.text, "lon"));
    assert_int_equal(lo_ports_load(&ps, NULL, NULL, &err), LO_E_INVAL);
    assert_int_equal(lo_ports_load(&ps, "/nonexistent/ports.csv", NULL, &err), LO_E_IO);
    remove(path);
}

/* ---- zones ---------------------------------------------------------------------------- */

static lo_zones *zones_text(const char *text)
{
    lo_zones *z = lo_zones_create();
    assert_non_null(z);
    lo_geo_error err = {0};
    int rc = lo_zones_add_geojson(z, text, strlen(text), "test.geojson", NULL, &err);
    if (rc < 0)
        print_message("zones_text: %s: %s\n", lo_strerror(rc), err.text);
    assert_true(rc > 0);
    return z;
}

static int zones_at(lo_zones *z, double lat, double lon, uint32_t *ids)
{
    int n = lo_zones_at(z, lat, lon, ids, 8);
    assert_true(n >= 0);
    return n;
}

static void test_zones_watch_box(void **state)
{
    (void)state;
    lo_zones *z = G.zones;
    lo_geo_error err = {0};
    assert_int_equal(lo_zones_add_file(z, DATA "/zones/east-china-sea-sts-2018.geojson", NULL, &err), 2);
    long east = lo_zones_find(z, "STS watch: east of Shanghai");
    long se = lo_zones_find(z, "STS watch: south-east of Shanghai");
    assert_true(east >= 0 && se >= 0);
    const lo_zone *zi = lo_zones_get(z, (uint32_t)east);
    assert_string_equal(zi->source, "east-china-sea-sts-2018.geojson");
    assert_non_null(strstr(zi->properties, "\"kind\":\"watch_box\""));
    assert_int_equal(zi->parts, 1);
    uint32_t ids[8];
    /* the reported transfers */
    assert_int_equal(zones_at(z, 31.2, 124.1, ids), 1);
    assert_int_equal(ids[0], (uint32_t)east);
    assert_int_equal(zones_at(z, 28.65, 124.37, ids), 1);
    assert_int_equal(ids[0], (uint32_t)se);
    assert_int_equal(zones_at(z, 29.37, 123.59, ids), 1);
    assert_int_equal(lo_zones_contains(z, (uint32_t)se, 28.32, 122.84), 1);
    /* Shanghai's port and the open Pacific are in neither */
    assert_int_equal(zones_at(z, 31.23, 121.49, ids), 0);
    assert_int_equal(zones_at(z, 20, -150, ids), 0);
    assert_int_equal(lo_zones_contains(z, (uint32_t)east, 28.65, 124.37), 0);
    /* the boxes are at sea, well away from land */
    for (double la = 28.0; la <= 32.0; la += 0.1)
        for (double lo = 122.6; lo <= 125.0; lo += 0.1)
            if (zones_at(z, la, lo, ids))
                assert_false(lo_land_contains(G.land, la, lo));
    assert_int_equal(lo_zones_at(z, 95, 0, ids, 8), LO_E_INVAL);
    assert_int_equal(lo_zones_contains(z, 999, 0, 0), LO_E_INVAL);
}

static void test_zones_synthetic(void **state)
{
    (void)state;
    uint32_t ids[8];
    /* one box across the antimeridian, three ways: cut (RFC 7946), jumping, 0..360 */
    lo_zones *z = zones_text(
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"cut\"},\"geometry\":{\"type\":\"MultiPolygon\","
        "\"coordinates\":[[[[170,-10],[180,-10],[180,10],[170,10],[170,-10]]],"
        "[[[-180,-10],[-170,-10],[-170,10],[-180,10],[-180,-10]]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"jump\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[170,-10],[-170,-10],[-170,10],[170,10],[170,-10]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"east\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[170,-10],[190,-10],[190,10],[170,10],[170,-10]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"NAME\":\"ring with a hole\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"other\":1},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[30,0],[40,10],[40,0],[30,10],[30,0]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"arctic box\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[-20,85],[20,85],[20,90],[-20,90],[-20,85]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"no geometry\"},\"geometry\":null}"
        "]}");
    assert_int_equal(lo_zones_count(z), 6);
    assert_string_equal(lo_zones_get(z, 3)->name, "ring with a hole");
    assert_string_equal(lo_zones_get(z, 4)->name, "test/4"); /* no name property */
    assert_int_equal(lo_zones_get(z, 0)->parts, 2);
    assert_int_equal(lo_zones_get_stats(z)->repaired, 1); /* the bow tie */
    static const double across[][2] = {{0, 179.9}, {0, -179.9}, {0, 180}, {9.99, 175}, {-5, -171}, {0, 540}};
    for (size_t i = 0; i < sizeof across / sizeof *across; i++) {
        int n = zones_at(z, across[i][0], across[i][1], ids);
        assert_int_equal(n, 3);
        assert_int_equal(ids[0], 0);
        assert_int_equal(ids[1], 1);
        assert_int_equal(ids[2], 2);
    }
    assert_int_equal(zones_at(z, 0, 160, ids), 0);
    assert_int_equal(zones_at(z, 0, -160, ids), 0);
    assert_int_equal(zones_at(z, 11, 180, ids), 0);
    /* the hole, and the boundary counts as inside */
    assert_int_equal(zones_at(z, 2, 2, ids), 1);
    assert_int_equal(zones_at(z, 5, 5, ids), 0);
    assert_int_equal(zones_at(z, 0, 5, ids), 1);
    assert_int_equal(zones_at(z, 4, 5, ids), 1);
    /* the bow tie, made valid: two triangles meeting at (35, 5) */
    assert_int_equal(zones_at(z, 5, 31, ids), 1);
    assert_int_equal(zones_at(z, 5, 39, ids), 1);
    assert_int_equal(zones_at(z, 2, 35, ids), 0);
    assert_int_equal(lo_zones_get(z, 4)->parts, 2);
    /* at the pole */
    assert_int_equal(zones_at(z, 90, 0, ids), 1);
    assert_int_equal(zones_at(z, 89, 170, ids), 0);
    assert_int_equal(zones_at(z, 86, -19, ids), 1);
    /* a small cap: the count is still whole */
    assert_int_equal(lo_zones_at(z, 0, 179.9, ids, 1), 3);
    assert_int_equal(lo_zones_at(z, 0, 179.9, NULL, 0), 3);
    /* a failing file adds nothing */
    lo_geo_error err = {0};
    const char *bad = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
                      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}},"
                      "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\","
                      "\"coordinates\":[[[0,0],[1,0],[1,\"x\"],[0,0]]]}}]}";
    assert_int_equal(lo_zones_add_geojson(z, bad, strlen(bad), "bad.geojson", NULL, &err), LO_E_INVAL);
    assert_non_null(strstr(err.text, "bad.geojson"));
    assert_int_equal(lo_zones_count(z), 6);
    assert_int_equal(zones_at(z, 0.5, 0.9, ids), 1); /* still the old answer: only "ring with a hole" */
    const char *pole = "{\"type\":\"Polygon\",\"coordinates\":[[[-180,80],[0,80],[180,80],[-180,80]]]}";
    assert_int_equal(lo_zones_add_geojson(z, pole, strlen(pole), NULL, NULL, &err), LO_E_INVAL);
    /* a chosen name property */
    const char *named = "{\"type\":\"Feature\",\"properties\":{\"label\":\"my box\",\"name\":\"other\"},"
                        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[50,50],[51,50],[51,51],[50,50]]]}}";
    assert_int_equal(lo_zones_add_geojson(z, named, strlen(named), "n.geojson", "label", &err), 1);
    assert_int_equal(lo_zones_find(z, "my box"), 6);
    assert_int_equal(lo_zones_find(z, "nothing"), -1);
    assert_int_equal(lo_zones_add_file(z, "/nonexistent.geojson", NULL, &err), LO_E_IO);
    lo_zones_destroy(z);
}

typedef struct geos_ref {
    GEOSContextHandle_t ctx;
    const GEOSPreparedGeometry **prep;
    GEOSGeometry **geom;
    size_t n;
} geos_ref;

/* GeoJSON wants closed rings; two of the GFW files leave them open (lookout
 * closes them): close them for GEOS's reader too. */
static void close_rings(json_t *g)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    json_t *c = json_object_get(g, "coordinates");
    size_t i, j;
    json_t *poly, *ring;
    if (strcmp(type, "Polygon") == 0) {
        json_array_foreach(c, i, ring)
        {
            json_t *a = json_array_get(ring, 0), *b = json_array_get(ring, json_array_size(ring) - 1);
            if (!json_equal(a, b))
                json_array_append(ring, a);
        }
    } else if (strcmp(type, "MultiPolygon") == 0) {
        json_array_foreach(c, i, poly) json_array_foreach(poly, j, ring)
        {
            json_t *a = json_array_get(ring, 0), *b = json_array_get(ring, json_array_size(ring) - 1);
            if (!json_equal(a, b))
                json_array_append(ring, a);
        }
    }
}

/* Every feature of a file through GEOS's own GeoJSON reader. */
static void geos_ref_load(geos_ref *r, const char *path)
{
    char *text;
    size_t len;
    assert_int_equal(geo_read_file(path, 1u << 30, &text, &len, NULL), 0);
    json_t *root = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(root);
    json_t *fs = json_object_get(root, "features");
    r->ctx = GEOS_init_r();
    r->n = json_array_size(fs);
    r->prep = calloc(r->n, sizeof *r->prep);
    r->geom = calloc(r->n, sizeof *r->geom);
    GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(r->ctx);
    for (size_t i = 0; i < r->n; i++) {
        json_t *geom = json_object_get(json_array_get(fs, i), "geometry");
        close_rings(geom);
        char *g = json_dumps(geom, JSON_COMPACT);
        r->geom[i] = GEOSGeoJSONReader_readGeometry_r(r->ctx, rd, g);
        free(g);
        assert_non_null(r->geom[i]);
        r->prep[i] = GEOSPrepare_r(r->ctx, r->geom[i]);
    }
    GEOSGeoJSONReader_destroy_r(r->ctx, rd);
    json_decref(root);
}

static void geos_ref_free(geos_ref *r)
{
    for (size_t i = 0; i < r->n; i++) {
        GEOSPreparedGeom_destroy_r(r->ctx, r->prep[i]);
        GEOSGeom_destroy_r(r->ctx, r->geom[i]);
    }
    free(r->prep);
    free(r->geom);
    GEOS_finish_r(r->ctx);
}

/* lo_zones against GEOS alone for points in a box; returns the points inside some zone. */
static unsigned compare_with_geos(const char *path, double la0, double la1, double lo0, double lo1, int npoints,
                                  unsigned *geos_only)
{
    geos_ref ref;
    geos_ref_load(&ref, path);
    lo_zones *z = lo_zones_create();
    lo_geo_error err = {0};
    int nz = lo_zones_add_file(z, path, NULL, &err);
    if (nz < 0)
        print_message("%s: %s\n", lo_strerror(nz), err.text);
    assert_int_equal(nz, (int)ref.n);
    unsigned inside = 0, mismatch = 0;
    for (int i = 0; i < npoints; i++) {
        double la = la0 + urand() * (la1 - la0), lo = lo0 + urand() * (lo1 - lo0);
        uint32_t ids[64];
        int n = lo_zones_at(z, la, lo, ids, 64);
        assert_true(n >= 0 && n <= 64);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(ref.ctx, lo, la);
        int k = 0;
        for (size_t f = 0; f < ref.n; f++) {
            bool want = GEOSPreparedIntersects_r(ref.ctx, ref.prep[f], pt) == 1;
            bool got = k < n && ids[k] == f;
            if (got)
                k++;
            if (want != got) {
                print_message("%s: %.6f, %.6f zone %zu: lookout %d, GEOS %d\n", path, la, lo, f, got, want);
                mismatch++;
            }
        }
        inside += n > 0;
        GEOSGeom_destroy_r(ref.ctx, pt);
    }
    const lo_zones_stats *st = lo_zones_get_stats(z);
    print_message("%s: %d zones, %d points (%u in a zone), %llu answered by cells, %llu by GEOS, %llu repaired\n",
                  geo_basename(path), nz, npoints, inside, (unsigned long long)st->cell_hits,
                  (unsigned long long)st->geos_calls, (unsigned long long)st->repaired);
    if (geos_only)
        *geos_only = (unsigned)st->geos_calls;
    lo_zones_destroy(z);
    geos_ref_free(&ref);
    assert_int_equal(mismatch, 0);
    return inside;
}

static bool shared_here(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

static void test_zones_osm(void **state)
{
    (void)state;
    const char *path = SHARED "/zones/osm_country_maritime_borders_eastasia_blacksea.geojson";
    if (!shared_here(path)) {
        print_message("no %s: skipped\n", path);
        skip();
    }
    unsigned inside = compare_with_geos(path, -2, 55, 98, 160, 3000, NULL);
    assert_true(inside > 300);
    inside = compare_with_geos(path, 40, 48, 27, 42, 1000, NULL);
    assert_true(inside > 300);
    /* known places (OSM's view of borders; territorial seas included) */
    lo_zones *z = lo_zones_create();
    assert_true(lo_zones_add_file(z, path, "A3", NULL) == 16);
    uint32_t ids[8];
    int n = zones_at(z, 43.1, 131.9, ids); /* Vladivostok */
    assert_int_equal(n, 1);
    assert_string_equal(lo_zones_get(z, ids[0])->name, "RUS");
    n = zones_at(z, 35.0, 129.05, ids); /* Busan harbour */
    assert_int_equal(n, 1);
    assert_string_equal(lo_zones_get(z, ids[0])->name, "KOR");
    n = zones_at(z, 30.0, 127.0, ids); /* East China Sea, beyond the territorial seas */
    assert_int_equal(n, 0);
    n = zones_at(z, 44.618, 33.56, ids); /* Sevastopol bay */
    assert_true(n >= 1);
    print_message("Sevastopol bay is in %s%s%s\n", lo_zones_get(z, ids[0])->name, n > 1 ? " and " : "",
                  n > 1 ? lo_zones_get(z, ids[1])->name : "");
    lo_zones_destroy(z);
}

static void test_zones_dprk(void **state)
{
    (void)state;
    static const char *const files[] = {"eez_prk.json", "eez_prk_mz.json", "eez_prk_overlap_rus.json",
                                        "eez_prk_wo_mz.json", "eez_rus_12nm.json", "study_area.json"};
    char path[512];
    snprintf(path, sizeof path, "%s/zones/gfw_dprk_paper/%s", SHARED, files[0]);
    if (!shared_here(path)) {
        print_message("no %s: skipped\n", path);
        skip();
    }
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/zones/gfw_dprk_paper/%s", SHARED, files[i]);
        compare_with_geos(path, 36, 46, 124, 142, 800, NULL);
    }
    /* all of them in one lo_zones: the Yamato bank overlap is in three */
    lo_zones *z = lo_zones_create();
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/zones/gfw_dprk_paper/%s", SHARED, files[i]);
        assert_int_equal(lo_zones_add_file(z, path, NULL, NULL), 1);
    }
    uint32_t ids[8];
    int n = zones_at(z, 39.5, 131.5, ids);
    print_message("39.5N 131.5E is in %d DPRK paper zones:", n);
    for (int i = 0; i < n && i < 8; i++)
        print_message(" %s", lo_zones_get(z, ids[i])->source);
    print_message("\n");
    assert_true(n >= 2);
    lo_zones_destroy(z);
}

static void test_geo_load(void **state)
{
    (void)state;
    lo_geo g;
    lo_geo_error err = {0};
    assert_int_equal(lo_geo_load(&g, "/nonexistent", NULL, &err), LO_E_IO);
    assert_null(g.land);
    assert_null(g.ports);
    assert_non_null(strstr(err.text, "land-10m"));
    assert_int_equal(lo_geo_load(&g, NULL, NULL, &err), LO_E_INVAL);
    lo_geo_free(&g);
    lo_geo_free(NULL);
    lo_land_destroy(NULL);
    lo_ports_destroy(NULL);
    lo_zones_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_bearing),
        cmocka_unit_test(test_destination),
        cmocka_unit_test(test_wrap_lon),
        cmocka_unit_test(test_fast_distance),
        cmocka_unit_test(test_land_places),
        cmocka_unit_test(test_land_brute_force),
        cmocka_unit_test(test_land_small),
        cmocka_unit_test(test_land_random_rings),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_ports_files),
        cmocka_unit_test(test_zones_watch_box),
        cmocka_unit_test(test_zones_synthetic),
        cmocka_unit_test(test_zones_osm),
        cmocka_unit_test(test_zones_dprk),
        cmocka_unit_test(test_geo_load),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    if (RAW)
        raw_free(RAW);
    return rc;
}
