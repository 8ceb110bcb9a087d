/* test_store.c - the SQLite store, the CSV importers and the JSON/CSV/GeoJSON
 * writers: rows written once however often they come, segment numbers and
 * identity changes across ingest runs, area / time / picture queries against
 * a brute-force filter over the same points (across the antimeridian too),
 * events, importer rows and rejects, and writer output parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lookout/geojson.h"
#include "lookout/import.h"
#include "lookout/sentence.h"
#include "lookout/store.h"
#include "testutil.h"

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */
#define HOUR 3600000LL

/* ---- helpers ---- */

static char db_path[64];

static const char *fresh_db(void)
{
    static int n;
    snprintf(db_path, sizeof db_path, "test_store_%d_%d.db", (int)getpid(), n++);
    char p[80];
    remove(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    remove(p);
    return db_path;
}

static void drop_db(void)
{
    char p[80];
    remove(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    remove(p);
}

static lo_store *open_store(bool sync_writes, uint32_t batch)
{
    lo_store_config cfg = {.sync_writes = sync_writes, .batch_rows = batch};
    lo_store *s = NULL;
    char err[256];
    int rc = lo_store_open(db_path, &cfg, &s, err, sizeof err);
    if (rc)
        fprintf(stderr, "open: %s\n", err);
    assert_int_equal(rc, 0);
    return s;
}

static lo_vessel vessel(uint32_t mmsi)
{
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = mmsi;
    v.kind = LO_STATION_VESSEL;
    v.flag_iso2 = "DK";
    return v;
}

static lo_track_point point(uint32_t mmsi, int64_t t, int32_t lat, int32_t lon, uint32_t seg)
{
    lo_track_point p;
    memset(&p, 0, sizeof p);
    p.mmsi = mmsi;
    p.time_ms = t;
    p.lat_udeg = lat;
    p.lon_udeg = lon;
    p.speed = 123;
    p.course = 2345;
    p.heading = 511;
    p.status = 0;
    p.type = 1;
    p.segment = seg;
    return p;
}

/* Write one point the way the tracker's callback would: the vessel's record
 * with this point as its last. */
static void put(lo_store *s, lo_vessel *v, const lo_track_point *p)
{
    if (!v->first_seen_ms || p->time_ms < v->first_seen_ms)
        v->first_seen_ms = p->time_ms;
    if (p->time_ms > v->last_seen_ms)
        v->last_seen_ms = p->time_ms;
    if (!v->has_position || p->time_ms >= v->last.time_ms) {
        v->last = *p;
        v->has_position = true;
    }
    if (p->segment > v->segments)
        v->segments = p->segment;
    assert_int_equal(lo_store_point(s, v, p), 0);
}

typedef struct pts {
    lo_track_point p[20000];
    size_t n;
} pts;

static int collect(void *ctx, const lo_track_point *p)
{
    pts *c = ctx;
    assert_true(c->n < sizeof c->p / sizeof *c->p);
    c->p[c->n++] = *p;
    return 0;
}

typedef struct vsl {
    lo_vessel v[2000];
    size_t n;
} vsl;

static int collect_v(void *ctx, const lo_vessel *v)
{
    vsl *c = ctx;
    assert_true(c->n < sizeof c->v / sizeof *c->v);
    c->v[c->n++] = *v;
    return 0;
}

/* ---- text parameters ---- */

static void parse_texts(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(lo_parse_time("2023-01-11T00:00:00Z", 20, &t), 0);
    assert_int_equal(t, 1673395200000LL);
    assert_int_equal(lo_parse_time("2023-01-11 00:00:01", 19, &t), 0);
    assert_int_equal(t, 1673395201000LL);
    assert_int_equal(lo_parse_time("2023-01-11", 10, &t), 0);
    assert_int_equal(t, 1673395200000LL);
    assert_int_equal(lo_parse_time("2023-01-11T00:00:00.250", 23, &t), 0);
    assert_int_equal(t, 1673395200250LL);
    assert_int_equal(lo_parse_time("1673395200", 10, &t), 0);
    assert_int_equal(t, 1673395200000LL);
    assert_int_equal(lo_parse_time("@0", 2, &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(lo_parse_time("2023-02-30", 10, &t), LO_E_INVAL);
    assert_int_equal(lo_parse_time("2023-01-11T25:00", 16, &t), LO_E_INVAL);
    assert_int_equal(lo_parse_time("yesterday", 9, &t), LO_E_INVAL);
    assert_int_equal(lo_parse_time("", 0, &t), LO_E_INVAL);
    assert_int_equal(lo_parse_duration("90", 2, &t), 0);
    assert_int_equal(t, 90000);
    assert_int_equal(lo_parse_duration("15m", 3, &t), 0);
    assert_int_equal(t, 900000);
    assert_int_equal(lo_parse_duration("1.5h", 4, &t), 0);
    assert_int_equal(t, 5400000);
    assert_int_equal(lo_parse_duration("2d", 2, &t), 0);
    assert_int_equal(t, 172800000);
    assert_int_equal(lo_parse_duration("-1h", 3, &t), LO_E_INVAL);
    assert_int_equal(lo_parse_duration("h", 1, &t), LO_E_INVAL);
    lo_bbox b;
    assert_int_equal(lo_parse_bbox("10.5,54.5,13,56", 15, &b), 0);
    assert_int_equal(b.west, 10500000);
    assert_int_equal(b.south, 54500000);
    assert_int_equal(b.east, 13000000);
    assert_int_equal(b.north, 56000000);
    assert_int_equal(lo_parse_bbox("170,-10,-170,10", 15, &b), 0); /* across 180 */
    assert_true(b.west > b.east);
    assert_int_equal(lo_parse_bbox("10,56,13,54", 11, &b), LO_E_INVAL); /* S > N */
    assert_int_equal(lo_parse_bbox("10,54,13", 8, &b), LO_E_INVAL);
    assert_int_equal(lo_parse_bbox("10,54,13,56,1", 13, &b), LO_E_INVAL);
    assert_int_equal(lo_parse_bbox("181,54,13,56", 12, &b), LO_E_INVAL);
}

/* ---- writing: once, in order, across runs ---- */

static void write_once(bool sync_writes)
{
    fresh_db();
    for (int run = 0; run < 2; run++) {
        lo_store *s = open_store(sync_writes, 100); /* many batches */
        for (uint32_t k = 0; k < 20; k++) {
            lo_vessel v = vessel(219000000 + k);
            for (int i = 0; i < 50; i++) {
                lo_track_point p = point(v.mmsi, T0 + i * 10000, 55000000 + i * 100, 10000000 + (int32_t)k * 1000, 1);
                put(s, &v, &p);
            }
            assert_int_equal(lo_store_vessel(s, &v), 0);
        }
        lo_store_counts c;
        assert_int_equal(lo_store_count(s, &c), 0); /* sees what is queued too */
        assert_int_equal(c.positions, 1000);
        assert_int_equal(c.vessels, 20);
        const lo_store_stats *st = lo_store_get_stats(s);
        assert_int_equal(st->points, 1000);
        assert_int_equal(st->points_new, run == 0 ? 1000 : 0);
        pts *got = calloc(1, sizeof *got);
        assert_int_equal(lo_store_track(s, 219000003, T0 + 100000, T0 + 200000, collect, got), 0);
        assert_int_equal(got->n, 10); /* from <= t < to */
        for (size_t i = 0; i < got->n; i++) {
            assert_int_equal(got->p[i].time_ms, T0 + 100000 + (int64_t)i * 10000);
            assert_int_equal(got->p[i].speed, 123);
            assert_int_equal(got->p[i].course, 2345);
            assert_int_equal(got->p[i].heading, 511);
            assert_int_equal(got->p[i].type, 1);
        }
        free(got);
        assert_int_equal(lo_store_close(s), 0);
    }
    drop_db();
}

static void write_once_threaded(void **state)
{
    (void)state;
    write_once(false);
}

static void write_once_sync(void **state)
{
    (void)state;
    write_once(true);
}

static void refused_values(void **state)
{
    (void)state;
    fresh_db();
    lo_store *s = open_store(false, 0);
    lo_vessel v = vessel(219000001);
    lo_track_point p = point(v.mmsi, -1000, 0, 0, 1);
    assert_int_equal(lo_store_point(s, &v, &p), LO_E_RANGE);
    p = point(v.mmsi, T0, 91000000, 0, 1);
    assert_int_equal(lo_store_point(s, &v, &p), LO_E_RANGE);
    lo_tracker_callbacks cb;
    lo_store_callbacks(s, &cb);
    p = point(v.mmsi, -5, 0, 0, 1);
    cb.on_point(cb.ctx, &v, &p); /* counted and skipped, not an error */
    assert_int_equal(lo_store_error(s), 0);
    assert_int_equal(lo_store_get_stats(s)->refused, 1);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
    /* a read-only store of a file that is not there */
    lo_store_config cfg = {.read_only = true};
    char err[256];
    assert_int_equal(lo_store_open("no/such/dir/x.db", &cfg, &s, err, sizeof err), LO_E_STORE);
    assert_null(s);
    assert_true(strlen(err) > 0);
}

/* Segment numbers continue across runs: run 2's segment 1 continues the
 * stored track when it can follow it, a jump starts a new one, and older data
 * (the same file again) keeps its numbers. */
static void segments_across_runs(void **state)
{
    (void)state;
    fresh_db();
    lo_store *s = open_store(false, 0);
    lo_vessel a = vessel(219000001), b = vessel(219000002);
    for (int i = 0; i < 10; i++) {
        lo_track_point p = point(a.mmsi, T0 + i * 60000, 55000000, 10000000 + i * 1000, 1);
        put(s, &a, &p);
        p = point(b.mmsi, T0 + i * 60000, 56000000, 11000000, i < 5 ? 1 : 2);
        put(s, &b, &p);
    }
    assert_int_equal(lo_store_close(s), 0);

    s = open_store(false, 0);
    a = vessel(a.mmsi);
    b = vessel(b.mmsi);
    /* a: 10 minutes later, 600 m on: continues; b: 300 km away an hour later */
    lo_track_point p = point(a.mmsi, T0 + 20 * 60000, 55000000, 10015000, 1);
    put(s, &a, &p);
    p = point(b.mmsi, T0 + 70 * 60000, 59000000, 11000000, 1);
    put(s, &b, &p);
    p = point(b.mmsi, T0 + 71 * 60000, 56000000, 11000000, 2); /* the tracker's second segment */
    put(s, &b, &p);
    pts *got = calloc(1, sizeof *got);
    assert_int_equal(lo_store_track(s, a.mmsi, LO_TIME_NONE, LO_TIME_NONE, collect, got), 0);
    assert_int_equal(got->n, 11);
    for (size_t i = 0; i < got->n; i++)
        assert_int_equal(got->p[i].segment, 1);
    got->n = 0;
    assert_int_equal(lo_store_track(s, b.mmsi, LO_TIME_NONE, LO_TIME_NONE, collect, got), 0);
    assert_int_equal(got->n, 12);
    /* ordered by segment: 5 of 1, 5 of 2, then run 2's 3 and 4 */
    assert_int_equal(got->p[0].segment, 1);
    assert_int_equal(got->p[5].segment, 2);
    assert_int_equal(got->p[10].segment, 3);
    assert_int_equal(got->p[10].lat_udeg, 59000000);
    assert_int_equal(got->p[11].segment, 4);
    assert_int_equal(lo_store_close(s), 0);

    /* run 3: run 1's points again: nothing new, numbers as stored */
    s = open_store(false, 0);
    a = vessel(a.mmsi);
    for (int i = 0; i < 10; i++) {
        p = point(a.mmsi, T0 + i * 60000, 55000000, 10000000 + i * 1000, 1);
        put(s, &a, &p);
    }
    assert_int_equal(lo_store_get_stats(s)->points_new, 0);
    got->n = 0;
    assert_int_equal(lo_store_track(s, a.mmsi, LO_TIME_NONE, LO_TIME_NONE, collect, got), 0);
    assert_int_equal(got->n, 11);
    vsl *vs = calloc(1, sizeof *vs);
    lo_picture_query q = {.at_ms = LO_TIME_NONE};
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    assert_int_equal(vs->n, 2);
    assert_int_equal(vs->v[0].mmsi, a.mmsi);
    assert_int_equal(vs->v[0].last.time_ms, T0 + 20 * 60000); /* older data does not move it back */
    assert_int_equal(vs->v[0].segments, 1);
    assert_int_equal(vs->v[1].segments, 4);
    free(vs);
    free(got);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
}

/* Two transmitters on one MMSI: segments alternate in time; the track comes
 * segment by segment all the same. */
static void interleaved_segments(void **state)
{
    (void)state;
    fresh_db();
    lo_store *s = open_store(false, 0);
    lo_vessel v = vessel(219000005);
    for (int i = 0; i < 20; i++) {
        lo_track_point p = point(v.mmsi, T0 + i * 10000, i % 2 ? 56000000 : 55000000, 10000000, 1 + (uint32_t)i % 2);
        put(s, &v, &p);
    }
    pts *got = calloc(1, sizeof *got);
    assert_int_equal(lo_store_track(s, v.mmsi, T0, T0 + HOUR, collect, got), 0);
    assert_int_equal(got->n, 20);
    for (size_t i = 0; i < got->n; i++) {
        assert_int_equal(got->p[i].segment, i < 10 ? 1 : 2);
        assert_int_equal(got->p[i].time_ms, T0 + (int64_t)(i % 10) * 20000 + (i < 10 ? 0 : 10000));
    }
    free(got);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
}

static lo_identity_change change(uint32_t mmsi, int64_t t, lo_identity_field f, const char *old, const char *new_)
{
    lo_identity_change c;
    memset(&c, 0, sizeof c);
    c.mmsi = mmsi;
    c.time_ms = t;
    c.field = f;
    snprintf(c.old_value, sizeof c.old_value, "%s", old);
    snprintf(c.new_value, sizeof c.new_value, "%s", new_);
    return c;
}

/* The tracker reports a first value with old_value "" in every run; the store
 * keeps real changes only, across runs too, and the picture at a time shows
 * the identity of that time. */
static void identity_across_runs(void **state)
{
    (void)state;
    fresh_db();
    uint32_t m = 219000009;
    for (int run = 0; run < 3; run++) {
        lo_store *s = open_store(run == 1, 0);
        lo_vessel v = vessel(m);
        int64_t t = T0 + run * 24 * HOUR;
        lo_track_point p = point(m, t, 55000000, 10000000, 1);
        put(s, &v, &p);
        const char *name = run == 2 ? "BETA" : "ALPHA";
        snprintf(v.id.name, sizeof v.id.name, "%s", name);
        v.id.imo = 9000001;
        lo_identity_change c = change(m, t + 1000, LO_ID_NAME, "", name);
        assert_int_equal(lo_store_identity(s, &v, &c), 0);
        c = change(m, t + 1000, LO_ID_IMO, "", "9000001");
        assert_int_equal(lo_store_identity(s, &v, &c), 0);
        if (run == 0) {
            /* a change within the run, and back */
            c = change(m, t + 2000, LO_ID_NAME, "ALPHA", "ALPHA II");
            assert_int_equal(lo_store_identity(s, &v, &c), 0);
            c = change(m, t + 3000, LO_ID_NAME, "ALPHA II", "ALPHA");
            assert_int_equal(lo_store_identity(s, &v, &c), 0);
        }
        assert_int_equal(lo_store_vessel(s, &v), 0);
        lo_store_counts n;
        assert_int_equal(lo_store_count(s, &n), 0);
        /* run 0: 2 first values + 2 changes; run 1: nothing new; run 2: ALPHA -> BETA */
        assert_int_equal(n.identity_changes, run < 2 ? 4 : 5);
        assert_int_equal(lo_store_close(s), 0);
    }
    lo_store_config cfg = {.read_only = true};
    lo_store *s;
    assert_int_equal(lo_store_open(db_path, &cfg, &s, NULL, 0), 0);
    vsl *vs = calloc(1, sizeof *vs);
    lo_picture_query q = {.at_ms = T0 + 2500, .max_age_ms = HOUR};
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    assert_int_equal(vs->n, 1);
    assert_string_equal(vs->v[0].id.name, "ALPHA II");
    vs->n = 0;
    q.at_ms = T0 + 500; /* before the name was heard */
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    assert_int_equal(vs->n, 1);
    assert_string_equal(vs->v[0].id.name, "");
    vs->n = 0;
    q.at_ms = T0 + 24 * HOUR + 5000;
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    assert_string_equal(vs->v[0].id.name, "ALPHA");
    assert_int_equal(vs->v[0].id.imo, 9000001);
    vs->n = 0;
    q.at_ms = LO_TIME_NONE;
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    assert_string_equal(vs->v[0].id.name, "BETA");
    free(vs);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
}

/* ---- queries against brute force ---- */

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

#define NV 150
#define NP 40

static bool in_box(const lo_bbox *b, int32_t lat, int32_t lon)
{
    if (!b)
        return true;
    if (lat < b->south || lat > b->north)
        return false;
    return b->west <= b->east ? lon >= b->west && lon <= b->east : lon >= b->west || lon <= b->east;
}

static int cmp_pt(const void *a, const void *b)
{
    const lo_track_point *x = a, *y = b;
    if (x->mmsi != y->mmsi)
        return x->mmsi < y->mmsi ? -1 : 1;
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? -1 : 1;
    if (x->lat_udeg != y->lat_udeg)
        return x->lat_udeg < y->lat_udeg ? -1 : 1;
    return x->lon_udeg < y->lon_udeg ? -1 : x->lon_udeg > y->lon_udeg;
}

static void queries_match_brute_force(void **state)
{
    (void)state;
    fresh_db();
    lo_store *s = open_store(false, 997);
    static lo_track_point all[NV * NP];
    size_t n = 0;
    /* Vessels wander in three regions (one across the antimeridian, one at
     * high latitude) over three days; some share a time. */
    for (uint32_t k = 0; k < NV; k++) {
        lo_vessel v = vessel(200000000 + k * 7);
        int region = (int)(k % 3);
        int32_t lat = region == 0 ? 55000000 : region == 1 ? -16000000 : 78000000;
        int32_t lon = region == 0 ? 10000000 : region == 1 ? 179000000 : -20000000;
        int64_t t = T0 + (int64_t)rnd(72) * HOUR;
        for (int i = 0; i < NP; i++) {
            t += (int64_t)rnd(3) * 600000; /* 0, 10 or 20 minutes: equal times happen ... */
            if (i == NP - 1)
                t += 60000; /* ... but not at the end, so that "latest" is one point */
            lat += (int32_t)rnd(400001) - 200000;
            lon += (int32_t)rnd(400001) - 200000;
            if (lon > 180000000)
                lon -= 360000000;
            if (lon < -180000000)
                lon += 360000000;
            lo_track_point p = point(v.mmsi, t, lat, lon, 1);
            put(s, &v, &p);
            all[n++] = p;
        }
    }
    assert_int_equal(lo_store_close(s), 0);
    /* the same (mmsi, time, lat, lon) once */
    qsort(all, n, sizeof *all, cmp_pt);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || cmp_pt(&all[i], &all[w - 1]))
            all[w++] = all[i];
    n = w;

    lo_store_config cfg = {.read_only = true};
    assert_int_equal(lo_store_open(db_path, &cfg, &s, NULL, 0), 0);
    pts *got = calloc(1, sizeof *got);
    vsl *vs = calloc(1, sizeof *vs);
    for (int trial = 0; trial < 120; trial++) {
        lo_bbox b;
        int region = trial % 3;
        int32_t clat = region == 0 ? 55000000 : region == 1 ? -16000000 : 78000000;
        int32_t clon = region == 0 ? 10000000 : region == 1 ? 179500000 : -20000000;
        int32_t hw = 100000 + (int32_t)rnd(2000000), hh = 100000 + (int32_t)rnd(2000000);
        b.south = clat - hh;
        b.north = clat + hh;
        b.west = clon - hw;
        b.east = clon + hw;
        if (b.east > 180000000)
            b.east -= 360000000; /* across: west > east */
        const lo_bbox *bp = trial % 10 == 9 ? NULL : &b;
        int64_t from = T0 + (int64_t)rnd(80) * HOUR + rnd(3600000);
        int64_t to = from + (int64_t)rnd(30) * HOUR + rnd(3600000);
        if (trial % 7 == 6)
            from = LO_TIME_NONE;
        /* area and time */
        got->n = 0;
        assert_int_equal(lo_store_positions(s, bp, from, to, collect, got), 0);
        size_t want = 0;
        for (size_t i = 0; i < n; i++) {
            const lo_track_point *p = &all[i];
            if ((from == LO_TIME_NONE || p->time_ms >= from) && p->time_ms < to &&
                in_box(bp, p->lat_udeg, p->lon_udeg)) {
                assert_true(want < got->n);
                assert_int_equal(cmp_pt(p, &got->p[want]), 0);
                want++;
            }
        }
        assert_int_equal(got->n, want);
        /* the picture at a time */
        int64_t at = T0 + (int64_t)rnd(90) * HOUR + rnd(3600000);
        int64_t age = trial % 4 == 3 ? 0 : (int64_t)(1 + rnd(12)) * 600000;
        lo_picture_query q = {.bbox = bp, .at_ms = at, .max_age_ms = age};
        vs->n = 0;
        assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
        size_t nv = 0;
        for (size_t i = 0; i < n;) {
            /* all[] is by mmsi then time then (lat, lon): the last at or
             * before `at` of each vessel is the largest such */
            size_t j = i;
            const lo_track_point *last = NULL;
            for (; j < n && all[j].mmsi == all[i].mmsi; j++)
                if (all[j].time_ms <= at && (!age || all[j].time_ms >= at - age))
                    last = &all[j];
            if (last && in_box(bp, last->lat_udeg, last->lon_udeg)) {
                assert_true(nv < vs->n);
                assert_int_equal(vs->v[nv].mmsi, last->mmsi);
                assert_int_equal(cmp_pt(&vs->v[nv].last, last), 0);
                nv++;
            }
            i = j;
        }
        assert_int_equal(vs->n, nv);
    }
    /* the latest picture in a box: vessels whose last position is inside */
    lo_bbox b = {.west = 9000000, .south = 54000000, .east = 11000000, .north = 56000000};
    lo_picture_query q = {.bbox = &b, .at_ms = LO_TIME_NONE};
    vs->n = 0;
    assert_int_equal(lo_store_vessels(s, &q, collect_v, vs), 0);
    size_t nv = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && all[j].mmsi == all[i].mmsi)
            j++;
        if (in_box(&b, all[j - 1].lat_udeg, all[j - 1].lon_udeg)) {
            assert_true(nv < vs->n);
            assert_int_equal(vs->v[nv].mmsi, all[j - 1].mmsi);
            nv++;
        }
        i = j;
    }
    assert_int_equal(vs->n, nv);
    free(vs);
    free(got);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
}

/* ---- events ---- */

static void events(void **state)
{
    (void)state;
    fresh_db();
    lo_store *s = open_store(false, 0);
    uint32_t mmsi[2] = {219000001, 219000002};
    lo_event_record e = {.type = "sts_transfer", .severity = 3, .start_ms = T0, .end_ms = LO_TIME_NONE,
                         .mmsi = mmsi, .nmmsi = 2, .geometry = "{\"type\":\"Point\",\"coordinates\":[10,55]}",
                         .parameters = "{\"max_distance_m\":500}", .evidence = NULL};
    int64_t id1, id2;
    assert_int_equal(lo_store_event(s, &e, &id1), 0);
    e.end_ms = T0 + HOUR; /* the same event, closed */
    e.evidence = "[{\"time\":\"x\"}]";
    assert_int_equal(lo_store_event(s, &e, &id2), 0);
    assert_int_equal(id1, id2);
    e.start_ms = T0 + 2 * HOUR;
    assert_int_equal(lo_store_event(s, &e, &id2), 0);
    assert_true(id2 != id1);
    e.parameters = "{not json";
    assert_int_equal(lo_store_event(s, &e, NULL), LO_E_INVAL);
    lo_store_counts c;
    assert_int_equal(lo_store_count(s, &c), 0);
    assert_int_equal(c.events, 2);
    /* With the detector's ids: two events of one type, start and vessels
     * (one vessel matching two watch-list entries) are two rows; the same id
     * again updates its row, even when its type changed (a gap that turned out
     * to be a suspected disabling). */
    e.parameters = "{}";
    e.key = 0x9c1f0e2d3b4a5968ULL; /* above 2^63: stored as a negative row id */
    assert_int_equal(lo_store_event(s, &e, &id1), 0);
    e.key = 42;
    assert_int_equal(lo_store_event(s, &e, &id2), 0);
    assert_true(id1 != id2);
    assert_true((uint64_t)id1 == 0x9c1f0e2d3b4a5968ULL);
    e.type = "disabling";
    assert_int_equal(lo_store_event(s, &e, &id2), 0);
    assert_int_equal(id2, 42);
    assert_int_equal(lo_store_count(s, &c), 0);
    assert_int_equal(c.events, 4);
    assert_int_equal(lo_store_close(s), 0);
    drop_db();
}

/* ---- the CSV importers ---- */

static const char MC_HEADER[] = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,"
                                "Status,Length,Width,Draft,Cargo,TransceiverClass";
static const char DMA_HEADER[] = "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,"
                                 "Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position "
                                 "fixing device,Draught,Destination,ETA,Data source type,A,B,C,D";

static int64_t val(const lo_message *m, const char *name) { return lo_message_int(m, name, LO_ABSENT); }

static const char *text(const lo_message *m, const char *name)
{
    static char buf[64];
    int i = lo_message_find(m, name);
    uint16_t len = 0;
    const char *t = i >= 0 ? lo_message_text(m, m->v[i], &len) : "";
    snprintf(buf, sizeof buf, "%.*s", (int)len, t);
    while (len && buf[len - 1] == ' ')
        buf[--len] = '\0';
    return buf;
}

static void import_marinecadastre(void **state)
{
    (void)state;
    assert_int_equal(lo_import_detect(MC_HEADER, strlen(MC_HEADER)), LO_IMPORT_MARINECADASTRE);
    assert_int_equal(lo_import_detect(DMA_HEADER, strlen(DMA_HEADER)), LO_IMPORT_DMA);
    assert_int_equal(lo_import_detect("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23", 47), LO_IMPORT_NONE);
    assert_int_equal(lo_import_detect("MMSI,LAT,LON", 12), LO_IMPORT_NONE);
    lo_import *imp;
    assert_int_equal(lo_import_create(MC_HEADER, strlen(MC_HEADER), &imp), 0);
    lo_message *out = calloc(LO_IMPORT_MAX_MESSAGES, sizeof *out);
    lo_import_reject why;
    const char *row = "636021061,2023-01-11T00:00:07,26.09241,-80.04806,8.8,272.7,270.0,MSC NAISHA III,IMO9307839,"
                      "5LCB4,70,8.0,208.0,30.0,8.0,70.0,A";
    assert_int_equal(lo_import_row(imp, row, strlen(row), out, &why), 2);
    assert_int_equal(out[0].type, 1);
    assert_int_equal(out[0].mmsi, 636021061);
    assert_int_equal(out[0].meta.rx_time_ms, 1673395207000LL);
    assert_int_equal(val(&out[0], "lat"), 15655446); /* 26.09241 * 600000 */
    assert_int_equal(val(&out[0], "lon"), -48028836);
    assert_int_equal(val(&out[0], "speed"), 88);
    assert_int_equal(val(&out[0], "course"), 2727);
    assert_int_equal(val(&out[0], "heading"), 270);
    assert_int_equal(val(&out[0], "status"), 8);
    assert_int_equal(val(&out[0], "second"), 7);
    assert_int_equal(out[1].type, 5);
    assert_string_equal(text(&out[1], "shipname"), "MSC NAISHA III");
    assert_string_equal(text(&out[1], "callsign"), "5LCB4");
    assert_int_equal(val(&out[1], "imo"), 9307839);
    assert_int_equal(val(&out[1], "shiptype"), 70);
    assert_int_equal(val(&out[1], "to_bow") + val(&out[1], "to_stern"), 208);
    assert_int_equal(val(&out[1], "to_port") + val(&out[1], "to_starboard"), 30);
    assert_int_equal(val(&out[1], "draught"), 80);
    /* the same static data again: only the position */
    const char *row2 = "636021061,2023-01-11T00:01:07,26.09,-80.05,,360.0,511.0,MSC NAISHA III,IMO9307839,"
                       "5LCB4,70,0.0,208.0,30.0,8.0,70.0,A";
    assert_int_equal(lo_import_row(imp, row2, strlen(row2), out, &why), 1);
    assert_int_equal(val(&out[0], "speed"), 1023);
    assert_int_equal(val(&out[0], "course"), 3600);
    assert_int_equal(val(&out[0], "heading"), 511);
    /* Class B: 18, 24A, 24B */
    const char *row3 = "338087471,2023-01-11T00:00:10,43.1,-70.7,0.1,12.5,511.0,Proguy,,WDG123,37,15.0,12.0,4.0,,,B";
    assert_int_equal(lo_import_row(imp, row3, strlen(row3), out, &why), 3);
    assert_int_equal(out[0].type, 18);
    assert_int_equal(out[1].type, 24);
    assert_string_equal(text(&out[1], "shipname"), "PROGUY"); /* six-bit text is upper case */
    assert_int_equal(out[2].type, 24);
    assert_int_equal(val(&out[2], "shiptype"), 37);
    /* rejects, each counted */
    const char *bad[] = {
        "x36021061,2023-01-11T00:00:07,26.0,-80.0,,,,,,,,,,,,,A",   /* MMSI */
        "636021061,2023-13-11T00:00:07,26.0,-80.0,,,,,,,,,,,,,A",   /* time */
        "636021061,2023-01-11T00:00:07,26.0",                       /* fields */
        "636021061,2023-01-11T00:00:07,26.0,-80.0,fast,,,,,,,,,,,,A", /* number */
        "636021061,2023-01-11T00:00:07,,,,,,,,,,,,,,,A",             /* nothing */
    };
    lo_import_reject want[] = {LO_IMPORT_REJECT_BAD_MMSI, LO_IMPORT_REJECT_BAD_TIME, LO_IMPORT_REJECT_FIELD_COUNT,
                               LO_IMPORT_REJECT_BAD_NUMBER, LO_IMPORT_REJECT_NOTHING};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(lo_import_row(imp, bad[i], strlen(bad[i]), out, &why), LO_E_REJECTED);
        assert_int_equal(why, want[i]);
    }
    char *longrow = malloc(LO_IMPORT_MAX_LINE + 10);
    memset(longrow, 'A', LO_IMPORT_MAX_LINE + 10);
    assert_int_equal(lo_import_row(imp, longrow, LO_IMPORT_MAX_LINE + 10, out, &why), LO_E_REJECTED);
    assert_int_equal(why, LO_IMPORT_REJECT_LINE_TOO_LONG);
    free(longrow);
    assert_int_equal(lo_import_row(imp, "\r\n", 2, out, &why), 0); /* a blank line */
    const lo_import_stats *st = lo_import_get_stats(imp);
    assert_int_equal(st->rows, 9);
    assert_int_equal(st->rejected, 6);
    assert_int_equal(st->positions, 3);
    assert_int_equal(st->statics, 3);
    assert_string_equal(lo_import_reject_key(LO_IMPORT_REJECT_BAD_MMSI), "bad_mmsi");
    lo_import_destroy(imp);
    free(out);
}

