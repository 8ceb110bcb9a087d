/* test_detect_watch.c - the watch list (detect_watch.c): name normalisation,
 * the shipped OFAC SDN snapshot loaded and matched by IMO, MMSI, call sign and
 * name (aliases too), bad files refused with their line, and the detector:
 * one event per vessel and entry at the first sighting (with the strength of
 * the match), a match by name only weak and not marking, a listed vessel's
 * zone entry carrying its watch index and a raised severity. */
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

#define OFAC LOOKOUT_TEST_DATA "/../../data/watchlist/ofac_sdn_vessels_2024-05-03.csv"
#define ARTAVIL 3 /* entry index of ARTAVIL (IMO 9187629, MMSI 572469210, T2EU4, f.k.a. ALPHA) */

static const char *norm(const char *s)
{
    static char out[64];
    lo_ship_name_norm(s, out, sizeof out);
    return out;
}

static void test_name_norm(void **state)
{
    (void)state;
    assert_string_equal(norm("Ocean  Glory"), "OCEAN GLORY");
    assert_string_equal(norm("m/v ocean-glory."), "OCEAN GLORY");
    assert_string_equal(norm("M.T. ADRIAN DARYA 1"), "ADRIAN DARYA 1");
    assert_string_equal(norm("MT ADRIAN DARYA@@@@@"), "ADRIAN DARYA");
    assert_string_equal(norm("  ST. VITAMIN "), "ST VITAMIN");
    assert_string_equal(norm("MT"), "MT"); /* a prefix alone is the name */
    assert_string_equal(norm("MTK 5"), "MTK 5");
    assert_string_equal(norm("@@@@"), "");
    assert_string_equal(norm(NULL), "");
    char small[6];
    assert_int_equal(lo_ship_name_norm("VERY LONG NAME", small, sizeof small), 5);
    assert_string_equal(small, "VERY ");
}

static void test_load_and_match(void **state)
{
    (void)state;
    lo_watchlist *w = NULL;
    lo_detect_error err;
    assert_int_equal(lo_watchlist_load(&w, OFAC, &err), 0);
    assert_int_equal(lo_watchlist_count(w), 851);
    const lo_watch_entry *e = lo_watchlist_get(w, ARTAVIL);
    assert_string_equal(e->name, "ARTAVIL");
    assert_int_equal(e->imo, 9187629);
    assert_int_equal(e->mmsi, 572469210);
    assert_string_equal(e->callsign, "T2EU4");
    assert_string_equal(e->program, "IRAN");
    assert_string_equal(e->aliases, "ALPHA");
    assert_string_equal(e->source, "ofac_sdn_vessels_2024-05-03, entry 15036");
    e = lo_watchlist_get(w, 1);
    assert_string_equal(e->aliases, "ANA I;SAND SWAN");
    assert_null(lo_watchlist_get(w, 851));
    /* Every listed IMO is found by itself. */
    for (uint32_t i = 0; i < lo_watchlist_count(w); i++) {
        const lo_watch_entry *x = lo_watchlist_get(w, i);
        if (!x->imo)
            continue;
        lo_identity id;
        memset(&id, 0, sizeof id);
        id.imo = x->imo;
        lo_watch_match how;
        const lo_watch_entry *m = lo_watchlist_match(w, 0, &id, &how);
        assert_non_null(m);
        assert_int_equal(m->imo, x->imo);
        assert_int_equal(how, LO_WATCH_IMO);
    }
    lo_identity id;
    lo_watch_match how;
    memset(&id, 0, sizeof id);
    assert_ptr_equal(lo_watchlist_match(w, 572469210, &id, &how), lo_watchlist_get(w, ARTAVIL));
    assert_int_equal(how, LO_WATCH_MMSI);
    snprintf(id.name, sizeof id.name, "ARTAVIL");
    snprintf(id.callsign, sizeof id.callsign, "T2EU4");
    assert_ptr_equal(lo_watchlist_match(w, 111222333, &id, &how), lo_watchlist_get(w, ARTAVIL));
    assert_int_equal(how, LO_WATCH_CALLSIGN);
    snprintf(id.callsign, sizeof id.callsign, "9VAB1");
    lo_watchlist_match(w, 111222333, &id, &how);
    assert_int_equal(how, LO_WATCH_NAME);
    snprintf(id.name, sizeof id.name, "M/T ALPHA");
    assert_ptr_equal(lo_watchlist_match(w, 111222333, &id, &how), lo_watchlist_get(w, ARTAVIL));
    assert_int_equal(how, LO_WATCH_NAME);
    uint32_t ent[4];
    uint8_t hw[4];
    bool alias[4];
    assert_int_equal(det_watch_match_all(w, 111222333, &id, ent, hw, alias, 4), 1);
    assert_true(alias[0]);
    /* IMO beats name: a vessel named like one entry sending another's IMO. */
    id.imo = 7406784; /* EBANO */
    assert_int_equal(det_watch_match_all(w, 111222333, &id, ent, hw, alias, 4), 2);
    assert_int_equal(ent[0], 1);
    assert_int_equal(hw[0], LO_WATCH_IMO);
    assert_int_equal(ent[1], ARTAVIL);
    snprintf(id.name, sizeof id.name, "NOT LISTED");
    id.imo = 9074729;
    assert_null(lo_watchlist_match(w, 111222333, &id, &how));
    assert_int_equal(how, LO_WATCH_NONE);
    assert_null(lo_watchlist_match(NULL, 1, &id, &how));
    lo_watchlist_destroy(w);
}

