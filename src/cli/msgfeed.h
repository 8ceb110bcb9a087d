/* msgfeed.h - files (NMEA logs, or MarineCadastre / DMA CSV datasets, told
 * apart by their first line) -> decoded messages with their times, for the
 * commands that build the picture (ingest, detect). One report clock runs
 * across all the files, as if they were one feed (docs/time.md). */
#ifndef LOOKOUT_CLI_MSGFEED_H
#define LOOKOUT_CLI_MSGFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/message.h"
#include "lookout/stream.h"

typedef struct msgfeed_callbacks {
    void *ctx;
    /* A decoded message and its time (receive time, CSV time or the clock's). */
    void (*take)(void *ctx, const lo_message *m, int64_t time_ms);
    /* After each chunk read, and every second a pipe stays quiet: commit,
     * check errors. Non-zero stops reading (the error is already printed). */
    int (*tick)(void *ctx);
    /* Extra text for the progress line ("11075 vessels"); may be NULL. */
    void (*status)(void *ctx, char *buf, size_t cap);
    /* May be NULL. Messages reach take MSGFEED_AHEAD messages after they are
     * decoded; meanwhile prefetch is called for each with stage 0, 1 and 2,
     * some messages apart, to warm the caches for it (lo_tracker_prefetch). */
    void (*prefetch)(void *ctx, const lo_message *m, int stage);
} msgfeed_callbacks;

#define MSGFEED_AHEAD 16

typedef struct msgfeed_counts {
    uint64_t messages;                /* given to take */
    uint64_t csv_rows, csv_rejected;
    uint64_t undecodable, untimed;    /* framed but not decodable; no time known */
    lo_stats nmea;                    /* summed over NMEA inputs */
} msgfeed_counts;

typedef struct msgfeed msgfeed;

/* start_ms: the clock's start (--start), or LO_TIME_NONE. progress: a progress
 * line on stderr (callers pass isatty). NULL when out of memory. */
msgfeed *msgfeed_create(const msgfeed_callbacks *cb, int64_t start_ms, bool progress);
void msgfeed_destroy(msgfeed *f);
/* Read one file ("-" = stdin). 0, or -1 after printing an error naming it. */
int msgfeed_file(msgfeed *f, const char *path);
/* Clear the progress line. */
void msgfeed_done(msgfeed *f);
const msgfeed_counts *msgfeed_get_counts(const msgfeed *f);
double msgfeed_elapsed(const msgfeed *f); /* seconds since create */

#endif
