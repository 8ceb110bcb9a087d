/* test_detect_motion.c - the motion detectors on synthetic tracks: AIS gaps
 * (OPEN while silent, CLOSED by the next position, ONGOING at the end) and
 * GFW's suspected disabling with each of its rules on both sides of its
 * threshold; encounters and rendezvous candidates (distance, duration, median
 * speed, port screen, pair cap, the antimeridian, dead reckoning); loitering
 * (speed, duration, shore distance, one shore look-up a run). The world is a
 * 1 x 1 degree island at 0-1 N, 0-1 E and one port, so every distance to
 * the shore is known. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect_int.h"
#include "lookout/detect.h"
#include "lookout/geo.h"

/* ---- the world and the event log ------------------------------------------------------ */

static const char ISLAND[] = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}";

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL
#define NM_DEG (1.0 / 60.0) /* one nautical mile of latitude, roughly */

typedef struct rec {
    lo_event_type type;
    lo_event_state state;
    uint64_t id;
    int64_t start, end;
    uint32_t nvessels, mmsi[2];
    char params[LO_EVENT_MAX_PARAMS];
    uint32_t nevidence;
} rec;

typedef struct evlog {
    unsigned n;
    rec r[256];
} evlog;

static void on_event(void *ctx, const lo_event *e)
{
    evlog *l = ctx;
    if (l->n >= 256)
        return;
    rec *r = &l->r[l->n++];
    r->type = e->type;
    r->state = e->state;
    r->id = e->id;
    r->start = e->start_ms;
    r->end = e->end_ms;
    r->nvessels = e->nvessels;
    r->mmsi[0] = e->nvessels > 0 ? e->vessels[0].mmsi : 0;
    r->mmsi[1] = e->nvessels > 1 ? e->vessels[1].mmsi : 0;
    snprintf(r->params, sizeof r->params, "%s", e->params);
    r->nevidence = e->nevidence;
}

typedef struct world {
    lo_land *land;
    lo_ports *ports;
    char port_csv[64];
    evlog log;
    lo_detector *d;
} world;

static world *world_new(const lo_detect_config *cfg, bool with_land, bool with_port)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    if (with_land)
        assert_int_equal(lo_land_from_geojson(&w->land, ISLAND, strlen(ISLAND), NULL, NULL), 0);
    if (with_port) {
        /* One port at 0.5 N 3.0 E: 120 nm east of the island. */
        snprintf(w->port_csv, sizeof w->port_csv, "/tmp/test_detect_motion_XXXXXX");
        int fd = mkstemp(w->port_csv);
        assert_true(fd >= 0);
        const char csv[] = "wpi_number,name,unlocode,country,lat,lon\n1,Testport,XX TST,Nowhere,0.5,3.0\n";
        assert_int_equal(write(fd, csv, sizeof csv - 1), (ssize_t)(sizeof csv - 1));
        close(fd);
        assert_int_equal(lo_ports_load(&w->ports, w->port_csv, NULL, NULL), 0);
    }
    lo_detect_env env = {.land = w->land, .ports = w->ports};
    lo_detect_callbacks cb = {.ctx = &w->log, .on_event = on_event};
    /* The handover module's port look-ups (one per new vessel) would blur the
     * encounter counts checked here: it has its own test. */
    lo_detect_config c;
    if (cfg)
        c = *cfg;
    else
        lo_detect_config_default(&c);
    c.enable[LO_EV_IDENTITY_HANDOVER] = false;
    w->d = lo_detect_create(&c, &env, &cb);
    assert_non_null(w->d);
    return w;
}

static void world_free(world *w)
{
    lo_detect_destroy(w->d);
    lo_land_destroy(w->land);
    lo_ports_destroy(w->ports);
    if (w->port_csv[0])
        unlink(w->port_csv);
    free(w);
}

static uint32_t next_segment = 1; /* the tracker's segment of the next report */

/* One position report. */
static void pos(world *w, uint32_t mmsi, int64_t t, double lat, double lon, double kn, double course, int status)
{
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = mmsi;
    v.kind = lo_station_kind_of(mmsi);
    lo_track_point p;
    memset(&p, 0, sizeof p);
    p.mmsi = mmsi;
    p.time_ms = t;
    p.lat_udeg = (int32_t)llround(lat * 1e6);
    p.lon_udeg = (int32_t)llround(lon * 1e6);
    p.speed = kn < 0 ? 1023 : (uint16_t)llround(kn * 10);
    p.course = course < 0 ? 3600 : (uint16_t)llround(course * 10);
    p.heading = 511;
    p.type = 1;
    p.status = (uint8_t)status;
    p.segment = next_segment;
    lo_detect_on_point(w->d, &v, &p);
}

