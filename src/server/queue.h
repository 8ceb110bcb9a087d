/* queue.h - ingest -> pipeline: a bounded FIFO of lines (one byte ring, so
 * memory is fixed whatever the line sizes). Producers never wait: a line
 * that does not fit is refused and the caller counts it as dropped. A few
 * bytes are held back for end-of-connection records, so that the pipeline
 * always learns a connection closed (and finishes its reassembly). The file
 * replay, which can wait without losing anything, has a waiting push. */
#ifndef LOOKOUT_SRV_QUEUE_H
#define LOOKOUT_SRV_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { LQ_LINE = 1, LQ_END = 2 };

/* A record as the consumer sees it (data points into the consumer's copy). */
typedef struct lq_rec {
    uint16_t conn;       /* connection slot: one reassembly stream each */
    uint16_t source;     /* index of the named source */
    uint8_t kind;        /* LQ_LINE, LQ_END */
    uint32_t len;
    int64_t arrival_ms;  /* wall clock when the bytes arrived */
    const char *data;
} lq_rec;

typedef struct lq lq;

/* bytes: ring size (rounded up to 16). NULL when out of memory. */
lq *lq_create(size_t bytes);
void lq_destroy(lq *q);

/* 0, or -1 when it does not fit (the caller counts a drop). */
int lq_push(lq *q, uint16_t conn, uint16_t source, int64_t arrival_ms, const char *data, size_t len);
/* Waits for room (or until closed: -1). */
int lq_push_wait(lq *q, uint16_t conn, uint16_t source, int64_t arrival_ms, const char *data, size_t len);
/* End of a connection: uses the held-back room; -1 only if even that is full. */
int lq_push_end(lq *q, uint16_t conn, uint16_t source);
/* No more pushes; waiting producers and the consumer wake up. */
void lq_close(lq *q);

/* Consumer: copy whole records (at most cap bytes) into out, waiting up to
 * timeout_ms for the first. Returns the bytes copied (0: none yet, or closed
 * and empty: see lq_closed). Walk them with lq_next. */
size_t lq_pop(lq *q, char *out, size_t cap, int timeout_ms);
/* The record at *off in a popped block; false at its end. */
bool lq_next(const char *block, size_t len, size_t *off, lq_rec *r);
bool lq_closed_empty(lq *q);

typedef struct lq_stats {
    size_t capacity, used, peak;
} lq_stats;
void lq_get_stats(lq *q, lq_stats *s);

#endif
