/* queue.c - bounded byte-ring FIFO of lines between ingest and the pipeline
 * (queue.h). Records are 16-byte aligned and never wrap: one that does not
 * fit before the end of the ring starts at 0 after a skip record. */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HDR 16u
#define RESERVE 16384u /* held back for end-of-connection records */
#define LQ_SKIP 0xFF

typedef struct hdr {
    uint32_t len;     /* payload bytes */
    uint16_t conn, source;
    uint8_t kind;
    uint8_t pad[7];
} hdr;
_Static_assert(sizeof(hdr) == HDR, "record header is 16 bytes");

struct lq {
    pthread_mutex_t mu;
    pthread_cond_t readable, writable;
    char *buf;
    size_t size;
    uint64_t head, tail; /* byte counters; used = head - tail */
    size_t peak;
    int waiting_writers;
    bool closed;
};

static size_t rec_size(size_t len) { return (HDR + 8 + len + 15u) & ~(size_t)15u; }

lq *lq_create(size_t bytes)
{
    bytes = (bytes + 15u) & ~(size_t)15u;
    if (bytes < 4 * RESERVE)
        bytes = 4 * RESERVE;
    lq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->buf = malloc(bytes);
    if (!q->buf) {
        free(q);
        return NULL;
    }
    /* touched now: the service's memory is reserved at start, not grown
     * under the first burst (RSS stays flat however the load varies) */
    for (size_t i = 0; i < bytes; i += 4096) /* (a memset after malloc may become calloc: untouched) */
        ((volatile char *)q->buf)[i] = 0;
    q->size = bytes;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->readable, NULL);
    pthread_cond_init(&q->writable, NULL);
    return q;
}

void lq_destroy(lq *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->readable);
    pthread_cond_destroy(&q->writable);
    free(q->buf);
    free(q);
}

/* Space needed for a record of size n at the head (with a skip to 0). */
static size_t need(const lq *q, size_t n)
{
    size_t at = (size_t)(q->head % q->size);
    return q->size - at < n ? q->size - at + n : n;
}

static void put(lq *q, uint16_t conn, uint16_t source, uint8_t kind, int64_t arrival, const char *data, size_t len)
{
    size_t n = rec_size(len);
    size_t at = (size_t)(q->head % q->size);
    if (q->size - at < n) {
        hdr skip = {.len = (uint32_t)(q->size - at), .kind = LQ_SKIP};
        memcpy(q->buf + at, &skip, HDR);
        q->head += q->size - at;
        at = 0;
    }
    hdr h = {.len = (uint32_t)len, .conn = conn, .source = source, .kind = kind};
    memcpy(q->buf + at, &h, HDR);
    memcpy(q->buf + at + HDR, &arrival, 8);
    if (len)
        memcpy(q->buf + at + HDR + 8, data, len);
    q->head += n;
    size_t used = (size_t)(q->head - q->tail);
    if (used > q->peak)
        q->peak = used;
    pthread_cond_signal(&q->readable);
}

int lq_push(lq *q, uint16_t conn, uint16_t source, int64_t arrival_ms, const char *data, size_t len)
{
    size_t n = rec_size(len);
    pthread_mutex_lock(&q->mu);
    int rc = -1;
    if (!q->closed && (size_t)(q->head - q->tail) + need(q, n) + RESERVE <= q->size) {
        put(q, conn, source, LQ_LINE, arrival_ms, data, len);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int lq_push_wait(lq *q, uint16_t conn, uint16_t source, int64_t arrival_ms, const char *data, size_t len)
{
    size_t n = rec_size(len);
    pthread_mutex_lock(&q->mu);
    while (!q->closed && (size_t)(q->head - q->tail) + need(q, n) + RESERVE > q->size) {
        q->waiting_writers++;
        pthread_cond_wait(&q->writable, &q->mu);
        q->waiting_writers--;
    }
    int rc = -1;
    if (!q->closed) {
        put(q, conn, source, LQ_LINE, arrival_ms, data, len);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int lq_push_end(lq *q, uint16_t conn, uint16_t source)
{
    pthread_mutex_lock(&q->mu);
    int rc = -1;
    if ((size_t)(q->head - q->tail) + need(q, rec_size(0)) <= q->size) {
        put(q, conn, source, LQ_END, 0, NULL, 0);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void lq_close(lq *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->readable);
    pthread_cond_broadcast(&q->writable);
    pthread_mutex_unlock(&q->mu);
}

bool lq_closed_empty(lq *q)
{
    pthread_mutex_lock(&q->mu);
    bool r = q->closed && q->head == q->tail;
    pthread_mutex_unlock(&q->mu);
    return r;
}

size_t lq_pop(lq *q, char *out, size_t cap, int timeout_ms)
{
    pthread_mutex_lock(&q->mu);
    if (q->head == q->tail && !q->closed && timeout_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (q->head == q->tail && !q->closed)
            if (pthread_cond_timedwait(&q->readable, &q->mu, &ts) == ETIMEDOUT)
                break;
    }
    size_t got = 0;
    while (q->tail != q->head) {
        size_t at = (size_t)(q->tail % q->size);
        hdr h;
        memcpy(&h, q->buf + at, HDR);
        if (h.kind == LQ_SKIP) {
            q->tail += h.len;
            continue;
        }
        size_t n = rec_size(h.len);
        if (got + n > cap)
            break;
        memcpy(out + got, q->buf + at, n);
        got += n;
        q->tail += n;
    }
    if (got && q->waiting_writers)
        pthread_cond_broadcast(&q->writable);
    pthread_mutex_unlock(&q->mu);
    return got;
}

bool lq_next(const char *block, size_t len, size_t *off, lq_rec *r)
{
    if (*off + HDR + 8 > len)
        return false;
    hdr h;
    memcpy(&h, block + *off, HDR);
    r->conn = h.conn;
    r->source = h.source;
    r->kind = h.kind;
    r->len = h.len;
    memcpy(&r->arrival_ms, block + *off + HDR, 8);
    r->data = block + *off + HDR + 8;
    *off += rec_size(h.len);
    return true;
}

void lq_get_stats(lq *q, lq_stats *s)
{
    pthread_mutex_lock(&q->mu);
    s->capacity = q->size;
    s->used = (size_t)(q->head - q->tail);
    s->peak = q->peak;
    pthread_mutex_unlock(&q->mu);
}
