/* geojson.h - vessels and tracks -> text: JSON lines, CSV, or GeoJSON (RFC 7946)
 * that QGIS and web maps open directly. Used by `lookout vessels` / `lookout
 * track` and by the server (issue #5).
 *
 * A writer is a small caller-allocated state (lo_geo_init) fed one record at a
 * time; each call writes into the caller's buffer and returns the bytes
 * written, or LO_E_NOSPACE with nothing written and the state unchanged
 * (LO_GEO_MAX_RECORD bytes always suffice). No allocation, no I/O.
 *
 * Units are human: degrees (6 decimals), knots, degrees of course, metres,
 * ISO 8601 UTC times; values "not available" are null (JSON) or empty (CSV).
 *
 * GeoJSON: a FeatureCollection. Vessels are Point features (geometry null for
 * a vessel without a position). A track is one LineString feature per segment,
 * with the points of that segment in time order; a segment of one point is a
 * LineString of that point twice (so that every feature is a line and QGIS
 * opens one layer); a segment crossing the antimeridian is cut there into
 * parts (RFC 7946 section 3.1.9), each its own LineString feature with the
 * same segment number and "part" 1, 2, ... */
#ifndef LOOKOUT_GEOJSON_H
#define LOOKOUT_GEOJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/tracker.h"

typedef enum lo_geo_format { LO_GEO_JSON, LO_GEO_CSV, LO_GEO_GEOJSON } lo_geo_format;
typedef enum lo_geo_kind { LO_GEO_VESSELS, LO_GEO_TRACK } lo_geo_kind;

/* "json", "csv" or "geojson". Returns 0 or LO_E_INVAL. */
int lo_geo_format_parse(const char *s, lo_geo_format *f);

/* One call never writes more than this. */
#define LO_GEO_MAX_RECORD 4096

typedef struct lo_geo_writer {
    lo_geo_format format;
    lo_geo_kind kind;
    uint64_t records;  /* vessels or points written */
    uint64_t features; /* GeoJSON features begun */
    /* the open track feature (GeoJSON) */
    bool open;
    uint32_t mmsi, segment, part;
    uint32_t points, coords; /* real points; positions written (with edge vertices) */
    int64_t start_ms, end_ms;
    int32_t last_lat, last_lon;
} lo_geo_writer;

void lo_geo_init(lo_geo_writer *w, lo_geo_format f, lo_geo_kind k);
/* Before the first record: the CSV header, or the FeatureCollection's start. */
int lo_geo_begin(lo_geo_writer *w, char *buf, size_t cap);
int lo_geo_vessel(lo_geo_writer *w, const lo_vessel *v, char *buf, size_t cap);
/* Track points, ordered by MMSI, segment, then time (as lo_store_track gives them). */
int lo_geo_point(lo_geo_writer *w, const lo_track_point *p, char *buf, size_t cap);
/* After the last record: closes the open feature and the collection. */
int lo_geo_end(lo_geo_writer *w, char *buf, size_t cap);

#endif
