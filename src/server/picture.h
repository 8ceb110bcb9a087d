/* picture.h - what HTTP reads: the latest state of every vessel and the
 * recent events, copied out of the pipeline as they change. One mutex each,
 * held only to copy a record in or out (never while doing I/O), so a request
 * never holds up the pipeline for longer than its copy.
 *
 * Units are the tracker's (microdegrees, 1/10 kn, 1/10 degree, ms); HTTP
 * converts. The vessel table is capped (the pipeline's tracker evicts at the
 * same cap and removes the vessel here); the event list keeps the newest
 * PIC_MAX_EVENTS events (an event that changes state replaces its entry). */
#ifndef LOOKOUT_SRV_PICTURE_H
#define LOOKOUT_SRV_PICTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"
#include "lookout/store.h"
#include "lookout/tracker.h"

#define PIC_MAX_EVENTS 20000 /* held for /api/events; all of them are in the store */
#define PIC_EVENT_MAX_MMSI 8 /* vessels indexed per event for /api/vessels/{mmsi} */

typedef struct pic_vessel {
    uint32_t mmsi, imo;
    char name[35], callsign[8], destination[21], flag[3];
    char station[LO_MAX_STATION];
    uint8_t ship_type, kind, status, msg_type, draught;
    uint8_t to_port, to_starboard;
    uint16_t to_bow, to_stern;
    bool has_pos, watch;
    int32_t lat, lon;
    uint16_t speed, course, heading;
    uint32_t segment;
    int64_t time_ms, first_seen_ms, last_seen_ms;
    int64_t streamed_ms; /* wall time its position last went to the live stream */
} pic_vessel;

typedef struct picture picture;

/* d's fields from the tracker's record (streamed_ms is left as it is). */
void pic_fill(pic_vessel *d, const lo_vessel *v, bool watch);

picture *pic_create(uint32_t max_vessels);
void pic_destroy(picture *p);

/* The vessel's state now (from the tracker, or from the store at start).
 * watch: 1 / 0 it matches the watch list or not, -1 as it was (new: 0).
 * When stream_interval_ms >= 0, returns true when its position should go to
 * the live stream (none sent for it in that long, by the wall clock now_ms),
 * marks it sent and copies the record into *out (may be NULL). */
bool pic_set(picture *p, const lo_vessel *v, int watch, int64_t now_ms, int64_t stream_interval_ms,
             pic_vessel *out);
void pic_remove(picture *p, uint32_t mmsi);
uint32_t pic_count(picture *p);
uint64_t pic_refused(picture *p); /* vessels not added: table full */
bool pic_get(picture *p, uint32_t mmsi, pic_vessel *out);

typedef struct pic_filter {
    const lo_bbox *bbox;  /* NULL: everywhere (vessels without a position are then listed too) */
    const uint64_t *types; /* 4 words: bit n = ITU ship type n wanted (0 = never sent); NULL: all */
    bool watch_only;
    uint32_t limit;
} pic_filter;

/* Copy the matching vessels (MMSI order is not promised: table order) into a
 * new array (*out, caller frees); *matched counts all matches, also beyond
 * the limit. Returns how many were copied, or -1 when out of memory. */
long pic_query(picture *p, const pic_filter *f, pic_vessel **out, uint64_t *matched);

/* ---- events ---- */

typedef struct pic_event_meta {
    uint64_t id;
    int type;      /* lo_event_type */
    int64_t start_ms, end_ms;
    uint32_t mmsi[PIC_EVENT_MAX_MMSI];
    uint32_t nmmsi;
} pic_event_meta;

/* Add an event, or replace the one with the same id. json is what
 * lo_event_json printed, geojson what lo_event_geojson_feature printed. */
int pic_event_put(picture *p, const pic_event_meta *m, const char *json, size_t jlen, const char *geojson,
                  size_t glen);

typedef struct pic_event_filter {
    int64_t since_ms;    /* events still going on at or after this (end >= since); LO_TIME_NONE: all */
    uint64_t types;      /* bit t: lo_event_type t wanted; 0: all */
    uint32_t mmsi;       /* 0: any */
    uint32_t limit;
    bool geojson;        /* write the GeoJSON features instead of the JSON objects */
} pic_event_filter;

/* Append the matching events, newest change first, comma-separated, to b.
 * Returns how many were written. */
uint32_t pic_events_write(picture *p, const pic_event_filter *f, jbuf *b);
uint32_t pic_event_count(picture *p);

#endif
