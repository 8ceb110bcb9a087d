/* sim.h - scenario -> simulated AIS: the scenario simulator behind `lookout sim`.
 *
 * A scenario (plain text, docs/sim.md) names vessels on routes, in areas or at
 * anchor, and scripted events: ship-to-ship transfer, dark period, loitering,
 * zone incursion, spoofed jump, identity change, MMSI swap, circle spoof. The
 * simulator moves the vessels (great circles between waypoints, small GNSS
 * noise), reports them at the rates of ITU-R M.1371-5 (class A by speed,
 * course change and status, class B "CS" 30 s / 3 min, static data every
 * 6 min), applies the events to what is transmitted, and encodes every message
 * with the library's encoder as NMEA sentences with NMEA 4.10 tag blocks (c:,
 * s:), in time order. Background vessels on built-in shipping lanes can be
 * added by the thousand. The ground truth of every scripted event (who, when,
 * where, parameters) is available as JSON lines.
 *
 * Library rules: no I/O, no clock reads, no global state, no rand(): the
 * scenario comes as a buffer, messages leave one at a time (lo_sim_next) or
 * through a callback (lo_sim_run), randomness comes from the scenario's seed.
 * The same scenario, seed and options give byte-identical output (with the
 * same build: positions go through the C library's sin/cos). Memory grows with
 * the vessels and the scenario's size, never with the messages made. */
#ifndef LOOKOUT_SIM_H
#define LOOKOUT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"

/* Hard limits of the simulator (here rather than limits.h: they bound what a
 * scenario may ask for, not what input the decoder takes). */
#define LO_SIM_MAX_TEXT (4u << 20)        /* scenario bytes: a hand-written file is a few KiB */
#define LO_SIM_MAX_LINE 4096              /* bytes per scenario line (long routes) */
#define LO_SIM_MAX_SCRIPTED 10000         /* vessels named in a scenario, generated ones included */
#define LO_SIM_MAX_WAYPOINTS 2000         /* per route */
#define LO_SIM_MAX_EVENTS 10000           /* scripted events */
#define LO_SIM_MAX_ZONES 1000
#define LO_SIM_MAX_VESSELS (4u << 20)     /* all vessels, background included (~500 bytes each: 2 GiB) */
#define LO_SIM_MAX_PLAN 200000            /* legs in one scripted vessel's plan */
#define LO_SIM_MAX_LABEL 32               /* vessel labels, zone names, event ids */

typedef struct lo_sim lo_sim;

/* Overrides of the scenario; a zeroed struct (or NULL) changes nothing. */
typedef struct lo_sim_opts {
    uint32_t extra_vessels; /* background vessels added to the scenario's `traffic` */
    uint64_t max_messages;  /* stop after this many messages (0: at the scenario's end) */
    int64_t start_ms;       /* move the whole scenario to start here (0: its own start) */
    int64_t duration_ms;    /* run this long instead (0: the scenario's duration) */
    bool set_seed;          /* use seed instead of the scenario's */
    uint64_t seed;
} lo_sim_opts;

/* Parse the scenario (len bytes, no NUL needed; name is used in error messages)
 * and prepare the simulation. On error, err (may be NULL) receives one line
 * "NAME:LINE: reason" (e.g. "scenario.txt:12: unknown event 'drak'") and *out
 * is NULL. Returns 0, LO_E_INVAL (the scenario is wrong), LO_E_RANGE (beyond a
 * limit above) or LO_E_NOMEM. */
int lo_sim_create(const char *text, size_t len, const char *name, const lo_sim_opts *o, lo_sim **out,
                  char *err, size_t errlen);
void lo_sim_destroy(lo_sim *s);

/* One simulated message. Pointers are valid until the next lo_sim_next call. */
typedef struct lo_sim_msg {
    int64_t time_ms;          /* when it was sent (tag block c: is this in whole seconds) */
    uint32_t vessel;          /* index for lo_sim_vessel_at */
    uint32_t mmsi;            /* as transmitted (after identity changes and swaps) */
    uint8_t type;             /* 1, 3, 5, 18 or 24 */
    uint8_t part;             /* type 24: 0 = A, 1 = B */
    char channel;             /* 'A' or 'B' */
    bool spoofed;             /* the position sent is not where the vessel is */
    double lat, lon;          /* position sent (degrees; position reports only) */
    double true_lat, true_lon;/* where the vessel is */
    double speed_kn, course;  /* true speed and course over ground */
    uint8_t status;           /* navigational status sent (class A) */
    const uint8_t *bits;      /* the message */
    uint32_t nbits;
    const char *nmea;         /* its sentence(s), each with a tag block, '\n'-terminated */
    size_t nmea_len;
} lo_sim_msg;

