/* dthread.h - the detectors in a thread of their own. The pipeline thread
 * hands each tracker callback over as a copy (vessel record, point, identity
 * change) through a bounded FIFO; the detector thread runs lo_detector on
 * them in the same order, so it sees exactly what it would see inline. When
 * the FIFO is full the pipeline waits (a detector must not miss a report);
 * the line queue in front of the pipeline then absorbs the burst, and ingest
 * drops (counted) if it overflows.
 *
 * Events are raised in the detector thread: they go to the picture and the
 * live stream from there, and to the store through a second list that the
 * pipeline thread (the store's only user) drains (dthread_drain_events). */
#ifndef LOOKOUT_SRV_DTHREAD_H
#define LOOKOUT_SRV_DTHREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lookout/detect.h"
#include "lookout/store.h"

typedef struct dthread dthread;

/* on_event runs in the detector thread (ctx as given). */
dthread *dthread_create(const lo_detect_config *cfg, const lo_detect_env *env,
                        void (*on_event)(void *ctx, const lo_event *e), void *ctx, size_t capacity);
/* The tracker's callbacks for the pipeline thread (ctx = the dthread). */
void dthread_tracker_callbacks(dthread *t, lo_tracker_callbacks *cb);
void dthread_point(void *t, const lo_vessel *v, const lo_track_point *p);
void dthread_identity(void *t, const lo_vessel *v, const lo_identity_change *c);
void dthread_vessel(void *t, const lo_vessel *v);
void dthread_evict(void *t, const lo_vessel *v);
void dthread_advance(dthread *t, int64_t now_ms);
/* Everything handed over so far is processed, then lo_detect_finish; waits. */
void dthread_finish(dthread *t);
void dthread_destroy(dthread *t);

/* The detector's stats as of its last batch. */
void dthread_stats(dthread *t, lo_detect_stats *out, double *wait_s);

/* Store queue: an event as lo_store_event wants it, built in the detector
 * thread, written by the pipeline thread. */
typedef struct dt_event dt_event;
void dthread_queue_event(dthread *t, const lo_event_record *r);
/* Hand every queued event to lo_store_event; returns how many. */
size_t dthread_drain_events(dthread *t, lo_store *s);

#endif
