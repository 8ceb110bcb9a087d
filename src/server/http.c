/* http.c - routes of the HTTP API, /metrics, /api/stream and static files
 * (http.h, docs/server.md). */
#define _GNU_SOURCE
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "jbuf.h"
#include "lookout/detect.h"
#include "lookout/geojson.h"
#include "lookout/output.h"
#include "lookout/store.h"
#include "mhd_dl.h"
#include "vjson.h"

#define BODY_MAX (256u << 20)      /* no answer is longer (a million vessels is ~400 MB: use limit) */
#define VESSELS_DEFAULT 100000
#define VESSELS_MAX 1000000
#define TRACK_DEFAULT 10000
#define TRACK_MAX 200000
#define EVENTS_DEFAULT 200
#define EVENTS_MAX 5000
#define VESSEL_EVENTS 50           /* events listed with one vessel */
#define PARAM_MAX 512              /* a longer query value is refused */
#define TYPES_MAX 64               /* items in a type= list */
#define READERS 4                  /* read-only store handles kept open */
#define SSE_CLIENTS_MAX 200
#define SSE_PING_S 15

struct srv_http {
    struct MHD_Daemon *d;
    http_config cfg;
    http_ctx ctx;
    int port;
    double started;
    pthread_mutex_t rmu;
    lo_store *readers[READERS];
    int nreaders;
    atomic_uint_fast64_t requests, status[6]; /* by class 1xx..5xx */
    atomic_uint_fast64_t track_queries;
};

/* ---- responses ---- */

static enum MHD_Result send_body(struct MHD_Connection *c, srv_http *h, unsigned status, const char *type, char *body,
                                 size_t len)
{
    struct MHD_Response *r = srv_mhd.MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    srv_mhd.MHD_add_response_header(r, "Content-Type", type);
    srv_mhd.MHD_add_response_header(r, "Cache-Control", "no-store");
    srv_mhd.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 401)
        srv_mhd.MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"lookout\"");
    if (status == 405)
        srv_mhd.MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result rc = srv_mhd.MHD_queue_response(c, status, r);
    srv_mhd.MHD_destroy_response(r);
    if (status / 100 < 6)
        atomic_fetch_add(&h->status[status / 100], 1);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *c, srv_http *h, unsigned status, const char *code,
                                  const char *msg)
{
    jbuf b;
    jb_init(&b, 4096);
    jb_puts(&b, "{\"error\":");
    jb_jstr(&b, code);
    jb_puts(&b, ",\"message\":");
    jb_jstr(&b, msg);
    jb_puts(&b, ",\"status\":");
    jb_u64(&b, status);
    jb_puts(&b, "}\n");
    size_t len;
    char *p = jb_take(&b, &len);
    if (!p)
        return MHD_NO;
    return send_body(c, h, status, "application/json", p, len);
}

static enum MHD_Result send_jbuf(struct MHD_Connection *c, srv_http *h, jbuf *b, const char *type)
{
    if (b->overflow) {
        jb_free(b);
        return send_error(c, h, 413, "too_large", "the answer is too large: narrow the query or lower limit");
    }
    jb_putc(b, '\n');
    size_t len;
    char *p = jb_take(b, &len);
    if (!p)
        return send_error(c, h, 500, "no_memory", "out of memory");
    return send_body(c, h, 200, type, p, len);
}

/* ---- parameters ---- */

typedef struct req {
    struct MHD_Connection *c;
    srv_http *h;
    const char *bad; /* first bad parameter's message */
    char badbuf[200];
} req;

static const char *param(req *q, const char *key)
{
    const char *v = srv_mhd.MHD_lookup_connection_value(q->c, MHD_GET_ARGUMENT_KIND, key);
    if (v && strlen(v) > PARAM_MAX) {
        snprintf(q->badbuf, sizeof q->badbuf, "%s: longer than %d bytes", key, PARAM_MAX);
        q->bad = q->badbuf;
        return NULL;
    }
    return v;
}

static void bad(req *q, const char *key, const char *what)
{
    if (q->bad)
        return;
    snprintf(q->badbuf, sizeof q->badbuf, "%s: %s", key, what);
    q->bad = q->badbuf;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static uint32_t param_limit(req *q, uint32_t dflt, uint32_t max)
{
    const char *s = param(q, "limit");
    if (!s)
        return dflt;
    uint64_t v;
    if (!parse_u64(s, max, &v) || v == 0) {
        char msg[80];
        snprintf(msg, sizeof msg, "a whole number from 1 to %u", max);
        bad(q, "limit", msg);
        return dflt;
    }
    return (uint32_t)v;
}

static int64_t param_time(req *q, const char *key, int64_t dflt)
{
    const char *s = param(q, key);
    if (!s)
        return dflt;
    int64_t t;
    if (lo_parse_time(s, strlen(s), &t)) {
        bad(q, key, "not a time (2023-01-11T00:00:00Z, 2023-01-11, or Unix seconds)");
        return dflt;
    }
    return t;
}

static bool param_bool(req *q, const char *key)
{
    const char *s = param(q, key);
    if (!s)
        return false;
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, ""))
        return true;
    if (!strcmp(s, "0") || !strcmp(s, "false"))
        return false;
    bad(q, key, "1 or 0");
    return false;
}

