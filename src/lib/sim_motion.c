/* sim_motion.c - how simulated vessels move: great-circle geodesy on a sphere,
 * legs (a course at constant speed, or holding around a point), and the plan of
 * a scripted vessel: its route with the stops its events put in it, timed so
 * that it is where each event needs it when the event starts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/geo.h"
#include "sim_int.h"
#if defined(__clang__)
/* Same bytes from every compiler: no fused multiply-adds (GCC in ISO C mode
 * makes none; clang would). */
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- randomness -------------------------------------------------------------- */

double sim_normal(uint64_t *s)
{
    double u = sim_unif(s), v = sim_unif(s);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * SIM_PI * v);
}

uint64_t sim_stream(uint64_t seed, uint64_t k)
{
    uint64_t s = seed ^ (k * 0xD1B54A32D192ED03ull);
    sim_rand(&s);
    return sim_rand(&s);
}

/* ---- geodesy (sphere of the mean Earth radius) -------------------------------- */

double sim_wrap180(double d)
{
    d = fmod(d + 180.0, 360.0);
    if (d < 0)
        d += 360.0;
    return d - 180.0;
}

double sim_wrap360(double d)
{
    d = fmod(d, 360.0);
    return d < 0 ? d + 360.0 : d;
}

void sim_to_vec(double lat, double lon, double v[3])
{
    double la = lat * SIM_DEG, lo = lon * SIM_DEG;
    v[0] = cos(la) * cos(lo);
    v[1] = cos(la) * sin(lo);
    v[2] = sin(la);
}

void sim_from_vec(const double v[3], double *lat, double *lon)
{
    *lat = atan2(v[2], sqrt(v[0] * v[0] + v[1] * v[1])) / SIM_DEG;
    *lon = atan2(v[1], v[0]) / SIM_DEG;
}

/* Angle between two unit vectors, accurate for small and large angles. */
static double vec_angle(const double a[3], const double b[3])
{
    double c[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    return atan2(sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]), a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
}

/* Initial course (degrees) from unit vector p towards unit vector b along the
 * great circle: the direction b - (p.b) p in p's east/north frame. */
static double vec_course(const double p[3], const double b[3])
{
    double dot = p[0] * b[0] + p[1] * b[1] + p[2] * b[2];
    double d[3] = {b[0] - dot * p[0], b[1] - dot * p[1], b[2] - dot * p[2]};
    double r = sqrt(p[0] * p[0] + p[1] * p[1]); /* cos(lat) */
    if (r < 1e-12)
        return 0.0; /* at a pole every way is south (or north) */
    double east = (-p[1] * d[0] + p[0] * d[1]) / r;
    double north = d[2] * r - p[2] * (p[0] * d[0] + p[1] * d[1]) / r;
    return sim_wrap360(atan2(east, north) / SIM_DEG);
}

/* Distance and bearing are the geo module's (one geodesy for the project). */
double sim_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    return lo_geo_distance_m(lat1, lon1, lat2, lon2);
}

double sim_bearing(double lat1, double lon1, double lat2, double lon2)
{
    return lo_geo_bearing_deg(lat1, lon1, lat2, lon2);
}

void sim_destination(double lat, double lon, double bearing, double dist_m, double *lat2, double *lon2)
{
    double p = lat * SIM_DEG, l = lon * SIM_DEG, b = bearing * SIM_DEG, a = dist_m / SIM_EARTH_M;
    double sp2 = sin(p) * cos(a) + cos(p) * sin(a) * cos(b);
    if (sp2 > 1)
        sp2 = 1;
    if (sp2 < -1)
        sp2 = -1;
    double p2 = asin(sp2);
    double l2 = l + atan2(sin(b) * sin(a) * cos(p), cos(a) - sin(p) * sp2);
    *lat2 = p2 / SIM_DEG;
    *lon2 = sim_wrap180(l2 / SIM_DEG);
}

void sim_offset(double lat, double lon, double east_m, double north_m, double *lat2, double *lon2)
{
    double c = cos(lat * SIM_DEG);
    if (c < 1e-6)
        c = 1e-6;
    *lat2 = lat + north_m / SIM_EARTH_M / SIM_DEG;
    *lon2 = sim_wrap180(lon + east_m / (SIM_EARTH_M * c) / SIM_DEG);
}

