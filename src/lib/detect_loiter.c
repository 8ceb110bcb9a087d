/* detect_loiter.c - loitering: a ship below loiter_max_kn (2 kn) for at least
 * loiter_min_h (4 h), at least loiter_shore_nm (20 nm) from shore (Global
 * Fishing Watch's loitering events: average speed < 2 kn, average distance
 * from shore >= 20 nm; GFW technical documentation, "Loitering").
 *
 * Each ship keeps one run of slow positions: its first and latest position,
 * sums for the mean position and speed, and a bounded trail for evidence
 * (taken from a pool while the run lasts: most ships are not in one). A run
 * survives fast positions for less than LOITER_FAST_TOL_MS (one noisy report,
 * a short repositioning) and ends at its last slow position when the ship is
 * fast for longer, when it was silent for more than LOITER_MAX_GAP_MS, or at a
 * position of another of the tracker's segments (one MMSI sent by two
 * transmitters, or a spoofed position, never makes one slow run). The
 * distance to the shore is looked up once a run, at the mean position, when
 * the run first lasts loiter_min_h: beyond loiter_shore_nm an OPEN event goes
 * out, and the run is CLOSED (or ONGOING at the end of the input) with the
 * same id. Ships at anchor or moored near shore are ruled out by the shore
 * distance. A run mostly reported moored (status 5) is never loitering, however
 * far the land polygons put it from shore: the ship says it is made fast to a
 * berth or buoy (Natural Earth's 1:10m land misses small islands and their
 * piers). A run mostly reported at anchor (status 1) far out is still
 * loitering but LOW (an offshore anchorage, where transfers also happen); the
 * rest MEDIUM.
 * docs/detect.md, "Loitering". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_motion.h"

#define LOITER_FAST_TOL_MS (10 * 60000)      /* fast this long ends a run */
#define TRAIL_CHUNK 256                      /* pool growth, in trails (108 KB) */
#define LOITER_MAX_GAP_MS (2 * 3600000)      /* silent longer than this ends a run */

enum {
    DET_LOITER_NONE = 0, /* no run */
    DET_LOITER_RUN,      /* a run shorter than loiter_min_h */
    DET_LOITER_FAR,      /* long enough, far enough: an OPEN event went out */
    DET_LOITER_NEAR,     /* long enough but near shore, or moored: no event */
};

static int64_t hours_ms(double h) { return (int64_t)llround(h * 3600000.0); }

static det_trail *trail_at(det_loiter_global *G, uint32_t s1)
{
    return &G->chunks[(s1 - 1) / TRAIL_CHUNK][(s1 - 1) % TRAIL_CHUNK];
}

/* A trail slot (reset), or 0 when out of memory (the run then has no trail). */
static uint32_t trail_get(det_loiter_global *G)
{
    uint32_t s1 = G->free_head;
    if (s1) {
        G->free_head = trail_at(G, s1)->total;
    } else {
        if (G->nslots == G->nchunks * TRAIL_CHUNK) {
            det_trail **c = realloc(G->chunks, (G->nchunks + 1) * sizeof *c);
            if (!c)
                return 0;
            G->chunks = c;
            if (!(c[G->nchunks] = malloc(TRAIL_CHUNK * sizeof(det_trail))))
                return 0;
            G->nchunks++;
        }
        s1 = ++G->nslots;
    }
    det_trail_reset(trail_at(G, s1));
    return s1;
}

static void trail_put(det_loiter_global *G, uint32_t s1)
{
    if (!s1)
        return;
    trail_at(G, s1)->total = G->free_head;
    G->free_head = s1;
}

static void mean_pos(const det_loiter_vessel *L, int32_t *lat, int32_t *lon)
{
    const det_point *f = &L->first;
    *lat = (int32_t)(f->lat + L->sum_dlat / (int64_t)L->n);
    *lon = det_wrap_udeg(f->lon + L->sum_dlon / (int64_t)L->n);
}

static double shore_reach_nm(const lo_detector *d)
{
    return d->cfg.loiter_shore_nm * 2 > 40 ? d->cfg.loiter_shore_nm * 2 : 40;
}

static void emit(lo_detector *d, dvessel *dv, lo_event_state state)
{
    det_loiter_vessel *L = &dv->loiter;
    const det_point *f = &L->first, *l = &L->last;
    int32_t lat, lon;
    mean_pos(L, &lat, &lon);
    double h = (double)(l->t - f->t) / 3.6e6;
    double kn = (double)L->sum_speed / 10.0 / (double)L->n;
    double anchored = (double)L->anchored / (double)L->n;
    bool at_anchor = anchored >= 0.5;
    lo_event *e = det_event_begin(d, LO_EV_LOITERING, at_anchor ? LO_SEV_LOW : LO_SEV_MEDIUM, f->t, l->t, lat, lon);
    det_event_vessel(e, dv);
    if (L->trail) {
        det_event_trail(e, dv->mmsi, trail_at(&d->loiter, L->trail), "slow");
    } else {
        det_event_evidence(e, dv->mmsi, f, "first");
        det_event_evidence(e, dv->mmsi, l, "last");
    }
    det_param_num(e, "max_kn", d->cfg.loiter_max_kn, 1);
    det_param_num(e, "min_h", d->cfg.loiter_min_h, 2);
    det_param_num(e, "shore_min_nm", d->cfg.loiter_shore_nm, 1);
    det_param_num(e, "duration_h", h, 2);
    det_param_num(e, "mean_speed_kn", kn, 2);
    if (isfinite(L->shore_nm))
        det_param_num(e, "shore_nm", L->shore_nm, 1);
    else
        det_param_num(e, "shore_nm_min", shore_reach_nm(d), 0);
    det_param_int(e, "positions", L->n);
    det_param_num(e, "at_anchor_fraction", anchored, 2);
    char where[32];
    if (isfinite(L->shore_nm))
        snprintf(where, sizeof where, "%.0f nm", (double)L->shore_nm);
    else
        snprintf(where, sizeof where, "over %.0f nm", shore_reach_nm(d));
    det_event_summary(e, "%09u %s %s for %.1f h at %.1f kn mean, %s from shore", dv->mmsi,
                      dv->who.name[0] ? dv->who.name : "(no name)",
                      at_anchor ? "at anchor offshore" : "loitering", h, kn, where);
    det_event_emit(d, e, state, 0);
}