/* A clock vessel far out, so the data clock moves while others are silent. */
#define CLOCK 311000001u
static void clock_run(world *w, int64_t from, int64_t to, int64_t step)
{
    for (int64_t t = from; t <= to; t += step)
        pos(w, CLOCK, t, -5.0, 10.0, 12, 90, 0);
}

static unsigned count(const evlog *l, lo_event_type type, lo_event_state state)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        n += l->r[i].type == type && l->r[i].state == state;
    return n;
}

static const rec *find(const evlog *l, lo_event_type type, lo_event_state state, uint32_t mmsi)
{
    for (unsigned i = 0; i < l->n; i++)
        if (l->r[i].type == type && l->r[i].state == state && (!mmsi || l->r[i].mmsi[0] == mmsi))
            return &l->r[i];
    return NULL;
}

/* Events of the motion detectors' types (other modules see the same tracks). */
static unsigned mine(const evlog *l)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        n += l->r[i].type == LO_EV_GAP || l->r[i].type == LO_EV_DISABLING || l->r[i].type == LO_EV_ENCOUNTER ||
             l->r[i].type == LO_EV_RENDEZVOUS || l->r[i].type == LO_EV_LOITERING;
    return n;
}

/* A number from the params JSON ("key":value). */
static double param(const rec *r, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *s = strstr(r->params, k);
    if (!s)
        return NAN;
    return strtod(s + strlen(k), NULL);
}

/* ---- gaps ------------------------------------------------------------------------------ */

#define SHIP 229387000u

/* Reports every `every` ms from `from` to `to` at a fixed point. */
static void steady(world *w, uint32_t mmsi, int64_t from, int64_t to, int64_t every, double lat, double lon)
{
    for (int64_t t = from; t <= to; t += every)
        pos(w, mmsi, t, lat, lon, 0.3, 45, 0);
}

static void test_gap_open_then_closed(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    steady(w, SHIP, T0, T0 + 12 * HOUR, 10 * MIN, 0.5, 3.0); /* 120 nm out */
    /* Silent 8 h while the clock vessel reports every 5 min. */
    clock_run(w, T0, T0 + 20 * HOUR + 5 * MIN, 5 * MIN);
    const rec *o = find(&w->log, LO_EV_GAP, LO_EVENT_OPEN, SHIP);
    assert_non_null(o);
    assert_int_equal(o->start, T0 + 12 * HOUR);
    /* Noticed at the first clock minute after 6 h of silence (reports every 5 min). */
    assert_true(o->end >= T0 + 18 * HOUR && o->end <= T0 + 18 * HOUR + 5 * MIN);
    assert_int_equal(count(&w->log, LO_EV_GAP, LO_EVENT_OPEN), 1); /* parked: noticed once */
    pos(w, SHIP, T0 + 20 * HOUR, 0.5, 3.1, 0.3, 45, 0);
    const rec *c = find(&w->log, LO_EV_GAP, LO_EVENT_CLOSED, SHIP);
    assert_non_null(c);
    assert_int_equal(c->id, o->id);
    assert_int_equal(c->start, T0 + 12 * HOUR);
    assert_int_equal(c->end, T0 + 20 * HOUR);
    assert_true(fabs(param(c, "gap_h") - 8.0) < 0.01);
    assert_true(fabs(param(c, "distance_nm") - 6.0) < 0.1); /* 0.1 degree of longitude at 0.5 N */
    assert_true(fabs(param(c, "implied_speed_kn") - 0.75) < 0.06); /* one decimal */
    assert_true(param(c, "start_shore_nm") > 119 || param(c, "start_shore_nm_min") == 100);
    assert_int_equal(c->nevidence, 2);
    assert_int_equal(count(&w->log, LO_EV_DISABLING, LO_EVENT_CLOSED), 0);
    lo_detect_finish(w->d);
    assert_int_equal(count(&w->log, LO_EV_GAP, LO_EVENT_ONGOING), 0);
    world_free(w);
}

/* A 20 h silence far out after reports every `every`: disabling or not. */
static const rec *long_gap(world *w, int64_t every, double end_lon)
{
    steady(w, SHIP, T0, T0 + 12 * HOUR, every, 0.5, 3.0);
    clock_run(w, T0, T0 + 32 * HOUR, 10 * MIN);
    pos(w, SHIP, T0 + 32 * HOUR + MIN, 0.5, end_lon, 8, 90, 0);
    const rec *r = find(&w->log, LO_EV_DISABLING, LO_EVENT_CLOSED, SHIP);
    return r ? r : find(&w->log, LO_EV_GAP, LO_EVENT_CLOSED, SHIP);
}

