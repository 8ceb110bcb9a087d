/* geo.h - the geographic ground truth the detectors stand on: distance and
 * bearing on the sphere, land and distance to the shore (Natural Earth land
 * polygons), the nearest port or anchorage (NGA World Port Index, Global
 * Fishing Watch anchorages) and named zones (GeoJSON polygons, tested with
 * GEOS). docs/geo.md gives the sources, the indexes, their accuracy and speed.
 *
 * Positions are WGS 84 degrees as doubles, north and east positive; the
 * tracker's microdegrees (lo_track_point.lat_udeg) convert with lo_udeg().
 * Longitudes may be given in any range (they are wrapped); latitudes outside
 * [-90, 90] and NaN are refused (LO_E_INVAL, or "false" / NAN where a function
 * returns a value). Distances are metres unless the name says nm.
 *
 * The Earth is a sphere of radius LO_EARTH_RADIUS_M (the IUGG mean radius):
 * distances differ from the WGS 84 ellipsoid's by at most 0.6 % (0.3 % typical),
 * far below what the data is good for.
 *
 * Ownership and threads: each loaded object (lo_land, lo_ports, lo_zones) owns
 * everything it holds; pointers it returns (names, records) stay valid until it
 * is destroyed. lo_land and lo_ports never change after loading, so any number
 * of threads may query one at once. lo_zones is queried through GEOS with one
 * context handle: one thread at a time per lo_zones.
 *
 * Library rules: no globals (but the table of GEOS functions, filled once when
 * the first zones are added), nothing printed; errors are negative lo_err codes,
 * with the file line or feature and a short reason in a caller's lo_geo_error
 * when one is given. */
#ifndef LOOKOUT_GEO_H
#define LOOKOUT_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookout/error.h"
#include "lookout/limits.h"

/* ---- basics --------------------------------------------------------------------- */

#define LO_EARTH_RADIUS_M 6371008.8 /* IUGG mean radius R1 */
#define LO_NM_M 1852.0              /* one international nautical mile */

static inline double lo_udeg(int32_t udeg) { return (double)udeg / 1e6; }
static inline double lo_m_to_nm(double m) { return m / LO_NM_M; }
static inline double lo_nm_to_m(double nm) { return nm * LO_NM_M; }

/* Great-circle distance in metres (haversine: exact on the sphere, and
 * accurate to a millimetre at any distance, antipodes included). */
double lo_geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* Initial bearing from point 1 towards point 2, degrees clockwise from true
 * north in [0, 360). 0 when the points are the same; from a pole, the bearing
 * of the meridian of point 2 as seen from lon1 (north pole: 180 - dlon, ...). */
double lo_geo_bearing_deg(double lat1, double lon1, double lat2, double lon2);

/* Equirectangular approximation: sqrt(dlat^2 + (cos(mean lat) * dlon)^2) * R,
 * with dlon taken the short way round (across the antimeridian too). About 5x
 * faster than haversine (no asin, one cos). Relative error against
 * lo_geo_distance_m, measured by test_geo on random pairs with both ends below
 * 80 degrees of latitude: < 0.001 % up to 10 km, < 0.1 % up to 100 km, < 5 %
 * up to 1000 km (it grows with the square of the distance, worst towards the
 * poles). Use it for the short hops of a track (a
 * ship moves < 1 km between reports, an encounter is < 1 km); use
 * lo_geo_distance_m for anything long or near a pole. */
double lo_geo_fast_distance_m(double lat1, double lon1, double lat2, double lon2);

/* The point dist_m from (lat, lon) along the great circle of initial bearing
 * bearing_deg; the longitude is returned in [-180, 180). NAN for a refused
 * position, bearing or distance. */
void lo_geo_destination(double lat, double lon, double bearing_deg, double dist_m, double *lat2,
                        double *lon2);

/* lon wrapped into [-180, 180). */
double lo_geo_wrap_lon(double lon);

/* Where a load failed: the line (CSV) or feature (GeoJSON, from 0), or -1, and why. */
typedef struct lo_geo_error {
    long where;
    char text[160];
} lo_geo_error;

/* ---- land and shore --------------------------------------------------------------- */

/* Land polygons: any GeoJSON file of Polygon / MultiPolygon geometries (a
 * FeatureCollection, a Feature or a bare geometry), gzip-compressed or not. A
 * point is on land when it is inside an odd number of rings (holes are lakes).
 * Rings crossing the antimeridian (edges jumping by more than 180 degrees, as in
 * world-atlas files) are cut there, and a ring that goes round a pole (Natural
 * Earth's Antarctica) is closed over the pole. The shore is every edge except
 * those cuts: straight lines along +-180 degrees and the pole closures.
 *
 * The index (docs/geo.md): a grid of cells_per_degree^2 cells per square
 * degree; each cell lists the edges that cross it and knows whether its centre
 * is on land, so a point in a cell without edges is answered at once, and any
 * other by the edges of its own cell. The distance to the shore is exact on the
 * sphere (each edge is the great-circle arc between its vertices) and found
 * in a bounding-volume hierarchy of those arcs. */