/* ---- legs ---------------------------------------------------------------------- */

void sim_leg_sail(sim_leg *L, double lat0, double lon0, double lat1, double lon1, int64_t t0, int64_t t1,
                  uint8_t status)
{
    memset(L, 0, sizeof *L);
    L->kind = LEG_SAIL;
    L->status = status;
    L->t0 = t0;
    L->t1 = t1 > t0 ? t1 : t0 + 1;
    sim_to_vec(lat0, lon0, L->a);
    sim_to_vec(lat1, lon1, L->b);
    L->omega = vec_angle(L->a, L->b);
}

#define WANDER_E 0.78
#define WANDER_N 0.625

void sim_leg_hold(sim_leg *L, double lat, double lon, int64_t t0, int64_t t1, double radius_m, double speed_kn,
                  double heading, uint8_t status, uint64_t phase_seed)
{
    memset(L, 0, sizeof *L);
    L->kind = LEG_HOLD;
    L->status = status;
    L->t0 = t0;
    L->t1 = t1 > t0 ? t1 : t0 + 1;
    L->a[0] = lat;
    L->a[1] = lon;
    L->radius_m = (float)radius_m;
    L->heading = (float)heading;
    /* Wander: east WANDER_E R sin(w t + p1), north WANDER_N R sin(0.7 w t + p2),
     * never further than R from the centre (0.78^2 + 0.625^2 < 1); its top speed
     * is below w R sqrt(0.78^2 + (0.7 * 0.625)^2) = 0.894 w R, so w = v / (0.9 R)
     * keeps it under v. */
    L->omega = radius_m > 0.5 ? speed_kn * SIM_KN / (0.9 * radius_m) : 0.0;
    uint64_t s = phase_seed;
    L->phase1 = (float)(2.0 * SIM_PI * sim_unif(&s));
    L->phase2 = (float)(2.0 * SIM_PI * sim_unif(&s));
}

double sim_leg_course_in(const sim_leg *L)
{
    double la0, lo0, la1, lo1;
    sim_from_vec(L->a, &la0, &lo0);
    sim_from_vec(L->b, &la1, &lo1);
    return sim_bearing(la0, lo0, la1, lo1);
}

double sim_leg_course_out(const sim_leg *L)
{
    double la0, lo0, la1, lo1;
    sim_from_vec(L->a, &la0, &lo0);
    sim_from_vec(L->b, &la1, &lo1);
    return sim_wrap360(sim_bearing(la1, lo1, la0, lo0) + 180.0);
}

void sim_leg_link(sim_leg *a, sim_leg *b)
{
    if (a->kind != LEG_SAIL || b->kind != LEG_SAIL || a->omega < 1e-9 || b->omega < 1e-9)
        return;
    float turn = (float)sim_wrap180(sim_leg_course_in(b) - sim_leg_course_out(a));
    a->turn_out = turn;
    b->turn_in = turn;
}

/* A course change of more than this is "changing course" (M.1371 Table 1). */
#define TURN_MIN_DEG 10.0
/* A ship takes about two minutes for a turn: one before the waypoint, one after. */
#define TURN_HALF_MS 60000

