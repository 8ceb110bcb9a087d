/* detect_handover.c - identity handovers ("MMSI swap"): a ship falls silent
 * as MMSI A and, about where it was and soon after, a transmitter with a new
 * MMSI B is heard for the first time: the same hull under a new identity (a
 * fraudulent flag, a "zombie" identity of a scrapped ship), a known
 * sanctions-evasion pattern.
 *
 * Rule (docs/detect.md, "Identity handovers"): A's last report at t0, p0; B's
 * first report at t1, p1, with t0 <= t1 <= t0 + handover_window_h and p1
 * within handover_min_nm + handover_max_kn x (t1 - t0) of p0; A sent at least
 * handover_min_reports positions; both ends at sea (at least handover_port_km
 * from any port or anchorage, handover_shore_nm from the shore and not inside
 * the land polygons); A a ship with a proper MMSI. The decision waits
 * handover_confirm_min after t1: A must stay silent that long (a ship heard
 * again is not gone: two ships, or one briefly out of range) and B must have
 * sent handover_new_min_reports positions (not a one-message ghost). When
 * several silent ships qualify, the best (smallest distance as a fraction of
 * its reach) is raised only when it scores at most handover_best_ratio of the
 * next one; the count is in the event. The event is instant (start t0, end
 * t1), raised CLOSED at the decision; its id is from A, t0 and B's MMSI.
 *
 * How it runs without scanning the vessels. Every ship position writes one
 * point into the vessel's last-positions ring, and at most once per
 * confirm_min / 2 pushes (vessel, time) into a FIFO, the silence queue. An
 * entry comes due confirm_min after its time: if it is still the vessel's
 * latest, the vessel has been silent at least confirm_min / 2, and it is
 * listed in the silent index (1-degree cells, each an intrusive list through
 * the vessel records: no memory beyond the records and the 259 KB of cell
 * heads) when it qualifies as an A (enough positions, a proper MMSI, at sea:
 * a port, a land and a shore look-up). Its next position takes it out. A new vessel
 * pushes a decision entry, due confirm_min after its first report: by then
 * every A silent since before t1 has come due and is listed, and the decision
 * reads only the cells within the largest reach (min_nm + max_kn x window_h),
 * dropping the entries too old for any later decision on the way. Per
 * position: a branch on the listed cell, a ring write, a compare. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_motion.h"

#define CELLS_LAT 180
#define CELLS_LON 360
#define NCELLS (CELLS_LAT * CELLS_LON)

static uint32_t secs(int64_t ms)
{
    int64_t s = ms / 1000;
    return s < 0 ? 0 : s > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static uint32_t cell_of(int32_t lat, int32_t lon)
{
    int r = (int)floor(lo_udeg(lat)) + 90, c = (int)floor(lo_udeg(lon)) + 180;
    r = r < 0 ? 0 : r >= CELLS_LAT ? CELLS_LAT - 1 : r;
    c = c < 0 ? 0 : c >= CELLS_LON ? CELLS_LON - 1 : c;
    return (uint32_t)(r * CELLS_LON + c);
}

/* ---- the silent index ------------------------------------------------------------------ */

static void unlist(lo_detector *d, dvessel *dv)
{
    det_handover_vessel *h = &dv->ho;
    if (!h->cell)
        return;
    if (h->cprev)
        det_vessel_at(d, h->cprev)->ho.cnext = h->cnext;
    else
        d->ho.cells[h->cell - 1] = h->cnext;
    if (h->cnext)
        det_vessel_at(d, h->cnext)->ho.cprev = h->cprev;
    h->cell = h->cnext = h->cprev = 0;
    d->ho.listed--;
}

static void list_at(lo_detector *d, dvessel *dv, uint32_t cell)
{
    det_handover_vessel *h = &dv->ho;
    uint32_t head = d->ho.cells[cell];
    h->cell = cell + 1;
    h->cprev = 0;
    h->cnext = head;
    if (head)
        det_vessel_at(d, head)->ho.cprev = dv->self;
    d->ho.cells[cell] = dv->self;
    d->ho.listed++;
}

