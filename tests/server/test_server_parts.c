/* test_server_parts.c - the server's bounded parts on their own: the line
 * queue (order, refusal when full with room kept for end records, wrap-around,
 * waiting push), the live stream ring (a slow client is dropped, a reader
 * sees whole records in order, kinds filtered, records split over reads),
 * the picture (insert, update, remove with backward shift against brute
 * force, filters, events replaced by id) and the JSON buffer (escapes,
 * invalid UTF-8, the hard maximum). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbuf.h"
#include "picture.h"
#include "queue.h"
#include "sse.h"

static void queue_order_and_full(void **state)
{
    (void)state;
    lq *q = lq_create(0); /* the minimum: 64 KiB */
    assert_non_null(q);
    char line[200];
    int pushed = 0;
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "line %d", i);
        if (lq_push(q, (uint16_t)(i % 3), 1, i, line, (size_t)n))
            break;
        pushed++;
    }
    assert_true(pushed > 100 && pushed < 100000); /* it filled and refused */
    assert_int_equal(lq_push_end(q, 7, 1), 0);   /* room kept for end records */
    char *block = malloc(1 << 20);
    size_t len = lq_pop(q, block, 1 << 20, 0);
    size_t off = 0;
    lq_rec r;
    int i = 0;
    while (lq_next(block, len, &off, &r)) {
        if (i < pushed) {
            int n = snprintf(line, sizeof line, "line %d", i);
            assert_int_equal(r.kind, LQ_LINE);
            assert_int_equal(r.len, n);
            assert_memory_equal(r.data, line, (size_t)n);
            assert_int_equal(r.conn, i % 3);
            assert_int_equal(r.arrival_ms, i);
        } else {
            assert_int_equal(r.kind, LQ_END);
            assert_int_equal(r.conn, 7);
        }
        i++;
    }
    assert_int_equal(i, pushed + 1);
    /* wrap around many times: sizes that do not divide the ring */
    uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 2000; round++) {
        for (int k = 0; k < 37; k++) {
            size_t n = (size_t)(next_in % 1000) + 1;
            memset(line, 'a' + (int)(next_in % 26), n < sizeof line ? n : sizeof line);
            if (lq_push(q, 0, 0, (int64_t)next_in, line, n < sizeof line ? n : sizeof line) == 0)
                next_in++;
        }
        len = lq_pop(q, block, 1 << 20, 0);
        off = 0;
        while (lq_next(block, len, &off, &r)) {
            assert_int_equal(r.arrival_ms, (int64_t)next_out);
            assert_int_equal((unsigned char)r.data[0], 'a' + (int)(next_out % 26));
            next_out++;
        }
    }
    assert_int_equal(next_in, next_out);
    lq_close(q);
    assert_int_equal(lq_push_wait(q, 0, 0, 0, "x", 1), -1); /* closed: no wait */
    assert_true(lq_closed_empty(q));
    free(block);
    lq_destroy(q);
}

