/* test_detect_zone.c - zone entry, exit and dwell (detect_zone.c) on synthetic
 * tracks fed straight into the detector's tracker callbacks: times and
 * evidence of entry and exit, dwell open then closed with one id, ship class
 * filters (and a class that arrives while inside), the first-heard-inside
 * case, a gap inside, the look-up cache of a vessel at anchor, ongoing dwell
 * at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"
#include "lookout/detect.h"
#include "testutil_detect.h"
#include "lookout/geo.h"

/* NW_BOX as in data/scenarios/zone.txt, and a small harbour box west of it. */
static const char ZONES[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"NW_BOX\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[31.6,43.6],[32.8,43.6],[32.8,44.3],[31.6,44.3],[31.6,43.6]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"HARBOUR\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[30.0,43.0],[30.1,43.0],[30.1,43.1],[30.0,43.1],[30.0,43.0]]]}}]}";


/* Only this module's event types (the other detectors see the same tracks). */
static void only_ours(lo_detect_config *cfg)
{
    static const lo_event_type ours[] = {LO_EV_ZONE_ENTRY, LO_EV_ZONE_EXIT, LO_EV_ZONE_DWELL};
    tu_enable_only(cfg, ours, sizeof ours / sizeof ours[0]);
}

typedef struct fixture {
    lo_zones *zones;
    lo_detector *d;
    tu_events cap;
} fixture;

static const int64_t T0 = 1719792000000; /* 2024-07-01T00:00:00Z */
#define MIN 60000

static fixture *setup(const lo_zone_rule *rules, uint32_t nrules)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->zones = lo_zones_create();
    assert_non_null(f->zones);
    lo_geo_error err;
    assert_int_equal(lo_zones_add_geojson(f->zones, ZONES, strlen(ZONES), "test", NULL, &err), 2);
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    only_ours(&cfg);
    cfg.nzone_rules = nrules;
    for (uint32_t i = 0; i < nrules; i++)
        cfg.zone_rules[i] = rules[i];
    lo_detect_env env = {.zones = f->zones};
    lo_detect_callbacks cb = {.ctx = &f->cap, .on_event = tu_on_event};
    f->d = lo_detect_create(&cfg, &env, &cb);
    assert_non_null(f->d);
    return f;
}

static void teardown(fixture *f)
{
    lo_detect_destroy(f->d);
    lo_zones_destroy(f->zones);
    free(f);
}

static void vessel_init(lo_vessel *v, uint32_t mmsi, uint8_t ship_type)
{
    tu_vessel_init(v, mmsi);
    v->id.ship_type = ship_type;
    snprintf(v->id.name, sizeof v->id.name, "TEST %u", mmsi % 1000);
}

static uint32_t g_segment = 1;

static void point(lo_detector *d, lo_vessel *v, int64_t t, double lat, double lon)
{
    lo_track_point p = tu_track_point(v, t, lat, lon);
    p.speed = 120;
    p.heading = 90;
    p.segment = g_segment;
    bool first = v->reports == 0;
    v->last = p;
    v->has_position = true;
    v->last_seen_ms = t;
    if (first)
        v->first_seen_ms = t;
    v->reports++;
    if (first)
        lo_detect_on_vessel(d, v);
    lo_detect_on_point(d, v, &p);
}

static void set_type(lo_detector *d, lo_vessel *v, uint8_t type, int64_t t)
{
    lo_identity_change c;
    memset(&c, 0, sizeof c);
    c.mmsi = v->mmsi;
    c.time_ms = t;
    c.field = LO_ID_SHIP_TYPE;
    if (v->id.ship_type)
        snprintf(c.old_value, sizeof c.old_value, "%u", v->id.ship_type);
    snprintf(c.new_value, sizeof c.new_value, "%u", type);
    v->id.ship_type = type;
    v->last_seen_ms = t;
    lo_detect_on_vessel(d, v);
    lo_detect_on_identity(d, v, &c);
}

/* East along 43.95 N from 31.005 E, 0.01 degree a minute: the first position
 * inside NW_BOX is minute 60 (31.605), the first outside minute 180 (32.805). */
static void cross(lo_detector *d, lo_vessel *v, int from, int to)
{
    for (int i = from; i <= to; i++)
        point(d, v, T0 + (int64_t)i * MIN, 43.95, 31.005 + 0.01 * i);
}

