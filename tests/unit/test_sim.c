/* test_sim.c - the scenario simulator (sim.h) and the encoder's field-value entry
 * point (lo_encode_fields) it uses.
 *
 * The simulator's output is decoded with the library (lo_stream + lo_decode) and
 * checked against the script: every sentence decodes, tag block times never go
 * back, report intervals are those of ITU-R M.1371-5, positions stay on the
 * route, a dark vessel sends nothing, the ship-to-ship pair stays at its
 * distance, loitering stays slow, zone truth agrees with the track, spoofed
 * positions are where the script puts them, identities and MMSIs change when
 * told, the truth file says what the script said, the same seed gives the same
 * bytes, parse errors name their line. The scenarios shipped in data/scenarios
 * must run and decode cleanly too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/encode.h"
#include "lookout/sim.h"
#include "lookout/stream.h"
#include "testutil.h"

#define SCENARIOS LOOKOUT_TEST_DATA "/../../data/scenarios"
#define R_EARTH 6371008.8
#define DEG (3.14159265358979323846 / 180.0)

/* ---- running a scenario ---------------------------------------------------------- */

typedef struct rec {
    int64_t t;
    uint32_t vessel, mmsi;
    uint8_t type, part, status;
    bool spoofed;
    double lat, lon, true_lat, true_lon, speed;
} rec;

typedef struct run {
    lo_sim *sim;
    rec *r;
    size_t n, cap;
    char *out;
    size_t len, outcap;
    lo_sim_stats stats;
} run;

static void run_free(run *r)
{
    lo_sim_destroy(r->sim);
    free(r->r);
    free(r->out);
    free(r);
}

/* Run text to the end (or max_messages), keeping every message and the bytes. */
static run *run_text(const char *text, const lo_sim_opts *o)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char err[512];
    int rc = lo_sim_create(text, strlen(text), "t.txt", o, &r->sim, err, sizeof err);
    if (rc)
        fprintf(stderr, "lo_sim_create: %s\n", err);
    assert_int_equal(rc, 0);
    lo_sim_msg m;
    while ((rc = lo_sim_next(r->sim, &m)) == 1) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 4096;
            r->r = realloc(r->r, r->cap * sizeof *r->r);
            assert_non_null(r->r);
        }
        r->r[r->n++] = (rec){m.time_ms, m.vessel, m.mmsi, m.type, m.part, m.status, m.spoofed, m.lat, m.lon,
                             m.true_lat, m.true_lon, m.speed_kn};
        while (r->len + m.nmea_len + 1 > r->outcap) {
            r->outcap = r->outcap ? 2 * r->outcap : 1 << 20;
            r->out = realloc(r->out, r->outcap);
            assert_non_null(r->out);
        }
        memcpy(r->out + r->len, m.nmea, m.nmea_len);
        r->len += m.nmea_len;
    }
    assert_int_equal(rc, 0);
    r->stats = *lo_sim_get_stats(r->sim);
    return r;
}

static char *read_file(const char *path)
{
    size_t len;
    return tu_read_file(path, &len);
}

static uint32_t vessel_of(const run *r, const char *label)
{
    for (uint32_t i = 0;; i++) {
        const lo_sim_vessel *v = lo_sim_vessel_at(r->sim, i);
        assert_non_null(v);
        if (!strcmp(v->label, label))
            return i;
    }
}

static const lo_sim_event *event_of(const run *r, const char *id)
{
    for (size_t i = 0; i < lo_sim_event_count(r->sim); i++)
        if (!strcmp(lo_sim_event_at(r->sim, i)->id, id))
            return lo_sim_event_at(r->sim, i);
    fail_msg("no event %s", id);
    return NULL;
}

/* ---- decoding it back ------------------------------------------------------------------ */

typedef struct dec {
    int64_t t;
    uint32_t mmsi;
    uint8_t type;
    double lat, lon, speed;
    int64_t status, imo, part;
    char name[24], callsign[8];
} dec;

typedef struct decoded {
    dec *d;
    size_t n, cap;
    uint64_t rejects, undecoded;
} decoded;

static void text_of(const lo_message *m, const char *field, char *out, size_t cap)
{
    out[0] = '\0';
    int i = lo_message_find(m, field);
    if (i < 0)
        return;
    uint16_t len;
    const char *s = lo_message_text(m, m->v[i], &len);
    if (len >= cap)
        len = (uint16_t)(cap - 1);
    memcpy(out, s, len);
    out[len] = '\0';
}

static void on_payload(void *ctx, const lo_payload *p)
{
    decoded *d = ctx;
    lo_message m;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &m, &why)) {
        d->undecoded++;
        return;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 4096;
        d->d = realloc(d->d, d->cap * sizeof *d->d);
        assert_non_null(d->d);
    }
    dec *x = &d->d[d->n++];
    memset(x, 0, sizeof *x);
    x->t = p->meta.rx_time_ms;
    x->mmsi = m.mmsi;
    x->type = m.type;
    x->lat = (double)lo_message_int(&m, "lat", 0) / 600000.0;
    x->lon = (double)lo_message_int(&m, "lon", 0) / 600000.0;
    x->speed = (double)lo_message_int(&m, "speed", 0) / 10.0;
    x->status = lo_message_int(&m, "status", -1);
    x->imo = lo_message_int(&m, "imo", -1);
    x->part = lo_message_int(&m, "part", -1);
    text_of(&m, "shipname", x->name, sizeof x->name);
    text_of(&m, "callsign", x->callsign, sizeof x->callsign);
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    (void)why, (void)raw, (void)len, (void)line;
    ((decoded *)ctx)->rejects++;
}

static decoded *decode_all(const char *buf, size_t len)
{
    decoded *d = calloc(1, sizeof *d);
    assert_non_null(d);
    lo_stream_callbacks cb = {.ctx = d, .on_payload = on_payload, .on_reject = on_reject};
    lo_stream *s = lo_stream_create(&cb, "sim");
    lo_stream_feed(s, buf, len);
    lo_stream_finish(s);
    lo_stream_destroy(s);
    return d;
}

static void decoded_free(decoded *d)
{
    free(d->d);
    free(d);
}

/* ---- geometry for checks -------------------------------------------------------------------- */

static double dist_m(double la1, double lo1, double la2, double lo2)
{
    double p1 = la1 * DEG, p2 = la2 * DEG, dl = (lo2 - lo1) * DEG;
    double a = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * R_EARTH * asin(sqrt(a));
}

