/* cmd_query.c - `lookout vessels`, `lookout track` and `lookout positions`:
 * questions to the store, answered as JSON lines, CSV or GeoJSON. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lookout/geojson.h"
#include "lookout/sentence.h"
#include "lookout/store.h"

#define OUTBUF (1u << 20)

typedef struct writer {
    lo_geo_writer geo;
    FILE *out;
    char *buf;
    size_t len;
} writer;

static void flush(writer *w)
{
    if (w->len)
        fwrite(w->buf, 1, w->len, w->out);
    w->len = 0;
}

/* Make room for one record (LO_GEO_MAX_RECORD always suffices). */
static char *room(writer *w)
{
    if (OUTBUF - w->len < LO_GEO_MAX_RECORD)
        flush(w);
    return w->buf + w->len;
}

static void wrote(writer *w, int n)
{
    if (n > 0)
        w->len += (size_t)n;
}

static int put_vessel(void *ctx, const lo_vessel *v)
{
    writer *w = ctx;
    wrote(w, lo_geo_vessel(&w->geo, v, room(w), OUTBUF - w->len));
    return 0;
}

static int put_point(void *ctx, const lo_track_point *p)
{
    writer *w = ctx;
    wrote(w, lo_geo_point(&w->geo, p, room(w), OUTBUF - w->len));
    return 0;
}

/* Options every query command takes. */
typedef struct common {
    const char *db, *out_path;
    lo_geo_format format;
    lo_bbox bbox;
    bool has_bbox;
    int64_t from, to, at, max_age;
} common;

static int parse_time_opt(const char *cmd, const char *opt, const char *s, int64_t *ms)
{
    if (lo_parse_time(s, strlen(s), ms)) {
        cli_error("%s: %s: '%s' is not a time (2023-01-11T00:00:00Z, 2023-01-11, Unix seconds)", cmd, opt, s);
        return -1;
    }
    return 0;
}

/* Handles an option shared by the commands; 1 when it was one, -1 on error. */
static int common_opt(const char *cmd, int opt, common *c)
{
    switch (opt) {
    case 'd':
        c->db = optarg;
        return 1;
    case 'o':
        c->out_path = optarg;
        return 1;
    case 'f':
        if (lo_geo_format_parse(optarg, &c->format)) {
            cli_error("%s: unknown format '%s' (json, csv or geojson)", cmd, optarg);
            return -1;
        }
        return 1;
    case 'b':
        if (lo_parse_bbox(optarg, strlen(optarg), &c->bbox)) {
            cli_error("%s: --bbox wants W,S,E,N in degrees (e.g. 10.5,54.5,13,56)", cmd);
            return -1;
        }
        c->has_bbox = true;
        return 1;
    case 'F':
        return parse_time_opt(cmd, "--from", optarg, &c->from) ? -1 : 1;
    case 'T':
        return parse_time_opt(cmd, "--to", optarg, &c->to) ? -1 : 1;
    default:
        return 0;
    }
}

static int run(const char *cmd, common *c, int (*query)(lo_store *s, writer *w, void *arg), void *arg,
               lo_geo_kind kind)
{
    char err[300];
    lo_store *s;
    lo_store_config cfg = {.read_only = true};
    if (lo_store_open(c->db, &cfg, &s, err, sizeof err)) {
        cli_error("%s: %s", c->db, err);
        return 1;
    }
    writer w = {.out = stdout};
    if (c->out_path && !(w.out = fopen(c->out_path, "w"))) {
        cli_error("%s: %s", c->out_path, strerror(errno));
        lo_store_close(s);
        return 1;
    }
    w.buf = malloc(OUTBUF);
    if (!w.buf) {
        cli_error("out of memory");
        lo_store_close(s);
        return 1;
    }
    lo_geo_init(&w.geo, c->format, kind);
    wrote(&w, lo_geo_begin(&w.geo, room(&w), OUTBUF - w.len));
    int rc = query(s, &w, arg);
    if (rc)
        cli_error("%s: %s", cmd, rc == LO_E_STORE ? lo_store_errmsg(s) : lo_strerror(rc));
    wrote(&w, lo_geo_end(&w.geo, room(&w), OUTBUF - w.len));
    flush(&w);
    if (fflush(w.out) || (w.out != stdout && fclose(w.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    free(w.buf);
    lo_store_close(s);
    return rc ? 1 : 0;
}

/* ---- vessels ---- */

/* Ship type words of --type: numbers, ranges and a few names. */
static int add_types(const char *list, uint64_t types[4])
{
    static const struct {
        const char *name;
        int lo, hi;
    } names[] = {
        {"unknown", 0, 0},     {"wig", 20, 29},      {"fishing", 30, 30},   {"towing", 31, 32},
        {"dredging", 33, 33},  {"diving", 34, 34},   {"military", 35, 35},  {"sailing", 36, 36},
        {"pleasure", 37, 37},  {"hsc", 40, 49},      {"pilot", 50, 50},     {"sar", 51, 51},
        {"tug", 52, 52},       {"law", 55, 55},      {"medical", 58, 58},   {"passenger", 60, 69},
        {"cargo", 70, 79},     {"tanker", 80, 89},   {"other", 90, 99},
    };
    char item[32];
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item)
            return -1;
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == ',');
        int lo = -1, hi = -1;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(item, names[i].name)) {
                lo = names[i].lo;
                hi = names[i].hi;
            }
        if (lo < 0) {
            char *end;
            long a = strtol(item, &end, 10), b = a;
            if (end == item)
                return -1;
            if (*end == '-') {
                char *e2;
                b = strtol(end + 1, &e2, 10);
                if (e2 == end + 1 || *e2)
                    return -1;
            } else if (*end) {
                return -1;
            }
            if (a < 0 || b > 255 || a > b)
                return -1;
            lo = (int)a;
            hi = (int)b;
        }
        for (int t = lo; t <= hi; t++)
            types[t / 64] |= 1ull << (t % 64);
    }
    return 0;
}

