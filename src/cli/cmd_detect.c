/* cmd_detect.c - `lookout detect`: files -> decoder -> tracker -> detectors
 * -> alerts (a readable table, JSON lines, GeoJSON, the store's events table).
 * The same input always gives the same alerts: every time comes from the data. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lookout/detect.h"
#include "lookout/output.h"
#include "lookout/sentence.h"
#include "lookout/store.h"
#include "lookout/tracker.h"
#include "msgfeed.h"

#define EVENT_BUF (64u * 1024u)
#define TABLE_MAX 100000 /* rows kept for the table; the rest are only counted */

typedef struct table_row {
    int64_t start_ms, end_ms;
    lo_event_type type;
    lo_severity severity;
    lo_event_state state;
    uint32_t mmsi, nvessels;
    char name[35];
    char listed;        /* '*' when a vessel is on the watch list */
    double lat, lon;
    char summary[200];
} table_row;

typedef struct detect_run {
    lo_tracker *tracker;
    lo_detector *det;
    lo_store *store;
    lo_tracker_callbacks store_cb;
    uint64_t tracker_errors;
    /* output */
    FILE *json, *geojson;
    bool json_open;          /* also write open notices */
    bool dark_at_end;        /* report vessels still silent when the input ends */
    bool geojson_first;
    lo_severity min_severity;
    bool type_on[LO_EV_COUNT];
    bool table;
    table_row *rows;
    size_t nrows, rows_cap;
    uint64_t shown, by_type[LO_EV_COUNT], by_sev[LO_SEV_HIGH + 1];
    char *buf;
    int io_error;
    const char *db;
} detect_run;

/* ---- tracker -> store and detectors ---- */

static void on_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    detect_run *r = ctx;
    if (r->store)
        r->store_cb.on_point(r->store_cb.ctx, v, p);
    lo_detect_on_point(r->det, v, p);
}

static void on_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    detect_run *r = ctx;
    if (r->store)
        r->store_cb.on_identity(r->store_cb.ctx, v, c);
    lo_detect_on_identity(r->det, v, c);
}

static void on_vessel(void *ctx, const lo_vessel *v)
{
    detect_run *r = ctx;
    if (r->store)
        r->store_cb.on_vessel(r->store_cb.ctx, v);
    lo_detect_on_vessel(r->det, v);
}

static void on_evict(void *ctx, const lo_vessel *v)
{
    detect_run *r = ctx;
    if (r->store && r->store_cb.on_evict)
        r->store_cb.on_evict(r->store_cb.ctx, v);
    lo_detect_on_evict(r->det, v);
}

static void take(void *ctx, const lo_message *m, int64_t t)
{
    detect_run *r = ctx;
    if (lo_tracker_update(r->tracker, m, t) < 0)
        r->tracker_errors++;
}

/* Warm the caches for a message a few places before it is taken (msgfeed.h). */
static void prefetch(void *ctx, const lo_message *m, int stage)
{
    detect_run *r = ctx;
    if (stage < 2)
        lo_tracker_prefetch(r->tracker, m->mmsi, stage);
    else
        lo_detect_prefetch(r->det, lo_tracker_slot(r->tracker, m->mmsi));
}

static void status(void *ctx, char *buf, size_t cap)
{
    detect_run *r = ctx;
    const lo_detect_stats *s = lo_detect_get_stats(r->det);
    uint64_t n = 0;
    for (int i = 0; i < LO_EV_COUNT; i++)
        n += s->events[i];
    snprintf(buf, cap, "%u vessels  %llu alerts", lo_tracker_count(r->tracker), (unsigned long long)n);
}

static int tick(void *ctx)
{
    detect_run *r = ctx;
    if (r->io_error) {
        cli_error("detect: cannot write the alerts: %s", strerror(r->io_error));
        return -1;
    }
    if (r->store) {
        int err = lo_store_error(r->store);
        if (err) {
            cli_error("%s: %s", r->db, err == LO_E_STORE ? lo_store_errmsg(r->store) : lo_strerror(err));
            return -1;
        }
    }
    return 0;
}

