/* detect_zone.h - per-vessel and global state of the zone detector (detect_zone.c). */
#ifndef LOOKOUT_DETECT_ZONE_H
#define LOOKOUT_DETECT_ZONE_H

#include <stdint.h>

typedef struct det_zone_vessel {
    uint8_t unused; /* to be filled by the module */
} det_zone_vessel;

typedef struct det_zone_global {
    uint8_t unused;
} det_zone_global;

#endif