static void vec(double lat, double lon, double v[3])
{
    v[0] = cos(lat * DEG) * cos(lon * DEG);
    v[1] = cos(lat * DEG) * sin(lon * DEG);
    v[2] = sin(lat * DEG);
}

/* Distance from a point to the great-circle arc a-b (metres). */
static double dist_to_arc(double lat, double lon, double la1, double lo1, double la2, double lo2)
{
    double p[3], a[3], b[3], n[3];
    vec(lat, lon, p);
    vec(la1, lo1, a);
    vec(la2, lo2, b);
    n[0] = a[1] * b[2] - a[2] * b[1];
    n[1] = a[2] * b[0] - a[0] * b[2];
    n[2] = a[0] * b[1] - a[1] * b[0];
    double nn = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    double ends = fmin(dist_m(lat, lon, la1, lo1), dist_m(lat, lon, la2, lo2));
    if (nn < 1e-12)
        return ends;
    for (int i = 0; i < 3; i++)
        n[i] /= nn;
    double s = p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
    /* The foot of the perpendicular, and whether it lies between a and b. */
    double f[3] = {p[0] - s * n[0], p[1] - s * n[1], p[2] - s * n[2]};
    double c1[3] = {a[1] * f[2] - a[2] * f[1], a[2] * f[0] - a[0] * f[2], a[0] * f[1] - a[1] * f[0]};
    double c2[3] = {f[1] * b[2] - f[2] * b[1], f[2] * b[0] - f[0] * b[2], f[0] * b[1] - f[1] * b[0]};
    if (c1[0] * n[0] + c1[1] * n[1] + c1[2] * n[2] >= 0 && c2[0] * n[0] + c2[1] * n[1] + c2[2] * n[2] >= 0)
        return fabs(asin(s)) * R_EARTH;
    return ends;
}

/* ---- lo_encode_fields ------------------------------------------------------------------------ */

static void test_encode_fields(void **state)
{
    (void)state;
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    char err[256];
    lo_message m;
    lo_reject why;
    /* Type 1 in layout order, and the decoder reads back every value. */
    lo_field_value p1[] = {
        {.name = "mmsi", .value = 366053209}, {.name = "status", .value = 7},  {.name = "turn", .value = -12},
        {.name = "speed", .value = 125},      {.name = "accuracy", .value = 1}, {.name = "lon", .value = -73440000},
        {.name = "lat", .value = 22680000},   {.name = "course", .value = 3599}, {.name = "heading", .value = 359},
        {.name = "second", .value = 59},      {.name = "radio", .value = 81935},
    };
    assert_int_equal(lo_encode_fields(1, p1, sizeof p1 / sizeof p1[0], bits, &nbits, err, sizeof err), 0);
    assert_int_equal(nbits, 168);
    assert_int_equal(lo_decode(bits, nbits, &m, &why), 0);
    assert_int_equal(m.mmsi, 366053209);
    assert_int_equal(lo_message_int(&m, "status", -1), 7);
    assert_int_equal(lo_message_int(&m, "turn", 0), -12);
    assert_int_equal(lo_message_int(&m, "lon", 0), -73440000);
    assert_int_equal(lo_message_int(&m, "lat", 0), 22680000);
    assert_int_equal(lo_message_int(&m, "radio", 0), 81935);
    /* Any order, missing fields at their "not available" value. */
    lo_field_value p2[] = {{.name = "lat", .value = 1}, {.name = "mmsi", .value = 2}};
    assert_int_equal(lo_encode_fields(3, p2, 2, bits, &nbits, NULL, 0), 0);
    assert_int_equal(lo_decode(bits, nbits, &m, &why), 0);
    assert_int_equal(m.type, 3);
    assert_int_equal(lo_message_int(&m, "speed", 0), 1023);
    assert_int_equal(lo_message_int(&m, "heading", 0), 511);
    /* Type 5 text, two sentences. */
    lo_field_value p5[] = {{.name = "mmsi", .value = 636019825}, {.name = "imo", .value = 9301627},
                           {.name = "callsign", .text = "D5ZK7"},  {.name = "shipname", .text = "AEGEAN STAR"},
                           {.name = "shiptype", .value = 80},      {.name = "destination", .text = "SIKKA"}};
    assert_int_equal(lo_encode_fields(5, p5, 6, bits, &nbits, err, sizeof err), 0);
    assert_int_equal(nbits, 424);
    assert_int_equal(lo_decode(bits, nbits, &m, &why), 0);
    assert_string_equal(tu_json(&m) + 0, tu_json(&m)); /* renders */
    assert_int_equal(lo_message_int(&m, "imo", 0), 9301627);
    assert_int_equal(lo_nmea_sentences(nbits, 0), 2);
    /* Type 24: the part chooses the variant. */
    lo_field_value a24[] = {{.name = "mmsi", .value = 338123456}, {.name = "part", .value = 0},
                            {.name = "shipname", .text = "SKIFF"}};
    assert_int_equal(lo_encode_fields(24, a24, 3, bits, &nbits, err, sizeof err), 0);
    assert_int_equal(lo_decode(bits, nbits, &m, &why), 0);
    assert_string_equal(m.layout->name, "24A");
    lo_field_value b24[] = {{.name = "mmsi", .value = 338123456}, {.name = "part", .value = 1},
                            {.name = "shiptype", .value = 37},      {.name = "vendorid", .text = "SRT"},
                            {.name = "callsign", .text = "WDK1234"}, {.name = "to_bow", .value = 8}};
    assert_int_equal(lo_encode_fields(24, b24, 6, bits, &nbits, err, sizeof err), 0);
    assert_int_equal(lo_decode(bits, nbits, &m, &why), 0);
    assert_string_equal(m.layout->name, "24B");
    assert_int_equal(lo_message_int(&m, "to_bow", 0), 8);
    /* Errors name the field. */
    lo_field_value bad1[] = {{.name = "mmsi", .value = 1}, {.name = "lattitude", .value = 1}};
    assert_int_equal(lo_encode_fields(1, bad1, 2, bits, &nbits, err, sizeof err), LO_E_UNKNOWN_FIELD);
    assert_non_null(strstr(err, "'lattitude'"));
    lo_field_value bad2[] = {{.name = "lat", .value = 99999999}};
    assert_int_equal(lo_encode_fields(1, bad2, 1, bits, &nbits, err, sizeof err), LO_E_RANGE);
    assert_non_null(strstr(err, "field 'lat': 99999999 does not fit"));
    lo_field_value bad3[] = {{.name = "shipname", .text = "CAF{"}};
    assert_int_equal(lo_encode_fields(5, bad3, 1, bits, &nbits, err, sizeof err), LO_E_INVAL);
    assert_non_null(strstr(err, "'shipname'"));
    lo_field_value bad4[] = {{.name = "shipname", .text = "A NAME LONGER THAN TWENTY"}};
    assert_int_equal(lo_encode_fields(5, bad4, 1, bits, &nbits, err, sizeof err), LO_E_RANGE);
    lo_field_value bad5[] = {{.name = "part", .value = 1}, {.name = "shipname", .text = "X"}};
    assert_int_not_equal(lo_encode_fields(24, bad5, 2, bits, &nbits, err, sizeof err), 0);
    lo_field_value bad6[] = {{.name = "lat", .text = "north"}};
    assert_int_equal(lo_encode_fields(1, bad6, 1, bits, &nbits, err, sizeof err), LO_E_INVAL);
    assert_int_equal(lo_encode_fields(0, NULL, 0, bits, &nbits, err, sizeof err), LO_E_INVAL);
}