/* ---- events -> outputs ---- */

static void store_event(detect_run *r, const lo_event *e)
{
    if (lo_event_json(e, r->buf, EVENT_BUF) < 0)
        return;
    lo_event_store_buf b;
    lo_event_record rec;
    lo_event_to_record(e, r->buf, &b, &rec);
    lo_store_event(r->store, &rec, NULL); /* errors surface through lo_store_error at the next tick */
}

static void add_row(detect_run *r, const lo_event *e)
{
    if (r->nrows == r->rows_cap) {
        if (r->rows_cap >= TABLE_MAX)
            return;
        size_t cap = r->rows_cap ? r->rows_cap * 2 : 256;
        table_row *n = realloc(r->rows, cap * sizeof *n);
        if (!n)
            return;
        r->rows = n;
        r->rows_cap = cap;
    }
    table_row *t = &r->rows[r->nrows++];
    t->start_ms = e->start_ms;
    t->end_ms = e->end_ms;
    t->type = e->type;
    t->severity = e->severity;
    t->state = e->state;
    t->nvessels = e->vessels_total;
    t->mmsi = e->nvessels ? e->vessels[0].mmsi : 0;
    snprintf(t->name, sizeof t->name, "%s", e->nvessels ? e->vessels[0].name : "");
    t->listed = ' ';
    for (uint32_t i = 0; i < e->nvessels; i++)
        if (e->vessels[i].listed)
            t->listed = '*';
    t->lat = e->lat;
    t->lon = e->lon;
    snprintf(t->summary, sizeof t->summary, "%s", e->summary);
}

static void on_event(void *ctx, const lo_event *e)
{
    detect_run *r = ctx;
    /* A gap is between two reports (GFW): a vessel not heard again before the
     * end of a recording has most likely left the receivers' range. */
    if (e->state == LO_EVENT_ONGOING && lo_event_type_family(e->type)[0] == 'd' && !r->dark_at_end)
        return;
    if (e->severity < r->min_severity || !r->type_on[e->type])
        return;
    if (e->state == LO_EVENT_OPEN && !r->json_open)
        return;
    /* The store holds what the other outputs hold (an open notice updated in
     * place when it closes, with --open). */
    if (r->store)
        store_event(r, e);
    if (e->state != LO_EVENT_OPEN) {
        r->shown++;
        r->by_type[e->type]++;
        r->by_sev[e->severity]++;
        if (r->table)
            add_row(r, e);
    }
    if (r->json) {
        int n = lo_event_json(e, r->buf, EVENT_BUF);
        if (n > 0 && (fwrite(r->buf, 1, (size_t)n, r->json) != (size_t)n || fputc('\n', r->json) == EOF))
            r->io_error = errno ? errno : EIO;
    }
    if (r->geojson && e->state != LO_EVENT_OPEN) {
        int n = lo_event_geojson_feature(e, r->buf, EVENT_BUF);
        if (n > 0) {
            fputs(r->geojson_first ? "\n" : ",\n", r->geojson);
            r->geojson_first = false;
            if (fwrite(r->buf, 1, (size_t)n, r->geojson) != (size_t)n)
                r->io_error = errno ? errno : EIO;
        }
    }
}

/* Behaviour before data quality: a ship going dark or meeting another at sea
 * comes before a badly configured transponder of the same severity. */
static int family_rank(lo_event_type t)
{
    static const char *const order[] = {"dark", "meeting", "zone", "watchlist", "spoofing", "identity"};
    const char *f = lo_event_type_family(t);
    for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
        if (!strcmp(f, order[i]))
            return i;
    return 99;
}

/* Most severe first, then by kind, then by time: what to act on leads the table. */
static int row_cmp(const void *a, const void *b)
{
    const table_row *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    int fx = family_rank(x->type), fy = family_rank(y->type);
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->mmsi < y->mmsi ? -1 : x->mmsi > y->mmsi;
}

static void fmt_when(int64_t ms, char out[20])
{
    char t[32];
    lo_format_time(ms, t); /* 2024-03-10T09:00:00.000Z -> 2024-03-10 09:00 */
    snprintf(out, 20, "%.10s %.5s", t, t + 11);
}

