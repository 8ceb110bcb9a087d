/* live.h - the pipeline thread: queued lines -> stream decoder (one
 * reassembly stream per connection) -> decoder -> tracker -> detectors and
 * SQLite store; every change is copied into the picture (for HTTP) and the
 * live stream. The only thread that touches the tracker, detector and the
 * writing store handle. The store commits once a second; a slow disk makes
 * this thread wait, the queue fills and ingest drops (counted), it never
 * waits itself.
 *
 * Line accounting per source (docs/server.md): every line taken from the
 * queue ends as decoded (it was part of a decoded message), rejected (the
 * line, or a message it was part of, was refused), other (not AIS: other
 * NMEA, comments, header lines) or pending (a fragment waiting for the rest
 * of its message); a line carrying two sentences counts twice. */
#ifndef LOOKOUT_SRV_LIVE_H
#define LOOKOUT_SRV_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "lookout/detect.h"
#include "lookout/store.h"
#include "lookout/stream.h"
#include "lookout/tracker.h"
#include "picture.h"
#include "queue.h"
#include "source.h"
#include "sse.h"

typedef struct live_config {
    const char *db;
    lo_store_config store;
    lo_tracker_config tracker;
    const lo_detect_config *detect; /* NULL: detectors off */
    lo_detect_env env;
    int64_t stream_interval_ms;     /* a vessel's position goes to the live stream at most this often */
    int64_t commit_interval_ms;     /* the store commits this often (default 1000) */
} live_config;

typedef struct live_src_stats {
    uint64_t lines;           /* taken from the queue */
    uint64_t extra_sentences; /* second and later sentences of one line */
    uint64_t decoded, rejected, other, pending; /* lines, as above */
    uint64_t messages;        /* decoded messages */
    uint64_t untimed;         /* decoded but no time known yet (not tracked) */
    uint64_t reject[LO_REJECT_COUNT]; /* rejects by reason (lines, or messages for reassembly reasons) */
    uint64_t by_type[28];
    int64_t last_data_ms;
} live_src_stats;

typedef struct live_stats {
    int nsrc;
    live_src_stats src[SRV_MAX_SOURCES];
    lo_tracker_stats tracker;
    bool has_detect;
    lo_detect_stats detect;
    double detect_wait_s;     /* pipeline time spent waiting for the detector thread */
    lo_store_stats store;
    char store_error[256];    /* "" while the store is fine */
    uint64_t tracker_errors;
    uint64_t events_published, positions_published;
    uint64_t seeded_vessels;  /* read back from the store at start */
    int64_t data_time_ms;     /* the latest report time */
    uint32_t streams_open;
    double busy_s;            /* time spent processing (not waiting for lines) */
    double commit_s;          /* of which waiting for the store's commit (the disk) */
} live_stats;

typedef struct live live;

/* Opens the store, reads the vessels it holds into the picture, creates the
 * tracker and detector. NULL (and *err) on failure. */
live *live_create(const live_config *cfg, srv_source *src, int nsrc, lq *q, picture *pic, sse_hub *sse, char *err,
                  size_t errlen);
int live_start(live *l);
/* The queue must be closed first (lq_close): the rest of it is processed,
 * every connection's reassembly finished, open events reported as ongoing
 * and stored, the store flushed and closed. Returns 0 or the store's error. */
int live_stop(live *l);
void live_destroy(live *l);

void live_get_stats(live *l, live_stats *out);

#endif
