/* sentence.h - bytes -> sentences: NMEA 0183 AIS sentences (!xxVDM / !xxVDO),
 * NMEA 4.10 tag blocks and receiver trailers. Stateless; never reads outside
 * the given buffer. */
#ifndef LOOKOUT_SENTENCE_H
#define LOOKOUT_SENTENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/limits.h"

/* Receive times are milliseconds since the Unix epoch; this marks "unknown". */
#define LO_TIME_NONE INT64_MIN

/* What a tag block, Gatehouse header or receiver trailer said about a sentence. */
typedef struct lo_tagblock {
    int64_t time_ms;              /* c: (seconds or milliseconds), or LO_TIME_NONE */
    char station[LO_MAX_STATION]; /* s: source station, "" if none */
    uint8_t group_num;            /* g: sentence number in group, 0 if none */
    uint8_t group_total;          /* g: sentences in group */
    uint32_t group_id;            /* g: group id */
    bool has_group;
} lo_tagblock;

/* One AIS sentence. payload points into the parsed buffer. */
typedef struct lo_sentence {
    char talker[3];  /* "AI", "AB", "BS", ... */
    bool own_ship;   /* VDO rather than VDM */
    uint8_t total;   /* fragments in the message, 1-9 */
    uint8_t num;     /* this fragment, 1-total */
    int8_t seq;      /* sequential message id 0-9, or -1 when empty */
    char channel;    /* 'A', 'B', '1', '2', or 0 when empty */
    uint8_t fill;    /* fill bits 0-5 */
    const char *payload;
    uint16_t payload_len;
} lo_sentence;

/* Parse one AIS sentence starting at s[0] == '!' (len bytes available).
 * On success returns 0 and sets *consumed to the bytes up to and including the
 * two checksum digits. On failure returns LO_E_REJECTED with *why set. */
int lo_sentence_parse(const char *s, size_t len, lo_sentence *out, lo_reject *why,
                      size_t *consumed);

/* Parse a tag block starting at s[0] == '\\'. Fields not present are left as they
 * were in *tb (so a caller can merge). *consumed covers the closing backslash. */
int lo_tagblock_parse(const char *s, size_t len, lo_tagblock *tb, lo_reject *why,
                      size_t *consumed);

/* Parse fields after an AIS sentence's checksum (USCG ",r<station>,<unix time>",
 * AISHub/aduvenhage ",<unix time>", loggers' " <ISO time>"; a time is read as
 * lo_prefix_time_parse reads one). Updates *tb where something was found. */
void lo_trailer_parse(const char *s, size_t len, lo_tagblock *tb);

/* Parse a Gatehouse "$PGHP,1,..." header (after checksum verification). Returns 0
 * and fills time and station when it is a type-1 header. */
int lo_pghp_parse(const char *s, size_t len, lo_tagblock *tb);

/* Receive time written by a logger before the sentence on the same line:
 * Unix seconds or milliseconds ("1622548800.123") or ISO 8601 UTC
 * ("2021-06-01T12:00:00.123Z", "2021-06-01 12:00:00"), followed by separators
 * (space, comma, tab, ';', '|'). Returns ms since the epoch or LO_TIME_NONE. */
int64_t lo_prefix_time_parse(const char *s, size_t len);

/* Check the "*hh" checksum of any NMEA sentence starting at s[0] ('!' or '$').
 * Returns 0, or LO_E_REJECTED with *why NO_CHECKSUM or BAD_CHECKSUM. */
int lo_nmea_verify(const char *s, size_t len, lo_reject *why);

/* XOR checksum of bytes [s, s+len). */
uint8_t lo_nmea_checksum(const char *s, size_t len);

#endif
