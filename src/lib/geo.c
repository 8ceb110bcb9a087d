/* geo.c - distance and bearing on the sphere, the error and file helpers of
 * the geo modules, and lo_geo_load (the shipped land and ports of a data
 * directory in one call). Land is in land.c, ports in ports.c, zones in zones.c. */
#include "lookout/geo.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "geo_internal.h"
#include "util.h"
#include "lookout/limits.h"

/* ---- basics --------------------------------------------------------------------- */

double lo_geo_wrap_lon(double lon)
{
    if (lon >= -180 && lon < 180)
        return lon;
    double w = fmod(lon + 180, 360);
    if (w < 0)
        w += 360;
    w -= 180;
    return w >= 180 ? -180 : w; /* fmod rounding can land on 180 */
}

double lo_geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    if (!geo_ok(lat1, lon1) || !geo_ok(lat2, lon2))
        return NAN;
    double p1 = lat1 * GEO_DEG, p2 = lat2 * GEO_DEG;
    double sdp = sin((p2 - p1) / 2), sdl = sin((lon2 - lon1) * GEO_DEG / 2);
    double h = sdp * sdp + cos(p1) * cos(p2) * sdl * sdl;
    if (h > 1)
        h = 1;
    return 2 * LO_EARTH_RADIUS_M * asin(sqrt(h));
}

double lo_geo_bearing_deg(double lat1, double lon1, double lat2, double lon2)
{
    if (!geo_ok(lat1, lon1) || !geo_ok(lat2, lon2))
        return NAN;
    double p1 = lat1 * GEO_DEG, p2 = lat2 * GEO_DEG, dl = (lon2 - lon1) * GEO_DEG;
    double y = sin(dl) * cos(p2);
    double x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
    if (x == 0 && y == 0)
        return 0;
    double b = atan2(y, x) / GEO_DEG;
    if (b < 0)
        b += 360;
    return b >= 360 ? 0 : b;
}

double lo_geo_fast_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    if (!geo_ok(lat1, lon1) || !geo_ok(lat2, lon2))
        return NAN;
    double dl = lon2 - lon1;
    if (dl > 180 || dl < -180)
        dl = lo_geo_wrap_lon(dl);
    double x = dl * cos((lat1 + lat2) * (GEO_DEG / 2));
    double y = lat2 - lat1;
    return sqrt(x * x + y * y) * GEO_DEG * LO_EARTH_RADIUS_M;
}

void lo_geo_destination(double lat, double lon, double bearing_deg, double dist_m, double *lat2,
                        double *lon2)
{
    if (!geo_ok(lat, lon) || !isfinite(bearing_deg) || !isfinite(dist_m)) {
        *lat2 = *lon2 = NAN;
        return;
    }
    double p1 = lat * GEO_DEG, b = bearing_deg * GEO_DEG, d = dist_m / LO_EARTH_RADIUS_M;
    double sp2 = sin(p1) * cos(d) + cos(p1) * sin(d) * cos(b);
    if (sp2 > 1)
        sp2 = 1;
    if (sp2 < -1)
        sp2 = -1;
    double p2 = asin(sp2);
    double l2 = lon * GEO_DEG + atan2(sin(b) * sin(d) * cos(p1), cos(d) - sin(p1) * sp2);
    *lat2 = p2 / GEO_DEG;
    *lon2 = lo_geo_wrap_lon(l2 / GEO_DEG);
}

/* ---- helpers of the geo modules ---------------------------------------------------- */

void geo_error(lo_geo_error *err, long where, const char *fmt, ...)
{
    if (!err)
        return;
    err->where = where;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

const char *geo_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int geo_read_file(const char *path, size_t max, char **out, size_t *len, lo_geo_error *err)
{
    char why[160];
    int rc = util_read_file(path, max, out, len, why, sizeof why);
    if (rc)
        geo_error(err, -1, "%s: %s", geo_basename(path), why);
    return rc;
}

/* ---- everything at once ------------------------------------------------------------- */

static int join(char *buf, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(buf, cap, "%s/%s", dir, file);
    return n < 0 || (size_t)n >= cap ? LO_E_RANGE : 0;
}

int lo_geo_load(lo_geo *g, const char *data_dir, const lo_land_config *cfg, lo_geo_error *err)
{
    if (!g)
        return LO_E_INVAL;
    memset(g, 0, sizeof *g);
    if (!data_dir) {
        geo_error(err, -1, "no data directory");
        return LO_E_INVAL;
    }
    char land[4096], wpi[4096], anch[4096];
    if (join(land, sizeof land, data_dir, LO_GEO_LAND_FILE) || join(wpi, sizeof wpi, data_dir, LO_GEO_WPI_FILE) ||
        join(anch, sizeof anch, data_dir, LO_GEO_ANCHORAGE_FILE)) {
        geo_error(err, -1, "data directory path too long");
        return LO_E_RANGE;
    }
    int rc = lo_land_load(&g->land, land, cfg, err);
    if (rc == 0)
        rc = lo_ports_load(&g->ports, wpi, anch, err);
    if (rc == 0) {
        g->zones = lo_zones_create();
        if (!g->zones)
            rc = LO_E_NOMEM;
    }
    if (rc != 0)
        lo_geo_free(g);
    return rc;
}

void lo_geo_free(lo_geo *g)
{
    if (!g)
        return;
    lo_land_destroy(g->land);
    lo_ports_destroy(g->ports);
    lo_zones_destroy(g->zones);
    memset(g, 0, sizeof *g);
}
