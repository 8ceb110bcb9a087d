/* detect_spoof.c - the spoof detector: positions no ship could have sent.
 *
 *   jump              consecutive positions implying > jump_min_kn over > jump_min_nm; a jump
 *                     out and back (one bad position, a displaced stretch) is one event
 *   on_land           positions on Natural Earth land at least land_margin_m inland
 *   position_cluster  many vessels at one point that jumped there, are inland, or sit
 *                     within a few metres of each other (Gelendzhik 2017)
 *   circle            many vessels going round one circle (Shanghai 2019)
 *   speed_mismatch    reported speed against the speed the positions imply, sustained
 *   mmsi_shared       one MMSI switching back and forth between two places far apart
 *
 * Everything per point is O(1): one distance, a few comparisons; land look-ups
 * only after the vessel moved LAND_STEP_M since its last one; the cluster grid
 * only holds vessels that stay put; circle fits only at samples LAND_STEP_M-ish
 * apart. docs/detect.md gives the rules, defaults and their sources. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"

#define DEG_M 111194.93             /* metres per degree of latitude (LO_EARTH_RADIUS_M) */
#define JUMP_MIN_DT_MS 30000        /* time base at least this: same-second copies, clock error */
#define JUMP_SOG_FACTOR 1.25        /* a vessel saying it is fast may move that fast */
#define SOG_MAX_TRUSTED 1000        /* 1/10 kn: above 100 kn reported speeds are not believed */
#define LAND_STEP_M 500.0           /* look land up again after moving this far */
#define LAND_MIN_POINTS 3           /* inland positions in a row before on_land */
#define LAND_MIN_MS (10 * 60000)    /* ... over at least this long */
#define LAND_BREAK_MS (30 * 60000)  /* off land this long ends an on_land event */
#define LAND_SHORE_MAX 10           /* shore distances measured up to 10 x the margin */
#define MM_INTERVAL_MS (10 * 60000) /* speed compared over intervals of at least this */
#define MM_MAX_HOP_MS (10 * 60000)  /* a silence longer than this restarts the interval */
#define MM_MIN_SOG 3                /* reported speeds needed in an interval */
#define CL_MOVE_M 25.0              /* moved less than this: staying put (in the cluster grid) */
#define CL_STILL_MS 60000           /* ... for at least this long */
#define CL_TIGHT_M 10.0             /* "the same position": within this of each other */
#define CC_STEP_M 150.0             /* circle samples at least this far apart */
#define CC_TURN_KEEP 0.9f           /* leaky sum of chord turns: weight kept per sample */
#define CC_TURN_MIN 15.0f           /* degrees of that sum before samples are fitted */
#define CS_BEAR_NONE INT16_MIN
#define CC_MIN_R_M 150.0         /* smaller circles: anchor swing, not a spoof */
#define CC_MIN_SWEEP 180.0       /* degrees gone round before a vessel counts as circling */
#define REST_R_M 500.0           /* staying put: within this of where it stopped */
#define REST_MIN_MS (30 * 60000) /* ... for at least this long */
#define STEP_MS 60000            /* periodic pass: closing sites */

static bool kind_ok(lo_station_kind k)
{
    return k == LO_STATION_VESSEL || k == LO_STATION_INVALID || k == LO_STATION_AUXILIARY;
}

static bool type_ok(uint8_t t) { return (t >= 1 && t <= 3) || t == 18 || t == 19 || t == 27; }

/* Reported speed in knots, or -1 when not usable (n/a, 102.2, the 51.2 noise value). */
static double sog_kn(const det_point *p)
{
    if (p->speed >= 1022 || p->speed == 512 || p->speed > SOG_MAX_TRUSTED)
        return -1;
    return p->speed / 10.0;
}

static double exact_m(const det_point *a, const det_point *b)
{
    return lo_geo_distance_m(lo_udeg(a->lat), lo_udeg(a->lon), lo_udeg(b->lat), lo_udeg(b->lon));
}

/* Metres from q to (lat, lon), flat: fine for the short hops and radii these
 * rules compare, with cos(latitude) kept per vessel (s->k, refreshed when the
 * vessel moved 0.1 degree of latitude) so that a point costs no cosine. */
static inline double qdist(const det_spoof_vessel *s, const det_point *q, int32_t lat, int32_t lon)
{
    double dy = (double)lat - (double)q->lat;
    double dx = (double)lon - (double)q->lon;
    if (dx > 180e6)
        dx -= 360e6;
    else if (dx < -180e6)
        dx += 360e6;
    dx *= s->k;
    return sqrt(dx * dx + dy * dy) * (DEG_M * 1e-6);
}

static inline void k_update(det_spoof_vessel *s, const det_point *q)
{
    if (s->k == 0 || abs(q->lat / 10000 - s->k_lat) > 10) {
        s->k_lat = (int16_t)(q->lat / 10000);
        s->k = (float)cos(lo_udeg(q->lat) * (M_PI / 180.0));
        if (s->k < 0.01f)
            s->k = 0.01f;
    }
}

/* A position kept without speed and course, as evidence. */
static det_point dpt(int64_t t, int32_t lat, int32_t lon)
{
    det_point p = {t, lat, lon, 1023, 3600, 0, 15, 0};
    return p;
}

static uint32_t secs(int64_t t_ms) { return (uint32_t)(t_ms / 1000); }

/* ---- jumps ------------------------------------------------------------------------------ */

static double jump_threshold_kn(const lo_detector *d, const dvessel *dv, const det_point *a, const det_point *b)
{
    double t = d->cfg.jump_min_kn;
    uint8_t st = dv->who.ship_type;
    if (st >= 40 && st <= 49 && d->cfg.jump_hsc_kn > t)
        t = d->cfg.jump_hsc_kn;
    double s = fmax(sog_kn(a), sog_kn(b));
    if (s * JUMP_SOG_FACTOR > t)
        t = s * JUMP_SOG_FACTOR;
    return t;
}

/* Is a -> b a jump? *m receives the (fast) distance. */
static bool is_jump(const lo_detector *d, const dvessel *dv, const det_point *a, const det_point *b, double *m_out,
                    double *kn_out)
{
    /* b is the vessel's current point (its cosine is kept); long hops are measured exactly */
    double m = qdist(&dv->spoof, b, a->lat, a->lon);
    if (m > 20 * LO_NM_M)
        m = exact_m(a, b);
    if (m_out)
        *m_out = m;
    if (m <= d->cfg.jump_min_nm * LO_NM_M)
        return false;
    int64_t dt = b->t - a->t;
    if (dt < JUMP_MIN_DT_MS)
        dt = JUMP_MIN_DT_MS;
    double kn = m / LO_NM_M / ((double)dt / 3.6e6);
    if (kn_out)
        *kn_out = kn;
    return kn > jump_threshold_kn(d, dv, a, b);
}

