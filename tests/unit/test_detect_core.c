/* test_detect_core.c - the detector core: the shipped configuration file
 * states the real defaults, the parser refuses what it should (with the
 * line), the vessel table and event builders behave, event JSON and GeoJSON
 * are valid and carry the fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "detect_int.h"
#include "lookout/detect.h"
#include "testutil.h"

#define CONF LOOKOUT_TEST_DATA "/../../data/detect.conf"

static void test_shipped_conf_is_defaults(void **state)
{
    (void)state;
    lo_detect_config def, c;
    lo_detect_config_default(&def);
    lo_detect_config_default(&c);
    /* Start from changed values so that every key the file sets is seen to be set. */
    c.gap_min_h = 99;
    c.loiter_shore_nm = 99;
    c.circle_tolerance_m = 1;
    c.mmsi_shared_min_alternations = 99;
    c.evidence_max = 3;
    c.enable[LO_EV_JUMP] = false;
    c.handover_window_h = 99;
    c.handover_max_queue = 5;
    c.enable[LO_EV_IDENTITY_HANDOVER] = false;
    lo_detect_error err = {0};
    assert_int_equal(lo_detect_config_load(&c, CONF, &err), 0);
    assert_memory_equal(&c, &def, sizeof c);
}

static int parse(const char *text, lo_detect_config *c, lo_detect_error *err)
{
    lo_detect_config_default(c);
    memset(err, 0, sizeof *err);
    return lo_detect_config_parse(c, text, strlen(text), err);
}

static void test_parse_values(void **state)
{
    (void)state;
    lo_detect_config c;
    lo_detect_error err;
    assert_int_equal(parse("# comment\n[gap]\nmin_h = 8.5  # inline\n\n[encounter]\nmax_m=300\n"
                           "loitering.min_h = 3\n[enable]\njump = no\n",
                           &c, &err),
                     0);
    assert_true(c.gap_min_h == 8.5);
    assert_true(c.encounter_max_m == 300);
    assert_true(c.loiter_min_h == 3); /* a full key inside another section */
    assert_false(c.enable[LO_EV_JUMP]);
    assert_true(c.enable[LO_EV_GAP]);
    assert_int_equal(parse("[zone_rule]\nzones = EEZ*\nclasses = tanker, cargo\ndwell_h = 2\nseverity = high\n"
                           "exit = no\n[zone_rule]\n",
                           &c, &err),
                     0);
    assert_int_equal(c.nzone_rules, 2);
    assert_string_equal(c.zone_rules[0].zones, "EEZ*");
    assert_int_equal(c.zone_rules[0].classes, (1u << LO_SHIPCLASS_TANKER) | (1u << LO_SHIPCLASS_CARGO));
    assert_true(c.zone_rules[0].entry);
    assert_false(c.zone_rules[0].exit);
    assert_true(c.zone_rules[0].dwell_h == 2);
    assert_int_equal(c.zone_rules[0].severity, LO_SEV_HIGH);
    assert_string_equal(c.zone_rules[1].zones, "*"); /* defaults of a bare rule */
    assert_int_equal(c.zone_rules[1].classes, LO_SHIPCLASS_ALL);
}

static void test_parse_errors(void **state)
{
    (void)state;
    lo_detect_config c;
    lo_detect_error err;
    static const struct {
        const char *text;
        long line;
        const char *says;
    } bad[] = {
        {"[gap]\nmin_hours = 6\n", 2, "unknown setting 'gap.min_hours'"},
        {"\n\n[gap]\nmin_h = -1\n", 4, "wants a number"},
        {"[gap]\nmin_h = 6h\n", 2, "wants a number"},
        {"[gap]\nmin_h =\n", 2, "has no value"},
        {"[gap\n", 1, "malformed section"},
        {"just words\n", 1, "expected 'key = value'"},
        {"[enable]\ndrak = yes\n", 2, "unknown event type"},
        {"[enable]\ngap = maybe\n", 2, "wants yes or no"},
        {"[zone_rule]\nclasses = submarines\n", 2, "unknown ship class"},
        {"[zone_rule]\nseverity = extreme\n", 2, "wants info"},
        {"[encounter]\nmax_open_pairs = 2.5\n", 2, "whole"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i].text, &c, &err), LO_E_INVAL);
        assert_int_equal(err.line, bad[i].line);
        if (!strstr(err.text, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.text, bad[i].says);
    }
    char nul[] = "[gap]\nmin_h = 6\0\n";
    lo_detect_config_default(&c);
    assert_int_equal(lo_detect_config_parse(&c, nul, sizeof nul - 1, &err), LO_E_INVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(lo_detect_config_load(&c, "/nonexistent/detect.conf", &err), LO_E_IO);
}

