/* detect.h - the security detectors: vessel picture -> alerts with evidence.
 *
 * One lo_detector listens to the tracker (positions, identity changes, static
 * data, evictions) and raises events: AIS gaps and suspected disabling,
 * encounters (ship-to-ship transfers) and rendezvous candidates, loitering,
 * zone entry / exit / dwell, watch-list sightings, identity fraud and
 * spoofing. The same code serves batch (`lookout detect`) and the live server.
 * docs/detect.md gives every rule, its default and the published method it
 * comes from; data/detect.conf holds every parameter with those defaults.
 *
 * Time is the data's: the detector's clock is the latest report time it has
 * seen (never the wall clock), so the same input always gives the same events
 * with the same ids. Events that need time to pass (a vessel silent for 6 h)
 * are noticed when the data clock passes them (lo_detect_advance, called by
 * every position) and at the end (lo_detect_finish).
 *
 * Memory grows with vessels (a fixed record each, freed when the tracker
 * evicts the vessel) and with open encounters (capped), never with messages.
 *
 * Library rules: no I/O beyond the loaders, no clock reads, no globals; errors
 * are negative lo_err codes. One detector is used by one thread at a time. */
#ifndef LOOKOUT_DETECT_H
#define LOOKOUT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/geo.h"
#include "lookout/tracker.h"

/* ---- events -------------------------------------------------------------------- */

/* X(symbol, key, family): key is the event's "type" in JSON and in the store. */
#define LO_EVENT_TYPE_MAP(X)                                                 \
    X(GAP, "gap", "dark")                     /* no report for >= 6 h */     \
    X(DISABLING, "disabling", "dark")         /* GFW suspected disabling */  \
    X(ENCOUNTER, "encounter", "meeting")      /* GFW encounter: STS */       \
    X(RENDEZVOUS, "rendezvous", "meeting")    /* candidate tier */           \
    X(LOITERING, "loitering", "meeting")                                     \
    X(ZONE_ENTRY, "zone_entry", "zone")                                      \
    X(ZONE_EXIT, "zone_exit", "zone")                                        \
    X(ZONE_DWELL, "zone_dwell", "zone")                                      \
    X(WATCHLIST, "watchlist", "watchlist")                                   \
    X(MMSI_INVALID, "mmsi_invalid", "identity")    /* bad length or MID */   \
    X(IMO_INVALID, "imo_invalid", "identity")      /* check digit fails */   \
    X(IDENTITY_CHANGE, "identity_change", "identity")                        \
    X(IMO_SHARED, "imo_shared", "identity")   /* one IMO, several MMSIs */   \
    X(MMSI_SHARED, "mmsi_shared", "identity") /* one MMSI, two places */     \
    X(JUMP, "jump", "spoofing")               /* implied speed > 40 kn */    \
    X(ON_LAND, "on_land", "spoofing")                                        \
    X(POSITION_CLUSTER, "position_cluster", "spoofing") /* many at a point */ \
    X(CIRCLE, "circle", "spoofing")           /* many on one circle */       \
    X(SPEED_MISMATCH, "speed_mismatch", "spoofing")                          \
    X(IDENTITY_HANDOVER, "identity_handover", "identity") /* A silent, new B there */

typedef enum lo_event_type {
#define LO_X_(sym, key, family) LO_EV_##sym,
    LO_EVENT_TYPE_MAP(LO_X_)
#undef LO_X_
        LO_EV_COUNT
} lo_event_type;

const char *lo_event_type_key(lo_event_type t);    /* "gap" */
const char *lo_event_type_family(lo_event_type t); /* "dark" */
/* The type with this key, or -1. */
int lo_event_type_from_key(const char *key);

typedef enum lo_severity {
    LO_SEV_INFO = 1, /* context: a zone exit, a first identity */
    LO_SEV_LOW,      /* worth a look: a short gap, a rendezvous candidate */
    LO_SEV_MEDIUM,   /* an analyst should look: an encounter, loitering far out */
    LO_SEV_HIGH,     /* act: suspected disabling, a listed vessel, a spoofed track */
} lo_severity;
const char *lo_severity_key(lo_severity s); /* "info", "low", "medium", "high" */

