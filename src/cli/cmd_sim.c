/* cmd_sim.c - `lookout sim`: run a scenario (docs/sim.md) and write its AIS as
 * NMEA sentences with tag blocks, optionally interleaved by time into a
 * recorded log (--merge), with the ground truth of its events (--truth). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "lookout/sentence.h"
#include "lookout/sim.h"
#include "lookout/stream.h"

/* With no scenario file: background traffic only, for an hour from this start. */
static const char default_scenario[] = "start 2024-01-01T00:00:00Z\nduration 1h\nseed 1\n";

/* Lines of a recorded log wait here until their time is known (the sentence
 * that completes their message may come a few lines later). */
#define MERGE_MAX_PENDING 64

typedef struct merge {
    FILE *in;
    const char *path;
    lo_stream *stream;
    bool have_times;      /* some line has a time of its own */
    bool mapped;          /* no line has: spread over the scenario's span */
    uint64_t lines, nlines;
    int64_t start_ms, span_ms;
    int64_t first_ms, last_ms; /* times seen (have_times) */
    int64_t got_time;     /* from the last payload: LO_TIME_NONE or its time */
    bool got_payload;
    char *line;
    size_t cap;
    char *pending[MERGE_MAX_PENDING];
    size_t npending;
    uint64_t written;
} merge;

typedef struct sim_out {
    FILE *out;
    lo_sim *sim;
    lo_sim_msg msg;
    bool have_msg, sim_done;
} sim_out;

static void sim_usage(FILE *out)
{
    fputs("usage: lookout sim [OPTIONS] [SCENARIO]\n"
          "Simulate AIS from a scenario (docs/sim.md): scripted vessels and events (ship-to-ship\n"
          "transfer, dark period, loitering, zone incursion, spoofed jump, identity change, MMSI\n"
          "swap, circle spoof) plus background traffic, written as NMEA sentences with tag blocks\n"
          "(c: time, s: station) in time order. Without SCENARIO: background traffic only,\n"
          "one hour from 2024-01-01T00:00:00Z.\n"
          "\n"
          "  -o, --output FILE      write the sentences here (default stdout)\n"
          "      --truth FILE       ground truth: one JSON object per scripted event\n"
          "      --merge FILE       interleave into this recorded log by time (its tag block,\n"
          "                         $PGHP, trailer or prefix times; without any, its lines are\n"
          "                         spread over the scenario's time and given c: tag blocks)\n"
          "      --merge-span D     spread a log without times over D from the start instead\n"
          "                         (a snapshot of a few minutes stays a few minutes: 10m)\n"
          "      --vessels N        add N background vessels on shipping lanes\n"
          "      --messages N       stop after N messages\n"
          "      --duration D       run for D (6h, 2d, 90m) instead of the scenario's duration\n"
          "      --start TIME|log   move the scenario to start at TIME (2021-06-18T00:00Z), or at\n"
          "                         the first time of the --merge log\n"
          "      --seed N           another seed than the scenario's\n"
          "      --stats            counts, messages/s and peak memory on stderr\n",
          out);
}

/* ---- reading ----------------------------------------------------------------------- */

static char *read_all(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                cli_error("%s: larger than %zu bytes", path, max);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(f)) {
        cli_error("%s: read error: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || errno || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* "6h", "90m", "1h30m", "2d", "45s" */
static bool parse_duration(const char *s, int64_t *out)
{
    int64_t total = 0;
    if (!*s)
        return false;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0)
            return false;
        double unit = *end == 'd' ? 86400000.0 : *end == 'h' ? 3600000.0 : *end == 'm' ? 60000.0 : *end == 's' ? 1000.0 : 0;
        if (unit == 0)
            return false;
        total += (int64_t)(v * unit);
        s = end + 1;
    }
    *out = total;
    return total > 0;
}

/* "2021-06-18T00:00Z", "2021-06-18T00:00:00Z" (or anything lo_prefix_time_parse
 * reads: Unix seconds, ISO 8601 with a fraction). */