/* An MMSI no ship may use, or NULL: a ship that hands over to one hides. */
static const char *bad_mmsi(uint32_t mmsi)
{
    lo_station_kind k = lo_station_kind_of(mmsi);
    if (k == LO_STATION_INVALID)
        return mmsi < 100000000u || mmsi > 999999999u ? "not nine digits" : "no station uses this pattern";
    if (!lo_mid_iso2(lo_mmsi_mid(mmsi)))
        return "MID not allocated";
    if (k == LO_STATION_VESSEL && mmsi % 1000000u == 0)
        return "MID and six zeros: a default number";
    return NULL;
}

/* Not at sea: near a port or anchorage, inside the land polygons (rivers,
 * canals, estuaries and harbours are land at 1:10 m scale) or within
 * handover_shore_nm of the shore. Each screen is off without its data. */
static bool not_at_sea(lo_detector *d, int32_t lat, int32_t lon)
{
    double km = d->cfg.handover_port_km, nm = d->cfg.handover_shore_nm;
    if (km > 0 && det_port_km(d, lat, lon, km, NULL) < km)
        return true;
    if (!d->env.land)
        return false;
    return det_on_land(d, lat, lon) || (nm > 0 && det_shore_nm(d, lat, lon, nm) < nm);
}

/* dv has been silent since its last report: list it when it can be an A. */
static void consider_silent(lo_detector *d, dvessel *dv)
{
    if (!dv->has_prev || dv->ho.cell || !det_is_ship(dv->who.kind) || bad_mmsi(dv->mmsi))
        return; /* shared and default numbers are many transmitters, not one hull */
    if (dv->ho.npos < d->cfg.handover_min_reports)
        return;
    if (not_at_sea(d, dv->prev.lat, dv->prev.lon))
        return;
    list_at(d, dv, cell_of(dv->prev.lat, dv->prev.lon));
}

/* ---- the silence queue ---------------------------------------------------------------------- */

static bool push(lo_detector *d, uint32_t idx1, uint32_t mmsi, uint32_t t_s)
{
    det_handover_global *G = &d->ho;
    if (G->qlen == G->qcap) {
        uint32_t cap = G->qcap ? G->qcap * 2 : 1024; /* handover.max_queue is at least 1024 */
        if (cap > d->cfg.handover_max_queue || cap < G->qcap) {
            d->stats.handover_queue_dropped++;
            return false;
        }
        det_ho_entry *q = malloc((size_t)cap * sizeof *q);
        if (!q) {
            d->stats.handover_queue_dropped++;
            return false;
        }
        for (uint32_t i = 0; i < G->qlen; i++)
            q[i] = G->q[(G->qhead + i) & (G->qcap - 1)];
        free(G->q);
        d->stats.memory_bytes += (uint64_t)(cap - G->qcap) * sizeof *q;
        G->q = q;
        G->qcap = cap;
        G->qhead = 0;
    }
    det_ho_entry *e = &G->q[(G->qhead + G->qlen++) & (G->qcap - 1)];
    e->idx1 = idx1;
    e->mmsi = mmsi;
    e->t_s = t_s;
    return true;
}

/* ---- the decision ------------------------------------------------------------------------- */

typedef struct cand {
    dvessel *v;
    double score, nm, reach;
} cand;

static double reach_nm(const lo_detect_config *c, double h) { return c->handover_min_nm + c->handover_max_kn * h; }

/* The keep ring's points in time order into out; returns how many. */
static uint32_t kept(const det_handover_vessel *h, det_point *out)
{
    uint32_t n = h->nkeep, first = (uint32_t)(h->next + DET_HO_KEEP - n) % DET_HO_KEEP;
    for (uint32_t i = 0; i < n; i++)
        out[i] = h->keep[(first + i) % DET_HO_KEEP];
    return n;
}

