/* detect_identity.h - per-vessel and global state of the identity detector
 * (detect_identity.c): MMSI and IMO checks done, recent values of each
 * identity field (so that a vessel flipping between two names is reported
 * once), and the IMO -> MMSI table for IMO numbers sent by several MMSIs. */
#ifndef LOOKOUT_DETECT_IDENTITY_H
#define LOOKOUT_DETECT_IDENTITY_H

#include <stdint.h>

/* Fields followed for changes: name, call sign, IMO, ship type. */
#define DET_ID_FIELDS 4
/* Values remembered per field (the current one and the one before). */
#define DET_ID_RECENT 2
/* Identity change events per vessel; later changes are counted only. */
#define DET_ID_MAX_CHANGES 16

typedef struct det_identity_vessel {
    uint32_t recent[DET_ID_FIELDS][DET_ID_RECENT]; /* value hashes, [0] newest; 0 = none */
    uint32_t bad_imo;      /* last IMO reported as invalid */
    uint32_t shared_imo;   /* last IMO reported as shared ... */
    uint32_t shared_with;  /* ... with this MMSI */
    uint16_t changes;      /* identity change events raised */
    uint16_t flips;        /* changes back to a recent value (not raised) */
    uint8_t mmsi_checked;  /* the MMSI was checked (as a vessel) */
    uint8_t mmsi_bad;      /* ... and raised as invalid or a default number */
} det_identity_vessel;

typedef struct det_identity_imo {
    uint32_t imo;   /* 0 = empty */
    uint32_t mmsi;  /* the latest MMSI heard sending it */
    int64_t t;      /* when */
} det_identity_imo;

/* One message's identity changes, raised as one event: the tracker reports
 * them field by field, one call after another with the same MMSI and time. */
typedef struct det_identity_pending {
    uint32_t mmsi;         /* 0 = nothing pending */
    int64_t t;
    uint32_t nfields;
    uint8_t field[DET_ID_FIELDS]; /* lo_identity_field */
    uint8_t sev;                  /* lo_severity, the highest of the fields */
    char old_value[DET_ID_FIELDS][40], new_value[DET_ID_FIELDS][40];
    char why[DET_ID_FIELDS][32];
} det_identity_pending;

typedef struct det_identity_global {
    det_identity_pending pending;
    det_identity_imo *imo; /* open addressing, cap a power of two */
    uint32_t cap, count;
    uint8_t zero_reported; /* MMSI 0 was reported (it has no vessel record) */
    uint64_t suppressed;   /* changes not raised: flips, cap, same normalised name */
    uint64_t purges;       /* IMO table purges at its cap */
} det_identity_global;

#endif