static bool parse_start(const char *s, int64_t *out)
{
    int64_t t = lo_prefix_time_parse(s, strlen(s));
    if (t == LO_TIME_NONE && strlen(s) >= 16 && strlen(s) <= 17 && s[13] == ':' && (!s[16] || !strcmp(s + 16, "Z"))) {
        char full[32]; /* minutes only: add the seconds */
        memcpy(full, s, 16);
        memcpy(full + 16, ":00Z", 5);
        t = lo_prefix_time_parse(full, strlen(full));
    }
    if (t == LO_TIME_NONE)
        return false;
    *out = t;
    return true;
}

static const char *iso_time(int64_t ms, char *buf, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, cap, "%lld", (long long)ms);
    return buf;
}

/* ---- the recorded log ---------------------------------------------------------------- */

static void on_payload(void *ctx, const lo_payload *p)
{
    merge *mg = ctx;
    mg->got_payload = true;
    if (p->meta.rx_time_ms != LO_TIME_NONE)
        mg->got_time = p->meta.rx_time_ms;
}

/* One line (without its end), or false at the end of the file. */
static bool next_line(merge *mg, size_t *len)
{
    ssize_t n = getline(&mg->line, &mg->cap, mg->in);
    if (n < 0)
        return false;
    while (n > 0 && (mg->line[n - 1] == '\n' || mg->line[n - 1] == '\r'))
        n--;
    mg->line[n] = '\0';
    *len = (size_t)n;
    return true;
}

/* First pass: how many lines, and whether (and from when) they carry times. */
static int merge_scan(merge *mg)
{
    lo_stream_callbacks cb = {.ctx = mg, .on_payload = on_payload};
    lo_stream *st = lo_stream_create(&cb, mg->path);
    if (!st)
        return -1;
    size_t len;
    mg->first_ms = mg->last_ms = LO_TIME_NONE;
    while (next_line(mg, &len)) {
        mg->nlines++;
        mg->got_time = LO_TIME_NONE;
        lo_stream_feed_line(st, mg->line, len);
        if (mg->got_time != LO_TIME_NONE) {
            mg->have_times = true;
            if (mg->first_ms == LO_TIME_NONE)
                mg->first_ms = mg->got_time;
            mg->last_ms = mg->got_time;
        }
    }
    lo_stream_destroy(st);
    if (ferror(mg->in)) {
        cli_error("%s: read error: %s", mg->path, strerror(errno));
        return -1;
    }
    rewind(mg->in);
    return 0;
}

static int write_sim(sim_out *so)
{
    if (fwrite(so->msg.nmea, 1, so->msg.nmea_len, so->out) != so->msg.nmea_len)
        return -1;
    so->have_msg = false;
    return 0;
}

/* The simulated message due next (pulled once, kept until written). */
static int peek_sim(sim_out *so)
{
    if (so->have_msg || so->sim_done)
        return 0;
    int rc = lo_sim_next(so->sim, &so->msg);
    if (rc < 0) {
        cli_error("sim: %s", lo_strerror(rc));
        return -1;
    }
    so->have_msg = rc == 1;
    so->sim_done = rc == 0;
    return 0;
}

/* A line of a log without times, with c: (Unix seconds) in its tag block: a new
 * block before a sentence, or added to the block it has (one block per
 * sentence: the stream takes no second one). */
static void put_with_time(FILE *out, const char *line, int64_t t)
{
    char tb[LO_MAX_LINE + 32];
    int n = snprintf(tb, sizeof tb, "c:%lld", (long long)(t / 1000));
    const char *star = line[0] == '\\' ? strchr(line + 1, '*') : NULL;
    const char *close = star ? strchr(star, '\\') : NULL;
    if (close && (size_t)(star - line) < LO_MAX_LINE) {
        n += snprintf(tb + n, sizeof tb - (size_t)n, ",%.*s", (int)(star - line - 1), line + 1);
        fprintf(out, "\\%s*%02X%s", tb, lo_nmea_checksum(tb, (size_t)n), close);
    } else if (line[0] == '!' || line[0] == '$') {
        fprintf(out, "\\%s*%02X\\%s", tb, lo_nmea_checksum(tb, (size_t)n), line);
    } else {
        fputs(line, out);
    }
}

