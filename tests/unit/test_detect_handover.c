/* test_detect_handover.c - identity handovers (detect_handover.c): a ship
 * falls silent as MMSI A and a new MMSI B is first heard near its last
 * position. Both sides of every threshold: the time window, the reach
 * (min_nm + max_kn x silence), A's positions before, B's positions by the
 * decision, A heard again before the decision, the port screen, several
 * candidates (ambiguous, or one clearly best), stations that are not ships;
 * severities (same IMO LOW, invalid new MMSI HIGH, listed HIGH); ids unique
 * for two handovers in one second and the same in a re-run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect_int.h"
#include "lookout/detect.h"
#include "testutil_detect.h"

/* A number from the event's parameters JSON ("key":value). */
static double param(const lo_event *e, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(e->params, k);
    assert_non_null(p);
    return atof(p + strlen(k));
}

static const int64_t T0 = 1714953600000; /* 2024-05-06T00:00:00Z */
#define MIN 60000
#define HOUR 3600000
#define NM (1.0 / 60.0) /* a nautical mile of latitude, in degrees */

/* An island 20.1-20.5 N, 61.5-62.5 E, for the shore screen (world_land). */
static const char ISLAND[] = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
                             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[61.5,20.1],[62.5,20.1],"
                             "[62.5,20.5],[61.5,20.5],[61.5,20.1]]]}}]}";
static bool world_land; /* the next world_new loads the island */

typedef struct world {
    tu_events cap;
    lo_detector *d;
    lo_land *land;
    lo_ports *ports;
    lo_watchlist *watch;
    char port_csv[64], watch_csv[64];
    lo_vessel v[8];
} world;

static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/test_detect_handover_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static world *world_new(void (*tune)(lo_detect_config *), bool port, const char *watch_csv)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    for (int i = 0; i < LO_EV_COUNT; i++)
        cfg.enable[i] = false;
    cfg.enable[LO_EV_IDENTITY_HANDOVER] = true;
    if (tune)
        tune(&cfg);
    lo_detect_env env = {0};
    if (world_land) {
        assert_int_equal(lo_land_from_geojson(&w->land, ISLAND, strlen(ISLAND), NULL, NULL), 0);
        env.land = w->land;
    }
    if (port) {
        /* One port at 10.0 N 60.0 E. */
        temp_file(w->port_csv, sizeof w->port_csv,
                  "wpi_number,name,unlocode,country,lat,lon\n1,Testport,XX TST,Nowhere,10.0,60.0\n");
        assert_int_equal(lo_ports_load(&w->ports, w->port_csv, NULL, NULL), 0);
        env.ports = w->ports;
    }
    if (watch_csv) {
        temp_file(w->watch_csv, sizeof w->watch_csv, watch_csv);
        lo_detect_error err;
        assert_int_equal(lo_watchlist_load(&w->watch, w->watch_csv, &err), 0);
        env.watch = w->watch;
    }
    lo_detect_callbacks cb = {.ctx = &w->cap, .on_event = tu_on_event};
    w->d = lo_detect_create(&cfg, &env, &cb);
    assert_non_null(w->d);
    return w;
}

static void world_free(world *w)
{
    lo_detect_destroy(w->d);
    lo_ports_destroy(w->ports);
    lo_land_destroy(w->land);
    lo_watchlist_destroy(w->watch);
    if (w->port_csv[0])
        unlink(w->port_csv);
    if (w->watch_csv[0])
        unlink(w->watch_csv);
    free(w);
}

static lo_vessel *vessel(world *w, int i, uint32_t mmsi)
{
    lo_vessel *v = &w->v[i];
    tu_vessel_init(v, mmsi);
    return v;
}

static void point(world *w, lo_vessel *v, int64_t t, double lat, double lon)
{
    lo_track_point p = tu_track_point(v, t, lat, lon);
    p.course = 0;
    bool first = v->reports == 0;
    v->last = p;
    v->has_position = true;
    v->last_seen_ms = t;
    v->reports++;
    v->types_seen |= 1u << 1;
    if (first)
        lo_detect_on_vessel(w->d, v);
    lo_detect_on_point(w->d, v, &p);
}

static void statics(world *w, lo_vessel *v, const char *name, uint32_t imo)
{
    snprintf(v->id.name, sizeof v->id.name, "%s", name);
    v->id.imo = imo;
    v->id.ship_type = 80;
    lo_detect_on_vessel(w->d, v);
}

