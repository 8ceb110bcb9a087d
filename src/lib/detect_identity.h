/* detect_identity.h - per-vessel and global state of the identity detector (detect_identity.c). */
#ifndef LOOKOUT_DETECT_IDENTITY_H
#define LOOKOUT_DETECT_IDENTITY_H

#include <stdint.h>

typedef struct det_identity_vessel {
    uint8_t unused; /* to be filled by the module */
} det_identity_vessel;

typedef struct det_identity_global {
    uint8_t unused;
} det_identity_global;

#endif
