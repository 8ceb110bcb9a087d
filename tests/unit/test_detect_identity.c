/* test_detect_identity.c - identity fraud (detect_identity.c): MMSIs of no
 * station (wrong length, unallocated MID) once per MMSI, and not for the
 * legitimate kinds (SART, group, SAR aircraft); IMO check digits; identity
 * changes (one event per message with all its fields, first values and
 * changes back not raised, punctuation-only renames not raised, small edits
 * LOW, IMO changes HIGH; two different changes in one second two ids, the
 * same change again one); one IMO sent by two MMSIs (both on air far apart,
 * a handover, outside the window). */
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


/* Only this module's event types (the other detectors see the same tracks). */
static void only_ours(lo_detect_config *cfg)
{
    static const lo_event_type ours[] = {LO_EV_MMSI_INVALID, LO_EV_IMO_INVALID, LO_EV_IDENTITY_CHANGE, LO_EV_IMO_SHARED};
    tu_enable_only(cfg, ours, sizeof ours / sizeof ours[0]);
}

static const int64_t T0 = 1712016000000; /* 2024-04-02T00:00:00Z */
#define HOUR 3600000

static lo_detector *make(tu_events *cap)
{
    lo_detect_callbacks cb = {.ctx = cap, .on_event = tu_on_event};
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    only_ours(&cfg);
    return lo_detect_create(&cfg, NULL, &cb);
}

static void point(lo_detector *d, lo_vessel *v, int64_t t, double lat, double lon, uint8_t type)
{
    lo_track_point p = tu_track_point(v, t, lat, lon);
    p.type = type;
    bool first = v->reports == 0;
    v->last = p;
    v->has_position = true;
    v->last_seen_ms = t;
    v->reports++;
    v->types_seen |= 1u << type;
    if (first)
        lo_detect_on_vessel(d, v);
    lo_detect_on_point(d, v, &p);
}

/* A type 5 with these values: on_vessel, then on_identity for each field that
 * changed (old "" for a first value), as the tracker does. */
static void statics(lo_detector *d, lo_vessel *v, int64_t t, const char *name, const char *call, uint32_t imo,
                    uint8_t type)
{
    lo_identity old = v->id;
    v->reports++;
    v->last_seen_ms = t;
    v->types_seen |= 1u << 5;
    snprintf(v->id.name, sizeof v->id.name, "%s", name);
    snprintf(v->id.callsign, sizeof v->id.callsign, "%s", call);
    v->id.imo = imo;
    v->id.ship_type = type;
    lo_detect_on_vessel(d, v);
    lo_identity_change c;
    memset(&c, 0, sizeof c);
    c.mmsi = v->mmsi;
    c.time_ms = t;
    if (strcmp(old.name, name)) {
        c.field = LO_ID_NAME;
        snprintf(c.old_value, sizeof c.old_value, "%s", old.name);
        snprintf(c.new_value, sizeof c.new_value, "%s", name);
        lo_detect_on_identity(d, v, &c);
    }
    if (strcmp(old.callsign, call)) {
        c.field = LO_ID_CALLSIGN;
        snprintf(c.old_value, sizeof c.old_value, "%s", old.callsign);
        snprintf(c.new_value, sizeof c.new_value, "%s", call);
        lo_detect_on_identity(d, v, &c);
    }
    if (old.imo != imo) {
        c.field = LO_ID_IMO;
        if (old.imo)
            snprintf(c.old_value, sizeof c.old_value, "%u", old.imo);
        else
            c.old_value[0] = '\0';
        snprintf(c.new_value, sizeof c.new_value, "%u", imo);
        lo_detect_on_identity(d, v, &c);
    }
    if (old.ship_type != type) {
        c.field = LO_ID_SHIP_TYPE;
        if (old.ship_type)
            snprintf(c.old_value, sizeof c.old_value, "%u", old.ship_type);
        else
            c.old_value[0] = '\0';
        snprintf(c.new_value, sizeof c.new_value, "%u", type);
        lo_detect_on_identity(d, v, &c);
    }
}