static char *temp_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lookout-watch-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_bad_files(void **state)
{
    (void)state;
    lo_watchlist *w = (lo_watchlist *)1;
    lo_detect_error err;
    assert_int_equal(lo_watchlist_load(&w, "/nonexistent/list.csv", &err), LO_E_IO);
    assert_null(w);
    char *p = temp_file("imo,name\n9187629,ARTAVIL\n91876x9,BAD\n");
    assert_int_equal(lo_watchlist_load(&w, p, &err), LO_E_INVAL);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.text, "91876x9"));
    unlink(p);
    p = temp_file("foo,bar\n1,2\n");
    assert_int_equal(lo_watchlist_load(&w, p, &err), LO_E_INVAL);
    assert_int_equal(err.line, 1);
    unlink(p);
    /* Columns in any order, quoted fields, CRLF, a short list of our own. */
    p = temp_file("MMSI,Call_Sign,Name,Program,Id\r\n123456789,\"AB,1\",\"The \"\"Ghost\"\"\",OWN,7\r\n\r\n");
    assert_int_equal(lo_watchlist_load(&w, p, &err), 0);
    assert_int_equal(lo_watchlist_count(w), 1);
    const lo_watch_entry *e = lo_watchlist_get(w, 0);
    assert_string_equal(e->name, "The \"Ghost\"");
    assert_string_equal(e->norm, "THE GHOST");
    assert_string_equal(e->callsign, "AB,1");
    assert_int_equal(e->mmsi, 123456789);
    assert_string_equal(e->program, "OWN");
    lo_watchlist_destroy(w);
    unlink(p);
}

/* ---- the detector ---- */


/* Only this module's event types (the other detectors see the same tracks). */
static void only_ours(lo_detect_config *cfg)
{
    static const lo_event_type ours[] = {LO_EV_WATCHLIST, LO_EV_ZONE_ENTRY, LO_EV_ZONE_EXIT, LO_EV_ZONE_DWELL};
    tu_enable_only(cfg, ours, sizeof ours / sizeof ours[0]);
}

static const int64_t T0 = 1712016000000; /* 2024-04-02T00:00:00Z */

static void point(lo_detector *d, lo_vessel *v, int64_t t, double lat, double lon)
{
    lo_track_point p = tu_track_point(v, t, lat, lon);
    bool first = v->reports == 0;
    v->last = p;
    v->has_position = true;
    v->last_seen_ms = t;
    v->reports++;
    if (first)
        lo_detect_on_vessel(d, v);
    lo_detect_on_point(d, v, &p);
}

