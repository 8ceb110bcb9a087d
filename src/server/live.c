/* live.c - the pipeline thread (live.h). */
#include "live.h"

#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dthread.h"
#include "lookout/message.h"
#include "vjson.h"

#define POP_BYTES (512u << 10)
#define EVENT_BUF (64u << 10)
#define PUBLISH_EVERY_S 0.05 /* stats copied out for HTTP at most this often */

typedef struct conn {
    lo_stream *stream;
    int src;
} conn;

struct live {
    live_config cfg;
    srv_source *src;
    int nsrc;
    lq *q;
    picture *pic;
    sse_hub *sse;
    lo_store *store;
    lo_tracker_callbacks store_cb;
    lo_tracker *tracker;
    dthread *det;             /* the detectors, in their own thread */
    atomic_uint_fast64_t events_published; /* counted in the detector thread */
    conn conns[SRV_MAX_CONNS];
    lo_report_clock clock[SRV_MAX_SOURCES];
    lo_message msg;
    pthread_t thread;
    bool started;

    /* the line being fed */
    int cur_src;
    const char *cur_line;
    size_t cur_len;
    int64_t cur_arrival;
    uint32_t cur_rejects;     /* rejects of the current line itself */
    uint32_t cur_tag_rejects; /* of which tag-block rejects */

    live_stats st;            /* this thread's */
    pthread_mutex_t mu;
    live_stats shared;        /* the copy HTTP reads */
    double last_publish;
    char *evbuf, *evgeo;
    jbuf pos;                 /* position JSON for the stream */
    double commit_every_s;
    bool store_failed;
    bool finished;
    int rc;
};

/* ---- tracker -> store, detector, picture, stream ---- */

static bool watched(live *l, const lo_vessel *v)
{
    if (!l->cfg.env.watch)
        return false;
    lo_watch_match how = LO_WATCH_NONE;
    lo_watchlist_match(l->cfg.env.watch, v->mmsi, &v->id, &how);
    return how != LO_WATCH_NONE;
}

static void on_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    live *l = ctx;
    /* Picture and stream first: the store or the detector FIFO may make
     * this thread wait (a full batch waits for the writer), the map need not. */
    pic_vessel pv;
    /* the watch-list match changes with identity only: on_vessel sets it */
    if (pic_set(l->pic, v, -1, srv_now_ms(), l->cfg.stream_interval_ms, &pv)) {
        l->pos.len = 0;
        vj_vessel(&l->pos, &pv);
        if (!l->pos.overflow) {
            sse_publish(l->sse, SSE_POSITION, l->pos.p, l->pos.len);
            l->st.positions_published++;
        }
        l->pos.overflow = false;
    }
    l->store_cb.on_point(l->store_cb.ctx, v, p);
    if (l->det)
        dthread_point(l->det, v, p);
}

static void on_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    live *l = ctx;
    l->store_cb.on_identity(l->store_cb.ctx, v, c);
    if (l->det)
        dthread_identity(l->det, v, c);
}

static void on_vessel(void *ctx, const lo_vessel *v)
{
    live *l = ctx;
    l->store_cb.on_vessel(l->store_cb.ctx, v);
    if (l->det)
        dthread_vessel(l->det, v);
    pic_set(l->pic, v, watched(l, v), 0, -1, NULL);
}

static void on_evict(void *ctx, const lo_vessel *v)
{
    live *l = ctx;
    if (l->store_cb.on_evict)
        l->store_cb.on_evict(l->store_cb.ctx, v);
    if (l->det)
        dthread_evict(l->det, v);
    pic_remove(l->pic, v->mmsi);
}

/* ---- detector -> picture, stream, store (in the detector thread) ---- */