/* type=cargo,tanker,70 -> bit set of ITU ship types. */
static bool param_types(req *q, uint64_t types[4])
{
    const char *s = param(q, "type");
    if (!s)
        return false;
    memset(types, 0, 4 * sizeof *types);
    int items = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char tok[32];
        if (n == 0 || n >= sizeof tok || ++items > TYPES_MAX) {
            bad(q, "type", "a list of ship classes (cargo, tanker, ...) or ITU ship types 0-99");
            return false;
        }
        memcpy(tok, s, n);
        tok[n] = 0;
        uint64_t num;
        if (parse_u64(tok, 255, &num)) {
            types[num >> 6] |= 1ull << (num & 63);
        } else {
            int cls = -1;
            for (int k = 0; k < LO_SHIPCLASS_COUNT; k++)
                if (!strcmp(tok, lo_shipclass_key((lo_shipclass)k)))
                    cls = k;
            if (cls < 0) {
                char msg[120];
                snprintf(msg, sizeof msg, "'%.31s' is neither a ship class nor an ITU ship type", tok);
                bad(q, "type", msg);
                return false;
            }
            for (int t = 0; t < 256; t++)
                if ((int)lo_shipclass_of((uint8_t)t) == cls)
                    types[t >> 6] |= 1ull << (t & 63);
        }
        s += n;
        if (*s == ',')
            s++;
    }
    return true;
}

/* ---- vessels ---- */

static int cmp_mmsi(const void *a, const void *b)
{
    uint32_t x = ((const pic_vessel *)a)->mmsi, y = ((const pic_vessel *)b)->mmsi;
    return (x > y) - (x < y);
}

static enum MHD_Result api_vessels(req *q, bool geojson)
{
    lo_bbox box;
    pic_filter f = {.limit = param_limit(q, VESSELS_DEFAULT, VESSELS_MAX)};
    const char *bb = param(q, "bbox");
    if (bb) {
        if (lo_parse_bbox(bb, strlen(bb), &box))
            bad(q, "bbox", "W,S,E,N in degrees (west may exceed east across the antimeridian)");
        else
            f.bbox = &box;
    }
    uint64_t types[4];
    if (param_types(q, types))
        f.types = types;
    f.watch_only = param_bool(q, "watch");
    if (q->bad)
        return send_error(q->c, q->h, 400, "bad_request", q->bad);
    pic_vessel *v;
    uint64_t matched;
    long n = pic_query(q->h->ctx.pic, &f, &v, &matched);
    if (n < 0)
        return send_error(q->c, q->h, 500, "no_memory", "out of memory");
    qsort(v, (size_t)n, sizeof *v, cmp_mmsi);
    jbuf b;
    jb_init(&b, BODY_MAX);
    if (geojson) {
        jb_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
        bool first = true;
        for (long i = 0; i < n; i++) {
            if (!v[i].has_pos)
                continue;
            if (!first)
                jb_putc(&b, ',');
            first = false;
            vj_vessel_feature(&b, &v[i]);
        }
        jb_puts(&b, "]");
    } else {
        jb_puts(&b, "{\"vessels\":[");
        for (long i = 0; i < n; i++) {
            if (i)
                jb_putc(&b, ',');
            vj_vessel(&b, &v[i]);
        }
        jb_puts(&b, "]");
    }
    jb_puts(&b, ",\"count\":");
    jb_u64(&b, (uint64_t)n);
    jb_puts(&b, ",\"matched\":");
    jb_u64(&b, matched);
    jb_puts(&b, (uint64_t)n < matched ? ",\"truncated\":true}" : ",\"truncated\":false}");
    free(v);
    return send_jbuf(q->c, q->h, &b, geojson ? "application/geo+json" : "application/json");
}

static bool parse_mmsi(const char *s, size_t n, uint32_t *mmsi)
{
    if (n == 0 || n > 9)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *mmsi = v;
    return true; /* 0 too: unset transponders send it, and the picture lists them */
}

static enum MHD_Result api_vessel(req *q, uint32_t mmsi)
{
    pic_vessel v;
    if (q->bad)
        return send_error(q->c, q->h, 400, "bad_request", q->bad);
    if (!pic_get(q->h->ctx.pic, mmsi, &v))
        return send_error(q->c, q->h, 404, "not_found", "no vessel with this MMSI in the picture");
    jbuf b;
    jb_init(&b, BODY_MAX);
    jb_puts(&b, "{\"vessel\":");
    vj_vessel(&b, &v);
    jb_puts(&b, ",\"events\":[");
    pic_event_filter ef = {.since_ms = LO_TIME_NONE, .mmsi = mmsi, .limit = VESSEL_EVENTS};
    if (mmsi) /* the filter's 0 means every vessel: MMSI 0's card lists none */
        pic_events_write(q->h->ctx.pic, &ef, &b);
    jb_puts(&b, "]}");
    return send_jbuf(q->c, q->h, &b, "application/json");
}

/* ---- tracks (from the store) ---- */

static lo_store *reader_get(srv_http *h, char *err, size_t errlen)
{
    pthread_mutex_lock(&h->rmu);
    lo_store *s = h->nreaders ? h->readers[--h->nreaders] : NULL;
    pthread_mutex_unlock(&h->rmu);
    if (s)
        return s;
    lo_store_config cfg = {.read_only = true, .cache_kib = 8192};
    if (lo_store_open(h->cfg.db, &cfg, &s, err, errlen))
        return NULL;
    return s;
}

