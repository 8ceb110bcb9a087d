/* detect_spoof.h - per-vessel and global state of the spoof detector (detect_spoof.c). */
#ifndef LOOKOUT_DETECT_SPOOF_H
#define LOOKOUT_DETECT_SPOOF_H

#include <stdint.h>

typedef struct det_spoof_vessel {
    uint8_t unused; /* to be filled by the module */
} det_spoof_vessel;

typedef struct det_spoof_global {
    uint8_t unused;
} det_spoof_global;

#endif