static void stream_ring(void **state)
{
    (void)state;
    sse_hub *h = sse_create(0, 3); /* the minimum ring: 256 KiB */
    assert_non_null(h);
    sse_client *fast = sse_join(h, SSE_POSITION | SSE_EVENT);
    sse_client *slow = sse_join(h, SSE_POSITION | SSE_EVENT);
    sse_client *events = sse_join(h, SSE_EVENT);
    assert_non_null(fast);
    assert_null(sse_join(h, SSE_EVENT)); /* 3 clients at most */
    char json[300], buf[4096];
    size_t fast_got = 0;
    int seen = 0, ev_seen = 0;
    char acc[8192];
    size_t acc_len = 0;
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(json, sizeof json, "{\"i\":%d,\"pad\":\"%0200d\"}", i, 0);
        sse_publish(h, i % 100 == 0 ? SSE_EVENT : SSE_POSITION, json, (size_t)n);
        /* the fast client reads in small pieces: records split over reads */
        long got;
        while ((got = sse_read(fast, buf, 97, 0)) > 0) {
            fast_got += (size_t)got;
            memcpy(acc + acc_len, buf, (size_t)got);
            acc_len += (size_t)got;
            char *end;
            while ((end = memmem(acc, acc_len, "\n\n", 2))) {
                size_t rl = (size_t)(end - acc) + 2;
                char want[400];
                snprintf(want, sizeof want, "event: %s\ndata: {\"i\":%d,", seen % 100 == 0 ? "event" : "position",
                         seen);
                assert_memory_equal(acc, want, strlen(want));
                seen++;
                memmove(acc, acc + rl, acc_len - rl);
                acc_len -= rl;
            }
        }
        assert_true(got == 0);
        while ((got = sse_read(events, buf, sizeof buf, 0)) > 0) {
            assert_memory_equal(buf, "event: event\n", 13);
            ev_seen++;
        }
    }
    assert_int_equal(seen, 5000);
    assert_int_equal(ev_seen, 50);
    assert_int_equal(sse_read(slow, buf, sizeof buf, 0), -1); /* fell a ring behind: dropped */
    sse_stats st;
    sse_get_stats(h, &st);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.records, 5000);
    assert_int_equal(st.clients, 3);
    sse_leave(slow);
    sse_close(h);
    assert_int_equal(sse_read(fast, buf, sizeof buf, 0), -1);
    sse_leave(fast);
    sse_leave(events);
    sse_destroy(h);
}

static lo_vessel vessel(uint32_t mmsi, int32_t lat, int32_t lon, uint8_t ship_type)
{
    lo_vessel v;
    memset(&v, 0, sizeof v);
    v.mmsi = mmsi;
    v.kind = LO_STATION_VESSEL;
    v.has_position = true;
    v.last.lat_udeg = lat;
    v.last.lon_udeg = lon;
    v.last.time_ms = 1000;
    v.id.ship_type = ship_type;
    snprintf(v.id.name, sizeof v.id.name, "SHIP %u", mmsi);
    return v;
}