static void reader_put(srv_http *h, lo_store *s)
{
    pthread_mutex_lock(&h->rmu);
    if (h->nreaders < READERS) {
        h->readers[h->nreaders++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&h->rmu);
    lo_store_close(s);
}

typedef struct track_out {
    jbuf *b;
    lo_geo_writer w;
    bool geojson;
    uint32_t n, limit;
    bool truncated;
    char rec[LO_GEO_MAX_RECORD];
} track_out;

static int track_point(void *ctx, const lo_track_point *p)
{
    track_out *t = ctx;
    if (t->n >= t->limit) {
        t->truncated = true;
        return 1;
    }
    if (t->geojson) {
        int n = lo_geo_point(&t->w, p, t->rec, sizeof t->rec);
        if (n > 0)
            jb_putn(t->b, t->rec, (size_t)n);
    } else {
        jbuf *b = t->b;
        if (t->n)
            jb_putc(b, ',');
        jb_puts(b, "{\"time\":");
        jb_jtime(b, p->time_ms);
        jb_puts(b, ",\"time_ms\":");
        jb_i64(b, p->time_ms);
        jb_puts(b, ",\"lat\":");
        jb_fixed(b, p->lat_udeg, 6);
        jb_puts(b, ",\"lon\":");
        jb_fixed(b, p->lon_udeg, 6);
        jb_puts(b, ",\"speed\":");
        if (p->speed != 1023)
            jb_fixed(b, p->speed, 1);
        else
            jb_puts(b, "null");
        jb_puts(b, ",\"course\":");
        if (p->course < 3600)
            jb_fixed(b, p->course, 1);
        else
            jb_puts(b, "null");
        jb_puts(b, ",\"heading\":");
        if (p->heading < 360)
            jb_u64(b, p->heading);
        else
            jb_puts(b, "null");
        jb_puts(b, ",\"segment\":");
        jb_u64(b, p->segment);
        jb_puts(b, ",\"station\":");
        jb_jstr(b, p->station[0] ? p->station : NULL);
        jb_putc(b, '}');
    }
    t->n++;
    return t->b->overflow ? 1 : 0;
}

static enum MHD_Result api_track(req *q, uint32_t mmsi, bool geojson)
{
    srv_http *h = q->h;
    pic_vessel v;
    bool known = pic_get(h->ctx.pic, mmsi, &v);
    int64_t latest = known ? (v.has_pos ? v.time_ms : v.last_seen_ms) : LO_TIME_NONE;
    int64_t dflt_from = latest != LO_TIME_NONE ? latest - 24 * 3600 * 1000LL : LO_TIME_NONE;
    int64_t from = param_time(q, "from", dflt_from);
    int64_t to = param_time(q, "to", LO_TIME_NONE);
    uint32_t limit = param_limit(q, TRACK_DEFAULT, TRACK_MAX);
    if (!q->bad && from != LO_TIME_NONE && to != LO_TIME_NONE && to <= from)
        bad(q, "to", "must be after from");
    if (q->bad)
        return send_error(q->c, h, 400, "bad_request", q->bad);
    char err[300];
    lo_store *s = reader_get(h, err, sizeof err);
    if (!s)
        return send_error(q->c, h, 503, "store_unavailable", err);
    atomic_fetch_add(&h->track_queries, 1);
    jbuf b;
    jb_init(&b, BODY_MAX);
    track_out *t = calloc(1, sizeof *t);
    if (!t) {
        reader_put(h, s);
        return send_error(q->c, h, 500, "no_memory", "out of memory");
    }
    t->b = &b;
    t->geojson = geojson;
    t->limit = limit;
    if (geojson) {
        lo_geo_init(&t->w, LO_GEO_GEOJSON, LO_GEO_TRACK);
        int n = lo_geo_begin(&t->w, t->rec, sizeof t->rec);
        if (n > 0)
            jb_putn(&b, t->rec, (size_t)n);
    } else {
        jb_puts(&b, "{\"mmsi\":");
        jb_u64(&b, mmsi);
        jb_puts(&b, ",\"from\":");
        if (from != LO_TIME_NONE)
            jb_jtime(&b, from);
        else
            jb_puts(&b, "null");
        jb_puts(&b, ",\"to\":");
        if (to != LO_TIME_NONE)
            jb_jtime(&b, to);
        else
            jb_puts(&b, "null");
        jb_puts(&b, ",\"points\":[");
    }
    int rc = lo_store_track(s, mmsi, from, to, track_point, t);
    if (rc < 0) {
        snprintf(err, sizeof err, "%s", lo_store_errmsg(s));
        reader_put(h, s);
        free(t);
        jb_free(&b);
        return send_error(q->c, h, 500, "store_error", err);
    }
    reader_put(h, s);
    if (geojson) {
        int n = lo_geo_end(&t->w, t->rec, sizeof t->rec);
        /* the collection's end, then our own members before its final brace */
        if (n > 0) {
            jb_putn(&b, t->rec, (size_t)n);
            while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '}'))
                if (b.p[--b.len] == '}')
                    break;
            jb_puts(&b, ",\"truncated\":");
            jb_puts(&b, t->truncated ? "true}" : "false}");
        }
    } else {
        jb_puts(&b, "],\"count\":");
        jb_u64(&b, t->n);
        jb_puts(&b, t->truncated ? ",\"truncated\":true}" : ",\"truncated\":false}");
    }
    free(t);
    return send_jbuf(q->c, h, &b, geojson ? "application/geo+json" : "application/json");
}

/* ---- events ---- */

