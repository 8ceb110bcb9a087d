/* detect_loiter.h - per-vessel and global state of the loitering detector
 * (detect_loiter.c): a run of slow positions per ship. */
#ifndef LOOKOUT_DETECT_LOITER_H
#define LOOKOUT_DETECT_LOITER_H

#include <stdint.h>

typedef struct det_loiter_vessel {
    det_point first, last;    /* the run's first and latest slow position */
    int64_t fast_since;       /* first fast position after the last slow one (0: none) */
    int64_t sum_dlat, sum_dlon; /* offsets from the first position (microdegrees), for the mean */
    uint32_t n;               /* slow positions in the run */
    uint32_t sum_speed;       /* their speeds, 1/10 kn */
    uint32_t anchored;        /* of them reporting at anchor (status 1) */
    uint32_t moored;          /* of them reporting moored (status 5) */
    uint32_t trail;           /* the run's evidence trail: slot + 1 in the pool (0: none) */
    float shore_nm;           /* distance to shore at the threshold (looked up once a run) */
    uint8_t state;            /* DET_LOITER_* in detect_loiter.c */
} det_loiter_vessel;

/* Trails only for ships in a slow run (a fraction of them), from a pool. */
typedef struct det_loiter_global {
    det_trail **chunks;
    uint32_t nchunks, nslots, free_head; /* free slots chained through their `total` */
} det_loiter_global;

#endif