static bool same_name(const char *a, const char *b)
{
    char x[64], y[64];
    lo_ship_name_norm(a, x, sizeof x);
    lo_ship_name_norm(b, y, sizeof y);
    return x[0] && !strcmp(x, y);
}

static const char *ident(const dvessel *v) { return v->who.name[0] ? v->who.name : "(no name)"; }

static void raise_handover(lo_detector *d, dvessel *A, dvessel *B, const det_point *p1, const cand *best,
                           uint32_t ncand, double second)
{
    const lo_detect_config *c = &d->cfg;
    const det_point *p0 = &A->prev;
    double h = (double)(p1->t - p0->t) / 3.6e6;
    double nm = lo_geo_distance_m(lo_udeg(p0->lat), lo_udeg(p0->lon), lo_udeg(p1->lat), lo_udeg(p1->lon)) / LO_NM_M;
    const char *bad = bad_mmsi(B->mmsi);
    bool listed = A->who.watch >= 0 || B->who.watch >= 0;
    bool imo_same = A->who.imo && A->who.imo == B->who.imo && det_imo_valid(A->who.imo);
    bool name_same = same_name(A->who.name, B->who.name);
    /* A declared continuity (the hull's IMO number kept) is what a legitimate
     * re-flag or new transponder looks like: LOW. A listed vessel, or a new
     * number no ship may use: HIGH. */
    lo_severity sev = listed || bad ? LO_SEV_HIGH : imo_same ? LO_SEV_LOW : LO_SEV_MEDIUM;
    lo_event *e = det_event_begin(d, LO_EV_IDENTITY_HANDOVER, sev, p0->t, p1->t, p0->lat, p0->lon);
    det_event_vessel(e, A);
    det_event_vessel(e, B);
    det_point pts[DET_HO_KEEP];
    uint32_t n = kept(&A->ho, pts);
    for (uint32_t i = 0; i < n; i++)
        if (pts[i].t < p0->t)
            det_event_evidence(e, A->mmsi, &pts[i], "A before");
    det_event_evidence(e, A->mmsi, p0, "A last");
    n = kept(&B->ho, pts);
    det_event_evidence(e, B->mmsi, p1, "B first");
    for (uint32_t i = 0; i < n; i++)
        if (pts[i].t > p1->t)
            det_event_evidence(e, B->mmsi, &pts[i], "B next");
    det_param_num(e, "window_h", c->handover_window_h, 2);
    det_param_num(e, "min_nm", c->handover_min_nm, 1);
    det_param_num(e, "max_kn", c->handover_max_kn, 1);
    det_param_num(e, "silent_h", h, 2);
    det_param_num(e, "distance_nm", nm, 2);
    det_param_num(e, "reach_nm", best->reach, 1);
    det_param_num(e, "implied_speed_kn", h > 0 ? nm / h : 0, 1);
    if (p0->speed < DET_SPEED_NA)
        det_param_num(e, "a_last_speed_kn", p0->speed / 10.0, 1);
    det_param_int(e, "a_reports", A->ho.npos);
    det_param_int(e, "b_reports", B->ho.npos);
    det_param_num(e, "confirm_min", c->handover_confirm_min, 1);
    det_param_int(e, "candidates", ncand);
    if (ncand > 1)
        det_param_num(e, "next_score", second, 3);
    det_param_num(e, "score", best->score, 3);
    det_param_bool(e, "same_imo", imo_same);
    det_param_bool(e, "same_name", name_same);
    if (bad)
        det_param_str(e, "b_mmsi_invalid", bad);
    det_event_summary(e, "%09u %s silent, %09u %s first heard %.1f h later %.1f nm away (%.1f kn): identity "
                         "handover?%s",
                      A->mmsi, ident(A), B->mmsi, ident(B), h, nm, h > 0 ? nm / h : 0,
                      imo_same ? " (same IMO: re-flag?)" : "");
    det_event_emit(d, e, LO_EVENT_CLOSED, B->mmsi);
}