/* A type 5: name, call sign, IMO, ship type (first values). */
static void statics(lo_detector *d, lo_vessel *v, int64_t t, const char *name, const char *call, uint32_t imo)
{
    v->reports++;
    v->last_seen_ms = t;
    v->types_seen |= 1u << 5;
    snprintf(v->id.name, sizeof v->id.name, "%s", name);
    snprintf(v->id.callsign, sizeof v->id.callsign, "%s", call);
    v->id.imo = imo;
    v->id.ship_type = 80;
    lo_detect_on_vessel(d, v);
}

static void test_detector(void **state)
{
    (void)state;
    lo_watchlist *w;
    lo_detect_error err;
    assert_int_equal(lo_watchlist_load(&w, OFAC, &err), 0);
    static const char BOX[] = "{\"type\":\"Feature\",\"properties\":{\"name\":\"OPL\"},\"geometry\":{\"type\":"
                              "\"Polygon\",\"coordinates\":[[[104.4,1.2],[104.8,1.2],[104.8,1.5],[104.4,1.5],"
                              "[104.4,1.2]]]}}";
    lo_zones *z = lo_zones_create();
    lo_geo_error gerr;
    assert_int_equal(lo_zones_add_geojson(z, BOX, strlen(BOX), "box", NULL, &gerr), 1);
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detect_env env = {.watch = w, .zones = z};
    lo_detect_callbacks cb = {.ctx = cap, .on_event = tu_on_event};
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    only_ours(&cfg);
    lo_detector *d = lo_detect_create(&cfg, &env, &cb);

    /* 1: the listed MMSI, heard first by a position. */
    lo_vessel a;
    tu_vessel_init(&a, 572469210);
    point(d, &a, T0, 1.0, 104.0);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 1);
    const lo_event *e = tu_events_nth(cap, LO_EV_WATCHLIST, 0);
    assert_int_equal(e->state, LO_EVENT_CLOSED);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_int_equal(e->start_ms, T0);
    assert_int_equal(e->end_ms, T0);
    assert_int_equal(e->vessels[0].watch, ARTAVIL);
    assert_non_null(strstr(e->params, "\"match\":\"mmsi\""));
    assert_non_null(strstr(e->params, "\"program\":\"IRAN\""));
    assert_non_null(strstr(e->params, "\"entry\":3"));
    assert_non_null(strstr(e->params, "entry 15036"));
    /* Its static data (IMO and alias name): the same entry, no second event. */
    statics(d, &a, T0 + 60000, "ALPHA", "T2EU4", 9187629);
    point(d, &a, T0 + 120000, 1.0, 104.01);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 1);

    /* 2: a vessel named ALPHA (the alias) with another call sign, static data
     * first: a weak match, raised at its first position with the static's
     * time, and no mark. */
    lo_vessel b;
    tu_vessel_init(&b, 563000111);
    statics(d, &b, T0 + 1000, "ALPHA", "9V1234", 0);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 1);
    point(d, &b, T0 + 5000, 1.1, 104.1);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 2);
    e = tu_events_nth(cap, LO_EV_WATCHLIST, 1);
    assert_int_equal(e->severity, LO_SEV_LOW);
    assert_int_equal(e->start_ms, T0 + 1000);
    assert_int_equal(e->vessels[0].watch, -1);
    assert_non_null(strstr(e->params, "\"match\":\"name\""));
    assert_non_null(strstr(e->params, "\"alias\":true"));
    assert_non_null(strstr(e->params, "weak"));

    /* 3: a vessel sending the listed IMO under another MMSI and name enters a
     * zone: the WATCHLIST event first, then the zone entry carrying the mark,
     * one severity level up (default rule LOW -> MEDIUM). */
    lo_vessel c;
    tu_vessel_init(&c, 667001234);
    point(d, &c, T0, 1.3, 104.2);
    statics(d, &c, T0 + 30000, "SEA HAWK", "9LAB7", 9187629);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 3);
    e = tu_events_nth(cap, LO_EV_WATCHLIST, 2);
    assert_int_equal(e->severity, LO_SEV_HIGH);
    assert_int_equal(e->start_ms, T0 + 30000);
    assert_non_null(strstr(e->params, "\"match\":\"imo\""));
    for (int i = 1; i <= 30; i++)
        point(d, &c, T0 + 30000 + i * 60000, 1.3, 104.2 + 0.01 * i);
    const lo_event *in = tu_events_nth(cap, LO_EV_ZONE_ENTRY, 0);
    assert_non_null(in);
    assert_int_equal(in->vessels[0].mmsi, 667001234);
    assert_int_equal(in->vessels[0].watch, ARTAVIL);
    assert_int_equal(in->severity, LO_SEV_MEDIUM);
    /* 4: named ALPHA but sending another valid IMO: another hull, INFO. */
    lo_vessel h;
    tu_vessel_init(&h, 563000333);
    statics(d, &h, T0, "ALPHA", "9V7777", 9074729);
    point(d, &h, T0 + 1000, 1.0, 103.5);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 4);
    e = tu_events_nth(cap, LO_EV_WATCHLIST, 3);
    assert_int_equal(e->severity, LO_SEV_INFO);
    assert_non_null(strstr(e->params, "another valid IMO"));
    /* 5: the listed MMSI heard first (HIGH, marked), then its type 5 brings
     * another valid IMO: the MMSI was reissued, the mark goes. */
    lo_vessel r;
    tu_vessel_init(&r, 256861000); /* DOWNY's MMSI */
    point(d, &r, T0, 35.9, 14.5);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 5);
    assert_int_equal(tu_events_nth(cap, LO_EV_WATCHLIST, 4)->severity, LO_SEV_HIGH);
    assert_int_equal(det_vessel_find(d, 256861000)->who.watch, 15);
    statics(d, &r, T0 + 60000, "MALTESE FALCON", "9HXX1", 9074729);
    assert_int_equal(det_vessel_find(d, 256861000)->who.watch, -1);
    /* 6: a vessel nobody lists. */
    lo_vessel n;
    tu_vessel_init(&n, 563000222);
    statics(d, &n, T0, "QUIET ONE", "9V9999", 9074729);
    point(d, &n, T0 + 1000, 1.0, 103.0);
    lo_detect_finish(d);
    assert_int_equal(tu_events_count(cap, LO_EV_WATCHLIST), 5);
    assert_true(d->watch.matches >= 5);
    lo_detect_destroy(d);
    lo_zones_destroy(z);
    lo_watchlist_destroy(w);
    free(cap);
}

