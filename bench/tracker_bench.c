/* tracker_bench.c - speed of the vessel tracker (lo_tracker_update) on real AIS.
 *
 *   lookout_tracker_bench [-r ROUNDS] [-m MIN_MESSAGES] [-d] FILE...
 *
 * Decodes the files once into memory (times from tag blocks, $PGHP headers or
 * trailers; lo_report_clock when the feed has none), then feeds the decoded
 * messages to a fresh tracker again and again until at least MIN_MESSAGES
 * (default 2,000,000) have gone through, each pass shifted one day later so that
 * passes are not duplicates of each other. Prints messages/s of the tracker
 * alone (best of ROUNDS, default 3) and of stream + decode + tracker in one
 * pass over the files, with the tracker's counts. With -d every pass has its
 * own vessels (the MMSIs are moved by 1,000,000 per pass), to see a large table
 * grow: 61 passes of the AISHub sample make 675,000 vessels. Build the release
 * preset for numbers worth quoting. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lookout/stream.h"
#include "lookout/tracker.h"

typedef struct ctx {
    lo_message *msgs;
    int64_t *times;
    size_t n, cap;
    lo_report_clock clock;
    lo_tracker *trk; /* when set, messages go straight to it */
    lo_message one;
} ctx;

/* Receive time, else the report clock's time; before the clock knows the
 * time (no receive or base station time yet), an arbitrary start. */
static int64_t message_time(ctx *c, const lo_message *m)
{
    int64_t t = lo_report_clock_time(&c->clock, m);
    return t == LO_TIME_NONE ? 1700000000000 : t;
}

static void on_payload(void *vc, const lo_payload *p)
{
    ctx *c = vc;
    lo_reject why;
    if (c->trk) {
        if (lo_decode(p->bits, p->nbits, &c->one, &why))
            return;
        c->one.meta = p->meta;
        lo_tracker_update(c->trk, &c->one, message_time(c, &c->one));
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->msgs = realloc(c->msgs, c->cap * sizeof *c->msgs);
        c->times = realloc(c->times, c->cap * sizeof *c->times);
        if (!c->msgs || !c->times) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    lo_message *m = &c->msgs[c->n];
    if (lo_decode(p->bits, p->nbits, m, &why))
        return;
    m->meta = p->meta;
    m->meta.source = NULL;
    c->times[c->n++] = message_time(c, m);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void feed_files(ctx *c, char **files, int nfiles)
{
    for (int i = 0; i < nfiles; i++) {
        size_t len;
        char *buf = slurp(files[i], &len);
        if (!buf) {
            perror(files[i]);
            exit(1);
        }
        lo_stream_callbacks cb = {.ctx = c, .on_payload = on_payload};
        lo_stream *s = lo_stream_create(&cb, files[i]);
        lo_stream_feed(s, buf, len);
        lo_stream_finish(s);
        lo_stream_destroy(s);
        free(buf);
    }
}

int main(int argc, char **argv)
{
    int rounds = 3;
    size_t min_messages = 2000000;
    bool distinct = false;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "-r") == 0 && a + 1 < argc)
            rounds = atoi(argv[++a]);
        else if (strcmp(argv[a], "-m") == 0 && a + 1 < argc)
            min_messages = (size_t)strtoull(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "-d") == 0)
            distinct = true;
        else {
            fprintf(stderr, "usage: %s [-r ROUNDS] [-m MIN_MESSAGES] [-d] FILE...\n", argv[0]);
            return 2;
        }
    }
    if (a == argc) {
        fprintf(stderr, "usage: %s [-r ROUNDS] [-m MIN_MESSAGES] FILE...\n", argv[0]);
        return 2;
    }
    ctx c = {0};
    lo_report_clock_init(&c.clock, LO_TIME_NONE);
    feed_files(&c, argv + a, argc - a);
    if (!c.n) {
        fprintf(stderr, "no messages decoded\n");
        return 1;
    }
    size_t passes = (min_messages + c.n - 1) / c.n;
    double best = 0;
    lo_tracker_stats st = {0};
    for (int r = 0; r < rounds; r++) {
        lo_tracker *t = lo_tracker_create(NULL, NULL);
        double t0 = now_s();
        for (size_t p = 0; p < passes; p++) {
            int64_t shift = (int64_t)p * 86400000;
            uint32_t move = distinct ? (uint32_t)(p * 1000000u) : 0;
            for (size_t i = 0; i < c.n; i++) {
                c.msgs[i].mmsi = (c.msgs[i].mmsi + move) % 1073741824u;
                lo_tracker_update(t, &c.msgs[i], c.times[i] + shift);
                c.msgs[i].mmsi = (c.msgs[i].mmsi + 1073741824u - move) % 1073741824u;
            }
        }
        double dt = now_s() - t0;
        double rate = (double)(passes * c.n) / dt;
        if (rate > best)
            best = rate;
        st = *lo_tracker_get_stats(t);
        lo_tracker_destroy(t);
    }
    printf("messages decoded: %zu; passes: %zu (%zu tracker updates per round)\n", c.n, passes, passes * c.n);
    printf("tracker only:             %.0f messages/s (best of %d)\n", best, rounds);
    printf("  memory held by the tracker: %.1f MB for %u vessels (%.0f bytes per vessel)\n", st.memory_bytes / 1e6,
           st.vessels, (double)st.memory_bytes / st.vessels);
    printf("  last round: vessels %u, reports %llu, duplicates %llu, points %llu, segments %llu, identity "
           "changes %llu, no position %llu, bad %llu, 0/0 %llu\n",
           st.vessels, (unsigned long long)st.reports, (unsigned long long)st.duplicates,
           (unsigned long long)st.points, (unsigned long long)st.segments,
           (unsigned long long)st.identity_changes, (unsigned long long)st.no_position,
           (unsigned long long)st.bad_position, (unsigned long long)st.zero_position);

    /* Whole path once: bytes -> stream -> decode -> tracker. */
    ctx d = {.trk = lo_tracker_create(NULL, NULL)};
    lo_report_clock_init(&d.clock, LO_TIME_NONE);
    double t0 = now_s();
    feed_files(&d, argv + a, argc - a);
    double dt = now_s() - t0;
    const lo_tracker_stats *s2 = lo_tracker_get_stats(d.trk);
    printf("stream + decode + tracker: %.0f messages/s (%llu messages, one pass, file reading included)\n",
           (double)s2->messages / dt, (unsigned long long)s2->messages);
    lo_tracker_destroy(d.trk);
    free(c.msgs);
    free(c.times);
    return 0;
}