void sim_leg_eval(const sim_leg *L, int64_t t, sim_state *st)
{
    st->status = L->status;
    st->rot = 0;
    st->turning = false;
    if (t < L->t0)
        t = L->t0;
    if (t > L->t1)
        t = L->t1;
    if (L->kind == LEG_SAIL) {
        double dur = (double)(L->t1 - L->t0);
        double f = (double)(t - L->t0) / dur;
        double p[3];
        if (L->omega < 1e-12) {
            memcpy(p, L->a, sizeof p);
        } else {
            double s = sin(L->omega), wa = sin((1 - f) * L->omega) / s, wb = sin(f * L->omega) / s;
            for (int i = 0; i < 3; i++)
                p[i] = wa * L->a[i] + wb * L->b[i];
        }
        sim_from_vec(p, &st->lat, &st->lon);
        st->sog_kn = L->omega * SIM_EARTH_M / (dur / 1000.0) / SIM_KN;
        double c = f < 1.0 ? vec_course(p, L->b) : sim_leg_course_out(L);
        /* Course changes spread over the two minutes around a waypoint. */
        int64_t since = t - L->t0, until = L->t1 - t;
        if (since < TURN_HALF_MS && fabs(L->turn_in) > TURN_MIN_DEG) {
            c -= L->turn_in * (1.0 - (double)since / TURN_HALF_MS) / 2.0;
            st->turning = true;
            st->rot = L->turn_in / 2.0;
        } else if (until < TURN_HALF_MS && fabs(L->turn_out) > TURN_MIN_DEG) {
            c += L->turn_out * (1.0 - (double)until / TURN_HALF_MS) / 2.0;
            st->turning = true;
            st->rot = L->turn_out / 2.0;
        }
        st->cog_deg = sim_wrap360(c);
        st->heading = st->cog_deg;
        return;
    }
    double tau = (double)(t - L->t0) / 1000.0, R = L->radius_m, w = L->omega;
    double e = L->off_e, n = L->off_n, ve = 0, vn = 0;
    if (R > 0.5 && w > 0) {
        e += WANDER_E * R * sin(w * tau + L->phase1);
        n += WANDER_N * R * sin(0.7 * w * tau + L->phase2);
        ve = WANDER_E * R * w * cos(w * tau + L->phase1);
        vn = 0.7 * WANDER_N * R * w * cos(0.7 * w * tau + L->phase2);
    }
    sim_offset(L->a[0], L->a[1], e, n, &st->lat, &st->lon);
    st->sog_kn = sqrt(ve * ve + vn * vn) / SIM_KN;
    st->heading = sim_wrap360(L->heading + (w > 0 ? 8.0 * sin(0.37 * w * tau + L->phase2) : 0.0));
    st->cog_deg = st->sog_kn > 0.05 ? sim_wrap360(atan2(ve, vn) / SIM_DEG) : st->heading;
}

/* ---- plans of scripted vessels ---------------------------------------------------- */

double sim_default_speed(uint8_t shiptype, char cls)
{
    if (cls == 'B')
        return 6.0;
    if (shiptype >= 80 && shiptype <= 89)
        return 12.0;
    if (shiptype >= 70 && shiptype <= 79)
        return 14.0;
    if (shiptype >= 60 && shiptype <= 69)
        return 18.0;
    if (shiptype >= 40 && shiptype <= 49)
        return 28.0;
    if (shiptype == 30)
        return 9.0;
    if (shiptype == 35 || shiptype == 55)
        return 16.0;
    return 11.0;
}

static int plan_push(sim_plan *p, const sim_leg *L)
{
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 16;
        if (cap > LO_SIM_MAX_PLAN)
            cap = LO_SIM_MAX_PLAN;
        if (p->n == cap)
            return LO_E_RANGE;
        sim_leg *nl = realloc(p->legs, cap * sizeof *nl);
        if (!nl)
            return LO_E_NOMEM;
        p->legs = nl;
        p->cap = cap;
    }
    p->legs[p->n++] = *L;
    return 0;
}

/* Append a leg, linking course changes with the one before. */
static int plan_add(sim_plan *p, sim_leg *L)
{
    if (L->t1 <= L->t0)
        return 0;
    if (p->n)
        sim_leg_link(&p->legs[p->n - 1], L);
    return plan_push(p, L);
}

/* Where a stop's hold begins: its centre moved by the offset and the wander at t. */
static void stop_leg(const sim_stop *s, sim_leg *L)
{
    sim_leg_hold(L, s->lat, s->lon, s->t, s->t + (s->hold_ms > 0 ? s->hold_ms : 1), s->radius_m, s->speed_kn,
                 s->heading, s->status, s->phase_seed);
    L->off_e = (float)s->off_e;
    L->off_n = (float)s->off_n;
}

static void stop_point(const sim_stop *s, int64_t t, double *lat, double *lon)
{
    sim_leg L;
    sim_state st;
    stop_leg(s, &L);
    sim_leg_eval(&L, t, &st);
    *lat = st.lat;
    *lon = st.lon;
}

