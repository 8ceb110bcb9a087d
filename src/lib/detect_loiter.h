/* detect_loiter.h - per-vessel and global state of the loiter detector (detect_loiter.c). */
#ifndef LOOKOUT_DETECT_LOITER_H
#define LOOKOUT_DETECT_LOITER_H

#include <stdint.h>

typedef struct det_loiter_vessel {
    uint8_t unused; /* to be filled by the module */
} det_loiter_vessel;

typedef struct det_loiter_global {
    uint8_t unused;
} det_loiter_global;

#endif