static void on_event(void *ctx, const lo_event *e)
{
    live *l = ctx;
    int jl = lo_event_json(e, l->evbuf, EVENT_BUF);
    int gl = lo_event_geojson_feature(e, l->evgeo, EVENT_BUF);
    if (jl < 0 || gl < 0)
        return;
    pic_event_meta m = {.id = e->id, .type = (int)e->type, .start_ms = e->start_ms, .end_ms = e->end_ms};
    for (uint32_t i = 0; i < e->nvessels && m.nmmsi < PIC_EVENT_MAX_MMSI; i++)
        m.mmsi[m.nmmsi++] = e->vessels[i].mmsi;
    pic_event_put(l->pic, &m, l->evbuf, (size_t)jl, l->evgeo, (size_t)gl);
    sse_publish(l->sse, SSE_EVENT, l->evbuf, (size_t)jl);
    atomic_fetch_add_explicit(&l->events_published, 1, memory_order_relaxed);
    /* the store: as lookout detect stores them */
    lo_event_store_buf b;
    lo_event_record rec;
    lo_event_to_record(e, l->evbuf, &b, &rec);
    dthread_queue_event(l->det, &rec); /* the pipeline thread writes it */
}

/* ---- stream -> decoder -> tracker ---- */

static void on_payload(void *ctx, const lo_payload *p)
{
    live *l = ctx;
    live_src_stats *s = &l->st.src[l->cur_src];
    unsigned frags = p->meta.fragments ? p->meta.fragments : 1;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &l->msg, &why)) {
        s->reject[why]++;
        s->rejected += frags;
        return;
    }
    s->decoded += frags;
    s->messages++;
    if (l->msg.type < 28)
        s->by_type[l->msg.type]++;
    l->msg.meta = p->meta;
    srv_source *src = &l->src[l->cur_src];
    if (!l->msg.meta.station[0]) /* the source's name travels with what it heard */
        snprintf(l->msg.meta.station, sizeof l->msg.meta.station, "%s", src->name);
    if (l->msg.meta.rx_time_ms == LO_TIME_NONE && src->kind != SRV_REPLAY)
        l->msg.meta.rx_time_ms = l->cur_arrival; /* a live feed without times: heard now */
    int64_t t = lo_report_clock_time(&l->clock[l->cur_src], &l->msg);
    if (t == LO_TIME_NONE) {
        s->untimed++;
        return;
    }
    s->last_data_ms = t;
    if (t > l->st.data_time_ms)
        l->st.data_time_ms = t;
    if (lo_tracker_update(l->tracker, &l->msg, t) < 0)
        l->st.tracker_errors++;
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    (void)line;
    live *l = ctx;
    live_src_stats *s = &l->st.src[l->cur_src];
    s->reject[why]++;
    bool this_line = l->cur_line && raw >= l->cur_line && raw <= l->cur_line + l->cur_len;
    if (this_line) {
        l->cur_rejects++;
        if (why == LO_REJECT_BAD_TAG_BLOCK || why == LO_REJECT_TAG_BLOCK_CHECKSUM)
            l->cur_tag_rejects++;
        return;
    }
    /* a message in reassembly was dropped: every line it held */
    uint64_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += raw[i] == '\n';
    s->rejected += n;
}

static void feed_line(live *l, conn *c, const lq_rec *r)
{
    live_src_stats *s = &l->st.src[c->src];
    const lo_stats *ss = lo_stream_stats(c->stream);
    uint64_t sent0 = ss->sentences, other0 = ss->other_sentences;
    l->cur_src = c->src;
    l->cur_line = r->data;
    l->cur_len = r->len;
    l->cur_arrival = r->arrival_ms;
    l->cur_rejects = l->cur_tag_rejects = 0;
    s->lines++;
    lo_stream_feed_line(c->stream, r->data, r->len);
    uint64_t dsent = ss->sentences - sent0, dother = ss->other_sentences - other0;
    if (dsent == 0) {
        if (l->cur_rejects)
            s->rejected++;
        else
            s->other++; /* other NMEA, comment, header or lone tag block */
        (void)dother;
    } else {
        s->extra_sentences += dsent - 1;
        /* the sentences' own rejects (a tag block before a good sentence is not one) */
        s->rejected += l->cur_rejects - l->cur_tag_rejects;
    }
    l->cur_line = NULL;
}