#define ANCHOR_RADIUS_M 40.0
#define ANCHOR_SPEED_KN 0.2

static int hold_anchored(sim_plan *p, double lat, double lon, int64_t t0, int64_t t1, uint8_t status,
                         uint64_t *rng)
{
    sim_leg L;
    double radius = status == 5 ? 0.0 : ANCHOR_RADIUS_M;
    double hdg = sim_range(rng, 0, 360); /* draws in a fixed order: C leaves the order of arguments open */
    uint64_t phase = sim_rand(rng);
    sim_leg_hold(&L, lat, lon, t0, t1, radius, ANCHOR_SPEED_KN, hdg, status, phase);
    return plan_add(p, &L);
}

/* To meet a stop, a vessel may go up to this much faster than its route speed. */
#define SPEED_UP 1.25

/* A point of a route: a waypoint, or a stop an event put in. */
typedef struct node {
    double lat, lon, speed_kn;
    int64_t wait_ms;
    const sim_stop *stop;
} node;

static int stop_error(strbuf *err, const sim_scenario *sc, const sim_vdef *vd, const sim_stop *s, double need_kn,
                      double have_kn)
{
    err->len = 0;
    err->overflow = false;
    sb_puts(err, sc->file);
    sb_putc(err, ':');
    sb_u64(err, s->line);
    sb_puts(err, ": vessel '");
    sb_puts(err, vd->label);
    sb_puts(err, "' cannot be at the ");
    sb_puts(err, s->what);
    sb_puts(err, " point at ");
    sim_put_time(err, s->t);
    if (isfinite(need_kn) && need_kn < 10000) {
        sb_puts(err, ": it would need ");
        sb_fixed(err, (int64_t)llround(need_kn * 10), 1);
        sb_puts(err, " kn");
    } else {
        sb_puts(err, ": it has no time to get there");
    }
    if (have_kn > 0) {
        sb_puts(err, " (its speed is ");
        sb_fixed(err, (int64_t)llround(have_kn * 10), 1);
        sb_puts(err, " kn)");
    }
    sb_puts(err, "; start the event later, or let it depart earlier");
    return LO_E_INVAL;
}

