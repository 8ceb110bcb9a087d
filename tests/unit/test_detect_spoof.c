/* test_detect_spoof.c - the spoof detector on synthetic tracks: jumps (one bad
 * position and back is one event, a displaced stretch is one event with both
 * ends, a jump that stays is ongoing, high-speed craft, SAR aircraft, reported
 * speed, same-second copies), on land (only when displaced there, inland
 * margin), many vessels at one point (jumped in: alert; a tight anchorage: none),
 * many vessels on one circle (one shared circle: alert; separate circles:
 * none; a moment's misfit: still one alert; closed and seen again: a second
 * alert from after the first one's end, another id), speed mismatch (0 kn reported while moving, sustained; noise: none)
 * and one MMSI at two places (alternating segments: alert; lone outliers:
 * none). The land is a 1 x 1 degree island at 0-1 N, 0-1 E. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect_int.h"
#include "lookout/detect.h"
#include "lookout/geo.h"

static const char ISLAND[] = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}";

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */
#define SEC 1000LL
#define MIN 60000LL
#define HOUR 3600000LL
#define NM_DEG (1.0 / 60.0)

typedef struct rec {
    lo_event_type type;
    lo_event_state state;
    lo_severity sev;
    uint64_t id;
    int64_t start, end;
    uint32_t nvessels, total, mmsi;
    char params[LO_EVENT_MAX_PARAMS];
} rec;

typedef struct evlog {
    unsigned n;
    rec r[2048];
} evlog;

static void on_event(void *ctx, const lo_event *e)
{
    evlog *l = ctx;
    if (l->n >= 2048)
        return;
    rec *r = &l->r[l->n++];
    r->type = e->type;
    r->state = e->state;
    r->sev = e->severity;
    r->id = e->id;
    r->start = e->start_ms;
    r->end = e->end_ms;
    r->nvessels = e->nvessels;
    r->total = e->vessels_total;
    r->mmsi = e->nvessels ? e->vessels[0].mmsi : 0;
    memcpy(r->params, e->params, sizeof r->params);
}

/* Final (closed or ongoing) events of one type. */
static unsigned finals(const evlog *l, lo_event_type t, const rec **first)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        if (l->r[i].type == t && l->r[i].state != LO_EVENT_OPEN) {
            if (!n && first)
                *first = &l->r[i];
            n++;
        }
    return n;
}

static bool spoof_type(lo_event_type t)
{
    return t == LO_EV_JUMP || t == LO_EV_ON_LAND || t == LO_EV_POSITION_CLUSTER || t == LO_EV_CIRCLE ||
           t == LO_EV_SPEED_MISMATCH || t == LO_EV_MMSI_SHARED;
}

/* Final events of this module's types (the other modules see these tracks too). */
static unsigned finals_all(const evlog *l)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        n += l->r[i].state != LO_EVENT_OPEN && spoof_type(l->r[i].type);
    return n;
}

typedef struct world {
    lo_detector *d;
    lo_land *land;
    evlog log;
} world;

static void world_init(world *w, const lo_detect_config *cfg, bool with_land)
{
    memset(w, 0, sizeof *w);
    lo_detect_env env = {0};
    if (with_land) {
        assert_int_equal(lo_land_from_geojson(&w->land, ISLAND, strlen(ISLAND), NULL, NULL), 0);
        env.land = w->land;
    }
    lo_detect_callbacks cb = {&w->log, on_event};
    w->d = lo_detect_create(cfg, &env, &cb);
    assert_non_null(w->d);
}

static void world_free(world *w)
{
    lo_detect_destroy(w->d);
    lo_land_destroy(w->land);
}