/* ---- parse errors ------------------------------------------------------------------------------ */

static const char head[] = "start 2024-01-01T00:00:00Z\nduration 2h\n";

static void expect_error(const char *text, const char *want)
{
    lo_sim *s = NULL;
    char err[512];
    int rc = lo_sim_create(text, strlen(text), "t.txt", NULL, &s, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        fail_msg("for:\n%s\nwanted an error with \"%s\", got %d \"%s\"", text, want, rc, err);
    assert_null(s);
}

static void test_parse_errors(void **state)
{
    (void)state;
    char text[8192];
    expect_error("duration 1h\n", "t.txt:1: no 'start TIME' line");
    expect_error("start 2024-01-01T00:00:00Z\n", "no 'duration D' line");
    snprintf(text, sizeof text, "%s\nvessel A\n  mmsi 235000001\n  at 50.0 -3.0\n\n\nevent drak A start +1h\n", head);
    expect_error(text, "t.txt:9: unknown event 'drak'");
    snprintf(text, sizeof text, "%smmsi 235000001\n", head);
    expect_error(text, "t.txt:3: vessel property 'mmsi' outside a vessel block");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n route 95.0 10.0, 50 1\n", head);
    expect_error(text, "t.txt:5: latitude '95.0' is out of range");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n route 50 1 @ fast\n", head);
    expect_error(text, "t.txt:5: expected a speed in knots");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n at 50 -3\nevent dark B start +1h duration 1h\n", head);
    expect_error(text, "t.txt:6: unknown vessel 'B'");
    snprintf(text, sizeof text, "vessel A\n mmsi 235000001\n depart +1h\n");
    expect_error(text, "t.txt:3: the time '+1h' counts from 'start'");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n at 50 -3\nevent dark A start +3h duration 1h\n", head);
    expect_error(text, "t.txt:6: the event starts outside the scenario's time");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n at 50 -3\nvessel B\n mmsi 235000001\n at 50 -2\n",
             head);
    expect_error(text, "t.txt:6: vessel 'B' has the same MMSI");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n name \"CAF{\"\n", head);
    expect_error(text, "t.txt:5: AIS text cannot carry 'CAF{'");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n name \"NOT CLOSED\n", head);
    expect_error(text, "t.txt:5: text without its closing");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n", head);
    expect_error(text, "t.txt:3: vessel 'A' needs a 'route'");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n at 50 -3\nevent sts A start +1h duration 1h\n", head);
    expect_error(text, "t.txt:6: event sts takes two vessels");
    snprintf(text, sizeof text, "%svessel A\n mmsi 235000001\n at 50 -3\nevent jump A start +1h duration 1h\n", head);
    expect_error(text, "t.txt:6: event jump needs one of");
    snprintf(text, sizeof text, "%sfoo 1\n", head);
    expect_error(text, "t.txt:3: unknown directive 'foo'");
    /* A meeting nobody can reach in time names the vessel and the speed needed. */
    snprintf(text, sizeof text,
             "%svessel A\n mmsi 235000001\n route 50 -3, 50 -2\n depart +0h\n"
             "vessel B\n mmsi 235000002\n route 49 -6, 50 -2\n"
             "event sts A B at 52 5 start +1h duration 30m\n",
             head);
    expect_error(text, "t.txt:10: vessel 'A' cannot be at the sts point at 2024-01-01T01:00:00Z: it would need");
    /* Bounded input. */
    char *big = malloc(LO_SIM_MAX_LINE + 100);
    assert_non_null(big);
    memset(big, 'x', LO_SIM_MAX_LINE + 99);
    memcpy(big, "# ", 2);
    big[LO_SIM_MAX_LINE + 99] = '\0';
    expect_error(big, "t.txt:1: line longer than 4096 bytes");
    free(big);
    lo_sim *s = NULL;
    char err[256];
    assert_int_equal(lo_sim_create(head, LO_SIM_MAX_TEXT + 1, "t.txt", NULL, &s, err, sizeof err), LO_E_RANGE);
    snprintf(text, sizeof text, "%straffic 5000000\n", head);
    assert_int_equal(lo_sim_create(text, strlen(text), "t.txt", NULL, &s, err, sizeof err), LO_E_INVAL);
    /* Lower case is sent as upper case; comments and blank lines are fine. */
    snprintf(text, sizeof text, "%s# c\n\nvessel A # the first\n mmsi 235000001\n name \"lower\"\n at 50 -3\n", head);
    assert_int_equal(lo_sim_create(text, strlen(text), "t.txt", NULL, &s, err, sizeof err), 0);
    assert_string_equal(lo_sim_vessel_at(s, 0)->name, "LOWER");
    lo_sim_destroy(s);
}

/* ---- one scenario with every event ------------------------------------------------------------- */