static int add_kinds(const char *list, uint32_t *kinds)
{
    char item[32];
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item)
            return -1;
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == ',');
        int found = -1;
        for (int k = LO_STATION_INVALID; k <= LO_STATION_DIVER; k++)
            if (!strcmp(item, lo_station_kind_name((lo_station_kind)k)))
                found = k;
        if (found < 0)
            return -1;
        *kinds |= 1u << found;
    }
    return 0;
}

static int vessels_query(lo_store *s, writer *w, void *arg)
{
    return lo_store_vessels(s, arg, put_vessel, w);
}

static void vessels_usage(FILE *out)
{
    fputs("usage: lookout vessels [--db PATH] [--bbox W,S,E,N] [--at TIME [--max-age DUR]] [--type LIST]\n"
          "                       [--kind LIST] [--format json|csv|geojson] [-o FILE]\n"
          "The picture: every vessel with its last position and identity, in MMSI order.\n"
          "\n"
          "      --db PATH        database (default lookout.db)\n"
          "      --bbox W,S,E,N   only vessels whose position is in this box (degrees; W > E crosses 180)\n"
          "      --at TIME        the picture at this time: each vessel's last position at or before it\n"
          "                       and its identity then (default: the latest of everything)\n"
          "      --max-age DUR    with --at: positions no older than this (default 1h; 0 = any age)\n"
          "                       DUR: 90 (seconds), 90s, 15m, 6h, 2d\n"
          "      --type LIST      ship types: numbers, ranges (70-79) or names (cargo, tanker,\n"
          "                       passenger, fishing, tug, pleasure, sailing, hsc, military, sar, ...)\n"
          "      --kind LIST      station kinds: vessel, base, aton, sar, sart, mob, epirb, ...\n"
          "  -f, --format F       json (lines, default), csv or geojson (FeatureCollection of Points)\n"
          "  -o, --output FILE    write here instead of stdout\n",
          out);
}

static const struct option query_opts[] = {
    {"db", required_argument, NULL, 'd'},      {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},  {"bbox", required_argument, NULL, 'b'},
    {"from", required_argument, NULL, 'F'},    {"to", required_argument, NULL, 'T'},
    {"at", required_argument, NULL, 'a'},      {"max-age", required_argument, NULL, 'm'},
    {"type", required_argument, NULL, 't'},    {"kind", required_argument, NULL, 'k'},
    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
};

static void common_init(common *c)
{
    memset(c, 0, sizeof *c);
    c->db = "lookout.db";
    c->format = LO_GEO_JSON;
    c->from = c->to = c->at = LO_TIME_NONE;
    c->max_age = 3600000;
}

