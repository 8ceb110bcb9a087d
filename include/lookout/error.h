/* error.h - lookout's one error list: API errors and the reasons input is rejected.
 * Generated from X-macros so that each code has one name and one message. */
#ifndef LOOKOUT_ERROR_H
#define LOOKOUT_ERROR_H

/* Why an input line, sentence or message was rejected (counted, never printed). */
#define LO_REJECT_MAP(X)                                                              \
    X(LINE_TOO_LONG, "line_too_long", "line longer than 1024 bytes")                   \
    X(BAD_BYTES, "bad_bytes", "line contains NUL or non-printable bytes")             \
    X(NOT_NMEA, "not_nmea", "line is not an NMEA sentence")                           \
    X(NO_CHECKSUM, "no_checksum", "sentence has no *hh checksum")                     \
    X(BAD_CHECKSUM, "bad_checksum", "sentence checksum does not match")              \
    X(FIELD_COUNT, "field_count", "AIS sentence does not have 7 fields")              \
    X(BAD_FRAGMENT_COUNT, "bad_fragment_count", "fragment count is not 1-9")          \
    X(BAD_FRAGMENT_NUMBER, "bad_fragment_number", "fragment number is not 1-count")   \
    X(BAD_SEQUENCE_ID, "bad_sequence_id", "sequence id is not empty or one digit")    \
    X(BAD_CHANNEL, "bad_channel", "radio channel is not empty, A, B, 1 or 2")         \
    X(BAD_FILL_BITS, "bad_fill_bits", "fill bits are not 0-5")                        \
    X(BAD_PAYLOAD_CHAR, "bad_payload_char", "payload has a character outside the AIS armour") \
    X(EMPTY_PAYLOAD, "empty_payload", "payload is empty")                             \
    X(PAYLOAD_TOO_LONG, "payload_too_long", "message longer than 336 characters")     \
    X(BAD_TAG_BLOCK, "bad_tag_block", "tag block is malformed")                       \
    X(TAG_BLOCK_CHECKSUM, "tag_block_checksum", "tag block checksum does not match")  \
    X(ORPHAN_PART, "orphan_part", "fragment whose first part never arrived")          \
    X(DUPLICATE_PART, "duplicate_part", "fragment received twice")                    \
    X(INCOMPLETE, "incomplete", "multi-sentence message never completed")             \
    X(SEQUENCE_REUSED, "sequence_reused", "sequence id reused before the message completed") \
    X(SLOTS_FULL, "slots_full", "reassembly table full, oldest message dropped")      \
    X(BAD_TYPE, "bad_type", "message type is 0 or above 27, or a variant that does not exist")                          \
    X(TOO_SHORT, "too_short", "message shorter than its type allows")                 \
    X(TOO_LONG, "too_long", "message longer than its type allows")

typedef enum lo_reject {
    LO_REJECT_NONE = 0,
#define LO_X_(sym, key, msg) LO_REJECT_##sym,
    LO_REJECT_MAP(LO_X_)
#undef LO_X_
        LO_REJECT_COUNT
} lo_reject;

/* API errors: 0 is success, errors are negative. */
#define LO_ERRNO_MAP(X)                                   \
    X(NOMEM, "out of memory")                             \
    X(INVAL, "invalid argument")                          \
    X(REJECTED, "input rejected (see the reject reason)") \
    X(NOSPACE, "output buffer too small")                 \
    X(UNKNOWN_FIELD, "unknown field for this message")    \
    X(RANGE, "value out of range for its field")          \
    X(IO, "input/output error")                           \
    X(STORE, "database error (lo_store_errmsg says which)")

typedef enum lo_err {
    LO_OK = 0,
#define LO_X_(sym, msg) LO_E_##sym,
    LO_E__FIRST = -64,
    LO_ERRNO_MAP(LO_X_)
#undef LO_X_
} lo_err;

/* Short machine key of a reject reason ("bad_checksum"), or "" for LO_REJECT_NONE. */
const char *lo_reject_key(lo_reject r);
/* One-line human description of a reject reason. */
const char *lo_reject_text(lo_reject r);
/* Human description of an API error code. */
const char *lo_strerror(int err);

#endif