static void print_table(detect_run *r, FILE *out)
{
    if (r->nrows)
        qsort(r->rows, r->nrows, sizeof *r->rows, row_cmp);
    fprintf(out, "%-6s  %-16s  %-16s  %8s  %-9s  %-22s  %-17s  %s\n", "SEV", "ALERT", "START (UTC)", "HOURS",
            "MMSI", "NAME", "WHERE", "WHAT");
    for (size_t i = 0; i < r->nrows; i++) {
        const table_row *t = &r->rows[i];
        char when[20], where[32] = "-", name[40];
        fmt_when(t->start_ms, when);
        if (isfinite(t->lat) && isfinite(t->lon))
            snprintf(where, sizeof where, "%7.3f%c %8.3f%c", fabs(t->lat), t->lat < 0 ? 'S' : 'N', fabs(t->lon),
                     t->lon < 0 ? 'W' : 'E');
        snprintf(name, sizeof name, "%c%.20s%s", t->listed, t->name[0] ? t->name : "-",
                 t->nvessels > 1 ? " +" : "");
        fprintf(out, "%-6s  %-16s  %-16s  %8.1f%s  %09u  %-22s  %-17s  %s\n", lo_severity_key(t->severity),
                lo_event_type_key(t->type), when, (double)(t->end_ms - t->start_ms) / 3.6e6,
                t->state == LO_EVENT_ONGOING ? "+" : " ", t->mmsi, name, where, t->summary);
    }
    if (!r->shown) {
        fputs("\nno alerts\n", out);
        return;
    }
    fprintf(out, "\n%llu alerts", (unsigned long long)r->shown);
    if (r->shown > r->nrows)
        fprintf(out, " (%zu in the table)", r->nrows);
    fputs(":", out);
    for (int s = LO_SEV_HIGH; s >= LO_SEV_INFO; s--)
        if (r->by_sev[s])
            fprintf(out, " %llu %s", (unsigned long long)r->by_sev[s], lo_severity_key((lo_severity)s));
    fputs(".", out);
    for (int i = 0; i < LO_EV_COUNT; i++)
        if (r->by_type[i])
            fprintf(out, " %s %llu", lo_event_type_key((lo_event_type)i), (unsigned long long)r->by_type[i]);
    fputs("\n(+ after the hours: still going on when the input ended; * before a name: on the watch list)\n", out);
}

/* ---- options ---- */

static void detect_usage(FILE *out)
{
    fputs("usage: lookout detect [OPTIONS] FILE...|-\n"
          "Screen AIS (NMEA logs or MarineCadastre / DMA CSV) for security events: AIS gaps and\n"
          "suspected disabling, encounters (ship-to-ship transfers) and rendezvous, loitering, zone\n"
          "entry / exit / dwell, watch-list sightings, identity fraud and spoofing (docs/detect.md).\n"
          "Alerts go to stdout as JSON lines (one per event), or as a table with --table.\n"
          "\n"
          "      --config FILE     parameters (data/detect.conf lists every one with its default)\n"
          "      --zones FILE      GeoJSON polygons to watch (repeat for more files)\n"
          "      --watchlist FILE  CSV of listed vessels (data/watchlist/ has the OFAC SDN snapshot)\n"
          "      --data DIR        land, ports and anchorages (default: the installed data directory)\n"
          "      --no-geo          do not load land and ports (the shore and port rules are then off)\n"
          "      --db PATH         also store vessels, positions and events in this SQLite database\n"
          "      --json FILE       JSON lines here (default stdout unless --table)\n"
          "      --geojson FILE    the alerts as a GeoJSON FeatureCollection\n"
          "      --table           a readable table of the alerts on stdout\n"
          "      --open            also write 'open' notices as events start (as the live server does)\n"
          "      --dark-at-end     also report vessels still silent for 6 h or more when the input\n"
          "                        ends (by default a gap needs the vessel to be heard again)\n"
          "      --severity S      only alerts of severity S or above (info, low, medium, high)\n"
          "      --type T,...      only these alert types (gap, encounter, zone_entry, ...)\n"
          "      --start TIME      clock for reports without a receive time (see lookout ingest)\n"
          "      --stats           counts on stderr at the end\n"
          "  -q, --quiet           no progress line\n",
          out);
}

