/* source.h - a named ingest source and the counters its ingest thread keeps.
 * Shared by ingest (writes the counters), the pipeline and HTTP (read them);
 * the counters are atomics, everything else is set before threads start. */
#ifndef LOOKOUT_SRV_SOURCE_H
#define LOOKOUT_SRV_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lookout/limits.h"

#define SRV_MAX_SOURCES 32   /* named sources on one command line */
#define SRV_MAX_CONNS 512    /* reassembly streams: one per source, plus one per TCP feeder */
#define SRV_MAX_FEEDERS 128  /* TCP feeders connected at once (all listen sources together) */

typedef enum srv_kind { SRV_UDP, SRV_TCP_CONNECT, SRV_TCP_LISTEN, SRV_REPLAY } srv_kind;
const char *srv_kind_name(srv_kind k);

typedef struct srv_source {
    srv_kind kind;
    char name[LO_MAX_STATION];
    char host[256]; /* "" = the default (127.0.0.1 for listeners... see cmd_serve) */
    char port[16];
    char path[4096];  /* replay */
    double speed;     /* replay: 1 = real time, 0 = as fast as the pipeline takes it */
    double rate;      /* replay: lines/s at speed 1 for lines without a time */
    uint16_t conn;    /* its reassembly stream (UDP, replay, TCP client) */
    int bound_port;   /* the port actually bound (listeners; --udp 0 picks one) */

    /* counted by its ingest thread */
    atomic_uint_fast64_t received;   /* lines (non-empty) read from it */
    atomic_uint_fast64_t dropped;    /* lines refused by the full queue */
    atomic_uint_fast64_t bytes;
    atomic_uint_fast64_t datagrams;  /* UDP */
    atomic_uint_fast64_t connections;      /* TCP: connected (client) or accepted (listener) */
    atomic_uint_fast64_t refused;          /* TCP listener: over the feeder cap */
    atomic_uint_fast64_t closed_idle;      /* TCP listener: feeders closed for silence */
    atomic_uint_fast64_t connect_failures; /* TCP client */
    atomic_int up;                   /* 1: listening / connected / replaying */
    atomic_int done;                 /* replay: the whole file was queued */
} srv_source;

#endif
