/* tracker.h - messages -> vessels: one record per MMSI merging position reports
 * (types 1, 2, 3, 18, 19, 27), static and voyage data (5, 19, 24A/B), SAR
 * aircraft (9), aids to navigation (21) and base stations (4); duplicate
 * reports removed; tracks split into segments where one MMSI jumps further than
 * a ship can move; identity changes kept with their time.
 *
 * Library rules: no I/O, no clock reads (time comes with each message), no
 * globals. Memory grows with vessels, not messages: each vessel has a fixed-size
 * record, the table is capped and evicts the longest-silent vessel when full.
 * Events leave through callbacks (the store, the detectors and the server listen).
 *
 * Units: positions in microdegrees (int32), speed in 1/10 knot (1023 = n/a),
 * course in 1/10 degree (3600 = n/a), heading in degrees (511 = n/a), times in
 * ms since the Unix epoch. Types 9 and 27 send whole knots and type 27 whole
 * degrees; they are converted to these units. docs/tracking.md explains the
 * rules (duplicates, segments, identity); docs/time.md the report time. */
#ifndef LOOKOUT_TRACKER_H
#define LOOKOUT_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "lookout/message.h"

/* What kind of station an MMSI belongs to, from its digit pattern (ITU-R M.585). */
typedef enum lo_station_kind {
    LO_STATION_INVALID = 0, /* not 9 digits, or a pattern no station uses */
    LO_STATION_VESSEL,      /* MIDxxxxxx */
    LO_STATION_GROUP,       /* 0MIDxxxxx: group of ships */
    LO_STATION_BASE,        /* 00MIDxxxx: coast / base station */
    LO_STATION_SAR,         /* 111MIDxxx: SAR aircraft */
    LO_STATION_ATON,        /* 99MIDxxxx: aid to navigation */
    LO_STATION_AUXILIARY,   /* 98MIDxxxx: craft associated with a parent ship */
    LO_STATION_SART,        /* 970xxxxxx: AIS-SART */
    LO_STATION_MOB,         /* 972xxxxxx: man overboard */
    LO_STATION_EPIRB,       /* 974xxxxxx: EPIRB-AIS */
    LO_STATION_DIVER,       /* 8MIDxxxxx: diver's radio and other handhelds */
} lo_station_kind;

lo_station_kind lo_station_kind_of(uint32_t mmsi);
const char *lo_station_kind_name(lo_station_kind k); /* "vessel", "aton", ... */
/* The MID of an MMSI (e.g. 636 for 636091044, 366 for 003669713), or 0. */
unsigned lo_mmsi_mid(uint32_t mmsi);
/* ISO 3166-1 alpha-2 code and ITU name of a MID; NULL when the MID is not allocated. */
const char *lo_mid_iso2(unsigned mid);
const char *lo_mid_country(unsigned mid);

/* One accepted position report. */
typedef struct lo_track_point {
    uint32_t mmsi;
    int64_t time_ms;
    int32_t lat_udeg, lon_udeg;
    uint16_t speed;   /* 1/10 kn */
    uint16_t course;  /* 1/10 degree */
    uint16_t heading; /* degrees */
    uint8_t type;     /* message type it came from */
    uint8_t status;   /* navigational status (15 = not defined) */
    bool accuracy;
    uint32_t segment; /* per-MMSI segment number, from 1 */
    char station[LO_MAX_STATION];
} lo_track_point;

/* What the vessel says it is (latest values; "" / 0 when never heard). A value
 * sent as "not available" (empty text, IMO 0, ship type 0, all four dimensions
 * 0) never replaces a known one. */
typedef struct lo_identity {
    uint32_t imo;
    char name[35];        /* type 5/19/24A name, or type 21 name with extension */
    char callsign[8];
    uint8_t ship_type;    /* 0 = not available */
    uint16_t to_bow, to_stern;
    uint8_t to_port, to_starboard;
    uint8_t draught;      /* 1/10 m */
    char destination[21];
    uint32_t eta;         /* raw MDHM bits as in type 5 */
    uint32_t mothership;  /* type 24B of an auxiliary craft */
} lo_identity;