/* B, first heard at t1_s, has waited confirm_min: look for the A it replaced. */
static void decide(lo_detector *d, dvessel *B)
{
    const lo_detect_config *c = &d->cfg;
    det_handover_vessel *hb = &B->ho;
    det_point p1 = hb->keep[0]; /* its first position: the ring holds its first ones while pending */
    bool enough = hb->nkeep > 0 && hb->npos >= c->handover_new_min_reports;
    hb->pending = 0;
    if (!enough) {
        hb->nkeep = hb->next = 0; /* from now on its last positions */
        return;
    }
    double max_reach = reach_nm(c, c->handover_window_h);
    double dlat = max_reach / 60.0;
    double lat1 = lo_udeg(p1.lat), lon1 = lo_udeg(p1.lon);
    int r0 = (int)floor(lat1 - dlat) + 90, r1 = (int)floor(lat1 + dlat) + 90;
    r0 = r0 < 0 ? 0 : r0;
    r1 = r1 >= CELLS_LAT ? CELLS_LAT - 1 : r1;
    int64_t window_ms = (int64_t)llround(c->handover_window_h * 3.6e6);
    cand best = {0}, next = {0};
    uint32_t n = 0;
    for (int r = r0; r <= r1; r++) {
        /* The row's widest latitude sets its longitude span. */
        double lat_edge = fabs((double)(r - 90)) > fabs((double)(r - 89)) ? (double)(r - 90) : (double)(r - 89);
        double cosl = cos(fabs(lat_edge) * M_PI / 180.0);
        double dlon = cosl > 1e-3 ? dlat / cosl + 1.0 : 360.0;
        int ncols = dlon >= 180.0 ? CELLS_LON : 2 * (int)ceil(dlon) + 1;
        int c0 = ncols == CELLS_LON ? 0 : (int)floor(lon1) + 180 - (int)ceil(dlon);
        for (int k = 0; k < ncols; k++) {
            int col = ((c0 + k) % CELLS_LON + CELLS_LON) % CELLS_LON;
            uint32_t i1 = d->ho.cells[r * CELLS_LON + col];
            while (i1) {
                dvessel *A = det_vessel_at(d, i1);
                i1 = A->ho.cnext;
                int64_t dt = p1.t - A->prev.t;
                if (dt > window_ms) {
                    unlist(d, A); /* too old for this decision and every later one */
                    continue;
                }
                if (A == B || dt < 0)
                    continue; /* silent only since B appeared: not B's predecessor */
                double h = (double)dt / 3.6e6;
                double reach = reach_nm(c, h);
                double nm = det_dist_m(A->prev.lat, A->prev.lon, p1.lat, p1.lon) / LO_NM_M;
                if (nm > reach)
                    continue;
                n++;
                cand x = {A, reach > 0 ? nm / reach : 0, nm, reach};
                if (!best.v || x.score < best.score) {
                    next = best;
                    best = x;
                } else if (!next.v || x.score < next.score) {
                    next = x;
                }
            }
        }
    }
    if (n && not_at_sea(d, p1.lat, p1.lon)) {
        n = 0; /* B first heard in port, on a river or by the shore */
    } else if (n > 1 && best.score > c->handover_best_ratio * next.score) {
        d->stats.handover_ambiguous++;
    } else if (n) {
        raise_handover(d, best.v, B, &p1, &best, n, n > 1 ? next.score : 0);
        unlist(d, best.v); /* one successor */
    }
    hb->nkeep = hb->next = 0; /* from now on its last positions */
}

