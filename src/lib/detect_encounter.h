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

/* In the dvessel: what is needed only when a ship takes part. */
typedef struct det_enc_vessel {
    int32_t port_lat, port_lon;    /* where near_port was looked up */
    uint16_t npairs;               /* open pairs it is in */
    bool port_known;
} det_enc_vessel;

/* A ship in a grid cell: what a search reads of it, kept in the cell's own
 * array so that a search reads memory in order (32 bytes). */
typedef struct det_enc_member {
    det_point at; /* its latest slow position */
    uint32_t i1;  /* the ship: index + 1 */
} det_enc_member;

typedef struct det_enc_cell {
    uint64_t key;
    det_enc_member *m; /* NULL for a free cell */
    uint32_t n, cap;   /* members; a free cell's n is the next free cell + 1 */
} det_enc_cell;

/* Where each ship is in the grid, by vessel index + 1. */
typedef struct det_enc_node {
    uint32_t cell; /* cell index + 1 */
    uint32_t pos;  /* in its member array */
} det_enc_node;
#define DET_ENC_INDEXED 1u   /* in the grid */
#define DET_ENC_NEAR_PORT 2u /* its meetings would be in port */

typedef struct det_enc_pair det_enc_pair; /* detect_encounter.c */

typedef struct det_enc_global {
    /* grid: cell key (row, column) -> cell index + 1 */
    det_u64map cells;
    det_enc_cell *cellv;
    uint32_t ncells, cells_cap, cell_free;
    double cell_udeg;    /* cell height in microdegrees (2 x the search radius) */
    int32_t row_min;     /* row of the first entry of row_cols */
    uint32_t nrows;
    uint32_t *row_cols;  /* columns of each row (cells about square) */
    float *row_cos;      /* cosine of each row's poleward edge */
    double search_m;     /* positions compared within this (meeting distance + margin) */
    double meet_m;       /* a pair is observed within this: max(encounter, rendezvous) */
    unsigned slow_kn10;      /* slower positions take part */
    unsigned point_max_kn10; /* up to this, positions of ships in a pair still take part */
    det_enc_node *nodes;
    uint8_t *flags;      /* DET_ENC_* of each ship, by index + 1: a byte, so that the
                            check of a fast position stays in the cache */
    uint32_t nodes_cap;
    /* pairs: key (index + 1 of both ships) -> pair index + 1 */
    det_u64map pairs;
    det_enc_pair **chunks;
    uint32_t nchunks, nrecords, free_head;
    uint32_t lru_head, lru_tail; /* open pairs by their last observation, oldest first */
    int64_t next_step_ms;
} det_enc_global;

#endif