typedef enum lo_identity_field {
    LO_ID_NAME, LO_ID_CALLSIGN, LO_ID_IMO, LO_ID_SHIP_TYPE, LO_ID_DIMENSIONS,
} lo_identity_field;

/* A change of name, call sign, IMO, ship type or dimensions. The first value
 * heard for a field is reported too, with old_value "" (so that a listener
 * sees the whole history). */
typedef struct lo_identity_change {
    uint32_t mmsi;
    int64_t time_ms;
    lo_identity_field field;
    char old_value[40], new_value[40]; /* as text: "9383663", "78/23/1/17" */
} lo_identity_change;

typedef struct lo_vessel {
    uint32_t mmsi;
    uint32_t slot;         /* the tracker's record number (from 1), unique among the
                              vessels held now and given to another vessel only after
                              on_evict: listeners index their own per-vessel state by
                              it instead of hashing the MMSI again. 0 outside a tracker. */
    lo_station_kind kind;
    const char *flag_iso2; /* from the MID, NULL when unallocated */
    int64_t first_seen_ms, last_seen_ms;
    uint64_t reports;      /* accepted (non-duplicate) messages of any type */
    uint64_t duplicates;   /* messages dropped as repeats of one already counted */
    uint32_t types_seen;   /* bit n set: a message of type n was heard */
    bool has_position;
    lo_track_point last;   /* latest accepted position (by time) */
    uint32_t segments;     /* segments so far */
    lo_identity id;
    uint8_t aid_type;      /* type 21 */
    bool virtual_aid;
} lo_vessel;

/* A zero field means "the default"; NULL config = all defaults. */
typedef struct lo_tracker_config {
    uint32_t max_vessels;       /* default 1,000,000 (at most LO_TRACK_MAX_VESSELS);
                                   the longest-silent is evicted */
    int64_t dedup_window_ms;    /* same content again within this: duplicate
                                   (default 10 s; negative: no duplicate removal) */
    double max_speed_kn;        /* implied speed that splits a segment (default 25 kn, GFW) */
    double noise_m;             /* distance always allowed between reports
                                   (default 1852 m; negative: none) */
    int64_t max_gap_ms;         /* a segment silent longer than this is closed
                                   (default 24 h, GFW max_hours) */
    uint32_t hash_seed;         /* mixes MMSIs into the hash table; give a random
                                   value when the input may be hostile */
} lo_tracker_config;

/* Callbacks see records valid only during the call. For one message they come
 * in this order: on_evict (when a new vessel needs the place of the
 * longest-silent one), on_vessel, on_identity (each change), on_point. */
typedef struct lo_tracker_callbacks {
    void *ctx;
    void (*on_point)(void *ctx, const lo_vessel *v, const lo_track_point *p);
    void (*on_identity)(void *ctx, const lo_vessel *v, const lo_identity_change *c);
    /* The vessel was first heard, or its static or voyage data changed
     * (identity, destination, ETA, draught, AtoN type). Not for positions. */
    void (*on_vessel)(void *ctx, const lo_vessel *v);
    void (*on_evict)(void *ctx, const lo_vessel *v);
} lo_tracker_callbacks;

/* Counts over the tracker's life. */
typedef struct lo_tracker_stats {
    uint64_t messages;        /* lo_tracker_update calls with a message */
    uint64_t reports;         /* taken (not duplicates) */
    uint64_t duplicates;
    uint64_t points;          /* positions accepted (on_point calls) */
    uint64_t no_position;     /* position reports with lat 91 / lon 181 (not available) */
    uint64_t bad_position;    /* impossible positions (|lat| > 90, |lon| > 180) */
    uint64_t zero_position;   /* exactly 0,0: a receiver without a fix */
    uint64_t segments;        /* segments opened */
    uint64_t identity_changes;
    uint64_t evicted;
    uint32_t vessels, peak_vessels;
    uint64_t memory_bytes;    /* held now: vessel records (allocated 4096 at a time)
                                 and hash buckets */
} lo_tracker_stats;

typedef struct lo_tracker lo_tracker;