static conn *get_conn(live *l, const lq_rec *r)
{
    if (r->conn >= SRV_MAX_CONNS || r->source >= l->nsrc)
        return NULL;
    conn *c = &l->conns[r->conn];
    if (!c->stream) {
        lo_stream_callbacks cb = {.ctx = l, .on_payload = on_payload, .on_reject = on_reject};
        c->stream = lo_stream_create(&cb, l->src[r->source].name);
        c->src = r->source;
        if (c->stream)
            l->st.streams_open++;
    }
    return c->stream ? c : NULL;
}

static void end_conn(live *l, uint16_t id)
{
    if (id >= SRV_MAX_CONNS || !l->conns[id].stream)
        return;
    conn *c = &l->conns[id];
    l->cur_src = c->src;
    l->cur_line = NULL;
    lo_stream_finish(c->stream); /* leftover fragments: incomplete */
    lo_stream_destroy(c->stream);
    c->stream = NULL;
    l->st.streams_open--;
}

static void pending_update(live *l)
{
    for (int i = 0; i < l->nsrc; i++) {
        live_src_stats *s = &l->st.src[i];
        uint64_t in = s->lines + s->extra_sentences, out = s->decoded + s->rejected + s->other;
        s->pending = in > out ? in - out : 0;
    }
}

static void publish(live *l)
{
    pending_update(l);
    l->st.tracker = *lo_tracker_get_stats(l->tracker);
    if (l->det)
        dthread_stats(l->det, &l->st.detect, &l->st.detect_wait_s);
    l->st.events_published = atomic_load_explicit(&l->events_published, memory_order_relaxed);
    l->st.store = *lo_store_get_stats(l->store);
    pthread_mutex_lock(&l->mu);
    l->shared = l->st;
    pthread_mutex_unlock(&l->mu);
    l->last_publish = srv_mono_s();
}

static void check_store(live *l)
{
    int err = lo_store_error(l->store);
    if (err && !l->store_failed) {
        l->store_failed = true;
        l->rc = err;
        snprintf(l->st.store_error, sizeof l->st.store_error, "%s",
                 err == LO_E_STORE ? lo_store_errmsg(l->store) : lo_strerror(err));
        fprintf(stderr, "lookout: store %s: %s (the live picture goes on; nothing more is stored)\n",
                l->cfg.db, l->st.store_error);
    }
}

static void *live_main(void *arg)
{
    live *l = arg;
    char *block = malloc(POP_BYTES);
    if (!block)
        return NULL;
    double last_commit = srv_mono_s();
    for (;;) {
        size_t n = lq_pop(l->q, block, POP_BYTES, 200);
        double t0 = srv_mono_s();
        size_t off = 0;
        lq_rec r;
        while (lq_next(block, n, &off, &r)) {
            if (r.kind == LQ_END) {
                end_conn(l, r.conn);
                continue;
            }
            conn *c = get_conn(l, &r);
            if (c)
                feed_line(l, c, &r);
        }
        if (l->det)
            dthread_drain_events(l->det, l->store);
        double t1 = srv_mono_s();
        l->st.busy_s += t1 - t0;
        if (t1 - last_commit >= l->commit_every_s) {
            last_commit = t1;
            if (l->det && l->st.data_time_ms != LO_TIME_NONE)
                dthread_advance(l->det, l->st.data_time_ms);
            double c0 = srv_mono_s();
            if (!l->store_failed && lo_store_commit(l->store))
                check_store(l);
            check_store(l);
            double c1 = srv_mono_s();
            l->st.commit_s += c1 - c0;
            l->st.busy_s += c1 - c0;
        }
        if (n == 0 || t1 - l->last_publish >= PUBLISH_EVERY_S)
            publish(l);
        if (n == 0 && lq_closed_empty(l->q))
            break;
    }
    free(block);
    return NULL;
}

/* ---- life ---- */

static int seed(void *ctx, const lo_vessel *v)
{
    live *l = ctx;
    pic_set(l->pic, v, watched(l, v), 0, -1, NULL);
    l->st.seeded_vessels++;
    return 0;
}

