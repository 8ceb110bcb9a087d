/* message.h - sentences -> messages: a decoded ITU-R M.1371-5 message.
 * Values are kept in raw units (as transmitted); outputs convert. The caller owns
 * lo_message structs; decoding does no allocation and no I/O. */
#ifndef LOOKOUT_MESSAGE_H
#define LOOKOUT_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/layout.h"
#include "lookout/limits.h"
#include "lookout/sentence.h"

/* Where and when a message was heard. */
typedef struct lo_meta {
    int64_t rx_time_ms;           /* LO_TIME_NONE when the feed gave no time */
    char station[LO_MAX_STATION]; /* receiving station, "" when unknown */
    char channel;                 /* 'A', 'B', '1', '2' or 0 */
    char talker[3];               /* "AI", ... */
    bool own_ship;                /* from a VDO sentence */
    uint8_t fragments;            /* sentences it was carried in */
    uint64_t line;                /* input line of its last sentence */
    const char *source;           /* name of the input (file, feed); owned by the stream */
} lo_meta;

/* Value slot marker for a field the message is too short to carry. */
#define LO_ABSENT INT64_MIN

typedef struct lo_message {
    uint8_t type;
    uint8_t repeat;
    uint32_t mmsi;
    const lo_layout *layout;   /* the type's variant */
    const lo_layout *app;      /* types 6/8: binary application layout, or NULL */
    uint16_t nbits;
    uint16_t nvalues;
    int64_t v[LO_MAX_VALUES];  /* one per field, in layout order then app order;
                                  TEXT: offset<<16|length into text[];
                                  DATA: bitpos<<16|nbits; ARRAY: element count,
                                  followed by count * element fields */
    uint16_t ntext;
    char text[LO_MAX_TEXT];
    uint8_t bits[LO_MAX_PAYLOAD_BYTES + 8]; /* + zeroed slack for 64-bit loads */
    lo_meta meta;
} lo_message;

/* Decode nbits of message bits. Returns 0, or LO_E_REJECTED with *why set
 * (BAD_TYPE, TOO_SHORT, TOO_LONG, PAYLOAD_TOO_LONG). */
int lo_decode(const uint8_t *bits, uint32_t nbits, lo_message *msg, lo_reject *why);

/* Index into msg->v of the field called name (top level or app), or -1. */
int lo_message_find(const lo_message *msg, const char *name);
/* Convenience: integer value of a named field, or dflt when absent. */
int64_t lo_message_int(const lo_message *msg, const char *name, int64_t dflt);

/* Text value stored in slot v of msg (pointer into msg->text, length in *len). */
const char *lo_message_text(const lo_message *msg, int64_t v, uint16_t *len);

#endif
