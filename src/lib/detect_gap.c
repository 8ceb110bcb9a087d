/* detect_gap.c - AIS gaps ("going dark") and suspected disabling.
 *
 * A gap is a ship with no position for at least gap_min_h (6 h). It is noticed
 * twice: when the data clock passes the threshold while the ship is still
 * silent (an OPEN "gap" notice, found by walking the core's list of vessels by
 * last report from its oldest end and parking each silent one, so that a
 * silent ship costs nothing until it reports again), and when its next
 * position ends the silence (CLOSED, with the last position before and the
 * first after as evidence, the distance moved, the implied speed and both ends'
 * distance to the shore). A ship still silent at the end of the input is
 * reported ONGOING.
 *
 * Suspected disabling follows Global Fishing Watch (Welch et al. 2022, "Hot
 * spots of unseen fishing vessels", Science Advances; code in
 * github.com/GlobalFishingWatch/AIS-disabling-high-seas): a gap of at least
 * disabling_min_h (12 h), starting (GFW) and ending (issue #4) at least
 * disabling_shore_nm (50 nm) from shore, after at least disabling_min_reports
 * (14) positions in the disabling_before_h (12 h) before it, the last one
 * included. The type is decided when the gap closes: one silence gives one
 * event, "gap" or "disabling"; a disabling event has the same vessel, start
 * and salt as the "gap" OPEN notice it replaces (its id differs by the type).
 * Per position the work is one ring write. docs/detect.md, "Gaps". */
#include <math.h>
#include <stdio.h>

#include "detect_motion.h"

#define GAP_STEP_MS 60000 /* silent ships are looked for once a data minute */

static int64_t hours_ms(double h) { return (int64_t)llround(h * 3600000.0); }

/* Positions in [t_ms - before, t_ms] (s resolution), counting the ring. */
static unsigned reports_before(const det_gap_vessel *g, int64_t t_ms, double before_h)
{
    int64_t hi = t_ms / 1000, lo = hi - (int64_t)llround(before_h * 3600.0);
    unsigned n = 0;
    for (unsigned i = 0; i < g->nrecent; i++)
        if ((int64_t)g->recent[i] >= lo && (int64_t)g->recent[i] <= hi)
            n++;
    return n;
}

static void remember(det_gap_vessel *g, int64_t t_ms)
{
    int64_t s = t_ms / 1000;
    g->recent[g->next] = s < 0 ? 0 : s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
    g->next = (uint8_t)((g->next + 1) % DET_GAP_RECENT);
    if (g->nrecent < DET_GAP_RECENT)
        g->nrecent++;
}

static unsigned min_reports(const lo_detector *d)
{
    return d->cfg.disabling_min_reports > DET_GAP_RECENT ? DET_GAP_RECENT : d->cfg.disabling_min_reports;
}

/* Shore distances are exact up to this (beyond: reported as a lower bound). */
static double shore_reach_nm(const lo_detector *d)
{
    return d->cfg.disabling_shore_nm * 2 > 100 ? d->cfg.disabling_shore_nm * 2 : 100;
}

static void param_shore(lo_event *e, const char *key, const char *key_min, double nm, double reach)
{
    if (isfinite(nm))
        det_param_num(e, key, nm, 1);
    else
        det_param_num(e, key_min, reach, 0);
}

static const char *ident(const dvessel *dv) { return dv->who.name[0] ? dv->who.name : "(no name)"; }

/* The OPEN notice (from advance) or the ONGOING report (finish, evict) of a
 * silence that has not ended; until is the data clock. */
static void gap_unended(lo_detector *d, dvessel *dv, int64_t until, lo_event_state state, bool evicted)
{
    const det_point *a = &dv->prev;
    double h = (double)(until - a->t) / 3.6e6;
    unsigned nrep = reports_before(&dv->gap, a->t, d->cfg.disabling_before_h);
    lo_event *e = det_event_begin(d, LO_EV_GAP, LO_SEV_LOW, a->t, until, a->lat, a->lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, a, "last before gap");
    det_param_num(e, "min_h", d->cfg.gap_min_h, 2);
    det_param_num(e, "silent_h", h, 2);
    det_param_int(e, "reports_before", nrep);
    det_param_num(e, "before_h", d->cfg.disabling_before_h, 1);
    if (state != LO_EVENT_OPEN && d->env.land) {
        /* Could become a disabling: say what is known of its start. */
        double s0 = det_shore_nm(d, a->lat, a->lon, shore_reach_nm(d));
        param_shore(e, "start_shore_nm", "start_shore_nm_min", s0, shore_reach_nm(d));
        det_param_bool(e, "disabling_candidate", h >= d->cfg.disabling_min_h && nrep >= min_reports(d) &&
                                                     s0 >= d->cfg.disabling_shore_nm);
    }
    if (evicted)
        det_param_bool(e, "evicted", true);
    det_event_summary(e, "%09u %s silent for %.1f h since its last position%s", dv->mmsi, ident(dv), h,
                      state == LO_EVENT_OPEN ? "" : " (still silent at the end of the input)");
    det_event_emit(d, e, state, 0);
}