/* One position report as the tracker gives it. */
static void pos(world *w, uint32_t mmsi, uint8_t ship_type, int64_t t, double lat, double lon, double sog_kn,
                uint32_t segment)
{
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = mmsi;
    v.kind = lo_station_kind_of(mmsi);
    v.id.ship_type = ship_type;
    v.has_position = true;
    lo_track_point p;
    memset(&p, 0, sizeof p);
    p.mmsi = mmsi;
    p.time_ms = t;
    p.lat_udeg = (int32_t)lround(lat * 1e6);
    p.lon_udeg = (int32_t)lround(lon * 1e6);
    p.speed = sog_kn < 0 ? 1023 : (uint16_t)lround(sog_kn * 10);
    p.course = 3600;
    p.heading = 511;
    p.type = 1;
    p.status = 0;
    p.segment = segment;
    v.last = p;
    if (ship_type) {
        lo_detect_on_vessel(w->d, &v);
    }
    lo_detect_on_point(w->d, &v, &p);
}

/* ---- jumps --------------------------------------------------------------------------- */

static void test_jump_single_outlier(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 12 kn east along 10 N, a report every 10 s; report 30 is 10 nm north */
    for (int i = 0; i < 60; i++) {
        double lon = 20.0 + i * 10.0 / 3600.0 * 12.0 * NM_DEG;
        bool bad = i == 30;
        pos(&w, 244710450, 70, T0 + i * 10 * SEC, bad ? 10.0 + 10 * NM_DEG : 10.0, lon, 12, bad ? 2 : 1);
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_JUMP, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    assert_int_equal(r->sev, LO_SEV_LOW);
    assert_int_equal(r->start, T0 + 300 * SEC);
    assert_int_equal(r->end, T0 + 310 * SEC);
    assert_non_null(strstr(r->params, "\"displaced_reports\":1"));
    assert_non_null(strstr(r->params, "\"returned\":true"));
    assert_int_equal(finals_all(&w.log), 1);
    world_free(&w);
}

static void test_jump_displaced_stretch(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 3 h at 12 kn; from 1:00 to 1:40 the positions are 45 nm north-east */
    for (int i = 0; i < 3 * 360; i++) {
        int64_t t = T0 + i * 10 * SEC;
        double lat = 58.0 + i * 10.0 / 3600.0 * 12.0 * NM_DEG;
        bool out = t >= T0 + HOUR && t < T0 + HOUR + 40 * MIN;
        pos(&w, 244710450, 70, t, out ? lat + 0.53 : lat, out ? 21.0 + 1.07 : 21.0, 12, out ? 2 : 1);
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_JUMP, &r), 1);
    assert_int_equal(r->sev, LO_SEV_MEDIUM);
    assert_int_equal(r->start, T0 + HOUR);
    assert_int_equal(r->end, T0 + HOUR + 40 * MIN);
    assert_non_null(strstr(r->params, "\"displaced_reports\":240"));
    assert_non_null(strstr(r->params, "\"returned\":true"));
    /* the OPEN notice came first with the same id */
    assert_int_equal(w.log.r[0].state, LO_EVENT_OPEN);
    assert_true(w.log.r[0].id == r->id);
    /* no speed mismatch from the displaced stretch */
    assert_int_equal(finals(&w.log, LO_EV_SPEED_MISMATCH, NULL), 0);
    world_free(&w);
}

static void test_jump_one_way(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* at anchor, then (an MMSI swap) 12 nm away for good, a report every 3 min */
    for (int i = 0; i < 100; i++) {
        int64_t t = T0 + i * 3 * MIN;
        bool moved = i >= 20;
        pos(&w, 563041280, 80, t, moved ? 1.4 : 1.3, moved ? 104.68 : 104.5, 0, moved ? 2 : 1);
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_JUMP, &r), 1);
    assert_int_equal(r->state, LO_EVENT_ONGOING);
    assert_int_equal(r->start, T0 + 60 * MIN);
    assert_non_null(strstr(r->params, "\"returned\":false"));
    world_free(&w);

    /* with jump_return_h 1: closed after an hour there */
    lo_detect_config c;
    lo_detect_config_default(&c);
    c.jump_return_h = 1;
    world_init(&w, &c, false);
    for (int i = 0; i < 100; i++) {
        bool moved = i >= 20;
        pos(&w, 563041280, 80, T0 + i * 3 * MIN, moved ? 1.4 : 1.3, moved ? 104.68 : 104.5, 0, moved ? 2 : 1);
    }
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    world_free(&w);
}