static void jump_emit(lo_detector *d, dvessel *dv, lo_event_state st, const det_point *back)
{
    det_spoof_vessel *s = &dv->spoof;
    int64_t end = back ? back->t : s->jump_last.t;
    bool single = back && s->jump_n == 1;
    lo_event *e = det_event_begin(d, LO_EV_JUMP, single ? LO_SEV_LOW : LO_SEV_MEDIUM, s->jump_first.t,
                                  st == LO_EVENT_OPEN ? s->jump_first.t : end, s->jump_from.lat, s->jump_from.lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &s->jump_from, s->jump_fake ? "last at its stay" : "last before jump");
    det_event_evidence(e, dv->mmsi, &s->jump_first, s->jump_fake ? "first of the track" : "first displaced");
    if (s->jump_n > 1)
        det_event_evidence(e, dv->mmsi, &s->jump_last, "last displaced");
    if (back)
        det_event_evidence(e, dv->mmsi, back, "first back");
    det_param_num(e, "min_kn", jump_threshold_kn(d, dv, &s->jump_from, &s->jump_first), 1);
    det_param_num(e, "min_nm", d->cfg.jump_min_nm, 2);
    det_param_num(e, "jump_nm", s->jump_nm, 2);
    det_param_num(e, "implied_kn", s->jump_kn, 1);
    det_param_int(e, "displaced_reports", s->jump_n);
    det_param_int(e, "places", s->jump_places);
    det_param_bool(e, "returned", back != NULL);
    if (s->jump_fake)
        det_param_bool(e, "fake_track", true);
    if (back)
        det_param_num(e, "back_nm", exact_m(&s->jump_last, back) / LO_NM_M, 2);
    det_param_num(e, "displaced_min", (double)(s->jump_last.t - s->jump_first.t) / 60000.0, 1);
    if (s->jump_fake)
        det_event_summary(e,
                          "%u: left its berth or anchorage on a track of %u reports, then jumped %.1f nm back "
                          "(%.0f kn): the track was not its own",
                          dv->mmsi, s->jump_n, s->jump_nm, s->jump_kn);
    else if (back)
        det_event_summary(e, "%u: position jumped %.1f nm (%.0f kn) and came back after %u report%s", dv->mmsi,
                          s->jump_nm, s->jump_kn, s->jump_n, s->jump_n == 1 ? "" : "s");
    else
        det_event_summary(e, "%u: position jumped %.1f nm (%.0f kn implied), %u report%s there", dv->mmsi, s->jump_nm,
                          s->jump_kn, s->jump_n, s->jump_n == 1 ? "" : "s");
    /* The first displaced position joins the id: two excursions of one vessel
     * starting in the same second (two receivers' copies) stay two events. */
    det_event_emit(d, e, st, (uint64_t)(uint32_t)s->jump_first.lat << 32 | (uint32_t)s->jump_first.lon);
}

static void jump_start(lo_detector *d, dvessel *dv, const det_point *from, const det_point *q, double kn)
{
    det_spoof_vessel *s = &dv->spoof;
    s->jump_out = true;
    s->jump_from = *from;
    s->jump_first = s->jump_last = *q;
    s->jump_n = 1;
    s->jump_places = 1;
    s->jump_nm = (float)(exact_m(from, q) / LO_NM_M);
    s->jump_kn = (float)kn;
    jump_emit(d, dv, LO_EVENT_OPEN, NULL);
}

/* Where the vessel stays, and the last stay it left (for fake tracks that begin there). */
static void rest_point(const lo_detector *d, det_spoof_vessel *s, const det_point *q, bool jumped)
{
    (void)d;
    if (jumped || s->jump_out)
        return;
    if (s->rest_s0 && qdist(s, q, s->rest_lat, s->rest_lon) <= REST_R_M) {
        s->rest_last_s = secs(q->t);
    } else {
        if (s->rest_s0 && (int64_t)(s->rest_last_s - s->rest_s0) * 1000 >= REST_MIN_MS) {
            s->stay_last = dpt((int64_t)s->rest_last_s * 1000, s->rest_lat, s->rest_lon);
            s->stay_left = *q;
            s->stay_valid = true;
            s->left_n = 0;
        }
        s->rest_lat = q->lat;
        s->rest_lon = q->lon;
        s->rest_s0 = s->rest_last_s = secs(q->t);
    }
    if (s->stay_valid)
        s->left_n++;
}

/* ---- MMSI shared ---------------------------------------------------------------------- */

static void shared_emit(lo_detector *d, dvessel *dv, lo_event_state st)
{
    det_spoof_vessel *s = &dv->spoof;
    lo_event *e = det_event_begin(d, LO_EV_MMSI_SHARED, LO_SEV_MEDIUM, s->shared_start, s->shared_last, s->shared_a.lat,
                                  s->shared_a.lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &s->shared_a, "place A");
    det_event_evidence(e, dv->mmsi, &s->shared_b, "place B");
    det_param_num(e, "min_km", d->cfg.mmsi_shared_min_km, 1);
    det_param_int(e, "min_alternations", d->cfg.mmsi_shared_min_alternations);
    det_param_num(e, "window_h", d->cfg.mmsi_shared_window_h, 2);
    det_param_num(e, "distance_km", s->shared_km, 1);
    det_param_int(e, "alternations", s->shared_count);
    det_param_int(e, "segments", s->seg_max);
    det_event_summary(e, "%u sent from two places %.0f km apart, switching %u times", dv->mmsi, s->shared_km,
                      s->shared_count);
    det_event_emit(d, e, st, 0);
}

static void land_emit(lo_detector *d, dvessel *dv, lo_event_state st);

