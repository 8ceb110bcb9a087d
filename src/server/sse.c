/* sse.c - broadcast ring for server-sent events (sse.h). Records are
 * [u32 length][u32 kind][text], laid into the ring with wrap-around; a
 * client holds the byte position of its next record and how much of that
 * record it has sent. */
#include "sse.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REC_HDR 8u

struct sse_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *ring;
    size_t size;
    uint64_t head; /* bytes written so far */
    uint32_t clients, max_clients, waiters;
    bool closed;
    sse_stats st;
};

struct sse_client {
    sse_hub *h;
    uint64_t pos;  /* next record's start */
    uint32_t off;  /* bytes of that record's text already sent */
    int kinds;
};

sse_hub *sse_create(size_t ring_bytes, uint32_t max_clients)
{
    sse_hub *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->size = ring_bytes < 65536 * 4 ? 65536 * 4 : ring_bytes;
    h->ring = malloc(h->size);
    if (!h->ring) {
        free(h);
        return NULL;
    }
    for (size_t i = 0; i < h->size; i += 4096) /* reserved at start (see queue.c) */
        ((volatile char *)h->ring)[i] = 0;
    h->max_clients = max_clients;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    return h;
}

void sse_destroy(sse_hub *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h->ring);
    free(h);
}

static void ring_write(sse_hub *h, uint64_t at, const void *src, size_t n)
{
    size_t o = (size_t)(at % h->size);
    size_t first = h->size - o < n ? h->size - o : n;
    memcpy(h->ring + o, src, first);
    memcpy(h->ring, (const char *)src + first, n - first);
}

static void ring_read(const sse_hub *h, uint64_t at, void *dst, size_t n)
{
    size_t o = (size_t)(at % h->size);
    size_t first = h->size - o < n ? h->size - o : n;
    memcpy(dst, h->ring + o, first);
    memcpy((char *)dst + first, h->ring, n - first);
}

void sse_publish(sse_hub *h, int kind, const char *json, size_t len)
{
    const char *pre = kind == SSE_EVENT ? "event: event\ndata: " : "event: position\ndata: ";
    size_t plen = strlen(pre);
    uint32_t n = (uint32_t)(plen + len + 2);
    if ((size_t)n + REC_HDR > h->size / 4)
        return; /* never: events are at most 64 KiB */
    uint32_t hdr[2] = {n, (uint32_t)kind};
    pthread_mutex_lock(&h->mu);
    if (!h->closed) {
        ring_write(h, h->head, hdr, REC_HDR);
        ring_write(h, h->head + REC_HDR, pre, plen);
        ring_write(h, h->head + REC_HDR + plen, json, len);
        ring_write(h, h->head + REC_HDR + plen + len, "\n\n", 2);
        h->head += REC_HDR + n;
        h->st.records++;
        h->st.bytes += n;
        if (h->waiters)
            pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
}

void sse_close(sse_hub *h)
{
    pthread_mutex_lock(&h->mu);
    h->closed = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

sse_client *sse_join(sse_hub *h, int kinds)
{
    sse_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_lock(&h->mu);
    if (h->closed || h->clients >= h->max_clients) {
        h->st.refused++;
        pthread_mutex_unlock(&h->mu);
        free(c);
        return NULL;
    }
    h->clients++;
    h->st.joined++;
    c->h = h;
    c->pos = h->head; /* from now on */
    c->kinds = kinds;
    pthread_mutex_unlock(&h->mu);
    return c;
}

void sse_leave(sse_client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->h->mu);
    c->h->clients--;
    pthread_mutex_unlock(&c->h->mu);
    free(c);
}

long sse_read(sse_client *c, char *buf, size_t cap, int wait_ms)
{
    sse_hub *h = c->h;
    pthread_mutex_lock(&h->mu);
    if (c->pos == h->head && !h->closed && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        h->waiters++;
        while (c->pos == h->head && !h->closed)
            if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) == ETIMEDOUT)
                break;
        h->waiters--;
    }
    if (h->closed || h->head - c->pos > h->size) {
        if (!h->closed)
            h->st.dropped++;
        pthread_mutex_unlock(&h->mu);
        return -1;
    }
    size_t got = 0;
    while (c->pos < h->head && got < cap) {
        uint32_t hdr[2];
        ring_read(h, c->pos, hdr, REC_HDR);
        if (!(hdr[1] & (uint32_t)c->kinds)) {
            c->pos += REC_HDR + hdr[0];
            c->off = 0;
            continue;
        }
        size_t n = hdr[0] - c->off;
        if (n > cap - got)
            n = cap - got;
        ring_read(h, c->pos + REC_HDR + c->off, buf + got, n);
        got += n;
        c->off += (uint32_t)n;
        if (c->off == hdr[0]) {
            c->pos += REC_HDR + hdr[0];
            c->off = 0;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return (long)got;
}

void sse_get_stats(sse_hub *h, sse_stats *s)
{
    pthread_mutex_lock(&h->mu);
    *s = h->st;
    s->clients = h->clients;
    pthread_mutex_unlock(&h->mu);
}