static void test_shipclass(void **state)
{
    (void)state;
    assert_int_equal(lo_shipclass_of(0), LO_SHIPCLASS_UNKNOWN);
    assert_int_equal(lo_shipclass_of(30), LO_SHIPCLASS_FISHING);
    assert_int_equal(lo_shipclass_of(52), LO_SHIPCLASS_TUG);
    assert_int_equal(lo_shipclass_of(35), LO_SHIPCLASS_MILITARY);
    assert_int_equal(lo_shipclass_of(37), LO_SHIPCLASS_PLEASURE);
    assert_int_equal(lo_shipclass_of(40), LO_SHIPCLASS_HSC);
    assert_int_equal(lo_shipclass_of(60), LO_SHIPCLASS_PASSENGER);
    assert_int_equal(lo_shipclass_of(79), LO_SHIPCLASS_CARGO);
    assert_int_equal(lo_shipclass_of(80), LO_SHIPCLASS_TANKER);
    assert_int_equal(lo_shipclass_of(89), LO_SHIPCLASS_TANKER);
    assert_int_equal(lo_shipclass_of(99), LO_SHIPCLASS_OTHER);
    assert_int_equal(lo_shipclass_of(200), LO_SHIPCLASS_UNKNOWN);
    assert_string_equal(lo_shipclass_key(LO_SHIPCLASS_TANKER), "tanker");
    assert_int_equal(lo_event_type_from_key("encounter"), LO_EV_ENCOUNTER);
    assert_int_equal(lo_event_type_from_key("nope"), -1);
    assert_string_equal(lo_event_type_family(LO_EV_DISABLING), "dark");
}

static void test_trail(void **state)
{
    (void)state;
    det_trail t;
    det_trail_reset(&t);
    for (int i = 0; i < 1000; i++) {
        det_point p = {.t = i * 1000, .lat = i, .lon = -i};
        det_trail_add(&t, &p);
    }
    assert_int_equal(t.total, 1000);
    assert_true(t.n >= DET_TRAIL_N / 2 && t.n <= DET_TRAIL_N);
    assert_int_equal(t.p[0].t, 0);      /* the first is always kept */
    assert_int_equal(t.last.t, 999000); /* and the latest */
    for (uint32_t i = 1; i < t.n; i++)
        assert_true(t.p[i].t > t.p[i - 1].t);
    /* Evenly spread: the kept points are one stride apart. */
    int64_t step = t.p[2].t - t.p[1].t;
    for (uint32_t i = 2; i < t.n; i++)
        assert_int_equal(t.p[i].t - t.p[i - 1].t, step);
}

/* Events raised through the core's builders, caught by a callback. */
typedef struct caught {
    int n;
    lo_event last;
} caught;

static void catch_event(void *ctx, const lo_event *e)
{
    caught *c = ctx;
    c->n++;
    c->last = *e;
}

static lo_vessel vessel(uint32_t mmsi, const char *name)
{
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = mmsi;
    v.kind = lo_station_kind_of(mmsi);
    v.flag_iso2 = lo_mid_iso2(lo_mmsi_mid(mmsi));
    snprintf(v.id.name, sizeof v.id.name, "%s", name);
    v.id.imo = 9301627;
    v.id.ship_type = 80;
    return v;
}