static void shared_switch(lo_detector *d, dvessel *dv, const det_point *from, const det_point *q)
{
    det_spoof_vessel *s = &dv->spoof;
    s->sw_s[s->sw_head] = (uint32_t)(q->t / 1000);
    s->sw_head = (uint8_t)((s->sw_head + 1) % DET_SPOOF_SWITCHES);
    if (s->sw_n < DET_SPOOF_SWITCHES)
        s->sw_n++;
    s->shared_a = *from;
    s->shared_b = *q;
    s->shared_km = (float)(exact_m(from, q) / 1000.0);
    s->shared_last = q->t;
    if (s->shared_open) {
        s->shared_count++;
        return;
    }
    int64_t since = q->t - (int64_t)(d->cfg.mmsi_shared_window_h * 3.6e6);
    uint32_t need = d->cfg.mmsi_shared_min_alternations;
    if (need > DET_SPOOF_SWITCHES)
        need = DET_SPOOF_SWITCHES;
    uint32_t n = 0;
    int64_t first = q->t;
    for (uint32_t i = 0; i < s->sw_n; i++) {
        int64_t t = (int64_t)s->sw_s[i] * 1000;
        if (t >= since) {
            n++;
            if (t < first)
                first = t;
        }
    }
    if (n >= need) {
        s->shared_open = true;
        s->shared_count = n;
        s->shared_start = first;
        shared_emit(d, dv, LO_EVENT_OPEN);
        /* Two transmitters, not a displaced track: what the jump and land rules
         * have open ends here, and they stay quiet while the MMSI is shared. */
        if (s->jump_out)
            jump_emit(d, dv, LO_EVENT_CLOSED, NULL);
        s->jump_out = false;
        if (s->land_open)
            land_emit(d, dv, LO_EVENT_CLOSED);
        s->land_open = false;
        s->land_n = 0;
    }
}

/* ---- speed mismatch --------------------------------------------------------------------- */

static void mm_emit(lo_detector *d, dvessel *dv, lo_event_state st)
{
    det_spoof_vessel *s = &dv->spoof;
    double rep = s->mm_rep_sum / s->mm_intervals, imp = s->mm_imp_sum / s->mm_intervals;
    lo_event *e =
        det_event_begin(d, LO_EV_SPEED_MISMATCH, LO_SEV_LOW, s->mm_start, s->mm_end, s->mm_last.lat, s->mm_last.lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &s->mm_first, "first");
    det_event_evidence(e, dv->mmsi, &s->mm_last, "last");
    det_param_num(e, "min_kn", d->cfg.mismatch_min_kn, 1);
    det_param_num(e, "min_h", d->cfg.mismatch_min_h, 2);
    det_param_num(e, "reported_kn", rep, 1);
    det_param_num(e, "implied_kn", imp, 1);
    det_param_num(e, "max_difference_kn", s->mm_diff_max, 1);
    det_param_int(e, "intervals", s->mm_intervals);
    det_param_num(e, "duration_h", (double)(s->mm_end - s->mm_start) / 3.6e6, 2);
    det_event_summary(e, "%u reported %.1f kn while its positions moved at %.1f kn for %.1f h", dv->mmsi, rep, imp,
                      (double)(s->mm_end - s->mm_start) / 3.6e6);
    det_event_emit(d, e, st, 0);
}

static void mm_end_run(lo_detector *d, dvessel *dv)
{
    det_spoof_vessel *s = &dv->spoof;
    if (s->mm_open)
        mm_emit(d, dv, LO_EVENT_CLOSED);
    s->mm_open = false;
    s->mm_intervals = 0;
}

static void mm_reset(det_spoof_vessel *s, const det_point *q)
{
    s->mm_t = q->t;
    s->mm_lat = q->lat;
    s->mm_lon = q->lon;
    s->mm_seg = q->segment;
    s->mm_has_ref = true;
    s->mm_path_m = 0;
    s->mm_sog_sum = 0;
    s->mm_sog_n = 0;
}

static void mm_point(lo_detector *d, dvessel *dv, const det_point *q, double hop_m, bool hop_ok)
{
    det_spoof_vessel *s = &dv->spoof;
    if (q->type == 27)
        return; /* coarse positions and whole knots */
    if (!s->mm_has_ref || !hop_ok || q->segment != s->mm_seg || q->t - dv->prev.t > MM_MAX_HOP_MS) {
        mm_end_run(d, dv);
        mm_reset(s, q);
        return;
    }
    s->mm_path_m += (float)hop_m;
    double sog = sog_kn(q);
    if (sog >= 0) {
        s->mm_sog_sum += q->speed;
        s->mm_sog_n++;
    }
    int64_t dt = q->t - s->mm_t;
    if (dt < MM_INTERVAL_MS)
        return;
    if (s->mm_sog_n >= MM_MIN_SOG) {
        double rep = s->mm_sog_sum / 10.0 / s->mm_sog_n;
        double imp = s->mm_path_m / LO_NM_M / ((double)dt / 3.6e6);
        double diff = fabs(rep - imp);
        if (diff > d->cfg.mismatch_min_kn) {
            if (!s->mm_intervals) {
                s->mm_start = s->mm_t;
                s->mm_first = dpt(s->mm_t, s->mm_lat, s->mm_lon);
                s->mm_rep_sum = s->mm_imp_sum = s->mm_diff_max = 0;
            }
            s->mm_intervals++;
            s->mm_end = q->t;
            s->mm_last = *q;
            s->mm_rep_sum += (float)rep;
            s->mm_imp_sum += (float)imp;
            if (diff > s->mm_diff_max)
                s->mm_diff_max = (float)diff;
            if (!s->mm_open && (double)(s->mm_end - s->mm_start) >= d->cfg.mismatch_min_h * 3.6e6) {
                s->mm_open = true;
                mm_emit(d, dv, LO_EVENT_OPEN);
            }
        } else {
            mm_end_run(d, dv);
        }
    }
    mm_reset(s, q);
}

/* ---- on land ---------------------------------------------------------------------------- */

static void land_emit(lo_detector *d, dvessel *dv, lo_event_state st)
{
    det_spoof_vessel *s = &dv->spoof;
    lo_event *e = det_event_begin(d, LO_EV_ON_LAND, LO_SEV_MEDIUM, s->land_first.t, s->land_last.t, s->land_first.lat,
                                  s->land_first.lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &s->land_first, "first inland");
    det_event_evidence(e, dv->mmsi, &s->land_last, "last inland");
    det_param_num(e, "margin_m", d->cfg.land_margin_m, 0);
    det_param_num(e, "shore_m", s->land_shore_m, 0);
    det_param_int(e, "reports", s->land_n);
    det_event_summary(e, "%u reported %u positions on land, %.1f km from the shore", dv->mmsi, s->land_n,
                      s->land_shore_m / 1000.0);
    det_event_emit(d, e, st, 0);
}

