/* store.h - vessels and tracks -> SQLite: the picture's history on disk.
 *
 * One database file (WAL mode) with the tables vessels, positions,
 * position_cells (the time + grid index), identity_history and events
 * (docs/store.md gives the schema). Writes are batched: rows collect in memory
 * and a full batch (batch_rows rows, or whatever lo_store_commit finds) is
 * written by a writer thread in one transaction while the next one fills. A
 * crash loses only what is not committed: the batch being written and the one
 * being filled; the file is never damaged (WAL). Positions are keyed by
 * (mmsi, time, lat, lon) and inserted with INSERT OR IGNORE, so reading the
 * same input twice stores every row once.
 *
 * Library rules: no printing, no clock reads (every time comes with the data),
 * no globals. Functions return 0 or a negative lo_err; LO_E_STORE carries a
 * message from SQLite, lo_store_errmsg() gives it. One lo_store is used by one
 * thread at a time (its writer thread is its own business); several processes
 * may read while one writes. Queries on a handle that writes first commit
 * what it holds.
 *
 * Units are the tracker's: microdegrees, 1/10 knot, 1/10 degree, degrees,
 * ms since the Unix epoch. Time ranges are half-open: from <= t < to. */
#ifndef LOOKOUT_STORE_H
#define LOOKOUT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/tracker.h"

typedef struct lo_store lo_store;

/* A zero field means "the default". */
typedef struct lo_store_config {
    uint32_t batch_rows;  /* rows per transaction (default 50,000, at most LO_STORE_MAX_BATCH) */
    int64_t cache_kib;    /* SQLite page cache (default 65,536 KiB) */
    bool read_only;       /* queries only; the file must exist */
    bool sync_writes;     /* write batches in the caller's thread (no writer thread) */
    /* The continuity rule between ingest runs (see lo_store_point): the same
     * values as the tracker's (defaults 25 kn, 1852 m, 24 h). */
    double max_speed_kn;
    double noise_m;
    int64_t max_gap_ms;
} lo_store_config;

/* Open (and create unless read_only) the database at path. *out is NULL on
 * error; a message is then in errmsg (may be NULL) when errlen > 0. */
int lo_store_open(const char *path, const lo_store_config *cfg, lo_store **out, char *errmsg, size_t errlen);
/* Commit what is pending and close. Returns the first error of that commit
 * (the handle is freed in any case). NULL is allowed. */
int lo_store_close(lo_store *s);
/* The last error's text ("" when none). */
const char *lo_store_errmsg(const lo_store *s);

/* ---- writing ---- */

/* One accepted position of vessel v (as the tracker's on_point gives it).
 * Segment numbers continue those already stored for the MMSI: when the first
 * point of a vessel in this run comes after its stored last position and
 * could follow it (no longer than max_gap_ms after it, at no more than
 * max_speed_kn beyond noise_m), this run's segment 1 continues the stored last
 * segment, otherwise it starts a new one. A point older than the stored last
 * position (the same file again, or an older one) keeps the tracker's numbers. */
int lo_store_point(lo_store *s, const lo_vessel *v, const lo_track_point *p);
/* The vessel's record (first heard, static or voyage data changed). Written
 * once per batch however often it changes; a value "not available" never
 * replaces a stored one, newer data replaces older. */
int lo_store_vessel(lo_store *s, const lo_vessel *v);
/* An identity change as the tracker reports it. A first value (old_value "")
 * is compared with what the database already holds for the MMSI: equal, it
 * is not stored again; different, it is stored as a change from the stored
 * value. */
int lo_store_identity(lo_store *s, const lo_vessel *v, const lo_identity_change *c);
/* Hand the open batch to the writer now (e.g. once a second for a live
 * feed); returns when the batch before it is committed. */
int lo_store_commit(lo_store *s);
/* Commit everything written so far and wait until it is on disk. */
int lo_store_sync(lo_store *s);

/* Tracker callbacks writing into s (ctx = s). Callbacks cannot return
 * errors: a record out of range is counted (stats.refused) and skipped; the
 * first other error is kept and returned by lo_store_error(), and every later
 * write is skipped. */
void lo_store_callbacks(lo_store *s, lo_tracker_callbacks *cb);
int lo_store_error(const lo_store *s);

/* What this handle wrote. */
typedef struct lo_store_stats {
    uint64_t points;         /* lo_store_point calls */
    uint64_t points_new;     /* rows inserted (the rest were stored already) */
    uint64_t identity_new;   /* identity_history rows inserted */
    uint64_t vessel_writes;  /* vessel rows written (once per batch per vessel) */
    uint64_t cell_writes;    /* spatial index entries written */
    uint64_t commits;
    uint64_t refused;        /* callback records out of range (time before 1970), skipped */
} lo_store_stats;
const lo_store_stats *lo_store_get_stats(lo_store *s);