static void test_mmsi(void **state)
{
    (void)state;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel v;
    /* Eight digits: not an MMSI; a class A position. */
    tu_vessel_init(&v, 12345678);
    point(d, &v, T0, 1, 104, 1);
    point(d, &v, T0 + 10000, 1, 104, 1);
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 1);
    const lo_event *e = tu_events_last(cap, LO_EV_MMSI_INVALID);
    assert_int_equal(e->severity, LO_SEV_MEDIUM);
    assert_int_equal(e->start_ms, T0);
    assert_non_null(strstr(e->params, "not nine digits"));
    /* MID 217 is not allocated; class B. */
    tu_vessel_init(&v, 217123456);
    point(d, &v, T0, 1, 104, 18);
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 2);
    e = tu_events_last(cap, LO_EV_MMSI_INVALID);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_non_null(strstr(e->params, "MID not allocated"));
    assert_non_null(strstr(e->params, "\"mid\":217"));
    /* Legitimate kinds: AIS-SART, a group call, a SAR aircraft, a good ship. */
    uint32_t ok[] = {970012345, 36612345, 111232506, 563041280, 982570001};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tu_vessel_init(&v, ok[i]);
        point(d, &v, T0, 1, 104, 1);
    }
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 2);
    /* Static data only (type 5) from a number no station uses (MID 1xx). */
    tu_vessel_init(&v, 199000001);
    statics(d, &v, T0, "BUOY 17%", "", 0, 0);
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 3);
    /* MMSI 0 (no vessel record of its own): once for the whole input. */
    for (int i = 0; i < 3; i++) {
        tu_vessel_init(&v, 0);
        point(d, &v, T0 + i, 1, 104, 1);
    }
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 4);
    /* A MID and six zeros: the default number of many Chinese sets. */
    tu_vessel_init(&v, 413000000);
    point(d, &v, T0, 30, 122, 1);
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 5);
    assert_non_null(strstr(tu_events_last(cap, LO_EV_MMSI_INVALID)->params, "default number"));
    /* A base station of an unallocated MID sending type 4 is not "as a vessel". */
    tu_vessel_init(&v, 1990001);
    point(d, &v, T0, 1, 104, 4);
    assert_int_equal(tu_events_count(cap, LO_EV_MMSI_INVALID), 5);
    lo_detect_destroy(d);
    free(cap);
}

static void test_imo_invalid(void **state)
{
    (void)state;
    assert_true(det_imo_valid(9187629));
    assert_false(det_imo_valid(9187628));
    assert_false(det_imo_valid(918762));
    assert_false(det_imo_valid(0));
    assert_true(det_imo_valid(7406784));
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel v;
    tu_vessel_init(&v, 636021448);
    point(d, &v, T0, 1, 104, 1);
    statics(d, &v, T0 + 1000, "OCEAN GLORY", "A8WX3", 9688715, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_INVALID), 1);
    const lo_event *e = tu_events_last(cap, LO_EV_IMO_INVALID);
    assert_int_equal(e->severity, LO_SEV_MEDIUM);
    assert_non_null(strstr(e->params, "check digit"));
    /* Sent again: nothing; then the MMSI as IMO: LOW. */
    statics(d, &v, T0 + 2000, "OCEAN GLORY", "A8WX3", 9688715, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_INVALID), 1);
    statics(d, &v, T0 + 3000, "OCEAN GLORY", "A8WX3", 636021448, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_INVALID), 2);
    e = tu_events_last(cap, LO_EV_IMO_INVALID);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_non_null(strstr(e->params, "not seven digits"));
    lo_detect_destroy(d);
    free(cap);
}