static int parse_types(const char *arg, bool on[LO_EV_COUNT])
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", arg);
    memset(on, 0, LO_EV_COUNT * sizeof *on);
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int k = lo_event_type_from_key(t);
        if (k < 0) {
            cli_error("detect: --type: unknown alert type '%s'", t);
            return -1;
        }
        on[k] = true;
    }
    return 0;
}

#define MAX_ZONE_FILES 64

typedef struct detect_opts {
    const char *config, *watchlist, *data, *db, *json, *geojson;
    const char *zones[MAX_ZONE_FILES];
    int nzones;
    bool no_geo, stats, quiet;
    int64_t start;
} detect_opts;

static void print_stats(detect_run *r, const msgfeed_counts *n, double elapsed)
{
    const lo_detect_stats *s = lo_detect_get_stats(r->det);
    const lo_tracker_stats *ts = lo_tracker_get_stats(r->tracker);
    fprintf(stderr,
            "lines            %llu\n"
            "messages         %llu  (decoded %llu, rejected lines/fragments %llu, CSV rows %llu)\n"
            "without a time   %llu\n"
            "positions        %llu  (duplicates %llu)\n"
            "vessels          %u\n"
            "detector         %u vessels, %.1f MB, open pairs peak %u (dropped %llu)\n"
            "look-ups         shore %llu, land %llu, port %llu, zone %llu\n"
            "handovers        ambiguous %llu (not raised), silence-queue drops %llu\n"
            "alerts           %llu written\n"
            "time             %.2f s  (%.0f messages/s)\n",
            (unsigned long long)n->nmea.lines, (unsigned long long)n->messages, (unsigned long long)n->nmea.decoded,
            (unsigned long long)n->nmea.rejects, (unsigned long long)n->csv_rows, (unsigned long long)n->untimed,
            (unsigned long long)ts->points, (unsigned long long)ts->duplicates, ts->peak_vessels,
            s->tracked_vessels, (double)s->memory_bytes / 1e6, s->peak_open_pairs,
            (unsigned long long)s->pairs_dropped, (unsigned long long)s->shore_lookups,
            (unsigned long long)s->land_lookups, (unsigned long long)s->port_lookups,
            (unsigned long long)s->zone_lookups, (unsigned long long)s->handover_ambiguous,
            (unsigned long long)s->handover_queue_dropped, (unsigned long long)r->shown, elapsed,
            elapsed > 0 ? (double)n->messages / elapsed : 0.0);
}