static bool param_event_types(req *q, uint64_t *mask)
{
    const char *s = param(q, "type");
    *mask = 0;
    if (!s)
        return true;
    int items = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char tok[40];
        if (n == 0 || n >= sizeof tok || ++items > TYPES_MAX) {
            bad(q, "type", "a list of event types or families (gap, encounter, dark, spoofing, ...)");
            return false;
        }
        memcpy(tok, s, n);
        tok[n] = 0;
        bool found = false;
        for (int t = 0; t < LO_EV_COUNT; t++)
            if (!strcmp(tok, lo_event_type_key((lo_event_type)t)) ||
                !strcmp(tok, lo_event_type_family((lo_event_type)t))) {
                *mask |= 1ull << t;
                found = true;
            }
        if (!found) {
            char msg[120];
            snprintf(msg, sizeof msg, "'%.39s' is not an event type or family", tok);
            bad(q, "type", msg);
            return false;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    return true;
}

static enum MHD_Result api_events(req *q, bool geojson)
{
    pic_event_filter f = {.since_ms = param_time(q, "since", LO_TIME_NONE),
                          .limit = param_limit(q, EVENTS_DEFAULT, EVENTS_MAX),
                          .geojson = geojson};
    param_event_types(q, &f.types);
    const char *m = param(q, "mmsi");
    if (m && (!parse_mmsi(m, strlen(m), &f.mmsi) || f.mmsi == 0))
        bad(q, "mmsi", "1-9 digits, not 0"); /* 0 means no filter here */
    if (q->bad)
        return send_error(q->c, q->h, 400, "bad_request", q->bad);
    jbuf b;
    jb_init(&b, BODY_MAX);
    jb_puts(&b, geojson ? "{\"type\":\"FeatureCollection\",\"features\":[" : "{\"events\":[");
    uint32_t n = pic_events_write(q->h->ctx.pic, &f, &b);
    jb_puts(&b, "],\"count\":");
    jb_u64(&b, n);
    jb_puts(&b, "}");
    return send_jbuf(q->c, q->h, &b, geojson ? "application/geo+json" : "application/json");
}

/* ---- stats and metrics ---- */

typedef struct snap {
    live_stats ls;
    lq_stats qs;
    sse_stats ss;
    uint32_t vessels, events;
    uint64_t refused;
} snap;

static void take_snap(srv_http *h, snap *s)
{
    live_get_stats(h->ctx.live, &s->ls);
    lq_get_stats(h->ctx.q, &s->qs);
    sse_get_stats(h->ctx.sse, &s->ss);
    s->vessels = pic_count(h->ctx.pic);
    s->events = pic_event_count(h->ctx.pic);
    s->refused = pic_refused(h->ctx.pic);
}

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

static void kv_u(jbuf *b, const char *k, uint64_t v)
{
    jb_putc(b, '"');
    jb_puts(b, k);
    jb_puts(b, "\":");
    jb_u64(b, v);
    jb_putc(b, ',');
}

static void stats_json(srv_http *h, jbuf *b)
{
    snap *s = malloc(sizeof *s);
    if (!s) {
        b->overflow = true;
        return;
    }
    take_snap(h, s);
    jb_puts(b, "{\"uptime_s\":");
    jb_fixed(b, (int64_t)((srv_mono_s() - h->started) * 1000), 3);
    jb_puts(b, ",\"data_time\":");
    if (s->ls.data_time_ms != LO_TIME_NONE)
        jb_jtime(b, s->ls.data_time_ms);
    else
        jb_puts(b, "null");
    jb_puts(b, ",\"sources\":[");
    for (int i = 0; i < h->ctx.nsrc; i++) {
        srv_source *src = &h->ctx.src[i];
        const live_src_stats *ls = &s->ls.src[i];
        uint64_t dropped = LD(src->dropped);
        if (i)
            jb_putc(b, ',');
        jb_puts(b, "{\"name\":");
        jb_jstr(b, src->name);
        jb_puts(b, ",\"kind\":");
        jb_jstr(b, srv_kind_name(src->kind));
        jb_puts(b, ",\"address\":");
        if (src->kind == SRV_REPLAY) {
            jb_jstr(b, src->path);
        } else {
            char a[300];
            snprintf(a, sizeof a, "%s:%s", src->host[0] ? src->host : "127.0.0.1", src->port);
            jb_jstr(b, a);
        }
        jb_puts(b, ",\"port\":");
        if (src->bound_port > 0)
            jb_u64(b, (uint64_t)src->bound_port);
        else
            jb_puts(b, "null");
        jb_puts(b, LD(src->up) ? ",\"up\":true," : ",\"up\":false,");
        if (src->kind == SRV_REPLAY)
            jb_puts(b, LD(src->done) ? "\"done\":true," : "\"done\":false,");
        /* received counts a line with two sentences twice (as the rest do) */
        kv_u(b, "received", LD(src->received) + ls->extra_sentences);
        kv_u(b, "decoded", ls->decoded);
        kv_u(b, "rejected", ls->rejected);
        kv_u(b, "other", ls->other);
        kv_u(b, "dropped", dropped);
        /* lines still in the queue, not yet taken by the pipeline */
        uint64_t rec = LD(src->received), taken = ls->lines + dropped;
        kv_u(b, "queued", rec > taken ? rec - taken : 0);
        kv_u(b, "pending", ls->pending);
        kv_u(b, "messages", ls->messages);
        kv_u(b, "untimed", ls->untimed);
        kv_u(b, "bytes", LD(src->bytes));
        if (src->kind == SRV_UDP) {
            kv_u(b, "datagrams", LD(src->datagrams));
            kv_u(b, "kernel_dropped_datagrams", srv_ingest_udp_kernel_drops(h->ctx.ingest, i));
        }
        if (src->kind == SRV_TCP_LISTEN || src->kind == SRV_TCP_CONNECT)
            kv_u(b, "connections", LD(src->connections));
        if (src->kind == SRV_TCP_LISTEN) {
            kv_u(b, "refused_connections", LD(src->refused));
            kv_u(b, "idle_closed", LD(src->closed_idle));
        }
        if (src->kind == SRV_TCP_CONNECT)
            kv_u(b, "connect_failures", LD(src->connect_failures));
        jb_puts(b, "\"last_data\":");
        if (ls->last_data_ms != LO_TIME_NONE)
            jb_jtime(b, ls->last_data_ms);
        else
            jb_puts(b, "null");
        jb_puts(b, ",\"rejected_by_reason\":{");
        bool first = true;
        for (int r = 1; r < LO_REJECT_COUNT; r++) {
            if (!ls->reject[r])
                continue;
            if (!first)
                jb_putc(b, ',');
            first = false;
            jb_jstr(b, lo_reject_key((lo_reject)r));
            jb_putc(b, ':');
            jb_u64(b, ls->reject[r]);
        }
        jb_puts(b, "},\"by_type\":{");
        first = true;
        for (int t = 0; t < 28; t++) {
            if (!ls->by_type[t])
                continue;
            if (!first)
                jb_putc(b, ',');
            first = false;
            jb_printf(b, "\"%d\":", t);
            jb_u64(b, ls->by_type[t]);
        }
        jb_puts(b, "}}");
    }
    const lo_tracker_stats *t = &s->ls.tracker;
    jb_puts(b, "],\"queue\":{");
    kv_u(b, "capacity_bytes", s->qs.capacity);
    kv_u(b, "used_bytes", s->qs.used);
    jb_puts(b, "\"peak_bytes\":");
    jb_u64(b, s->qs.peak);
    jb_puts(b, "},\"pipeline\":{");
    kv_u(b, "streams_open", s->ls.streams_open);
    kv_u(b, "positions_published", s->ls.positions_published);
    kv_u(b, "events_published", s->ls.events_published);
    kv_u(b, "seeded_vessels", s->ls.seeded_vessels);
    jb_puts(b, "\"detect_wait_s\":");
    jb_fixed(b, (int64_t)(s->ls.detect_wait_s * 1000), 3);
    jb_puts(b, ",\"commit_s\":");
    jb_fixed(b, (int64_t)(s->ls.commit_s * 1000), 3);
    jb_puts(b, ",\"busy_s\":");
    jb_fixed(b, (int64_t)(s->ls.busy_s * 1000), 3);
    jb_puts(b, "},\"tracker\":{");
    kv_u(b, "messages", t->messages);
    kv_u(b, "reports", t->reports);
    kv_u(b, "duplicates", t->duplicates);
    kv_u(b, "points", t->points);
    kv_u(b, "no_position", t->no_position);
    kv_u(b, "bad_position", t->bad_position);
    kv_u(b, "zero_position", t->zero_position);
    kv_u(b, "segments", t->segments);
    kv_u(b, "identity_changes", t->identity_changes);
    kv_u(b, "evicted", t->evicted);
    kv_u(b, "vessels", t->vessels);
    kv_u(b, "errors", s->ls.tracker_errors);
    jb_puts(b, "\"memory_bytes\":");
    jb_u64(b, t->memory_bytes);
    jb_puts(b, "},\"picture\":{");
    kv_u(b, "vessels", s->vessels);
    kv_u(b, "refused", s->refused);
    jb_puts(b, "\"events\":");
    jb_u64(b, s->events);
    jb_puts(b, "},\"detector\":");
    if (s->ls.has_detect) {
        const lo_detect_stats *d = &s->ls.detect;
        jb_puts(b, "{\"events\":{");
        bool first = true;
        for (int e = 0; e < LO_EV_COUNT; e++) {
            if (!first)
                jb_putc(b, ',');
            first = false;
            jb_jstr(b, lo_event_type_key((lo_event_type)e));
            jb_putc(b, ':');
            jb_u64(b, d->events[e]);
        }
        jb_puts(b, "},");
        kv_u(b, "opened", d->opened);
        kv_u(b, "points", d->points);
        kv_u(b, "tracked_vessels", d->tracked_vessels);
        kv_u(b, "open_pairs", d->open_pairs);
        kv_u(b, "peak_open_pairs", d->peak_open_pairs);
        kv_u(b, "pairs_dropped", d->pairs_dropped);
        kv_u(b, "shore_lookups", d->shore_lookups);
        kv_u(b, "port_lookups", d->port_lookups);
        kv_u(b, "zone_lookups", d->zone_lookups);
        kv_u(b, "land_lookups", d->land_lookups);
        jb_puts(b, "\"memory_bytes\":");
        jb_u64(b, d->memory_bytes);
        jb_putc(b, '}');
    } else {
        jb_puts(b, "null");
    }
    const lo_store_stats *st = &s->ls.store;
    jb_puts(b, ",\"store\":{");
    kv_u(b, "points", st->points);
    kv_u(b, "points_new", st->points_new);
    kv_u(b, "identity_new", st->identity_new);
    kv_u(b, "vessel_writes", st->vessel_writes);
    kv_u(b, "commits", st->commits);
    kv_u(b, "refused", st->refused);
    kv_u(b, "track_queries", LD(h->track_queries));
    jb_puts(b, "\"error\":");
    jb_jstr(b, s->ls.store_error[0] ? s->ls.store_error : NULL);
    jb_puts(b, "},\"stream\":{");
    kv_u(b, "clients", s->ss.clients);
    kv_u(b, "joined", s->ss.joined);
    kv_u(b, "refused", s->ss.refused);
    kv_u(b, "dropped_slow", s->ss.dropped);
    kv_u(b, "records", s->ss.records);
    jb_puts(b, "\"bytes\":");
    jb_u64(b, s->ss.bytes);
    jb_puts(b, "},\"http\":{");
    kv_u(b, "requests", LD(h->requests));
    for (int c = 2; c <= 5; c++) {
        char k[8];
        snprintf(k, sizeof k, "%dxx", c);
        kv_u(b, k, LD(h->status[c]));
    }
    b->len--; /* the last comma */
    jb_puts(b, "}}");
    free(s);
}

/* Prometheus label value: \ " and newline escaped. */
static void prom_label(jbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            jb_putc(b, '\\'), jb_putc(b, *s);
        else if (*s == '\n')
            jb_puts(b, "\\n");
        else
            jb_putc(b, *s);
    }
}