/* East China Sea, open water. */
static const char all_events[] =
    "start 2024-06-01T00:00:00Z\n"
    "duration 20h\n"
    "seed 42\n"
    "station TEST\n"
    "zone BOX 29.60 124.60 29.90 125.00\n"
    "vessel TANKER\n mmsi 636019825\n name \"TANKER ONE\"\n imo 9301627\n type tanker\n size 200 32\n"
    " route 29.2 123.8 @ 12kn, 30.5 124.5, 31.2 125.5\n"
    "vessel CARGO\n mmsi 538071166\n name \"CARGO TWO\"\n type cargo\n route 31.3 124.0 @ 13kn, 30.5 124.5, 29.2 125.6\n"
    "vessel DARKY\n mmsi 229387000\n type tanker\n route 29.0 124.0 @ 11kn, 30.0 125.5, 31.0 124.2\n"
    "vessel LOITERER\n mmsi 657120300\n route 29.3 125.8 @ 10kn, 29.9 125.4, 30.6 125.9\n"
    "vessel ZONER\n mmsi 477225600\n route 29.75 124.2 @ 9kn, 29.75 125.4\n"
    "vessel DWELLER\n mmsi 273351200\n route 30.3 124.0 @ 11kn, 29.7 125.6\n"
    "vessel JUMPER\n mmsi 244710450\n type cargo\n route 30.0 123.9 @ 18kn, 31.0 125.0, 30.0 126.0\n"
    "vessel RACER\n mmsi 235123450\n type hsc\n route 29.1 124.0 @ 28kn, 31.1 124.3, 29.1 124.6\n"
    "vessel RENAMED\n mmsi 563041280\n name \"OLD NAME\"\n callsign 9VAB1\n imo 9555072\n"
    " route 30.8 124.0 @ 10kn, 30.8 125.5\n"
    "vessel SWAPA\n mmsi 352899000\n name \"SWAP A\"\n at 30.9 125.2\n"
    "vessel SWAPB\n mmsi 416004523\n name \"SWAP B\"\n at 30.95 125.5\n"
    "vessel YACHT\n mmsi 338123456\n class B\n type pleasure\n name \"YACHT\"\n callsign WDK1234\n size 12 4\n"
    " route 29.4 124.3 @ 6kn, 29.6 124.9, 29.4 125.3\n"
    "vessel SKIFF\n mmsi 338123457\n class B\n type fishing\n name \"SKIFF\"\n at 29.5 124.1\n"
    "vessel RING1\n mmsi 413228760\n at 30.2 124.9\n"
    "vessel RING2\n mmsi 413228761\n area 30.1 124.7 30.3 125.0 speed 5\n"
    "event sts TANKER CARGO at 30.5 124.5 start +6h duration 4h distance 150 drift 0.5kn\n"
    "event dark DARKY start +3h duration 5h\n"
    "event loiter LOITERER at 29.9 125.4 start +4h duration 6h radius 1km speed 1kn\n"
    "event zone ZONER in BOX\n"
    "event zone DWELLER in BOX start +10h dwell 2h\n"
    "event jump JUMPER start +2h duration 30m by 60nm bearing 90\n"
    "event identity RENAMED start +5h name \"NEW NAME\" callsign NEWC imo 9448906 mmsi 412000111\n"
    "event swap SWAPA SWAPB start +7h\n"
    "event circle RING1 RING2 count 4 in 30.1 124.7 30.3 125.0 center 30.2 124.85 radius 800m start +12h duration 2h\n"
    "event circle count 3 in 30.4 125.2 30.6 125.5 center 30.5 125.35 radius 0 start +15h duration 1h id POINT\n"
    "traffic 10 in 29.0 123.8 31.4 126.0\n";

static run *all_run;
static decoded *all_dec;

static int setup_all(void **state)
{
    (void)state;
    all_run = run_text(all_events, NULL);
    all_dec = decode_all(all_run->out, all_run->len);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    run_free(all_run);
    decoded_free(all_dec);
    return 0;
}

static void test_every_sentence_decodes_in_time_order(void **state)
{
    (void)state;
    run *r = all_run;
    decoded *d = all_dec;
    assert_true(r->n > 50000);
    assert_int_equal(d->rejects, 0);
    assert_int_equal(d->undecoded, 0);
    assert_int_equal(d->n, r->n);
    assert_int_equal(r->stats.messages, r->n);
    const lo_sim_info *info = lo_sim_get_info(r->sim);
    for (size_t i = 0; i < d->n; i++) {
        /* Tag block c: is the message's time in whole seconds; the stream puts it in rx_time. */
        assert_int_equal(d->d[i].t, r->r[i].t / 1000 * 1000);
        assert_int_equal(d->d[i].mmsi, r->r[i].mmsi);
        assert_int_equal(d->d[i].type, r->r[i].type);
        assert_true(r->r[i].t >= info->start_ms && r->r[i].t < info->end_ms);
        if (i)
            assert_true(r->r[i].t >= r->r[i - 1].t);
    }
    /* Every line has the station and a checksummed tag block. */
    assert_true(strncmp(r->out, "\\s:TEST,c:", 10) == 0);
    /* All the types a fleet sends. */
    assert_true(r->stats.by_type[1] && r->stats.by_type[3] && r->stats.by_type[5] && r->stats.by_type[18] &&
                r->stats.by_type[24]);
}

/* M.1371-5 Annex 1 Table 1 (class A) and the "CS" class B rates. */
static int64_t rule_ms(char cls, const rec *a)
{
    if (cls == 'B')
        return a->speed > 2.0 ? 30000 : 180000;
    if ((a->status == 1 || a->status == 5) && a->speed <= 3.0)
        return 180000;
    bool turning = a->type == 3;
    if (a->speed > 23.0)
        return 2000;
    if (a->speed > 14.0)
        return turning ? 2000 : 6000;
    return turning ? 3333 : 10000;
}

static bool in_window(const lo_sim *s, uint32_t vessel, int64_t t0, int64_t t1, lo_sim_event_type type)
{
    for (size_t i = 0; i < lo_sim_event_count(s); i++) {
        const lo_sim_event *e = lo_sim_event_at(s, i);
        if (e->type != type)
            continue;
        for (uint32_t k = 0; k < e->nvessels; k++)
            if (e->vessels[k] == vessel && t0 < e->end_ms + 1000 && t1 >= e->start_ms)
                return true;
    }
    return false;
}