/* Reports every 3 min at speed kn (sog sent as given) along the equator at 100 E. */
static unsigned fast_track(uint32_t mmsi, uint8_t type, double kn, double sog)
{
    world w;
    world_init(&w, NULL, false);
    for (int i = 0; i < 40; i++)
        pos(&w, mmsi, type, T0 + i * 3 * MIN, 0.5, 100.0 + i * 3.0 / 60.0 * kn * NM_DEG, sog, 1);
    lo_detect_finish(w.d);
    unsigned n = finals(&w.log, LO_EV_JUMP, NULL);
    world_free(&w);
    return n;
}

static void test_jump_thresholds(void **state)
{
    (void)state;
    /* 38 kn: never a jump; 55 kn: a jump for a cargo ship that does not say its speed ... */
    assert_int_equal(fast_track(244710450, 70, 38, -1), 0);
    assert_int_equal(fast_track(244710450, 70, 55, -1), 1);
    /* ... but not for a high-speed craft (70 kn), nor for a ship reporting 50 kn (x 1.25) */
    assert_int_equal(fast_track(244710450, 40, 55, -1), 0);
    assert_int_equal(fast_track(244710450, 70, 55, 50), 0);
    assert_int_equal(fast_track(244710450, 40, 80, -1), 1);
    /* a SAR aircraft (111MIDxxx) at 150 kn: not a ship */
    assert_int_equal(fast_track(111232506, 0, 150, 150), 0);
    assert_int_equal(fast_track(111232506, 0, 150, -1), 0);
}

static void test_jump_same_second(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* two receivers: the same second, 60 m apart: nothing */
    pos(&w, 244710450, 70, T0, 10.0, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0, 10.0005, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0 + 10 * SEC, 10.0, 20.0, 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);
    /* the same second 3 nm apart: a jump (time base 30 s: 360 kn) */
    world_init(&w, NULL, false);
    pos(&w, 244710450, 70, T0, 10.0, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0 + 10 * SEC, 10.0, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0 + 10 * SEC, 10.05, 20.0, 0, 2);
    pos(&w, 244710450, 70, T0 + 20 * SEC, 10.0, 20.0, 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 1);
    world_free(&w);
    /* 1.9 nm in 10 s: below jump_min_nm */
    world_init(&w, NULL, false);
    pos(&w, 244710450, 70, T0, 10.0, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0 + 10 * SEC, 10.0 + 1.9 * NM_DEG, 20.0, 0, 2);
    pos(&w, 244710450, 70, T0 + 20 * SEC, 10.0, 20.0, 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);
}

/* ---- on land ---------------------------------------------------------------------------- */

static void test_on_land(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, true);
    /* at sea west of the island, then displaced to its middle (55 km inland) for 30 min, back */
    for (int i = 0; i < 120; i++) {
        int64_t t = T0 + i * MIN;
        bool out = i >= 40 && i < 70;
        pos(&w, 244710450, 70, t, out ? 0.5 : 0.5, out ? 0.5 : -0.3, 0, out ? 2 : 1);
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_ON_LAND, &r), 1);
    assert_int_equal(r->start, T0 + 40 * MIN);
    assert_int_equal(r->end, T0 + 69 * MIN);
    assert_non_null(strstr(r->params, "\"reports\":30"));
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 1);
    /* look-ups throttled: the displaced positions do not move */
    assert_true(lo_detect_get_stats(w.d)->land_lookups <= 3);
    world_free(&w);

    /* a track that sails onto the island (a river the map calls land): no alert */
    world_init(&w, NULL, true);
    for (int i = 0; i < 200; i++)
        pos(&w, 244710450, 70, T0 + i * MIN, 0.5, -0.1 + i * 0.003, 10.8, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);

    /* displaced to 1 km inside the shore (a harbour): below the 2 km margin */
    world_init(&w, NULL, true);
    for (int i = 0; i < 60; i++) {
        bool out = i >= 20 && i < 40;
        pos(&w, 244710450, 70, T0 + i * MIN, 0.5, out ? 0.009 : -0.3, 0, out ? 2 : 1);
    }
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_ON_LAND, NULL), 0);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 1);
    world_free(&w);
}