static void test_changes(void **state)
{
    (void)state;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel v;
    tu_vessel_init(&v, 636021448);
    point(d, &v, T0, 1.3, 104.5, 1);
    statics(d, &v, T0 + 1000, "OCEAN GLORY", "A8WX3", 9688714, 80);
    point(d, &v, T0 + 2000, 1.3, 104.5, 1);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 0); /* first values */
    /* The scenario's change: name, call sign, IMO at once -> one HIGH event. */
    statics(d, &v, T0 + 4 * HOUR, "GLORY STAR", "TJMN3", 9448906, 80);
    point(d, &v, T0 + 4 * HOUR + 1000, 1.3, 104.5, 1);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 1);
    const lo_event *e = tu_events_last(cap, LO_EV_IDENTITY_CHANGE);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_int_equal(e->start_ms, T0 + 4 * HOUR);
    assert_string_equal(e->vessels[0].name, "GLORY STAR");
    assert_non_null(strstr(e->params, "\"fields\":\"name,callsign,imo\""));
    assert_non_null(strstr(e->params, "\"name_old\":\"OCEAN GLORY\""));
    assert_non_null(strstr(e->params, "\"imo_new\":\"9448906\""));
    /* Back to the old name (flip): nothing; punctuation only: nothing. */
    statics(d, &v, T0 + 5 * HOUR, "OCEAN GLORY", "TJMN3", 9448906, 80);
    statics(d, &v, T0 + 6 * HOUR, "OCEAN-GLORY.", "TJMN3", 9448906, 80);
    /* Type refined within its class: nothing. */
    statics(d, &v, T0 + 7 * HOUR, "OCEAN-GLORY.", "TJMN3", 9448906, 84);
    point(d, &v, T0 + 7 * HOUR + 1000, 1.3, 104.5, 1);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 1);
    /* A one-letter correction: LOW. */
    statics(d, &v, T0 + 8 * HOUR, "OCEAN GLARY", "TJMN3", 9448906, 84);
    lo_detect_finish(d); /* the pending change is raised at the end */
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 2);
    e = tu_events_last(cap, LO_EV_IDENTITY_CHANGE);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_non_null(strstr(e->params, "small edit"));
    /* Spaces only: the same name. */
    statics(d, &v, T0 + 8 * HOUR + 1000, "OCEANGLARY", "TJMN3", 9448906, 84);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 2);
    /* Tanker to fishing: LOW with the classes. */
    statics(d, &v, T0 + 9 * HOUR, "OCEAN GLARY", "TJMN3", 9448906, 30);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 3);
    e = tu_events_last(cap, LO_EV_IDENTITY_CHANGE);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_non_null(strstr(e->params, "tanker -> fishing"));
    /* A placeholder name replaced: LOW. */
    lo_vessel p;
    tu_vessel_init(&p, 200804300 + 1000000); /* MID 201, Albania */
    statics(d, &p, T0, "A", "", 0, 70);
    statics(d, &p, T0 + HOUR, "BAO YU 888", "", 0, 70);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 4);
    assert_int_equal(tu_events_last(cap, LO_EV_IDENTITY_CHANGE)->severity, LO_SEV_LOW);
    /* Aids to navigation and base stations rename: not ships, nothing. */
    lo_vessel b;
    tu_vessel_init(&b, 2442016);
    statics(d, &b, T0, "PLATFORM L9", "", 0, 0);
    statics(d, &b, T0 + HOUR, "PLATFORM L9         Y&", "", 0, 0);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 4);
    /* A check digit failing on a pleasure craft: LOW (US documentation
     * numbers and Dutch ENI numbers fill the field on real feeds). */
    lo_vessel y;
    tu_vessel_init(&y, 367111590);
    statics(d, &y, T0, "MISTER B", "WDE1", 1181956, 37);
    assert_int_equal(tu_events_last(cap, LO_EV_IMO_INVALID)->severity, LO_SEV_LOW);
    lo_detect_destroy(d);
    free(cap);
}

/* Two transmitters on one MMSI sending different static data in one second:
 * each different change is its own event with its own id (its field and
 * values salt the id), and the same change reported again is the same id
 * (fuzz_detect finding 9: one id for two changes, so the store kept one). */
static void test_changes_same_second(void **state)
{
    (void)state;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel v;
    tu_vessel_init(&v, 352899000);
    point(d, &v, T0, 25.0, 56.5, 1);
    statics(d, &v, T0 + 1000, "BLUE WAVE", "9VGH7", 9555072, 80);
    int64_t t = T0 + HOUR;
    statics(d, &v, t, "BLUE WAVE", "9VGH7", 9555072, 70); /* tanker -> cargo */
    statics(d, &v, t, "BLUE WAVE", "9VGH7", 9555072, 30); /* cargo -> fishing */
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 2);
    const lo_event *a = &cap->ev[cap->n - 2], *b = &cap->ev[cap->n - 1];
    assert_int_equal(a->type, LO_EV_IDENTITY_CHANGE);
    assert_int_equal(b->type, LO_EV_IDENTITY_CHANGE);
    assert_int_equal(a->start_ms, t);
    assert_int_equal(b->start_ms, t);
    assert_non_null(strstr(a->params, "\"ship_type_new\":\"70\""));
    assert_non_null(strstr(b->params, "\"ship_type_new\":\"30\""));
    assert_true(a->id != b->id);
    uint64_t to_cargo = a->id, to_fishing = b->id;
    /* Fishing -> tanker (80 is no longer among the two values remembered),
     * then tanker -> cargo again, still in that second: the latter is the
     * first change reported again, with its id. */
    statics(d, &v, t, "BLUE WAVE", "9VGH7", 9555072, 80);
    statics(d, &v, t, "BLUE WAVE", "9VGH7", 9555072, 70);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IDENTITY_CHANGE), 4);
    a = &cap->ev[cap->n - 2];
    b = &cap->ev[cap->n - 1];
    assert_non_null(strstr(a->params, "\"ship_type_new\":\"80\""));
    assert_true(a->id != to_cargo && a->id != to_fishing);
    assert_non_null(strstr(b->params, "\"ship_type_old\":\"80\",\"ship_type_new\":\"70\""));
    assert_true(b->id == to_cargo);
    lo_detect_destroy(d);
    free(cap);
}

