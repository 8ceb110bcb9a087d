/* output.h - messages -> text: JSON lines (gpsd-compatible names and raw values),
 * CSV. Both walk the message's layout; nothing here knows a message type. */
#ifndef LOOKOUT_OUTPUT_H
#define LOOKOUT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "lookout/message.h"
#include "lookout/stream.h"

typedef struct lo_json_opts {
    bool scaled;       /* human units (degrees, knots) instead of raw values */
    bool no_extras;    /* omit lookout's own fields (channel, rx_time, station) */
    const char *device; /* "device" value; meta.source, then "stdin" when NULL */
    /* Optional: the device already rendered by lo_json_string (quotes included),
     * so that a long run does not escape the same name for every message. */
    const char *device_json;
} lo_json_opts;

/* s as a JSON string with quotes, NUL-terminated. Returns its length or LO_E_NOSPACE. */
int lo_json_string(const char *s, char *buf, size_t cap);

/* Write one JSON object (no newline) into buf. Returns its length, or
 * LO_E_NOSPACE when cap is too small (16 KiB always suffices). */
int lo_json_write(const lo_message *m, const lo_json_opts *o, char *buf, size_t cap);

/* CSV: a column list parsed once, then one row per message. */
typedef struct lo_csv lo_csv;
/* columns: comma-separated field names (gpsd names, plus rx_time, station, channel,
 * source, line); NULL for the default set. Returns NULL on an empty list. */
lo_csv *lo_csv_create(const char *columns, bool scaled);
void lo_csv_destroy(lo_csv *c);
int lo_csv_header(const lo_csv *c, char *buf, size_t cap);
int lo_csv_write(const lo_csv *c, const lo_message *m, char *buf, size_t cap);

/* ISO 8601 UTC with milliseconds: "2012-01-01T05:01:00.000Z" (24 chars + NUL). */
void lo_format_time(int64_t ms, char out[32]);

/* The stats as a JSON object (for --stats and the server). */
int lo_stats_json(const lo_stats *st, char *buf, size_t cap);

#endif
