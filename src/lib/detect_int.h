/* detect_int.h - what the detector modules share: the per-vessel record, the
 * detector object, and the helpers that build events. Each module (gap,
 * encounter, loiter, zone, watch, identity, spoof, handover) keeps its per-vessel state
 * in its own struct, declared in its own header, and implements the hooks
 * below; detect.c owns the vessel table, the data clock and the dispatch. */
#ifndef LOOKOUT_DETECT_INT_H
#define LOOKOUT_DETECT_INT_H

#include <stdarg.h>

#include "lookout/detect.h"

/* A position as the detectors keep it (24 bytes). */
typedef struct det_point {
    int64_t t;         /* ms */
    int32_t lat, lon;  /* microdegrees */
    uint16_t speed;    /* 1/10 kn, 1023 n/a */
    uint16_t course;   /* 1/10 degree, 3600 n/a */
    uint8_t type;      /* message type */
    uint8_t status;    /* navigational status */
    uint16_t segment;  /* tracker segment (low 16 bits) */
} det_point;

static inline det_point det_point_of(const lo_track_point *p)
{
    det_point q = {p->time_ms, p->lat_udeg, p->lon_udeg, p->speed, p->course, p->type, p->status,
                   (uint16_t)p->segment};
    return q;
}

/* A bounded, evenly spread sample of a run of positions for evidence: holds
 * the first point, the latest point, and up to DET_TRAIL_N - 2 between them;
 * when full it drops every other one and takes one in twice as many after
 * (deterministic, no allocation). */
#define DET_TRAIL_N 16
typedef struct det_trail {
    det_point p[DET_TRAIL_N];
    det_point last;
    uint32_t n;        /* points kept in p */
    uint32_t stride;   /* keep one in stride */
    uint32_t skipped;  /* since the last kept */
    uint32_t total;    /* points offered */
} det_trail;
void det_trail_reset(det_trail *t);
void det_trail_add(det_trail *t, const det_point *p);

#include "detect_encounter.h"
#include "detect_gap.h"
#include "detect_handover.h"
#include "detect_identity.h"
#include "detect_loiter.h"
#include "detect_spoof.h"
#include "detect_watch.h"
#include "detect_zone.h"

/* What the detectors know about a vessel. Identity is copied from the tracker
 * (the other vessel of an encounter is not the one the callback is about). */
typedef struct dvessel {
    uint32_t mmsi;
    uint32_t self;               /* its own index + 1 */
    uint32_t prev_lru, next_lru; /* list by last report: index + 1, 0 = none */
    bool parked;                 /* off the LRU list (a gap module's dark vessel) */
    int64_t lru_t;               /* report time when last put at the list's newest end */
    bool has_prev;
    det_point prev;              /* previous position (before the one being handled) */
    lo_event_vessel who;         /* identity as of now */
    det_gap_vessel gap;
    det_loiter_vessel loiter;
    det_enc_vessel enc;
    det_zone_vessel zone;
    det_watch_vessel watch;
    det_identity_vessel ident;
    det_spoof_vessel spoof;
    det_handover_vessel ho;
} dvessel;

struct lo_detector {
    lo_detect_config cfg;
    lo_detect_env env;
    lo_detect_callbacks cb;
    lo_detect_stats stats;
    int64_t now;                 /* data clock, LO_TIME_NONE until the first position */
    /* vessel table: records in chunks, open-addressing hash of MMSI -> index + 1 */
    dvessel **chunks;
    uint32_t nchunks, nrecords, free_head; /* free list threads through mmsi == 0 records' next_lru */
    uint32_t *hash;
    uint32_t hash_cap, count;
    /* The list by last report: oldest (head) to newest (tail), index + 1. A
     * vessel goes back to the newest end only when its place there is
     * lru_lazy_ms old (moving it on every report cost two cache misses a
     * message), so its last report is at most lru_lazy_ms newer than its
     * place says: walkers check prev.t and may stop up to that early. */
    uint32_t lru_head, lru_tail;
    int64_t lru_lazy_ms;
    uint32_t *by_slot;            /* tracker slot (lo_vessel.slot) -> index + 1 */
    uint32_t slot_cap;
    lo_event ev;                  /* the event being built (one at a time) */
    det_gap_global gap;
    det_loiter_global loiter;
    det_enc_global enc;
    det_zone_global zone;
    det_watch_global watch;
    det_identity_global ident;
    det_spoof_global spoof;
    det_handover_global ho;
};

/* ---- vessel table (detect.c) ---- */
dvessel *det_vessel_find(lo_detector *d, uint32_t mmsi);
dvessel *det_vessel_at(lo_detector *d, uint32_t index1); /* index + 1 as stored in links; NULL for 0 */
uint32_t det_vessel_index1(lo_detector *d, const dvessel *v);
/* Take v off the list by last report (it is walked by lo_detect_advance's
 * modules from the oldest); its next position puts it back at the newest end. */
void det_vessel_park(lo_detector *d, dvessel *v);

/* ---- lookups, counted in the stats (detect.c) ---- */
/* Distance to the shore in nm, exact up to max_nm, INFINITY beyond or without land data. */
double det_shore_nm(lo_detector *d, int32_t lat, int32_t lon, double max_nm);
bool det_on_land(lo_detector *d, int32_t lat, int32_t lon);
/* Distance to the nearest port or anchorage in km (INFINITY beyond max_km or
 * without port data); *port receives it when not NULL. */
double det_port_km(lo_detector *d, int32_t lat, int32_t lon, double max_km, const lo_port **port);
/* Metres between two positions (fast formula: short distances). */
double det_dist_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2);

/* ---- building an event (detect.c): begin, add, emit ---- */
/* Starts d->ev afresh and returns it. */
lo_event *det_event_begin(lo_detector *d, lo_event_type type, lo_severity sev, int64_t start_ms,
                          int64_t end_ms, int32_t lat, int32_t lon);
void det_event_vessel(lo_event *e, const dvessel *v); /* listed in order added */
void det_event_evidence(lo_event *e, uint32_t mmsi, const det_point *p, const char *note);
void det_event_trail(lo_event *e, uint32_t mmsi, const det_trail *t, const char *note);
/* Parameters: appended to e->params as one JSON object. */
void det_param_num(lo_event *e, const char *key, double value, int decimals);
void det_param_int(lo_event *e, const char *key, int64_t value);
void det_param_str(lo_event *e, const char *key, const char *value);
void det_param_bool(lo_event *e, const char *key, bool value);
/* printf into e->summary. */
void det_event_summary(lo_event *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* id (from type, first vessel, start, zone and `salt`), then the callback. */
void det_event_emit(lo_detector *d, lo_event *e, lo_event_state state, uint64_t salt);

/* ---- module hooks ---- */
#define DET_HOOKS(m)                                                                              \
    int det_##m##_init(lo_detector *d);                                                           \
    void det_##m##_free(lo_detector *d);                                                          \
    void det_##m##_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p); \
    void det_##m##_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c); \
    void det_##m##_static(lo_detector *d, dvessel *dv, const lo_vessel *v);                      \
    void det_##m##_evict(lo_detector *d, dvessel *dv);                                           \
    void det_##m##_advance(lo_detector *d, int64_t now);                                          \
    void det_##m##_finish(lo_detector *d);
DET_HOOKS(gap)
DET_HOOKS(loiter)
DET_HOOKS(enc)
DET_HOOKS(zone)
DET_HOOKS(watch)
DET_HOOKS(identity)
DET_HOOKS(spoof)
DET_HOOKS(handover)
#undef DET_HOOKS

#endif