static void process(lo_detector *d, int64_t now)
{
    det_handover_global *G = &d->ho;
    while (G->qlen) {
        det_ho_entry e = G->q[G->qhead];
        if ((int64_t)e.t_s * 1000 + G->confirm_ms > now)
            break;
        G->qhead = (G->qhead + 1) & (G->qcap - 1);
        G->qlen--;
        dvessel *v = det_vessel_at(d, e.idx1 & ~DET_HO_NEW);
        if (!v || v->self != (e.idx1 & ~DET_HO_NEW) || v->mmsi != e.mmsi)
            continue; /* evicted since (the record may be another vessel's now) */
        if (e.idx1 & DET_HO_NEW) {
            if (v->ho.pending && v->ho.pend_s == e.t_s)
                decide(d, v);
        } else if (v->ho.queued && v->ho.enq_s == e.t_s) {
            consider_silent(d, v); /* its latest entry: silent since (at least confirm_min / 2) */
        }
    }
}

/* ---- hooks ------------------------------------------------------------------------------ */

int det_handover_init(lo_detector *d)
{
    memset(&d->ho, 0, sizeof d->ho);
    d->ho.confirm_ms = (int64_t)llround(d->cfg.handover_confirm_min * 60000.0);
    double lazy = d->cfg.handover_confirm_min * 30.0;
    d->ho.lazy_s = lazy < 1.0 ? 1 : (uint32_t)lazy;
    if (!d->cfg.enable[LO_EV_IDENTITY_HANDOVER])
        return 0; /* off: no index, no queue, no work */
    d->ho.cells = calloc(NCELLS, sizeof *d->ho.cells);
    if (!d->ho.cells)
        return LO_E_NOMEM;
    d->stats.memory_bytes += NCELLS * sizeof *d->ho.cells;
    return 0;
}

void det_handover_free(lo_detector *d)
{
    free(d->ho.cells);
    free(d->ho.q);
    d->ho.cells = NULL;
    d->ho.q = NULL;
}

void det_handover_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    if (!d->ho.cells || !det_is_ship(v->kind))
        return;
    /* Decisions due before this report first: it may be an A heard again
     * after its successor's decision (the core advances the clock after the
     * modules have seen the position). */
    if (d->ho.qlen && p->time_ms > d->now)
        process(d, p->time_ms - 1);
    det_handover_vessel *h = &dv->ho;
    if (h->cell)
        unlist(d, dv); /* heard again: not silent (a decision to come would refuse it anyway: t0 > t1) */
    uint32_t t_s = secs(p->time_ms);
    if (!dv->has_prev) {
        /* First position of this MMSI: a B (whether it is at sea is looked
         * up at the decision, and only when some silent ship is near). */
        if (push(d, dv->self | DET_HO_NEW, dv->mmsi, t_s)) {
            h->pending = 1;
            h->pend_s = t_s;
        }
    }
    if (h->npos < UINT16_MAX)
        h->npos++;
    if (!h->pending || h->nkeep < DET_HO_KEEP) {
        h->keep[h->next] = det_point_of(p);
        h->next = (uint8_t)((h->next + 1) % DET_HO_KEEP);
        if (h->nkeep < DET_HO_KEEP)
            h->nkeep++;
    }
    if (!h->queued || t_s - h->enq_s >= d->ho.lazy_s || t_s < h->enq_s) {
        if (push(d, dv->self, dv->mmsi, t_s)) {
            h->queued = 1;
            h->enq_s = t_s;
        }
    }
}

void det_handover_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d, (void)dv, (void)v, (void)c;
}

void det_handover_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d, (void)dv, (void)v; }

void det_handover_evict(lo_detector *d, dvessel *dv)
{
    if (d->ho.cells)
        unlist(d, dv);
    dv->ho.pending = 0;
}

void det_handover_advance(lo_detector *d, int64_t now)
{
    if (d->ho.qlen)
        process(d, now);
}

void det_handover_finish(lo_detector *d)
{
    /* Decisions still waiting need confirm_min more data than there is: none. */
    (void)d;
}