typedef enum lo_event_state {
    LO_EVENT_OPEN = 1, /* raised, still going on (the live server shows it now) */
    LO_EVENT_CLOSED,   /* over: start and end final */
    LO_EVENT_ONGOING,  /* still going on when the input ended (end = last data time) */
} lo_event_state;
const char *lo_event_state_key(lo_event_state s); /* "open", "closed", "ongoing" */

#define LO_EVENT_MAX_VESSELS 64  /* a crop circle holds dozens of ships; the rest are counted */
#define LO_EVENT_MAX_EVIDENCE 64 /* positions kept as evidence (first, last and spread between) */
#define LO_EVENT_MAX_PARAMS 1024 /* bytes of the parameters JSON object */

/* A vessel as it was when the event was raised. */
typedef struct lo_event_vessel {
    uint32_t mmsi;
    uint32_t imo;           /* 0 unknown */
    char name[35];          /* "" unknown */
    char callsign[8];
    const char *flag;       /* ISO 3166-1 alpha-2 from the MID, NULL unallocated */
    uint8_t ship_type;      /* ITU ship type, 0 unknown */
    lo_station_kind kind;
    int32_t watch;          /* index of its watch-list entry, -1 when not listed */
    const struct lo_watch_entry *listed; /* that entry (valid while the watch list lives), or NULL */
} lo_event_vessel;

/* One position (or message) that made the event. */
typedef struct lo_evidence {
    uint32_t mmsi;
    int64_t time_ms;
    int32_t lat_udeg, lon_udeg; /* LO_UDEG_NONE (below) for a message without position */
    uint16_t speed;             /* 1/10 kn, 1023 n/a */
    uint16_t course;            /* 1/10 degree, 3600 n/a */
    uint8_t msg_type;           /* AIS message type it came from */
    char station[LO_MAX_STATION];
    char note[24];              /* why it is here: "last before gap", "first after", "closest" */
} lo_evidence;
#define LO_UDEG_NONE INT32_MIN

typedef struct lo_event {
    uint64_t id;               /* stable: from type, first vessel, start time and
                                  (zones) zone; the same in every run */
    lo_event_type type;
    lo_severity severity;
    lo_event_state state;
    int64_t start_ms, end_ms;  /* end = start for an instant (a jump); while open, the latest time */
    double lat, lon;           /* where: a representative point (the meeting point,
                                  the last position before a gap, ...) */
    char zone[64];             /* zone events: its name; others: the zone the point is in, or "" */
    uint32_t nvessels;         /* vessels listed (vessels_total may be more) */
    uint32_t vessels_total;
    lo_event_vessel vessels[LO_EVENT_MAX_VESSELS];
    char params[LO_EVENT_MAX_PARAMS]; /* JSON object: the thresholds that fired and the
                                         measured values ({"min_h":6,"gap_h":36.2,...}) */
    char summary[200];         /* one human line for tables and logs */
    uint32_t nevidence;
    lo_evidence evidence[LO_EVENT_MAX_EVIDENCE];
} lo_event;

/* ---- configuration ----------------------------------------------------------------- */

/* Ship type classes for filters (bit set of these). */
#define LO_SHIPCLASS_MAP(X)                                  \
    X(FISHING, "fishing") /* 30 */                           \
    X(TUG, "tug")         /* 31, 32, 52 */                    \
    X(MILITARY, "military") /* 35 */                         \
    X(PLEASURE, "pleasure") /* 36, 37 */                     \
    X(HSC, "hsc")         /* 40-49 */                         \
    X(SPECIAL, "special") /* 33, 34, 50, 51, 53-59 */         \
    X(PASSENGER, "passenger") /* 60-69 */                    \
    X(CARGO, "cargo")     /* 70-79 */                         \
    X(TANKER, "tanker")   /* 80-89 */                         \
    X(OTHER, "other")     /* 90-99 and 1-29 */                \
    X(UNKNOWN, "unknown") /* 0 or never sent */

