/* detect_encounter.h - per-vessel and global state of the encounter detector (detect_encounter.c). */
#ifndef LOOKOUT_DETECT_ENCOUNTER_H
#define LOOKOUT_DETECT_ENCOUNTER_H

#include <stdint.h>

typedef struct det_enc_vessel {
    uint8_t unused; /* to be filled by the module */
} det_enc_vessel;

typedef struct det_enc_global {
    uint8_t unused;
} det_enc_global;

#endif
