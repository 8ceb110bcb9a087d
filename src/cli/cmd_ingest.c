/* cmd_ingest.c - `lookout ingest`: files (NMEA logs or CSV datasets) -> decoder
 * -> tracker -> SQLite store. The file's first line says which: a
 * MarineCadastre or DMA CSV header, or anything else (NMEA). A progress line
 * on a terminal; nothing on stdout. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lookout/import.h"
#include "lookout/sentence.h"
#include "lookout/store.h"
#include "lookout/stream.h"
#include "lookout/tracker.h"

#define CHUNK (1u << 20)
#define COMMIT_EVERY_S 1.0 /* a live feed's rows reach the file within about a second */

typedef struct ingest {
    lo_store *store;
    lo_tracker *tracker;
    lo_stream *stream;     /* current NMEA input */
    lo_import *import;     /* current CSV input */
    lo_message msg;
    lo_message rows[LO_IMPORT_MAX_MESSAGES];
    lo_report_clock clock; /* for reports without a receive time (docs/time.md) */
    const char *path;
    bool progress;
    double t_start, t_last_progress, t_last_commit;
    uint64_t bytes_total, bytes_done;
    /* counts */
    uint64_t messages;     /* decoded messages and CSV rows' messages */
    uint64_t csv_rows, csv_rejected;
    uint64_t undecodable, untimed, tracker_errors;
    lo_stats nmea;         /* summed over NMEA inputs */
    int rc;
} ingest;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void take(ingest *g, const lo_message *m, int64_t t)
{
    g->messages++;
    if (lo_tracker_update(g->tracker, m, t) < 0)
        g->tracker_errors++;
}

/* A decoded NMEA message: its time from the feed, else from the clock. */
static void on_payload(void *ctx, const lo_payload *p)
{
    ingest *g = ctx;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &g->msg, &why)) {
        lo_stream_count_reject(g->stream, why);
        g->undecodable++;
        return;
    }
    lo_stream_count_decoded(g->stream, g->msg.type);
    g->msg.meta = p->meta;
    int64_t t = lo_report_clock_time(&g->clock, &g->msg);
    if (t == LO_TIME_NONE) {
        g->untimed++;
        return;
    }
    take(g, &g->msg, t);
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    (void)ctx, (void)why, (void)raw, (void)len, (void)line; /* counted by the stream */
}

static void csv_line(ingest *g, const char *line, size_t len)
{
    lo_import_reject why;
    int n = lo_import_row(g->import, line, len, g->rows, &why);
    for (int i = 0; i < n; i++)
        take(g, &g->rows[i], g->rows[i].meta.rx_time_ms);
}

static void show_progress(ingest *g, double t, bool final)
{
    if (!g->progress)
        return;
    if (final) {
        if (g->t_last_progress != g->t_start)
            fputs("\r\033[K", stderr);
        return;
    }
    g->t_last_progress = t;
    double el = t - g->t_start;
    if (g->bytes_total)
        fprintf(stderr, "\r%s: %5.1f%%  %llu MB  %llu messages  %.0f msg/s  %u vessels ", g->path,
                100.0 * (double)g->bytes_done / (double)g->bytes_total, (unsigned long long)(g->bytes_done >> 20),
                (unsigned long long)g->messages, el > 0 ? (double)g->messages / el : 0.0,
                lo_tracker_count(g->tracker));
    else
        fprintf(stderr, "\r%s: %llu MB  %llu messages  %.0f msg/s  %u vessels ", g->path,
                (unsigned long long)(g->bytes_done >> 20), (unsigned long long)g->messages,
                el > 0 ? (double)g->messages / el : 0.0, lo_tracker_count(g->tracker));
}

/* Once a second (wall clock, the CLI's business): commit, show progress. */
static int tick(ingest *g)
{
    int err = lo_store_error(g->store);
    if (err) {
        cli_error("%s: %s", g->path, err == LO_E_STORE ? lo_store_errmsg(g->store) : lo_strerror(err));
        return -1;
    }
    double t = now_s();
    if (t - g->t_last_commit >= COMMIT_EVERY_S) {
        g->t_last_commit = t;
        if (lo_store_commit(g->store)) {
            cli_error("%s: %s", g->path, lo_store_errmsg(g->store));
            return -1;
        }
    }
    if (g->progress && t - g->t_last_progress >= 0.5)
        show_progress(g, t, false);
    return 0;
}

/* CSV lines from chunks: a line longer than the limit is cut to the limit
 * (the importer rejects it by its length) and the rest skipped. */