typedef enum lo_shipclass {
#define LO_X_(sym, key) LO_SHIPCLASS_##sym,
    LO_SHIPCLASS_MAP(LO_X_)
#undef LO_X_
        LO_SHIPCLASS_COUNT
} lo_shipclass;
lo_shipclass lo_shipclass_of(uint8_t ship_type);
const char *lo_shipclass_key(lo_shipclass c);
#define LO_SHIPCLASS_ALL ((1u << LO_SHIPCLASS_COUNT) - 1)

/* A zone rule: which zones (by name; "*" every zone, "prefix*" a prefix), for
 * which ship classes, raise what. */
#define LO_DETECT_MAX_ZONE_RULES 32
typedef struct lo_zone_rule {
    char zones[64];     /* name pattern */
    uint32_t classes;   /* bit set of lo_shipclass; LO_SHIPCLASS_ALL by default */
    bool entry, exit;   /* raise entry / exit events */
    double dwell_h;     /* raise a dwell event after this long inside (0: never) */
    lo_severity severity;
} lo_zone_rule;

/* Every parameter of every detector. lo_detect_config_default() fills the
 * defaults documented in docs/detect.md; lo_detect_config_load() changes the
 * ones a file sets. */
typedef struct lo_detect_config {
    bool enable[LO_EV_COUNT];       /* each event type on or off (all on by default) */

    /* gap / disabling (Global Fishing Watch) */
    double gap_min_h;               /* 6 */
    double disabling_min_h;         /* 12 */
    double disabling_shore_nm;      /* 50: both ends at least this far from shore */
    uint32_t disabling_min_reports; /* 14 positions in the 12 h before the gap ... */
    double disabling_before_h;      /* 12 ... (regular reporting) */

    /* encounter (GFW) and rendezvous candidate (Skylight) */
    double encounter_max_m;         /* 500 */
    double encounter_min_h;         /* 2 */
    double encounter_max_median_kn; /* 2 */
    double encounter_port_km;       /* 10: at least this far from any port or anchorage */
    double rendezvous_max_m;        /* 250 */
    double rendezvous_min_h;        /* 0.5 */
    double pair_max_age_min;        /* 20: positions older than this are not compared */
    double encounter_break_h;       /* 1: apart or unheard this long ends a meeting */

    /* loitering (GFW) */
    double loiter_max_kn;           /* 2 */
    double loiter_min_h;            /* 4 */
    double loiter_shore_nm;         /* 20 */

    /* zones */
    uint32_t nzone_rules;
    lo_zone_rule zone_rules[LO_DETECT_MAX_ZONE_RULES];

    /* identity */
    double imo_shared_window_h;     /* 24: two MMSIs sending one IMO within this */
    double mmsi_shared_min_km;      /* 20: two places at once at least this apart ... */
    uint32_t mmsi_shared_min_alternations; /* 4 ... switching between them this often */
    double mmsi_shared_window_h;    /* 6 */

    /* identity handover: A falls silent, a new MMSI B is first heard near A's last position */
    double handover_window_h;       /* 6: B's first report at most this long after A's last */
    double handover_min_nm;         /* 3: B within min_nm + max_kn x the silence of A's last position */
    double handover_max_kn;         /* 25 */
    uint32_t handover_min_reports;  /* 10: positions of A before its silence */
    uint32_t handover_new_min_reports; /* 3: positions of B by the decision */
    double handover_confirm_min;    /* 30: decided this long after B's first report, if A stayed silent */
    double handover_port_km;        /* 10: both ends at least this far from any port or anchorage ... */
    double handover_shore_nm;       /* 1 ... and this far from the shore, not on land (rivers) */
    double handover_best_ratio;     /* 0.5: several candidates: the best must score this fraction of the next */
    uint32_t handover_max_queue;    /* 1,000,000 entries in the silence queue; more are counted as dropped */

    /* spoofing */
    double jump_min_kn;             /* 40: implied speed that is a jump */
    double jump_min_nm;             /* 2: shorter hops are GNSS noise */
    double jump_hsc_kn;             /* 70: the threshold for high-speed craft (ship type 40-49) */
    double jump_return_h;           /* 6: a jump back within this is one out-and-back event */
    double land_margin_m;           /* 2000: on land at least this far from the shore */
    uint32_t cluster_min_vessels;   /* 5: distinct vessels at one point ... */
    double cluster_radius_m;        /* 100 ... within this radius ... */
    double cluster_window_min;      /* 30 ... within this time */
    uint32_t circle_min_vessels;    /* 5: distinct vessels on one circle */
    double circle_max_radius_km;    /* 10 */
    double circle_tolerance_m;      /* 100 */
    double mismatch_min_kn;         /* 10: reported and implied speed differ by more ... */
    double mismatch_min_h;          /* 1 ... sustained this long */

    /* output */
    uint32_t evidence_max;          /* evidence positions per event, <= LO_EVENT_MAX_EVIDENCE */
    uint32_t max_open_pairs;        /* 100,000 vessel pairs followed at once (encounters) */
} lo_detect_config;