/* p ends a silence of dt ms that started at dv->prev. */
static void gap_close(lo_detector *d, dvessel *dv, const lo_track_point *p, int64_t dt)
{
    const lo_detect_config *c = &d->cfg;
    det_point a = dv->prev, b = det_point_of(p);
    double h = (double)dt / 3.6e6;
    double nm = lo_geo_distance_m(lo_udeg(a.lat), lo_udeg(a.lon), lo_udeg(b.lat), lo_udeg(b.lon)) / LO_NM_M;
    unsigned nrep = reports_before(&dv->gap, a.t, c->disabling_before_h);
    double reach = shore_reach_nm(d);
    double s0 = INFINITY, s1 = INFINITY;
    bool land = d->env.land != NULL;
    if (land) {
        s0 = det_shore_nm(d, a.lat, a.lon, reach);
        s1 = det_shore_nm(d, b.lat, b.lon, reach);
    }
    bool long_enough = h >= c->disabling_min_h, regular = nrep >= min_reports(d);
    bool far = land && s0 >= c->disabling_shore_nm && s1 >= c->disabling_shore_nm;
    bool disabling = long_enough && regular && far;

    lo_event *e = det_event_begin(d, disabling ? LO_EV_DISABLING : LO_EV_GAP, disabling ? LO_SEV_HIGH : LO_SEV_LOW,
                                  a.t, b.t, a.lat, a.lon);
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &a, "last before gap");
    det_event_evidence(e, dv->mmsi, &b, "first after gap");
    det_param_num(e, "min_h", disabling ? c->disabling_min_h : c->gap_min_h, 2);
    det_param_num(e, "gap_h", h, 2);
    det_param_num(e, "distance_nm", nm, 1);
    det_param_num(e, "implied_speed_kn", h > 0 ? nm / h : 0, 1);
    det_param_int(e, "reports_before", nrep);
    det_param_num(e, "before_h", c->disabling_before_h, 1);
    det_param_int(e, "min_reports", min_reports(d));
    if (land) {
        param_shore(e, "start_shore_nm", "start_shore_nm_min", s0, reach);
        param_shore(e, "end_shore_nm", "end_shore_nm_min", s1, reach);
        det_param_num(e, "shore_min_nm", c->disabling_shore_nm, 1);
    }
    if (!disabling && long_enough) {
        /* Why a long gap is not a disabling: the first rule that failed. */
        const char *why = !land      ? "no land data"
                          : !regular ? "too few reports before"
                          : s0 < c->disabling_shore_nm ? "started near shore"
                                                       : "ended near shore";
        det_param_str(e, "not_disabling", why);
    }
    if (disabling)
        det_event_summary(e,
                          "%09u %s suspected AIS disabling: silent %.1f h from %.0f nm to %.0f%s nm offshore "
                          "after %u%s reports in %.0f h, moved %.0f nm (%.1f kn)",
                          dv->mmsi, ident(dv), h, isfinite(s0) ? s0 : reach, isfinite(s1) ? s1 : reach,
                          isfinite(s1) ? "" : "+", nrep, nrep >= DET_GAP_RECENT ? "+" : "", c->disabling_before_h,
                          nm, h > 0 ? nm / h : 0);
    else
        det_event_summary(e, "%09u %s AIS gap of %.1f h, moved %.0f nm (%.1f kn)", dv->mmsi, ident(dv), h, nm,
                          h > 0 ? nm / h : 0);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
}

int det_gap_init(lo_detector *d)
{
    d->gap.next_step_ms = INT64_MIN;
    return 0;
}

void det_gap_free(lo_detector *d) { (void)d; }

void det_gap_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    if (!det_is_ship(v->kind))
        return;
    det_gap_vessel *g = &dv->gap;
    if (dv->has_prev) {
        int64_t dt = p->time_ms - dv->prev.t;
        /* An open notice is closed by the next later position even when the
         * vessel's own silence is shorter (the data clock ran ahead on other
         * vessels' times); one at the same time leaves it open. */
        if (dt >= hours_ms(d->cfg.gap_min_h) || (g->open && dt > 0)) {
            gap_close(d, dv, p, dt);
        } else if (g->open) {
            remember(g, p->time_ms);
            return;
        }
    }
    g->open = false;
    remember(g, p->time_ms);
}

void det_gap_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d, (void)dv, (void)v, (void)c;
}

void det_gap_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d, (void)dv, (void)v; }

void det_gap_evict(lo_detector *d, dvessel *dv)
{
    /* The tracker forgets the longest silent: a gap noticed and never ended. */
    if (dv->gap.open && dv->has_prev)
        gap_unended(d, dv, d->now, LO_EVENT_ONGOING, true);
    dv->gap.open = false;
}

/* Every vessel silent for gap_min_h at now: OPEN notice, then off the list. */
static void walk_silent(lo_detector *d, int64_t now)
{
    int64_t min_ms = hours_ms(d->cfg.gap_min_h);
    dvessel *v;
    while ((v = det_vessel_at(d, d->lru_head)) != NULL) {
        if (v->has_prev && now - v->prev.t < min_ms)
            break;
        if (v->has_prev && det_is_ship(v->who.kind) && !v->gap.open) {
            v->gap.open = true;
            gap_unended(d, v, now, LO_EVENT_OPEN, false);
        }
        det_vessel_park(d, v);
    }
}

void det_gap_advance(lo_detector *d, int64_t now)
{
    if (now < d->gap.next_step_ms)
        return;
    d->gap.next_step_ms = now - now % GAP_STEP_MS + GAP_STEP_MS;
    walk_silent(d, now);
}

void det_gap_finish(lo_detector *d)
{
    if (d->now == LO_TIME_NONE)
        return;
    walk_silent(d, d->now);
    for (uint32_t i1 = 1; i1 <= d->nrecords; i1++) {
        dvessel *v = det_vessel_at(d, i1);
        if (v->self && v->gap.open && v->has_prev) {
            gap_unended(d, v, d->now, LO_EVENT_ONGOING, false);
            v->gap.open = false;
        }
    }
}