typedef struct lo_land lo_land;

typedef struct lo_land_config {
    unsigned cells_per_degree; /* 0 = default 4 (0.25 degree cells); at most LO_GEO_MAX_LAND_CPD */
} lo_land_config;

/* NULL config = defaults. On success *out holds the index and 0 is returned;
 * otherwise *out is NULL and the error is LO_E_IO (unreadable file), LO_E_INVAL
 * (not GeoJSON polygons, coordinates out of range), LO_E_RANGE (beyond the
 * limits in limits.h) or LO_E_NOMEM. */
int lo_land_load(lo_land **out, const char *path, const lo_land_config *cfg, lo_geo_error *err);
/* The same from GeoJSON text in memory (len bytes, no NUL needed). */
int lo_land_from_geojson(lo_land **out, const char *text, size_t len, const lo_land_config *cfg,
                         lo_geo_error *err);
void lo_land_destroy(lo_land *l);

/* Is the point on land? false for a refused position. */
bool lo_land_contains(const lo_land *l, double lat, double lon);

/* Distance to the nearest shore, on either side of it (a point inland gets its
 * distance to the coast). Exact when it is at most max_m; beyond, the search
 * stops early and INFINITY is returned (give INFINITY for the distance
 * whatever it is: slower for points far out at sea). NAN for a refused position. */
double lo_land_shore_m(const lo_land *l, double lat, double lon, double max_m);
static inline double lo_land_shore_nm(const lo_land *l, double lat, double lon, double max_nm)
{
    return lo_land_shore_m(l, lat, lon, lo_nm_to_m(max_nm)) / LO_NM_M;
}

/* Both answers and the nearest shore point. */
typedef struct lo_shore {
    bool on_land;
    double distance_m;           /* INFINITY when beyond max_m */
    double shore_lat, shore_lon; /* nearest point of the shore (NAN when beyond max_m) */
} lo_shore;
/* Returns 0, or LO_E_INVAL for a refused position (out is then untouched). */
int lo_land_query(const lo_land *l, double lat, double lon, double max_m, lo_shore *out);

typedef struct lo_land_stats {
    uint32_t rings;          /* after cutting at the antimeridian */
    uint32_t vertices;
    uint32_t edges, shore_edges;
    uint32_t cols, rows;     /* grid */
    uint32_t cells_with_edges;
    uint32_t max_cell_edges; /* longest edge list of one cell */
    uint64_t memory_bytes;   /* held by the index */
} lo_land_stats;
void lo_land_get_stats(const lo_land *l, lo_land_stats *s);

/* ---- ports and anchorages ----------------------------------------------------------- */

typedef enum lo_port_kind {
    LO_PORT_WPI = 1,       /* a port of the NGA World Port Index */
    LO_PORT_ANCHORAGE = 2, /* a Global Fishing Watch named anchorage point */
} lo_port_kind;
#define LO_PORT_ANY (LO_PORT_WPI | LO_PORT_ANCHORAGE)

typedef struct lo_port {
    const char *name;     /* WPI main name; GFW label ("" when none) */
    const char *country;  /* WPI country name ("China"); GFW ISO 3166-1 alpha-3 ("CHN") */
    const char *locode;   /* WPI UN/LOCODE ("CN SHA"), "" when none; GFW sublabel */
    double lat, lon;
    lo_port_kind kind;
    uint32_t number;      /* WPI index number; 0 for anchorages */
} lo_port;

typedef struct lo_ports lo_ports;

/* Either path may be NULL (but not both). The World Port Index CSV has the
 * columns of nga_wpi_compact.csv (wpi_number, name, unlocode, country, lat, lon
 * are used; found by name, in any order); the anchorage CSV those of GFW's
 * anchorage_overrides.csv (latitude, longitude, label, sublabel, iso3). Either
 * may be gzip-compressed. Errors as lo_land_load; err->where is the line. */
int lo_ports_load(lo_ports **out, const char *wpi_csv, const char *anchorage_csv, lo_geo_error *err);
void lo_ports_destroy(lo_ports *p);

/* The nearest port or anchorage of the kinds asked (a mask of lo_port_kind)
 * within max_m (INFINITY: anywhere), and its distance in *dist_m; NULL when
 * there is none (or for a refused position). */
const lo_port *lo_ports_nearest(const lo_ports *p, double lat, double lon, unsigned kinds, double max_m,
                                double *dist_m);
