/* cmd_serve.c - `lookout serve`: the live service. Sources (UDP, TCP client,
 * TCP listener, file replay) -> bounded queue -> one pipeline thread
 * (decode, track, detect, store) -> picture and live stream -> HTTP API and
 * web map. SIGTERM / SIGINT: stop accepting, drain the queue, flush the
 * store, exit 0. docs/server.md describes the service. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../server/http.h"
#include "../server/ingest.h"
#include "../server/live.h"
#include "../server/picture.h"
#include "../server/queue.h"
#include "../server/source.h"
#include "../server/sse.h"
#include "cli.h"
#include "lookout/detect.h"
#include "lookout/geo.h"

#ifndef LOOKOUT_DATA_DIR
#define LOOKOUT_DATA_DIR "data"
#endif
#ifndef LOOKOUT_WEB_DIR
#define LOOKOUT_WEB_DIR "web"
#endif

#define MAX_ZONE_FILES 64

static void serve_usage(FILE *out)
{
    fputs("usage: lookout serve [SOURCES] [OPTIONS]\n"
          "Run lookout as a service: read AIS from the sources, track, detect and store, and serve\n"
          "the picture over HTTP (API, live stream, web map). SIGTERM or SIGINT stops it cleanly;\n"
          "started again with the same --db it resumes from the store (docs/server.md).\n"
          "\n"
          "sources (any number; with none, --udp 10110):\n"
          "      --udp [HOST:]PORT          NMEA over UDP (AIS-catcher, OpenCPN: port 10110)\n"
          "      --tcp-connect HOST:PORT    connect to a TCP feed; reconnects with back-off (0.5 s .. 60 s)\n"
          "      --tcp-listen [HOST:]PORT   accept feeders that connect and send NMEA\n"
          "      --replay FILE              replay a log by its own times (tag block c:, $PGHP, logger\n"
          "                                 prefixes, trailers); lines without a time at --rate\n"
          "      --name NAME                name of the source given just before (default: kind:port or\n"
          "                                 replay:file); it becomes the station of its messages\n"
          "      --speed X                  replay speed (1 = as recorded, 10 = ten times; 0 = as fast\n"
          "                                 as the pipeline takes it)\n"
          "      --rate N                   replay lines without a time at N lines/s at speed 1 (1000)\n"
          "      listeners bind 127.0.0.1 unless HOST is given (0.0.0.0: every interface)\n"
          "\n"
          "HTTP:\n"
          "      --http [HOST:]PORT         API and map (default 127.0.0.1:8080; 0: any free port)\n"
          "      --token T                  /api and /metrics want 'Authorization: Bearer T' (or\n"
          "                                 ?token=T); also from $LOOKOUT_TOKEN\n"
          "      --web DIR                  the built web map (default " LOOKOUT_WEB_DIR ")\n"
          "      --stream-interval MS       a vessel's positions on /api/stream at most this often\n"
          "                                 (default 1000; 0: every position)\n"
          "      --http-conns N             HTTP connections at once (default 256)\n"
          "\n"
          "store and detectors:\n"
          "      --db PATH                  SQLite database (default lookout.db)\n"
          "      --batch N                  rows per store transaction at most (default 50000)\n"
          "      --cache-mb N               SQLite page cache of the writer (default 16 MiB)\n"
          "      --commit-interval MS       commit the store this often (default 1000): a crash loses at\n"
          "                                 most about this much; longer writes busy feeds faster\n"
          "      --data DIR                 land, ports and anchorages (default " LOOKOUT_DATA_DIR ")\n"
          "      --no-geo                   do not load land and ports (shore and port rules off)\n"
          "      --zones FILE               GeoJSON zones to watch (repeatable)\n"
          "      --watchlist FILE           CSV of listed vessels (data/watchlist/)\n"
          "      --detect-config FILE       detector parameters (data/detect.conf)\n"
          "      --no-detect                no detectors\n"
          "\n"
          "limits:\n"
          "      --queue-mb N               ingest queue (default 64 MiB); a full queue drops lines (counted)\n"
          "      --max-vessels N            vessels tracked (default 1,000,000; the longest silent goes)\n"
          "      --feeder-idle S            close a TCP feeder silent this long (default 120 s)\n"
          "      --exit-after-replay        stop once every source is a finished replay\n"
          "  -q, --quiet                    no start-up lines on stderr\n",
          out);
}

/* [HOST:]PORT or [v6]:PORT. */
static int split_hostport(const char *arg, bool need_host, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon;
    host[0] = 0;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || close[1] != ':')
            return -1;
        if ((size_t)(close - arg - 1) >= hl)
            return -1;
        memcpy(host, arg + 1, (size_t)(close - arg - 1));
        host[close - arg - 1] = 0;
        colon = close + 1;
    } else {
        colon = strrchr(arg, ':');
        if (colon) {
            if ((size_t)(colon - arg) >= hl)
                return -1;
            memcpy(host, arg, (size_t)(colon - arg));
            host[colon - arg] = 0;
        }
    }
    const char *p = colon ? colon + 1 : arg;
    size_t n = strlen(p);
    if (n == 0 || n >= pl || n > 5 || strspn(p, "0123456789") != n || strtol(p, NULL, 10) > 65535)
        return -1;
    if (need_host && !host[0])
        return -1;
    memcpy(port, p, n + 1);
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

