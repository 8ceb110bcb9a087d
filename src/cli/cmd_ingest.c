/* cmd_ingest.c - `lookout ingest`: files (NMEA logs or CSV datasets) -> decoder
 * -> tracker -> SQLite store. The file's first line says which: a
 * MarineCadastre or DMA CSV header, or anything else (NMEA). A progress line
 * on a terminal; nothing on stdout. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "msgfeed.h"
#include "lookout/sentence.h"
#include "lookout/store.h"
#include "lookout/stream.h"
#include "lookout/tracker.h"

#define COMMIT_EVERY_S 1.0 /* a live feed's rows reach the file within about a second */

typedef struct ingest {
    lo_store *store;
    lo_tracker *tracker;
    const char *db;
    double t_last_commit;
    uint64_t tracker_errors;
} ingest;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void take(void *ctx, const lo_message *m, int64_t t)
{
    ingest *g = ctx;
    if (lo_tracker_update(g->tracker, m, t) < 0)
        g->tracker_errors++;
}

static void prefetch(void *ctx, const lo_message *m, int stage)
{
    ingest *g = ctx;
    if (stage < 2)
        lo_tracker_prefetch(g->tracker, m->mmsi, stage);
}

static void status(void *ctx, char *buf, size_t cap)
{
    ingest *g = ctx;
    snprintf(buf, cap, "%u vessels", lo_tracker_count(g->tracker));
}

/* After each chunk (wall clock, the CLI's business): commit once a second. */
static int tick(void *ctx)
{
    ingest *g = ctx;
    int err = lo_store_error(g->store);
    if (err) {
        cli_error("%s: %s", g->db, err == LO_E_STORE ? lo_store_errmsg(g->store) : lo_strerror(err));
        return -1;
    }
    double t = now_s();
    if (t - g->t_last_commit >= COMMIT_EVERY_S) {
        g->t_last_commit = t;
        if (lo_store_commit(g->store)) {
            cli_error("%s: %s", g->db, lo_store_errmsg(g->store));
            return -1;
        }
    }
    return 0;
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

static void print_stats(const ingest *g, const msgfeed_counts *n, const lo_store_stats *ss, double elapsed)
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
            (unsigned long long)n->nmea.lines, (unsigned long long)n->nmea.payloads,
            (unsigned long long)n->nmea.decoded, (unsigned long long)n->nmea.rejects,
            (unsigned long long)n->csv_rows, (unsigned long long)n->csv_rejected, (unsigned long long)n->untimed,
            (unsigned long long)n->messages, (unsigned long long)ts->duplicates, (unsigned long long)ss->points,
            (unsigned long long)ss->points_new, ts->peak_vessels, (unsigned long long)ts->identity_changes,
            (unsigned long long)ss->identity_new, (unsigned long long)ts->segments,
            (unsigned long long)ss->commits, elapsed, elapsed > 0 ? (double)n->messages / elapsed : 0.0);
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
    char err[300];
    g->db = db;
    if (lo_store_open(db, &scfg, &g->store, err, sizeof err)) {
        cli_error("%s: %s", db, err);
        free(g);
        return 1;
    }
    lo_tracker_callbacks cb;
    lo_store_callbacks(g->store, &cb);
    g->tracker = lo_tracker_create(NULL, &cb);
    /* One clock for all the files: they are read as one feed. */
    msgfeed_callbacks fcb = {.ctx = g, .take = take, .tick = tick, .status = status, .prefetch = prefetch};
    msgfeed *feed = g->tracker ? msgfeed_create(&fcb, start, !quiet && isatty(STDERR_FILENO)) : NULL;
    if (!feed) {
        cli_error("out of memory");
        lo_store_close(g->store);
        lo_tracker_destroy(g->tracker);
        free(g);
        return 1;
    }
    g->t_last_commit = now_s();
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        if (msgfeed_file(feed, argv[i]) || tick(g))
            rc = 1;
    msgfeed_done(feed);
    if (lo_store_sync(g->store) && rc == 0) {
        cli_error("%s: %s", db, lo_store_errmsg(g->store));
        rc = 1;
    }
    const msgfeed_counts *n = msgfeed_get_counts(feed);
    if (stats)
        print_stats(g, n, lo_store_get_stats(g->store), msgfeed_elapsed(feed));
    if (lo_store_close(g->store) && rc == 0) {
        cli_error("%s: closing failed", db);
        rc = 1;
    }
    if (n->untimed)
        cli_error("ingest: %llu messages had no time (no receive time, and no clock yet: give --start)",
                  (unsigned long long)n->untimed);
    lo_tracker_destroy(g->tracker);
    msgfeed_destroy(feed);
    free(g);
    return rc;
}