static void land_point(lo_detector *d, dvessel *dv, const det_point *q)
{
    det_spoof_vessel *s = &dv->spoof;
    if (!d->env.land)
        return;
    if ((!s->jump_out && !s->land_open) || s->shared_open) {
        /* Only a displaced track counts: Natural Earth 1:10m land holds rivers, lakes
         * (IJsselmeer) and harbours, where real ships sail (docs/detect.md). */
        s->land_n = 0;
        return;
    }
    if (!s->land_checked || qdist(s, q, s->land_lat, s->land_lon) > LAND_STEP_M) {
        s->land_checked = true;
        s->land_lat = q->lat;
        s->land_lon = q->lon;
        s->land_inland = false;
        if (det_on_land(d, q->lat, q->lon)) {
            double margin_nm = d->cfg.land_margin_m / LO_NM_M;
            double nm = det_shore_nm(d, q->lat, q->lon, margin_nm * LAND_SHORE_MAX);
            if (nm >= margin_nm) {
                s->land_inland = true;
                s->land_shore_m = isfinite(nm) ? (float)(nm * LO_NM_M) : (float)(d->cfg.land_margin_m * LAND_SHORE_MAX);
            }
        }
    }
    if (s->land_inland) {
        if (!s->land_n)
            s->land_first = *q;
        s->land_last = *q;
        s->land_n++;
        if (!s->land_open && s->land_n >= LAND_MIN_POINTS && q->t - s->land_first.t >= LAND_MIN_MS) {
            s->land_open = true;
            land_emit(d, dv, LO_EVENT_OPEN);
        }
    } else if (!s->land_open || q->t - s->land_last.t > LAND_BREAK_MS) {
        /* an open event survives short returns to the water (a circle half on land) */
        if (s->land_open)
            land_emit(d, dv, LO_EVENT_CLOSED);
        s->land_open = false;
        s->land_n = 0;
    }
}

/* ---- spatial grid (cluster points, circle centres) ---------------------------------------- */

typedef struct glinks {
    uint32_t *next, *prev;
    uint64_t *key;
    bool *in;
} glinks;

static glinks links_of(dvessel *v, int g)
{
    det_spoof_vessel *s = &v->spoof;
    glinks l;
    if (g == 0) {
        l.next = &s->cl_next, l.prev = &s->cl_prev, l.key = &s->cl_key, l.in = &s->cl_in;
    } else {
        l.next = &s->cc_next, l.prev = &s->cc_prev, l.key = &s->cc_key, l.in = &s->cc_in;
    }
    return l;
}

static det_spoof_grid *grid_of(lo_detector *d, int g) { return g == 0 ? &d->spoof.cl : &d->spoof.cc; }

static uint32_t bucket_of(uint64_t key, uint32_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)key & (cap - 1);
}

/* Cell of a position for cells of cell_m metres (rows of latitude, columns
 * as wide in metres at the row's middle). */
static uint64_t cell_key(int64_t row, int64_t col) { return ((uint64_t)(uint32_t)row << 32) | (uint32_t)col; }

static int64_t cell_row(double lat, double cell_m) { return (int64_t)floor(lat * DEG_M / cell_m); }

static int64_t cell_col(int64_t row, double lon, double cell_m)
{
    double mid = ((double)row + 0.5) * cell_m / DEG_M;
    double c = cos(mid * (M_PI / 180.0));
    if (c < 0.01)
        c = 0.01;
    return (int64_t)floor((lon + 180.0) * DEG_M * c / cell_m);
}

static void grid_remove(lo_detector *d, dvessel *v, int g)
{
    glinks l = links_of(v, g);
    if (!*l.in)
        return;
    det_spoof_grid *gr = grid_of(d, g);
    if (*l.prev)
        *links_of(det_vessel_at(d, *l.prev), g).next = *l.next;
    else
        gr->heads[bucket_of(*l.key, gr->cap)] = *l.next;
    if (*l.next)
        *links_of(det_vessel_at(d, *l.next), g).prev = *l.prev;
    *l.in = false;
    *l.next = *l.prev = 0;
    gr->count--;
}

static void grid_push(lo_detector *d, det_spoof_grid *gr, dvessel *v, int g, uint32_t self)
{
    glinks l = links_of(v, g);
    uint32_t b = bucket_of(*l.key, gr->cap);
    *l.prev = 0;
    *l.next = gr->heads[b];
    if (gr->heads[b])
        *links_of(det_vessel_at(d, gr->heads[b]), g).prev = self;
    gr->heads[b] = self;
}

static int grid_grow(lo_detector *d, int g)
{
    det_spoof_grid *gr = grid_of(d, g);
    uint32_t ncap = gr->cap ? gr->cap * 2 : 1024;
    uint32_t *nh = calloc(ncap, sizeof *nh);
    if (!nh)
        return -1;
    uint32_t *old = gr->heads, ocap = gr->cap;
    gr->heads = nh;
    gr->cap = ncap;
    for (uint32_t b = 0; b < ocap; b++) {
        uint32_t i = old[b];
        while (i) {
            dvessel *v = det_vessel_at(d, i);
            uint32_t next = *links_of(v, g).next;
            grid_push(d, gr, v, g, i);
            i = next;
        }
    }
    free(old);
    d->stats.memory_bytes += (uint64_t)(ncap - ocap) * sizeof *nh;
    return 0;
}

static void grid_insert(lo_detector *d, dvessel *v, int g, uint64_t key)
{
    glinks l = links_of(v, g);
    if (*l.in && *l.key == key)
        return;
    grid_remove(d, v, g);
    det_spoof_grid *gr = grid_of(d, g);
    if (gr->count + 1 > gr->cap && grid_grow(d, g) < 0)
        return;
    *l.key = key;
    *l.in = true;
    gr->count++;
    grid_push(d, gr, v, g, det_vessel_index1(d, v));
}

/* ---- sites: alerts over many vessels --------------------------------------------------- */

static void site_add(det_spoof_site *st, uint32_t mmsi, const det_point *p)
{
    for (uint32_t i = 0; i < st->n; i++)
        if (st->mmsi[i] == mmsi) {
            st->pt[i] = *p;
            return;
        }
    st->total++;
    if (st->n < DET_SPOOF_SITE_MEMBERS) {
        st->mmsi[st->n] = mmsi;
        st->pt[st->n++] = *p;
    }
}

