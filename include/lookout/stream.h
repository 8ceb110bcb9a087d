/* stream.h - a byte stream of NMEA lines -> complete AIS message payloads.
 * Handles line framing, tag blocks (also alone on a line, or two sentences on
 * one line), Gatehouse $PGHP headers, receiver trailers and multi-sentence
 * reassembly keyed by (source, channel, sequence id). Bounded memory: lines are
 * capped, reassembly has a fixed number of slots with age-out. Every rejected
 * line or dropped fragment is counted by reason and reported to on_reject. */
#ifndef LOOKOUT_STREAM_H
#define LOOKOUT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/message.h"

/* A complete message: its bits and where/when it was heard. */
typedef struct lo_payload {
    const uint8_t *bits; /* NULL when the armour is left to the caller (below) */
    uint32_t nbits;
    /* With lo_stream_callbacks.defer_armour, a one-sentence message comes as
     * its armour characters, not yet checked, and bits is NULL; nbits is the
     * same (6 a character, less the fill bits). The caller decodes them with
     * lo_armour_decode; when that fails (a character outside the armour) the
     * message is what the stream would have rejected: the caller reports it
     * (LO_REJECT_BAD_PAYLOAD_CHAR) and counts it with
     * lo_stream_count_armour_reject, or lo_stats_count_armour_reject on stats
     * added up later. Messages of several sentences always come as bits. */
    const char *armour;
    uint32_t armour_len;
    lo_meta meta;
    const char *raw; /* the sentence line(s) that carried it, '\n'-joined */
    size_t raw_len;
} lo_payload;

typedef struct lo_stats {
    uint64_t bytes;
    uint64_t lines;
    uint64_t sentences;       /* AIS sentences accepted by the framer */
    uint64_t other_sentences; /* other NMEA sentences, skipped */
    uint64_t payloads;        /* complete messages handed on */
    uint64_t decoded;         /* messages decoded (counted by lo_stats_decoded) */
    uint64_t rejects;         /* sum of reject[] */
    uint64_t reject[LO_REJECT_COUNT];
    uint64_t by_type[28];
} lo_stats;

typedef struct lo_stream_callbacks {
    void *ctx;
    /* A complete message. The payload is valid only during the call. */
    void (*on_payload)(void *ctx, const lo_payload *p);
    /* A rejected line or dropped fragment(s); raw may be the sentence(s) involved. */
    void (*on_reject)(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line);
    /* Leave the armour of one-sentence messages, its check and its decoding,
     * to the caller (a reading thread that hands messages to a decoding thread
     * balances the two this way); see lo_payload. */
    bool defer_armour;
} lo_stream_callbacks;

typedef struct lo_stream lo_stream;

/* source: default station name for sentences without one (may be NULL). */
lo_stream *lo_stream_create(const lo_stream_callbacks *cb, const char *source);
void lo_stream_destroy(lo_stream *s);

/* Feed any number of bytes; lines may span calls. */
void lo_stream_feed(lo_stream *s, const char *data, size_t len);
/* Feed one complete line (without terminator). */
void lo_stream_feed_line(lo_stream *s, const char *line, size_t len);
/* End of input: a last line without terminator is processed, and every
 * unfinished multi-sentence message is dropped and counted. */
void lo_stream_finish(lo_stream *s);

const lo_stats *lo_stream_stats(const lo_stream *s);
/* Count a reject found after framing (e.g. by the decoder) in the same stats. */
void lo_stream_count_reject(lo_stream *s, lo_reject why);
void lo_stream_count_decoded(lo_stream *s, unsigned type);
/* A deferred one-sentence message whose armour failed (defer_armour): one
 * payload less and one LO_REJECT_BAD_PAYLOAD_CHAR more, as the stream would
 * have counted it. */
void lo_stream_count_armour_reject(lo_stream *s);
void lo_stats_count_armour_reject(lo_stats *st);

#endif
