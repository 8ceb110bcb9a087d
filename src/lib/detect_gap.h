/* detect_gap.h - per-vessel and global state of the gap detector (detect_gap.c):
 * AIS gaps ("going dark") and Global Fishing Watch's suspected disabling. */
#ifndef LOOKOUT_DETECT_GAP_H
#define LOOKOUT_DETECT_GAP_H

#include <stdbool.h>
#include <stdint.h>

/* Times of the last positions, enough to count GFW's "14 positions in the 12 h
 * before the gap" exactly (disabling.min_reports is used up to this many). */
#define DET_GAP_RECENT 16

typedef struct det_gap_vessel {
    uint32_t recent[DET_GAP_RECENT]; /* report times in s since the epoch, a ring */
    uint8_t nrecent, next;           /* entries held, next slot to write */
    bool open;                       /* an OPEN notice went out for the current silence */
} det_gap_vessel;

typedef struct det_gap_global {
    int64_t next_step_ms; /* the silent vessels are looked for once a data minute */
} det_gap_global;

#endif