static void test_disabling(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    const rec *r = long_gap(w, 10 * MIN, 2.5); /* ends 90 nm out */
    assert_non_null(r);
    assert_int_equal(r->type, LO_EV_DISABLING);
    const rec *o = find(&w->log, LO_EV_GAP, LO_EVENT_OPEN, SHIP);
    assert_non_null(o);
    /* It replaces the gap notice: same vessel, start and salt, another type (so another id). */
    assert_int_equal(r->start, o->start);
    assert_int_not_equal(r->id, o->id);
    assert_int_equal(count(&w->log, LO_EV_GAP, LO_EVENT_CLOSED), 0);
    assert_true(param(r, "gap_h") >= 20.0);
    assert_int_equal((int)param(r, "reports_before"), DET_GAP_RECENT); /* 73 in 12 h: the ring is full */
    assert_true(param(r, "end_shore_nm") > 85 && param(r, "end_shore_nm") < 95);
    world_free(w);
}

static void test_disabling_needs_regular_reports(void **state)
{
    (void)state;
    /* Every 55 min: 14 positions in the 12 h up to the last one, the last included. */
    world *w = world_new(NULL, true, false);
    const rec *r = long_gap(w, 55 * MIN, 2.5);
    assert_int_equal(r->type, LO_EV_DISABLING);
    assert_int_equal((int)param(r, "reports_before"), 14);
    world_free(w);
    /* Every 60 min: 13. */
    w = world_new(NULL, true, false);
    r = long_gap(w, 60 * MIN, 2.5);
    assert_int_equal(r->type, LO_EV_GAP);
    assert_int_equal((int)param(r, "reports_before"), 13);
    assert_non_null(strstr(r->params, "too few reports"));
    world_free(w);
}

static void test_disabling_needs_offshore_ends(void **state)
{
    (void)state;
    /* Ends 0.6 degrees (36 nm) east of the island: not 50 nm. */
    world *w = world_new(NULL, true, false);
    const rec *r = long_gap(w, 10 * MIN, 1.6);
    assert_int_equal(r->type, LO_EV_GAP);
    assert_true(fabs(param(r, "end_shore_nm") - 36.0) < 0.5);
    assert_non_null(strstr(r->params, "ended near shore"));
    world_free(w);
    /* Without land data no shore distance is known: never a disabling. */
    w = world_new(NULL, false, false);
    r = long_gap(w, 10 * MIN, 2.5);
    assert_int_equal(r->type, LO_EV_GAP);
    assert_non_null(strstr(r->params, "no land data"));
    world_free(w);
    /* 11 h is a gap. */
    w = world_new(NULL, true, false);
    steady(w, SHIP, T0, T0 + 12 * HOUR, 10 * MIN, 0.5, 3.0);
    pos(w, SHIP, T0 + 23 * HOUR, 0.5, 3.0, 0.3, 45, 0);
    assert_non_null(find(&w->log, LO_EV_GAP, LO_EVENT_CLOSED, SHIP));
    assert_null(find(&w->log, LO_EV_DISABLING, LO_EVENT_CLOSED, 0));
    world_free(w);
}

static void test_gap_thresholds_and_stations(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    /* 5 h 59 min: no gap; 6 h exactly: a gap. */
    pos(w, SHIP, T0, 0.5, 3.0, 5, 90, 0);
    pos(w, SHIP, T0 + 6 * HOUR - MIN, 0.5, 3.0, 5, 90, 0);
    assert_int_equal(mine(&w->log), 0);
    pos(w, SHIP, T0 + 12 * HOUR - MIN, 0.5, 3.0, 5, 90, 0);
    assert_non_null(find(&w->log, LO_EV_GAP, LO_EVENT_CLOSED, SHIP));
    /* Aids to navigation, base stations, SAR aircraft: never. */
    const uint32_t others[] = {992351234u, 2320001u, 111232506u};
    for (unsigned i = 0; i < 3; i++) {
        pos(w, others[i], T0, 0.5, 3.0, 0, 0, 15);
        pos(w, others[i], T0 + 30 * HOUR, 0.5, 3.0, 0, 0, 15);
    }
    clock_run(w, T0 + 30 * HOUR, T0 + 40 * HOUR, 10 * MIN);
    lo_detect_finish(w->d);
    for (unsigned i = 0; i < w->log.n; i++)
        if (w->log.r[i].type == LO_EV_GAP || w->log.r[i].type == LO_EV_DISABLING)
            assert_true(w->log.r[i].mmsi[0] == SHIP);
    world_free(w);
}

