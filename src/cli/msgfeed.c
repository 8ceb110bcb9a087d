/* msgfeed.c - files -> timed messages (see msgfeed.h): NMEA through the
 * stream decoder and the report clock, CSV datasets through the importer; a
 * progress line on a terminal. */
#define _POSIX_C_SOURCE 200809L
#include "msgfeed.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lookout/import.h"
#include "lookout/tracker.h"

#define CHUNK (1u << 20)
#define QUIET_TICK_MS 1000 /* a quiet pipe still ticks every second */

/* CSV lines from chunks: a line longer than the limit is cut to the limit
 * (the importer rejects it by its length) and the rest skipped. */
typedef struct liner {
    char buf[LO_IMPORT_MAX_LINE + 2];
    size_t len;
    bool header_done;
} liner;

struct msgfeed {
    msgfeed_callbacks cb;
    lo_stream *stream;     /* current NMEA input */
    lo_import *import;     /* current CSV input */
    /* The delay line: decoded messages wait MSGFEED_AHEAD places for take,
     * so that their records can be fetched from memory meanwhile. */
    lo_message ring[MSGFEED_AHEAD];
    int64_t ring_t[MSGFEED_AHEAD];
    uint64_t ring_in, ring_out; /* messages put in, taken out */
    lo_message rows[LO_IMPORT_MAX_MESSAGES];
    lo_report_clock clock; /* for reports without a receive time (docs/time.md) */
    const char *path;
    bool progress;
    double t_start, t_last_progress;
    uint64_t bytes_total, bytes_done;
    msgfeed_counts n;
    char *buf;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

msgfeed *msgfeed_create(const msgfeed_callbacks *cb, int64_t start_ms, bool progress)
{
    msgfeed *f = calloc(1, sizeof *f);
    if (!f || !(f->buf = malloc(CHUNK))) {
        free(f);
        return NULL;
    }
    f->cb = *cb;
    lo_report_clock_init(&f->clock, start_ms);
    f->progress = progress;
    f->t_start = f->t_last_progress = now_s();
    return f;
}

void msgfeed_destroy(msgfeed *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f);
}

const msgfeed_counts *msgfeed_get_counts(const msgfeed *f) { return &f->n; }
double msgfeed_elapsed(const msgfeed *f) { return now_s() - f->t_start; }

/* The next free place of the delay line (the oldest waiting message is taken
 * first when the line is full). */
static lo_message *ring_slot(msgfeed *f)
{
    if (f->ring_in - f->ring_out == MSGFEED_AHEAD) {
        unsigned k = (unsigned)(f->ring_out++ % MSGFEED_AHEAD);
        f->n.messages++;
        f->cb.take(f->cb.ctx, &f->ring[k], f->ring_t[k]);
    }
    return &f->ring[f->ring_in % MSGFEED_AHEAD];
}

/* The message just written into ring_slot() enters the line. */
static void ring_push(msgfeed *f, int64_t t)
{
    f->ring_t[f->ring_in % MSGFEED_AHEAD] = t;
    f->ring_in++;
    if (!f->cb.prefetch)
        return;
    /* Bucket now, record 6 messages on, the detector's record 11 on: each
     * stage's load has arrived when the next one reads it. */
    static const unsigned back[3] = {0, 6, 11};
    for (int stage = 0; stage < 3; stage++)
        if (f->ring_in - f->ring_out > back[stage])
            f->cb.prefetch(f->cb.ctx, &f->ring[(f->ring_in - 1 - back[stage]) % MSGFEED_AHEAD], stage);
}

/* Everything waiting goes to take (end of a file, a quiet pipe). */
static void ring_flush(msgfeed *f)
{
    while (f->ring_out < f->ring_in) {
        unsigned k = (unsigned)(f->ring_out++ % MSGFEED_AHEAD);
        f->n.messages++;
        f->cb.take(f->cb.ctx, &f->ring[k], f->ring_t[k]);
    }
}

static void take(msgfeed *f, const lo_message *m, int64_t t)
{
    lo_message *slot = ring_slot(f);
    *slot = *m;
    ring_push(f, t);
}

/* A decoded NMEA message: its time from the feed, else from the clock. */
static void on_payload(void *ctx, const lo_payload *p)
{
    msgfeed *f = ctx;
    lo_reject why;
    lo_message *m = ring_slot(f); /* decoded in place: no copy */
    if (lo_decode(p->bits, p->nbits, m, &why)) {
        lo_stream_count_reject(f->stream, why);
        f->n.undecodable++;
        return;
    }
    lo_stream_count_decoded(f->stream, m->type);
    m->meta = p->meta;
    int64_t t = lo_report_clock_time(&f->clock, m);
    if (t == LO_TIME_NONE) {
        f->n.untimed++;
        return;
    }
    ring_push(f, t);
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    (void)ctx, (void)why, (void)raw, (void)len, (void)line; /* counted by the stream */
}