void lo_detect_config_default(lo_detect_config *c);

/* Where a load failed: file line (or -1) and why. */
typedef struct lo_detect_error {
    long line;
    char text[200];
} lo_detect_error;

/* Read "key = value" lines (# comments, [section] headers prefix keys:
 * "[gap]" then "min_h = 6" sets gap.min_h) into c, which should hold the
 * defaults first. Unknown keys and bad values are errors (LO_E_INVAL) with the
 * line, so a typo never silently keeps a default. LO_E_IO when unreadable. */
int lo_detect_config_load(lo_detect_config *c, const char *path, lo_detect_error *err);
int lo_detect_config_parse(lo_detect_config *c, const char *text, size_t len, lo_detect_error *err);

/* ---- watch list -------------------------------------------------------------------- */

typedef struct lo_watch_entry {
    char name[64];         /* as listed */
    char norm[64];         /* normalised: upper case, letters and digits, one space */
    uint32_t imo, mmsi;    /* 0 when not listed */
    char callsign[12];
    char program[64];      /* sanctions program / reason ("DPRK3", ...) */
    char source[64];       /* "OFAC SDN 2024-05-03, entry 4243" */
    char aliases[256];     /* normalised former names, ';'-separated */
} lo_watch_entry;

typedef struct lo_watchlist lo_watchlist;

/* A CSV with a header naming its columns (any order, found by name): imo,
 * mmsi, name, call_sign (or callsign), programs (or program), aliases,
 * ofac_ent_num (or id). The OFAC SDN vessel snapshot shipped in
 * data/watchlist/ is one. Errors name the line. */
int lo_watchlist_load(lo_watchlist **out, const char *path, lo_detect_error *err);
void lo_watchlist_destroy(lo_watchlist *w);
uint32_t lo_watchlist_count(const lo_watchlist *w);
const lo_watch_entry *lo_watchlist_get(const lo_watchlist *w, uint32_t i);

/* How a vessel matched (strongest first). */
typedef enum lo_watch_match {
    LO_WATCH_NONE = 0,
    LO_WATCH_NAME,     /* normalised name (or alias) only: weak, names repeat */
    LO_WATCH_CALLSIGN, /* call sign and name */
    LO_WATCH_MMSI,
    LO_WATCH_IMO,
} lo_watch_match;
/* The entry this identity matches best, and how (NULL, LO_WATCH_NONE when none). */
const lo_watch_entry *lo_watchlist_match(const lo_watchlist *w, uint32_t mmsi, const lo_identity *id,
                                         lo_watch_match *how);
/* Normalise a ship name for matching: upper case, letters and digits, runs of
 * anything else become one space, trimmed. Returns the length written (< cap). */
size_t lo_ship_name_norm(const char *name, char *out, size_t cap);

/* ---- the detector ------------------------------------------------------------------ */

/* What the detectors look things up in. Any pointer may be NULL: the rules
 * that need it are then off (no land: no shore distances, so no disabling,
 * loitering far out or on-land rules; no ports: encounters are not screened
 * for ports; no zones: no zone events; no watch list: no watch-list events). */
typedef struct lo_detect_env {
    const lo_land *land;
    const lo_ports *ports;
    lo_zones *zones;
    const lo_watchlist *watch;
} lo_detect_env;