/* ---- many vessels at one point ----------------------------------------------------------- */

static void test_cluster_jumped_in(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 8 ships at anchor 20-30 nm apart; from 1:00 to 2:00 all are shown at one point
     * within a few metres; a report every 3 min */
    for (int i = 0; i < 60; i++) {
        int64_t t = T0 + i * 3 * MIN;
        bool out = t >= T0 + HOUR && t < T0 + 2 * HOUR;
        for (int k = 0; k < 8; k++) {
            double lat = out ? 44.582 + k * 0.00002 : 44.0 + k * 0.4;
            double lon = out ? 38.013 : 37.0;
            pos(&w, 273000100 + (uint32_t)k * 7, 70, t + k * SEC, lat, lon, 0, out ? 2 : 1);
        }
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_POSITION_CLUSTER, &r), 1);
    assert_int_equal(r->total, 8);
    assert_true(r->start >= T0 + HOUR && r->start <= T0 + HOUR + 3 * MIN);
    assert_true(r->end >= T0 + 2 * HOUR - 4 * MIN && r->end < T0 + 2 * HOUR);
    assert_int_equal(r->sev, LO_SEV_HIGH);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 8);
    world_free(&w);
}

static void test_cluster_anchorage(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 10 ships anchored within 80 m of each other (a crowded anchorage, 15-80 m apart): nothing */
    for (int i = 0; i < 60; i++)
        for (int k = 0; k < 10; k++)
            pos(&w, 273000100 + (uint32_t)k * 7, 70, T0 + i * 3 * MIN + k * SEC, 44.0 + (k % 5) * 0.00015,
                37.0 + (k / 5) * 0.0003, 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);
    /* the same 10 at one position (within 3 m) without jumping: "the same point" */
    world_init(&w, NULL, false);
    for (int i = 0; i < 20; i++)
        for (int k = 0; k < 10; k++)
            pos(&w, 273000100 + (uint32_t)k * 7, 70, T0 + i * 3 * MIN + k * SEC, 44.0 + (k % 3) * 0.00001, 37.0, 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_POSITION_CLUSTER, NULL), 1);
    world_free(&w);
}

/* ---- circles ------------------------------------------------------------------------------ */

/* n vessels evenly spaced on a circle of r_m round (clat, clon), going round at kn
 * for 1 h, a report every 10 s; centre_step moves each vessel's circle east. */
static void circle_run(world *w, int n, double clat, double clon, double r_m, double kn, double centre_step_m)
{
    double w_rad = kn * LO_NM_M / 3600.0 / r_m; /* rad/s */
    for (int i = 0; i < 360; i++)
        for (int k = 0; k < n; k++) {
            double a = 2 * M_PI * k / n + w_rad * i * 10.0;
            double x = r_m * cos(a) + centre_step_m * k, y = r_m * sin(a);
            double lat = clat + y / 111194.93, lon = clon + x / (111194.93 * cos(clat * M_PI / 180));
            pos(w, 413000100 + (uint32_t)k * 11, 70, T0 + i * 10 * SEC + k * 100, lat, lon, kn, 1);
        }
}