static void test_gap_ongoing_at_finish(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    steady(w, SHIP, T0, T0 + 2 * HOUR, 10 * MIN, 0.5, 3.0);
    clock_run(w, T0, T0 + 30 * HOUR, 10 * MIN);
    lo_detect_finish(w->d);
    const rec *o = find(&w->log, LO_EV_GAP, LO_EVENT_OPEN, SHIP);
    const rec *g = find(&w->log, LO_EV_GAP, LO_EVENT_ONGOING, SHIP);
    assert_non_null(o);
    assert_non_null(g);
    assert_int_equal(g->id, o->id);
    assert_int_equal(g->end, T0 + 30 * HOUR);
    assert_true(fabs(param(g, "silent_h") - 28.0) < 0.01);
    /* 13 reports in 12 h before: not a disabling candidate. */
    assert_non_null(strstr(g->params, "\"disabling_candidate\":false"));
    world_free(w);
}

/* ---- loitering ------------------------------------------------------------------------- */

#define LOITERER 657120300u

/* Slow wander round (lat, lon) for `hours` from `from`, every 10 s... 1 min. */
static int64_t slow(world *w, uint32_t mmsi, int64_t from, double hours, double lat, double lon, double kn)
{
    int64_t t = from;
    for (int i = 0; t < from + (int64_t)(hours * HOUR); i++, t += MIN)
        pos(w, mmsi, t, lat + 0.002 * sin(i / 30.0), lon + 0.002 * cos(i / 30.0), kn, (i * 3) % 360, 0);
    return t;
}

static void fast(world *w, uint32_t mmsi, int64_t from, double hours, double lat, double lon)
{
    for (int64_t t = from; t < from + (int64_t)(hours * HOUR); t += MIN)
        pos(w, mmsi, t, lat, lon + (double)(t - from) / HOUR * 12 * NM_DEG, 12, 90, 0);
}

static void test_loitering(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    int64_t t = slow(w, LOITERER, T0, 5.0, 0.5, 1.5, 1.0); /* 30 nm out */
    const rec *o = find(&w->log, LO_EV_LOITERING, LO_EVENT_OPEN, LOITERER);
    assert_non_null(o);
    assert_int_equal(o->start, T0);
    assert_int_equal(o->end, T0 + 4 * HOUR); /* the first position 4 h into the run */
    uint64_t lookups = lo_detect_get_stats(w->d)->shore_lookups;
    fast(w, LOITERER, t, 1.0, 0.5, 1.5);
    const rec *c = find(&w->log, LO_EV_LOITERING, LO_EVENT_CLOSED, LOITERER);
    assert_non_null(c);
    assert_int_equal(c->id, o->id);
    assert_int_equal(c->start, T0);
    assert_int_equal(c->end, t - MIN); /* the last slow position */
    assert_true(fabs(param(c, "mean_speed_kn") - 1.0) < 1e-9);
    assert_true(fabs(param(c, "shore_nm") - 30.0) < 0.2);
    assert_int_equal((int)param(c, "positions"), 300);
    assert_true(c->nevidence >= 10);
    /* One shore look-up for the whole run. */
    assert_int_equal(lo_detect_get_stats(w->d)->shore_lookups, lookups);
    assert_int_equal(lookups, 1);
    world_free(w);
}