/* n reports every `every` ms from t, at lat, lon; returns the time of the last. */
static int64_t reports(world *w, lo_vessel *v, int64_t t, int n, int64_t every, double lat, double lon)
{
    for (int i = 0; i < n; i++)
        point(w, v, t + i * every, lat, lon);
    return t + (n - 1) * every;
}

/* The standard case, with knobs: A (563041280) reports na times a minute
 * apart at 20 N 62 E and falls silent; B (750011234) is first heard `gap` ms
 * later `nm` miles north and reports nb times a minute apart; a clock vessel
 * far away runs the data clock on for two more hours. */
typedef struct plan {
    int na, nb;
    int64_t gap;
    double nm;
    uint32_t a, b;
    double lat, lon;
} plan;

static int64_t play(world *w, const plan *pl)
{
    lo_vessel *A = vessel(w, 0, pl->a ? pl->a : 563041280);
    lo_vessel *B = vessel(w, 1, pl->b ? pl->b : 750011234);
    lo_vessel *C = vessel(w, 2, 636019825);
    double lat = pl->lat ? pl->lat : 20.0, lon = pl->lon ? pl->lon : 62.0;
    int64_t t0 = reports(w, A, T0, pl->na, MIN, lat, lon);
    int64_t t1 = t0 + pl->gap;
    /* The clock vessel, far away (40 S), heard all along. */
    for (int64_t t = T0; t < t1; t += 10 * MIN)
        point(w, C, t, -40, 10);
    reports(w, B, t1, pl->nb, MIN, lat + pl->nm * NM, lon);
    for (int64_t t = t1 + pl->nb * MIN; t < t1 + 3 * HOUR; t += 5 * MIN)
        point(w, C, t, -40, 10);
    return t0;
}

static const plan STD = {.na = 20, .nb = 10, .gap = 2 * HOUR, .nm = 20};

static void test_basic(void **state)
{
    (void)state;
    world *w = world_new(NULL, false, NULL);
    int64_t t0 = play(w, &STD);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 1);
    const lo_event *e = tu_events_last(&w->cap, LO_EV_IDENTITY_HANDOVER);
    assert_int_equal(e->state, LO_EVENT_CLOSED);
    assert_int_equal(e->severity, LO_SEV_MEDIUM);
    assert_int_equal(e->start_ms, t0);
    assert_int_equal(e->end_ms, t0 + 2 * HOUR);
    assert_int_equal(e->nvessels, 2);
    assert_int_equal(e->vessels[0].mmsi, 563041280);
    assert_int_equal(e->vessels[1].mmsi, 750011234);
    assert_true(fabs(param(e, "distance_nm") - 20.0) < 0.1);
    assert_true(fabs(param(e, "silent_h") - 2.0) < 0.01);
    assert_true(fabs(param(e, "implied_speed_kn") - 10.0) < 0.1);
    assert_int_equal((int)param(e, "candidates"), 1);
    assert_int_equal((int)param(e, "a_reports"), 20);
    assert_true(strstr(e->params, "\"same_imo\":false") != NULL);
    /* Evidence: A's last positions (its last one last), then B's first. */
    assert_true(e->nevidence >= 2);
    assert_int_equal(e->evidence[0].mmsi, 563041280);
    int firstb = -1;
    for (uint32_t i = 0; i < e->nevidence; i++)
        if (e->evidence[i].mmsi == 750011234 && firstb < 0)
            firstb = (int)i;
    assert_true(firstb > 0);
    assert_string_equal(e->evidence[firstb - 1].note, "A last");
    assert_int_equal(e->evidence[firstb - 1].time_ms, t0);
    assert_string_equal(e->evidence[firstb].note, "B first");
    assert_int_equal(e->evidence[firstb].time_ms, t0 + 2 * HOUR);
    world_free(w);
}

/* One run of plan pl: how many handovers. */
static int handovers(const plan *pl, void (*tune)(lo_detect_config *))
{
    world *w = world_new(tune, false, NULL);
    play(w, pl);
    int n = tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER);
    world_free(w);
    return n;
}

