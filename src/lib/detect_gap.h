/* detect_gap.h - per-vessel and global state of the gap detector (detect_gap.c). */
#ifndef LOOKOUT_DETECT_GAP_H
#define LOOKOUT_DETECT_GAP_H

#include <stdint.h>

typedef struct det_gap_vessel {
    uint8_t unused; /* to be filled by the module */
} det_gap_vessel;

typedef struct det_gap_global {
    uint8_t unused;
} det_gap_global;

#endif