typedef struct serve_opts {
    srv_source *src;
    int nsrc;
    double speed, rate;
    const char *db, *web, *data, *watchlist, *detect_config, *token;
    const char *zones[MAX_ZONE_FILES];
    int nzones;
    char http_host[256], http_port[16];
    bool no_geo, no_detect, quiet, exit_after_replay;
    size_t queue_bytes;
    int64_t stream_interval_ms, commit_ms, cache_mb;
    uint32_t batch_rows;
    uint32_t max_vessels;
    unsigned http_conns;
    int feeder_idle_s;
} serve_opts;

static srv_source *add_source(serve_opts *o, srv_kind k)
{
    if (o->nsrc >= SRV_MAX_SOURCES) {
        cli_error("serve: at most %d sources", SRV_MAX_SOURCES);
        return NULL;
    }
    srv_source *s = &o->src[o->nsrc++];
    memset(s, 0, sizeof *s);
    s->kind = k;
    return s;
}

/* dst = the parts joined, cut to fit. */
static void join(char *dst, size_t cap, const char *a, const char *b, const char *c, const char *d)
{
    const char *parts[4] = {a, b, c, d};
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        for (const char *p = parts[i]; p && *p && n + 1 < cap; p++)
            dst[n++] = *p;
    dst[n] = 0;
}

static void auto_name(serve_opts *o, srv_source *s)
{
    if (s->name[0])
        return;
    const char *base;
    switch (s->kind) {
    case SRV_UDP: join(s->name, sizeof s->name, "udp:", s->port, NULL, NULL); break;
    case SRV_TCP_LISTEN: join(s->name, sizeof s->name, "tcp-listen:", s->port, NULL, NULL); break;
    case SRV_TCP_CONNECT: join(s->name, sizeof s->name, "tcp:", s->host, ":", s->port); break;
    case SRV_REPLAY:
        base = strrchr(s->path, '/');
        join(s->name, sizeof s->name, "replay:", base ? base + 1 : s->path, NULL, NULL);
        break;
    }
    /* names are the sources' keys: make a repeated one unique */
    char stem[LO_MAX_STATION];
    memcpy(stem, s->name, sizeof stem);
    stem[LO_MAX_STATION - 5] = 0;
    for (int i = 0, k = 2; i < o->nsrc && k < 1000; i++)
        if (&o->src[i] != s && !strcmp(o->src[i].name, s->name)) {
            char num[8] = {'#', (char)('0' + k / 100 % 10), (char)('0' + k / 10 % 10), (char)('0' + k % 10), 0};
            join(s->name, sizeof s->name, stem, num, NULL, NULL);
            k++;
            i = -1;
        }
}

