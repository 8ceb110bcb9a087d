/* import.h - decoded AIS datasets (CSV) -> messages, so that data users already
 * hold goes through the same tracker and store as a live feed.
 *
 * Two formats, told apart by their header line:
 *   US MarineCadastre   MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,
 *                       CallSign,VesselType,Status,Length,Width,Draft,Cargo,
 *                       TransceiverClass
 *   Danish Maritime     # Timestamp,Type of mobile,MMSI,Latitude,Longitude,
 *   Authority (DMA)     Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,
 *                       Name,Ship type,Cargo type,Width,Length,Type of position
 *                       fixing device,Draught,Destination,ETA,Data source type,
 *                       A,B,C,D
 * Columns are found by name, in any order; unknown columns are ignored.
 *
 * Each row becomes the messages a transponder would have sent: a position
 * report (type 1 for Class A, 18 for Class B, 4 for base stations, 9 for SAR
 * aircraft, 21 for aids to navigation) and, when the row's static data differs
 * from the last seen for that MMSI, a type 5 (Class A) or types 24 A and B
 * (Class B). They are real messages (encoded with lo_encode_json and decoded
 * again), each with meta.rx_time_ms set to the row's time. docs/store.md lists
 * how every column maps.
 *
 * Library rules: no I/O, no clock reads, no globals; rows are parsed with
 * their length (no NUL needed) and a bounded number of fields. */
#ifndef LOOKOUT_IMPORT_H
#define LOOKOUT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/message.h"

typedef enum lo_import_format {
    LO_IMPORT_NONE = 0,       /* not a CSV dataset lookout knows */
    LO_IMPORT_MARINECADASTRE, /* US MarineCadastre / NOAA AccessAIS */
    LO_IMPORT_DMA,            /* Danish Maritime Authority (aisdk) */
} lo_import_format;

/* Why a row was rejected (counted, never printed). */
#define LO_IMPORT_REJECT_MAP(X)                                                       \
    X(LINE_TOO_LONG, "line_too_long", "row longer than LO_IMPORT_MAX_LINE bytes")     \
    X(BAD_QUOTES, "bad_quotes", "a quoted field is not closed")                       \
    X(FIELD_COUNT, "field_count", "row has fewer fields than the header needs")       \
    X(BAD_MMSI, "bad_mmsi", "MMSI is not a number of 1-9 digits")                     \
    X(BAD_TIME, "bad_time", "time is not a valid date and time")                      \
    X(BAD_NUMBER, "bad_number", "a numeric field is not a number")                    \
    X(NOTHING, "nothing", "row has neither a position nor static data")               \
    X(ENCODE, "encode", "values that no AIS message can carry")

typedef enum lo_import_reject {
    LO_IMPORT_OK = 0,
#define LO_X_(sym, key, msg) LO_IMPORT_REJECT_##sym,
    LO_IMPORT_REJECT_MAP(LO_X_)
#undef LO_X_
        LO_IMPORT_REJECT_COUNT
} lo_import_reject;

typedef struct lo_import_stats {
    uint64_t rows;            /* data rows given */
    uint64_t messages;        /* messages made */
    uint64_t positions;       /* of which position reports */
    uint64_t statics;         /* of which static data (5, 24A, 24B) */
    uint64_t rejected;        /* sum of reject[] */
    uint64_t reject[LO_IMPORT_REJECT_COUNT];
} lo_import_stats;

/* At most this many messages come from one row (position, 24A, 24B). */
#define LO_IMPORT_MAX_MESSAGES 3

/* Which format a header line (len bytes, line end optional) is. */
lo_import_format lo_import_detect(const char *line, size_t len);
const char *lo_import_format_name(lo_import_format f); /* "marinecadastre", "dma", "" */
const char *lo_import_reject_key(lo_import_reject r);
const char *lo_import_reject_text(lo_import_reject r);

typedef struct lo_import lo_import;

/* An importer for the file whose header line this is. Returns 0, LO_E_INVAL
 * (not a known header, or a required column missing: MMSI, time, latitude,
 * longitude) or LO_E_NOMEM. */
int lo_import_create(const char *header, size_t len, lo_import **out);
void lo_import_destroy(lo_import *imp);
lo_import_format lo_import_get_format(const lo_import *imp);

/* One data row (len bytes, line end optional) -> up to LO_IMPORT_MAX_MESSAGES
 * messages in out[]. Returns how many (0 for a blank line), or LO_E_REJECTED
 * with *why set (may be NULL). The position report comes first. */
int lo_import_row(lo_import *imp, const char *line, size_t len, lo_message out[LO_IMPORT_MAX_MESSAGES],
                  lo_import_reject *why);

const lo_import_stats *lo_import_get_stats(const lo_import *imp);

#endif