static void test_report_intervals(void **state)
{
    (void)state;
    run *r = all_run;
    uint32_t nv = lo_sim_get_info(r->sim)->vessels;
    int64_t *last_pos = calloc(nv, sizeof *last_pos), *last_5 = calloc(nv, sizeof *last_5),
            *last_24a = calloc(nv, sizeof *last_24a);
    rec *prev = calloc(nv, sizeof *prev);
    unsigned seen[6] = {0}; /* 180 s A, 10 s, 3.3 s, 6 s, 2 s, class B */
    for (size_t i = 0; i < r->n; i++) {
        const rec *m = &r->r[i];
        const lo_sim_vessel *v = lo_sim_vessel_at(r->sim, m->vessel);
        if (m->type == 1 || m->type == 3 || m->type == 18) {
            if (last_pos[m->vessel] && !in_window(r->sim, m->vessel, last_pos[m->vessel], m->t, LO_SIM_DARK) &&
                !in_window(r->sim, m->vessel, last_pos[m->vessel], m->t, LO_SIM_JUMP)) {
                int64_t want = rule_ms(v->cls, &prev[m->vessel]), got = m->t - last_pos[m->vessel];
                if (got != want)
                    fail_msg("vessel %u (%s) at %lld: %lld ms after its last report, the rule says %lld (speed %.1f, "
                             "status %u, type %u)",
                             m->vessel, v->label, (long long)m->t, (long long)got, (long long)want,
                             prev[m->vessel].speed, prev[m->vessel].status, prev[m->vessel].type);
                seen[v->cls == 'B' ? 5 : want == 180000 ? 0 : want == 10000 ? 1 : want == 3333 ? 2 : want == 6000 ? 3 : 4]++;
            }
            last_pos[m->vessel] = m->t;
            prev[m->vessel] = *m;
        } else if (m->type == 5) {
            /* Every 6 minutes, sooner when the identity changes. */
            if (last_5[m->vessel] && !in_window(r->sim, m->vessel, last_5[m->vessel], m->t, LO_SIM_DARK) &&
                !in_window(r->sim, m->vessel, last_5[m->vessel], m->t, LO_SIM_IDENTITY) &&
                !in_window(r->sim, m->vessel, last_5[m->vessel], m->t, LO_SIM_SWAP))
                assert_int_equal(m->t - last_5[m->vessel], 360000);
            last_5[m->vessel] = m->t;
        } else if (m->type == 24) {
            if (m->part == 0) {
                if (last_24a[m->vessel] && !in_window(r->sim, m->vessel, last_24a[m->vessel], m->t, LO_SIM_DARK) &&
                    !in_window(r->sim, m->vessel, last_24a[m->vessel], m->t, LO_SIM_IDENTITY))
                    assert_int_equal(m->t - last_24a[m->vessel], 360000);
                last_24a[m->vessel] = m->t;
            } else {
                assert_true(last_24a[m->vessel] && m->t - last_24a[m->vessel] <= 60000);
            }
        }
    }
    for (int k = 0; k < 6; k++)
        if (!seen[k])
            fail_msg("no report interval of kind %d was exercised", k);
    free(last_pos);
    free(last_5);
    free(last_24a);
    free(prev);
}

static void test_positions_follow_route(void **state)
{
    (void)state;
    /* The route of TANKER before its meeting, and of RACER (a turn at 31.1 124.3). */
    static const struct {
        const char *label;
        double pts[3][2];
    } routes[] = {
        {"RACER", {{29.1, 124.0}, {31.1, 124.3}, {29.1, 124.6}}},
        {"ZONER", {{29.75, 124.2}, {29.75, 125.4}, {29.75, 125.4}}},
    };
    run *r = all_run;
    for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
        uint32_t v = vessel_of(r, routes[k].label);
        double worst = 0;
        unsigned n = 0;
        for (size_t i = 0; i < r->n; i++) {
            const rec *m = &r->r[i];
            if (m->vessel != v || (m->type != 1 && m->type != 3) || m->status != 0)
                continue; /* under way (at the end it anchors) */
            double d = fmin(dist_to_arc(m->lat, m->lon, routes[k].pts[0][0], routes[k].pts[0][1], routes[k].pts[1][0],
                                        routes[k].pts[1][1]),
                            dist_to_arc(m->lat, m->lon, routes[k].pts[1][0], routes[k].pts[1][1], routes[k].pts[2][0],
                                        routes[k].pts[2][1]));
            worst = fmax(worst, d);
            n++;
        }
        assert_true(n > 100);
        if (worst > 30.0) /* noise 3 m (1 sigma) */
            fail_msg("%s strays %.1f m from its route", routes[k].label, worst);
    }
    /* Without noise, on the route to the resolution of AIS positions (0.19 m). */
    run *q = run_text("start 2024-06-01T00:00:00Z\nduration 6h\nnoise 0\n"
                      "vessel A\n mmsi 235000001\n route 50.0 -4.0 @ 15kn, 50.3 -2.0, 50.1 -0.5\n",
                      NULL);
    double worst = 0;
    for (size_t i = 0; i < q->n; i++)
        if (q->r[i].type == 1 || q->r[i].type == 3)
            worst = fmax(worst, fmin(dist_to_arc(q->r[i].lat, q->r[i].lon, 50.0, -4.0, 50.3, -2.0),
                                     dist_to_arc(q->r[i].lat, q->r[i].lon, 50.3, -2.0, 50.1, -0.5)));
    assert_true(worst < 0.5);
    /* And it keeps its speed: 15 kn between reports, from the positions sent. */
    for (size_t i = 1; i < q->n; i++) {
        const rec *a = &q->r[i - 1], *b = &q->r[i];
        if (a->type == 1 && b->type == 1 && b->t < lo_sim_get_info(q->sim)->start_ms + 4 * 3600000LL) {
            double kn = dist_m(a->lat, a->lon, b->lat, b->lon) / ((double)(b->t - a->t) / 1000.0) / 0.514444;
            assert_true(fabs(kn - 15.0) < 0.2);
        }
    }
    run_free(q);
}

static void test_dark_period(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *e = event_of(r, "dark-1");
    uint32_t mmsi = lo_sim_vessel_at(r->sim, vessel_of(r, "DARKY"))->mmsi;
    int64_t before = 0, after = INT64_MAX;
    for (size_t i = 0; i < all_dec->n; i++) {
        const dec *d = &all_dec->d[i];
        if (d->mmsi != mmsi)
            continue;
        if (d->t >= e->start_ms && d->t < e->end_ms)
            fail_msg("MMSI %u sent at %lld, inside its dark period", mmsi, (long long)d->t);
        if (d->t < e->start_ms)
            before = d->t;
        else if (d->t < after)
            after = d->t;
    }
    /* Regular until it goes dark, back within seconds of the scripted end. */
    assert_true(e->start_ms - before <= 10000);
    assert_true(after - e->end_ms <= 2000);
}