static void test_default_rule_entry_exit(void **state)
{
    (void)state;
    fixture *f = setup(NULL, 0);
    lo_vessel v;
    vessel_init(&v, 477225600, 70);
    cross(f->d, &v, 0, 240);
    lo_detect_finish(f->d);
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_ENTRY, LO_EVENT_CLOSED), 1);
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED), 1);
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_OPEN), 0);
    const lo_event *in = tu_events_find(&f->cap, LO_EV_ZONE_ENTRY, LO_EVENT_CLOSED);
    assert_string_equal(in->zone, "NW_BOX");
    assert_int_equal(in->start_ms, T0 + 60 * MIN);
    assert_int_equal(in->end_ms, in->start_ms);
    assert_int_equal(in->severity, LO_SEV_LOW);
    assert_int_equal(in->nvessels, 1);
    assert_int_equal(in->vessels[0].mmsi, 477225600);
    assert_int_equal(in->vessels[0].watch, -1);
    assert_int_equal(in->nevidence, 2);
    assert_int_equal(in->evidence[0].time_ms, T0 + 59 * MIN);
    assert_string_equal(in->evidence[0].note, "last outside");
    assert_int_equal(in->evidence[1].time_ms, T0 + 60 * MIN);
    assert_int_equal(in->evidence[1].lon_udeg, 31605000);
    assert_true(fabs(in->lat - 43.95) < 1e-6);
    const lo_event *out = tu_events_find(&f->cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED);
    assert_int_equal(out->start_ms, T0 + 180 * MIN);
    assert_int_equal(out->severity, LO_SEV_INFO);
    assert_int_equal(out->evidence[0].time_ms, T0 + 179 * MIN);
    assert_string_equal(out->evidence[1].note, "first outside");
    assert_non_null(strstr(out->params, "\"inside_h\":2.00"));
    assert_non_null(strstr(out->params, "\"entry_seen\":true"));
    assert_int_equal(lo_detect_get_stats(f->d)->events[LO_EV_ZONE_ENTRY], 1);
    teardown(f);
}

static void test_dwell_open_closed_same_id(void **state)
{
    (void)state;
    lo_zone_rule r = {.zones = "NW_*", .classes = LO_SHIPCLASS_ALL, .entry = true, .exit = true,
                      .dwell_h = 1.5, .severity = LO_SEV_MEDIUM};
    fixture *f = setup(&r, 1);
    lo_vessel v;
    vessel_init(&v, 273351200, 80);
    cross(f->d, &v, 0, 240);
    lo_detect_finish(f->d);
    const lo_event *open = tu_events_find(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_OPEN);
    const lo_event *closed = tu_events_find(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_CLOSED);
    assert_non_null(open);
    assert_non_null(closed);
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_OPEN), 1);
    assert_true(open->id == closed->id);
    assert_int_equal(open->start_ms, T0 + 60 * MIN);
    assert_int_equal(open->end_ms, T0 + 150 * MIN); /* 1.5 h after the entry */
    assert_int_equal(closed->start_ms, T0 + 60 * MIN);
    assert_int_equal(closed->end_ms, T0 + 180 * MIN);
    assert_int_equal(closed->severity, LO_SEV_MEDIUM);
    assert_non_null(strstr(closed->params, "\"inside_h\":2.00"));
    /* HARBOUR matches no rule: nothing about it. */
    for (int i = 0; i < f->cap.n; i++)
        assert_string_equal(f->cap.ev[i].zone, "NW_BOX");
    teardown(f);
}

static void test_class_filter(void **state)
{
    (void)state;
    lo_zone_rule r = {.zones = "NW_BOX", .classes = 1u << LO_SHIPCLASS_TANKER, .entry = true, .exit = true,
                      .severity = LO_SEV_MEDIUM};
    fixture *f = setup(&r, 1);
    lo_vessel cargo, late, never;
    vessel_init(&cargo, 477000001, 70);
    vessel_init(&late, 477000002, 0);
    vessel_init(&never, 477000003, 0);
    cross(f->d, &cargo, 0, 240);
    assert_int_equal(f->cap.n, 0);
    /* Class unknown at the entry; type 80 comes at minute 100, inside. */
    cross(f->d, &late, 0, 99);
    assert_int_equal(f->cap.n, 0);
    set_type(f->d, &late, 80, T0 + 100 * MIN);
    const lo_event *in = tu_events_find(&f->cap, LO_EV_ZONE_ENTRY, LO_EVENT_CLOSED);
    assert_non_null(in);
    assert_int_equal(in->start_ms, T0 + 60 * MIN); /* the entry's own time, raised late */
    assert_int_equal(in->vessels[0].ship_type, 80);
    assert_non_null(strstr(in->params, "\"class\":\"tanker\""));
    cross(f->d, &late, 100, 240);
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED), 1);
    cross(f->d, &never, 0, 240);
    lo_detect_finish(f->d);
    assert_int_equal(f->cap.n, 2);
    teardown(f);
}

