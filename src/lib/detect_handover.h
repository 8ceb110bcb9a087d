/* detect_handover.h - per-vessel and global state of the identity handover
 * detector (detect_handover.c): a vessel falls silent as MMSI A and a new MMSI
 * B is first heard near A's last position soon after. */
#ifndef LOOKOUT_DETECT_HANDOVER_H
#define LOOKOUT_DETECT_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

/* Positions kept for evidence: a vessel's last ones (A), or while it waits
 * for its decision its first ones (B). */
#define DET_HO_KEEP 3

typedef struct det_handover_vessel {
    /* read by every position: first */
    uint32_t cell;          /* cell of the silent index it is listed in + 1; 0 when not listed */
    uint32_t enq_s;         /* time (s) of its latest silence-queue entry */
    uint16_t npos;          /* positions seen (saturates) */
    uint8_t queued;         /* enq_s is valid */
    uint8_t pending;        /* new vessel waiting for its decision (as B) */
    uint8_t nkeep, next;    /* points held in keep, next slot */
    uint32_t cnext, cprev;  /* neighbours in the cell's list (index + 1) */
    uint32_t pend_s;        /* its first report (s), while pending */
    det_point keep[DET_HO_KEEP];
} det_handover_vessel;

/* An entry of the silence queue: due confirm_min after t_s. */
typedef struct det_ho_entry {
    uint32_t idx1;          /* vessel record + 1; DET_HO_NEW set: a new vessel's decision */
    uint32_t mmsi;          /* the record's MMSI then (the record may have changed hands) */
    uint32_t t_s;
} det_ho_entry;
#define DET_HO_NEW 0x80000000u

typedef struct det_handover_global {
    uint32_t *cells;        /* 1-degree cells: head of each cell's list of silent vessels (index + 1) */
    det_ho_entry *q;        /* ring, cap a power of two */
    uint32_t qcap, qhead, qlen;
    uint32_t lazy_s;        /* a vessel re-enters the queue at most once per this (confirm / 2) */
    int64_t confirm_ms;
    uint64_t listed;        /* vessels in the silent index now */
} det_handover_global;

#endif
