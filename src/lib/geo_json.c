/* geo_json.c - walking GeoJSON (RFC 7946) polygons for the land and zone
 * loaders: FeatureCollection -> Feature -> Polygon / MultiPolygon ->
 * rings -> positions, with every position checked. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo_internal.h"

static int walk_geometry(json_t *g, long feature, json_t *feat, geo_polygon_fn fn, void *ctx, long *skipped,
                         lo_geo_error *err, int depth)
{
    if (g == NULL || json_is_null(g))
        return 0; /* a feature without geometry is allowed */
    const char *type = json_string_value(json_object_get(g, "type"));
    if (!json_is_object(g) || !type) {
        geo_error(err, feature, "geometry without a type");
        return LO_E_INVAL;
    }
    json_t *coords = json_object_get(g, "coordinates");
    if (strcmp(type, "Polygon") == 0) {
        if (!json_is_array(coords)) {
            geo_error(err, feature, "Polygon without coordinates");
            return LO_E_INVAL;
        }
        return fn(ctx, feature, feat, coords);
    }
    if (strcmp(type, "MultiPolygon") == 0) {
        if (!json_is_array(coords)) {
            geo_error(err, feature, "MultiPolygon without coordinates");
            return LO_E_INVAL;
        }
        size_t i;
        json_t *poly;
        json_array_foreach(coords, i, poly)
        {
            if (!json_is_array(poly)) {
                geo_error(err, feature, "MultiPolygon member is not an array");
                return LO_E_INVAL;
            }
            int rc = fn(ctx, feature, feat, poly);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (strcmp(type, "GeometryCollection") == 0) {
        json_t *gs = json_object_get(g, "geometries");
        if (!json_is_array(gs) || depth > 8) {
            geo_error(err, feature, "bad GeometryCollection");
            return LO_E_INVAL;
        }
        size_t i;
        json_t *m;
        json_array_foreach(gs, i, m)
        {
            int rc = walk_geometry(m, feature, feat, fn, ctx, skipped, err, depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (strcmp(type, "Point") == 0 || strcmp(type, "MultiPoint") == 0 || strcmp(type, "LineString") == 0 ||
        strcmp(type, "MultiLineString") == 0) {
        if (skipped)
            (*skipped)++;
        return 0;
    }
    geo_error(err, feature, "unknown geometry type \"%.40s\"", type);
    return LO_E_INVAL;
}

int geo_json_polygons(json_t *root, geo_polygon_fn fn, void *ctx, long *skipped, lo_geo_error *err)
{
    const char *type = json_string_value(json_object_get(root, "type"));
    if (!json_is_object(root) || !type) {
        geo_error(err, -1, "not GeoJSON (no \"type\")");
        return LO_E_INVAL;
    }
    if (strcmp(type, "FeatureCollection") == 0) {
        json_t *fs = json_object_get(root, "features");
        if (!json_is_array(fs)) {
            geo_error(err, -1, "FeatureCollection without features");
            return LO_E_INVAL;
        }
        size_t i;
        json_t *f;
        json_array_foreach(fs, i, f)
        {
            if (!json_is_object(f)) {
                geo_error(err, (long)i, "feature is not an object");
                return LO_E_INVAL;
            }
            int rc = walk_geometry(json_object_get(f, "geometry"), (long)i, f, fn, ctx, skipped, err, 0);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (strcmp(type, "Feature") == 0)
        return walk_geometry(json_object_get(root, "geometry"), 0, root, fn, ctx, skipped, err, 0);
    return walk_geometry(root, 0, NULL, fn, ctx, skipped, err, 0);
}

int geo_json_ring(json_t *ring, double **xy, size_t *n, size_t *cap, size_t max, lo_geo_error *err, long feature)
{
    *n = 0;
    if (!json_is_array(ring)) {
        geo_error(err, feature, "ring is not an array");
        return LO_E_INVAL;
    }
    size_t len = json_array_size(ring);
    if (len > max) {
        geo_error(err, feature, "ring of %zu positions (at most %zu)", len, max);
        return LO_E_RANGE;
    }
    if (len + 1 > *cap) {
        size_t ncap = len + 1 < 64 ? 64 : len + 1;
        double *nxy = realloc(*xy, ncap * 2 * sizeof **xy);
        if (!nxy)
            return LO_E_NOMEM;
        *xy = nxy;
        *cap = ncap;
    }
    double *p = *xy;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        json_t *pos = json_array_get(ring, i);
        json_t *jx = json_array_get(pos, 0), *jy = json_array_get(pos, 1);
        if (!json_is_number(jx) || !json_is_number(jy)) {
            geo_error(err, feature, "position is not [lon, lat]");
            return LO_E_INVAL;
        }
        double x = json_number_value(jx), y = json_number_value(jy);
        if (!(y >= -90 && y <= 90) || !(x >= -540 && x <= 540)) {
            geo_error(err, feature, "position [%g, %g] out of range", x, y);
            return LO_E_INVAL;
        }
        if (k > 0 && p[2 * k - 2] == x && p[2 * k - 1] == y)
            continue;
        p[2 * k] = x;
        p[2 * k + 1] = y;
        k++;
    }
    if (k > 0 && (p[0] != p[2 * k - 2] || p[1] != p[2 * k - 1])) {
        p[2 * k] = p[0];
        p[2 * k + 1] = p[1];
        k++;
    }
    *n = k;
    return k < 4 ? 1 : 0;
}
