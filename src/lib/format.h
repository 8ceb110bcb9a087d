/* format.h - one field value as text, shared by the JSON and CSV writers. */
#ifndef LOOKOUT_FORMAT_H
#define LOOKOUT_FORMAT_H

#include <stdbool.h>

#include "lookout/message.h"
#include "strbuf.h"

typedef enum { FMT_JSON, FMT_CSV } fmt_style;

/* Write the value of field f (raw slot v) of message m. Text is JSON-escaped and
 * quoted, or CSV-quoted when needed. Returns false for values not written
 * (absent, spare). */
bool lo_fmt_value(strbuf *b, const lo_message *m, const lo_field *f, int64_t v, bool scaled, fmt_style style);
void lo_fmt_text(strbuf *b, const char *s, size_t n, fmt_style style);
/* Raw month 4, day 5, hour 5, minute 6 bits (as type 5 carries an ETA) as
 * "MM-DDTHH:MMZ"; "not available" is month 0, day 0, hour 24, minute 60. */
void lo_fmt_mdhm(strbuf *b, int64_t v);

#endif