static void picture_table(void **state)
{
    (void)state;
    picture *p = pic_create(5000);
    assert_non_null(p);
    static bool present[5000];
    uint32_t mmsis[5000];
    srand(7);
    for (int i = 0; i < 5000; i++) {
        mmsis[i] = 200000000u + (uint32_t)rand() % 500000000u;
        for (int j = 0; j < i; j++)
            if (mmsis[j] == mmsis[i])
                mmsis[i]++, j = -1;
    }
    for (int round = 0; round < 20000; round++) {
        int k = rand() % 5000;
        if (present[k] && rand() % 3 == 0) {
            pic_remove(p, mmsis[k]);
            present[k] = false;
        } else {
            lo_vessel v = vessel(mmsis[k], k * 1000, -k * 1000, (uint8_t)(k % 100));
            pic_set(p, &v, k % 7 == 0, 0, -1, NULL);
            present[k] = true;
        }
    }
    uint32_t n = 0;
    for (int k = 0; k < 5000; k++) {
        pic_vessel pv;
        bool got = pic_get(p, mmsis[k], &pv);
        assert_int_equal(got, present[k]);
        if (got) {
            n++;
            assert_int_equal(pv.lat, k * 1000);
            assert_int_equal(pv.watch, k % 7 == 0);
            char want[40];
            snprintf(want, sizeof want, "SHIP %u", mmsis[k]);
            assert_string_equal(pv.name, want);
        }
    }
    assert_int_equal(pic_count(p), n);
    /* filters */
    uint64_t types[4] = {0};
    types[0] |= 1ull << 30;
    pic_filter f = {.types = types, .limit = 100000};
    pic_vessel *out;
    uint64_t matched;
    long got = pic_query(p, &f, &out, &matched);
    uint32_t want = 0;
    for (int k = 0; k < 5000; k++)
        want += present[k] && k % 100 == 30;
    assert_int_equal(got, want);
    assert_int_equal(matched, want);
    for (long i = 0; i < got; i++)
        assert_int_equal(out[i].ship_type, 30);
    free(out);
    lo_bbox box = {.west = -100000, .south = 0, .east = 0, .north = 100000};
    pic_filter fb = {.bbox = &box, .watch_only = true, .limit = 3};
    got = pic_query(p, &fb, &out, &matched);
    want = 0;
    for (int k = 0; k <= 100; k++)
        want += present[k] && k % 7 == 0;
    assert_int_equal(matched, want);
    assert_int_equal(got, want < 3 ? want : 3);
    free(out);
    /* a full table refuses (and counts) */
    picture *small = pic_create(1000);
    for (uint32_t i = 0; i < 1100; i++) {
        lo_vessel v = vessel(300000000u + i, 0, 0, 0);
        pic_set(small, &v, 0, 0, -1, NULL);
    }
    assert_int_equal(pic_count(small), 1000);
    assert_int_equal(pic_refused(small), 100);
    /* stream throttle: once per interval */
    lo_vessel v = vessel(300000000u, 0, 0, 0);
    pic_vessel pv;
    assert_true(pic_set(small, &v, -1, 10000, 1000, &pv));
    assert_false(pic_set(small, &v, -1, 10500, 1000, &pv));
    assert_true(pic_set(small, &v, -1, 11000, 1000, &pv));
    assert_int_equal(pv.mmsi, 300000000u);
    pic_destroy(small);
    /* events: replaced by id, newest change first, filtered */
    for (int i = 0; i < 30; i++) {
        pic_event_meta m = {.id = (uint64_t)(i % 10), .type = i % 3, .start_ms = i, .end_ms = 100 + i, .nmmsi = 1};
        m.mmsi[0] = 1000u + (uint32_t)(i % 10);
        char js[32], gj[32];
        int jl = snprintf(js, sizeof js, "{\"v\":%d}", i), gl = snprintf(gj, sizeof gj, "{\"g\":%d}", i);
        assert_int_equal(pic_event_put(p, &m, js, (size_t)jl, gj, (size_t)gl), 0);
    }
    assert_int_equal(pic_event_count(p), 10);
    jbuf b;
    jb_init(&b, 1 << 20);
    pic_event_filter ef = {.since_ms = LO_TIME_NONE, .limit = 100};
    assert_int_equal(pic_events_write(p, &ef, &b), 10);
    jb_putc(&b, 0);
    assert_string_equal(b.p, "{\"v\":29},{\"v\":28},{\"v\":27},{\"v\":26},{\"v\":25},{\"v\":24},{\"v\":23},{\"v\":22},"
                             "{\"v\":21},{\"v\":20}");
    b.len = 0;
    pic_event_filter e2 = {.since_ms = 127, .mmsi = 1008, .geojson = true, .limit = 100};
    assert_int_equal(pic_events_write(p, &e2, &b), 1);
    jb_putc(&b, 0);
    assert_string_equal(b.p, "{\"g\":28}");
    b.len = 0;
    pic_event_filter e3 = {.since_ms = LO_TIME_NONE, .types = 1u << 1, .limit = 2};
    assert_int_equal(pic_events_write(p, &e3, &b), 2);
    jb_free(&b);
    pic_destroy(p);
}

static void json_buffer(void **state)
{
    (void)state;
    jbuf b;
    jb_init(&b, 64);
    jb_jstr(&b, "a\"b\\c\n\x01\xc3\xa9\xff\xe2\x82");
    jb_putc(&b, 0);
    assert_false(b.overflow);
    assert_string_equal(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
    b.len = 0;
    jb_fixed(&b, -1234567, 6);
    jb_putc(&b, ' ');
    jb_fixed(&b, 5, 1);
    jb_putc(&b, ' ');
    jb_i64(&b, INT64_MIN);
    jb_putc(&b, 0);
    assert_string_equal(b.p, "-1.234567 0.5 -9223372036854775808");
    b.len = 0;
    for (int i = 0; i < 100; i++)
        jb_puts(&b, "0123456789");
    assert_true(b.overflow);
    assert_true(b.len <= 64);
    jb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_order_and_full),
        cmocka_unit_test(stream_ring),
        cmocka_unit_test(picture_table),
        cmocka_unit_test(json_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
