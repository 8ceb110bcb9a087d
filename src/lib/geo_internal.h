/* geo_internal.h - helpers shared by the geo modules (geo.c, land.c, ports.c,
 * zones.c): points as unit vectors, squared chords to metres, reading the
 * data files. Internal. */
#ifndef LOOKOUT_GEO_INTERNAL_H
#define LOOKOUT_GEO_INTERNAL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>

#include "lookout/geo.h"

#define GEO_DEG (M_PI / 180.0)

/* The unit vector of a position (x towards 0N 0E, z towards the north pole). */
static inline void geo_unit(double lat, double lon, double v[3])
{
    double cl = cos(lat * GEO_DEG);
    v[0] = cl * cos(lon * GEO_DEG);
    v[1] = cl * sin(lon * GEO_DEG);
    v[2] = sin(lat * GEO_DEG);
}

/* Position of a (not necessarily unit) vector. */
static inline void geo_latlon(const double v[3], double *lat, double *lon)
{
    *lat = atan2(v[2], hypot(v[0], v[1])) / GEO_DEG;
    *lon = atan2(v[1], v[0]) / GEO_DEG;
}

/* Metres of a squared chord of the unit sphere (the chord c spans 2 asin(c / 2)). */
static inline double geo_chord2_m(double c2)
{
    if (c2 >= 4)
        return M_PI * LO_EARTH_RADIUS_M;
    return 2 * asin(sqrt(c2) / 2) * LO_EARTH_RADIUS_M;
}

/* Squared chord of a distance in metres (capped at the antipode; INFINITY stays). */
static inline double geo_m_chord2(double m)
{
    if (!(m < M_PI * LO_EARTH_RADIUS_M))
        return m == INFINITY ? INFINITY : 4;
    double c = 2 * sin(m / LO_EARTH_RADIUS_M / 2);
    return c * c;
}

/* A position the API accepts: finite, latitude within [-90, 90]. */
static inline int geo_ok(double lat, double lon) { return lat >= -90 && lat <= 90 && isfinite(lon); }

/* Fill err (when given) with where and a printf-style reason. */
void geo_error(lo_geo_error *err, long where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Read a whole file, gunzipping it when it is gzip (zlib reads plain files as
 * they are). The text gets a NUL after its len bytes. At most max bytes
 * (decompressed) are accepted: LO_E_RANGE beyond. LO_E_IO when it cannot be
 * read. */
int geo_read_file(const char *path, size_t max, char **out, size_t *len, lo_geo_error *err);

/* The file name of a path without its directories. */
const char *geo_basename(const char *path);

/* ---- GeoJSON (geo_json.c) ---- */
struct json_t;

/* Called for each Polygon of a GeoJSON text: once per Polygon geometry and once
 * per member of a MultiPolygon, with the feature's number (from 0; 0 for a bare
 * geometry), the feature (NULL for a bare geometry) and the polygon's
 * coordinates (an array of rings). A non-zero return stops the walk and is
 * returned. */
typedef int (*geo_polygon_fn)(void *ctx, long feature, struct json_t *feat, struct json_t *rings);
/* Walk a FeatureCollection, a Feature, a GeometryCollection or a geometry. Other
 * geometry types are skipped (*skipped counts them when given). LO_E_INVAL when
 * the structure is not GeoJSON. */
int geo_json_polygons(struct json_t *root, geo_polygon_fn fn, void *ctx, long *skipped, lo_geo_error *err);

/* The positions of one ring as lon, lat pairs (xy[2i], xy[2i + 1]), consecutive
 * repeats dropped, closed (last == first). *xy is grown as needed (*cap pairs).
 * LO_E_INVAL for a position that is not two finite numbers with |lat| <= 90 and
 * |lon| <= 540; LO_E_RANGE beyond max positions; 1 (not an error: callers
 * skip the ring) when it has fewer than 3 distinct positions. */
int geo_json_ring(struct json_t *ring, double **xy, size_t *n, size_t *cap, size_t max, lo_geo_error *err,
                  long feature);

#endif