static void test_circle(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    circle_run(&w, 6, 31.38, 121.50, 1000, 8, 0);
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_CIRCLE, &r), 1);
    assert_int_equal(r->total, 6);
    assert_int_equal(r->sev, LO_SEV_HIGH);
    /* the radius found: 1000 m within the tolerance */
    const char *p = strstr(r->params, "\"radius_m\":");
    assert_non_null(p);
    double rad = atof(p + 11);
    assert_true(fabs(rad - 1000) < 50);
    /* going round 180 degrees at 8 kn takes 12.7 min on a 1 km circle */
    assert_true(r->start < T0 + 5 * MIN);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 0);
    assert_int_equal(finals(&w.log, LO_EV_SPEED_MISMATCH, NULL), 0);
    world_free(&w);

    /* six vessels each on its own circle, 3 km apart (tugs, seiners): nothing */
    world_init(&w, NULL, false);
    circle_run(&w, 6, 31.38, 121.50, 1000, 8, 3000);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);

    /* four on one circle: below circle_min_vessels (5) */
    world_init(&w, NULL, false);
    circle_run(&w, 4, 31.38, 121.50, 1000, 8, 0);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);
}

/* n vessels on a circle of r_m at kn, reports i0 .. i1 - 1 (every 10 s from T0, as
 * circle_run); reports glitch0 .. glitch1 - 1 are 400 m outside the circle. */
static void circle_span(world *w, int n, double r_m, double kn, int i0, int i1, int glitch0, int glitch1)
{
    const double clat = 31.38, clon = 121.50;
    double w_rad = kn * LO_NM_M / 3600.0 / r_m;
    for (int i = i0; i < i1; i++)
        for (int k = 0; k < n; k++) {
            double a = 2 * M_PI * k / n + w_rad * i * 10.0;
            double rr = i >= glitch0 && i < glitch1 ? r_m + 400 : r_m;
            double x = rr * cos(a), y = rr * sin(a);
            double lat = clat + y / 111194.93, lon = clon + x / (111194.93 * cos(clat * M_PI / 180));
            pos(w, 413000100 + (uint32_t)k * 11, 70, T0 + i * 10 * SEC + k * 100, lat, lon, kn, 1);
        }
}

/* One report of a ship far away: the data clock moves on to t. */
static void elsewhere(world *w, int64_t t) { pos(w, 244710450, 70, t, 10.0, 20.0, 0, 1); }