typedef struct liner {
    char buf[LO_IMPORT_MAX_LINE + 2];
    size_t len;
    bool header_done;
} liner;

static int csv_feed(ingest *g, liner *l, const char *data, size_t n)
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
            if (lo_import_create(l->buf, l->len, &g->import)) {
                cli_error("%s: not a MarineCadastre or DMA CSV header", g->path);
                return -1;
            }
        } else {
            csv_line(g, l->buf, l->len);
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

static int ingest_file(ingest *g, const char *path, char *buf)
{
    bool is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    g->path = is_stdin ? "stdin" : path;
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    g->bytes_total = regular ? (uint64_t)st.st_size : 0;
    g->bytes_done = 0;
    int rc = 0;
    bool first = true, csv = false;
    liner *l = NULL;
    lo_stream_callbacks cb = {.ctx = g, .on_payload = on_payload, .on_reject = on_reject};
    for (;;) {
        if (!regular) {
            /* A pipe or socket may be quiet for long: commit what we have. */
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, (int)(COMMIT_EVERY_S * 1000));
            if (pr == 0) {
                if (tick(g)) {
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
                g->stream = lo_stream_create(&cb, g->path);
            }
            if (csv ? !l : !g->stream) {
                cli_error("out of memory");
                rc = -1;
                break;
            }
        }
        if (csv) {
            if (csv_feed(g, l, buf + off, (size_t)n - off)) {
                rc = -1;
                break;
            }
        } else {
            lo_stream_feed(g->stream, buf, (size_t)n);
        }
        g->bytes_done += (uint64_t)n;
        if (tick(g)) {
            rc = -1;
            break;
        }
    }
    if (g->stream) {
        lo_stream_finish(g->stream);
        const lo_stats *s = lo_stream_stats(g->stream);
        g->nmea.lines += s->lines;
        g->nmea.payloads += s->payloads;
        g->nmea.decoded += s->decoded;
        g->nmea.rejects += s->rejects;
        lo_stream_destroy(g->stream);
        g->stream = NULL;
    }
    if (l) {
        if (rc == 0 && l->len) { /* last line without a line end */
            char nl = '\n';
            rc = csv_feed(g, l, &nl, 1);
        }
        free(l);
    }
    if (g->import) {
        const lo_import_stats *s = lo_import_get_stats(g->import);
        g->csv_rows += s->rows;
        g->csv_rejected += s->rejected;
        lo_import_destroy(g->import);
        g->import = NULL;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    int err = lo_store_error(g->store);
    if (rc == 0 && err) {
        cli_error("%s: %s", g->path, err == LO_E_STORE ? lo_store_errmsg(g->store) : lo_strerror(err));
        rc = -1;
    }
    return rc;
}

static void ingest_usage(FILE *out)
{
    fputs("usage: lookout ingest [OPTIONS] FILE...|-\n"
          "Read AIS (NMEA logs, or MarineCadastre / Danish Maritime Authority CSV datasets, told apart\n"
          "by their first line), track every vessel and store vessels, positions and identity changes\n"
          "in an SQLite database. Reading the same input again adds nothing.\n"
          "\n"
          "      --db PATH        database file (default lookout.db; created when missing)\n"
          "      --start TIME     clock for reports without a receive time: the UTC second each\n"
          "                       report carries is placed on it (docs/time.md); without it, base\n"
          "                       station reports set the clock. It runs on across the files.\n"
          "                       TIME: 2023-01-11T00:00:00Z, 2023-01-11, or Unix seconds\n"
          "      --batch N        rows per transaction (default 50000; also committed every second)\n"
          "      --threads 1|2    2 (default with 2+ cores): SQLite writes one batch in its own thread\n"
          "                       while the next is built; 1: everything in one thread\n"
          "      --stats          counts on stderr at the end\n"
          "  -q, --quiet          no progress line (there is none unless stderr is a terminal)\n",
          out);
}

static void print_stats(const ingest *g, const lo_store_stats *ss, double elapsed)
{
    const lo_tracker_stats *ts = lo_tracker_get_stats(g->tracker);
    fprintf(stderr,
            "lines            %llu\n"
            "NMEA messages    %llu  (decoded %llu, rejected lines/fragments %llu)\n"
            "CSV rows         %llu  (rejected %llu)\n"
            "without a time   %llu\n"
            "to the tracker   %llu  (duplicates %llu)\n"
            "positions        %llu  (new rows %llu)\n"
            "vessels          %u\n"
            "identity changes %llu  (new rows %llu)\n"
            "segments opened  %llu\n"
            "commits          %llu\n"
            "time             %.2f s  (%.0f messages/s)\n",
            (unsigned long long)g->nmea.lines, (unsigned long long)g->nmea.payloads,
            (unsigned long long)g->nmea.decoded, (unsigned long long)g->nmea.rejects,
            (unsigned long long)g->csv_rows, (unsigned long long)g->csv_rejected, (unsigned long long)g->untimed,
            (unsigned long long)g->messages, (unsigned long long)ts->duplicates, (unsigned long long)ss->points,
            (unsigned long long)ss->points_new, ts->peak_vessels, (unsigned long long)ts->identity_changes,
            (unsigned long long)ss->identity_new, (unsigned long long)ts->segments,
            (unsigned long long)ss->commits, elapsed, elapsed > 0 ? (double)g->messages / elapsed : 0.0);
}

int cmd_ingest(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_START, OPT_BATCH, OPT_STATS, OPT_THREADS };
    static const struct option opts[] = {
        {"db", required_argument, NULL, OPT_DB},       {"start", required_argument, NULL, OPT_START},
        {"batch", required_argument, NULL, OPT_BATCH}, {"stats", no_argument, NULL, OPT_STATS},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"quiet", no_argument, NULL, 'q'},             {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "lookout.db";
    ingest *g = calloc(1, sizeof *g);
    if (!g) {
        cli_error("out of memory");
        return 1;
    }
    int64_t start = LO_TIME_NONE;
    lo_store_config scfg = {.sync_writes = sysconf(_SC_NPROCESSORS_ONLN) < 2};
    bool stats = false, quiet = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_START:
            if (lo_parse_time(optarg, strlen(optarg), &start)) {
                cli_error("ingest: --start: '%s' is not a time (2023-01-11T00:00:00Z, 2023-01-11, Unix seconds)",
                          optarg);
                free(g);
                return 2;
            }
            break;
        case OPT_BATCH: {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || v < 1 || v > 10000000) {
                cli_error("ingest: --batch wants 1-10000000 rows");
                free(g);
                return 2;
            }
            scfg.batch_rows = (uint32_t)v;
            break;
        }
        case OPT_STATS:
            stats = true;
            break;
        case OPT_THREADS:
            if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
                cli_error("ingest: --threads is 1 or 2");
                free(g);
                return 2;
            }
            scfg.sync_writes = optarg[0] == '1';
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            ingest_usage(stdout);
            free(g);
            return 0;
        default:
            ingest_usage(stderr);
            free(g);
            return 2;
        }
    }
    if (optind >= argc) {
        cli_error("ingest: no input (give files, or - for stdin)");
        ingest_usage(stderr);
        free(g);
        return 2;
    }
    /* One clock for all the files: they are read as one feed. */
    lo_report_clock_init(&g->clock, start);
    char err[300];
    if (lo_store_open(db, &scfg, &g->store, err, sizeof err)) {
        cli_error("%s: %s", db, err);
        free(g);
        return 1;
    }
    lo_tracker_callbacks cb;
    lo_store_callbacks(g->store, &cb);
    g->tracker = lo_tracker_create(NULL, &cb);
    char *buf = malloc(CHUNK);
    if (!g->tracker || !buf) {
        cli_error("out of memory");
        lo_store_close(g->store);
        lo_tracker_destroy(g->tracker);
        free(buf);
        free(g);
        return 1;
    }
    g->progress = !quiet && isatty(STDERR_FILENO);
    g->t_start = g->t_last_progress = g->t_last_commit = now_s();
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        if (ingest_file(g, argv[i], buf))
            rc = 1;
    show_progress(g, now_s(), true);
    if (lo_store_sync(g->store) && rc == 0) {
        cli_error("%s: %s", db, lo_store_errmsg(g->store));
        rc = 1;
    }
    double elapsed = now_s() - g->t_start;
    if (stats)
        print_stats(g, lo_store_get_stats(g->store), elapsed);
    if (lo_store_close(g->store) && rc == 0) {
        cli_error("%s: closing failed", db);
        rc = 1;
    }
    if (g->untimed)
        cli_error("ingest: %llu messages had no time (no receive time, and no clock yet: give --start)",
                  (unsigned long long)g->untimed);
    lo_tracker_destroy(g->tracker);
    free(buf);
    free(g);
    return rc;
}
