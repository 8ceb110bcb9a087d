/* testutil_detect.h - what the detector unit tests share: a log of the events
 * a detector raised, look-ups in it, and a vessel record to feed it. */
#ifndef LOOKOUT_TESTUTIL_DETECT_H
#define LOOKOUT_TESTUTIL_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "lookout/detect.h"
#include "lookout/tracker.h"

#define TU_MAX_EVENTS 64

/* Every event raised (the first TU_MAX_EVENTS), as lo_detect_callbacks.on_event
 * gets them: pass tu_on_event with the log as ctx. */
typedef struct tu_events {
    int n;
    lo_event ev[TU_MAX_EVENTS];
} tu_events;

void tu_on_event(void *ctx, const lo_event *e);
/* Events of type t (any state, or state s). */
int tu_events_count(const tu_events *c, lo_event_type t);
int tu_events_count_state(const tu_events *c, lo_event_type t, lo_event_state s);
/* The k-th (from 0) event of type t, the first of type t in state s, the last
 * of type t; NULL when there is none. */
const lo_event *tu_events_nth(const tu_events *c, lo_event_type t, int k);
const lo_event *tu_events_find(const tu_events *c, lo_event_type t, lo_event_state s);
const lo_event *tu_events_last(const tu_events *c, lo_event_type t);

/* Turn every event type off but the n given (each test looks at its module). */
void tu_enable_only(lo_detect_config *cfg, const lo_event_type *types, size_t n);
/* A vessel heard for the first time: MMSI, its station kind and flag, nothing else. */
void tu_vessel_init(lo_vessel *v, uint32_t mmsi);
/* A type 1 position of v at t: 10 kn, course 90 degrees, segment 1 (a test
 * changes what it needs). */
lo_track_point tu_track_point(const lo_vessel *v, int64_t t, double lat, double lon);

#endif