static void show_progress(msgfeed *f, double t)
{
    f->t_last_progress = t;
    double el = t - f->t_start;
    char extra[128] = "";
    if (f->cb.status)
        f->cb.status(f->cb.ctx, extra, sizeof extra);
    char done[64] = "";
    if (f->bytes_total)
        snprintf(done, sizeof done, "%5.1f%%  ", 100.0 * (double)f->bytes_done / (double)f->bytes_total);
    fprintf(stderr, "\r%s: %s%llu MB  %llu messages  %.0f msg/s  %s ", f->path, done,
            (unsigned long long)(f->bytes_done >> 20), (unsigned long long)f->n.messages,
            el > 0 ? (double)f->n.messages / el : 0.0, extra);
}

void msgfeed_done(msgfeed *f)
{
    if (f->progress && f->t_last_progress != f->t_start)
        fputs("\r\033[K", stderr);
}

static int tick(msgfeed *f)
{
    if (f->cb.tick && f->cb.tick(f->cb.ctx))
        return -1;
    if (f->progress) {
        double t = now_s();
        if (t - f->t_last_progress >= 0.5)
            show_progress(f, t);
    }
    return 0;
}

static int csv_feed(msgfeed *f, liner *l, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = data[i];
        if (c != '\n') {
            if (l->len <= LO_IMPORT_MAX_LINE)
                l->buf[l->len++] = c;
            continue;
        }
        if (!l->header_done) {
            l->header_done = true;
            if (lo_import_create(l->buf, l->len, &f->import)) {
                cli_error("%s: not a MarineCadastre or DMA CSV header", f->path);
                return -1;
            }
        } else {
            lo_import_reject why;
            int k = lo_import_row(f->import, l->buf, l->len, f->rows, &why);
            for (int j = 0; j < k; j++)
                take(f, &f->rows[j], f->rows[j].meta.rx_time_ms);
        }
        l->len = 0;
    }
    return 0;
}

static bool csv_header(const char *data, size_t n)
{
    const char *nl = memchr(data, '\n', n);
    size_t len = nl ? (size_t)(nl - data) : n;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) /* a UTF-8 byte order mark */
        return lo_import_detect(data + 3, len - 3) != LO_IMPORT_NONE;
    return lo_import_detect(data, len) != LO_IMPORT_NONE;
}

int msgfeed_file(msgfeed *f, const char *path)
{
    bool is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    f->path = is_stdin ? "stdin" : path;
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    f->bytes_total = regular ? (uint64_t)st.st_size : 0;
    f->bytes_done = 0;
    int rc = 0;
    bool first = true, csv = false;
    liner *l = NULL;
    char *buf = f->buf;
    lo_stream_callbacks cb = {.ctx = f, .on_payload = on_payload, .on_reject = on_reject};
    for (;;) {
        if (!regular) {
            /* A pipe or socket may be quiet for long: tick anyway. */
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            if (poll(&pfd, 1, QUIET_TICK_MS) == 0) {
                ring_flush(f);
                if (tick(f)) {
                    rc = -1;
                    break;
                }
                continue;
            }
        }
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cli_error("%s: read error: %s", path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        /* The format is told by the first line: a pipe may hand it over in
         * pieces, so read on until it is whole (or the input ends). */
        while (first && !memchr(buf, '\n', (size_t)n) && n < (ssize_t)CHUNK) {
            ssize_t more = read(fd, buf + n, CHUNK - (size_t)n);
            if (more < 0 && errno == EINTR)
                continue;
            if (more <= 0)
                break;
            n += more;
        }
        size_t off = 0;
        if (first) {
            first = false;
            csv = csv_header(buf, (size_t)n);
            if (csv) {
                if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
                    off = 3;
                l = calloc(1, sizeof *l);
            } else {
                f->stream = lo_stream_create(&cb, f->path);
            }
            if (csv ? !l : !f->stream) {
                cli_error("out of memory");
                rc = -1;
                break;
            }
        }
        if (csv) {
            if (csv_feed(f, l, buf + off, (size_t)n - off)) {
                rc = -1;
                break;
            }
        } else {
            lo_stream_feed(f->stream, buf, (size_t)n);
        }
        f->bytes_done += (uint64_t)n;
        if (tick(f)) {
            rc = -1;
            break;
        }
    }
    if (f->stream) {
        lo_stream_finish(f->stream);
        ring_flush(f);
        const lo_stats *s = lo_stream_stats(f->stream);
        f->n.nmea.lines += s->lines;
        f->n.nmea.payloads += s->payloads;
        f->n.nmea.decoded += s->decoded;
        f->n.nmea.rejects += s->rejects;
        lo_stream_destroy(f->stream);
        f->stream = NULL;
    }
    if (l) {
        if (rc == 0 && l->len) { /* last line without a line end */
            char nl = '\n';
            rc = csv_feed(f, l, &nl, 1);
        }
        free(l);
    }
    ring_flush(f);
    if (f->import) {
        const lo_import_stats *s = lo_import_get_stats(f->import);
        f->n.csv_rows += s->rows;
        f->n.csv_rejected += s->rejected;
        lo_import_destroy(f->import);
        f->import = NULL;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
