/* encode.h - messages -> NMEA: the inverse of decoding, for tests, the scenario
 * simulator and users who need to emit AIS.
 *
 * Two steps, each usable alone:
 *   JSON object (as `lookout decode` writes it) -> message bits   lo_encode_json()
 *   message bits -> one or more !AIVDM sentences                  lo_encode_nmea()
 * The first walks the same layout tables the decoder walks (layout.h), so every
 * message type and variant the decoder knows can be encoded, and nothing here
 * knows a message type. Neither function allocates beyond the JSON parser's own
 * tree, prints or reads the clock; both write only inside the buffers given. */
#ifndef LOOKOUT_ENCODE_H
#define LOOKOUT_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/limits.h"
#include "lookout/message.h"

typedef struct lo_encode_opts {
    /* A message whose last fields are all missing is normally sent without them
     * when its type allows that length (types 1-3 without "radio", type 5
     * without "dte"): that is how the decoder reports such short messages, so
     * decode | encode | decode gives the same fields back. Set this to send the
     * full length instead, the missing fields filled with their defaults. */
    bool full_length;
} lo_encode_opts;

/* Encode one JSON object (len bytes of text, no NUL needed) into message bits.
 * Field names and raw values are those of `lookout decode` (gpsd's); with
 * "scaled":true, positions, speeds, courses and rate of turn may be given in
 * the human units `lookout decode --scaled` writes. The variant is chosen from
 * the values (type 24 "part" and auxiliary MMSI, type 22 "addressed", 25/26
 * "addressed"/"structured", 6/8 "dac"/"fid" and "data") by the decoder's own
 * rules. A missing field takes its "not available" value when it has one, else
 * 0; keys that are not fields of the message are errors, except "class",
 * "device", "scaled", "channel", "rx_time", "station" and NAME_text.
 *
 * bits must hold LO_MAX_PAYLOAD_BYTES; *nbits receives the message length.
 * meta (may be NULL) receives "rx_time", "station" and "channel" when given
 * (LO_TIME_NONE, "" and 0 otherwise). On error, err (may be NULL) receives a
 * one-line reason naming the field ("field 'lat': ..."). Returns 0,
 * LO_E_INVAL (not JSON, wrong value type, bad text), LO_E_RANGE (value out of
 * range, text or message too long) or LO_E_UNKNOWN_FIELD. o may be NULL. */
int lo_encode_json(const char *json, size_t len, const lo_encode_opts *o, uint8_t *bits, uint32_t *nbits,
                   lo_meta *meta, char *err, size_t errlen);

/* How message bits become sentences. A zeroed struct gives !AIVDM sentences
 * with an empty channel and 60 payload characters per sentence. */
typedef struct lo_nmea_opts {
    const char *talker;   /* two characters, "AI" when NULL */
    bool own_ship;        /* VDO instead of VDM */
    char channel;         /* 'A', 'B', '1', '2', or 0 for an empty field */
    uint8_t seq_id;       /* sequential message id 0-9 of a multi-sentence message */
    unsigned max_payload; /* payload characters per sentence, 1-LO_MAX_PAYLOAD_CHARS; 0: 60 */
    bool tag_block;       /* prefix NMEA 4.10 tag blocks (only when they have something to say) */
    int64_t time_ms;      /* tag block c: (written in whole seconds) when > 0 */
    const char *station;  /* tag block s: when not NULL or "" (no ',', '*', '\\', '!', '$') */
    uint32_t group_id;    /* tag block g: id of a multi-sentence message */
    bool crlf;            /* end sentences with CR LF rather than LF */
} lo_nmea_opts;

/* Longest output of lo_encode_nmea for any message and options. */
#define LO_MAX_NMEA_OUT (LO_MAX_FRAGMENTS * LO_MAX_LINE)

/* Write nbits of message bits as sentences into out: up to max_payload armour
 * characters each, split into at most LO_MAX_FRAGMENTS sentences, fill bits in
 * the last, each with its checksum. With tag_block, the first sentence's tag
 * block carries s: and c:, and every sentence of a multi-sentence message
 * carries g:n-total-group_id. Every sentence ends with a line end; the text
 * is NUL-terminated. Returns its length, LO_E_INVAL for bad options or a
 * message that needs more than LO_MAX_FRAGMENTS sentences, or LO_E_NOSPACE
 * (LO_MAX_NMEA_OUT bytes always suffice). */
int lo_encode_nmea(const uint8_t *bits, uint32_t nbits, const lo_nmea_opts *o, char *out, size_t cap);

/* Number of sentences lo_encode_nmea would write for nbits with max_payload
 * characters per sentence (0: 60). */
unsigned lo_nmea_sentences(uint32_t nbits, unsigned max_payload);

/* One field value for lo_encode_fields. */
typedef struct lo_field_value {
    const char *name; /* the field's name as decode writes it: "lat", "shipname", "part" */
    int64_t value;    /* raw units, as decode writes them: lat/lon in 1/10000 minute,
                         speed in 1/10 knot, booleans 0/1, type 24 "part" 0 (A) or 1 (B),
                         times as their packed bits (type 5 "eta": month, day, hour,
                         minute in 4, 5, 5, 6 bits) */
    const char *text; /* text fields: the text (NUL-terminated; value is ignored);
                         NULL for every other field */
} lo_field_value;

/* Encode a message from field values, without JSON: the fast path for programs
 * that make messages (the scenario simulator). Walks the same layout tables as
 * lo_encode_json, so every standard message type 1-27 can be written, with
 * these differences: values are raw, the message is always its layout's full
 * length (no short forms), and raw data, arrays, type 21 name extensions and
 * binary application fields (types 6/8 beyond DAC/FI) are not supported (use
 * lo_encode_json). Values may come in any order; in the layout's order each is
 * found with one comparison. "type" need not be given (it is `type`).
 *
 * The variant is one the decoder would choose for the bits written and that
 * carries every value given (type 24: "part", and the MMSI for an auxiliary
 * craft's part B): the layout the decoder picks for the type alone when that
 * fits, else the first of the type's layouts that does. A field not given takes its
 * "not available" value, else 0; text shorter than its field is '@'-padded.
 * For type 24 part B, "vendorid" and "model"/"serial" are the same bits: the
 * values given last in the layout ("model", "serial") win.
 *
 * bits must hold LO_MAX_PAYLOAD_BYTES. Returns 0, LO_E_INVAL (bad arguments, a
 * text for a number or a number for a text, a character six-bit text cannot
 * carry, an unsupported field), LO_E_RANGE (a value that does not fit its bits,
 * text too long, a value for a field no variant carries) or LO_E_UNKNOWN_FIELD,
 * with a one-line reason naming the field in err (may be NULL). No allocation,
 * no I/O; writes only inside bits, nbits and err. */
int lo_encode_fields(unsigned type, const lo_field_value *values, size_t n, uint8_t *bits, uint32_t *nbits,
                     char *err, size_t errlen);

#endif