static void test_sts_pair_distance(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *e = event_of(r, "sts-1");
    uint32_t a = vessel_of(r, "TANKER"), b = vessel_of(r, "CARGO");
    assert_int_equal(e->vessels[0], a);
    assert_int_equal(e->vessels[1], b);
    const rec *last_b = NULL;
    unsigned pairs = 0;
    double lo = 1e9, hi = 0, far_before = 1e9;
    for (size_t i = 0; i < r->n; i++) {
        const rec *m = &r->r[i];
        if (m->type != 1 && m->type != 3)
            continue;
        if (m->vessel == b)
            last_b = m;
        if (m->vessel != a || !last_b || m->t - last_b->t > 10000)
            continue;
        double d = dist_m(m->lat, m->lon, last_b->lat, last_b->lon);
        if (m->t >= e->start_ms && m->t <= e->end_ms) {
            lo = fmin(lo, d);
            hi = fmax(hi, d);
            assert_true(m->speed < 2.0 && last_b->speed < 2.0);
            pairs++;
        } else if (m->t < e->start_ms - 2 * 3600000LL) {
            far_before = fmin(far_before, d);
        }
    }
    assert_true(pairs > 1000);
    if (lo < 150 - 25 || hi > 150 + 25)
        fail_msg("the pair was %.0f-%.0f m apart during the transfer; the script says 150 m", lo, hi);
    assert_true(far_before > 20000);
}

static void test_loitering(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *e = event_of(r, "loiter-1");
    uint32_t v = vessel_of(r, "LOITERER");
    unsigned n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const rec *m = &r->r[i];
        if (m->vessel != v || m->type != 1 || m->t < e->start_ms || m->t > e->end_ms)
            continue;
        n++;
        assert_true(m->speed < 2.0);
        assert_true(dist_m(m->lat, m->lon, 29.9, 125.4) < 1000 + 30);
    }
    assert_true(n > 1000); /* every 10 s: under way, not at anchor */
}

static void test_zone_truth_matches_track(void **state)
{
    (void)state;
    run *r = all_run;
    static const char *ids[] = {"zone-1", "zone-2"};
    for (int k = 0; k < 2; k++) {
        const lo_sim_event *e = event_of(r, ids[k]);
        assert_true(e->end_ms > e->start_ms);
        unsigned in = 0;
        for (size_t i = 0; i < r->n; i++) {
            const rec *m = &r->r[i];
            if (m->vessel != e->vessels[0] || (m->type != 1 && m->type != 3))
                continue;
            bool inside = m->true_lat >= 29.60 && m->true_lat <= 29.90 && m->true_lon >= 124.60 && m->true_lon <= 125.00;
            if (m->t > e->start_ms + 1000 && m->t < e->end_ms - 1000) {
                assert_true(inside);
                in++;
            } else if (m->t < e->start_ms - 1000 || m->t > e->end_ms + 1000) {
                assert_false(inside);
            }
        }
        assert_true(in > 100);
    }
    /* The one told to dwell holds in the box for two hours around +10h. */
    const lo_sim_event *d = event_of(r, "zone-2");
    int64_t at = lo_sim_get_info(r->sim)->start_ms + 10 * 3600000LL;
    assert_true(d->start_ms < at && d->end_ms > at + 2 * 3600000LL);
}

static void test_spoofed_jump(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *e = event_of(r, "jump-1");
    uint32_t v = vessel_of(r, "JUMPER");
    const rec *prev = NULL;
    double max_kn = 0;
    unsigned spoofed = 0;
    for (size_t i = 0; i < r->n; i++) {
        const rec *m = &r->r[i];
        if (m->vessel != v || (m->type != 1 && m->type != 3))
            continue;
        double off = dist_m(m->lat, m->lon, m->true_lat, m->true_lon);
        if (m->t >= e->start_ms && m->t < e->end_ms) {
            assert_true(m->spoofed);
            assert_true(fabs(off - 60 * 1852.0) < 1852.0);
            spoofed++;
        } else {
            assert_false(m->spoofed);
            assert_true(off < 50);
        }
        if (prev)
            max_kn = fmax(max_kn, dist_m(prev->lat, prev->lon, m->lat, m->lon) / ((double)(m->t - prev->t) / 3600000.0) / 1852.0);
        prev = m;
    }
    assert_true(spoofed > 200);
    assert_true(max_kn > 40.0); /* issue #4's implausible jump */
}

static void test_identity_and_swap(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *e = event_of(r, "identity-1");
    bool old_seen = false, new_seen = false;
    for (size_t i = 0; i < all_dec->n; i++) {
        const dec *d = &all_dec->d[i];
        if (d->type != 5)
            continue;
        if (d->mmsi == 563041280) {
            assert_true(d->t < e->start_ms);
            assert_string_equal(d->name, "OLD NAME");
            assert_int_equal(d->imo, 9555072);
            old_seen = true;
        } else if (d->mmsi == 412000111) {
            assert_true(d->t >= e->start_ms);
            assert_string_equal(d->name, "NEW NAME");
            assert_string_equal(d->callsign, "NEWC");
            assert_int_equal(d->imo, 9448906);
            if (d->t == e->start_ms)
                new_seen = true; /* sent the moment it changes */
        }
    }
    assert_true(old_seen && new_seen);
    /* Swap: after it, A's MMSI comes from where B is, with B's name. */
    const lo_sim_event *s = event_of(r, "swap-1");
    unsigned checked = 0;
    for (size_t i = 0; i < all_dec->n; i++) {
        const dec *d = &all_dec->d[i];
        if (d->mmsi != 352899000 || d->t < s->start_ms + 1000)
            continue;
        if (d->type == 1)
            assert_true(dist_m(d->lat, d->lon, 30.95, 125.5) < 300);
        if (d->type == 5)
            assert_string_equal(d->name, "SWAP B");
        checked++;
    }
    assert_true(checked > 10);
}

static void test_circle_spoof(void **state)
{
    (void)state;
    run *r = all_run;
    const lo_sim_event *c = event_of(r, "circle-1"), *p = event_of(r, "POINT");
    assert_int_equal(c->nvessels, 6);
    assert_int_equal(p->nvessels, 3);
    unsigned on_ring = 0, at_point = 0;
    for (size_t i = 0; i < r->n; i++) {
        const rec *m = &r->r[i];
        if (m->type != 1 && m->type != 3)
            continue;
        for (int k = 0; k < 2; k++) {
            const lo_sim_event *e = k ? p : c;
            bool member = false;
            for (uint32_t j = 0; j < e->nvessels; j++)
                member |= e->vessels[j] == m->vessel;
            if (!member || m->t < e->start_ms || m->t >= e->end_ms)
                continue;
            double d = dist_m(m->lat, m->lon, e->lat, e->lon);
            if (k) {
                assert_true(d < 60);
                at_point++;
            } else {
                assert_true(fabs(d - 800) < 60);
                on_ring++;
            }
        }
    }
    assert_true(on_ring > 500 && at_point > 30);
}