static int run(detect_run *r, const detect_opts *o, char **files, int nfiles)
{
    lo_detect_config cfg;
    lo_detect_config_default(&cfg);
    lo_detect_error derr = {0};
    if (o->config && lo_detect_config_load(&cfg, o->config, &derr)) {
        if (derr.line > 0)
            cli_error("%s:%ld: %s", o->config, derr.line, derr.text);
        else
            cli_error("%s", derr.text); /* names the file */
        return 1;
    }
    lo_geo geo = {0};
    lo_watchlist *watch = NULL;
    lo_detect_env env = {0};
    int rc = 1;
    lo_geo_error gerr = {0};
    if (!o->no_geo) {
        const char *dir = o->data ? o->data : cli_data_dir();
        if (lo_geo_load(&geo, dir, NULL, &gerr)) {
            cli_error("%s (use --data DIR, or --no-geo to run without land and ports)", gerr.text);
            return 1;
        }
        env.land = geo.land;
        env.ports = geo.ports;
    }
    if (o->nzones) {
        if (!geo.zones && !(geo.zones = lo_zones_create())) {
            cli_error("out of memory");
            goto out;
        }
        for (int i = 0; i < o->nzones; i++)
            if (lo_zones_add_file(geo.zones, o->zones[i], NULL, &gerr) < 0) {
                if (gerr.where >= 0)
                    cli_error("%s: feature %ld: %s", o->zones[i], gerr.where, gerr.text);
                else
                    cli_error("%s: %s", o->zones[i], gerr.text);
                goto out;
            }
        env.zones = geo.zones;
    }
    if (o->watchlist) {
        if (lo_watchlist_load(&watch, o->watchlist, &derr)) {
            if (derr.line > 0)
                cli_error("%s:%ld: %s", o->watchlist, derr.line, derr.text);
            else
                cli_error("%s", derr.text); /* names the file */
            goto out;
        }
        env.watch = watch;
    }
    lo_detect_callbacks dcb = {.ctx = r, .on_event = on_event};
    r->det = lo_detect_create(&cfg, &env, &dcb);
    if (o->db) {
        char err[300];
        lo_store_config scfg = {.sync_writes = sysconf(_SC_NPROCESSORS_ONLN) < 2};
        if (lo_store_open(o->db, &scfg, &r->store, err, sizeof err)) {
            cli_error("%s: %s", o->db, err);
            goto out;
        }
        lo_store_callbacks(r->store, &r->store_cb);
        r->db = o->db;
    }
    lo_tracker_callbacks tcb = {.ctx = r, .on_point = on_point, .on_identity = on_identity,
                                .on_vessel = on_vessel, .on_evict = on_evict};
    r->tracker = lo_tracker_create(NULL, &tcb);
    msgfeed_callbacks fcb = {.ctx = r, .take = take, .tick = tick, .status = status, .prefetch = prefetch};
    msgfeed *feed = r->det && r->tracker ? msgfeed_create(&fcb, o->start, !o->quiet && isatty(STDERR_FILENO)) : NULL;
    if (!feed) {
        cli_error("out of memory");
        goto out;
    }
    if (r->geojson) {
        fputs("{\"type\":\"FeatureCollection\",\"features\":[", r->geojson);
        r->geojson_first = true;
    }
    rc = 0;
    for (int i = 0; i < nfiles && rc == 0; i++)
        if (msgfeed_file(feed, files[i]))
            rc = 1;
    msgfeed_done(feed);
    lo_detect_finish(r->det);
    if (r->geojson)
        fputs("\n]}\n", r->geojson);
    if (r->table)
        print_table(r, stdout);
    const msgfeed_counts *n = msgfeed_get_counts(feed);
    if (o->stats)
        print_stats(r, n, msgfeed_elapsed(feed));
    if (n->untimed)
        cli_error("detect: %llu messages had no time (no receive time, and no clock yet: give --start)",
                  (unsigned long long)n->untimed);
    if (r->store && lo_store_sync(r->store) && rc == 0) {
        cli_error("%s: %s", o->db, lo_store_errmsg(r->store));
        rc = 1;
    }
    if (tick(r))
        rc = 1;
    msgfeed_destroy(feed);
out:
    if (r->store && lo_store_close(r->store) && rc == 0) {
        cli_error("%s: closing failed", o->db);
        rc = 1;
    }
    lo_tracker_destroy(r->tracker);
    lo_detect_destroy(r->det);
    lo_watchlist_destroy(watch);
    lo_geo_free(&geo);
    return rc;
}

static FILE *open_out(const char *path)
{
    if (!strcmp(path, "-"))
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        cli_error("%s: %s", path, strerror(errno));
    return f;
}