/* The run is over (state: CLOSED, or ONGOING at the end of the input). */
static void run_end(lo_detector *d, dvessel *dv, lo_event_state state)
{
    det_loiter_vessel *L = &dv->loiter;
    if (L->state == DET_LOITER_FAR)
        emit(d, dv, state);
    L->state = DET_LOITER_NONE;
    trail_put(&d->loiter, L->trail);
    L->trail = 0;
}

static void run_start(lo_detector *d, det_loiter_vessel *L, const det_point *q)
{
    L->first = *q;
    L->fast_since = 0;
    L->sum_dlat = L->sum_dlon = 0;
    L->n = 0;
    L->sum_speed = 0;
    L->anchored = 0;
    L->moored = 0;
    L->shore_nm = NAN;
    L->state = DET_LOITER_RUN;
    uint32_t chunks_before = d->loiter.nchunks;
    L->trail = trail_get(&d->loiter);
    d->stats.memory_bytes += (uint64_t)(d->loiter.nchunks - chunks_before) * TRAIL_CHUNK * sizeof(det_trail);
}

int det_loiter_init(lo_detector *d)
{
    memset(&d->loiter, 0, sizeof d->loiter);
    return 0;
}

void det_loiter_free(lo_detector *d)
{
    for (uint32_t i = 0; i < d->loiter.nchunks; i++)
        free(d->loiter.chunks[i]);
    free(d->loiter.chunks);
    memset(&d->loiter, 0, sizeof d->loiter);
}

void det_loiter_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    if (!det_is_ship(v->kind))
        return;
    det_loiter_vessel *L = &dv->loiter;
    /* A silence, or a position of another track segment (two transmitters on
     * one MMSI, a spoofed position: docs/tracking.md), ends the run. */
    if (L->state != DET_LOITER_NONE && (p->time_ms - L->last.t > LOITER_MAX_GAP_MS ||
                                        (uint16_t)p->segment != L->last.segment))
        run_end(d, dv, LO_EVENT_CLOSED);
    unsigned s10 = det_speed10(dv, p);
    if (s10 == DET_SPEED_NA)
        return; /* neither slow nor fast */
    if ((double)s10 >= d->cfg.loiter_max_kn * 10.0) {
        if (L->state == DET_LOITER_NONE)
            return;
        if (!L->fast_since)
            L->fast_since = p->time_ms;
        else if (p->time_ms - L->fast_since >= LOITER_FAST_TOL_MS)
            run_end(d, dv, LO_EVENT_CLOSED);
        return;
    }
    det_point q = det_point_of(p);
    if (L->state == DET_LOITER_NONE)
        run_start(d, L, &q);
    const det_point *f = &L->first;
    L->sum_dlat += (int64_t)q.lat - f->lat;
    L->sum_dlon += det_dlon_udeg(f->lon, q.lon);
    L->n++;
    L->sum_speed += s10;
    if (q.status == 1)
        L->anchored++;
    else if (q.status == 5)
        L->moored++;
    L->fast_since = 0;
    L->last = q;
    if (L->trail)
        det_trail_add(trail_at(&d->loiter, L->trail), &q);
    if (L->state == DET_LOITER_RUN && q.t - L->first.t >= hours_ms(d->cfg.loiter_min_h)) {
        if (L->moored * 2 >= L->n) {
            L->state = DET_LOITER_NEAR; /* made fast: not loitering, no look-up */
            return;
        }
        /* Long enough: the one shore look-up of this run, at its mean position. */
        int32_t lat, lon;
        mean_pos(L, &lat, &lon);
        double nm = det_shore_nm(d, lat, lon, shore_reach_nm(d));
        L->shore_nm = (float)nm;
        if (d->env.land && nm >= d->cfg.loiter_shore_nm) {
            L->state = DET_LOITER_FAR;
            emit(d, dv, LO_EVENT_OPEN);
        } else {
            L->state = DET_LOITER_NEAR; /* without land data the rule is off */
        }
    }
}

void det_loiter_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d, (void)dv, (void)v, (void)c;
}

void det_loiter_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d, (void)dv, (void)v; }

void det_loiter_evict(lo_detector *d, dvessel *dv) { run_end(d, dv, LO_EVENT_CLOSED); }

void det_loiter_advance(lo_detector *d, int64_t now) { (void)d, (void)now; }

void det_loiter_finish(lo_detector *d)
{
    for (uint32_t i1 = 1; i1 <= d->nrecords; i1++) {
        dvessel *v = det_vessel_at(d, i1);
        if (!v->self || v->loiter.state == DET_LOITER_NONE)
            continue;
        /* Silent since too long: it ended at its last slow position. */
        bool over = d->now != LO_TIME_NONE && d->now - v->loiter.last.t > LOITER_MAX_GAP_MS;
        run_end(d, v, over ? LO_EVENT_CLOSED : LO_EVENT_ONGOING);
    }
}