static void test_circle_misfit_and_reopen(void **state)
{
    (void)state;
    world w;
    const rec *r = NULL;

    /* A moment's misfit: every ship is 400 m off the circle for a minute
     * (seven reports, two or three samples) half an hour in. Each loses its
     * fit and needs 180 degrees again, but the circle stays one event: it
     * closes only when no ship has been on it for cluster_window_min. When
     * the circling ends it closes (the clock moved 40 min on). */
    world_init(&w, NULL, false);
    circle_span(&w, 6, 1000, 8, 0, 180, -1, -1);
    circle_span(&w, 6, 1000, 8, 180, 187, 180, 187);
    for (int k = 0; k < 6; k++) {
        const dvessel *dv = det_vessel_find(w.d, 413000100 + (uint32_t)k * 11);
        assert_non_null(dv);
        assert_false(dv->spoof.cc_fit); /* the misfit happened */
    }
    circle_span(&w, 6, 1000, 8, 187, 360, -1, -1);
    elsewhere(&w, T0 + 100 * MIN);
    assert_int_equal(finals(&w.log, LO_EV_CIRCLE, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    assert_true(r->start < T0 + 5 * MIN);
    assert_true(r->end >= T0 + 59 * MIN && r->end < T0 + 60 * MIN);
    uint64_t id = r->id;
    unsigned opens = 0;
    for (unsigned i = 0; i < w.log.n; i++)
        if (w.log.r[i].type == LO_EV_CIRCLE) {
            opens += w.log.r[i].state == LO_EVENT_OPEN;
            assert_true(w.log.r[i].id == id);
        }
    assert_int_equal(opens, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_CIRCLE, NULL), 1);
    world_free(&w);

    /* Closed, then seen again at the same place: the ships circle for 30 min,
     * another ship's report 40 min later moves the data clock past the window
     * (receive times out of order across ships) and closes the circle; the
     * ships' next reports (behind the clock) show them still going round. The
     * second event starts when it is seen again, after the first one's end
     * (not when the ships' fits began, which was the first event's start), so
     * its id differs and the first id is never opened again (fuzz_detect
     * finding 12). */
    world_init(&w, NULL, false);
    circle_span(&w, 6, 1000, 8, 0, 180, -1, -1);
    elsewhere(&w, T0 + 70 * MIN);
    assert_int_equal(finals(&w.log, LO_EV_CIRCLE, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    int64_t end1 = r->end, start1 = r->start;
    uint64_t id1 = r->id;
    circle_span(&w, 6, 1000, 8, 180, 360, -1, -1);
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_CIRCLE, NULL), 2);
    const rec *second = NULL;
    unsigned opened_after_close = 0;
    bool closed_seen = false;
    for (unsigned i = 0; i < w.log.n; i++) {
        const rec *x = &w.log.r[i];
        if (x->type != LO_EV_CIRCLE)
            continue;
        if (x->id == id1 && x->state != LO_EVENT_OPEN)
            closed_seen = true;
        else if (x->id == id1)
            opened_after_close += closed_seen; /* the closed id again: the finding */
        if (x->state == LO_EVENT_ONGOING)
            second = x;
    }
    assert_int_equal(opened_after_close, 0);
    assert_non_null(second);
    assert_true(second->id != id1);
    assert_true(second->start > end1 && second->start > start1);
    assert_true(second->start <= T0 + 32 * MIN); /* at its first sample after the close */
    assert_int_equal(second->total, 6);
    world_free(&w);
}

/* A position cluster closed by the data clock while its ships stay behind it
 * at the point (receive times out of order across ships, as for circles: the
 * finding 12 pattern): the closed id never opens again, and a cluster raised
 * there again is another event starting after the first one's end. */
static void test_cluster_reopen(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 8 ships shown at one point, a report every 3 min from 0:00 to 0:30 */
    for (int i = 0; i <= 10; i++)
        for (int k = 0; k < 8; k++)
            pos(&w, 273000100 + (uint32_t)k * 7, 70, T0 + i * 3 * MIN + k * SEC, 44.582 + k * 0.00002, 38.013, 0, 1);
    elsewhere(&w, T0 + 70 * MIN);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_POSITION_CLUSTER, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    uint64_t id1 = r->id;
    int64_t end1 = r->end;
    /* the same ships at the same point, 0:33 to 1:03, behind the clock */
    for (int i = 11; i <= 21; i++)
        for (int k = 0; k < 8; k++)
            pos(&w, 273000100 + (uint32_t)k * 7, 70, T0 + i * 3 * MIN + k * SEC, 44.582 + k * 0.00002, 38.013, 0, 1);
    lo_detect_finish(w.d);
    bool closed_seen = false;
    unsigned reopened = 0;
    for (unsigned i = 0; i < w.log.n; i++) {
        const rec *x = &w.log.r[i];
        if (x->type != LO_EV_POSITION_CLUSTER)
            continue;
        if (x->id == id1 && x->state != LO_EVENT_OPEN)
            closed_seen = true;
        else if (x->id == id1)
            reopened += closed_seen;
        else
            assert_true(x->start > end1); /* a second cluster: after the first */
    }
    assert_true(closed_seen);
    assert_int_equal(reopened, 0);
    world_free(&w);
}

/* ---- speed mismatch ------------------------------------------------------------------------ */

static void test_speed_mismatch(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* 3 h at 15 kn reporting 0 kn, a report every 10 s */
    for (int i = 0; i < 3 * 360; i++)
        pos(&w, 244710450, 70, T0 + i * 10 * SEC, 10.0 + i * 10.0 / 3600.0 * 15 * NM_DEG, 20.0, 0, 1);
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_SPEED_MISMATCH, &r), 1);
    assert_int_equal(r->state, LO_EVENT_ONGOING);
    assert_int_equal(r->start, T0);
    assert_true(r->end >= T0 + 3 * HOUR - 11 * MIN);
    assert_non_null(strstr(r->params, "\"reported_kn\":0.0"));
    world_free(&w);

    /* 20 kn reported while lying still with 10 m of noise, 40 min then honest: too short */
    world_init(&w, NULL, false);
    for (int i = 0; i < 2 * 360; i++)
        pos(&w, 244710450, 70, T0 + i * 10 * SEC, 10.0 + (i % 3) * 0.00009, 20.0, i < 240 ? 20 : 0, 1);
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);

    /* honest 12 kn: nothing; 8 kn off (below 10 kn): nothing */
    world_init(&w, NULL, false);
    for (int i = 0; i < 3 * 360; i++) {
        pos(&w, 244710450, 70, T0 + i * 10 * SEC, 10.0 + i * 10.0 / 3600.0 * 12 * NM_DEG, 20.0, 12, 1);
        pos(&w, 244710451, 70, T0 + i * 10 * SEC, 12.0 + i * 10.0 / 3600.0 * 12 * NM_DEG, 20.0, 4, 1);
    }
    lo_detect_finish(w.d);
    assert_int_equal(finals_all(&w.log), 0);
    world_free(&w);
}