static void prom_head(jbuf *b, const char *name, const char *type, const char *help)
{
    jb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_src(jbuf *b, const char *name, const srv_source *src, uint64_t v)
{
    jb_puts(b, name);
    jb_puts(b, "{source=\"");
    prom_label(b, src->name);
    jb_puts(b, "\"} ");
    jb_u64(b, v);
    jb_putc(b, '\n');
}

static void prom_val(jbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
    prom_head(b, name, type, help);
    jb_puts(b, name);
    jb_putc(b, ' ');
    jb_u64(b, v);
    jb_putc(b, '\n');
}

static void metrics_text(srv_http *h, jbuf *b)
{
    snap *s = malloc(sizeof *s);
    if (!s) {
        b->overflow = true;
        return;
    }
    take_snap(h, s);
    static const struct {
        const char *name, *help;
        int which;
    } per[] = {
        {"lookout_source_received_lines_total", "Lines received from the source.", 0},
        {"lookout_source_decoded_lines_total", "Lines that were part of a decoded message.", 1},
        {"lookout_source_rejected_lines_total", "Lines refused (or part of a refused message).", 2},
        {"lookout_source_other_lines_total", "Lines that are not AIS (other NMEA, comments, headers).", 3},
        {"lookout_source_dropped_lines_total", "Lines dropped because the queue was full.", 4},
        {"lookout_source_messages_total", "Messages decoded.", 5},
        {"lookout_source_bytes_total", "Bytes received.", 6},
        {"lookout_source_pending_lines", "Fragments waiting for the rest of their message.", 7},
    };
    for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
        prom_head(b, per[k].name, per[k].which == 7 ? "gauge" : "counter", per[k].help);
        for (int i = 0; i < h->ctx.nsrc; i++) {
            const srv_source *src = &h->ctx.src[i];
            const live_src_stats *ls = &s->ls.src[i];
            uint64_t v = 0;
            switch (per[k].which) {
            case 0: v = LD(src->received) + ls->extra_sentences; break;
            case 1: v = ls->decoded; break;
            case 2: v = ls->rejected; break;
            case 3: v = ls->other; break;
            case 4: v = LD(src->dropped); break;
            case 5: v = ls->messages; break;
            case 6: v = LD(src->bytes); break;
            default: v = ls->pending; break;
            }
            prom_src(b, per[k].name, src, v);
        }
    }
    prom_head(b, "lookout_source_rejects_total", "counter", "Rejects by reason.");
    for (int i = 0; i < h->ctx.nsrc; i++)
        for (int r = 1; r < LO_REJECT_COUNT; r++) {
            if (!s->ls.src[i].reject[r])
                continue;
            jb_puts(b, "lookout_source_rejects_total{source=\"");
            prom_label(b, h->ctx.src[i].name);
            jb_printf(b, "\",reason=\"%s\"} ", lo_reject_key((lo_reject)r));
            jb_u64(b, s->ls.src[i].reject[r]);
            jb_putc(b, '\n');
        }
    prom_head(b, "lookout_source_up", "gauge", "1 while the source is listening, connected or replaying.");
    for (int i = 0; i < h->ctx.nsrc; i++)
        prom_src(b, "lookout_source_up", &h->ctx.src[i], (uint64_t)LD(h->ctx.src[i].up));
    prom_head(b, "lookout_udp_kernel_dropped_datagrams_total", "counter",
              "Datagrams the socket buffer had no room for (SO_RXQ_OVFL).");
    for (int i = 0; i < h->ctx.nsrc; i++)
        if (h->ctx.src[i].kind == SRV_UDP)
            prom_src(b, "lookout_udp_kernel_dropped_datagrams_total", &h->ctx.src[i],
                     srv_ingest_udp_kernel_drops(h->ctx.ingest, i));
    prom_val(b, "lookout_queue_used_bytes", "gauge", "Bytes waiting in the ingest queue.", s->qs.used);
    prom_val(b, "lookout_queue_capacity_bytes", "gauge", "Size of the ingest queue.", s->qs.capacity);
    prom_val(b, "lookout_vessels", "gauge", "Vessels in the picture.", s->vessels);
    prom_val(b, "lookout_tracker_reports_total", "counter", "Messages taken by the tracker.", s->ls.tracker.reports);
    prom_val(b, "lookout_tracker_duplicates_total", "counter", "Duplicate messages dropped.",
             s->ls.tracker.duplicates);
    prom_val(b, "lookout_tracker_points_total", "counter", "Positions accepted.", s->ls.tracker.points);
    prom_val(b, "lookout_tracker_memory_bytes", "gauge", "Tracker memory.", s->ls.tracker.memory_bytes);
    prom_val(b, "lookout_store_points_total", "counter", "Positions handed to the store.", s->ls.store.points);
    prom_val(b, "lookout_store_commits_total", "counter", "Store transactions.", s->ls.store.commits);
    prom_val(b, "lookout_store_ok", "gauge", "0 once the store failed.", s->ls.store_error[0] ? 0 : 1);
    if (s->ls.has_detect) {
        prom_head(b, "lookout_events_total", "counter", "Events closed or ongoing, by type.");
        for (int e = 0; e < LO_EV_COUNT; e++)
            jb_printf(b, "lookout_events_total{type=\"%s\"} %llu\n", lo_event_type_key((lo_event_type)e),
                      (unsigned long long)s->ls.detect.events[e]);
        prom_val(b, "lookout_detector_memory_bytes", "gauge", "Detector memory.", s->ls.detect.memory_bytes);
    }
    prom_val(b, "lookout_stream_clients", "gauge", "Clients on /api/stream.", s->ss.clients);
    prom_val(b, "lookout_stream_dropped_clients_total", "counter", "Stream clients dropped for falling behind.",
             s->ss.dropped);
    prom_val(b, "lookout_stream_records_total", "counter", "Records written to the stream.", s->ss.records);
    prom_val(b, "lookout_http_requests_total", "counter", "HTTP requests.", LD(h->requests));
    prom_head(b, "lookout_http_responses_total", "counter", "HTTP responses by status class.");
    for (int c = 2; c <= 5; c++)
        jb_printf(b, "lookout_http_responses_total{code=\"%dxx\"} %llu\n", c, (unsigned long long)LD(h->status[c]));
    free(s);
}

