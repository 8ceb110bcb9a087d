/* ingest.h - sources -> the line queue. One thread serves UDP sockets, TCP
 * listeners and their feeders (poll); each TCP client source and each file
 * replay has its own thread (a connect or a paced sleep never holds up the
 * others). Lines are cut here (CR, LF, CRLF, or a datagram's end), capped at
 * LO_MAX_LINE (a longer one is queued cut to LO_MAX_LINE + 1 bytes, so the
 * decoder rejects it as too long) and pushed with their arrival time; a full
 * queue drops the line and counts it. Nothing here waits on the pipeline,
 * except the replay, which a file allows. */
#ifndef LOOKOUT_SRV_INGEST_H
#define LOOKOUT_SRV_INGEST_H

#include <stddef.h>

#include "queue.h"
#include "source.h"

typedef struct srv_ingest srv_ingest;

typedef struct srv_ingest_config {
    int feeder_idle_s; /* a TCP feeder silent this long is closed (default 120) */
    int udp_rcvbuf;    /* SO_RCVBUF for UDP sockets (default 8 MiB) */
} srv_ingest_config;

/* Binds every listener now (so errors come before anything runs: *err), then
 * starts the threads. NULL on error. */
srv_ingest *srv_ingest_start(srv_source *src, int nsrc, lq *q, const srv_ingest_config *cfg, char *err,
                             size_t errlen);
/* Stop accepting and reading, close everything, queue an end record for every
 * open connection, join the threads. The counters stay readable until
 * srv_ingest_destroy (HTTP may still ask while the pipeline drains). */
void srv_ingest_stop(srv_ingest *in);
void srv_ingest_destroy(srv_ingest *in);

/* Kernel-level UDP drops (SO_RXQ_OVFL) of source i: datagrams the socket
 * buffer had no room for before we could read them. */
uint64_t srv_ingest_udp_kernel_drops(const srv_ingest *in, int i);

#endif