static int parse_args(serve_opts *o, int argc, char **argv)
{
    enum {
        OPT_UDP = 256, OPT_TCPC, OPT_TCPL, OPT_REPLAY, OPT_NAME, OPT_SPEED, OPT_RATE, OPT_HTTP, OPT_TOKEN, OPT_WEB,
        OPT_DB, OPT_DATA, OPT_NOGEO, OPT_ZONES, OPT_WATCH, OPT_DCONF, OPT_NODETECT, OPT_QUEUE, OPT_MAXV, OPT_IDLE,
        OPT_SINT, OPT_CONNS, OPT_EXIT, OPT_COMMIT, OPT_BATCH, OPT_CACHE
    };
    static const struct option opts[] = {
        {"udp", required_argument, NULL, OPT_UDP},
        {"tcp-connect", required_argument, NULL, OPT_TCPC},
        {"tcp-listen", required_argument, NULL, OPT_TCPL},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"name", required_argument, NULL, OPT_NAME},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"rate", required_argument, NULL, OPT_RATE},
        {"http", required_argument, NULL, OPT_HTTP},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"web", required_argument, NULL, OPT_WEB},
        {"db", required_argument, NULL, OPT_DB},
        {"data", required_argument, NULL, OPT_DATA},
        {"no-geo", no_argument, NULL, OPT_NOGEO},
        {"zones", required_argument, NULL, OPT_ZONES},
        {"watchlist", required_argument, NULL, OPT_WATCH},
        {"detect-config", required_argument, NULL, OPT_DCONF},
        {"no-detect", no_argument, NULL, OPT_NODETECT},
        {"queue-mb", required_argument, NULL, OPT_QUEUE},
        {"max-vessels", required_argument, NULL, OPT_MAXV},
        {"feeder-idle", required_argument, NULL, OPT_IDLE},
        {"stream-interval", required_argument, NULL, OPT_SINT},
        {"http-conns", required_argument, NULL, OPT_CONNS},
        {"exit-after-replay", no_argument, NULL, OPT_EXIT},
        {"commit-interval", required_argument, NULL, OPT_COMMIT},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"cache-mb", required_argument, NULL, OPT_CACHE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    srv_source *last = NULL;
    double v;
    while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        srv_source *s = NULL;
        switch (opt) {
        case OPT_UDP:
        case OPT_TCPL:
        case OPT_TCPC:
            s = add_source(o, opt == OPT_UDP ? SRV_UDP : opt == OPT_TCPL ? SRV_TCP_LISTEN : SRV_TCP_CONNECT);
            if (!s)
                return 2;
            if (split_hostport(optarg, opt == OPT_TCPC, s->host, sizeof s->host, s->port, sizeof s->port)) {
                cli_error("serve: --%s: '%s' is not %s", opt == OPT_UDP ? "udp" : opt == OPT_TCPL ? "tcp-listen" : "tcp-connect",
                          optarg, opt == OPT_TCPC ? "HOST:PORT" : "[HOST:]PORT");
                return 2;
            }
            last = s;
            break;
        case OPT_REPLAY:
            if (!(s = add_source(o, SRV_REPLAY)))
                return 2;
            if (strlen(optarg) >= sizeof s->path) {
                cli_error("serve: --replay: path too long");
                return 2;
            }
            snprintf(s->path, sizeof s->path, "%s", optarg);
            last = s;
            break;
        case OPT_NAME:
            if (!last) {
                cli_error("serve: --name names the source given before it");
                return 2;
            }
            if (!optarg[0] || strlen(optarg) >= LO_MAX_STATION) {
                cli_error("serve: --name: 1-%d characters", LO_MAX_STATION - 1);
                return 2;
            }
            for (int i = 0; i < o->nsrc; i++)
                if (!strcmp(o->src[i].name, optarg)) {
                    cli_error("serve: --name: '%s' is taken", optarg);
                    return 2;
                }
            snprintf(last->name, sizeof last->name, "%s", optarg);
            break;
        case OPT_SPEED:
            if (parse_double(optarg, 0, 1e6, &o->speed)) {
                cli_error("serve: --speed: a number >= 0 (0: as fast as possible)");
                return 2;
            }
            break;
        case OPT_RATE:
            if (parse_double(optarg, 0.001, 1e7, &o->rate)) {
                cli_error("serve: --rate: lines per second, > 0");
                return 2;
            }
            break;
        case OPT_HTTP:
            if (split_hostport(optarg, false, o->http_host, sizeof o->http_host, o->http_port, sizeof o->http_port)) {
                cli_error("serve: --http: '%s' is not [HOST:]PORT", optarg);
                return 2;
            }
            break;
        case OPT_TOKEN: o->token = optarg; break;
        case OPT_WEB: o->web = optarg; break;
        case OPT_DB: o->db = optarg; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_NOGEO: o->no_geo = true; break;
        case OPT_ZONES:
            if (o->nzones >= MAX_ZONE_FILES) {
                cli_error("serve: at most %d zone files", MAX_ZONE_FILES);
                return 2;
            }
            o->zones[o->nzones++] = optarg;
            break;
        case OPT_WATCH: o->watchlist = optarg; break;
        case OPT_DCONF: o->detect_config = optarg; break;
        case OPT_NODETECT: o->no_detect = true; break;
        case OPT_QUEUE:
            if (parse_double(optarg, 1, 4096, &v)) {
                cli_error("serve: --queue-mb: 1-4096");
                return 2;
            }
            o->queue_bytes = (size_t)(v * 1048576.0);
            break;
        case OPT_MAXV:
            if (parse_double(optarg, 1000, LO_TRACK_MAX_VESSELS, &v)) {
                cli_error("serve: --max-vessels: 1000-%u", LO_TRACK_MAX_VESSELS);
                return 2;
            }
            o->max_vessels = (uint32_t)v;
            break;
        case OPT_IDLE:
            if (parse_double(optarg, 1, 86400, &v)) {
                cli_error("serve: --feeder-idle: 1-86400 seconds");
                return 2;
            }
            o->feeder_idle_s = (int)v;
            break;
        case OPT_SINT:
            if (parse_double(optarg, 0, 3600000, &v)) {
                cli_error("serve: --stream-interval: 0-3600000 ms");
                return 2;
            }
            o->stream_interval_ms = (int64_t)v;
            break;
        case OPT_CONNS:
            if (parse_double(optarg, 4, 10000, &v)) {
                cli_error("serve: --http-conns: 4-10000");
                return 2;
            }
            o->http_conns = (unsigned)v;
            break;
        case OPT_EXIT: o->exit_after_replay = true; break;
        case OPT_COMMIT:
            if (parse_double(optarg, 100, 60000, &v)) {
                cli_error("serve: --commit-interval: 100-60000 ms");
                return 2;
            }
            o->commit_ms = (int64_t)v;
            break;
        case OPT_CACHE:
            if (parse_double(optarg, 1, 4096, &v)) {
                cli_error("serve: --cache-mb: 1-4096");
                return 2;
            }
            o->cache_mb = (int64_t)v;
            break;
        case OPT_BATCH:
            if (parse_double(optarg, 1000, LO_STORE_MAX_BATCH, &v)) {
                cli_error("serve: --batch: 1000-%d rows", LO_STORE_MAX_BATCH);
                return 2;
            }
            o->batch_rows = (uint32_t)v;
            break;
        case 'q': o->quiet = true; break;
        case 'h': serve_usage(stdout); return 1;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        cli_error("serve: unexpected argument '%s' (sources are given with --udp, --tcp-connect, --tcp-listen, --replay)",
                  argv[optind]);
        return 2;
    }
    if (o->nsrc == 0) {
        srv_source *s = add_source(o, SRV_UDP);
        snprintf(s->port, sizeof s->port, "10110");
    }
    for (int i = 0; i < o->nsrc; i++) {
        o->src[i].speed = o->speed;
        o->src[i].rate = o->rate;
        auto_name(o, &o->src[i]);
    }
    return 0;
}