static void site_emit(lo_detector *d, det_spoof_site *st, lo_event_type type, lo_event_state state)
{
    lo_event *e = det_event_begin(d, type, LO_SEV_HIGH, st->start, st->last, (int32_t)lround(st->lat * 1e6),
                                  (int32_t)lround(st->lon * 1e6));
    for (uint32_t i = 0; i < st->n; i++) {
        dvessel *v = det_vessel_find(d, st->mmsi[i]);
        if (v) {
            det_event_vessel(e, v);
        } else {
            /* Evicted since: listed by its MMSI alone, so that the first vessel
             * (and with it the event's id) stays the same until it closes. */
            e->vessels_total++;
            if (e->nvessels < LO_EVENT_MAX_VESSELS) {
                lo_event_vessel *w = &e->vessels[e->nvessels++];
                memset(w, 0, sizeof *w);
                w->mmsi = st->mmsi[i];
                w->watch = -1;
                w->kind = lo_station_kind_of(w->mmsi);
                w->flag = lo_mid_iso2(lo_mmsi_mid(w->mmsi));
            }
        }
    }
    e->vessels_total = st->total > e->vessels_total ? st->total : e->vessels_total;
    for (uint32_t i = 0; i < st->n; i++)
        det_event_evidence(e, st->mmsi[i], &st->pt[i], type == LO_EV_CIRCLE ? "on the circle" : "at the point");
    if (type == LO_EV_CIRCLE) {
        det_param_int(e, "min_vessels", d->cfg.circle_min_vessels);
        det_param_num(e, "max_radius_km", d->cfg.circle_max_radius_km, 2);
        det_param_num(e, "tolerance_m", d->cfg.circle_tolerance_m, 0);
        det_param_num(e, "radius_m", st->r_m, 0);
        det_param_int(e, "vessels", st->total);
        det_event_summary(e, "%u vessels reported going round one circle of %.0f m radius", st->total, st->r_m);
    } else {
        det_param_int(e, "min_vessels", d->cfg.cluster_min_vessels);
        det_param_num(e, "radius_m", d->cfg.cluster_radius_m, 0);
        det_param_num(e, "window_min", d->cfg.cluster_window_min, 1);
        det_param_int(e, "vessels", st->total);
        det_param_int(e, "jumped_in_or_inland", st->suspects);
        det_event_summary(e, "%u vessels reported at one point (%u jumped there or are inland)", st->total,
                          st->suspects);
    }
    /* A circle's centre and radius (fixed when it opens) join its id: two
     * circles open at once are more than twice the tolerance apart, so they
     * stay two events even with the same first vessel and start. */
    uint64_t salt = 0;
    if (type == LO_EV_CIRCLE)
        salt = ((uint64_t)(uint32_t)lround(st->lat * 1e6) << 32 | (uint32_t)lround(st->lon * 1e6)) ^
               (uint64_t)lround(st->r_m) * 0x9e3779b97f4a7c15ULL;
    det_event_emit(d, e, state, salt);
}

/* The open site (closed = false) or the closed circle kept (closed = true)
 * within max_m of (lat, lon), and for circles of a radius within max_m. */
static det_spoof_site *site_near(det_spoof_site *sites, double lat, double lon, double r_m, double max_m, bool circle,
                                 bool closed)
{
    for (int i = 0; i < DET_SPOOF_MAX_SITES; i++) {
        det_spoof_site *st = &sites[i];
        if (!st->used || st->closed != closed)
            continue;
        if (lo_geo_fast_distance_m(st->lat, st->lon, lat, lon) <= max_m && (!circle || fabs(st->r_m - r_m) <= max_m))
            return st;
    }
    return NULL;
}

static det_spoof_site *site_init(det_spoof_site *st)
{
    memset(st, 0, sizeof *st);
    st->used = true;
    return st;
}

/* A free slot; else the closed circle kept longest ago (open sites are never
 * dropped for one). */
static det_spoof_site *site_new(lo_detector *d, det_spoof_site *sites)
{
    det_spoof_site *oldest = NULL;
    for (int i = 0; i < DET_SPOOF_MAX_SITES; i++) {
        if (!sites[i].used)
            return site_init(&sites[i]);
        if (sites[i].closed && (!oldest || sites[i].last < oldest->last))
            oldest = &sites[i];
    }
    if (oldest)
        return site_init(oldest);
    d->spoof.sites_dropped++;
    return NULL;
}

/* ---- position cluster ---------------------------------------------------------------------- */

static bool suspect(const dvessel *v) { return v->spoof.jump_out || v->spoof.land_inland; }