static void test_anchor_cache_first_heard_inside(void **state)
{
    (void)state;
    fixture *f = setup(NULL, 0);
    lo_vessel v;
    vessel_init(&v, 636019825, 80);
    /* 1,000 reports 10 s apart within about 15 m of one point inside NW_BOX. */
    for (int i = 0; i < 1000; i++)
        point(f->d, &v, T0 + i * 10000, 44.0 + 0.0001 * ((i * 7) % 3 - 1), 32.0 + 0.0001 * ((i * 5) % 3 - 1));
    assert_int_equal(lo_detect_get_stats(f->d)->zone_lookups, 1);
    assert_int_equal(f->cap.n, 0); /* first heard inside: no entry */
    point(f->d, &v, T0 + 10000 * 1000 + 6 * 3600000, 44.5, 32.0);
    assert_int_equal(lo_detect_get_stats(f->d)->zone_lookups, 2);
    const lo_event *out = tu_events_find(&f->cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED);
    assert_non_null(out);
    assert_non_null(strstr(out->params, "\"entry_seen\":false"));
    assert_non_null(strstr(out->params, "\"unheard_h\":6.00"));
    assert_int_equal(f->cap.n, 1);
    teardown(f);
}

static void test_gap_inside_and_ongoing(void **state)
{
    (void)state;
    lo_zone_rule r = {.zones = "*", .classes = LO_SHIPCLASS_ALL, .entry = true, .exit = true, .dwell_h = 1,
                      .severity = LO_SEV_LOW};
    fixture *f = setup(&r, 1);
    lo_vessel a, b;
    vessel_init(&a, 563041280, 80);
    vessel_init(&b, 563041281, 80);
    cross(f->d, &a, 0, 90);                                  /* in at 60, last heard at 90 */
    point(f->d, &a, T0 + 12 * 60 * MIN, 43.95, 33.2);        /* heard again outside 10.5 h later */
    const lo_event *out = tu_events_find(&f->cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED);
    assert_non_null(out);
    assert_int_equal(out->start_ms, T0 + 12 * 60 * MIN);
    assert_non_null(strstr(out->params, "\"unheard_h\":10.50"));
    const lo_event *dw = tu_events_find(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_CLOSED);
    assert_non_null(dw); /* 11 h between entry and exit: past the 1 h dwell */
    assert_int_equal(tu_events_count_state(&f->cap, LO_EV_ZONE_DWELL, LO_EVENT_OPEN), 0);
    /* b enters and stays: dwell open at 1 h, ongoing at the end. */
    cross(f->d, &b, 0, 150);
    lo_detect_finish(f->d);
    int opened = 0, ongoing = 0;
    for (int i = 0; i < f->cap.n; i++)
        if (f->cap.ev[i].type == LO_EV_ZONE_DWELL && f->cap.ev[i].vessels[0].mmsi == 563041281) {
            opened += f->cap.ev[i].state == LO_EVENT_OPEN;
            if (f->cap.ev[i].state == LO_EVENT_ONGOING) {
                ongoing++;
                assert_int_equal(f->cap.ev[i].start_ms, T0 + 60 * MIN);
                assert_int_equal(f->cap.ev[i].end_ms, T0 + 150 * MIN);
            }
        }
    assert_int_equal(opened, 1);
    assert_int_equal(ongoing, 1);
    teardown(f);
}

/* A slow drifter across the boundary (about 0.9 m a report, 10 s apart, 0.2 kn):
 * the entry is found once it moved 25 m, within 5 minutes of the first
 * position inside, with a position outside before it as evidence. */