static bool replays_done(const serve_opts *o, lq *q)
{
    for (int i = 0; i < o->nsrc; i++)
        if (o->src[i].kind != SRV_REPLAY || !atomic_load(&o->src[i].done))
            return false;
    lq_stats s;
    lq_get_stats(q, &s);
    return s.used == 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_opts *o = calloc(1, sizeof *o);
    srv_source *src = calloc(SRV_MAX_SOURCES, sizeof *src);
    if (!o || !src) {
        free(o);
        free(src);
        cli_error("out of memory");
        return 1;
    }
    o->src = src;
    o->speed = 1;
    o->rate = 1000;
    o->db = "lookout.db";
    o->web = LOOKOUT_WEB_DIR;
    o->queue_bytes = 64u << 20;
    o->stream_interval_ms = 1000;
    o->cache_mb = 16;
    o->token = getenv("LOOKOUT_TOKEN");
    snprintf(o->http_port, sizeof o->http_port, "8080");
    int prc = parse_args(o, argc, argv);
    if (prc) {
        free(o);
        free(src);
        return prc == 1 ? 0 : 2;
    }
    if (o->token && !o->token[0])
        o->token = NULL;

    /* Signals go to this thread only (sigwait below); every thread started
     * from here inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    lo_geo geo = {0};
    lo_watchlist *watch = NULL;
    lo_detect_config dcfg;
    live_config lcfg = {.db = o->db, .stream_interval_ms = o->stream_interval_ms, .commit_interval_ms = o->commit_ms};
    lcfg.store.sync_writes = sysconf(_SC_NPROCESSORS_ONLN) < 2;
    lcfg.store.batch_rows = o->batch_rows;
    lcfg.store.cache_kib = o->cache_mb * 1024;
    lcfg.tracker.max_vessels = o->max_vessels;
    lcfg.tracker.hash_seed = (uint32_t)time(NULL) * 2654435761u ^ (uint32_t)getpid(); /* input may be hostile */
    lq *q = NULL;
    picture *pic = NULL;
    sse_hub *sse = NULL;
    live *lv = NULL;
    srv_ingest *in = NULL;
    srv_http *http = NULL;
    char err[512];
    bool failed = false;

    const char *no_http = http_load(); /* fail before anything is started */
    if (no_http) {
        cli_error("%s", no_http);
        goto out;
    }
    if (!o->no_detect) {
        lo_detect_config_default(&dcfg);
        lo_detect_error derr = {0};
        if (o->detect_config && lo_detect_config_load(&dcfg, o->detect_config, &derr)) {
            cli_error("%s%s%ld: %s", o->detect_config, derr.line > 0 ? ":" : "", derr.line > 0 ? derr.line : 0L,
                      derr.text);
            goto out;
        }
        lo_geo_error gerr = {0};
        if (!o->no_geo) {
            const char *dir = o->data ? o->data : LOOKOUT_DATA_DIR;
            if (lo_geo_load(&geo, dir, NULL, &gerr)) {
                cli_error("%s (use --data DIR, or --no-geo to run without land and ports)", gerr.text);
                goto out;
            }
            lcfg.env.land = geo.land;
            lcfg.env.ports = geo.ports;
        }
        if (o->nzones) {
            if (!geo.zones && !(geo.zones = lo_zones_create())) {
                cli_error("out of memory");
                goto out;
            }
            for (int i = 0; i < o->nzones; i++)
                if (lo_zones_add_file(geo.zones, o->zones[i], NULL, &gerr) < 0) {
                    cli_error("%s: %s", o->zones[i], gerr.text);
                    goto out;
                }
            lcfg.env.zones = geo.zones;
        }
        lcfg.detect = &dcfg;
    }
    if (o->watchlist) {
        lo_detect_error derr = {0};
        if (lo_watchlist_load(&watch, o->watchlist, &derr)) {
            cli_error("%s: %s", o->watchlist, derr.text);
            goto out;
        }
        lcfg.env.watch = watch;
    }
    q = lq_create(o->queue_bytes);
    pic = pic_create(o->max_vessels ? o->max_vessels : 1000000);
    sse = sse_create(4u << 20, 1000);
    if (!q || !pic || !sse) {
        cli_error("out of memory");
        goto out;
    }
    lv = live_create(&lcfg, src, o->nsrc, q, pic, sse, err, sizeof err);
    if (!lv) {
        cli_error("%s", err);
        goto out;
    }
    http_ctx hctx = {.pic = pic, .sse = sse, .live = lv, .src = src, .nsrc = o->nsrc, .q = q};
    http_config hcfg = {.host = o->http_host, .port = o->http_port, .token = o->token, .web_dir = o->web,
                        .db = o->db, .max_conns = o->http_conns};
    srv_ingest_config icfg = {.feeder_idle_s = o->feeder_idle_s};
    if (live_start(lv)) {
        cli_error("cannot start the pipeline thread");
        goto out;
    }
    in = srv_ingest_start(src, o->nsrc, q, &icfg, err, sizeof err);
    if (!in) {
        cli_error("%s", err);
        failed = true;
        goto stop;
    }
    hctx.ingest = in;
    http = http_start(&hcfg, &hctx, err, sizeof err);
    if (!http) {
        cli_error("%s", err);
        failed = true;
        goto stop;
    }
    if (!o->quiet) {
        const char *hh = o->http_host[0] ? o->http_host : "127.0.0.1";
        bool v6 = strchr(hh, ':') != NULL;
        fprintf(stderr, "lookout: serving http://%s%s%s:%d/ (map from %s; API under /api/%s)\n", v6 ? "[" : "", hh,
                v6 ? "]" : "", http_port(http), o->web, o->token ? ", bearer token required" : "");
        for (int i = 0; i < o->nsrc; i++) {
            srv_source *s = &src[i];
            if (s->kind == SRV_REPLAY)
                fprintf(stderr, "lookout: source '%s': replay %s at speed %g\n", s->name, s->path, s->speed);
            else if (s->kind == SRV_TCP_CONNECT)
                fprintf(stderr, "lookout: source '%s': connecting to %s:%s\n", s->name, s->host, s->port);
            else
                fprintf(stderr, "lookout: source '%s': %s on %s:%d\n", s->name, srv_kind_name(s->kind),
                        s->host[0] ? s->host : "127.0.0.1", s->bound_port);
        }
        fprintf(stderr, "lookout: store %s; %s\n", o->db,
                o->no_detect ? "detectors off" : lcfg.env.land ? "detectors on" : "detectors on (no land or ports)");
    }
    /* wait for a signal (or the end of the replays) */
    for (;;) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            if (!o->quiet)
                fprintf(stderr, "lookout: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (o->exit_after_replay && replays_done(o, q))
            break;
    }
stop:
    /* stop accepting and reading; the pipeline drains what was queued */
    srv_ingest_stop(in); /* its counters stay for HTTP until the end */
    lq_close(q);
    rc = live_stop(lv) || failed ? 1 : 0;
    if (rc && !failed)
        cli_error("%s: the store reported an error; see above", o->db);
    http_stop(http);
    http = NULL;
    if (!o->quiet && rc == 0)
        fprintf(stderr, "lookout: store flushed, stopped\n");
out:
    http_stop(http);
    srv_ingest_destroy(in);
    live_destroy(lv);
    sse_destroy(sse);
    pic_destroy(pic);
    lq_destroy(q);
    lo_watchlist_destroy(watch);
    lo_geo_free(&geo);
    free(o);
    free(src);
    return rc;
}