static void test_window(void **state)
{
    (void)state;
    plan p = STD;
    p.nm = 5;
    p.gap = 6 * HOUR - MIN;
    assert_int_equal(handovers(&p, NULL), 1);
    p.gap = 6 * HOUR;
    assert_int_equal(handovers(&p, NULL), 1); /* at most window_h: inclusive */
    p.gap = 6 * HOUR + MIN;
    assert_int_equal(handovers(&p, NULL), 0);
    /* B in the same second as A's last, at the same place: an instant handover. */
    p.gap = 0;
    p.nm = 0.1;
    assert_int_equal(handovers(&p, NULL), 1);
}

static void test_reach(void **state)
{
    (void)state;
    /* 1 h of silence: reach 3 + 25 = 28 nm. */
    plan p = STD;
    p.gap = HOUR;
    p.nm = 27.8;
    assert_int_equal(handovers(&p, NULL), 1);
    p.nm = 28.2;
    assert_int_equal(handovers(&p, NULL), 0);
    /* 1 minute: reach 3.42 nm. */
    p.gap = MIN;
    p.nm = 3.3;
    assert_int_equal(handovers(&p, NULL), 1);
    p.nm = 3.6;
    assert_int_equal(handovers(&p, NULL), 0);
}

static void test_min_reports(void **state)
{
    (void)state;
    plan p = STD;
    p.na = 10;
    assert_int_equal(handovers(&p, NULL), 1);
    p.na = 9; /* a brief ghost is not a candidate */
    assert_int_equal(handovers(&p, NULL), 0);
    /* B needs 3 positions by the decision, 30 min after its first. */
    p = STD;
    p.nb = 3;
    assert_int_equal(handovers(&p, NULL), 1);
    p.nb = 2;
    assert_int_equal(handovers(&p, NULL), 0);
}

/* A heard again before the decision (30 min after B's first report): two
 * ships, nothing; heard again after it: the handover stands (raised). */
static void test_a_heard_again(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        world *w = world_new(NULL, false, NULL);
        lo_vessel *A = vessel(w, 0, 563041280);
        lo_vessel *B = vessel(w, 1, 750011234);
        int64_t t0 = reports(w, A, T0, 20, MIN, 20, 62);
        int64_t t1 = t0 + HOUR;
        reports(w, B, t1, 20, MIN, 20 + 5 * NM, 62);                   /* to t1 + 19 min */
        point(w, A, t1 + (late ? 40 : 25) * MIN, 20 + 6 * NM, 62);  /* A again */
        reports(w, B, t1 + 20 * MIN, 40, MIN, 20 + 5 * NM, 62);        /* to t1 + 59 min */
        assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), late ? 1 : 0);
        world_free(w);
    }
}

/* A went silent only after B appeared: not its predecessor. */
static void test_a_silent_after_b(void **state)
{
    (void)state;
    world *w = world_new(NULL, false, NULL);
    lo_vessel *A = vessel(w, 0, 563041280);
    lo_vessel *B = vessel(w, 1, 750011234);
    reports(w, A, T0, 20, MIN, 20, 62);    /* to T0 + 19 min */
    reports(w, B, T0 + 10 * MIN, 60, MIN, 20 + 2 * NM, 62);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 0);
    world_free(w);
}

static void test_port(void **state)
{
    (void)state;
    /* The port is at 10 N 60 E; 10 km is 5.4 nm. */
    for (int k = 0; k < 3; k++) {
        world *w = world_new(NULL, true, NULL);
        plan p = STD;
        p.lat = 10.0;
        p.lon = 60.0 + (k == 0 ? 0.2 : k == 1 ? 0.05 : 0.0); /* A 11.8 km, 2.9 km, at the port */
        p.nm = k == 2 ? 10 : 1;                           /* B 1 nm from A, or 10 nm (outside) */
        play(w, &p);
        assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), k == 0 ? 1 : 0);
        world_free(w);
    }
    /* A outside, B first heard inside. */
    world *w = world_new(NULL, true, NULL);
    plan p = STD;
    p.lat = 10.0 - 10 * NM;
    p.lon = 60.0;
    p.nm = 9.5;
    play(w, &p);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 0);
    world_free(w);
}

/* At sea only: A's last 6 nm off the island's shore (a handover), 0.6 nm
 * off it (none), on it (a river, as the land polygons see one: none); B first
 * heard 0.5 nm off the shore (none). */