/* Everything simulated before time t, then the pending real lines; in mapped
 * mode each line gets a c: tag block with t (the lines of one message share it). */
static int flush_pending(merge *mg, sim_out *so, int64_t t)
{
    if (t != LO_TIME_NONE) {
        for (;;) {
            if (peek_sim(so))
                return -1;
            /* Compared as its tag block says it: whole seconds. */
            if (!so->have_msg || so->msg.time_ms / 1000 * 1000 >= t)
                break;
            if (write_sim(so))
                return -1;
        }
    }
    for (size_t i = 0; i < mg->npending; i++) {
        const char *line = mg->pending[i];
        if (mg->mapped)
            put_with_time(so->out, line, t);
        else
            fputs(line, so->out);
        fputc('\n', so->out);
        free(mg->pending[i]);
        mg->written++;
    }
    mg->npending = 0;
    return 0;
}

static int add_pending(merge *mg, const char *line, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, line, len + 1);
    mg->pending[mg->npending++] = copy;
    return 0;
}

/* Interleave: real lines by their time, held until the message they belong to
 * completes (so that nothing comes between a message's sentences or between a
 * header line and its sentence), simulated messages in between. Without times
 * of its own, line i of n is at start + span * i / n. */
static int merge_run(merge *mg, sim_out *so)
{
    lo_stream_callbacks cb = {.ctx = mg, .on_payload = on_payload};
    mg->stream = lo_stream_create(&cb, mg->path);
    if (!mg->stream)
        return -1;
    size_t len;
    int64_t last = LO_TIME_NONE, first_pending = LO_TIME_NONE;
    int rc = 0;
    while (!rc && next_line(mg, &len)) {
        if (mg->mapped && mg->npending == 0)
            first_pending = mg->start_ms + (int64_t)((double)mg->span_ms * (double)mg->lines / (double)mg->nlines);
        mg->lines++;
        mg->got_payload = false;
        mg->got_time = LO_TIME_NONE;
        lo_stream_feed_line(mg->stream, mg->line, len);
        if ((rc = add_pending(mg, mg->line, len)))
            break;
        if (mg->got_payload || mg->npending == MERGE_MAX_PENDING) {
            if (mg->mapped)
                last = first_pending;
            else if (mg->got_time != LO_TIME_NONE)
                last = mg->got_time;
            rc = flush_pending(mg, so, last);
        }
    }
    if (!rc)
        rc = flush_pending(mg, so, mg->mapped && mg->npending ? first_pending : last);
    lo_stream_destroy(mg->stream);
    if (!rc && ferror(mg->in)) {
        cli_error("%s: read error: %s", mg->path, strerror(errno));
        rc = -1;
    }
    /* The rest of the simulation. */
    while (!rc) {
        if ((rc = peek_sim(so)) || !so->have_msg)
            break;
        rc = write_sim(so);
    }
    return rc;
}