static void test_loitering_rules(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    /* Near shore (6 nm): slow for 6 h, no event. */
    int64_t t = slow(w, 657000001u, T0, 6.0, 0.5, 1.1, 0.5);
    fast(w, 657000001u, t, 0.5, 0.5, 1.1);
    /* Far, but 3.9 h. */
    t = slow(w, 657000002u, T0, 3.9, 0.5, 2.0, 0.5);
    fast(w, 657000002u, t, 0.5, 0.5, 2.0);
    /* Far, 6 h, but at 2.0 kn (the limit is below 2). */
    t = slow(w, 657000003u, T0, 6.0, 0.5, 2.5, 2.0);
    fast(w, 657000003u, t, 0.5, 0.5, 2.5);
    lo_detect_finish(w->d);
    assert_int_equal(count(&w->log, LO_EV_LOITERING, LO_EVENT_OPEN) +
                         count(&w->log, LO_EV_LOITERING, LO_EVENT_CLOSED) +
                         count(&w->log, LO_EV_LOITERING, LO_EVENT_ONGOING),
                     0);
    world_free(w);
    /* One fast report in a slow run does not split it; a run still going at the end is ONGOING. */
    w = world_new(NULL, true, false);
    t = slow(w, LOITERER, T0, 3.0, 0.5, 2.0, 1.0);
    pos(w, LOITERER, t, 0.5, 2.0, 6.0, 90, 0);
    t = slow(w, LOITERER, t + MIN, 3.0, 0.5, 2.0, 1.0);
    lo_detect_finish(w->d);
    const rec *g = find(&w->log, LO_EV_LOITERING, LO_EVENT_ONGOING, LOITERER);
    assert_non_null(g);
    assert_int_equal(g->start, T0);
    assert_int_equal(g->end, t - MIN);
    assert_int_equal(count(&w->log, LO_EV_LOITERING, LO_EVENT_CLOSED), 0);
    world_free(w);
    /* One MMSI from two transmitters (two tracker segments) 5 nm apart, both
     * slow for 6 h: never one slow run. */
    w = world_new(NULL, true, false);
    for (t = T0; t < T0 + 6 * HOUR; t += MIN) {
        next_segment = 1 + (unsigned)((t / MIN) % 2);
        pos(w, LOITERER, t, 0.5, next_segment == 1 ? 2.0 : 2.083, 0.5, 0, 0);
    }
    next_segment = 1;
    lo_detect_finish(w->d);
    assert_int_equal(count(&w->log, LO_EV_LOITERING, LO_EVENT_OPEN) + count(&w->log, LO_EV_LOITERING, LO_EVENT_ONGOING),
                     0); /* (the spoofing module sees the jumps) */
    world_free(w);
    /* Without land data, no loitering (the shore rule cannot be checked). */
    w = world_new(NULL, false, false);
    slow(w, LOITERER, T0, 6.0, 0.5, 2.0, 1.0);
    lo_detect_finish(w->d);
    assert_int_equal(mine(&w->log), 0);
    world_free(w);
}

static void test_loitering_at_anchor_or_moored(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, false);
    int64_t t;
    for (t = T0; t < T0 + 6 * HOUR; t += 3 * MIN)
        pos(w, LOITERER, t, 0.5, 2.0, 0.1, 0, 1); /* status 1: at anchor */
    lo_detect_finish(w->d);
    const rec *g = find(&w->log, LO_EV_LOITERING, LO_EVENT_ONGOING, LOITERER);
    assert_non_null(g);
    assert_true(param(g, "at_anchor_fraction") == 1.0);
    world_free(w);
    /* Moored (status 5) is made fast, not loitering, and needs no look-up. */
    w = world_new(NULL, true, false);
    for (t = T0; t < T0 + 6 * HOUR; t += 3 * MIN)
        pos(w, LOITERER, t, 0.5, 2.0, 0.0, 0, 5);
    lo_detect_finish(w->d);
    assert_int_equal(mine(&w->log), 0);
    assert_int_equal(lo_detect_get_stats(w->d)->shore_lookups, 0);
    world_free(w);
}

/* ---- encounters -------------------------------------------------------------------------- */

#define TANKER 636019825u
#define CARRIER 538071166u

/* Two ships drifting together `apart_m` apart (east-west) at `kn` from `from` for `hours`,
 * each reporting every `every` (the second 5 s after the first). */
static int64_t together(world *w, uint32_t a, uint32_t b, int64_t from, double hours, double lat, double lon,
                        double apart_m, double kn, int64_t every)
{
    double dlon = apart_m / (LO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0 * cos(lat * 3.14159265358979323846 / 180));
    int64_t t = from;
    for (; t < from + (int64_t)(hours * HOUR); t += every) {
        double drift = (double)(t - from) / HOUR * kn * NM_DEG; /* northwards */
        pos(w, a, t, lat + drift, lon, kn, 0, 0);
        pos(w, b, t + 5000, lat + drift, lon + dlon, kn, 0, 0);
    }
    return t;
}