/* ---- the live stream ---- */

typedef struct stream_state {
    sse_client *c;
    bool greeted;
    double last_send;
} stream_state;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state *s = cls;
    if (!s->greeted) {
        static const char hello[] = "retry: 3000\n: lookout live stream\n\n";
        s->greeted = true;
        size_t n = sizeof hello - 1 < max ? sizeof hello - 1 : max;
        memcpy(buf, hello, n);
        s->last_send = srv_mono_s();
        return (ssize_t)n;
    }
    for (;;) {
        long n = sse_read(s->c, buf, max, 1000);
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n > 0) {
            s->last_send = srv_mono_s();
            return n;
        }
        if (srv_mono_s() - s->last_send >= SSE_PING_S && max >= 8) {
            memcpy(buf, ": ping\n\n", 8);
            s->last_send = srv_mono_s();
            return 8;
        }
    }
}

static void stream_free(void *cls)
{
    stream_state *s = cls;
    sse_leave(s->c);
    free(s);
}

static enum MHD_Result api_stream(req *q)
{
    int kinds = SSE_POSITION | SSE_EVENT;
    const char *p = param(q, "positions");
    if (p && (!strcmp(p, "0") || !strcmp(p, "false")))
        kinds &= ~SSE_POSITION;
    p = param(q, "events");
    if (p && (!strcmp(p, "0") || !strcmp(p, "false")))
        kinds &= ~SSE_EVENT;
    if (q->bad)
        return send_error(q->c, q->h, 400, "bad_request", q->bad);
    stream_state *s = calloc(1, sizeof *s);
    if (!s)
        return send_error(q->c, q->h, 500, "no_memory", "out of memory");
    s->c = sse_join(q->h->ctx.sse, kinds);
    if (!s->c) {
        free(s);
        return send_error(q->c, q->h, 503, "too_many_streams", "too many live stream clients");
    }
    struct MHD_Response *r =
        srv_mhd.MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, s, stream_free);
    if (!r) {
        stream_free(s);
        return MHD_NO;
    }
    srv_mhd.MHD_add_response_header(r, "Content-Type", "text/event-stream");
    srv_mhd.MHD_add_response_header(r, "Cache-Control", "no-store");
    srv_mhd.MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result rc = srv_mhd.MHD_queue_response(q->c, 200, r);
    srv_mhd.MHD_destroy_response(r);
    atomic_fetch_add(&q->h->status[2], 1);
    return rc;
}