/* Route: waypoints with the stops put in, then timed. */
static int plan_route(const sim_scenario *sc, const sim_vdef *vd, sim_stop *stops, uint32_t nstops,
                      int64_t plan_start, sim_plan *p, uint64_t *rng, strbuf *err)
{
    uint32_t n = vd->nroute + nstops;
    node *nd = calloc(n, sizeof *nd);
    double *leg_ms = calloc(n, sizeof *leg_ms);
    int rc = 0;
    if (!nd || !leg_ms) {
        rc = LO_E_NOMEM;
        goto out;
    }
    double speed = vd->speed_kn > 0 ? vd->speed_kn : sim_default_speed(vd->id.shiptype, vd->id.cls);
    uint32_t m = 0;
    for (uint32_t i = 0; i < vd->nroute; i++) {
        if (vd->route[i].speed_kn > 0)
            speed = vd->route[i].speed_kn;
        nd[m++] = (node){vd->route[i].lat, vd->route[i].lon, speed, vd->route[i].wait_ms, NULL};
    }
    /* Cheapest insertion, keeping the stops in time order. */
    uint32_t lo = 1;
    for (uint32_t k = 0; k < nstops; k++) {
        const sim_stop *s = &stops[k];
        double la, lon;
        stop_point(s, s->t, &la, &lon);
        double best = INFINITY;
        uint32_t at = m;
        for (uint32_t i = lo; i <= m; i++) {
            double c = sim_distance_m(nd[i - 1].lat, nd[i - 1].lon, la, lon);
            if (i < m)
                c += sim_distance_m(la, lon, nd[i].lat, nd[i].lon) -
                     sim_distance_m(nd[i - 1].lat, nd[i - 1].lon, nd[i].lat, nd[i].lon);
            if (c < best - 1.0) {
                best = c;
                at = i;
            }
        }
        memmove(&nd[at + 1], &nd[at], (m - at) * sizeof *nd);
        nd[at] = (node){la, lon, nd[at - 1].speed_kn, 0, s};
        m++;
        lo = at + 1;
    }
    /* Travel time of each leg at its speed. */
    for (uint32_t i = 0; i + 1 < m; i++)
        leg_ms[i] = sim_distance_m(nd[i].lat, nd[i].lon, nd[i + 1].lat, nd[i + 1].lon) / (nd[i].speed_kn * SIM_KN) *
                    1000.0;
    /* Times: the first stop fixes the departure unless `depart` does; between two
     * fixed times the legs are slowed evenly to arrive on time. A wait at a node
     * comes after arriving there. */
    uint32_t first_stop = m;
    for (uint32_t i = 0; i < m && first_stop == m; i++)
        if (nd[i].stop)
            first_stop = i;
    int64_t depart = vd->has_depart ? vd->depart_ms : plan_start;
    if (!vd->has_depart && first_stop < m) {
        double need = 0;
        for (uint32_t i = 0; i < first_stop; i++)
            need += leg_ms[i] + (double)nd[i].wait_ms;
        depart = nd[first_stop].stop->t - (int64_t)llround(need);
    }
    uint32_t anchor = 0;
    int64_t leave = depart;
    for (uint32_t i = 1; i < m; i++) {
        if (!nd[i].stop)
            continue;
        double travel = 0, waits = 0, dist = 0;
        for (uint32_t j = anchor; j < i; j++) {
            travel += leg_ms[j];
            waits += (double)nd[j].wait_ms;
            dist += leg_ms[j] / 1000.0 * nd[j].speed_kn * SIM_KN;
        }
        double avail = (double)(nd[i].stop->t - leave) - waits;
        if (avail < travel / SPEED_UP - 1000.0) {
            rc = stop_error(err, sc, vd, nd[i].stop, avail > 0 ? dist / (avail / 1000.0) / SIM_KN : INFINITY,
                            nd[anchor].speed_kn);
            goto out;
        }
        if (dist > 1.0 && avail > 0 && fabs(avail - travel) > 1.0) {
            double f = avail / travel; /* slower to arrive on time, or up to 25 % faster */
            for (uint32_t j = anchor; j < i; j++)
                leg_ms[j] *= f;
        } else if (dist <= 1.0 && avail > 0) {
            nd[anchor].wait_ms += (int64_t)avail; /* nowhere to go: wait where it is */
        }
        anchor = i;
        leave = nd[i].stop->t + nd[i].stop->hold_ms;
    }
    /* Legs, each starting where the one before ended. */
    double clat = nd[0].lat, clon = nd[0].lon;
    if (depart > plan_start && (rc = hold_anchored(p, clat, clon, plan_start, depart, 5, rng)))
        goto out;
    int64_t t = depart;
    for (uint32_t i = 0; i < m; i++) {
        sim_state st;
        if (nd[i].stop) {
            sim_leg L;
            stop_leg(nd[i].stop, &L);
            t = nd[i].stop->t + nd[i].stop->hold_ms;
            if (nd[i].stop->hold_ms > 0) {
                if ((rc = plan_add(p, &L)))
                    goto out;
                sim_leg_eval(&L, t, &st);
                clat = st.lat, clon = st.lon;
            }
        }
        if (nd[i].wait_ms > 0) {
            if ((rc = hold_anchored(p, clat, clon, t, t + nd[i].wait_ms, 1, rng)))
                goto out;
            t += nd[i].wait_ms;
            sim_leg_eval(&p->legs[p->n - 1], t, &st);
            clat = st.lat, clon = st.lon;
        }
        if (i + 1 == m)
            break;
        int64_t t1 = t + (int64_t)llround(leg_ms[i]);
        if (t1 > t) {
            sim_leg L;
            sim_leg_sail(&L, clat, clon, nd[i + 1].lat, nd[i + 1].lon, t, t1, 0);
            if ((rc = plan_add(p, &L)))
                goto out;
            clat = nd[i + 1].lat, clon = nd[i + 1].lon;
        }
        t = t1;
    }
    rc = hold_anchored(p, clat, clon, t, SIM_TIME_FAR, 1, rng);
out:
    free(nd);
    free(leg_ms);
    return rc;
}

static void box_point(const double *box, uint64_t *rng, double *lat, double *lon)
{
    *lat = sim_range(rng, box[0], box[2]);
    *lon = sim_range(rng, box[1], box[3]);
}