/* The next message in time order: 1 and *m filled, 0 at the end (scenario end
 * or max_messages), or a negative lo_err. */
int lo_sim_next(lo_sim *s, lo_sim_msg *m);

/* Call fn for every remaining message; stops when fn returns non-zero and
 * returns that value, else 0 at the end or a negative lo_err. */
int lo_sim_run(lo_sim *s, int (*fn)(void *ctx, const lo_sim_msg *m), void *ctx);

/* Counts so far. */
typedef struct lo_sim_stats {
    uint64_t messages, sentences, bytes;
    uint64_t by_type[28];
    uint64_t suppressed; /* reports due inside a dark period: not sent, and the
                            vessel's next one moved to the period's end */
    uint64_t lost;       /* reports dropped by the scenario's `loss` */
} lo_sim_stats;
const lo_sim_stats *lo_sim_get_stats(const lo_sim *s);

/* What the scenario resolved to. */
typedef struct lo_sim_info {
    int64_t start_ms, end_ms;
    uint64_t seed;
    const char *station; /* tag block s: */
    uint32_t vessels;    /* all of them */
    uint32_t scripted;   /* the first `scripted` vessels are the scenario's (named or generated by events) */
    uint32_t events;
    uint64_t memory_bytes; /* held by the simulator */
} lo_sim_info;
const lo_sim_info *lo_sim_get_info(const lo_sim *s);

/* A vessel as it starts (identity events change what it sends later). */
typedef struct lo_sim_vessel {
    const char *label; /* scenario label; "" for background vessels */
    unsigned line;     /* scenario line that made it (0: background) */
    uint32_t mmsi, imo;
    char name[21], callsign[8], destination[21];
    uint8_t ship_type;
    uint16_t to_bow, to_stern;
    uint8_t to_port, to_starboard;
    uint8_t draught;   /* 1/10 m */
    char cls;          /* 'A' or 'B' */
    bool background;
} lo_sim_vessel;
/* NULL beyond the last vessel. */
const lo_sim_vessel *lo_sim_vessel_at(const lo_sim *s, uint32_t i);

/* Where scripted vessel i truly is at time t (degrees), without noise.
 * LO_E_INVAL for background vessels (their legs are made as they go). */
int lo_sim_true_position(const lo_sim *s, uint32_t i, int64_t t, double *lat, double *lon);

/* The scripted events: ground truth. */
typedef enum lo_sim_event_type {
    LO_SIM_STS,      /* two vessels meet at sea, stay close at low speed, part */
    LO_SIM_DARK,     /* a vessel stops transmitting and keeps moving */
    LO_SIM_LOITER,   /* a vessel drifts below 2 kn */
    LO_SIM_ZONE,     /* a vessel inside a named box: start = entry, end = exit */
    LO_SIM_JUMP,     /* positions sent far from the true ones */
    LO_SIM_IDENTITY, /* name, call sign, IMO, ship type or MMSI changed */
    LO_SIM_SWAP,     /* two vessels send each other's MMSI */
    LO_SIM_CIRCLE,   /* vessels sent on one circle or at one point */
} lo_sim_event_type;

/* Name used in scenarios and truth files: "sts", "dark", ... */
const char *lo_sim_event_name(lo_sim_event_type t);

typedef struct lo_sim_event {
    lo_sim_event_type type;
    const char *id;          /* "sts-1" unless the scenario named it */
    unsigned line;           /* scenario line */
    int64_t start_ms, end_ms;/* end == start for identity changes and swaps */
    uint32_t nvessels;
    const uint32_t *vessels; /* vessel indexes */
    double lat, lon;         /* where (see docs/sim.md for each type) */
} lo_sim_event;
size_t lo_sim_event_count(const lo_sim *s);
const lo_sim_event *lo_sim_event_at(const lo_sim *s, size_t i);

/* Event i as one JSON line (with its '\n'): id, type, line, start, end, the
 * vessels with their identity, where, parameters. Returns its length,
 * LO_E_INVAL or LO_E_NOSPACE (8 KiB holds any event but a circle spoof of
 * many vessels, which takes ~150 bytes a vessel). */
int lo_sim_event_json(const lo_sim *s, size_t i, char *out, size_t cap);

#endif