/* ---- static files ---- */

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".geojson", "application/geo+json"},
        {".topojson", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

/* A path the web directory may serve: letters, digits, '.', '_', '-', '/';
 * no empty, '.'-led (hidden, '..') segment. */
static bool safe_path(const char *url)
{
    if (url[0] != '/' || strlen(url) > 512)
        return false;
    bool seg_start = true;
    for (const char *p = url + 1; *p; p++) {
        char ch = *p;
        if (ch == '/') {
            if (seg_start)
                return false;
            seg_start = true;
            continue;
        }
        if (seg_start && ch == '.')
            return false;
        seg_start = false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static enum MHD_Result static_file(req *q, const char *url)
{
    srv_http *h = q->h;
    if (!safe_path(url))
        return send_error(q->c, h, 404, "not_found", "no such file");
    char path[4800];
    size_t ul = strlen(url);
    bool dir = url[ul - 1] == '/';
    snprintf(path, sizeof path, "%s%s%s", h->cfg.web_dir, url, dir ? "index.html" : "");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        if (dir && ul == 1)
            return send_error(q->c, h, 404, "no_web_map",
                              "the web map is not built (see docs/server.md: the web build writes it into the "
                              "--web directory); the API is under /api/");
        return send_error(q->c, h, 404, "not_found", "no such file");
    }
    struct MHD_Response *r = srv_mhd.MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    const char *type = content_type(dir ? "index.html" : url);
    srv_mhd.MHD_add_response_header(r, "Content-Type", type);
    srv_mhd.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    srv_mhd.MHD_add_response_header(r, "Cache-Control", strstr(type, "html") ? "no-cache" : "max-age=3600");
    enum MHD_Result rc = srv_mhd.MHD_queue_response(q->c, 200, r);
    srv_mhd.MHD_destroy_response(r);
    atomic_fetch_add(&h->status[2], 1);
    return rc;
}

/* ---- dispatch ---- */

static bool token_ok(srv_http *h, struct MHD_Connection *c)
{
    const char *want = h->cfg.token;
    const char *got = NULL;
    const char *auth = srv_mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7))
        got = auth + 7;
    if (!got) /* EventSource cannot set headers */
        got = srv_mhd.MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (!got)
        got = srv_mhd.MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token");
    if (!got)
        return false;
    size_t wl = strlen(want), gl = strlen(got);
    unsigned diff = (unsigned)(wl ^ gl);
    for (size_t i = 0; i < gl; i++) /* time independent of where they differ */
        diff |= (unsigned)(unsigned char)got[i] ^ (unsigned char)want[i % (wl ? wl : 1)];
    return diff == 0;
}