/* Area or anchorage: wander in the box (or wait at the anchorage) and go to
 * each stop in time, coming back afterwards. */
static int plan_idle(const sim_scenario *sc, const sim_vdef *vd, sim_stop *stops, uint32_t nstops,
                     int64_t plan_start, int64_t plan_end, sim_plan *p, uint64_t *rng, strbuf *err)
{
    bool area = vd->behaviour == BEH_AREA;
    uint8_t rest = vd->moored ? 5 : 1; /* status when waiting at its place */
    double speed = vd->speed_kn > 0 ? vd->speed_kn : area ? 3.0 : sim_default_speed(vd->id.shiptype, vd->id.cls);
    uint8_t status = area && vd->id.shiptype == 30 ? 7 : 0;
    double lat, lon;
    if (area)
        box_point(vd->box, rng, &lat, &lon);
    else
        lat = vd->at_lat, lon = vd->at_lon;
    int64_t t = plan_start;
    double box_size = area ? sim_distance_m(vd->box[0], vd->box[1], vd->box[2], vd->box[3]) : 0;
    /* Hops shorter than 10 minutes at this speed: hold and wander instead. */
    bool tiny = area && box_size < speed * SIM_KN * 600.0;
    uint32_t k = 0;
    int rc = 0;
    while (t < plan_end || k < nstops) {
        const sim_stop *s = k < nstops ? &stops[k] : NULL;
        double slat = 0, slon = 0, to_stop = 0;
        if (s) {
            stop_point(s, s->t, &slat, &slon);
            to_stop = sim_distance_m(lat, lon, slat, slon) / (speed * SIM_KN) * 1000.0;
        }
        double qlat = lat, qlon = lon, hop = 0;
        if (area && !tiny) {
            for (int tries = 0; tries < 8 && hop < speed * SIM_KN * 600.0; tries++) {
                box_point(vd->box, rng, &qlat, &qlon);
                hop = sim_distance_m(lat, lon, qlat, qlon);
            }
            hop = hop / (speed * SIM_KN) * 1000.0;
        } else {
            hop = 3600000.0; /* anchored: look again in an hour */
        }
        double back = s ? sim_distance_m(qlat, qlon, slat, slon) / (speed * SIM_KN) * 1000.0 : 0;
        if (s && (double)t + hop + back > (double)s->t) {
            /* Leave for the stop now (anchored: as late as possible). */
            int64_t leave = t;
            if (!area || tiny)
                leave = s->t - (int64_t)llround(to_stop);
            if ((double)(s->t - t) < to_stop / SPEED_UP - 1000.0) {
                double d = sim_distance_m(lat, lon, slat, slon);
                double need = s->t > t ? d / ((double)(s->t - t) / 1000.0) / SIM_KN : INFINITY;
                return stop_error(err, sc, vd, s, need, speed);
            }
            if (leave > t) {
                if (tiny) {
                    sim_leg L;
                    double r = box_size / 3.0;
                    double hdg = sim_range(rng, 0, 360); /* draws in a fixed order: C leaves the order of arguments open */
                    uint64_t phase = sim_rand(rng);
                    sim_leg_hold(&L, (vd->box[0] + vd->box[2]) / 2, (vd->box[1] + vd->box[3]) / 2, t, leave, r,
                                 speed, hdg, status, phase);
                    if ((rc = plan_add(p, &L)))
                        return rc;
                    sim_state st;
                    sim_leg_eval(&L, leave, &st);
                    lat = st.lat, lon = st.lon;
                } else if ((rc = hold_anchored(p, lat, lon, t, leave, rest, rng))) {
                    return rc;
                }
                t = leave;
            }
            sim_leg L;
            sim_leg_sail(&L, lat, lon, slat, slon, t, s->t, 0);
            if ((rc = plan_add(p, &L)))
                return rc;
            stop_leg(s, &L);
            if (s->hold_ms > 0 && (rc = plan_add(p, &L)))
                return rc;
            sim_state st;
            sim_leg_eval(&L, s->t + s->hold_ms, &st);
            lat = st.lat, lon = st.lon;
            t = s->t + s->hold_ms;
            k++;
            if (!area) { /* back to the anchorage */
                double d = sim_distance_m(lat, lon, vd->at_lat, vd->at_lon);
                int64_t t1 = t + (int64_t)llround(d / (speed * SIM_KN) * 1000.0);
                sim_leg_sail(&L, lat, lon, vd->at_lat, vd->at_lon, t, t1, 0);
                if (t1 > t && (rc = plan_add(p, &L)))
                    return rc;
                lat = vd->at_lat, lon = vd->at_lon;
                t = t1;
            }
            continue;
        }
        if (t >= plan_end)
            break;
        int64_t t1 = t + (int64_t)llround(hop);
        sim_leg L;
        if (!area) {
            if ((rc = hold_anchored(p, lat, lon, t, t1, rest, rng)))
                return rc;
        } else if (tiny) {
            double hdg = sim_range(rng, 0, 360); /* draws in a fixed order: C leaves the order of arguments open */
            uint64_t phase = sim_rand(rng);
            sim_leg_hold(&L, (vd->box[0] + vd->box[2]) / 2, (vd->box[1] + vd->box[3]) / 2, t, t1, box_size / 3.0,
                         speed, hdg, status, phase);
            if ((rc = plan_add(p, &L)))
                return rc;
            sim_state st;
            sim_leg_eval(&L, t1, &st);
            qlat = st.lat, qlon = st.lon;
        } else {
            sim_leg_sail(&L, lat, lon, qlat, qlon, t, t1, status);
            if ((rc = plan_add(p, &L)))
                return rc;
        }
        lat = qlat, lon = qlon;
        t = t1;
    }
    if (area)
        return hold_anchored(p, lat, lon, t, SIM_TIME_FAR, status == 7 ? 7 : 1, rng);
    return hold_anchored(p, lat, lon, t, SIM_TIME_FAR, rest, rng);
}