static void test_shore(void **state)
{
    (void)state;
    world_land = true;
    double a_lat[] = {20.0, 20.09, 20.2, 20.0};
    double b_nm[] = {-1, -1, -1, 0};
    int want[] = {1, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        world *w = world_new(NULL, false, NULL);
        plan p = STD;
        p.lat = a_lat[k];
        p.nm = k == 3 ? (20.1 - 0.5 * NM - 20.0) / NM : b_nm[k];
        play(w, &p);
        assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), want[k]);
        world_free(w);
    }
    world_land = false;
}

/* Two silent ships near where B appears: nothing when neither is clearly
 * closer (counted), the best with the count when one is. */
static void test_candidates(void **state)
{
    (void)state;
    for (int clear = 0; clear < 2; clear++) {
        world *w = world_new(NULL, false, NULL);
        lo_vessel *A1 = vessel(w, 0, 563041280);
        lo_vessel *A2 = vessel(w, 1, 538071166);
        lo_vessel *B = vessel(w, 2, 750011234);
        reports(w, A1, T0, 20, MIN, 20, 62);
        reports(w, A2, T0, 20, MIN, clear ? 20 + 30 * NM : 20 + 12 * NM, 62);
        int64_t t1 = T0 + 19 * MIN + 2 * HOUR;
        reports(w, B, t1, 60, MIN, 20 + 8 * NM, 62); /* 8 nm from A1, 4 or 22 from A2 */
        if (clear) {
            assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 1);
            const lo_event *e = tu_events_last(&w->cap, LO_EV_IDENTITY_HANDOVER);
            assert_int_equal(e->vessels[0].mmsi, 563041280);
            assert_int_equal((int)param(e, "candidates"), 2);
        } else {
            assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 0);
            assert_int_equal(lo_detect_get_stats(w->d)->handover_ambiguous, 1);
        }
        world_free(w);
    }
}

/* Base stations, aids to navigation, SAR aircraft and numbers no ship may
 * use never are an A; a B with such a number is HIGH. */
static void test_stations(void **state)
{
    (void)state;
    uint32_t not_a[] = {2573456, 992351234, 111232506, 123456789, 413000000};
    for (size_t i = 0; i < sizeof not_a / sizeof not_a[0]; i++) {
        plan p = STD;
        p.a = not_a[i];
        assert_int_equal(handovers(&p, NULL), 0);
    }
    /* Base station and AtoN as B: no. */
    plan p = STD;
    p.b = 2573456;
    assert_int_equal(handovers(&p, NULL), 0);
    world *w = world_new(NULL, false, NULL);
    p = STD;
    p.b = 217123456; /* MID 217 is not allocated */
    play(w, &p);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 1);
    const lo_event *e = tu_events_last(&w->cap, LO_EV_IDENTITY_HANDOVER);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_non_null(strstr(e->params, "MID not allocated"));
    world_free(w);
}

/* Same IMO: a declared re-flag, LOW; a listed vessel: HIGH. */
static void test_severity(void **state)
{
    (void)state;
    world *w = world_new(NULL, false, NULL);
    lo_vessel *A = vessel(w, 0, 563041280);
    lo_vessel *B = vessel(w, 1, 538009912);
    statics(w, A, "SEA LANTERN", 9512446);
    int64_t t0 = reports(w, A, T0, 20, MIN, 20, 62);
    statics(w, B, "SEA LANTERN", 9512446);
    reports(w, B, t0 + 5 * MIN, 40, MIN, 20, 62);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 1);
    const lo_event *e = tu_events_last(&w->cap, LO_EV_IDENTITY_HANDOVER);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_non_null(strstr(e->params, "\"same_imo\":true"));
    assert_non_null(strstr(e->params, "\"same_name\":true"));
    world_free(w);

    w = world_new(NULL, false,
                  "ofac_ent_num,name,programs,imo,mmsi\n90001,SUN RISE,TEST,,563041280\n");
    play(w, &STD);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 1);
    e = tu_events_last(&w->cap, LO_EV_IDENTITY_HANDOVER);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_true(e->vessels[0].watch >= 0);
    world_free(w);
}

/* Two handovers in the same second (same t0 and t1, far apart): two ids; a
 * re-run gives the same two. Switched off: nothing. */