/* ---- one MMSI at two places ------------------------------------------------------------------ */

static void test_mmsi_shared(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    /* two transmitters 30 km apart on one MMSI, each every 3 min, for 3 h */
    for (int i = 0; i < 60; i++) {
        pos(&w, 244711426, 0, T0 + i * 3 * MIN, 52.0, 5.0, 0, 1);
        pos(&w, 244711426, 0, T0 + i * 3 * MIN + 90 * SEC, 52.27, 5.0, 0, 2);
    }
    lo_detect_finish(w.d);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_MMSI_SHARED, &r), 1);
    assert_int_equal(r->state, LO_EVENT_ONGOING);
    assert_true(r->start <= T0 + 10 * MIN);
    /* the first excursion is a jump; the rest is the shared MMSI */
    assert_true(finals(&w.log, LO_EV_JUMP, NULL) <= 1);
    world_free(&w);

    /* three lone outliers 50 km off in 3 h: each a jump, never a shared MMSI */
    world_init(&w, NULL, false);
    uint32_t seg = 1;
    for (int i = 0; i < 60; i++) {
        bool bad = i == 10 || i == 25 || i == 40;
        pos(&w, 244711426, 0, T0 + i * 3 * MIN, bad ? 52.45 : 52.0, 5.0, 0, bad ? ++seg : 1);
    }
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_MMSI_SHARED, NULL), 0);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 3);
    world_free(&w);
}

/* ---- memory and eviction ---------------------------------------------------------------------- */

static void test_evict_closes(void **state)
{
    (void)state;
    world w;
    world_init(&w, NULL, false);
    pos(&w, 244710450, 70, T0, 10.0, 20.0, 0, 1);
    pos(&w, 244710450, 70, T0 + MIN, 11.0, 20.0, 0, 2);
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = 244710450;
    lo_detect_on_evict(w.d, &v);
    const rec *r = NULL;
    assert_int_equal(finals(&w.log, LO_EV_JUMP, &r), 1);
    assert_int_equal(r->state, LO_EVENT_CLOSED);
    lo_detect_finish(w.d);
    assert_int_equal(finals(&w.log, LO_EV_JUMP, NULL), 1);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jump_single_outlier),
        cmocka_unit_test(test_jump_displaced_stretch),
        cmocka_unit_test(test_jump_one_way),
        cmocka_unit_test(test_jump_thresholds),
        cmocka_unit_test(test_jump_same_second),
        cmocka_unit_test(test_on_land),
        cmocka_unit_test(test_cluster_jumped_in),
        cmocka_unit_test(test_cluster_anchorage),
        cmocka_unit_test(test_circle),
        cmocka_unit_test(test_circle_misfit_and_reopen),
        cmocka_unit_test(test_cluster_reopen),
        cmocka_unit_test(test_speed_mismatch),
        cmocka_unit_test(test_mmsi_shared),
        cmocka_unit_test(test_evict_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