/* NULL config = defaults; cb may be NULL. NULL when out of memory. */
lo_tracker *lo_tracker_create(const lo_tracker_config *cfg, const lo_tracker_callbacks *cb);
/* Frees everything; on_evict is not called. */
void lo_tracker_destroy(lo_tracker *t);

/* Merge one decoded message heard at time_ms (see lo_report_time when the feed
 * has no time). Every message counts as hearing its source MMSI, whatever its
 * type. Returns 1 when it was taken, 0 when it was a duplicate, or a negative
 * lo_err (LO_E_INVAL for a NULL argument or time_ms == LO_TIME_NONE,
 * LO_E_NOMEM). */
int lo_tracker_update(lo_tracker *t, const lo_message *m, int64_t time_ms);

/* Cache warming for a feed that decodes a few messages ahead of the updates
 * (the records of 50,000 vessels do not fit in a cache: each update would
 * otherwise wait for memory). Stage 0 fetches the MMSI's hash bucket, stage 1
 * (a few messages later) the record it leads to. Changes nothing. */
void lo_tracker_prefetch(const lo_tracker *t, uint32_t mmsi, int stage);
/* The slot (lo_vessel.slot) of a known MMSI, 0 when unknown. */
uint32_t lo_tracker_slot(const lo_tracker *t, uint32_t mmsi);

/* The vessel's record, valid until the next lo_tracker_update; NULL when unknown. */
const lo_vessel *lo_tracker_get(const lo_tracker *t, uint32_t mmsi);
uint32_t lo_tracker_count(const lo_tracker *t);
/* Visit every vessel, from the longest silent to the most recently heard;
 * stop when fn returns non-zero (and return that value). */
int lo_tracker_each(const lo_tracker *t, int (*fn)(void *ctx, const lo_vessel *v), void *ctx);
const lo_tracker_stats *lo_tracker_get_stats(const lo_tracker *t);

/* The time of a report when the feed gave none: the running clock of the input
 * moved to the report's UTC second (types 1-3, 4, 9, 11, 18, 19 and 21 carry
 * it; 60-63 mean none), never more than 30 s back or forward. Without a clock
 * (clock_ms == LO_TIME_NONE), a type 4 or 11 base station report gives its
 * full UTC time when valid; anything else gives LO_TIME_NONE. A report without
 * a second gets clock_ms. lo_report_clock keeps the clock; docs/time.md states
 * the rule. */
int64_t lo_report_time(const lo_message *m, int64_t clock_ms);

/* The running clock of one input for lo_report_time. The largest time so far
 * would be a bad clock: every report with a wrong second pushes it forward, and
 * on real feeds (AISHub) it runs hours ahead within minutes. This one follows
 * the receive time when a message has one; otherwise it is the median of the
 * last LO_CLOCK_REPORTS report times, and (unless the user gave the start) it
 * jumps to the median of the last LO_CLOCK_BASES base station times when that is
 * more than 30 s away (a gap in the feed, a start far off). Caller-allocated,
 * initialised in place; no allocation. */
#define LO_CLOCK_REPORTS 31
#define LO_CLOCK_BASES 5
typedef struct lo_report_clock {
    int64_t now;                      /* the clock; LO_TIME_NONE until known */
    bool fixed_start;                 /* the user gave the start: base stations do not move it */
    uint8_t nrecent, next, nbase, next_base;
    int64_t recent[LO_CLOCK_REPORTS]; /* last report times, as a ring */
    int64_t sorted[LO_CLOCK_REPORTS]; /* the same, sorted */
    int64_t base[LO_CLOCK_BASES];     /* last base station times, as a ring */
} lo_report_clock;

/* start_ms: the user's start time, or LO_TIME_NONE to start at the first
 * receive time or valid base station time. */
void lo_report_clock_init(lo_report_clock *c, int64_t start_ms);
/* The time of m: its receive time when it has one, else lo_report_time from
 * the clock; then the clock moves as above. LO_TIME_NONE while the clock is not
 * known (no start, and no receive or base station time yet). */
int64_t lo_report_clock_time(lo_report_clock *c, const lo_message *m);

#endif
