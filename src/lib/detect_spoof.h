/* detect_spoof.h - per-vessel and global state of the spoof detector
 * (detect_spoof.c): position jumps, positions on land, many vessels at one
 * point, many vessels on one circle, reported against implied speed, and one
 * MMSI at two places. docs/detect.md gives the rules and their defaults. */
#ifndef LOOKOUT_DETECT_SPOOF_H
#define LOOKOUT_DETECT_SPOOF_H

#include <stdbool.h>
#include <stdint.h>

#define DET_SPOOF_SWITCHES 16  /* MMSI-shared switch times kept per vessel */
#define DET_SPOOF_SAMPLES 8    /* circle-fit samples kept per vessel */
#define DET_SPOOF_MAX_SITES 64 /* cluster / circle alerts followed at once (each kind) */
#define DET_SPOOF_SITE_MEMBERS 64

/* Per vessel (696 bytes). The fields every position touches come first
 * (the 88 bytes in the two cache lines lo_detect_prefetch fetches); what only an
 * event in progress needs comes after. */
typedef struct det_spoof_vessel {
    /* ---- hot: the first 88 bytes, read by every position (times in whole seconds where
     * that is enough) ---- */
    float k;           /* cos(latitude) near k_lat, for flat distances */
    int16_t k_lat;     /* 1/100 degree */
    bool jump_out : 1; /* displaced now (waiting for a return) */
    bool shared_open : 1, mm_has_ref : 1, mm_open : 1, land_open : 1, stay_valid : 1, cc_fit : 1, cs_on : 1;
    uint8_t cs_n : 4, cs_head : 4; /* circle samples held, next slot */
    uint32_t seg_max;              /* highest tracker segment seen */
    uint16_t mm_sog_n, mm_seg;     /* speed mismatch: reported speeds summed, segment of the interval */
    float mm_path_m;               /* path length since mm_t */
    uint32_t mm_sog_sum;           /* 1/10 kn */
    int64_t mm_t;                  /* start of the speed interval ... */
    uint32_t left_n;               /* reports since it left its last stay */
    uint32_t rest_s0;              /* where it stays now, since, */
    int32_t rest_lat, rest_lon;
    uint32_t rest_last_s;             /* and its latest report there */
    int32_t cs_last_lat, cs_last_lon; /* latest circle sample */
    float cs_turn;                    /* leaky sum of the turns between sample chords (degrees) */
    int32_t mm_lat, mm_lon;           /* ... and where */
    int32_t cl_lat, cl_lon;           /* where it has stayed put (cluster grid), */
    uint32_t cl_s;                    /* since (or since its last listing) */
    int16_t cs_bear;                  /* bearing of the last sample chord, 1/100 degree */
    bool cl_in;                       /* in the cluster grid */
    /* ---- jump: the last good position, the first and latest displaced ones ---- */
    det_point jump_from, jump_first, jump_last;
    uint32_t jump_n;        /* displaced positions so far */
    uint32_t jump_places;   /* places jumped to in this excursion */
    float jump_nm, jump_kn; /* the jump out: distance and implied speed */
    bool jump_fake;         /* the excursion was found when it jumped back to a stay */
    /* the last stay it left: a jump back there later shows the track since was
     * not its own (a fake track that began at its berth) */
    det_point stay_last, stay_left;
    /* ---- MMSI shared: switches back to a segment seen before, >= min_km apart ---- */
    uint32_t sw_s[DET_SPOOF_SWITCHES]; /* switch times, seconds */
    uint8_t sw_n, sw_head;
    uint32_t shared_count; /* switches while open */
    int64_t shared_start, shared_last;
    det_point shared_a, shared_b; /* the two places (latest switch) */
    float shared_km;
    /* ---- speed mismatch: the run of intervals ---- */
    uint16_t mm_intervals;
    int64_t mm_start, mm_end;
    float mm_rep_sum, mm_imp_sum, mm_diff_max;
    det_point mm_first, mm_last;
    /* ---- on land: the last look-up and the run of inland positions ---- */
    int32_t land_lat, land_lon;
    bool land_checked, land_inland;
    float land_shore_m; /* at the last inland look-up */
    uint32_t land_n;
    det_point land_first, land_last;
    /* ---- cluster grid entry (lists thread through the vessel records by index + 1) ---- */
    uint32_t cl_next, cl_prev;
    uint64_t cl_key;
    /* ---- circle: samples, the current fit and the grid entry of circling vessels ---- */
    int32_t cs_lat[DET_SPOOF_SAMPLES], cs_lon[DET_SPOOF_SAMPLES];
    bool cc_in;
    double cc_lat, cc_lon; /* fitted centre, degrees */
    float cc_r, cc_sweep;  /* metres, degrees (signed) */
    uint32_t cc_next, cc_prev;
    uint64_t cc_key;
    int64_t cc_t, cc_since; /* last grouped; when the current fit run began */
    det_point cc_pt;
} det_spoof_vessel;

/* An alert over many vessels (a cluster point or a circle). A closed circle
 * keeps its slot (closed: centre, radius and last time only) until the slot is
 * needed, so that a circle seen again there starts after it (docs/detect.md). */
typedef struct det_spoof_site {
    bool used, opened, closed;
    double lat, lon; /* the point, or the circle's centre */
    double r_m;      /* circle radius (0 for a point) */
    int64_t start, last;
    uint32_t n, total;
    uint32_t mmsi[DET_SPOOF_SITE_MEMBERS];
    det_point pt[DET_SPOOF_SITE_MEMBERS]; /* each member's latest position there */
    uint32_t suspects;                    /* cluster: members that jumped in or are inland */
} det_spoof_site;

typedef struct det_spoof_grid {
    uint32_t *heads; /* bucket -> vessel index + 1 */
    uint32_t cap, count;
} det_spoof_grid;

typedef struct det_spoof_global {
    det_spoof_grid cl, cc;
    det_spoof_site cl_sites[DET_SPOOF_MAX_SITES];
    det_spoof_site cc_sites[DET_SPOOF_MAX_SITES];
    int64_t next_step; /* data time of the next periodic pass */
    uint64_t sites_dropped;
} det_spoof_global;

#endif