static void test_slow_drifter(void **state)
{
    (void)state;
    fixture *f = setup(NULL, 0);
    lo_vessel v;
    vessel_init(&v, 219000123, 70);
    int first_in = -1;
    for (int i = 0; i < 2000; i++) {
        double lon = 31.5990 + 0.0000113 * i; /* 0.9 m a step at 43.95 N */
        if (first_in < 0 && lon >= 31.6)
            first_in = i;
        point(f->d, &v, T0 + (int64_t)i * 10000, 43.95, lon);
    }
    const lo_event *in = tu_events_find(&f->cap, LO_EV_ZONE_ENTRY, LO_EVENT_CLOSED);
    assert_non_null(in);
    assert_true(first_in > 0);
    assert_true(in->start_ms >= T0 + (int64_t)first_in * 10000);
    assert_true(in->start_ms <= T0 + (int64_t)first_in * 10000 + 300000);
    assert_string_equal(in->evidence[0].note, "last outside");
    assert_true(in->evidence[0].lon_udeg < 31600000);
    /* Look-ups: one each 25 m (2000 reports over 1.8 km), not one a report. */
    assert_true(lo_detect_get_stats(f->d)->zone_lookups < 100);
    teardown(f);
}

/* One MMSI sent by two ships, one inside NW_BOX and one 300 km away (the
 * tracker opens a segment at each jump): no exits and entries between them. */
static void test_jumps_are_not_crossings(void **state)
{
    (void)state;
    fixture *f = setup(NULL, 0);
    lo_vessel v;
    vessel_init(&v, 273000000, 0);
    cross(f->d, &v, 50, 70); /* a real entry at minute 60 */
    assert_int_equal(f->cap.n, 1);
    for (int i = 71; i < 100; i++) {
        g_segment++;
        if (i % 2)
            point(f->d, &v, T0 + (int64_t)i * MIN, 41.5, 29.5);  /* off the Bosporus */
        else
            point(f->d, &v, T0 + (int64_t)i * MIN, 43.95, 31.8); /* inside the box */
    }
    assert_int_equal(f->cap.n, 1);
    assert_int_equal(f->d->zone.jumps, 29);
    g_segment = 1;
    teardown(f);
}

/* Two zones at once (a box inside a box) and a jump between segments. */
static void test_nested_and_evict(void **state)
{
    (void)state;
    static const char NEST[] =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"OUTER\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"INNER\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[0.5,0.5],[1.5,0.5],[1.5,1.5],[0.5,1.5],[0.5,0.5]]]}}]}";
    lo_zones *z = lo_zones_create();
    lo_geo_error err;
    assert_int_equal(lo_zones_add_geojson(z, NEST, strlen(NEST), "nest", NULL, &err), 2);
    lo_zone_rule r = {.zones = "*", .classes = LO_SHIPCLASS_ALL, .entry = true, .exit = true, .dwell_h = 0.5,
                      .severity = LO_SEV_LOW};
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    only_ours(&cfg);
    cfg.nzone_rules = 1;
    cfg.zone_rules[0] = r;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detect_env env = {.zones = z};
    lo_detect_callbacks cb = {.ctx = cap, .on_event = tu_on_event};
    lo_detector *d = lo_detect_create(&cfg, &env, &cb);
    lo_vessel v;
    vessel_init(&v, 211000001, 70);
    /* West to east: into OUTER at minute 10, INNER 30-70, still in OUTER at 80. */
    for (int i = 0; i <= 80; i++)
        point(d, &v, T0 + (int64_t)i * MIN, 1.0, -0.2375 + 0.025 * i);
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_ENTRY, LO_EVENT_CLOSED), 2);
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_EXIT, LO_EVENT_CLOSED), 1); /* INNER left, OUTER not yet */
    /* Evicted while inside OUTER with its dwell open: the dwell is closed. */
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_DWELL, LO_EVENT_OPEN), 2);
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_DWELL, LO_EVENT_CLOSED), 1);
    lo_detect_on_evict(d, &v);
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_DWELL, LO_EVENT_CLOSED), 2);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count_state(cap, LO_EV_ZONE_DWELL, LO_EVENT_ONGOING), 0);
    lo_detect_destroy(d);
    lo_zones_destroy(z);
    free(cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rule_entry_exit),
        cmocka_unit_test(test_dwell_open_closed_same_id),
        cmocka_unit_test(test_class_filter),
        cmocka_unit_test(test_anchor_cache_first_heard_inside),
        cmocka_unit_test(test_gap_inside_and_ongoing),
        cmocka_unit_test(test_nested_and_evict),
        cmocka_unit_test(test_slow_drifter),
        cmocka_unit_test(test_jumps_are_not_crossings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
