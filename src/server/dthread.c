/* dthread.c - detectors in their own thread (dthread.h). Items are fixed
 * records in a ring; the pipeline fills one under the lock (a memcpy) and
 * the detector thread takes whole runs of them. */
#include "dthread.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

enum { DT_POINT = 1, DT_IDENTITY, DT_VESSEL, DT_EVICT, DT_ADVANCE, DT_FINISH };

typedef struct item {
    int kind;
    int64_t now_ms;
    lo_vessel v;
    union {
        lo_track_point p;
        lo_identity_change c;
    } u;
} item;

struct dt_event {
    dt_event *next;
    lo_event_record r;
    char type[32];
    uint32_t mmsi[LO_EVENT_MAX_VESSELS];
    char *geometry, *parameters, *evidence;
};

struct dthread {
    lo_detector *det;
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t has_items, has_room, idle;
    item *ring;
    size_t cap, head, tail; /* counters; n = head - tail */
    bool busy, finished;
    lo_detect_stats stats;
    double wait_s;          /* pipeline time spent waiting for room */
    pthread_mutex_t emu;
    dt_event *ev_head, **ev_tail;
    item *local;            /* the detector thread's batch */
    size_t local_cap;
};

static void run_item(dthread *t, const item *it)
{
    switch (it->kind) {
    case DT_POINT: lo_detect_on_point(t->det, &it->v, &it->u.p); break;
    case DT_IDENTITY: lo_detect_on_identity(t->det, &it->v, &it->u.c); break;
    case DT_VESSEL: lo_detect_on_vessel(t->det, &it->v); break;
    case DT_EVICT: lo_detect_on_evict(t->det, &it->v); break;
    case DT_ADVANCE: lo_detect_advance(t->det, it->now_ms); break;
    case DT_FINISH: lo_detect_finish(t->det); break;
    }
}

static void *main_fn(void *arg)
{
    dthread *t = arg;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->head == t->tail && !t->finished)
            pthread_cond_wait(&t->has_items, &t->mu);
        if (t->head == t->tail && t->finished)
            break;
        size_t n = 0;
        while (t->tail != t->head && n < t->local_cap)
            t->local[n++] = t->ring[t->tail++ % t->cap];
        t->busy = true;
        pthread_cond_broadcast(&t->has_room);
        pthread_mutex_unlock(&t->mu);
        bool fin = false;
        for (size_t i = 0; i < n; i++) {
            run_item(t, &t->local[i]);
            fin |= t->local[i].kind == DT_FINISH;
        }
        lo_detect_stats s = *lo_detect_get_stats(t->det);
        pthread_mutex_lock(&t->mu);
        t->stats = s;
        t->busy = false;
        pthread_cond_broadcast(&t->idle);
        if (fin)
            break;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

dthread *dthread_create(const lo_detect_config *cfg, const lo_detect_env *env,
                        void (*on_event)(void *ctx, const lo_event *e), void *ctx, size_t capacity)
{
    dthread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = capacity < 256 ? 256 : capacity;
    t->local_cap = 256;
    t->ring = calloc(t->cap, sizeof *t->ring);
    t->local = calloc(t->local_cap, sizeof *t->local);
    lo_detect_callbacks cb = {.ctx = ctx, .on_event = on_event};
    t->det = t->ring && t->local ? lo_detect_create(cfg, env, &cb) : NULL;
    if (!t->det) {
        free(t->ring);
        free(t->local);
        free(t);
        return NULL;
    }
    t->ev_tail = &t->ev_head;
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_init(&t->emu, NULL);
    pthread_cond_init(&t->has_items, NULL);
    pthread_cond_init(&t->has_room, NULL);
    pthread_cond_init(&t->idle, NULL);
    if (pthread_create(&t->th, NULL, main_fn, t)) {
        dthread_destroy(t);
        return NULL;
    }
    t->started = true;
    return t;
}

/* A free item to fill (waits for room); call put() after filling it. */
static item *take(dthread *t)
{
    pthread_mutex_lock(&t->mu);
    if (t->head - t->tail == t->cap) {
        double w0 = srv_mono_s();
        while (t->head - t->tail == t->cap)
            pthread_cond_wait(&t->has_room, &t->mu);
        t->wait_s += srv_mono_s() - w0;
    }
    return &t->ring[t->head % t->cap];
}

