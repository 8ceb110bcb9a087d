/* layout.h - each AIS message described once, as a table of fields.
 * Decoding, JSON, CSV and the encoder all walk these tables; no output repeats
 * a message's layout. Field names are gpsd's JSON names. */
#ifndef LOOKOUT_LAYOUT_H
#define LOOKOUT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

typedef enum lo_kind {
    LO_K_UINT,   /* unsigned integer */
    LO_K_INT,    /* two's-complement integer */
    LO_K_BOOL,   /* 1 bit, true/false */
    LO_K_TEXT,   /* six-bit text, bits/6 characters, '@' ends it, trailing blanks trimmed */
    LO_K_TEXT_REST, /* six-bit text filling the rest of the message (types 12, 14) */
    LO_K_TEXT_TAIL, /* six-bit text filling the rest of the message; appended to the
                       text field before it on output (type 21 name extension) */
    LO_K_SPARE,  /* skipped; kept for the encoder (written as 0) */
    LO_K_DATA,   /* raw bits to the end of the message less `tail` bits, "n:hex" */
    LO_K_MDHM,   /* month 4, day 5, hour 5, minute 6 bits: "MM-DDTHH:MMZ" */
    LO_K_YMDHMS, /* year 14, month 4, day 5, hour 5, minute 6, second 6: ISO 8601 */
    LO_K_DHM,    /* day 5, hour 5, minute 6: "DDTHH:MMZ" */
    LO_K_HM,     /* hour 5, minute 6: "HH:MM" */
    LO_K_PART,   /* type 24 part number: "A", "B" */
    LO_K_BACK,   /* moves the bit position back `bits` bits: the fields after it
                    read the same bits again another way (type 24 vendor id) */
    LO_K_ARRAY,  /* repeated group of `element` fields filling the rest of the message
                    (whole elements; with LO_L_ZERO_FILL on the element layout, also a
                    last element cut short, its missing bits read as 0); after a COUNT
                    field, that many elements instead */
    LO_K_COUNT,  /* unsigned element count of the ARRAY that follows; not output
                    (the array's length says it) */
    LO_K_ENUM_ONLY, /* unsigned that must be one of its `names`: any other value means
                       the message is not this layout (it is kept as raw data) */
    LO_K_DMHM,   /* day 5, month 4, hour 5, minute 6: "MM-DDTHH:MM" */
    LO_K_MDHM_SHORT, /* month 4, day 5, hour 5, minute 6: "M-DTH:M", unpadded, no zone */
} lo_kind;

/* Units for --scaled output (raw values are always kept). */
typedef enum lo_unit {
    LO_U_RAW = 0,
    LO_U_LON_MIN4,   /* 1/10000 minute -> degrees, n/a 181 deg */
    LO_U_LAT_MIN4,   /* 1/10000 minute -> degrees, n/a 91 deg */
    LO_U_LON_MIN3,   /* 1/1000 minute */
    LO_U_LAT_MIN3,
    LO_U_LON_MIN1,   /* 1/10 minute (types 17, 22, 23, 27) */
    LO_U_LAT_MIN1,
    LO_U_TENTH,      /* 1/10 of the unit (knots, degrees, metres) */
    LO_U_TURN,       /* rate of turn indicator -> degrees/minute */
} lo_unit;

/* Text for enumerated values ("status_text"). */
typedef struct lo_enum {
    const char *const *names;
    uint16_t count;
    const char *other;     /* for values beyond the table; NULL prints nothing */
    const uint16_t *codes; /* when set, names[i] is the text of value codes[i] (a sparse
                              table); otherwise names[v] is the text of value v */
} lo_enum;

/* Text of value v of an enumeration: its name, else e->other (may be NULL). */
const char *lo_enum_text(const lo_enum *e, int64_t v);

struct lo_layout;

#define LO_KEY_BUF 33

typedef struct lo_field {
    const char *name;     /* gpsd JSON name */
    uint16_t bits;        /* width (0: a constant 0 the variant does not carry);
                             DATA: bits kept after it; ARRAY: max count */
    uint8_t kind;         /* lo_kind */
    uint8_t unit;         /* lo_unit */
    int32_t na;           /* "not available" value (encoder default), see LO_NA_NONE */
    const lo_enum *names; /* when set, also output NAME_text */
    const struct lo_layout *element; /* ARRAY element */
    /* JSON keys rendered once at compile time: ,"name": and ,"name_text":, in
     * arrays long enough for the writer to copy a fixed 32 bytes from either the
     * comma or the quote (a key longer than 32 bytes does not compile). */
    uint8_t key_len, text_key_len;
    char key[LO_KEY_BUF];
    char text_key[LO_KEY_BUF];
} lo_field;

#define LO_NA_NONE INT32_MIN

typedef struct lo_layout {
    const char *name;       /* "1", "24B", "8/1/31", ... */
    const lo_field *fields;
    uint16_t nfields;
    uint16_t min_bits;      /* shortest accepted message (bits, whole message) */
    uint16_t max_bits;      /* longest accepted message */
    uint8_t flags;          /* LO_L_* */
    const char *why;        /* the length rule and its reason, for docs */
    const uint8_t *order;   /* JSON order of the fields (every field index once) where
                               gpsd prints them in another order than the bits; NULL:
                               table order */
} lo_layout;

/* Fields past the end of a short message read as 0 instead of being absent
 * (lists of up to N entries: types 7, 13, 15, 16, 20; gpsd prints them as 0). */
#define LO_L_ZERO_FILL 1u

/* The layout a standard message of this type and length would use when its
 * variant is chosen by the given raw bits (NULL for types outside 1-27). */
const struct lo_layout *lo_layout_select(const uint8_t *bits, uint32_t nbits);

/* Binary application layout for type 6 or 8, DAC, FI and message length, or
 * NULL when lookout has none (the payload is then kept as raw data). */
const struct lo_layout *lo_app_layout(unsigned type, unsigned dac, unsigned fid,
                                      uint32_t nbits);

/* The i-th binary application table (from 0) and the type, DAC and FI it is
 * for; NULL past the last. For documentation and the encoder. */
const struct lo_layout *lo_app_layout_at(size_t i, unsigned *type, unsigned *dac, unsigned *fid);

/* Application data lookout does not decode: kept as raw bits ("data"). */
extern const struct lo_layout lo_layout_app_data;

/* Every layout, for documentation and tests; NULL-terminated. */
extern const struct lo_layout *const lo_all_layouts[];

#endif
