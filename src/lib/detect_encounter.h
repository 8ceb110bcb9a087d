/* detect_encounter.h - per-vessel and global state of the encounter detector
 * (detect_encounter.c): a grid of the ships that are slow enough to meet, and
 * a bounded table of the pairs of ships close together. */
#ifndef LOOKOUT_DETECT_ENCOUNTER_H
#define LOOKOUT_DETECT_ENCOUNTER_H

#include <stdbool.h>
#include <stdint.h>

/* An open-addressing map of 64-bit keys to non-zero 32-bit values. */
typedef struct det_u64map {
    uint64_t *keys;
    uint32_t *vals; /* 0 = empty slot */
    uint32_t cap, count;
} det_u64map;

typedef struct det_enc_vessel {
    det_point at;                  /* its position in the grid (the latest slow one) */
    uint64_t cell;                 /* the grid cell holding it */
    uint32_t cell_prev, cell_next; /* the cell's list of ships: index + 1 */
    uint16_t npairs;               /* open pairs it is in */
    bool indexed;                  /* in the grid */
} det_enc_vessel;

typedef struct det_enc_pair det_enc_pair; /* detect_encounter.c */

typedef struct det_enc_global {
    /* grid: cell key (row, column) -> first ship in it */
    det_u64map cells;
    double cell_udeg;    /* cell height in microdegrees (2 x the search radius) */
    double search_m;     /* positions compared within this (meeting distance + margin) */
    double meet_m;       /* a pair is observed within this: max(encounter, rendezvous) */
    unsigned point_max_kn10; /* faster positions take no part */
    /* pairs: key (index + 1 of both ships) -> pair index + 1 */
    det_u64map pairs;
    det_enc_pair **chunks;
    uint32_t nchunks, nrecords, free_head;
    uint32_t lru_head, lru_tail; /* open pairs by their last observation, oldest first */
    int64_t next_step_ms;
} det_enc_global;

#endif