static void test_imo_shared(void **state)
{
    (void)state;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel a, b, c, x;
    tu_vessel_init(&a, 563041280);
    tu_vessel_init(&b, 352899000);
    tu_vessel_init(&c, 613004117);
    tu_vessel_init(&x, 636000001);
    point(d, &a, T0, 1.30, 104.50, 1);
    statics(d, &a, T0 + 1000, "BLUE WAVE", "9VGH7", 9555072, 80);
    /* b, 600 km away and on the air at once, sends the same IMO: HIGH. */
    point(d, &a, T0 + 10 * 60000, 1.30, 104.50, 1);
    point(d, &b, T0 + 10 * 60000, 5.0, 100.0, 1);
    statics(d, &b, T0 + 11 * 60000, "BLUE WAVE", "9VGH7", 9555072, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_SHARED), 1);
    const lo_event *e = tu_events_last(cap, LO_EV_IMO_SHARED);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_int_equal(e->nvessels, 2);
    assert_int_equal(e->vessels[0].mmsi, 352899000);
    assert_int_equal(e->vessels[1].mmsi, 563041280);
    assert_non_null(strstr(e->params, "\"kind\":\"both on air\""));
    /* c takes the IMO 20 h after b was last heard with it: a handover, LOW. */
    point(d, &c, T0 + 20 * HOUR, 1.3, 104.5, 1);
    statics(d, &c, T0 + 20 * HOUR + 1000, "GLORY STAR", "TJMN3", 9555072, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_SHARED), 2);
    e = tu_events_last(cap, LO_EV_IMO_SHARED);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_int_equal(e->vessels[1].mmsi, 352899000);
    assert_non_null(strstr(e->params, "handover"));
    /* x takes it 30 h after c: outside the 24 h window, nothing. */
    point(d, &x, T0 + 50 * HOUR + 2000, 1.3, 104.5, 1);
    statics(d, &x, T0 + 50 * HOUR + 3000, "X", "X1", 9555072, 80);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_SHARED), 2);
    /* A placeholder IMO (it passes the check digit) shared is not IMO_SHARED:
     * IMO_INVALID covers it, once per vessel. */
    statics(d, &a, T0 + 51 * HOUR, "BLUE WAVE", "9VGH7", 1234567, 80);
    statics(d, &b, T0 + 51 * HOUR, "BLUE WAVE", "9VGH7", 1234567, 80);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_SHARED), 2);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_INVALID), 2);
    assert_non_null(strstr(tu_events_last(cap, LO_EV_IMO_INVALID)->params, "placeholder"));
    lo_detect_destroy(d);
    free(cap);
}

/* Many IMOs: the table grows and stays correct. */
static void test_imo_table_growth(void **state)
{
    (void)state;
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detector *d = make(cap);
    lo_vessel v;
    int valid = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        uint32_t base = 900000 + i; /* six digits, then the check digit */
        unsigned sum = 0, x = base;
        for (unsigned w = 2; w <= 7; w++, x /= 10)
            sum += (x % 10) * w;
        uint32_t imo = base * 10 + sum % 10;
        tu_vessel_init(&v, 563000000 + i);
        statics(d, &v, T0 + i, "S", "C", imo, 70);
        valid += det_imo_valid(imo);
    }
    assert_int_equal(valid, 20000);
    assert_int_equal(tu_events_count(cap, LO_EV_IMO_SHARED), 0);
    assert_true(d->ident.count == 20000);
    assert_true(d->ident.cap >= 40000);
    lo_detect_destroy(d);
    free(cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmsi),       cmocka_unit_test(test_imo_invalid),
        cmocka_unit_test(test_changes),    cmocka_unit_test(test_changes_same_second),
        cmocka_unit_test(test_imo_shared),
        cmocka_unit_test(test_imo_table_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