/* ---- the command ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_truth(lo_sim *sim, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return 1;
    }
    size_t cap = 1u << 20;
    char *buf = malloc(cap);
    int rc = buf ? 0 : 1;
    for (size_t i = 0; !rc && i < lo_sim_event_count(sim); i++) {
        int n;
        while ((n = lo_sim_event_json(sim, i, buf, cap)) == LO_E_NOSPACE && cap < (64u << 20)) {
            char *nb = realloc(buf, cap * 4);
            if (!nb)
                break;
            buf = nb;
            cap *= 4;
        }
        if (n < 0) {
            cli_error("%s: %s", path, lo_strerror(n));
            rc = 1;
        } else {
            fwrite(buf, 1, (size_t)n, f);
        }
    }
    free(buf);
    if (fclose(f) && !rc) {
        cli_error("%s: %s", path, strerror(errno));
        rc = 1;
    }
    return rc;
}

int cmd_sim(int argc, char **argv)
{
    enum { OPT_TRUTH = 256, OPT_MERGE, OPT_MERGE_SPAN, OPT_VESSELS, OPT_MESSAGES, OPT_DURATION, OPT_START, OPT_SEED, OPT_STATS };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},        {"truth", required_argument, NULL, OPT_TRUTH},
        {"merge", required_argument, NULL, OPT_MERGE},     {"merge-span", required_argument, NULL, OPT_MERGE_SPAN},     {"vessels", required_argument, NULL, OPT_VESSELS},
        {"messages", required_argument, NULL, OPT_MESSAGES}, {"duration", required_argument, NULL, OPT_DURATION},
        {"start", required_argument, NULL, OPT_START},     {"seed", required_argument, NULL, OPT_SEED},
        {"stats", no_argument, NULL, OPT_STATS},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lo_sim_opts so = {0};
    const char *out_path = NULL, *truth_path = NULL, *merge_path = NULL, *start_arg = NULL;
    int64_t merge_span_ms = 0;
    bool stats = false;
    int opt;
    uint64_t u;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out_path = optarg;
            break;
        case OPT_TRUTH:
            truth_path = optarg;
            break;
        case OPT_MERGE:
            merge_path = optarg;
            break;
        case OPT_MERGE_SPAN:
            if (!parse_duration(optarg, &merge_span_ms) || merge_span_ms <= 0) {
                cli_error("sim: --merge-span wants a time like 10m, 1h");
                return 2;
            }
            break;
        case OPT_VESSELS:
            if (!parse_count(optarg, &u) || u > LO_SIM_MAX_VESSELS) {
                cli_error("sim: --vessels wants 0-%u", LO_SIM_MAX_VESSELS);
                return 2;
            }
            so.extra_vessels = (uint32_t)u;
            break;
        case OPT_MESSAGES:
            if (!parse_count(optarg, &so.max_messages)) {
                cli_error("sim: --messages wants a count");
                return 2;
            }
            break;
        case OPT_DURATION:
            if (!parse_duration(optarg, &so.duration_ms)) {
                cli_error("sim: --duration wants a time like 6h, 90m, 2d");
                return 2;
            }
            break;
        case OPT_START:
            start_arg = optarg;
            if (strcmp(optarg, "log") && !parse_start(optarg, &so.start_ms)) {
                cli_error("sim: --start wants a UTC time like 2021-06-18T00:00Z, or 'log'");
                return 2;
            }
            break;
        case OPT_SEED:
            if (!parse_count(optarg, &so.seed)) {
                cli_error("sim: --seed wants a number");
                return 2;
            }
            so.set_seed = true;
            break;
        case OPT_STATS:
            stats = true;
            break;
        case 'h':
            sim_usage(stdout);
            return 0;
        default:
            sim_usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        cli_error("sim: one scenario at a time");
        return 2;
    }
    if (start_arg && !strcmp(start_arg, "log") && !merge_path) {
        cli_error("sim: --start log needs --merge FILE");
        return 2;
    }
    const char *scen_path = optind < argc ? argv[optind] : NULL;
    size_t len = 0;
    char *text = NULL;
    if (scen_path) {
        if (!(text = read_all(scen_path, LO_SIM_MAX_TEXT, &len)))
            return 1;
    }
    merge mg = {.path = merge_path};
    int rc = 0;
    if (merge_path) {
        if (!strcmp(merge_path, "-")) {
            cli_error("sim: --merge wants a file (it is read twice), not stdin");
            free(text);
            return 2;
        }
        if (!(mg.in = fopen(merge_path, "r"))) {
            cli_error("%s: %s", merge_path, strerror(errno));
            free(text);
            return 1;
        }
        if (merge_scan(&mg)) {
            fclose(mg.in);
            free(mg.line);
            free(text);
            return 1;
        }
        if (start_arg && !strcmp(start_arg, "log")) {
            if (!mg.have_times) {
                cli_error("sim: --start log: %s has no times", merge_path);
                fclose(mg.in);
                free(mg.line);
                free(text);
                return 1;
            }
            so.start_ms = mg.first_ms;
        }
    }
    char err[512];
    lo_sim *sim = NULL;
    double t0 = now_s();
    rc = lo_sim_create(scen_path ? text : default_scenario, scen_path ? len : strlen(default_scenario),
                       scen_path ? scen_path : "(no scenario)", &so, &sim, err, sizeof err);
    free(text);
    if (rc) {
        cli_error("%s", err[0] ? err : lo_strerror(rc));
        if (mg.in)
            fclose(mg.in);
        free(mg.line);
        return 1;
    }
    double t_setup = now_s() - t0;
    const lo_sim_info *info = lo_sim_get_info(sim);
    if (truth_path && write_truth(sim, truth_path)) {
        lo_sim_destroy(sim);
        if (mg.in)
            fclose(mg.in);
        free(mg.line);
        return 1;
    }
    sim_out o = {.out = stdout, .sim = sim};
    if (out_path && !(o.out = fopen(out_path, "w"))) {
        cli_error("%s: %s", out_path, strerror(errno));
        lo_sim_destroy(sim);
        if (mg.in)
            fclose(mg.in);
        free(mg.line);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(o.out, obuf, _IOFBF, sizeof obuf);
    double t1 = now_s();
    if (merge_path) {
        mg.start_ms = info->start_ms;
        mg.span_ms = info->end_ms - info->start_ms;
        if (merge_span_ms > 0 && merge_span_ms < mg.span_ms)
            mg.span_ms = merge_span_ms;
        if (!mg.have_times) {
            mg.mapped = true;
            cli_error("sim: %s has no times (tag block c:, $PGHP, trailer or prefix): its %llu lines are spread "
                      "over %.2f h from the scenario's start and given c: tag blocks",
                      merge_path, (unsigned long long)mg.nlines, (double)mg.span_ms / 3600000.0);
        } else if (mg.last_ms < info->start_ms || mg.first_ms >= info->end_ms) {
            cli_error("sim: %s's times do not overlap the scenario's (use --start log to move the scenario)",
                      merge_path);
        }
        rc = merge_run(&mg, &o) ? 1 : 0;
        fclose(mg.in);
        free(mg.line);
    } else {
        while ((rc = lo_sim_next(sim, &o.msg)) == 1)
            if (fwrite(o.msg.nmea, 1, o.msg.nmea_len, o.out) != o.msg.nmea_len)
                break;
        if (rc < 0)
            cli_error("sim: %s", lo_strerror(rc));
        rc = rc < 0 ? 1 : 0;
    }
    if (fflush(o.out) || ferror(o.out) || (o.out != stdout && fclose(o.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    double t_run = now_s() - t1;
    if (stats) {
        const lo_sim_stats *st = lo_sim_get_stats(sim);
        struct rusage ru;
        char tbuf[32];
        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr,
                "vessels %u (scenario %u), events %u, from %s for %.1f h, seed %llu\n"
                "messages %llu (type 1 %llu, 3 %llu, 5 %llu, 18 %llu, 24 %llu), sentences %llu, bytes %llu\n"
                "not sent: %llu due in dark periods (the next report moved to its end), %llu lost\n",
                info->vessels, info->scripted, info->events, iso_time(info->start_ms, tbuf, sizeof tbuf),
                (double)(info->end_ms - info->start_ms) / 3600000.0, (unsigned long long)info->seed,
                (unsigned long long)st->messages, (unsigned long long)st->by_type[1],
                (unsigned long long)st->by_type[3], (unsigned long long)st->by_type[5],
                (unsigned long long)st->by_type[18], (unsigned long long)st->by_type[24],
                (unsigned long long)st->sentences, (unsigned long long)st->bytes,
                (unsigned long long)st->suppressed, (unsigned long long)st->lost);
        if (merge_path)
            fprintf(stderr, "merged with %llu lines of %s\n", (unsigned long long)mg.written, merge_path);
        fprintf(stderr, "setup %.3f s, run %.3f s: %.0f messages/s; simulator memory %.3f MB, peak RSS %.1f MB\n",
                t_setup, t_run, t_run > 0 ? (double)st->messages / t_run : 0.0,
                (double)info->memory_bytes / 1e6, (double)ru.ru_maxrss / 1024.0);
    }
    lo_sim_destroy(sim);
    return rc;
}