static void put(dthread *t)
{
    t->head++;
    /* wake the thread only when it may be asleep: it takes whole runs */
    if (t->head - t->tail == 1 || !t->busy)
        pthread_cond_signal(&t->has_items);
    pthread_mutex_unlock(&t->mu);
}

void dthread_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    dthread *t = ctx;
    item *it = take(t);
    it->kind = DT_POINT;
    it->v = *v;
    it->u.p = *p;
    put(t);
}

void dthread_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    dthread *t = ctx;
    item *it = take(t);
    it->kind = DT_IDENTITY;
    it->v = *v;
    it->u.c = *c;
    put(t);
}

void dthread_vessel(void *ctx, const lo_vessel *v)
{
    dthread *t = ctx;
    item *it = take(t);
    it->kind = DT_VESSEL;
    it->v = *v;
    put(t);
}

void dthread_evict(void *ctx, const lo_vessel *v)
{
    dthread *t = ctx;
    item *it = take(t);
    it->kind = DT_EVICT;
    it->v = *v;
    put(t);
}

void dthread_advance(dthread *t, int64_t now_ms)
{
    item *it = take(t);
    it->kind = DT_ADVANCE;
    it->now_ms = now_ms;
    put(t);
}

void dthread_tracker_callbacks(dthread *t, lo_tracker_callbacks *cb)
{
    cb->ctx = t;
    cb->on_point = dthread_point;
    cb->on_identity = dthread_identity;
    cb->on_vessel = dthread_vessel;
    cb->on_evict = dthread_evict;
}

void dthread_finish(dthread *t)
{
    if (!t->started)
        return;
    item *it = take(t);
    it->kind = DT_FINISH;
    t->finished = true;
    put(t);
    pthread_join(t->th, NULL);
    t->started = false;
}

void dthread_destroy(dthread *t)
{
    if (!t)
        return;
    if (t->started) {
        pthread_mutex_lock(&t->mu);
        t->finished = true;
        pthread_cond_broadcast(&t->has_items);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->th, NULL);
    }
    for (dt_event *e = t->ev_head, *n; e; e = n) {
        n = e->next;
        free(e->geometry);
        free(e->parameters);
        free(e->evidence);
        free(e);
    }
    lo_detect_destroy(t->det);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->emu);
    pthread_cond_destroy(&t->has_items);
    pthread_cond_destroy(&t->has_room);
    pthread_cond_destroy(&t->idle);
    free(t->ring);
    free(t->local);
    free(t);
}

void dthread_stats(dthread *t, lo_detect_stats *out, double *wait_s)
{
    pthread_mutex_lock(&t->mu);
    *out = t->stats;
    *wait_s = t->wait_s;
    pthread_mutex_unlock(&t->mu);
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void dthread_queue_event(dthread *t, const lo_event_record *r)
{
    dt_event *e = calloc(1, sizeof *e);
    if (!e)
        return;
    size_t tl = strlen(r->type);
    if (tl >= sizeof e->type)
        tl = sizeof e->type - 1;
    memcpy(e->type, r->type, tl);
    e->r = *r;
    e->r.type = e->type;
    e->r.nmmsi = r->nmmsi < LO_EVENT_MAX_VESSELS ? r->nmmsi : LO_EVENT_MAX_VESSELS;
    if (e->r.nmmsi)
        memcpy(e->mmsi, r->mmsi, e->r.nmmsi * sizeof *e->mmsi);
    e->r.mmsi = e->mmsi;
    e->r.geometry = e->geometry = dup_or_null(r->geometry);
    e->r.parameters = e->parameters = dup_or_null(r->parameters);
    e->r.evidence = e->evidence = dup_or_null(r->evidence);
    pthread_mutex_lock(&t->emu);
    *t->ev_tail = e;
    t->ev_tail = &e->next;
    pthread_mutex_unlock(&t->emu);
}

size_t dthread_drain_events(dthread *t, lo_store *s)
{
    pthread_mutex_lock(&t->emu);
    dt_event *list = t->ev_head;
    t->ev_head = NULL;
    t->ev_tail = &t->ev_head;
    pthread_mutex_unlock(&t->emu);
    size_t n = 0;
    for (dt_event *e = list, *next; e; e = next, n++) {
        next = e->next;
        lo_store_event(s, &e->r, NULL); /* errors show in lo_store_error */
        free(e->geometry);
        free(e->parameters);
        free(e->evidence);
        free(e);
    }
    return n;
}