uint32_t lo_ports_count(const lo_ports *p);
/* Rows skipped for a missing or impossible position (GFW's list has one). */
uint32_t lo_ports_rejected(const lo_ports *p);
const lo_port *lo_ports_get(const lo_ports *p, uint32_t i); /* NULL beyond the count; WPI first, then
                                                            anchorages, each in index order */

/* ---- zones ---------------------------------------------------------------------- */

/* Named polygons (EEZs, territorial seas, watch boxes) from GeoJSON files: each
 * Feature with a Polygon or MultiPolygon geometry (holes kept) is one zone.
 * Polygons GEOS finds invalid (self-crossing rings) are repaired with
 * GEOSMakeValid. Rings that cross the antimeridian by jumping more than 180
 * degrees are unwrapped, and longitudes beyond 180 (0..360 files) are tested
 * against the point shifted by 360 degrees, so both conventions work.
 *
 * A point is in a zone when it is inside or on its boundary (GEOS "covers").
 * Each polygon part has a bounding box and a coarse grid of cells known to be
 * wholly inside, outside or on the boundary; only points in boundary cells of
 * parts whose box holds them reach GEOS (prepared geometries). */
typedef struct lo_zones lo_zones;

typedef struct lo_zone {
    const char *name;       /* from the name property (see lo_zones_add_file) */
    const char *source;     /* file name without directories */
    const char *properties; /* the feature's properties as compact JSON ("{}" when none) */
    double min_lat, min_lon, max_lat, max_lon; /* bounding box (longitudes may pass 180) */
    uint32_t parts;         /* polygons */
    uint32_t vertices;
} lo_zone;

typedef struct lo_zones_stats {
    uint64_t queries;    /* points asked */
    uint64_t box_tests;  /* part boxes that held the point */
    uint64_t cell_hits;  /* answered by a cell wholly inside or outside */
    uint64_t geos_calls; /* answered by GEOS */
    uint64_t repaired;   /* polygons made valid at load */
} lo_zones_stats;

/* NULL when out of memory. GEOS is loaded (dlopen) and started by the first
 * file added, so an empty zone set never loads it. */
lo_zones *lo_zones_create(void);
void lo_zones_destroy(lo_zones *z);

/* Add every polygon feature of a GeoJSON file (gzip or not). name_key: the
 * property holding the zone's name; NULL = the first of "name", "NAME", "Name",
 * "geoname", "GEONAME", "A3", "iso3", "ISO_A3" that is a string; without one the
 * name is "<file stem>/<feature number>". Returns the number of zones added, or
 * a negative lo_err (nothing is added then; LO_E_IO with the reason in err when
 * GEOS cannot be loaded). */
int lo_zones_add_file(lo_zones *z, const char *path, const char *name_key, lo_geo_error *err);
/* The same from GeoJSON text; source names it in lo_zone.source. */
int lo_zones_add_geojson(lo_zones *z, const char *text, size_t len, const char *source,
                         const char *name_key, lo_geo_error *err);

uint32_t lo_zones_count(const lo_zones *z);
const lo_zone *lo_zones_get(const lo_zones *z, uint32_t id); /* ids 0..count-1, in load order */
/* The id of the first zone with this name, or -1. */
long lo_zones_find(const lo_zones *z, const char *name);

/* Ids of the zones holding the point, ascending. Writes at most cap of them to
 * ids and returns how many there are (more than cap means some were left out);
 * LO_E_INVAL for a refused position, LO_E_NOMEM when GEOS fails. */
int lo_zones_at(lo_zones *z, double lat, double lon, uint32_t *ids, size_t cap);
/* Is the point in this one zone? 1 yes, 0 no, or a negative lo_err. */
int lo_zones_contains(lo_zones *z, uint32_t id, double lat, double lon);
const lo_zones_stats *lo_zones_get_stats(const lo_zones *z);

/* ---- everything at once ------------------------------------------------------------- */

/* The shipped data under a data directory (the repository's data/). */
#define LO_GEO_LAND_FILE "geo/land-10m.geojson.gz"
#define LO_GEO_WPI_FILE "ports/nga_wpi_compact.csv"
#define LO_GEO_ANCHORAGE_FILE "ports/gfw_anchorage_overrides.csv.gz"

/* What the detectors hold: caller-allocated, filled by lo_geo_load. */
typedef struct lo_geo {
    lo_land *land;
    lo_ports *ports;
    lo_zones *zones; /* empty; add files with lo_zones_add_file */
} lo_geo;

/* Load the land and ports shipped in data_dir (cfg may be NULL). On failure
 * everything loaded so far is freed, g is zeroed and the error returned (err
 * names the file in its text). */
int lo_geo_load(lo_geo *g, const char *data_dir, const lo_land_config *cfg, lo_geo_error *err);
void lo_geo_free(lo_geo *g);

#endif