static void import_dma(void **state)
{
    (void)state;
    lo_import *imp;
    assert_int_equal(lo_import_create(DMA_HEADER, strlen(DMA_HEADER), &imp), 0);
    assert_int_equal(lo_import_get_format(imp), LO_IMPORT_DMA);
    lo_message *out = calloc(LO_IMPORT_MAX_MESSAGES, sizeof *out);
    lo_import_reject why;
    const char *row = "04/11/2018 03:57:16,Class A,219012382,57.123067,8.597717,Engaged in fishing,-4.0,0.3,,237,"
                      "Unknown,OXQX2,GOLIATH VIG,Tanker,Category Y,6,18,GPS,2.7,\"HANSTHOLM, DK\","
                      "29/10/2019 07:00:00,AIS,5,13,3,3";
    assert_int_equal(lo_import_row(imp, row, strlen(row), out, &why), 2);
    assert_int_equal(out[0].type, 1);
    assert_int_equal(out[0].meta.rx_time_ms, 1541303836000LL);
    assert_int_equal(val(&out[0], "status"), 7);
    assert_int_equal(val(&out[0], "turn"), -9); /* 4.733 * sqrt(4) */
    assert_int_equal(val(&out[0], "speed"), 3);
    assert_int_equal(val(&out[0], "course"), 3600);
    assert_int_equal(val(&out[0], "lat"), 34273840); /* 57.123067 * 600000, rounded */
    assert_int_equal(out[1].type, 5);
    assert_int_equal(val(&out[1], "shiptype"), 82);
    assert_int_equal(val(&out[1], "imo"), 0);
    assert_int_equal(val(&out[1], "to_bow"), 5);
    assert_int_equal(val(&out[1], "to_stern"), 13);
    assert_int_equal(val(&out[1], "epfd"), 1);
    assert_int_equal(val(&out[1], "draught"), 27);
    assert_string_equal(text(&out[1], "destination"), "HANSTHOLM, DK");
    /* base station and aid to navigation */
    const char *bs = "15/02/2023 00:00:00,Base Station,2190064,56.7166,11.5191,Unknown value,,,,,Unknown,,,Undefined,"
                     ",,,GPS,,,,AIS,,,,";
    assert_int_equal(lo_import_row(imp, bs, strlen(bs), out, &why), 1);
    assert_int_equal(out[0].type, 4);
    assert_int_equal(out[0].mmsi, 2190064);
    const char *aton = "15/02/2023 00:00:00,AtoN,992191018,55.885918,10.835283,Unknown value,,,,,Unknown,Unknown,"
                       "HATTER BARN,Undefined,,2,2,GPS,,Unknown,,AIS,1,1,1,1";
    assert_int_equal(lo_import_row(imp, aton, strlen(aton), out, &why), 1);
    assert_int_equal(out[0].type, 21);
    assert_string_equal(text(&out[0], "name"), "HATTER BARN");
    /* no position (91/181), static data only */
    const char *st = "01/10/2014 00:00:00,Class A,244059000,91,181,Unknown value,,,,,9263588,PEAE,LURO,Cargo,,14,89,"
                     "GPS,3.5,HELSINGBORG,01/10/2014 06:30:00,AIS,,,,";
    assert_int_equal(lo_import_row(imp, st, strlen(st), out, &why), 1);
    assert_int_equal(out[0].type, 5);
    lo_import_destroy(imp);
    /* the older files: ';' between fields and ',' in numbers */
    const char *hdr = "Timestamp;Type of mobile;MMSI;Latitude;Longitude;SOG";
    assert_int_equal(lo_import_create(hdr, strlen(hdr), &imp), 0);
    const char *semi = "01/10/2014 00:00:01;Class A;219000001;57,8794;17,9125;10,5";
    assert_int_equal(lo_import_row(imp, semi, strlen(semi), out, &why), 1);
    assert_int_equal(val(&out[0], "lat"), 34727640);
    assert_int_equal(val(&out[0], "speed"), 105);
    lo_import_destroy(imp);
    free(out);
}

