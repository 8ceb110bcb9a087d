/* detect_motion.h - what the motion detectors (gap, encounter, loitering)
 * share: which stations are ships, and the speed of a position (reported, or
 * implied from the previous one when the report has none). Included by
 * detect_gap.c, detect_encounter.c and detect_loiter.c after detect_int.h. */
#ifndef LOOKOUT_DETECT_MOTION_H
#define LOOKOUT_DETECT_MOTION_H

#include "detect_int.h"

/* Ships: anything but fixed or airborne stations and beacons. Invalid MMSIs
 * (0, 123456789) are kept: they are ships with a bad number, which is what an
 * analyst wants to see; base stations, aids to navigation, SAR aircraft,
 * SART / MOB / EPIRB beacons, group calls and handhelds are not ships. */
static inline bool det_is_ship(lo_station_kind k)
{
    return k == LO_STATION_VESSEL || k == LO_STATION_AUXILIARY || k == LO_STATION_INVALID;
}

#define DET_SPEED_NA 1023u

/* Speed of p in 1/10 kn: the reported speed over ground, or when the report has
 * none (1023) the speed implied by the distance from the previous position
 * when it is 1 s to 1 h older; DET_SPEED_NA when neither is known. */
static inline unsigned det_speed10(const dvessel *dv, const lo_track_point *p)
{
    if (p->speed < DET_SPEED_NA)
        return p->speed;
    if (!dv->has_prev)
        return DET_SPEED_NA;
    int64_t dt = p->time_ms - dv->prev.t;
    if (dt < 1000 || dt > 3600000)
        return DET_SPEED_NA;
    double m = det_dist_m(dv->prev.lat, dv->prev.lon, p->lat_udeg, p->lon_udeg);
    double kn10 = m / 1852.0 / ((double)dt / 3.6e6) * 10.0;
    return kn10 >= 1022.0 ? 1022u : (unsigned)(kn10 + 0.5);
}

/* lon2 - lon1 in microdegrees, the short way round. */
static inline int64_t det_dlon_udeg(int32_t lon1, int32_t lon2)
{
    int64_t d = (int64_t)lon2 - lon1;
    if (d > 180000000)
        d -= 360000000;
    else if (d < -180000000)
        d += 360000000;
    return d;
}

/* lon wrapped into [-180, 180) degrees, in microdegrees. */
static inline int32_t det_wrap_udeg(int64_t lon)
{
    while (lon >= 180000000)
        lon -= 360000000;
    while (lon < -180000000)
        lon += 360000000;
    return (int32_t)lon;
}

#endif