static void test_encounter(void **state)
{
    (void)state;
    world *w = world_new(NULL, true, true);
    int64_t t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 2.0, 120, 0.4, MIN);
    const rec *o = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_OPEN, 0);
    assert_non_null(o);
    assert_int_equal(o->mmsi[0], CARRIER); /* the lower MMSI first */
    assert_int_equal(o->mmsi[1], TANKER);
    assert_int_equal(o->start, T0 + 5000); /* the carrier's first report finds the tanker */
    assert_true(o->end >= T0 + 2 * HOUR && o->end <= T0 + 2 * HOUR + MIN);
    /* Apart now: the pair ends after encounter_break_h without a close observation. */
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    const rec *c = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_CLOSED, 0);
    assert_non_null(c);
    assert_int_equal(c->id, o->id);
    assert_int_equal(c->start, T0 + 5000);
    assert_int_equal(c->end, t - MIN + 5000);
    assert_true(fabs(param(c, "min_distance_m") - 120) < 2);
    assert_true(fabs(param(c, "median_speed_kn") - 0.4) < 1e-9);
    assert_true(param(c, "rendezvous_h") > 2.9);
    assert_true(param(c, "observations") >= 350);
    assert_int_equal(count(&w->log, LO_EV_RENDEZVOUS, LO_EVENT_CLOSED), 0);
    /* Port look-ups: each ship when it slows and each km it drifts (2.2 km in 3 h),
     * and one for the pair; never one a position (360 here). 3 h below 2 kn is not
     * loitering (under 4 h). */
    assert_true(lo_detect_get_stats(w->d)->port_lookups >= 3 && lo_detect_get_stats(w->d)->port_lookups <= 7);
    assert_int_equal(count(&w->log, LO_EV_LOITERING, LO_EVENT_CLOSED), 0);
    assert_int_equal(lo_detect_get_stats(w->d)->open_pairs, 0);
    world_free(w);
}

static void test_rendezvous_and_not(void **state)
{
    (void)state;
    /* 200 m for 45 min: a rendezvous candidate. */
    world *w = world_new(NULL, true, true);
    int64_t t = together(w, TANKER, CARRIER, T0, 0.75, 0.5, 2.0, 200, 0.5, 30000);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    const rec *r = find(&w->log, LO_EV_RENDEZVOUS, LO_EVENT_CLOSED, CARRIER);
    assert_non_null(r);
    assert_true(param(r, "rendezvous_h") >= 0.5 && param(r, "rendezvous_h") <= 0.75);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_CLOSED), 0);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_OPEN), 0);
    world_free(w);
    /* 400 m for 45 min: neither. 200 m for 25 min: neither. */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 0.75, 0.5, 2.0, 400, 0.5, 30000);
    t = together(w, 636000001u, 636000002u, t, 25.0 / 60, 0.5, 2.5, 200, 0.5, 30000);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    assert_int_equal(mine(&w->log), 0);
    world_free(w);
    /* In company at 10 kn, 200 m apart for 3 h: too fast (nothing is even compared). */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 2.0, 200, 10, 10000);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, 0);
    assert_int_equal(mine(&w->log), 0);
    world_free(w);
    /* 120 m for 3 h at 2.5 kn: not an encounter (GFW: median below 2 kn); not even compared. */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 2.0, 120, 2.5, MIN);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, 0);
    assert_int_equal(mine(&w->log), 0);
    world_free(w);
    /* Met slow (1 kn, 1 h), then together at 3 kn for 3 h: the pair follows them
     * (a ship in a pair takes part up to twice the limit) and the median is 3 kn. */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 1.0, 0.5, 2.0, 120, 1.0, MIN);
    t = together(w, TANKER, CARRIER, t, 3.0, 0.5 + 1.0 * NM_DEG, 2.0, 120, 3.0, MIN);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, 1);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_CLOSED), 0);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_OPEN), 0);
    const rec *r2 = find(&w->log, LO_EV_RENDEZVOUS, LO_EVENT_CLOSED, 0);
    assert_null(r2); /* the median (3 kn) rules out both tiers */
    world_free(w);
}

static void test_encounter_in_port(void **state)
{
    (void)state;
    /* 5 km from Testport (0.5 N 3.0 E): not an encounter, and not even a pair
     * (each ship is found near the port once, not once a position). */
    world *w = world_new(NULL, true, true);
    int64_t t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 3.045, 100, 0.2, MIN);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    lo_detect_finish(w->d);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_CLOSED), 0);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_OPEN), 0);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, 0);
    assert_true(lo_detect_get_stats(w->d)->port_lookups <= 4);
    world_free(w);
    /* 9.9 km: the ships are beyond the ships' reach (8.75 km), the pair is made
     * and its mean position is found in port when it qualifies. */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 3.089, 100, 0.2, MIN);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, 1);
    assert_int_equal(mine(&w->log), 0);
    world_free(w);
    /* 12 km from it: an encounter. */
    w = world_new(NULL, true, true);
    t = together(w, TANKER, CARRIER, T0, 3.0, 0.5, 3.108, 100, 0.2, MIN);
    clock_run(w, t, t + 2 * HOUR, 5 * MIN);
    const rec *c = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_CLOSED, 0);
    assert_non_null(c);
    assert_true(isnan(param(c, "port_km"))); /* beyond the look-up's reach (10 km) */
    world_free(w);
}