static void test_truth_matches_script(void **state)
{
    (void)state;
    run *r = all_run;
    static const struct {
        const char *id, *type;
        int64_t start_h, end_h; /* -1: from the track */
        const char *vessels[2];
    } want[] = {
        {"sts-1", "sts", 6, 10, {"TANKER", "CARGO"}},   {"dark-1", "dark", 3, 8, {"DARKY", NULL}},
        {"loiter-1", "loiter", 4, 10, {"LOITERER", NULL}}, {"zone-1", "zone", -1, -1, {"ZONER", NULL}},
        {"zone-2", "zone", -1, -1, {"DWELLER", NULL}},   {"jump-1", "jump", 2, -1, {"JUMPER", NULL}},
        {"identity-1", "identity", 5, 5, {"RENAMED", NULL}}, {"swap-1", "swap", 7, 7, {"SWAPA", "SWAPB"}},
        {"circle-1", "circle", 12, 14, {"RING1", "RING2"}}, {"POINT", "circle", 15, 16, {NULL, NULL}},
    };
    size_t n = lo_sim_event_count(r->sim);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    int64_t t0 = lo_sim_get_info(r->sim)->start_ms;
    char buf[16384];
    for (size_t i = 0; i < n; i++) {
        int len = lo_sim_event_json(r->sim, i, buf, sizeof buf);
        assert_true(len > 0 && buf[len - 1] == '\n');
        json_error_t jerr;
        json_t *o = json_loadb(buf, (size_t)len, 0, &jerr);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "id")), want[i].id);
        assert_string_equal(json_string_value(json_object_get(o, "type")), want[i].type);
        int64_t s = json_integer_value(json_object_get(o, "start_ms")), e = json_integer_value(json_object_get(o, "end_ms"));
        if (want[i].start_h >= 0)
            assert_int_equal(s, t0 + want[i].start_h * 3600000LL);
        if (want[i].end_h >= 0)
            assert_int_equal(e, t0 + want[i].end_h * 3600000LL);
        if (!strcmp(want[i].id, "jump-1"))
            assert_int_equal(e, s + 30 * 60000LL);
        json_t *vs = json_object_get(o, "vessels");
        for (int k = 0; k < 2 && want[i].vessels[k]; k++) {
            json_t *v = json_array_get(vs, (size_t)k);
            assert_string_equal(json_string_value(json_object_get(v, "label")), want[i].vessels[k]);
            assert_int_equal(json_integer_value(json_object_get(v, "mmsi")),
                             lo_sim_vessel_at(r->sim, vessel_of(r, want[i].vessels[k]))->mmsi);
        }
        json_t *where = json_object_get(o, "where");
        assert_true(json_is_number(json_object_get(where, "lat")) && json_is_number(json_object_get(where, "lon")));
        if (!strcmp(want[i].type, "sts")) {
            assert_true(fabs(json_number_value(json_object_get(where, "lat")) - 30.5) < 1e-9);
            json_t *p = json_object_get(o, "parameters");
            assert_true(fabs(json_number_value(json_object_get(p, "distance_m")) - 150) < 1e-9);
            assert_string_equal(json_string_value(json_array_get(json_object_get(o, "implies"), 0)), "loitering");
        }
        if (!strcmp(want[i].type, "identity")) {
            json_t *ch = json_object_get(json_object_get(o, "parameters"), "changes");
            assert_string_equal(json_string_value(json_array_get(json_object_get(ch, "name"), 1)), "NEW NAME");
            assert_int_equal(json_integer_value(json_array_get(json_object_get(ch, "mmsi"), 0)), 563041280);
        }
        if (!strcmp(want[i].type, "jump"))
            assert_true(json_number_value(json_object_get(json_object_get(o, "parameters"), "implied_speed_kn")) > 40);
        json_decref(o);
    }
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    run *again = run_text(all_events, NULL);
    assert_int_equal(again->len, all_run->len);
    assert_memory_equal(again->out, all_run->out, all_run->len);
    char a[16384], b[16384];
    for (size_t i = 0; i < lo_sim_event_count(again->sim); i++) {
        int la = lo_sim_event_json(again->sim, i, a, sizeof a), lb = lo_sim_event_json(all_run->sim, i, b, sizeof b);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, (size_t)la);
    }
    run_free(again);
    lo_sim_opts o = {.set_seed = true, .seed = 43};
    run *other = run_text(all_events, &o);
    assert_true(other->len != all_run->len || memcmp(other->out, all_run->out, all_run->len) != 0);
    run_free(other);
}

/* ---- background traffic, options, shipped scenarios --------------------------------------------- */

static bool imo_ok(uint32_t imo)
{
    if (imo < 1000000 || imo > 9999999)
        return false;
    unsigned sum = 0, w = 7;
    for (uint32_t d = 1000000; d >= 10; d /= 10, w--)
        sum += (imo / d % 10) * w;
    return sum % 10 == imo % 10;
}

static void test_background_traffic(void **state)
{
    (void)state;
    lo_sim_opts o = {.extra_vessels = 2000, .max_messages = 200000};
    run *r = run_text("start 2024-01-01T00:00:00Z\nduration 2h\n", &o);
    const lo_sim_info *info = lo_sim_get_info(r->sim);
    assert_int_equal(info->vessels, 2000);
    assert_int_equal(r->n, 200000); /* stops exactly there */
    assert_true(info->memory_bytes / info->vessels < 1024);
    uint32_t *mmsis = calloc(info->vessels, sizeof *mmsis);
    unsigned class_b = 0;
    for (uint32_t i = 0; i < info->vessels; i++) {
        const lo_sim_vessel *v = lo_sim_vessel_at(r->sim, i);
        assert_true(v->background);
        assert_true(v->mmsi >= 200000000 && v->mmsi < 800000000);
        for (uint32_t j = 0; j < i; j++)
            assert_int_not_equal(mmsis[j], v->mmsi);
        mmsis[i] = v->mmsi;
        if (v->cls == 'A')
            assert_true(imo_ok(v->imo));
        else
            class_b++;
        assert_true(v->name[0] && strlen(v->name) <= 20);
    }
    assert_true(class_b > 20);
    decoded *d = decode_all(r->out, r->len);
    assert_int_equal(d->n, r->n);
    assert_int_equal(d->rejects + d->undecoded, 0);
    for (size_t i = 0; i < r->n; i++)
        if (r->r[i].type == 1 || r->r[i].type == 18)
            assert_true(fabs(r->r[i].lat) < 70 && r->r[i].speed < 40);
    decoded_free(d);
    free(mmsis);
    run_free(r);
}

