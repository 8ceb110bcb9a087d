/* detect_watch.h - per-vessel and global state of the watch-list detector
 * (detect_watch.c): which entries a vessel was reported against, and a
 * fingerprint of the identity last matched so that nothing is looked up again
 * until the vessel's name, call sign or IMO changes. */
#ifndef LOOKOUT_DETECT_WATCH_H
#define LOOKOUT_DETECT_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "lookout/detect.h"

/* Entries one vessel can be reported against (more are counted, not raised). */
#define DET_WATCH_PER_VESSEL 4

typedef struct det_watch_vessel {
    uint32_t fp;                                /* identity fingerprint last matched (0 = never) */
    int32_t entry[DET_WATCH_PER_VESSEL];        /* entries reported (or pending) */
    uint8_t how[DET_WATCH_PER_VESSEL];          /* lo_watch_match of each */
    uint8_t n;                                  /* entries held */
    uint8_t pending;                            /* bit i: entry[i] waits for a position */
    uint8_t best;                               /* strongest match so far (the mark) */
    uint8_t dropped;                            /* matches beyond DET_WATCH_PER_VESSEL */
    int64_t matched_ms;                         /* when the pending ones matched */
} det_watch_vessel;

typedef struct det_watch_global {
    uint64_t matches;   /* match look-ups done */
    uint64_t dropped;   /* matches beyond the per-vessel cap */
    uint32_t npending;  /* vessels with events waiting for their first position */
} det_watch_global;

/* Every entry an identity matches (strongest first, then entry order): up to
 * cap of them in entries[] / how[] / alias[]; returns how many there are. */
uint32_t det_watch_match_all(const lo_watchlist *w, uint32_t mmsi, const lo_identity *id, uint32_t *entries,
                             uint8_t *how, bool *alias, uint32_t cap);
/* A 7-digit IMO number whose check digit is right (weights 7..2 over the first six). */
bool det_imo_valid(uint32_t imo);

#endif