int cmd_vessels(int argc, char **argv)
{
    common c;
    common_init(&c);
    uint64_t types[4] = {0};
    bool any_type = false;
    lo_picture_query q = {.at_ms = LO_TIME_NONE};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:o:f:h", query_opts, NULL)) != -1) {
        int r = common_opt("vessels", opt, &c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        switch (opt) {
        case 'a':
            if (parse_time_opt("vessels", "--at", optarg, &c.at))
                return 2;
            break;
        case 'm':
            if (lo_parse_duration(optarg, strlen(optarg), &c.max_age)) {
                cli_error("vessels: --max-age wants a duration (90, 90s, 15m, 6h, 2d)");
                return 2;
            }
            break;
        case 't':
            if (add_types(optarg, types)) {
                cli_error("vessels: --type wants ship types 0-255, ranges (70-79) or names (cargo, tanker, ...)");
                return 2;
            }
            any_type = true;
            break;
        case 'k':
            if (add_kinds(optarg, &q.kinds)) {
                cli_error("vessels: --kind wants vessel, base, aton, sar, sart, mob, epirb, group, auxiliary, diver");
                return 2;
            }
            break;
        case 'h':
            vessels_usage(stdout);
            return 0;
        default:
            vessels_usage(stderr);
            return 2;
        }
    }
    if (optind < argc || c.from != LO_TIME_NONE || c.to != LO_TIME_NONE) {
        cli_error("vessels: unexpected %s", optind < argc ? argv[optind] : "--from/--to (use --at)");
        vessels_usage(stderr);
        return 2;
    }
    q.bbox = c.has_bbox ? &c.bbox : NULL;
    q.at_ms = c.at;
    q.max_age_ms = c.max_age;
    q.ship_types = any_type ? types : NULL;
    return run("vessels", &c, vessels_query, &q, LO_GEO_VESSELS);
}

/* ---- track ---- */

typedef struct track_arg {
    uint32_t mmsi;
    int64_t from, to;
} track_arg;

static int track_query(lo_store *s, writer *w, void *arg)
{
    const track_arg *a = arg;
    return lo_store_track(s, a->mmsi, a->from, a->to, put_point, w);
}

static void track_usage(FILE *out)
{
    fputs("usage: lookout track MMSI [--db PATH] [--from TIME] [--to TIME] [--format json|csv|geojson] [-o FILE]\n"
          "One vessel's positions, split into its track segments (by segment, then time).\n"
          "\n"
          "      --db PATH        database (default lookout.db)\n"
          "      --from TIME      positions at or after this time\n"
          "      --to TIME        positions before this time\n"
          "  -f, --format F       json (lines, one per position; default), csv, or geojson (one\n"
          "                       LineString feature per segment)\n"
          "  -o, --output FILE    write here instead of stdout\n",
          out);
}

int cmd_track(int argc, char **argv)
{
    common c;
    common_init(&c);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:o:f:h", query_opts, NULL)) != -1) {
        int r = common_opt("track", opt, &c);
        if (r < 0)
            return 2;
        if (r > 0 && opt != 'b')
            continue;
        if (opt == 'h') {
            track_usage(stdout);
            return 0;
        }
        track_usage(stderr);
        return 2;
    }
    if (optind != argc - 1) {
        cli_error("track: give one MMSI");
        track_usage(stderr);
        return 2;
    }
    char *end;
    errno = 0;
    unsigned long mmsi = strtoul(argv[optind], &end, 10);
    if (errno || *end || end == argv[optind] || mmsi > 999999999) {
        cli_error("track: '%s' is not an MMSI", argv[optind]);
        return 2;
    }
    track_arg a = {.mmsi = (uint32_t)mmsi, .from = c.from, .to = c.to};
    return run("track", &c, track_query, &a, LO_GEO_TRACK);
}

/* ---- positions ---- */

typedef struct positions_arg {
    const lo_bbox *bbox;
    int64_t from, to;
} positions_arg;

static int positions_query(lo_store *s, writer *w, void *arg)
{
    const positions_arg *a = arg;
    return lo_store_positions(s, a->bbox, a->from, a->to, put_point, w);
}

static void positions_usage(FILE *out)
{
    fputs("usage: lookout positions [--db PATH] [--bbox W,S,E,N] [--from TIME] [--to TIME]\n"
          "                         [--format json|csv|geojson] [-o FILE]\n"
          "Every stored position in an area and time window (by MMSI, then time), found through the\n"
          "spatial index. GeoJSON gives one LineString per vessel and segment.\n",
          out);
}

int cmd_positions(int argc, char **argv)
{
    common c;
    common_init(&c);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:o:f:h", query_opts, NULL)) != -1) {
        int r = common_opt("positions", opt, &c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (opt == 'h') {
            positions_usage(stdout);
            return 0;
        }
        positions_usage(stderr);
        return 2;
    }
    if (optind < argc) {
        cli_error("positions: unexpected '%s'", argv[optind]);
        return 2;
    }
    positions_arg a = {.bbox = c.has_bbox ? &c.bbox : NULL, .from = c.from, .to = c.to};
    return run("positions", &c, positions_query, &a, LO_GEO_TRACK);
}