static int stop_cmp(const void *a, const void *b)
{
    const sim_stop *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

int sim_plan_build(const sim_scenario *sc, const sim_vdef *vd, sim_stop *stops, uint32_t nstops,
                   int64_t plan_start, int64_t plan_end, uint64_t rng_seed, sim_plan *out, strbuf *err)
{
    uint64_t rng = rng_seed;
    memset(out, 0, sizeof *out);
    qsort(stops, nstops, sizeof *stops, stop_cmp);
    for (uint32_t k = 1; k < nstops; k++) {
        if (stops[k].t < stops[k - 1].t + stops[k - 1].hold_ms) {
            err->len = 0;
            err->overflow = false;
            sb_puts(err, sc->file);
            sb_putc(err, ':');
            sb_u64(err, stops[k].line);
            sb_puts(err, ": vessel '");
            sb_puts(err, vd->label);
            sb_puts(err, "' is still at the ");
            sb_puts(err, stops[k - 1].what);
            sb_puts(err, " of line ");
            sb_u64(err, stops[k - 1].line);
            sb_puts(err, " when this event starts");
            return LO_E_INVAL;
        }
    }
    int rc;
    if (vd->behaviour == BEH_ROUTE)
        rc = plan_route(sc, vd, stops, nstops, plan_start, out, &rng, err);
    else
        rc = plan_idle(sc, vd, stops, nstops, plan_start, plan_end, out, &rng, err);
    if (rc) {
        free(out->legs);
        memset(out, 0, sizeof *out);
        if (rc == LO_E_RANGE) {
            err->len = 0;
            err->overflow = false;
            sb_puts(err, sc->file);
            sb_putc(err, ':');
            sb_u64(err, vd->line);
            sb_puts(err, ": vessel '");
            sb_puts(err, vd->label);
            sb_puts(err, "' needs more than 200000 legs (a larger area or a shorter scenario)");
        }
    }
    return rc;
}

void sim_plan_eval(const sim_plan *p, int64_t t, sim_state *st)
{
    uint32_t lo = 0, hi = p->n - 1;
    while (lo < hi) { /* first leg that ends after t */
        uint32_t mid = (lo + hi) / 2;
        if (p->legs[mid].t1 <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    sim_leg_eval(&p->legs[lo], t, st);
}