/* Rows in each table. */
typedef struct lo_store_counts {
    uint64_t vessels, positions, identity_changes, events, cells;
} lo_store_counts;
int lo_store_count(lo_store *s, lo_store_counts *c);

/* ---- events (issue #4's detectors) ---- */

typedef struct lo_event_record {
    uint64_t key;            /* the event's stable id (lo_event.id): its row id, so that
                                the event reported again (grown, ended) updates its row;
                                0: made from the type, start and vessels */
    const char *type;        /* "gap", "encounter", ... */
    int severity;            /* detector's scale */
    int64_t start_ms;
    int64_t end_ms;          /* LO_TIME_NONE while the event is open */
    const uint32_t *mmsi;    /* vessels involved */
    size_t nmmsi;
    const char *geometry;    /* GeoJSON geometry object, or NULL */
    const char *parameters;  /* JSON object: the detector's settings, or NULL */
    const char *evidence;    /* JSON: what the detector saw, or NULL */
} lo_event_record;

/* Insert an event, or update the one with the same key (its type, severity,
 * start, end, vessels, geometry, parameters and evidence). *id (may be NULL)
 * receives its row id. The JSON texts must be valid JSON (LO_E_INVAL). */
int lo_store_event(lo_store *s, const lo_event_record *e, int64_t *id);

/* ---- queries ---- */

/* A box in microdegrees. west > east is a box across the antimeridian. */
typedef struct lo_bbox {
    int32_t west, south, east, north;
} lo_bbox;

/* Callbacks get records valid during the call; non-zero stops the query and
 * is returned. */
typedef int (*lo_vessel_fn)(void *ctx, const lo_vessel *v);
typedef int (*lo_point_fn)(void *ctx, const lo_track_point *p);

typedef struct lo_picture_query {
    const lo_bbox *bbox;   /* NULL: everywhere */
    /* LO_TIME_NONE: every vessel with its latest stored state. Otherwise the
     * picture at this time: each vessel's last position at or before it, no
     * older than max_age_ms (0: any age), and its identity as it was then. */
    int64_t at_ms;
    int64_t max_age_ms;
    /* Ship types wanted (bit n of word n/64: type n), NULL: all. */
    const uint64_t *ship_types;
    /* Station kinds wanted (bit k: lo_station_kind k), 0: all. */
    uint32_t kinds;
} lo_picture_query;

/* Vessels in MMSI order. In the picture at a time, a vessel is where its last
 * position was; it is in the bbox when that position is; vessels without
 * a position are left out (they are listed without --at and without a bbox,
 * with has_position false). Ties at the same time: the largest (lat, lon). */
int lo_store_vessels(lo_store *s, const lo_picture_query *q, lo_vessel_fn fn, void *ctx);

/* One vessel's positions with from_ms <= time < to_ms, ordered by segment,
 * then time (LO_TIME_NONE: open end). Returns 0 also when there are none. */
int lo_store_track(lo_store *s, uint32_t mmsi, int64_t from_ms, int64_t to_ms, lo_point_fn fn, void *ctx);

/* Every position inside bbox (NULL: everywhere) with from_ms <= time < to_ms,
 * ordered by MMSI, then time, then (lat, lon). Uses the spatial index. */
int lo_store_positions(lo_store *s, const lo_bbox *bbox, int64_t from_ms, int64_t to_ms, lo_point_fn fn,
                       void *ctx);

/* The time of the newest position stored, or LO_TIME_NONE. */
int64_t lo_store_last_time(lo_store *s);

/* ---- text the user types ---- */

/* A time: "2023-01-11T00:00:00Z", "2023-01-11 00:00:00", "2023-01-11T00:00"
 * "2023-01-11" (UTC; a trailing Z, fraction of a second up to ms allowed), or
 * Unix seconds "1673395200" / "@1673395200". len bytes, no NUL needed.
 * Returns 0 or LO_E_INVAL. */
int lo_parse_time(const char *s, size_t len, int64_t *ms);
/* A duration: "90" (seconds), "90s", "15m", "6h", "2d". */
int lo_parse_duration(const char *s, size_t len, int64_t *ms);
/* "W,S,E,N" in degrees (each -180..180 / -90..90, S <= N). */
int lo_parse_bbox(const char *s, size_t len, lo_bbox *b);

#endif