static void pair_run(uint64_t ids[2], void (*tune)(lo_detect_config *))
{
    world *w = world_new(tune, false, NULL);
    lo_vessel *A1 = vessel(w, 0, 563041280), *B1 = vessel(w, 1, 750011234);
    lo_vessel *A2 = vessel(w, 2, 538071166), *B2 = vessel(w, 3, 750011235);
    for (int i = 0; i < 20; i++) {
        point(w, A1, T0 + i * MIN, 20, 62);
        point(w, A2, T0 + i * MIN, -20, -30);
    }
    int64_t t1 = T0 + 19 * MIN + HOUR;
    for (int i = 0; i < 40; i++) {
        point(w, B1, t1 + i * MIN, 20 + 2 * NM, 62);
        point(w, B2, t1 + i * MIN, -20 + 2 * NM, -30);
    }
    ids[0] = ids[1] = 0;
    int k = 0;
    for (int i = 0; i < w->cap.n && k < 2; i++)
        if (w->cap.ev[i].type == LO_EV_IDENTITY_HANDOVER)
            ids[k++] = w->cap.ev[i].id;
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), tune ? 0 : 2);
    world_free(w);
}

static void off(lo_detect_config *c) { c->enable[LO_EV_IDENTITY_HANDOVER] = false; }

static void test_ids(void **state)
{
    (void)state;
    uint64_t a[2], b[2];
    pair_run(a, NULL);
    pair_run(b, NULL);
    assert_true(a[0] && a[1] && a[0] != a[1]);
    assert_true(a[0] == b[0] && a[1] == b[1]);
    pair_run(a, off);
}

/* The parameters are read: a longer window and a wider reach change the answer. */
static void wide(lo_detect_config *c)
{
    c->handover_window_h = 8;
    c->handover_min_nm = 10;
    c->handover_min_reports = 30;
}

static void test_config(void **state)
{
    (void)state;
    plan p = STD;
    p.na = 30;
    p.gap = 7 * HOUR;
    p.nm = 5;
    assert_int_equal(handovers(&p, NULL), 0);
    assert_int_equal(handovers(&p, wide), 1);
    p.na = 29;
    assert_int_equal(handovers(&p, wide), 0);
    p = STD;
    p.na = 30;
    p.gap = MIN;
    p.nm = 9;
    assert_int_equal(handovers(&p, wide), 1);
}

/* Evicted while listed or pending: forgotten without a trace. */
static void test_evict(void **state)
{
    (void)state;
    world *w = world_new(NULL, false, NULL);
    lo_vessel *A = vessel(w, 0, 563041280);
    lo_vessel *B = vessel(w, 1, 750011234);
    lo_vessel *C = vessel(w, 2, 636019825);
    int64_t t0 = reports(w, A, T0, 20, MIN, 20, 62);
    for (int64_t t = T0; t < t0 + HOUR; t += 5 * MIN)
        point(w, C, t, -40, 10); /* A is listed by now */
    lo_detect_on_evict(w->d, A);
    reports(w, B, t0 + HOUR, 10, MIN, 20, 62);
    lo_detect_on_evict(w->d, B); /* pending */
    for (int64_t t = t0 + HOUR; t < t0 + 3 * HOUR; t += 5 * MIN)
        point(w, C, t, -40, 10);
    assert_int_equal(tu_events_count(&w->cap, LO_EV_IDENTITY_HANDOVER), 0);
    assert_int_equal(w->d->ho.listed, 0);
    world_free(w);
}

/* The silence queue at its cap: entries refused and counted, nothing breaks. */
static void small_queue(lo_detect_config *c) { c->handover_max_queue = 1024; }

static void test_queue_cap(void **state)
{
    (void)state;
    world *w = world_new(small_queue, false, NULL);
    for (uint32_t i = 0; i < 1500; i++) {
        lo_vessel *v = vessel(w, 3, 201000001 + i);
        point(w, v, T0 + i, -30 + i * 0.01, 20);
    }
    assert_true(lo_detect_get_stats(w->d)->handover_queue_dropped > 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),           cmocka_unit_test(test_window),
        cmocka_unit_test(test_reach),           cmocka_unit_test(test_min_reports),
        cmocka_unit_test(test_a_heard_again),   cmocka_unit_test(test_a_silent_after_b),
        cmocka_unit_test(test_port),            cmocka_unit_test(test_shore),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_stations),        cmocka_unit_test(test_severity),
        cmocka_unit_test(test_ids),             cmocka_unit_test(test_config),
        cmocka_unit_test(test_evict),           cmocka_unit_test(test_queue_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
