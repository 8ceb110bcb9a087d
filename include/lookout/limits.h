/* limits.h - every hard limit of lookout in one place, each with its reason.
 * Input is hostile: every buffer, table and queue that input can grow is capped here. */
#ifndef LOOKOUT_LIMITS_H
#define LOOKOUT_LIMITS_H

/* NMEA 0183 says 82 characters; tag blocks and receiver trailers make real lines longer.
 * 1 KiB leaves room for both; a longer line is rejected whole, never truncated. */
#define LO_MAX_LINE 1024

/* Six-bit characters in one reassembled message. ITU-R M.1371-5 caps a message at
 * 5 slots (1008 data bits = 168 characters); real feeds carry a few longer ones, so we
 * allow twice that and reject beyond. */
#define LO_MAX_PAYLOAD_CHARS 336
#define LO_MAX_PAYLOAD_BITS (LO_MAX_PAYLOAD_CHARS * 6)
#define LO_MAX_PAYLOAD_BYTES (LO_MAX_PAYLOAD_BITS / 8)

/* NMEA fragment counts are one digit. */
#define LO_MAX_FRAGMENTS 9

/* Concurrent multi-sentence messages being reassembled. Real interleaving is a
 * handful per source; 256 covers merged feeds of many receivers. */
#define LO_REASSEMBLY_SLOTS 256
/* A fragment waits at most this many sentences for its siblings. */
#define LO_REASSEMBLY_MAX_AGE 1000

/* Station / source names (tag block s:, USCG r..., PGHP station). */
#define LO_MAX_STATION 32

/* Decoded values per message, including repeated groups (tidal windows, ...). */
#define LO_MAX_VALUES 160
/* Bytes of decoded text per message (all text fields together, NUL included). */
#define LO_MAX_TEXT 512

/* Vessel tracker (tracker.c). The table holds at most this many vessels (the
 * longest-silent is evicted beyond the configured cap); 2^26 is far above the
 * ~1 million MMSIs heard worldwide in a year and keeps record indexes in 32 bits. */
#define LO_TRACK_MAX_VESSELS (1u << 26)
/* Recent message fingerprints kept per vessel to drop duplicates. A Class A ship
 * at speed reports every 2 s, plus static data: 8 covers a 10 s window. */
#define LO_TRACK_DEDUP_SLOTS 8
/* Track segments kept open per MMSI (two or three transmitters sharing one MMSI,
 * plus an outlier); the least recently extended is closed beyond this. */
#define LO_TRACK_OPEN_SEGMENTS 4

/* CSV datasets (import_csv.c). MarineCadastre rows are ~150 bytes, the Danish
 * Maritime Authority's ~250; 4 KiB leaves room for long quoted names and is
 * rejected beyond, never truncated. Both formats have fewer than 32 columns. */
#define LO_IMPORT_MAX_LINE 4096
#define LO_IMPORT_MAX_FIELDS 64
/* Static data is turned into a message only when it changed for the MMSI; the
 * last static content of this many MMSIs is remembered (a direct-mapped cache:
 * a collision costs one repeated static message, never a wrong one). */
#define LO_IMPORT_STATIC_CACHE (1u << 16)

/* Store (store.c). Rows wait in memory until their batch is committed (sorted,
 * they go into the B-trees in key order); a batch is at most this many rows
 * (about 64 MiB of positions). */
#define LO_STORE_MAX_BATCH 1000000
/* Spatial index entries (6-hour period, 1-degree cell, MMSI) already written are
 * remembered in a direct-mapped cache of this many slots, so that a vessel
 * staying in its cell does not write the same entry again (a collision only
 * costs one INSERT OR IGNORE). */
#define LO_STORE_CELL_CACHE (1u << 16)

/* Geographic data (geo.c, land.c, ports.c, zones.c). Natural Earth's 10 m land
 * is 16 MB of GeoJSON with 409,000 vertices; the caps leave room for coastlines
 * ten times finer while bounding what a bad or hostile file can make us
 * allocate (about 150 bytes per land vertex, 100 per port). */
#define LO_GEO_MAX_FILE (512u << 20)        /* bytes of one data file, decompressed */
#define LO_GEO_MAX_VERTICES (1u << 24)      /* land vertices after cutting, and per zone file */
#define LO_GEO_MAX_PORTS (1u << 22)         /* ports and anchorages together */
#define LO_GEO_MAX_ZONES (1u << 16)         /* zones in one lo_zones */
#define LO_GEO_MAX_CSV_LINE 4096            /* a longer port CSV line is refused */
#define LO_GEO_MAX_LAND_CPD 16              /* land grid cells per degree (16: 66 M cells) */

#endif