static void cluster_point(lo_detector *d, dvessel *dv, const det_point *q)
{
    det_spoof_vessel *s = &dv->spoof;
    int64_t window = (int64_t)(d->cfg.cluster_window_min * 60000.0);
    bool still = qdist(s, q, s->cl_lat, s->cl_lon) <= CL_MOVE_M;
    int64_t cl_t = (int64_t)s->cl_s * 1000;
    if (!still || !s->cl_s) {
        /* moving: out of the grid until it stays put */
        grid_remove(d, dv, 0);
        s->cl_lat = q->lat;
        s->cl_lon = q->lon;
        s->cl_s = secs(q->t);
        return;
    }
    if (q->t - cl_t < CL_STILL_MS || (s->cl_in && q->t - cl_t < window / 4))
        return; /* not yet a minute in one place, or listed not long ago */
    /* staying put: (re)insert with this time and look around */
    int64_t since = cl_t;
    s->cl_lat = q->lat;
    s->cl_lon = q->lon;
    s->cl_s = secs(q->t);
    double cell = d->cfg.cluster_radius_m;
    double lat = lo_udeg(q->lat), lon = lo_udeg(q->lon);
    int64_t row = cell_row(lat, cell);
    grid_insert(d, dv, 0, cell_key(row, cell_col(row, lon, cell)));
    det_spoof_grid *gr = &d->spoof.cl;
    uint32_t n_sus = 0, n_tight = 0, n_all = 0;
    uint32_t near[DET_SPOOF_SITE_MEMBERS];
    uint32_t nn = 0;
    int64_t start = since;
    for (int64_t r = row - 1; r <= row + 1; r++) {
        int64_t c0 = cell_col(r, lon, cell);
        for (int64_t c = c0 - 1; c <= c0 + 1; c++) {
            uint64_t key = cell_key(r, c);
            uint32_t i = gr->heads[bucket_of(key, gr->cap)];
            while (i) {
                dvessel *o = det_vessel_at(d, i);
                uint32_t next = o->spoof.cl_next;
                if (o->spoof.cl_key == key) {
                    if (q->t - (int64_t)o->spoof.cl_s * 1000 > window) {
                        grid_remove(d, o, 0);
                    } else {
                        double m = qdist(s, q, o->spoof.cl_lat, o->spoof.cl_lon);
                        if (m <= d->cfg.cluster_radius_m) {
                            n_all++;
                            n_sus += suspect(o);
                            n_tight += m <= CL_TIGHT_M;
                            if (nn < DET_SPOOF_SITE_MEMBERS)
                                near[nn++] = i;
                        }
                    }
                }
                i = next;
            }
        }
    }
    uint32_t need = d->cfg.cluster_min_vessels;
    det_spoof_site *st = site_near(d->spoof.cl_sites, lat, lon, 0, d->cfg.cluster_radius_m, false, false);
    if (!st && n_sus < need && n_tight < need)
        return;
    bool fresh = false;
    if (!st) {
        /* As for circles: a cluster that closed here and is seen again is a new
         * event from the time it is seen again (reports at or before the closed
         * one's end were that event's), so the two never overlap or share an id. */
        det_spoof_site *was = site_near(d->spoof.cl_sites, lat, lon, 0, d->cfg.cluster_radius_m, false, true);
        if (was && q->t <= was->last)
            return;
        if (was) {
            if (start <= was->last)
                start = q->t;
            st = site_init(was);
        } else if (!(st = site_new(d, d->spoof.cl_sites))) {
            return;
        }
        st->lat = lat;
        st->lon = lon;
        st->start = start;
        fresh = true;
    } else if (!suspect(dv) && n_tight < need) {
        /* a vessel passing an open cluster's point is not one of it */
        return;
    }
    for (uint32_t k = 0; k < nn; k++) {
        dvessel *o = det_vessel_at(d, near[k]);
        if (!fresh || suspect(o) || n_tight >= need) {
            uint32_t before = st->total;
            det_point op = o == dv ? *q : dpt((int64_t)o->spoof.cl_s * 1000, o->spoof.cl_lat, o->spoof.cl_lon);
            site_add(st, o->mmsi, &op);
            if (st->total > before && suspect(o))
                st->suspects++;
        }
    }
    if (q->t > st->last)
        st->last = q->t;
    if (fresh) {
        st->opened = true;
        site_emit(d, st, LO_EV_POSITION_CLUSTER, LO_EVENT_OPEN);
    }
}

/* ---- circles ------------------------------------------------------------------------------ */

/* Local metres of a position relative to (lat0, lon0). */
static void local_xy(double lat0, double lon0, int32_t lat, int32_t lon, double *x, double *y)
{
    double dlon = lo_udeg(lon) - lon0;
    if (dlon > 180)
        dlon -= 360;
    if (dlon < -180)
        dlon += 360;
    *x = dlon * DEG_M * cos(lat0 * (M_PI / 180.0));
    *y = (lo_udeg(lat) - lat0) * DEG_M;
}

/* Fit a circle through the oldest, middle and newest samples; check every
 * sample against it and that they go round it one way. */
static bool circle_fit(const lo_detector *d, det_spoof_vessel *s, double *clat, double *clon, double *r, double *sweep)
{
    uint32_t n = s->cs_n;
    if (n < 5)
        return false;
    double lat0 = lo_udeg(s->cs_lat[(s->cs_head + DET_SPOOF_SAMPLES - 1) % DET_SPOOF_SAMPLES]);
    double lon0 = lo_udeg(s->cs_lon[(s->cs_head + DET_SPOOF_SAMPLES - 1) % DET_SPOOF_SAMPLES]);
    double x[DET_SPOOF_SAMPLES], y[DET_SPOOF_SAMPLES];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (s->cs_head + DET_SPOOF_SAMPLES - n + k) % DET_SPOOF_SAMPLES;
        local_xy(lat0, lon0, s->cs_lat[i], s->cs_lon[i], &x[k], &y[k]);
    }
    double ax = x[0], ay = y[0], bx = x[n / 2], by = y[n / 2], cx = x[n - 1], cy = y[n - 1];
    double den = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
    if (fabs(den) < 1e-6)
        return false;
    double a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = cx * cx + cy * cy;
    double ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / den;
    double uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / den;
    double rr = hypot(ax - ux, ay - uy);
    if (rr < CC_MIN_R_M || rr > d->cfg.circle_max_radius_km * 1000.0)
        return false;
    double sw = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (fabs(hypot(x[k] - ux, y[k] - uy) - rr) > d->cfg.circle_tolerance_m)
            return false;
        if (k) {
            double px = x[k - 1] - ux, py = y[k - 1] - uy, qx = x[k] - ux, qy = y[k] - uy;
            double a = atan2(px * qy - py * qx, px * qx + py * qy) * (180.0 / M_PI);
            if (k > 1 && (a > 0) != (sw > 0))
                return false; /* not turning one way */
            sw += a;
        }
    }
    *r = rr;
    *sweep = sw;
    *clat = lat0 + uy / DEG_M;
    *clon = lo_geo_wrap_lon(lon0 + ux / (DEG_M * cos(lat0 * (M_PI / 180.0))));
    return true;
}

/* Start over at q: no samples in the ring, no turning, no fit. */
static void circle_sample_reset(lo_detector *d, dvessel *dv, const det_point *q)
{
    det_spoof_vessel *s = &dv->spoof;
    s->cs_on = true;
    s->cs_n = 0;
    s->cs_head = 0;
    s->cs_last_lat = q->lat;
    s->cs_last_lon = q->lon;
    s->cs_bear = CS_BEAR_NONE;
    s->cs_turn = 0;
    if (s->cc_fit) {
        s->cc_fit = false;
        s->cc_sweep = 0;
        grid_remove(d, dv, 1);
    }
}

