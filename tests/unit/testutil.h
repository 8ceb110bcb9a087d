/* testutil.h - helpers shared by the unit tests (cmocka). */
#ifndef LOOKOUT_TESTUTIL_H
#define LOOKOUT_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lookout/message.h"
#include "lookout/stream.h"

#define TU_MAX_MSGS 64

/* Everything one stream run produced. */
typedef struct tu_run {
    lo_stats stats;
    unsigned nmsgs;
    lo_message msgs[TU_MAX_MSGS];
    unsigned nrejects;
    lo_reject rejects[TU_MAX_MSGS];
    uint64_t reject_lines[TU_MAX_MSGS];
} tu_run;

/* Feed text through a fresh stream and decode every payload. Caller frees. */
tu_run *tu_decode_text(const char *text);
tu_run *tu_decode_buf(const char *buf, size_t len);
/* "!<body>*hh" with the right checksum, in a static rotating buffer. */
const char *tu_nmea(const char *body);
/* Number of rejects with this reason. */
unsigned tu_count(const tu_run *r, lo_reject why);
void tu_free(tu_run *r);
/* JSON of one message (no extras), in a static buffer. */
const char *tu_json(const lo_message *m);
/* Read a whole file (NUL-terminated); NULL when it is not there. */
char *tu_read_file(const char *path, size_t *len);

#endif