live *live_create(const live_config *cfg, srv_source *src, int nsrc, lq *q, picture *pic, sse_hub *sse, char *err,
                  size_t errlen)
{
    live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->cfg = *cfg;
    l->src = src;
    l->nsrc = nsrc;
    l->q = q;
    l->pic = pic;
    l->sse = sse;
    l->st.nsrc = nsrc;
    l->commit_every_s = cfg->commit_interval_ms > 0 ? (double)cfg->commit_interval_ms / 1000.0 : 1.0;
    l->st.data_time_ms = LO_TIME_NONE;
    for (int i = 0; i < nsrc; i++) {
        lo_report_clock_init(&l->clock[i], LO_TIME_NONE);
        l->st.src[i].last_data_ms = LO_TIME_NONE;
    }
    pthread_mutex_init(&l->mu, NULL);
    jb_init(&l->pos, 8192);
    l->evbuf = malloc(EVENT_BUF);
    l->evgeo = malloc(EVENT_BUF);
    if (!l->evbuf || !l->evgeo) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char serr[300];
    if (lo_store_open(cfg->db, &cfg->store, &l->store, serr, sizeof serr)) {
        snprintf(err, errlen, "%s: %s", cfg->db, serr);
        goto fail;
    }
    /* resume: the picture as the store left it */
    lo_picture_query pq = {.at_ms = LO_TIME_NONE};
    if (lo_store_vessels(l->store, &pq, seed, l)) {
        snprintf(err, errlen, "%s: %s", cfg->db, lo_store_errmsg(l->store));
        goto fail;
    }
    int64_t last = lo_store_last_time(l->store);
    if (last != LO_TIME_NONE)
        l->st.data_time_ms = last;
    lo_store_callbacks(l->store, &l->store_cb);
    if (cfg->detect) {
        l->det = dthread_create(cfg->detect, &cfg->env, on_event, l, 8192);
        if (!l->det) {
            snprintf(err, errlen, "cannot create the detectors (out of memory or a bad configuration)");
            goto fail;
        }
        l->st.has_detect = true;
    }
    lo_tracker_callbacks tcb = {
        .ctx = l, .on_point = on_point, .on_identity = on_identity, .on_vessel = on_vessel, .on_evict = on_evict};
    l->tracker = lo_tracker_create(&cfg->tracker, &tcb);
    if (!l->tracker) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    publish(l);
    return l;
fail:
    live_destroy(l);
    return NULL;
}

int live_start(live *l)
{
    if (pthread_create(&l->thread, NULL, live_main, l))
        return -1;
    l->started = true;
    return 0;
}

int live_stop(live *l)
{
    if (l->started) {
        pthread_join(l->thread, NULL);
        l->started = false;
    }
    for (uint16_t i = 0; i < SRV_MAX_CONNS; i++)
        end_conn(l, i);
    if (l->det && !l->finished) {
        dthread_finish(l->det); /* what was handed over, then open events as they stand */
        l->finished = true;
        if (l->store)
            dthread_drain_events(l->det, l->store);
    }
    int rc = 0;
    if (l->store) {
        check_store(l);
        if (lo_store_sync(l->store) && !rc)
            rc = -1;
        publish(l);
        if (lo_store_close(l->store) && !rc)
            rc = -1;
        l->store = NULL;
    }
    if (l->rc)
        rc = -1;
    return rc;
}

void live_destroy(live *l)
{
    if (!l)
        return;
    if (l->started)
        live_stop(l);
    for (uint16_t i = 0; i < SRV_MAX_CONNS; i++)
        if (l->conns[i].stream)
            lo_stream_destroy(l->conns[i].stream);
    lo_store_close(l->store);
    lo_tracker_destroy(l->tracker);
    dthread_destroy(l->det);
    free(l->evbuf);
    free(l->evgeo);
    jb_free(&l->pos);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void live_get_stats(live *l, live_stats *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->shared;
    pthread_mutex_unlock(&l->mu);
}