static void circle_group(lo_detector *d, dvessel *dv, const det_point *q)
{
    det_spoof_vessel *s = &dv->spoof;
    double tol = d->cfg.circle_tolerance_m;
    double cell = tol;
    int64_t row = cell_row(s->cc_lat, cell);
    grid_insert(d, dv, 1, cell_key(row, cell_col(row, s->cc_lon, cell)));
    s->cc_t = q->t;
    s->cc_pt = *q;
    int64_t window = (int64_t)(d->cfg.cluster_window_min * 60000.0);
    det_spoof_grid *gr = &d->spoof.cc;
    uint32_t near[DET_SPOOF_SITE_MEMBERS], nn = 0, n = 0;
    for (int64_t r = row - 1; r <= row + 1; r++) {
        int64_t c0 = cell_col(r, s->cc_lon, cell);
        for (int64_t c = c0 - 1; c <= c0 + 1; c++) {
            uint64_t key = cell_key(r, c);
            uint32_t i = gr->heads[bucket_of(key, gr->cap)];
            while (i) {
                dvessel *o = det_vessel_at(d, i);
                uint32_t next = o->spoof.cc_next;
                if (o->spoof.cc_key == key) {
                    if (q->t - o->spoof.cc_t > window) {
                        grid_remove(d, o, 1);
                    } else if (lo_geo_fast_distance_m(o->spoof.cc_lat, o->spoof.cc_lon, s->cc_lat, s->cc_lon) <= tol &&
                               fabs(o->spoof.cc_r - s->cc_r) <= tol) {
                        n++;
                        if (nn < DET_SPOOF_SITE_MEMBERS)
                            near[nn++] = i;
                    }
                }
                i = next;
            }
        }
    }
    /* an open circle takes fits up to twice the tolerance off (fits of noisy samples wander) */
    det_spoof_site *st = site_near(d->spoof.cc_sites, s->cc_lat, s->cc_lon, s->cc_r, 2 * tol, true, false);
    if (!st && n < d->cfg.circle_min_vessels)
        return;
    bool fresh = false;
    int64_t after = INT64_MIN; /* the end of the circle closed here before */
    if (!st) {
        /* A circle that closed here (no member on it for the window) and is seen
         * again is a new event from the time it is seen again: fit runs that
         * began before the closed one's end were that event's, and reports at
         * or before that end are circling it already covered. So the new start
         * lies after the closed event's, and its id differs. */
        det_spoof_site *was = site_near(d->spoof.cc_sites, s->cc_lat, s->cc_lon, s->cc_r, 2 * tol, true, true);
        if (was && q->t <= was->last)
            return;
        if (was) {
            after = was->last;
            st = site_init(was);
        } else if (!(st = site_new(d, d->spoof.cc_sites))) {
            return;
        }
        st->lat = s->cc_lat;
        st->lon = s->cc_lon;
        st->r_m = s->cc_r;
        st->start = q->t;
        fresh = true;
    }
    for (uint32_t k = 0; k < nn; k++) {
        dvessel *o = det_vessel_at(d, near[k]);
        site_add(st, o->mmsi, &o->spoof.cc_pt);
        if (fresh && o->spoof.cc_since < st->start && o->spoof.cc_since > after)
            st->start = o->spoof.cc_since; /* the circling began with the members' fits */
    }
    if (q->t > st->last)
        st->last = q->t;
    if (fresh) {
        st->opened = true;
        site_emit(d, st, LO_EV_CIRCLE, LO_EVENT_OPEN);
    }
}

static void circle_point(lo_detector *d, dvessel *dv, const det_point *q, bool jumped)
{
    det_spoof_vessel *s = &dv->spoof;
    if (jumped || !s->cs_on || q->t - dv->prev.t > MM_MAX_HOP_MS * 3) {
        circle_sample_reset(d, dv, q);
        return;
    }
    double step = CC_STEP_M;
    if (s->cc_fit) {
        step = s->cc_r * 0.3;
        if (step < CC_STEP_M)
            step = CC_STEP_M;
        if (step > 1000)
            step = 1000;
    }
    double dy = (double)q->lat - s->cs_last_lat, dx = ((double)q->lon - s->cs_last_lon) * s->k;
    if (dx > 180e6 * s->k)
        dx -= 360e6 * s->k;
    else if (dx < -180e6 * s->k)
        dx += 360e6 * s->k;
    if (sqrt(dx * dx + dy * dy) * (DEG_M * 1e-6) < step)
        return;
    /* How steadily it turns, from the chords between samples alone (no fit, no ring):
     * a leaky sum of the turn angles, so that GNSS noise on a straight track averages
     * out while a circle's steady turn builds up. */
    int bear = (int)lround(atan2(dx, dy) * (18000.0 / M_PI)); /* 1/100 degree */
    if (s->cs_bear != CS_BEAR_NONE) {
        int turn = bear - s->cs_bear;
        if (turn > 18000)
            turn -= 36000;
        else if (turn < -18000)
            turn += 36000;
        s->cs_turn = s->cs_turn * CC_TURN_KEEP + (float)turn / 100.0f;
    }
    s->cs_bear = (int16_t)(bear > 18000 ? bear - 36000 : bear);
    s->cs_last_lat = q->lat;
    s->cs_last_lon = q->lon;
    if (!s->cc_fit && fabsf(s->cs_turn) < CC_TURN_MIN) {
        s->cs_n = 0; /* going straight (or wandering): nothing to fit */
        return;
    }
    if (!s->cs_n)
        s->cc_since = q->t;
    s->cs_lat[s->cs_head] = q->lat;
    s->cs_lon[s->cs_head] = q->lon;
    s->cs_head = (uint8_t)((s->cs_head + 1) % DET_SPOOF_SAMPLES);
    if (s->cs_n < DET_SPOOF_SAMPLES)
        s->cs_n++;
    double clat, clon, r, sweep;
    if (!circle_fit(d, s, &clat, &clon, &r, &sweep)) {
        if (s->cc_fit) {
            s->cc_fit = false;
            s->cc_sweep = 0;
            s->cc_since = q->t;
            grid_remove(d, dv, 1);
        }
        return;
    }
    double tol = d->cfg.circle_tolerance_m;
    if (s->cc_fit && lo_geo_fast_distance_m(clat, clon, s->cc_lat, s->cc_lon) <= tol && fabs(r - s->cc_r) <= tol &&
        (sweep > 0) == (s->cc_sweep > 0)) {
        /* the same circle: add the last step's angle round the new centre */
        uint32_t a = (s->cs_head + DET_SPOOF_SAMPLES - 2) % DET_SPOOF_SAMPLES;
        uint32_t b = (s->cs_head + DET_SPOOF_SAMPLES - 1) % DET_SPOOF_SAMPLES;
        double px, py, qx, qy;
        local_xy(clat, clon, s->cs_lat[a], s->cs_lon[a], &px, &py);
        local_xy(clat, clon, s->cs_lat[b], s->cs_lon[b], &qx, &qy);
        s->cc_sweep += (float)(atan2(px * qy - py * qx, px * qx + py * qy) * (180.0 / M_PI));
    } else {
        s->cc_sweep = (float)sweep;
    }
    s->cc_fit = true;
    s->cc_lat = clat;
    s->cc_lon = clon;
    s->cc_r = (float)r;
    if (fabs(s->cc_sweep) >= CC_MIN_SWEEP)
        circle_group(d, dv, q);
}

