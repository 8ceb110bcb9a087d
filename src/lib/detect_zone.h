/* detect_zone.h - per-vessel and global state of the zone detector
 * (detect_zone.c): the zones a vessel is in (a few, the rest counted), where
 * it last looked them up, and per zone the rule that applies. */
#ifndef LOOKOUT_DETECT_ZONE_H
#define LOOKOUT_DETECT_ZONE_H

#include <stdint.h>

/* Zones followed per vessel at once (overlapping zones: an EEZ, a port box, a
 * watch box); more are counted in the detector's stats, not followed. */
#define DET_ZONE_PER_VESSEL 4
/* Zones held by one look-up (the vessel keeps the first DET_ZONE_PER_VESSEL
 * that have a rule). */
#define DET_ZONE_LOOKUP_MAX 16
/* A vessel that moved less than this since its last look-up keeps its zones:
 * the boundary is known to this much (GNSS noise is 10-30 m), and a ship at
 * anchor reporting every 10 s costs no look-up. */
#define DET_ZONE_MOVE_M 50.0
/* Near zones, a vessel that moved at least DET_ZONE_SLOW_M and had no look-up
 * for DET_ZONE_SLOW_MS looks again: a slow drifter across a boundary is
 * found once it moved 25 m (GNSS noise is 5-15 m), a ship at anchor costs a
 * look-up a minute at most, and only when it swings further than the noise. */
#define DET_ZONE_SLOW_M 25.0
#define DET_ZONE_SLOW_MS 60000
/* Outside every zone, a vessel looks again only when it may have reached the
 * nearest zone's bounding box (less a margin): the open sea costs a look-up
 * every few kilometres, not every report. Not with more zones than this (the
 * distance to each box is computed). */
#define DET_ZONE_BOX_SCAN_MAX 4096u

enum {
    DET_ZS_ACTIVE = 1,    /* a rule applies: exit and dwell are raised */
    DET_ZS_DWELL = 2,     /* the dwell event is open */
    DET_ZS_NO_ENTRY = 4,  /* first heard inside: its entry was not seen */
};

typedef struct det_zone_slot {
    uint32_t zone;        /* lo_zones id */
    uint8_t rule;         /* index in the rules (when active) */
    uint8_t flags;        /* DET_ZS_* */
    uint16_t pad;
    det_point in;         /* first position inside */
    det_point out;        /* last position outside before it (t = 0: none) */
} det_zone_slot;

typedef struct det_zone_vessel {
    det_point look;             /* the position the zones were last looked up at */
    uint32_t free_m;            /* no look-up while within this of there */
    uint8_t looked;             /* look valid */
    uint8_t n;                  /* slots in use */
    det_zone_slot slot[DET_ZONE_PER_VESSEL];
} det_zone_vessel;

/* A zone's bounding box for the free radius (zones some rule names). */
typedef struct det_zone_box {
    double min_lat, max_lat, min_lon, max_lon;
    double cos_far;       /* cosine of the box's latitude furthest from the equator */
} det_zone_box;

typedef struct det_zone_global {
    uint32_t nzones;      /* zones known to rule_mask */
    uint32_t *rule_mask;  /* per zone: bit r set when rule r's pattern matches its name */
    det_zone_box *boxes;  /* of the zones with a rule */
    uint32_t nboxes;
    uint32_t nrules;
    lo_zone_rule *rules;  /* the config's, or the default "*" rule */
    lo_zone_rule def;
    uint64_t lookups, skipped;  /* look-ups done; positions that kept their zones */
    uint64_t overflow;    /* zones a vessel entered while all its slots were full */
    uint64_t jumps;       /* position jumps that reset a vessel's zones */
    uint64_t box_scans;   /* safe-radius computations (outside every zone) */
} det_zone_global;

#endif
