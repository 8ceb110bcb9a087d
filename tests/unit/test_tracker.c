/* test_tracker.c - the vessel tracker on real AIS: vessel counts against the
 * distinct MMSIs of gpsd's reference decodes, static data merged into the right
 * vessel, a known Danish vessel's track against its reports, duplicates heard by
 * several stations counted once, two real ferries re-labelled to one MMSI (with
 * the encoder) split into two segments, identity history, MID table and station
 * kinds, report time without a feed time, eviction at the cap.
 *
 * Data (tests/data/SOURCES.md): aishub-nmea-sample.txt (AISHub, no receive
 * times: the tests give each message its line number as seconds),
 * gpsd-sample.aivdm (gpsd), dma-219165000_ssc_1.ais and its gpsd reference
 * decode, dma-two-ferries.txt (DMA, $PGHP times). Tests that need
 * ../shared/data (the full references, the other Danish files) skip without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/encode.h"
#include "lookout/output.h"
#include "lookout/stream.h"
#include "lookout/tracker.h"
#include "testutil.h"

#define DATA LOOKOUT_TEST_DATA
#define SHARED LOOKOUT_TEST_DATA "/../../../shared/data/ais"
#define T0 1700000000000LL /* start of the line clock for files without times */

/* ---- what the callbacks saw ---------------------------------------------------- */

#define MAX_PTS 4096
#define MAX_CH 64

typedef struct seen {
    uint32_t watch; /* MMSI whose points and changes are kept */
    lo_track_point *pts;
    unsigned npts;
    lo_identity_change ch[MAX_CH];
    unsigned nch;
    unsigned vessel_calls, evictions, evict_checked, evict_wrong;
    uint64_t points_all;
    lo_tracker *t;
} seen;

static void cb_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    seen *s = ctx;
    s->points_all++;
    assert_int_equal(v->mmsi, p->mmsi);
    if (p->mmsi == s->watch && s->npts < MAX_PTS)
        s->pts[s->npts++] = *p;
}

static void cb_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    seen *s = ctx;
    assert_int_equal(v->mmsi, c->mmsi);
    if (c->mmsi == s->watch && s->nch < MAX_CH)
        s->ch[s->nch++] = *c;
}

static void cb_vessel(void *ctx, const lo_vessel *v)
{
    (void)v;
    ((seen *)ctx)->vessel_calls++;
}

typedef struct min_ctx {
    int64_t min;
} min_ctx;

static int min_last_seen(void *ctx, const lo_vessel *v)
{
    min_ctx *m = ctx;
    if (v->last_seen_ms < m->min)
        m->min = v->last_seen_ms;
    return 0;
}

/* The evicted vessel must be the longest silent: no vessel was heard less recently. */
static void cb_evict(void *ctx, const lo_vessel *v)
{
    seen *s = ctx;
    if (s->evictions++ % 97 == 0) {
        min_ctx m = {INT64_MAX};
        lo_tracker_each(s->t, min_last_seen, &m);
        s->evict_checked++;
        if (v->last_seen_ms != m.min)
            s->evict_wrong++;
    }
}

static lo_tracker *new_tracker(seen *s, const lo_tracker_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->pts = calloc(MAX_PTS, sizeof *s->pts);
    assert_non_null(s->pts);
    lo_tracker_callbacks cb = {.ctx = s, .on_point = cb_point, .on_identity = cb_identity, .on_vessel = cb_vessel,
                               .on_evict = cb_evict};
    s->t = lo_tracker_create(cfg, &cb);
    assert_non_null(s->t);
    return s->t;
}

static void free_tracker(seen *s)
{
    lo_tracker_destroy(s->t);
    free(s->pts);
}

/* ---- feeding files --------------------------------------------------------------- */

typedef struct feed {
    lo_tracker *t;
    bool line_clock; /* time = T0 + line number seconds (files without times) */
    lo_report_clock clock;
    lo_message m;
    /* each decoded message, in order */
    uint32_t *mmsi;
    uint8_t *type;
    int64_t *time;
    int *rc;
    size_t n, cap;
} feed;

static int64_t time_of(feed *f, const lo_message *m)
{
    if (f->line_clock)
        return T0 + (int64_t)m->meta.line * 1000;
    int64_t t = lo_report_clock_time(&f->clock, m);
    return t == LO_TIME_NONE ? T0 : t;
}

static void feed_payload(void *ctx, const lo_payload *p)
{
    feed *f = ctx;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &f->m, &why))
        return;
    f->m.meta = p->meta;
    int64_t t = time_of(f, &f->m);
    int rc = lo_tracker_update(f->t, &f->m, t);
    assert_true(rc == 0 || rc == 1);
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 1024;
        f->mmsi = realloc(f->mmsi, f->cap * sizeof *f->mmsi);
        f->type = realloc(f->type, f->cap * sizeof *f->type);
        f->time = realloc(f->time, f->cap * sizeof *f->time);
        f->rc = realloc(f->rc, f->cap * sizeof *f->rc);
        assert_true(f->mmsi && f->type && f->time && f->rc);
    }
    f->mmsi[f->n] = f->m.mmsi;
    f->type[f->n] = f->m.type;
    f->time[f->n] = t;
    f->rc[f->n] = rc;
    f->n++;
}

static void feed_text(feed *f, const char *text, size_t len)
{
    lo_stream_callbacks cb = {.ctx = f, .on_payload = feed_payload};
    lo_stream *s = lo_stream_create(&cb, "test");
    lo_stream_feed(s, text, len);
    lo_stream_finish(s);
    lo_stream_destroy(s);
}

/* Feeds a file; false when it is not there. */
static bool feed_file(feed *f, lo_tracker *t, const char *path, bool line_clock)
{
    memset(f, 0, sizeof *f);
    f->t = t;
    f->line_clock = line_clock;
    lo_report_clock_init(&f->clock, LO_TIME_NONE);
    size_t len;
    char *text = tu_read_file(path, &len);
    if (!text)
        return false;
    feed_text(f, text, len);
    free(text);
    return true;
}

static void feed_free(feed *f)
{
    free(f->mmsi);
    free(f->type);
    free(f->time);
    free(f->rc);
}

/* ---- reference decodes (gpsdecode JSON lines) -------------------------------------- */

/* Integer value of "key": in a JSON line (no nesting in these lines). */
static bool jint(const char *line, const char *key, int64_t *out)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    *out = strtoll(p + strlen(pat), NULL, 10);
    return true;
}