static void test_start_override(void **state)
{
    (void)state;
    int64_t new_start = 1624000000000LL; /* 2021-06-18T07:06:40Z */
    lo_sim_opts o = {.start_ms = new_start, .duration_ms = 12 * 3600000LL};
    run *r = run_text(all_events, &o);
    assert_int_equal(lo_sim_get_info(r->sim)->start_ms, new_start);
    const lo_sim_event *e = event_of(r, "dark-1");
    assert_int_equal(e->start_ms, new_start + 3 * 3600000LL);
    /* Events after the shortened end are gone. */
    assert_int_equal(lo_sim_event_count(r->sim), 8);
    assert_true(r->r[r->n - 1].t < new_start + 12 * 3600000LL);
    run_free(r);
}

static void test_shipped_scenarios(void **state)
{
    (void)state;
    DIR *dir = opendir(SCENARIOS);
    if (!dir) {
        skip();
        return;
    }
    struct dirent *de;
    unsigned files = 0;
    char path[1024];
    while ((de = readdir(dir))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
            continue;
        snprintf(path, sizeof path, "%s/%s", SCENARIOS, de->d_name);
        char *text = read_file(path);
        assert_non_null(text);
        lo_sim_opts o = {.max_messages = 300000, .extra_vessels = strstr(de->d_name, "background") ? 100 : 0};
        run *r = run_text(text, &o);
        decoded *d = decode_all(r->out, r->len);
        if (d->n != r->n || d->rejects || d->undecoded)
            fail_msg("%s: %zu messages, %zu decoded, %llu rejected", de->d_name, r->n, d->n,
                     (unsigned long long)(d->rejects + d->undecoded));
        char buf[65536];
        for (size_t i = 0; i < lo_sim_event_count(r->sim); i++) {
            int len = lo_sim_event_json(r->sim, i, buf, sizeof buf);
            assert_true(len > 0);
            json_error_t jerr;
            json_t *j = json_loadb(buf, (size_t)len, 0, &jerr);
            assert_non_null(j);
            json_decref(j);
        }
        /* Incident rebuilds cite their row of the public reporting CSV. */
        if (strstr(text, "labelled_events_public_reporting.csv"))
            assert_non_null(strstr(text, "# Source:"));
        decoded_free(d);
        run_free(r);
        free(text);
        files++;
    }
    closedir(dir);
    assert_true(files >= 12);
}

/* Scenarios mangled at random (bytes changed, dropped, repeated, lines
 * swapped): refused with a line number, or run; never a crash (ASan/UBSan). */
static void test_hostile_scenarios(void **state)
{
    (void)state;
    size_t base = strlen(all_events);
    char *buf = malloc(2 * base + 64);
    assert_non_null(buf);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    unsigned ok = 0, refused = 0;
    static const char alphabet[] = "0123456789 +-.,:@\"#\nabcdeghkmnstxyzAZ_";
    for (int round = 0; round < 1500; round++) {
        memcpy(buf, all_events, base + 1);
        size_t len = base;
        int edits = 1 + (int)(x % 4);
        for (int k = 0; k < edits; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(x >> 33) % len;
            switch (round % 2 ? 3 : (x >> 20) % 4) {
            case 0: /* change a byte */
                buf[at] = alphabet[(x >> 8) % (sizeof alphabet - 1)];
                break;
            case 1: /* drop a run */
                memmove(buf + at, buf + at + 1, len - at);
                len--;
                break;
            case 2: { /* repeat a run */
                size_t n = 1 + (x >> 12) % 16;
                if (at + n > len)
                    n = len - at;
                memmove(buf + at + n, buf + at, len - at + 1);
                len += n;
                break;
            }
            default: /* another digit where a digit is: valid syntax, odd values */
                while (at < len && (buf[at] < '0' || buf[at] > '9'))
                    at++;
                if (at < len)
                    buf[at] = (char)('0' + (x >> 40) % 10);
                break;
            }
        }
        /* Keep the load small: no mangled "traffic 1000000". */
        char *t = strstr(buf, "traffic");
        if (t)
            memcpy(t, "#raffic", 7);
        lo_sim *sim = NULL;
        char err[512];
        lo_sim_opts o = {.max_messages = 500};
        int rc = lo_sim_create(buf, len, "t.txt", &o, &sim, err, sizeof err);
        if (rc) {
            assert_null(sim);
            assert_true(!strncmp(err, "t.txt:", 6) || rc == LO_E_NOMEM);
            if (getenv("SIM_HOSTILE_VERBOSE"))
                fprintf(stderr, "%s\n", err);
            refused++;
            continue;
        }
        lo_sim_msg m;
        while ((rc = lo_sim_next(sim, &m)) == 1)
            assert_true(m.nmea_len > 0 && m.nmea[m.nmea_len - 1] == '\n');
        assert_int_equal(rc, 0);
        char line[65536];
        for (size_t i = 0; i < lo_sim_event_count(sim); i++)
            assert_true(lo_sim_event_json(sim, i, line, sizeof line) > 0);
        lo_sim_destroy(sim);
        ok++;
    }
    if (ok < 100 || refused < 100)
        fail_msg("%u ran, %u refused: the mutations should give plenty of both", ok, refused);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_fields),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_every_sentence_decodes_in_time_order),
        cmocka_unit_test(test_report_intervals),
        cmocka_unit_test(test_positions_follow_route),
        cmocka_unit_test(test_dark_period),
        cmocka_unit_test(test_sts_pair_distance),
        cmocka_unit_test(test_loitering),
        cmocka_unit_test(test_zone_truth_matches_track),
        cmocka_unit_test(test_spoofed_jump),
        cmocka_unit_test(test_identity_and_swap),
        cmocka_unit_test(test_circle_spoof),
        cmocka_unit_test(test_truth_matches_script),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_background_traffic),
        cmocka_unit_test(test_start_override),
        cmocka_unit_test(test_shipped_scenarios),
        cmocka_unit_test(test_hostile_scenarios),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