static void test_table_and_event(void **state)
{
    (void)state;
    caught c = {0};
    lo_detect_callbacks cb = {.ctx = &c, .on_event = catch_event};
    lo_detector *d = lo_detect_create(NULL, NULL, &cb);
    assert_non_null(d);
    /* 20,000 vessels in and out of the table: the index stays whole. */
    for (uint32_t i = 0; i < 20000; i++) {
        lo_vessel v = vessel(200000000u + i * 7u, "X");
        lo_detect_on_vessel(d, &v);
    }
    assert_int_equal(lo_detect_get_stats(d)->tracked_vessels, 20000);
    for (uint32_t i = 0; i < 20000; i += 2) {
        lo_vessel v = vessel(200000000u + i * 7u, "X");
        lo_detect_on_evict(d, &v);
    }
    assert_int_equal(lo_detect_get_stats(d)->tracked_vessels, 10000);
    for (uint32_t i = 0; i < 20000; i++) {
        dvessel *dv = det_vessel_find(d, 200000000u + i * 7u);
        if (i % 2)
            assert_true(dv && dv->mmsi == 200000000u + i * 7u);
        else
            assert_null(dv);
    }
    /* MMSI 0 (a transponder never set up) is one vessel, however often heard. */
    uint32_t before = lo_detect_get_stats(d)->tracked_vessels;
    for (int i = 0; i < 1000; i++) {
        lo_vessel z = vessel(0, "IRONWOOD");
        lo_detect_on_vessel(d, &z);
    }
    assert_int_equal(lo_detect_get_stats(d)->tracked_vessels, before + 1);
    assert_non_null(det_vessel_find(d, 0));

    lo_vessel a = vessel(636019825, "AEGEAN STAR");
    lo_detect_on_vessel(d, &a);
    dvessel *dv = det_vessel_find(d, 636019825);
    assert_non_null(dv);
    assert_string_equal(dv->who.name, "AEGEAN STAR");
    assert_string_equal(dv->who.flag, "LR");

    lo_event *e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, 1710061200000, 1710082800000, 24800000, 57900000);
    det_event_vessel(e, dv);
    det_point p = {.t = 1710061200000, .lat = 24800000, .lon = 57900000, .speed = 123, .course = 3600, .type = 1};
    det_event_evidence(e, dv->mmsi, &p, "last before gap");
    det_param_num(e, "gap_h", 6.0, 2);
    det_param_str(e, "note", "say \"hi\"\n");
    det_param_bool(e, "far", true);
    det_param_int(e, "reports", 42);
    det_event_summary(e, "silent %.1f h", 6.0);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
    assert_int_equal(c.n, 1);
    uint64_t id = c.last.id;
    assert_true(id != 0);
    /* The same event again gets the same id; another start another id. */
    e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, 1710061200000, 1710090000000, 24800000, 57900000);
    det_event_vessel(e, dv);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
    assert_true(c.last.id == id);
    e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, 1710061200001, 1710090000000, 24800000, 57900000);
    det_event_vessel(e, dv);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
    assert_true(c.last.id != id);

    /* JSON of the first event: parse it back and check the fields. */
    e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, 1710061200000, 1710082800000, 24800000, 57900000);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &p, "last before gap");
    det_param_num(e, "gap_h", 6.0, 2);
    det_param_str(e, "note", "say \"hi\"\n");
    det_event_summary(e, "silent %.1f h", 6.0);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
    char buf[65536];
    int n = lo_event_json(&c.last, buf, sizeof buf);
    assert_true(n > 0);
    json_error_t jerr;
    json_t *j = json_loadb(buf, (size_t)n, 0, &jerr);
    if (!j)
        fail_msg("invalid JSON: %s: %s", jerr.text, buf);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "gap");
    assert_string_equal(json_string_value(json_object_get(j, "family")), "dark");
    assert_string_equal(json_string_value(json_object_get(j, "state")), "closed");
    assert_string_equal(json_string_value(json_object_get(j, "start")), "2024-03-10T09:00:00.000Z");
    assert_true(json_real_value(json_object_get(j, "duration_h")) == 6.0);
    json_t *v0 = json_array_get(json_object_get(j, "vessels"), 0);
    assert_int_equal(json_integer_value(json_object_get(v0, "mmsi")), 636019825);
    assert_int_equal(json_integer_value(json_object_get(v0, "imo")), 9301627);
    assert_string_equal(json_string_value(json_object_get(v0, "ship_class")), "tanker");
    json_t *params = json_object_get(j, "parameters");
    assert_true(json_real_value(json_object_get(params, "gap_h")) == 6.0);
    assert_string_equal(json_string_value(json_object_get(params, "note")), "say \"hi\"\n");
    json_t *ev0 = json_array_get(json_object_get(j, "evidence"), 0);
    assert_true(json_real_value(json_object_get(ev0, "speed")) == 12.3);
    assert_null(json_object_get(ev0, "course")); /* not available: left out */
    json_decref(j);

    n = lo_event_geojson_feature(&c.last, buf, sizeof buf);
    assert_true(n > 0);
    j = json_loadb(buf, (size_t)n, 0, &jerr);
    if (!j)
        fail_msg("invalid GeoJSON: %s: %s", jerr.text, buf);
    json_t *g = json_object_get(j, "geometry");
    assert_string_equal(json_string_value(json_object_get(g, "type")), "MultiPoint");
    json_t *c0 = json_array_get(json_object_get(g, "coordinates"), 0);
    assert_true(json_real_value(json_array_get(c0, 0)) == 57.9); /* longitude first */
    assert_true(json_real_value(json_array_get(c0, 1)) == 24.8);
    json_decref(j);
    assert_int_equal(lo_event_json(&c.last, buf, 100), LO_E_NOSPACE);

    /* A type switched off raises nothing. */
    lo_detect_destroy(d);
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    cfg.enable[LO_EV_GAP] = false;
    d = lo_detect_create(&cfg, NULL, &cb);
    lo_detect_on_vessel(d, &a);
    c.n = 0;
    e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, 0, 0, 0, 0);
    det_event_vessel(e, det_vessel_find(d, 636019825));
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
    assert_int_equal(c.n, 0);
    lo_detect_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_conf_is_defaults),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_shipclass),
        cmocka_unit_test(test_trail),
        cmocka_unit_test(test_table_and_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