/* Lines of a file (modified in place); returns the count. */
static size_t split_lines(char *text, char ***lines)
{
    size_t n = 0, cap = 1024;
    *lines = malloc(cap * sizeof **lines);
    for (char *p = text; *p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        if (*p) {
            if (n == cap)
                *lines = realloc(*lines, (cap *= 2) * sizeof **lines);
            (*lines)[n++] = p;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Distinct MMSIs of the "class":"AIS" lines of a reference; NULL when absent. */
static uint32_t *reference_mmsis(const char *path, size_t *count)
{
    char *text = tu_read_file(path, NULL);
    if (!text)
        return NULL;
    char **lines;
    size_t n = split_lines(text, &lines), k = 0;
    uint32_t *m = malloc((n + 1) * sizeof *m);
    for (size_t i = 0; i < n; i++) {
        int64_t v;
        if (strstr(lines[i], "\"class\":\"AIS\"") && jint(lines[i], "mmsi", &v))
            m[k++] = (uint32_t)v;
    }
    qsort(m, k, sizeof *m, cmp_u32);
    size_t d = 0;
    for (size_t i = 0; i < k; i++)
        if (d == 0 || m[d - 1] != m[i])
            m[d++] = m[i];
    *count = d;
    free(lines);
    free(text);
    return m;
}

/* ---- MID table and station kinds --------------------------------------------------- */

/* src/lib/mid.c (generated) gives exactly what data/mid.csv says, and nothing more. */
static void test_mid_table_matches_csv(void **state)
{
    (void)state;
    char *csv = tu_read_file(DATA "/../../data/mid.csv", NULL);
    assert_non_null(csv);
    char **lines;
    size_t n = split_lines(csv, &lines);
    assert_string_equal(lines[0], "mid,iso2,country");
    unsigned rows = 0;
    for (size_t i = 1; i < n; i++) {
        char *line = lines[i];
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        assert_non_null(c2);
        *c1 = *c2 = '\0';
        unsigned mid = (unsigned)strtoul(line, NULL, 10);
        char *country = c2 + 1;
        size_t cl = strlen(country);
        if (cl >= 2 && country[0] == '"' && country[cl - 1] == '"') {
            country[cl - 1] = '\0';
            country++;
        }
        assert_non_null(lo_mid_iso2(mid));
        assert_string_equal(lo_mid_iso2(mid), c1 + 1);
        assert_string_equal(lo_mid_country(mid), country);
        rows++;
    }
    unsigned allocated = 0;
    for (unsigned mid = 0; mid < 1200; mid++)
        allocated += lo_mid_iso2(mid) != NULL;
    assert_int_equal(allocated, rows);
    assert_int_equal(rows, 292);
    assert_null(lo_mid_country(200));
    assert_null(lo_mid_iso2(5000));
    free(lines);
    free(csv);
}

/* MMSIs heard in the reference decodes of ../shared/data/ais (gpsd sample,
 * AISHub, DMA, aisparser logs), each with the kind its digits give. */
static void test_station_kinds(void **state)
{
    (void)state;
    static const struct {
        uint32_t mmsi;
        lo_station_kind kind;
        unsigned mid;
        const char *iso2;
    } cases[] = {
        {219165000, LO_STATION_VESSEL, 219, "DK"},    /* DMA track */
        {538004030, LO_STATION_VESSEL, 538, "MH"},    /* DMA track */
        {412431610, LO_STATION_VESSEL, 412, "CN"},    /* AISHub */
        {3669702, LO_STATION_BASE, 366, "US"},        /* gpsd sample, type 4 */
        {2242115, LO_STATION_BASE, 224, "ES"},        /* gpsd sample, type 4 */
        {111232511, LO_STATION_SAR, 232, "GB"},       /* gpsd sample, type 9 */
        {992266600, LO_STATION_ATON, 226, "FR"},      /* type 21 */
        {992190002, LO_STATION_ATON, 219, "DK"},      /* type 21 (DMA) */
        {985200250, LO_STATION_AUXILIARY, 520, "FJ"}, /* type 24 */
        {970227235, LO_STATION_SART, 0, NULL},        /* type 14 SART test */
        {972158237, LO_STATION_MOB, 0, NULL},
        {974291422, LO_STATION_EPIRB, 0, NULL},
        {23232323, LO_STATION_GROUP, 232, "GB"},      /* 023232323 */
        {840856000, LO_STATION_DIVER, 408, "BH"},     /* 8MIDxxxxx */
        {812460774, LO_STATION_INVALID, 0, NULL},     /* 8 with MID 124 */
        {123456789, LO_STATION_INVALID, 0, NULL},     /* 1xx other than 111 */
        {111111111, LO_STATION_INVALID, 0, NULL},     /* 111 with MID 111 */
        {999999999, LO_STATION_INVALID, 0, NULL},     /* 99 with MID 999 */
        {961040384, LO_STATION_INVALID, 0, NULL},     /* 96x */
        {1025356646, LO_STATION_INVALID, 0, NULL},    /* ten digits */
        {0, LO_STATION_INVALID, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (lo_station_kind_of(cases[i].mmsi) != cases[i].kind || lo_mmsi_mid(cases[i].mmsi) != cases[i].mid)
            fail_msg("MMSI %u: kind %s MID %u, expected %s %u", cases[i].mmsi,
                     lo_station_kind_name(lo_station_kind_of(cases[i].mmsi)), lo_mmsi_mid(cases[i].mmsi),
                     lo_station_kind_name(cases[i].kind), cases[i].mid);
        const char *iso = lo_mid_iso2(lo_mmsi_mid(cases[i].mmsi));
        if (cases[i].iso2)
            assert_string_equal(iso, cases[i].iso2);
        else
            assert_null(iso);
    }
    assert_string_equal(lo_station_kind_name(LO_STATION_ATON), "aton");
    assert_string_equal(lo_station_kind_name(LO_STATION_BASE), "base");
    assert_string_equal(lo_mid_country(219), "Denmark");
}

/* ---- vessel counts against the references ----------------------------------------- */

/* AISHub sample: gpsd's reference decode names 11,074 MMSIs. lookout has one
 * more, 538734172, whose only messages are two 3-sentence type 25s that gpsd
 * rejects and lookout decodes (docs/gpsd-differences.md, "type 25 longer than
 * one slot"). With ../shared the sets are compared MMSI by MMSI. */
static void test_vessel_count_aishub(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/aishub-nmea-sample.txt", true));
    assert_int_equal(lo_tracker_count(t), 11075);
    const lo_vessel *odd = lo_tracker_get(t, 538734172);
    assert_non_null(odd);
    assert_int_equal(odd->types_seen, 1u << 25);
    const lo_tracker_stats *st = lo_tracker_get_stats(t);
    assert_int_equal(st->messages, f.n);
    assert_int_equal(st->reports + st->duplicates, st->messages);
    assert_int_equal(s.vessel_calls >= 11075, true);
    assert_int_equal(st->points, s.points_all);
    size_t nref;
    uint32_t *ref = reference_mmsis(SHARED "/reference/aishub-nmea-sample/nmea-sample.txt.gpsd.jsonl", &nref);
    if (ref) {
        assert_int_equal(nref, 11074);
        for (size_t i = 0; i < nref; i++)
            if (!lo_tracker_get(t, ref[i]))
                fail_msg("MMSI %u of the reference is not a vessel", ref[i]);
        free(ref);
    }
    feed_free(&f);
    free_tracker(&s);
}

/* gpsd's sample.aivdm: every message type; the reference has 87 MMSIs. */
static void test_vessel_count_gpsd_sample(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/gpsd-sample.aivdm", true));
    size_t nref;
    uint32_t *ref = reference_mmsis(SHARED "/reference/gpsd/sample.aivdm.gpsd.jsonl", &nref);
    if (ref) {
        assert_int_equal(nref, lo_tracker_count(t));
        for (size_t i = 0; i < nref; i++)
            assert_non_null(lo_tracker_get(t, ref[i]));
        free(ref);
    }
    assert_int_equal(lo_tracker_count(t), 87);
    feed_free(&f);
    free_tracker(&s);
}

/* The whole Danish feed sample (shared): as many vessels as the reference has
 * MMSIs, and no duplicates: DMA removed them before publishing it (a Python
 * count of identical payloads over the file finds none either). */
static void test_danish_feed(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    if (!feed_file(&f, t, SHARED "/dma-aisabnormal/ais-sample.txt", false)) {
        free_tracker(&s);
        skip();
    }
    size_t nref;
    uint32_t *ref = reference_mmsis(SHARED "/reference/dma-aisabnormal/ais-sample.txt.gpsd.jsonl", &nref);
    assert_non_null(ref);
    assert_int_equal(lo_tracker_count(t), nref);
    assert_int_equal(nref, 1508);
    const lo_tracker_stats *st = lo_tracker_get_stats(t);
    assert_int_equal(st->messages, 26077);
    assert_int_equal(st->duplicates, 0);
    free(ref);
    feed_free(&f);
    free_tracker(&s);
}

/* ---- static data -------------------------------------------------------------------- */

/* Values from the gpsd reference decode of the AISHub sample. */
static void test_static_merged(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/aishub-nmea-sample.txt", true));
    /* type 5, heard 8 times: NEW AMBITION, H8CN, IMO 9282613, cargo (70),
     * 150/19/10/19 m, "JP UKB OFF", draught 9.8 m */
    const lo_vessel *v = lo_tracker_get(t, 356879000);
    assert_non_null(v);
    assert_string_equal(v->id.name, "NEW AMBITION");
    assert_string_equal(v->id.callsign, "H8CN");
    assert_int_equal(v->id.imo, 9282613);
    assert_int_equal(v->id.ship_type, 70);
    assert_int_equal(v->id.to_bow, 150);
    assert_int_equal(v->id.to_stern, 19);
    assert_int_equal(v->id.to_port, 10);
    assert_int_equal(v->id.to_starboard, 19);
    assert_string_equal(v->id.destination, "JP UKB OFF");
    assert_int_equal(v->id.draught, 98);
    assert_string_equal(v->flag_iso2, "PA");
    assert_int_equal(v->kind, LO_STATION_VESSEL);
    assert_true(v->has_position);
    assert_true(v->types_seen & (1u << 5));
    /* Class B: name from 24A, call sign, type and size from 24B */
    v = lo_tracker_get(t, 503513400);
    assert_non_null(v);
    assert_string_equal(v->id.name, "WHITEBIRDS");
    assert_string_equal(v->id.callsign, "VMQ9877");
    assert_int_equal(v->id.ship_type, 37);
    assert_int_equal(v->id.to_bow, 20);
    assert_int_equal(v->id.to_stern, 2);
    assert_int_equal(v->id.to_port, 2);
    assert_int_equal(v->id.to_starboard, 2);
    assert_int_equal(v->id.imo, 0);
    assert_string_equal(v->flag_iso2, "AU");
    feed_free(&f);
    free_tracker(&s);
}

/* 412431610 in the AISHub sample: type 5 at line 1119 says MINGYANGZHOU 9,
 * BLFS9, type 70, 85/15/8/8; 24A at line 48151 says MING YANG ZHOU 9; 24B at
 * line 75394 says BLFS9, 70, 85/15/10/6. Every first value and every change is
 * reported once, with the time of the message that brought it. */
static void test_identity_history(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    s.watch = 412431610;
    feed f;
    assert_true(feed_file(&f, t, DATA "/aishub-nmea-sample.txt", true));
    static const struct {
        lo_identity_field field;
        const char *old_value, *new_value;
        unsigned line;
    } want[] = {
        {LO_ID_NAME, "", "MINGYANGZHOU 9", 1119},
        {LO_ID_CALLSIGN, "", "BLFS9", 1119},
        {LO_ID_SHIP_TYPE, "", "70", 1119},
        {LO_ID_DIMENSIONS, "", "85/15/8/8", 1119},
        {LO_ID_NAME, "MINGYANGZHOU 9", "MING YANG ZHOU 9", 48151},
        {LO_ID_DIMENSIONS, "85/15/8/8", "85/15/10/6", 75394},
    };
    assert_int_equal(s.nch, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < s.nch; i++) {
        assert_int_equal(s.ch[i].field, want[i].field);
        assert_string_equal(s.ch[i].old_value, want[i].old_value);
        assert_string_equal(s.ch[i].new_value, want[i].new_value);
        assert_int_equal(s.ch[i].time_ms, T0 + (int64_t)want[i].line * 1000);
        assert_int_equal(s.ch[i].mmsi, 412431610);
    }
    const lo_vessel *v = lo_tracker_get(t, 412431610);
    assert_string_equal(v->id.name, "MING YANG ZHOU 9");
    assert_string_equal(v->id.callsign, "BLFS9");
    assert_int_equal(v->id.to_port, 10);
    assert_int_equal(v->id.to_starboard, 6);
    assert_string_equal(v->flag_iso2, "CN");
    feed_free(&f);
    free_tracker(&s);
}

/* ---- positions of each kind of station (gpsd sample, values from its reference) ---- */

static void test_positions_by_type(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/gpsd-sample.aivdm", true));
    /* type 27, 1/10 minute: lat 2904 lon 82214, 57 kn, 167 degrees */
    const lo_vessel *v = lo_tracker_get(t, 206914217);
    assert_true(v && v->has_position);
    assert_int_equal(v->last.lat_udeg, 4840000);   /* 2904 / 600 degrees */
    assert_int_equal(v->last.lon_udeg, 137023333); /* 82214 / 600 = 137.0233333 */
    assert_int_equal(v->last.speed, 570);
    assert_int_equal(v->last.course, 1670);
    assert_int_equal(v->last.status, 2);
    assert_int_equal(v->last.type, 27);
    /* type 9 SAR aircraft: whole knots */
    v = lo_tracker_get(t, 111232511);
    assert_true(v && v->has_position);
    assert_int_equal(v->kind, LO_STATION_SAR);
    assert_int_equal(v->last.speed, 420);
    assert_int_equal(v->last.course, 1545);
    assert_int_equal(v->last.heading, 511);
    assert_int_equal(v->last.lat_udeg, 58144000); /* 34886400 / 600000 */
    /* type 4 base station */
    v = lo_tracker_get(t, 3669702);
    assert_true(v && v->has_position);
    assert_int_equal(v->kind, LO_STATION_BASE);
    assert_int_equal(v->last.lat_udeg, 36883767);  /* 22130260 / 600000 = 36.8837667 */
    assert_int_equal(v->last.lon_udeg, -76352362); /* -45811417 / 600000 = -76.3523617 */
    assert_true(v->last.accuracy);
    /* type 4 with lat 91, lon 181: no position */
    v = lo_tracker_get(t, 2470052);
    assert_non_null(v);
    assert_false(v->has_position);
    /* type 21 with its name extension */
    v = lo_tracker_get(t, 123456789);
    assert_non_null(v);
    assert_string_equal(v->id.name, "CHINA ROSE MURPHY EXPRESS ALERT");
    assert_int_equal(v->aid_type, 20);
    assert_true(v->has_position);
    assert_true(lo_tracker_get_stats(t)->no_position >= 1);
    feed_free(&f);
    free_tracker(&s);
}

/* Encode a JSON message to NMEA text with a tag block time; appends to out. */
static size_t encode_line(const char *json, int64_t time_ms, const char *station, char *out, size_t cap)
{
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    char err[200];
    int rc = lo_encode_json(json, strlen(json), NULL, bits, &nbits, NULL, err, sizeof err);
    if (rc)
        fail_msg("encode %s: %s", json, err);
    lo_nmea_opts o = {.tag_block = true, .time_ms = time_ms, .station = station};
    char nmea[LO_MAX_NMEA_OUT];
    int n = lo_encode_nmea(bits, nbits, &o, nmea, sizeof nmea);
    assert_true(n > 0 && (size_t)n < cap);
    memcpy(out, nmea, (size_t)n + 1);
    return (size_t)n;
}

/* Replace the first "key":value of a JSON line by "key":repl. */
static void jset(char *json, size_t cap, const char *key, const char *repl)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    char *p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    char *e = p;
    while (*e && *e != ',' && *e != '}')
        e++;
    char rest[16384];
    snprintf(rest, sizeof rest, "%s", e);
    snprintf(p, cap - (size_t)(p - json), "%s%s", repl, rest);
}

/* Impossible positions never become points: a real type 1 report (gpsd sample,
 * 371798000) re-encoded with lat 95 degrees, lon 200 degrees, and 0/0. */
static void test_impossible_positions(void **state)
{
    (void)state;
    tu_run *r = tu_decode_text("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n");
    assert_int_equal(r->nmsgs, 1);
    char json[4096];
    snprintf(json, sizeof json, "%s", tu_json(&r->msgs[0]));
    char text[8192];
    size_t len = 0;
    len += encode_line(json, T0, NULL, text + len, sizeof text - len); /* good */
    jset(json, sizeof json, "lat", "57000000");                       /* 95 degrees */
    len += encode_line(json, T0 + 60000, NULL, text + len, sizeof text - len);
    jset(json, sizeof json, "lat", "29028980");
    jset(json, sizeof json, "lon", "-120000000"); /* -200 degrees */
    len += encode_line(json, T0 + 120000, NULL, text + len, sizeof text - len);
    jset(json, sizeof json, "lat", "0");
    jset(json, sizeof json, "lon", "0");
    len += encode_line(json, T0 + 180000, NULL, text + len, sizeof text - len);
    jset(json, sizeof json, "lat", "54600000"); /* 91: not available */
    jset(json, sizeof json, "lon", "108600000");
    len += encode_line(json, T0 + 240000, NULL, text + len, sizeof text - len);
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f = {.t = t};
    lo_report_clock_init(&f.clock, LO_TIME_NONE);
    feed_text(&f, text, len);
    const lo_tracker_stats *st = lo_tracker_get_stats(t);
    assert_int_equal(st->reports, 5);
    assert_int_equal(st->points, 1);
    assert_int_equal(st->bad_position, 2);
    assert_int_equal(st->zero_position, 1);
    assert_int_equal(st->no_position, 1);
    const lo_vessel *v = lo_tracker_get(t, 371798000);
    assert_int_equal(v->last.lat_udeg, 48381633); /* 29028980 / 600000 */
    assert_int_equal(v->last.time_ms, T0);
    assert_int_equal(v->last_seen_ms, T0 + 240000);
    feed_free(&f);
    free_tracker(&s);
    tu_free(r);
}

/* ---- a known vessel's track and its duplicates ---------------------------------------- */

/* The track of the file's vessel against gpsd's decode of the same file: the
 * n-th decoded message is the n-th reference line. A message is a duplicate
 * when the same content (the reference JSON without "repeat") was taken within
 * 10 s before or after; every other position report with a position is a
 * point, with gpsd's values. Returns false when the files are missing. */
static bool check_track(const char *nmea_path, const char *ref_path, uint32_t mmsi, unsigned *dups_out,
                        unsigned *points_out)
{
    char *ref_text = tu_read_file(ref_path, NULL);
    if (!ref_text)
        return false;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    s.watch = mmsi;
    feed f;
    if (!feed_file(&f, t, nmea_path, false)) {
        free(ref_text);
        free_tracker(&s);
        return false;
    }
    char **ref;
    size_t nref = split_lines(ref_text, &ref);
    assert_int_equal(nref, f.n);
    /* content keys: the line without its "repeat" value */
    char **keys = calloc(nref, sizeof *keys);
    int64_t *taken_at = calloc(nref, sizeof *taken_at);
    bool *taken = calloc(nref, sizeof *taken);
    unsigned dups = 0, npts = 0;
    for (size_t i = 0; i < nref; i++) {
        int64_t v;
        assert_true(jint(ref[i], "mmsi", &v));
        assert_int_equal(v, f.mmsi[i]);
        assert_true(jint(ref[i], "type", &v));
        assert_int_equal(v, f.type[i]);
        keys[i] = strdup(ref[i]);
        char *rp = strstr(keys[i], "\"repeat\":");
        if (rp)
            rp[9] = 'x';
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            if (taken[j] && strcmp(keys[j], keys[i]) == 0 && llabs(f.time[i] - taken_at[j]) <= 10000)
                dup = true;
        assert_int_equal(f.rc[i], dup ? 0 : 1);
        if (dup) {
            dups++;
            continue;
        }
        taken[i] = true;
        taken_at[i] = f.time[i];
        int64_t lat, lon;
        unsigned type = f.type[i];
        if (f.mmsi[i] != mmsi || !(type <= 3 || type == 18 || type == 19) || !jint(ref[i], "lat", &lat) ||
            !jint(ref[i], "lon", &lon) || lat == 54600000 || lon == 108600000)
            continue;
        assert_true(npts < s.npts);
        const lo_track_point *p = &s.pts[npts++];
        int64_t speed = -1, course = -1, heading = -1;
        assert_true(jint(ref[i], "speed", &speed) && jint(ref[i], "course", &course) &&
                    jint(ref[i], "heading", &heading));
        assert_int_equal(p->time_ms, f.time[i]);
        assert_int_equal(p->lat_udeg, llround(lat / 0.6));
        assert_int_equal(p->lon_udeg, llround(lon / 0.6));
        assert_int_equal(p->speed, speed);
        assert_int_equal(p->course, course);
        assert_int_equal(p->heading, heading);
        assert_int_equal(p->type, type);
        assert_int_equal(p->segment, 1);
    }
    assert_int_equal(npts, s.npts); /* no point the reference does not have */
    const lo_vessel *v = lo_tracker_get(t, mmsi);
    assert_non_null(v);
    assert_int_equal(v->duplicates, dups);
    assert_int_equal(v->segments, 1);
    assert_int_equal(lo_tracker_get_stats(t)->duplicates, dups);
    *dups_out = dups;
    *points_out = npts;
    for (size_t i = 0; i < nref; i++)
        free(keys[i]);
    free(keys);
    free(taken_at);
    free(taken);
    free(ref);
    free(ref_text);
    feed_free(&f);
    free_tracker(&s);
    return true;
}

/* 219165000 (DMA): 80 messages heard by several stations, 52 of them repeats
 * within 10 s of one taken (an independent Python count over the file's $PGHP
 * times and payloads agrees), 20 positions. */
static void test_known_track_danish(void **state)
{
    (void)state;
    unsigned dups, pts;
    assert_true(check_track(DATA "/dma-219165000_ssc_1.ais", DATA "/dma-219165000_ssc_1.ais.gpsd.jsonl",
                            219165000, &dups, &pts));
    assert_int_equal(dups, 52);
    assert_int_equal(pts, 20);
}

/* The two longer DMA tracks (shared data). */
static void test_known_tracks_danish_shared(void **state)
{
    (void)state;
    unsigned dups, pts;
    if (!check_track(SHARED "/dma-aisabnormal/212123000_drift_1.ais",
                     SHARED "/reference/dma-aisabnormal/212123000_drift_1.ais.gpsd.jsonl", 212123000, &dups, &pts))
        skip();
    assert_int_equal(dups, 2082);
    assert_int_equal(pts, 901);
    assert_true(check_track(SHARED "/dma-aisabnormal/538004030_drift_1.ais",
                            SHARED "/reference/dma-aisabnormal/538004030_drift_1.ais.gpsd.jsonl", 538004030, &dups,
                            &pts));
    assert_int_equal(dups, 4307);
    assert_int_equal(pts, 916);
}

/* The first report of 212123000_drift_1.ais as three stations heard it
 * (992190917 at 16:30:03.887, 2190077 at 16:30:04.137, a third at 04.761), then
 * on the other channel, relayed by a repeater (repeat indicator 1), and once
 * more 11 s after it was first taken. */
static void test_duplicates(void **state)
{
    (void)state;
    const char *body = "AIVDM,1,1,,B,13:BuN001=15mQFOjcOBG1p800SK,0";
    tu_run *r = tu_decode_text(tu_nmea(body));
    assert_int_equal(r->nmsgs, 1);
    lo_message m = r->msgs[0];
    char json[4096];
    snprintf(json, sizeof json, "%s", tu_json(&m));
    jset(json, sizeof json, "repeat", "1");
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    assert_int_equal(lo_encode_json(json, strlen(json), NULL, bits, &nbits, NULL, NULL, 0), 0);
    lo_message relayed;
    lo_reject why;
    assert_int_equal(lo_decode(bits, nbits, &relayed, &why), 0);
    assert_int_equal(relayed.repeat, 1);
    const int64_t t1 = 1412267403887LL; /* 2014-10-02T16:30:03.887Z */
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    s.watch = 212123000;
    assert_int_equal(lo_tracker_update(t, &m, t1), 1);
    strcpy(m.meta.station, "2190077");
    assert_int_equal(lo_tracker_update(t, &m, t1 + 250), 0);
    m.meta.station[0] = '\0';
    assert_int_equal(lo_tracker_update(t, &m, t1 + 874), 0);
    m.meta.channel = 'A';
    assert_int_equal(lo_tracker_update(t, &m, t1 + 900), 0);
    assert_int_equal(lo_tracker_update(t, &relayed, t1 + 1500), 0);
    assert_int_equal(lo_tracker_update(t, &m, t1 - 2000), 0); /* heard earlier elsewhere, delivered late */
    assert_int_equal(lo_tracker_update(t, &m, t1 + 11000), 1);
    const lo_vessel *v = lo_tracker_get(t, 212123000);
    assert_int_equal(v->reports, 2);
    assert_int_equal(v->duplicates, 5);
    assert_int_equal(s.npts, 2);
    assert_int_equal(v->last_seen_ms, t1 + 11000);
    free_tracker(&s);
    /* negative window: no duplicate removal */
    lo_tracker_config cfg = {.dedup_window_ms = -1};
    t = new_tracker(&s, &cfg);
    assert_int_equal(lo_tracker_update(t, &m, t1), 1);
    assert_int_equal(lo_tracker_update(t, &m, t1), 1);
    free_tracker(&s);
    tu_free(r);
}

/* ---- segments: two transmitters sharing one MMSI ------------------------------------- */

typedef struct ferry_pos {
    int32_t lat, lon;
    uint32_t mmsi;
} ferry_pos;

/* Re-encodes every report, 219601000 changed to 219017081, as NMEA text with a
 * tag block carrying the report's time and station. */
typedef struct relabel {
    char *out;
    size_t len, cap;
    ferry_pos *pos; /* position and true MMSI of each report */
    size_t npos, maxpos;
    lo_message m;
} relabel;

static void relabel_payload(void *ctx, const lo_payload *p)
{
    relabel *c = ctx;
    lo_reject why;
    assert_int_equal(lo_decode(p->bits, p->nbits, &c->m, &why), 0);
    int64_t lat = lo_message_int(&c->m, "lat", 0), lon = lo_message_int(&c->m, "lon", 0);
    assert_true(c->npos < c->maxpos);
    c->pos[c->npos++] = (ferry_pos){(int32_t)llround(lat / 0.6), (int32_t)llround(lon / 0.6), c->m.mmsi};
    char json[4096];
    snprintf(json, sizeof json, "%s", tu_json(&c->m));
    if (c->m.mmsi == 219601000)
        jset(json, sizeof json, "mmsi", "219017081");
    c->len += encode_line(json, p->meta.rx_time_ms, p->meta.station, c->out + c->len, c->cap - c->len);
}

/* dma-two-ferries.txt: the reports of 219017081 (34 kn) and 219601000 (36 kn),
 * 18 km apart, each re-encoded (lo_encode_json + lo_encode_nmea, tag block with
 * the $PGHP time and station) with 219601000 changed to 219017081. Each report
 * joins the segment of the ferry that sent it: two segments, never mixed. As
 * they are, each ferry is one segment. */
static void test_two_transmitters_one_mmsi(void **state)
{
    (void)state;
    /* as they are */
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/dma-two-ferries.txt", false));
    assert_int_equal(lo_tracker_count(t), 2);
    assert_int_equal(lo_tracker_get(t, 219017081)->segments, 1);
    assert_int_equal(lo_tracker_get(t, 219601000)->segments, 1);
    size_t total = f.n;
    feed_free(&f);
    free_tracker(&s);

    /* re-labelled */
    size_t flen;
    char *file = tu_read_file(DATA "/dma-two-ferries.txt", &flen);
    assert_non_null(file);
    relabel c = {.cap = 1 << 20, .maxpos = total};
    c.out = malloc(c.cap);
    c.pos = calloc(total, sizeof *c.pos);
    assert_true(c.out && c.pos);
    lo_stream_callbacks cb = {.ctx = &c, .on_payload = relabel_payload};
    lo_stream *st = lo_stream_create(&cb, "test");
    lo_stream_feed(st, file, flen);
    lo_stream_finish(st);
    lo_stream_destroy(st);
    free(file);
    assert_int_equal(c.npos, total);

    t = new_tracker(&s, NULL);
    s.watch = 219017081;
    f = (feed){.t = t};
    lo_report_clock_init(&f.clock, LO_TIME_NONE);
    feed_text(&f, c.out, c.len);
    assert_int_equal(f.n, total);
    assert_int_equal(lo_tracker_count(t), 1);
    const lo_vessel *v = lo_tracker_get(t, 219017081);
    assert_int_equal(v->segments, 2);
    uint32_t seg_of[2] = {0, 0};
    unsigned from[2] = {0, 0};
    for (unsigned i = 0; i < s.npts; i++) {
        const lo_track_point *p = &s.pts[i];
        int who = -1;
        for (size_t k = 0; k < c.npos && who < 0; k++)
            if (c.pos[k].lat == p->lat_udeg && c.pos[k].lon == p->lon_udeg)
                who = c.pos[k].mmsi == 219017081 ? 0 : 1;
        assert_true(who >= 0);
        if (!seg_of[who])
            seg_of[who] = p->segment;
        assert_int_equal(p->segment, seg_of[who]);
        from[who]++;
    }
    assert_true(seg_of[0] && seg_of[1] && seg_of[0] != seg_of[1]);
    assert_true(from[0] > 100 && from[1] > 100);
    feed_free(&f);
    free_tracker(&s);
    free(c.out);
    free(c.pos);
}

/* ---- report time --------------------------------------------------------------------- */

static void test_report_time(void **state)
{
    (void)state;
    tu_run *r = tu_decode_text(
        /* AISHub sample line 1: type 1, second 14 */
        "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
        /* gpsd sample: type 4 of 3669702, 2007-05-14T19:57:39Z */
        "!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D\n"
        /* gpsd sample: type 4 of 2470052, time not available */
        "!AIVDM,1,1,,A,402Fha0000Htt<tSF0l4Q@000d20,0*65\n"
        /* gpsd sample: type 5 */
        "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n"
        "!AIVDM,2,2,3,B,1@0000000000000,2*55\n");
    assert_int_equal(r->nmsgs, 4);
    const lo_message *pos = &r->msgs[0], *base = &r->msgs[1], *base_na = &r->msgs[2], *stat = &r->msgs[3];
    assert_int_equal(lo_message_int(pos, "second", -1), 14);
    const int64_t noon = 1384257600000LL; /* 2013-11-12T12:00:00Z */
    assert_int_equal(lo_report_time(pos, noon + 10500), noon + 14000);
    assert_int_equal(lo_report_time(pos, noon + 40000), noon + 14000);      /* 26 s back */
    assert_int_equal(lo_report_time(pos, noon + 50000), noon + 74000);      /* next minute */
    assert_int_equal(lo_report_time(pos, noon + 59999), noon + 74000);
    assert_int_equal(lo_report_time(pos, noon - 50000), noon - 46000);      /* 11:59:14 */
    assert_int_equal(lo_report_time(pos, LO_TIME_NONE), LO_TIME_NONE);
    assert_int_equal(lo_report_time(stat, noon + 1234), noon + 1234);       /* no second */
    assert_int_equal(lo_report_time(base, LO_TIME_NONE), 1179172659000LL); /* its own time */
    assert_int_equal(lo_report_time(base, noon + 20000), noon + 39000);    /* its second */
    assert_int_equal(lo_report_time(base_na, LO_TIME_NONE), LO_TIME_NONE);
    assert_int_equal(lo_report_time(base_na, noon), noon);
    tu_free(r);
    /* the tracker refuses a message without a time */
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    assert_int_equal(lo_tracker_update(t, pos, LO_TIME_NONE), LO_E_INVAL);
    assert_int_equal(lo_tracker_update(t, NULL, noon), LO_E_INVAL);
    assert_int_equal(lo_tracker_count(t), 0);
    free_tracker(&s);
}

/* lo_report_clock over a whole file, with the receive times hidden from it. */
typedef struct clock_run {
    lo_report_clock clock;
    lo_message m;
    size_t n, none, within3, beyond30, timed;
    int64_t first_base, last_base, min_t, max_t;
} clock_run;

static void clock_payload(void *ctx, const lo_payload *p)
{
    clock_run *c = ctx;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &c->m, &why))
        return;
    c->m.meta = p->meta;
    int64_t truth = c->m.meta.rx_time_ms;
    c->m.meta.rx_time_ms = LO_TIME_NONE;
    int64_t base = lo_report_time(&c->m, LO_TIME_NONE);
    if (base != LO_TIME_NONE) {
        if (c->first_base == LO_TIME_NONE)
            c->first_base = base;
        c->last_base = base;
    }
    int64_t t = lo_report_clock_time(&c->clock, &c->m);
    c->n++;
    if (t == LO_TIME_NONE) {
        c->none++;
        return;
    }
    if (t < c->min_t)
        c->min_t = t;
    if (t > c->max_t)
        c->max_t = t;
    if (truth != LO_TIME_NONE) {
        int64_t err = llabs(t - truth);
        c->timed++;
        c->within3 += err <= 3000;
        c->beyond30 += err > 30000;
    }
}

static bool clock_file(clock_run *c, const char *path)
{
    memset(c, 0, sizeof *c);
    lo_report_clock_init(&c->clock, LO_TIME_NONE);
    c->first_base = c->last_base = LO_TIME_NONE;
    c->min_t = INT64_MAX;
    c->max_t = INT64_MIN;
    size_t len;
    char *text = tu_read_file(path, &len);
    if (!text)
        return false;
    lo_stream_callbacks cb = {.ctx = c, .on_payload = clock_payload};
    lo_stream *s = lo_stream_create(&cb, "test");
    lo_stream_feed(s, text, len);
    lo_stream_finish(s);
    lo_stream_destroy(s);
    free(text);
    return true;
}

/* The AISHub sample has no receive times; its base stations say it runs from
 * 11:30:14 to 11:33:31 UTC on 2012-03-14 (one says 06:30:50: a wrong clock).
 * The report clock starts at the first base station time (the 40 messages
 * before it have none) and ends within a few seconds of the last. */
static void test_report_clock_aishub(void **state)
{
    (void)state;
    clock_run c;
    assert_true(clock_file(&c, DATA "/aishub-nmea-sample.txt"));
    const int64_t start = 1331724615000LL; /* 2012-03-14T11:30:15Z, line 45 */
    const int64_t end = 1331724811000LL;   /* 2012-03-14T11:33:31Z */
    assert_int_equal(c.first_base, start);
    assert_int_equal(c.last_base, 1331724810000LL); /* 11:33:30, the file's last line */
    assert_int_equal(c.none, 40);
    assert_true(llabs(c.clock.now - end) <= 5000);
    assert_true(c.min_t >= start - 90000);
    assert_true(c.max_t <= end + 90000);
}

/* The DMA sample with its $PGHP receive times hidden from the clock: the
 * report time is within 3 s of the receive time for 89.8 % of the reports
 * (at least 85 % required) and more than 30 s off for 0.1 % (28 of 26,046). */
static void test_report_clock_danish(void **state)
{
    (void)state;
    clock_run c;
    if (!clock_file(&c, SHARED "/dma-aisabnormal/ais-sample.txt"))
        skip();
    print_message("report clock on the DMA sample: %zu reports, %zu within 3 s, %zu beyond 30 s, %zu without time\n",
                  c.timed, c.within3, c.beyond30, c.none);
    assert_true(c.timed > 25000);
    assert_true(c.within3 * 100 >= c.timed * 85);
    assert_true(c.beyond30 * 1000 <= c.timed * 2);
}

/* A start given by the user: base stations do not move it; a message with a
 * receive time sets it. */
static void test_report_clock_start(void **state)
{
    (void)state;
    tu_run *r = tu_decode_text("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
                               "!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D\n");
    assert_int_equal(r->nmsgs, 2);
    const int64_t noon = 1384257600000LL;
    lo_report_clock c;
    lo_report_clock_init(&c, noon);
    assert_int_equal(lo_report_clock_time(&c, &r->msgs[1]), noon - 21000); /* its second (11:59:39), not its 2007 date */
    for (int i = 0; i < 5; i++)
        lo_report_clock_time(&c, &r->msgs[1]);
    assert_int_equal(c.now, noon - 21000);                                /* the median of its reports */
    assert_int_equal(lo_report_clock_time(&c, &r->msgs[0]), noon - 46000); /* second 14: 11:59:14 */
    lo_message m = r->msgs[0];
    m.meta.rx_time_ms = noon + 3600000;
    assert_int_equal(lo_report_clock_time(&c, &m), noon + 3600000);
    assert_int_equal(lo_report_clock_time(&c, &r->msgs[0]), noon + 3600000 + 14000);
    /* no start: nothing until a base station */
    lo_report_clock_init(&c, LO_TIME_NONE);
    assert_int_equal(lo_report_clock_time(&c, &r->msgs[0]), LO_TIME_NONE);
    assert_int_equal(lo_report_clock_time(&c, &r->msgs[1]), 1179172659000LL);
    tu_free(r);
}

/* ---- the cap --------------------------------------------------------------------------- */

/* The AISHub sample (11,075 MMSIs) into a table of 1,000: the rest are
 * evicted, each time the vessel heard least recently. */
static void test_eviction_at_cap(void **state)
{
    (void)state;
    seen s;
    lo_tracker_config cfg = {.max_vessels = 1000};
    lo_tracker *t = new_tracker(&s, &cfg);
    feed f;
    assert_true(feed_file(&f, t, DATA "/aishub-nmea-sample.txt", true));
    const lo_tracker_stats *st = lo_tracker_get_stats(t);
    assert_int_equal(lo_tracker_count(t), 1000);
    assert_int_equal(st->peak_vessels, 1000);
    assert_true(st->evicted >= 11075 - 1000);
    assert_int_equal(s.evictions, st->evicted);
    assert_true(s.evict_checked > 50);
    assert_int_equal(s.evict_wrong, 0);
    /* the last 1,000 MMSIs heard are the ones kept */
    int64_t newest = f.time[f.n - 1];
    min_ctx m = {INT64_MAX};
    lo_tracker_each(t, min_last_seen, &m);
    unsigned kept = 0;
    for (size_t i = 0; i < f.n; i++)
        if (f.time[i] >= m.min)
            kept += lo_tracker_get(t, f.mmsi[i]) != NULL;
    assert_true(kept > 0);
    for (size_t i = 0; i < f.n; i++)
        if (f.time[i] > m.min && f.rc[i] == 1)
            assert_non_null(lo_tracker_get(t, f.mmsi[i]));
    assert_int_equal(lo_tracker_get(t, f.mmsi[f.n - 1])->last_seen_ms, newest);
    feed_free(&f);
    free_tracker(&s);
}

/* lo_tracker_each visits every vessel once, oldest first, and stops on request. */
static int count_visit(void *ctx, const lo_vessel *v)
{
    int64_t *c = ctx;
    if (v->last_seen_ms < c[1])
        c[2]++; /* out of order */
    c[1] = v->last_seen_ms;
    return ++c[0] == 5000 ? 7 : 0;
}

static void test_each(void **state)
{
    (void)state;
    seen s;
    lo_tracker *t = new_tracker(&s, NULL);
    feed f;
    assert_true(feed_file(&f, t, DATA "/aishub-nmea-sample.txt", true));
    int64_t c[3] = {0, INT64_MIN, 0};
    assert_int_equal(lo_tracker_each(t, count_visit, c), 7);
    assert_int_equal(c[0], 5000);
    assert_int_equal(c[2], 0);
    feed_free(&f);
    free_tracker(&s);
}

/* Hostile input: random message bits of every type and length, random MMSIs
 * from a small and a large range, times anywhere in int64 (a forged tag block
 * can say anything), into a small table. Nothing may crash or trip the
 * sanitizers, and the counts must stay consistent. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_hostile_input(void **state)
{
    (void)state;
    seen s;
    lo_tracker_config cfg = {.max_vessels = 300, .hash_seed = 12345};
    lo_tracker *t = new_tracker(&s, &cfg);
    lo_report_clock clock;
    lo_report_clock_init(&clock, LO_TIME_NONE);
    lo_message m;
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    unsigned decoded = 0;
    int64_t now = 1700000000000LL;
    for (int i = 0; i < 200000; i++) {
        for (size_t k = 0; k < sizeof bits; k++)
            bits[k] = (uint8_t)rnd();
        unsigned type = 1 + (unsigned)(rnd() % 27);
        uint32_t mmsi = rnd() % 4 ? (uint32_t)(rnd() % 2000) : (uint32_t)(rnd() & 0x3FFFFFFF);
        bits[0] = (uint8_t)(type << 2 | (bits[0] & 3));
        bits[1] = (uint8_t)(mmsi >> 22);
        bits[2] = (uint8_t)(mmsi >> 14);
        bits[3] = (uint8_t)(mmsi >> 6);
        bits[4] = (uint8_t)((mmsi << 2) | (bits[4] & 3));
        uint32_t nbits = 38 + (uint32_t)(rnd() % (LO_MAX_PAYLOAD_BITS - 37));
        if (rnd() % 2)
            nbits = 38 + (uint32_t)(rnd() % 400);
        lo_reject why;
        if (lo_decode(bits, nbits, &m, &why))
            continue;
        decoded++;
        memset(&m.meta, 0, sizeof m.meta);
        m.meta.rx_time_ms = rnd() % 3 ? LO_TIME_NONE : now;
        int64_t tm;
        switch (rnd() % 6) {
        case 0: tm = (int64_t)rnd(); break;
        case 1: tm = INT64_MAX - (int64_t)(rnd() % 100000); break;
        case 2: tm = INT64_MIN + 1 + (int64_t)(rnd() % 100000); break;
        default: tm = now += (int64_t)(rnd() % 3000); break;
        }
        if (tm == LO_TIME_NONE)
            tm++;
        (void)lo_report_time(&m, (int64_t)rnd());
        (void)lo_report_time(&m, INT64_MAX);
        (void)lo_report_time(&m, INT64_MIN + 1);
        (void)lo_report_clock_time(&clock, &m);
        int rc = lo_tracker_update(t, &m, tm);
        assert_true(rc == 0 || rc == 1);
    }
    const lo_tracker_stats *st = lo_tracker_get_stats(t);
    assert_true(decoded > 10000);
    assert_int_equal(st->messages, decoded);
    assert_int_equal(st->reports + st->duplicates, st->messages);
    assert_true(lo_tracker_count(t) <= 300);
    assert_int_equal(st->points, s.points_all);
    free_tracker(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mid_table_matches_csv),
        cmocka_unit_test(test_station_kinds),
        cmocka_unit_test(test_vessel_count_aishub),
        cmocka_unit_test(test_vessel_count_gpsd_sample),
        cmocka_unit_test(test_danish_feed),
        cmocka_unit_test(test_static_merged),
        cmocka_unit_test(test_identity_history),
        cmocka_unit_test(test_positions_by_type),
        cmocka_unit_test(test_impossible_positions),
        cmocka_unit_test(test_known_track_danish),
        cmocka_unit_test(test_known_tracks_danish_shared),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_two_transmitters_one_mmsi),
        cmocka_unit_test(test_report_time),
        cmocka_unit_test(test_report_clock_aishub),
        cmocka_unit_test(test_report_clock_danish),
        cmocka_unit_test(test_report_clock_start),
        cmocka_unit_test(test_eviction_at_cap),
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