typedef struct lo_detect_callbacks {
    void *ctx;
    /* An event was raised, grew or ended. The same id comes again when it
     * changes state (open -> closed); e is valid during the call. */
    void (*on_event)(void *ctx, const lo_event *e);
} lo_detect_callbacks;

typedef struct lo_detect_stats {
    uint64_t points, identities, vessels;  /* tracker callbacks seen */
    uint64_t events[LO_EV_COUNT];          /* closed or ongoing events by type */
    uint64_t opened;                       /* open notices */
    uint32_t tracked_vessels;              /* per-vessel records held now */
    uint32_t open_pairs, peak_open_pairs;  /* encounter candidates followed */
    uint64_t pairs_dropped;                /* pairs refused at max_open_pairs */
    uint64_t handover_ambiguous;           /* identity handovers not raised: no clear best candidate */
    uint64_t handover_queue_dropped;       /* silence-queue entries refused at handover.max_queue */
    uint64_t shore_lookups, port_lookups, zone_lookups, land_lookups;
    uint64_t memory_bytes;
} lo_detect_stats;

typedef struct lo_detector lo_detector;

/* cfg and env are copied (the objects env points to must outlive the
 * detector). NULL cfg = defaults. Returns NULL when out of memory or cfg is
 * invalid. */
lo_detector *lo_detect_create(const lo_detect_config *cfg, const lo_detect_env *env,
                              const lo_detect_callbacks *cb);
void lo_detect_destroy(lo_detector *d);

/* The tracker's callbacks, to be passed (with d as ctx) to lo_tracker_create or
 * called from the caller's own callbacks. */
void lo_detect_on_point(void *d, const lo_vessel *v, const lo_track_point *p);
void lo_detect_on_identity(void *d, const lo_vessel *v, const lo_identity_change *c);
void lo_detect_on_vessel(void *d, const lo_vessel *v);
void lo_detect_on_evict(void *d, const lo_vessel *v);
/* Fill a tracker callback set that forwards to d. */
void lo_detect_tracker_callbacks(lo_detector *d, lo_tracker_callbacks *cb);

/* Cache warming ahead of the vessel's next position (see lo_tracker_prefetch):
 * slot is the tracker's (lo_tracker_slot). Changes nothing. */
void lo_detect_prefetch(const lo_detector *d, uint32_t slot);

/* Move the data clock to now_ms (never backwards): raises what the passing of
 * time decides (gaps past their threshold as open events, meetings that ended).
 * Positions call it themselves; the live server also calls it on a timer with
 * the latest data time. */
void lo_detect_advance(lo_detector *d, int64_t now_ms);
/* The input ended: every open event is reported once more, as ONGOING (gaps of
 * vessels still silent, meetings and loitering still going on). */
void lo_detect_finish(lo_detector *d);

const lo_detect_stats *lo_detect_get_stats(const lo_detector *d);

/* ---- output ------------------------------------------------------------------------ */

/* One event as a JSON object (no newline): id as 16 hex digits, type, family,
 * severity, state, start/end in ISO 8601 and ms, where, zone, vessels,
 * parameters, summary and evidence. Returns the length, or LO_E_NOSPACE when
 * cap is too small (64 KiB always suffices). */
int lo_event_json(const lo_event *e, char *out, size_t cap);
/* One event as the store keeps it (store.h's lo_event_record, for
 * lo_store_event): keyed by its id, its where as a GeoJSON Point, its
 * parameters, and json (the event as lo_event_json wrote it) as evidence.
 * The record points into b and json, which must outlive it. */
typedef struct lo_event_store_buf {
    uint32_t mmsi[LO_EVENT_MAX_VESSELS];
    char geometry[128];
    char params[LO_EVENT_MAX_PARAMS + 2];
} lo_event_store_buf;
struct lo_event_record;
void lo_event_to_record(const lo_event *e, const char *json, lo_event_store_buf *b, struct lo_event_record *rec);

/* One event as a GeoJSON Feature: its evidence positions as a MultiPoint (or
 * the where point when there is no evidence), the other fields as properties. */
int lo_event_geojson_feature(const lo_event *e, char *out, size_t cap);

#endif