static void test_encounter_ongoing_and_cap(void **state)
{
    (void)state;
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    cfg.max_open_pairs = 1;
    world *w = world_new(&cfg, true, false);
    /* Three ships in a row 150 m apart: three pairs wanted, one allowed. */
    for (int64_t t = T0; t < T0 + 3 * HOUR; t += MIN) {
        pos(w, 636000001u, t, 0.5, 2.0, 0.3, 0, 0);
        pos(w, 636000002u, t + 1000, 0.5, 2.00135, 0.3, 0, 0);
        pos(w, 636000003u, t + 2000, 0.5, 2.0027, 0.3, 0, 0);
    }
    lo_detect_finish(w->d);
    const lo_detect_stats *s = lo_detect_get_stats(w->d);
    assert_int_equal(s->peak_open_pairs, 1);
    assert_true(s->pairs_dropped > 0);
    const rec *g = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_ONGOING, 636000001u);
    assert_non_null(g);
    assert_int_equal(g->mmsi[1], 636000002u);
    assert_int_equal(count(&w->log, LO_EV_ENCOUNTER, LO_EVENT_ONGOING), 1);
    world_free(w);
}

static void test_encounter_antimeridian_and_north(void **state)
{
    (void)state;
    world *w = world_new(NULL, false, false);
    /* 179.9995 E and 179.9995 W: 111 m apart across the antimeridian. */
    for (int64_t t = T0; t < T0 + 3 * HOUR; t += MIN) {
        pos(w, TANKER, t, 10.0, 179.9995, 0.2, 0, 0);
        pos(w, CARRIER, t + 1000, 10.0, -179.9995, 0.2, 0, 0);
    }
    /* At 70 N, 300 m apart east-west. */
    double dlon = 300.0 / (LO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0 * cos(70.0 * 3.14159265358979323846 / 180));
    for (int64_t t = T0; t < T0 + 3 * HOUR; t += MIN) {
        pos(w, 257000001u, t, 70.0, 20.0, 0.2, 0, 0);
        pos(w, 257000002u, t + 1000, 70.0, 20.0 + dlon, 0.2, 0, 0);
    }
    lo_detect_finish(w->d);
    const rec *a = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_ONGOING, CARRIER);
    const rec *b = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_ONGOING, 257000001u);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(fabs(param(a, "min_distance_m") - 110) < 5);
    assert_true(fabs(param(b, "min_distance_m") - 300) < 5);
    world_free(w);
}

static void test_encounter_dead_reckoning(void **state)
{
    (void)state;
    /* A reports every 10 min moving north at 1.5 kn; B follows 100 m behind,
     * reporting 9 min after A, when A is 417 m ahead of its last report. */
    world *w = world_new(NULL, false, false);
    double nm_m = 1852.0;
    double deg_per_m = 1.0 / (LO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0);
    for (int64_t t = T0; t < T0 + 3 * HOUR; t += 10 * MIN) {
        double run_a = (double)(t - T0) / HOUR * 1.5 * nm_m;
        pos(w, TANKER, t, 0.5 + run_a * deg_per_m, 2.0, 1.5, 0, 0);
        double run_b = (double)(t + 9 * MIN - T0) / HOUR * 1.5 * nm_m - 100;
        pos(w, CARRIER, t + 9 * MIN, 0.5 + run_b * deg_per_m, 2.0, 1.5, 0, 0);
    }
    lo_detect_finish(w->d);
    /* Without dead reckoning the closest would be 146 m (A finding B 1 min old) or 317 m. */
    const rec *g = find(&w->log, LO_EV_ENCOUNTER, LO_EVENT_ONGOING, CARRIER);
    assert_non_null(g);
    assert_true(fabs(param(g, "min_distance_m") - 100) < 5);
    world_free(w);
}

/* The grid against brute force: 150 ships lying still in a 3 x 3 km box (so
 * across several cells), each reporting every 1 to 30 minutes for 50 minutes
 * (ships silent for more than 20 minutes drop out of the grid and come back).
 * Every pair of ships that ever was within 500 m at a report, the other's last
 * report no older than 20 minutes, must be followed, and no other. */