int cmd_detect(int argc, char **argv)
{
    enum {
        OPT_CONFIG = 256, OPT_ZONES, OPT_WATCH, OPT_DATA, OPT_NOGEO, OPT_DB, OPT_JSON, OPT_GEOJSON,
        OPT_TABLE, OPT_OPEN, OPT_DARK_END, OPT_SEV, OPT_TYPE, OPT_START, OPT_STATS,
    };
    static const struct option opts[] = {
        {"config", required_argument, NULL, OPT_CONFIG}, {"zones", required_argument, NULL, OPT_ZONES},
        {"watchlist", required_argument, NULL, OPT_WATCH}, {"data", required_argument, NULL, OPT_DATA},
        {"no-geo", no_argument, NULL, OPT_NOGEO},         {"db", required_argument, NULL, OPT_DB},
        {"json", required_argument, NULL, OPT_JSON},      {"geojson", required_argument, NULL, OPT_GEOJSON},
        {"table", no_argument, NULL, OPT_TABLE},          {"open", no_argument, NULL, OPT_OPEN},
        {"dark-at-end", no_argument, NULL, OPT_DARK_END},
        {"severity", required_argument, NULL, OPT_SEV},   {"type", required_argument, NULL, OPT_TYPE},
        {"start", required_argument, NULL, OPT_START},    {"stats", no_argument, NULL, OPT_STATS},
        {"quiet", no_argument, NULL, 'q'},                {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    detect_opts o = {.start = LO_TIME_NONE};
    detect_run *r = calloc(1, sizeof *r);
    if (!r || !(r->buf = malloc(EVENT_BUF))) {
        cli_error("out of memory");
        free(r);
        return 1;
    }
    r->min_severity = LO_SEV_INFO;
    for (int i = 0; i < LO_EV_COUNT; i++)
        r->type_on[i] = true;
    int opt, rc = 2;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CONFIG: o.config = optarg; break;
        case OPT_WATCH: o.watchlist = optarg; break;
        case OPT_DATA: o.data = optarg; break;
        case OPT_NOGEO: o.no_geo = true; break;
        case OPT_DB: o.db = optarg; break;
        case OPT_JSON: o.json = optarg; break;
        case OPT_GEOJSON: o.geojson = optarg; break;
        case OPT_TABLE: r->table = true; break;
        case OPT_OPEN: r->json_open = true; break;
        case OPT_DARK_END: r->dark_at_end = true; break;
        case OPT_STATS: o.stats = true; break;
        case 'q': o.quiet = true; break;
        case OPT_ZONES:
            if (o.nzones == MAX_ZONE_FILES) {
                cli_error("detect: at most %d --zones files", MAX_ZONE_FILES);
                goto done;
            }
            o.zones[o.nzones++] = optarg;
            break;
        case OPT_SEV: {
            int s = LO_SEV_INFO;
            while (s <= LO_SEV_HIGH && strcmp(optarg, lo_severity_key((lo_severity)s)))
                s++;
            if (s > LO_SEV_HIGH) {
                cli_error("detect: --severity is info, low, medium or high");
                goto done;
            }
            r->min_severity = (lo_severity)s;
            break;
        }
        case OPT_TYPE:
            if (parse_types(optarg, r->type_on))
                goto done;
            break;
        case OPT_START:
            if (lo_parse_time(optarg, strlen(optarg), &o.start)) {
                cli_error("detect: --start: '%s' is not a time (2023-01-11T00:00:00Z, 2023-01-11, Unix seconds)",
                          optarg);
                goto done;
            }
            break;
        case 'h':
            detect_usage(stdout);
            rc = 0;
            goto done;
        default:
            detect_usage(stderr);
            goto done;
        }
    }
    if (optind >= argc) {
        cli_error("detect: no input (give files, or - for stdin)");
        detect_usage(stderr);
        goto done;
    }
    if (o.json)
        r->json = open_out(o.json);
    else if (!r->table)
        r->json = stdout;
    if (o.geojson)
        r->geojson = open_out(o.geojson);
    if ((o.json && !r->json) || (o.geojson && !r->geojson)) {
        rc = 1;
        goto done;
    }
    rc = run(r, &o, argv + optind, argc - optind);
    if (r->json && r->json != stdout && fclose(r->json) && rc == 0) {
        cli_error("%s: %s", o.json, strerror(errno));
        rc = 1;
    }
    if (r->geojson && r->geojson != stdout && fclose(r->geojson) && rc == 0) {
        cli_error("%s: %s", o.geojson, strerror(errno));
        rc = 1;
    }
    if (fflush(stdout) && rc == 0) {
        cli_error("stdout: %s", strerror(errno));
        rc = 1;
    }
done:
    free(r->rows);
    free(r->buf);
    free(r);
    return rc;
}