/* ---- writers ---- */

static json_t *parse(const char *text_)
{
    json_error_t err;
    json_t *j = json_loads(text_, 0, &err);
    if (!j)
        fprintf(stderr, "%s: %s\n", text_, err.text);
    assert_non_null(j);
    return j;
}

static void writers(void **state)
{
    (void)state;
    char *buf = malloc(1 << 16);
    size_t len = 0;
    lo_geo_writer w;
    /* vessels as GeoJSON */
    lo_vessel v = vessel(219000001);
    snprintf(v.id.name, sizeof v.id.name, "A \"QUOTED\" NAME");
    v.first_seen_ms = v.last_seen_ms = T0;
    lo_vessel nopos = vessel(219000002);
    v.has_position = true;
    v.last = point(v.mmsi, T0, 55500000, -10250000, 1);
    lo_geo_init(&w, LO_GEO_GEOJSON, LO_GEO_VESSELS);
    len += (size_t)lo_geo_begin(&w, buf + len, 65536 - len);
    len += (size_t)lo_geo_vessel(&w, &v, buf + len, 65536 - len);
    len += (size_t)lo_geo_vessel(&w, &nopos, buf + len, 65536 - len);
    len += (size_t)lo_geo_end(&w, buf + len, 65536 - len);
    buf[len] = '\0';
    json_t *j = parse(buf);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "FeatureCollection");
    json_t *fs = json_object_get(j, "features");
    assert_int_equal(json_array_size(fs), 2);
    json_t *g = json_object_get(json_array_get(fs, 0), "geometry");
    assert_string_equal(json_string_value(json_object_get(g, "type")), "Point");
    assert_true(json_real_value(json_array_get(json_object_get(g, "coordinates"), 0)) == -10.25);
    assert_true(json_real_value(json_array_get(json_object_get(g, "coordinates"), 1)) == 55.5);
    json_t *props = json_object_get(json_array_get(fs, 0), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "name")), "A \"QUOTED\" NAME");
    assert_true(json_is_null(json_object_get(json_array_get(fs, 1), "geometry")));
    json_decref(j);

    /* a track: two segments, one of a single point, one across the antimeridian */
    lo_track_point p[5] = {point(1, T0, 10000000, 20000000, 1), point(1, T0 + 1000, 11000000, 21000000, 1),
                           point(1, T0, -16000000, 179000000, 2), point(1, T0 + 1000, -16500000, -179000000, 2),
                           point(1, T0 + 5000, 0, 0, 3)};
    len = 0;
    lo_geo_init(&w, LO_GEO_GEOJSON, LO_GEO_TRACK);
    len += (size_t)lo_geo_begin(&w, buf + len, 65536 - len);
    for (int i = 0; i < 5; i++)
        len += (size_t)lo_geo_point(&w, &p[i], buf + len, 65536 - len);
    len += (size_t)lo_geo_end(&w, buf + len, 65536 - len);
    buf[len] = '\0';
    j = parse(buf);
    fs = json_object_get(j, "features");
    assert_int_equal(json_array_size(fs), 4); /* segment 2 is cut in two parts */
    for (size_t i = 0; i < 4; i++) {
        json_t *f = json_array_get(fs, i);
        json_t *geom = json_object_get(f, "geometry");
        assert_string_equal(json_string_value(json_object_get(geom, "type")), "LineString");
        json_t *c = json_object_get(geom, "coordinates");
        assert_true(json_array_size(c) >= 2);
        for (size_t k = 0; k < json_array_size(c); k++) {
            double lon = json_number_value(json_array_get(json_array_get(c, k), 0));
            assert_true(lon >= -180 && lon <= 180);
        }
    }
    json_t *part1 = json_object_get(json_array_get(fs, 1), "geometry");
    json_t *c1 = json_object_get(part1, "coordinates");
    assert_true(json_number_value(json_array_get(json_array_get(c1, 1), 0)) == 180.0);
    assert_true(json_number_value(json_array_get(json_array_get(c1, 1), 1)) == -16.25); /* half way */
    json_t *props2 = json_object_get(json_array_get(fs, 2), "properties");
    assert_int_equal(json_integer_value(json_object_get(props2, "segment")), 2);
    assert_int_equal(json_integer_value(json_object_get(props2, "part")), 2);
    assert_int_equal(json_integer_value(json_object_get(props2, "points")), 1);
    json_t *last = json_object_get(json_object_get(json_array_get(fs, 3), "geometry"), "coordinates");
    assert_int_equal(json_array_size(last), 2); /* one point, twice */
    json_decref(j);

    /* CSV: a header, quoting */
    lo_geo_init(&w, LO_GEO_CSV, LO_GEO_VESSELS);
    snprintf(v.id.name, sizeof v.id.name, "NAME, WITH COMMA");
    len = (size_t)lo_geo_begin(&w, buf, 65536);
    len += (size_t)lo_geo_vessel(&w, &v, buf + len, 65536 - len);
    buf[len] = '\0';
    assert_non_null(strstr(buf, "mmsi,kind,flag,name,"));
    assert_non_null(strstr(buf, "\n219000001,vessel,DK,\"NAME, WITH COMMA\","));
    /* JSON lines: one object a line */
    lo_geo_init(&w, LO_GEO_JSON, LO_GEO_TRACK);
    len = (size_t)lo_geo_point(&w, &p[0], buf, 65536);
    assert_true(len > 0 && buf[len - 1] == '\n');
    buf[len] = '\0';
    j = parse(buf);
    assert_int_equal(json_integer_value(json_object_get(j, "segment")), 1);
    assert_true(json_real_value(json_object_get(j, "speed")) == 12.3);
    assert_true(json_is_null(json_object_get(j, "heading")));
    json_decref(j);
    /* no room: nothing written, state unchanged */
    lo_geo_init(&w, LO_GEO_GEOJSON, LO_GEO_TRACK);
    assert_int_equal(lo_geo_point(&w, &p[0], buf, 10), LO_E_NOSPACE);
    assert_int_equal(w.records, 0);
    assert_false(w.open);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_texts),          cmocka_unit_test(write_once_threaded),
        cmocka_unit_test(write_once_sync),      cmocka_unit_test(refused_values),
        cmocka_unit_test(segments_across_runs), cmocka_unit_test(interleaved_segments),
        cmocka_unit_test(identity_across_runs),
        cmocka_unit_test(queries_match_brute_force), cmocka_unit_test(events),
        cmocka_unit_test(import_marinecadastre), cmocka_unit_test(import_dma),
        cmocka_unit_test(writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