static void test_encounter_grid_against_brute_force(void **state)
{
    (void)state;
    enum { N = 150 };
    world *w = world_new(NULL, false, false);
    int32_t lat[N], lon[N];
    int64_t every[N], next[N], last[N];
    uint64_t rng = 12345;
    for (int i = 0; i < N; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        lat[i] = (int32_t)(500000 + (int64_t)((rng >> 33) % 27000));
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        lon[i] = (int32_t)(2000000 + (int64_t)((rng >> 33) % 27000));
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        every[i] = (int64_t)(1 + (rng >> 33) % 30) * MIN;
        next[i] = T0 + (int64_t)((rng >> 40) % 60) * 1000;
        last[i] = INT64_MIN;
    }
    static bool seen[N][N];
    memset(seen, 0, sizeof seen);
    unsigned expect = 0;
    double m_per_udeg = LO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0 / 1e6;
    for (;;) {
        int k = -1;
        for (int i = 0; i < N; i++)
            if (next[i] < T0 + 50 * MIN && (k < 0 || next[i] < next[k]))
                k = i;
        if (k < 0)
            break;
        int64_t t = next[k];
        double c = cos(lat[k] / 1e6 * 3.14159265358979323846 / 180.0);
        for (int j = 0; j < N; j++) {
            if (j == k || last[j] == INT64_MIN || t - last[j] > 20 * MIN)
                continue;
            double dy = (double)(lat[j] - lat[k]), dx = (double)(lon[j] - lon[k]) * c;
            if (sqrt(dx * dx + dy * dy) * m_per_udeg <= 500.0 && !seen[k < j ? k : j][k < j ? j : k]) {
                seen[k < j ? k : j][k < j ? j : k] = true;
                expect++;
            }
        }
        pos(w, 538000000u + (uint32_t)k, t, lat[k] / 1e6, lon[k] / 1e6, 0.0, 0, 1);
        last[k] = t;
        next[k] = t + every[k];
    }
    assert_true(expect > 200);
    assert_int_equal(lo_detect_get_stats(w->d)->peak_open_pairs, expect);
    assert_int_equal(lo_detect_get_stats(w->d)->pairs_dropped, 0);
    lo_detect_finish(w->d);
    assert_int_equal(lo_detect_get_stats(w->d)->open_pairs, 0);
    world_free(w);
}

static void test_same_input_same_ids(void **state)
{
    (void)state;
    uint64_t ids[2][8];
    unsigned n[2];
    for (int k = 0; k < 2; k++) {
        world *w = world_new(NULL, true, true);
        int64_t t = together(w, TANKER, CARRIER, T0, 5.0, 0.5, 2.0, 120, 0.4, MIN);
        clock_run(w, t, t + 20 * HOUR, 10 * MIN);
        pos(w, TANKER, t + 20 * HOUR + MIN, 0.5, 2.5, 10, 90, 0);
        lo_detect_finish(w->d);
        n[k] = w->log.n < 8 ? w->log.n : 8;
        for (unsigned i = 0; i < n[k]; i++)
            ids[k][i] = w->log.r[i].id;
        world_free(w);
    }
    assert_int_equal(n[0], n[1]);
    assert_true(n[0] >= 5); /* encounter open+closed, two loitering open+closed, a gap */
    assert_memory_equal(ids[0], ids[1], n[0] * sizeof ids[0][0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gap_open_then_closed),
        cmocka_unit_test(test_disabling),
        cmocka_unit_test(test_disabling_needs_regular_reports),
        cmocka_unit_test(test_disabling_needs_offshore_ends),
        cmocka_unit_test(test_gap_thresholds_and_stations),
        cmocka_unit_test(test_gap_ongoing_at_finish),
        cmocka_unit_test(test_loitering),
        cmocka_unit_test(test_loitering_rules),
        cmocka_unit_test(test_loitering_at_anchor_or_moored),
        cmocka_unit_test(test_encounter),
        cmocka_unit_test(test_rendezvous_and_not),
        cmocka_unit_test(test_encounter_in_port),
        cmocka_unit_test(test_encounter_ongoing_and_cap),
        cmocka_unit_test(test_encounter_antimeridian_and_north),
        cmocka_unit_test(test_encounter_dead_reckoning),
        cmocka_unit_test(test_encounter_grid_against_brute_force),
        cmocka_unit_test(test_same_input_same_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