static bool has_prefix(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

static enum MHD_Result route(req *q, const char *url)
{
    if (!strcmp(url, "/api/vessels"))
        return api_vessels(q, false);
    if (!strcmp(url, "/api/vessels.geojson"))
        return api_vessels(q, true);
    if (has_prefix(url, "/api/vessels/")) {
        const char *m = url + strlen("/api/vessels/");
        size_t n = strcspn(m, "/.");
        uint32_t mmsi;
        if (!parse_mmsi(m, n, &mmsi))
            return send_error(q->c, q->h, 400, "bad_request", "the MMSI is 1-9 digits");
        const char *rest = m + n;
        if (!*rest)
            return api_vessel(q, mmsi);
        if (!strcmp(rest, "/track"))
            return api_track(q, mmsi, false);
        if (!strcmp(rest, "/track.geojson"))
            return api_track(q, mmsi, true);
        return send_error(q->c, q->h, 404, "not_found", "no such API path");
    }
    if (!strcmp(url, "/api/events"))
        return api_events(q, false);
    if (!strcmp(url, "/api/events.geojson"))
        return api_events(q, true);
    if (!strcmp(url, "/api/stats")) {
        jbuf b;
        jb_init(&b, 4u << 20);
        stats_json(q->h, &b);
        return send_jbuf(q->c, q->h, &b, "application/json");
    }
    if (!strcmp(url, "/api/stream"))
        return api_stream(q);
    if (!strcmp(url, "/api/health")) {
        jbuf b;
        jb_init(&b, 256);
        jb_puts(&b, "{\"ok\":true}");
        return send_jbuf(q->c, q->h, &b, "application/json");
    }
    if (!strcmp(url, "/metrics")) {
        jbuf b;
        jb_init(&b, 4u << 20);
        metrics_text(q->h, &b);
        if (b.overflow) {
            jb_free(&b);
            return send_error(q->c, q->h, 500, "too_large", "metrics too large");
        }
        size_t len;
        char *p = jb_take(&b, &len);
        if (!p)
            return send_error(q->c, q->h, 500, "no_memory", "out of memory");
        return send_body(q->c, q->h, 200, "text/plain; version=0.0.4; charset=utf-8", p, len);
    }
    if (has_prefix(url, "/api/") || !strcmp(url, "/api"))
        return send_error(q->c, q->h, 404, "not_found", "no such API path (docs/server.md lists them)");
    return static_file(q, url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    (void)version, (void)upload_data;
    srv_http *h = cls;
    static int marker;
    if (!*con_cls) {
        *con_cls = &marker;
        atomic_fetch_add(&h->requests, 1);
        if (strcmp(method, "GET") && strcmp(method, "HEAD"))
            return send_error(c, h, 405, "method_not_allowed", "only GET and HEAD");
        if (*upload_data_size == 0) {
            /* GET without a body: answer now (below) */
        } else {
            return send_error(c, h, 413, "body_not_allowed", "GET takes no body");
        }
    } else if (*upload_data_size) {
        *upload_data_size = 0; /* a body after an answer was queued: discard */
        return MHD_YES;
    }
    req q = {.c = c, .h = h};
    if (h->cfg.token && (has_prefix(url, "/api/") || !strcmp(url, "/metrics")) && !token_ok(h, c))
        return send_error(c, h, 401, "unauthorized", "this server wants a bearer token (Authorization: Bearer T)");
    return route(&q, url);
}

static void on_error_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls, (void)fmt, (void)ap; /* libmicrohttpd's own messages: not for the service log */
}

const char *http_load(void) { return srv_mhd_load(); }

srv_http *http_start(const http_config *cfg, const http_ctx *ctx, char *err, size_t errlen)
{
    const char *why = srv_mhd_load();
    if (why) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    srv_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    h->ctx = *ctx;
    h->started = srv_mono_s();
    pthread_mutex_init(&h->rmu, NULL);
    const char *host = cfg->host && cfg->host[0] ? cfg->host : "127.0.0.1";
    const char *port = cfg->port && cfg->port[0] ? cfg->port : "8080";
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    int gr = getaddrinfo(host, port, &hints, &res);
    if (gr) {
        snprintf(err, errlen, "--http %s:%s: %s", host, port, gai_strerror(gr));
        free(h);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (res->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->d = srv_mhd.MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
                                    MHD_OPTION_SOCK_ADDR, res->ai_addr,
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned)(cfg->max_conns ? cfg->max_conns : 256),
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->timeout_s ? cfg->timeout_s : 30),
                                    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                                    MHD_OPTION_EXTERNAL_LOGGER, on_error_log, NULL,
                                    MHD_OPTION_END);
    freeaddrinfo(res);
    if (!h->d) {
        snprintf(err, errlen, "--http %s:%s: cannot listen (in use, or no such address)", host, port);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = srv_mhd.MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : -1;
    return h;
}

int http_port(const srv_http *h) { return h->port; }

void http_stop(srv_http *h)
{
    if (!h)
        return;
    srv_mhd.MHD_quiesce_daemon(h->d); /* stop accepting */
    sse_close(h->ctx.sse);            /* streams end */
    srv_mhd.MHD_stop_daemon(h->d);    /* waits for the connection threads */
    for (int i = 0; i < h->nreaders; i++)
        lo_store_close(h->readers[i]);
    pthread_mutex_destroy(&h->rmu);
    free(h);
}
