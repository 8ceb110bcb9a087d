/* sse.h - the live stream (/api/stream): one broadcast ring of server-sent
 * event records, written once by the pipeline whatever the number of
 * clients; each client reads from its own cursor. A client's backlog is
 * bounded by the ring: a client that falls a whole ring behind (it does not
 * read, or reads too slowly) is dropped and counted, and the writer never
 * waits for anyone. */
#ifndef LOOKOUT_SRV_SSE_H
#define LOOKOUT_SRV_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sse_hub sse_hub;
typedef struct sse_client sse_client;

enum { SSE_POSITION = 1, SSE_EVENT = 2 };

/* ring_bytes: each client's backlog limit. NULL when out of memory. */
sse_hub *sse_create(size_t ring_bytes, uint32_t max_clients);
void sse_destroy(sse_hub *h);

/* One record "event: <name>\ndata: <json>\n\n" (json must hold no newline). */
void sse_publish(sse_hub *h, int kind, const char *json, size_t len);
/* Shutting down: every reader returns -1. */
void sse_close(sse_hub *h);

/* kinds: SSE_POSITION | SSE_EVENT wanted. NULL when the hub is full or closed. */
sse_client *sse_join(sse_hub *h, int kinds);
void sse_leave(sse_client *c);
/* Wait up to wait_ms for records; copy at most cap bytes of them (a record
 * may be split over calls). Returns the bytes copied, 0 when there was
 * nothing (send a keep-alive), -1 when the client was dropped or the hub
 * closed (end the response). */
long sse_read(sse_client *c, char *buf, size_t cap, int wait_ms);

typedef struct sse_stats {
    uint32_t clients;
    uint64_t joined, refused, dropped; /* dropped: fell a whole ring behind */
    uint64_t records, bytes;
} sse_stats;
void sse_get_stats(sse_hub *h, sse_stats *s);

#endif