/* ---- hooks -------------------------------------------------------------------------------- */

int det_spoof_init(lo_detector *d)
{
    if (grid_grow(d, 0) < 0 || grid_grow(d, 1) < 0)
        return -1;
    d->spoof.next_step = LO_TIME_NONE;
    return 0;
}

void det_spoof_free(lo_detector *d)
{
    free(d->spoof.cl.heads);
    free(d->spoof.cc.heads);
    d->spoof.cl.heads = d->spoof.cc.heads = NULL;
}

void det_spoof_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    (void)v;
#ifdef LOOKOUT_BENCH_NO_SPOOF /* benchmark builds: the pipeline without this module */
    (void)d, (void)dv, (void)p;
    return;
#endif
    if (!kind_ok(dv->who.kind) || !type_ok(p->type))
        return;
    det_spoof_vessel *s = &dv->spoof;
    det_point q = det_point_of(p);
    k_update(s, &q);
    bool has_prev = dv->has_prev && type_ok(dv->prev.type);
    double hop_m = 0, kn = 0;
    bool jumped = has_prev && is_jump(d, dv, &dv->prev, &q, &hop_m, &kn);
    bool revisit = p->segment <= s->seg_max && (uint16_t)p->segment != dv->prev.segment;

    /* one MMSI at two places: back to a segment seen before, far from the last position */
    if (has_prev && revisit && hop_m >= d->cfg.mmsi_shared_min_km * 1000.0)
        shared_switch(d, dv, &dv->prev, &q);
    else if (s->shared_open && q.t - s->shared_last > (int64_t)(d->cfg.mmsi_shared_window_h * 3.6e6)) {
        shared_emit(d, dv, LO_EVENT_CLOSED);
        s->shared_open = false;
    }

    /* jumps */
    bool handled = false;
    if (s->jump_out) {
        if (jumped) {
            if (!is_jump(d, dv, &s->jump_from, &q, NULL, NULL)) {
                jump_emit(d, dv, LO_EVENT_CLOSED, &q); /* out and back */
                s->jump_out = false;
                handled = true;
            } else {
                /* on to a third place: one event for the whole excursion (a shared
                 * MMSI hopping between many transmitters is one finding, not many) */
                s->jump_last = q;
                s->jump_n++;
                s->jump_places++;
                handled = true;
            }
        } else {
            s->jump_last = q;
            s->jump_n++;
            if ((double)(q.t - s->jump_first.t) > d->cfg.jump_return_h * 3.6e6) {
                jump_emit(d, dv, LO_EVENT_CLOSED, NULL);
                s->jump_out = false;
            }
        }
    }
    if (jumped && !handled && !s->jump_out && !revisit && !s->shared_open) {
        if (s->stay_valid && (double)(q.t - s->stay_last.t) <= d->cfg.jump_return_h * 3.6e6 &&
            qdist(s, &q, s->stay_last.lat, s->stay_last.lon) <= REST_R_M) {
            /* back where it stayed before a track it could not have sailed (a fake track
             * that began at its berth): one event from leaving to the jump back */
            s->jump_from = s->stay_last;
            s->jump_first = s->stay_left;
            s->jump_last = dv->prev;
            s->jump_n = s->left_n;
            s->jump_places = 1;
            s->jump_nm = (float)(exact_m(&dv->prev, &q) / LO_NM_M);
            s->jump_kn = (float)kn;
            s->jump_fake = true;
            jump_emit(d, dv, LO_EVENT_CLOSED, &q);
            s->jump_fake = false;
            s->stay_valid = false;
        } else {
            jump_start(d, dv, &dv->prev, &q, kn);
        }
    }
    rest_point(d, s, &q, jumped);

    mm_point(d, dv, &q, hop_m, has_prev && !jumped);
    land_point(d, dv, &q);
    cluster_point(d, dv, &q);
    circle_point(d, dv, &q, jumped);
    if (p->segment > s->seg_max)
        s->seg_max = p->segment;
}

void det_spoof_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d, (void)dv, (void)v, (void)c;
}

void det_spoof_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d, (void)dv, (void)v; }

/* Report what is open for one vessel (CLOSED when it leaves, ONGOING at the end). */
static void vessel_close(lo_detector *d, dvessel *dv, lo_event_state st)
{
    det_spoof_vessel *s = &dv->spoof;
    if (s->jump_out)
        jump_emit(d, dv, st, NULL);
    s->jump_out = false;
    if (s->shared_open)
        shared_emit(d, dv, st);
    s->shared_open = false;
    if (s->mm_open)
        mm_emit(d, dv, st);
    s->mm_open = false;
    if (s->land_open)
        land_emit(d, dv, st);
    s->land_open = false;
}

void det_spoof_evict(lo_detector *d, dvessel *dv)
{
    vessel_close(d, dv, LO_EVENT_CLOSED);
    grid_remove(d, dv, 0);
    grid_remove(d, dv, 1);
}

static void sites_close(lo_detector *d, int64_t now, bool all, lo_event_state state)
{
    int64_t window = (int64_t)(d->cfg.cluster_window_min * 60000.0);
    for (int k = 0; k < 2; k++) {
        det_spoof_site *sites = k == 0 ? d->spoof.cl_sites : d->spoof.cc_sites;
        for (int i = 0; i < DET_SPOOF_MAX_SITES; i++) {
            det_spoof_site *st = &sites[i];
            if (!st->used || st->closed || (!all && now - st->last <= window))
                continue;
            site_emit(d, st, k == 0 ? LO_EV_POSITION_CLUSTER : LO_EV_CIRCLE, state);
            if (state == LO_EVENT_CLOSED)
                st->closed = true; /* kept: a cluster or circle seen here again starts after it */
            else
                st->used = false;
        }
    }
}

void det_spoof_advance(lo_detector *d, int64_t now)
{
    if (d->spoof.next_step != LO_TIME_NONE && now < d->spoof.next_step)
        return;
    d->spoof.next_step = now - now % STEP_MS + STEP_MS;
    sites_close(d, now, false, LO_EVENT_CLOSED);
}

void det_spoof_finish(lo_detector *d)
{
    for (uint32_t i = 1; i <= d->nrecords; i++) {
        dvessel *v = det_vessel_at(d, i);
        if (v->self)
            vessel_close(d, v, LO_EVENT_ONGOING);
    }
    sites_close(d, d->now, true, LO_EVENT_ONGOING);
}