/* A listed vessel heard only by its static data: reported at the end, without a place. */
static void test_unplaced(void **state)
{
    (void)state;
    lo_watchlist *w;
    lo_detect_error err;
    assert_int_equal(lo_watchlist_load(&w, OFAC, &err), 0);
    tu_events *cap = calloc(1, sizeof *cap);
    lo_detect_env env = {.watch = w};
    lo_detect_callbacks cb = {.ctx = cap, .on_event = tu_on_event};
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    only_ours(&cfg);
    lo_detector *d = lo_detect_create(&cfg, &env, &cb);
    lo_vessel a;
    tu_vessel_init(&a, 412000001);
    statics(d, &a, T0, "EBANO", "", 7406784);
    assert_int_equal(cap->n, 0);
    lo_detect_finish(d);
    assert_int_equal(cap->n, 1);
    assert_int_equal(cap->ev[0].type, LO_EV_WATCHLIST);
    assert_true(isnan(cap->ev[0].lat));
    assert_int_equal(cap->ev[0].start_ms, T0);
    assert_int_equal(cap->ev[0].vessels[0].watch, 1);
    lo_detect_destroy(d);
    lo_watchlist_destroy(w);
    free(cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_norm),   cmocka_unit_test(test_load_and_match),
        cmocka_unit_test(test_bad_files),   cmocka_unit_test(test_detector),
        cmocka_unit_test(test_unplaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
