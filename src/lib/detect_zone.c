/* detect_zone.c - zone entry, exit and dwell.
 *
 * Each vessel keeps the zones it is in (DET_ZONE_PER_VESSEL, the rest counted)
 * and looks them up again only after it moved DET_ZONE_MOVE_M from where it
 * last looked, or started a new track segment: a ship at anchor reporting
 * every 10 s costs nothing. Outside every zone, it looks again only once it
 * may have reached the nearest zone's bounding box (free_radius), so ships on
 * the open sea cost a look-up every few kilometres at most.
 *
 * Entry is the first position inside (evidence: the last outside and the
 * first inside), exit the first position outside (with the time inside), and
 * dwell an event opened once a vessel has been inside dwell_h and closed at
 * its exit. A vessel first heard inside a zone has no entry (it was there
 * already); its exit says so. A gap inside is no exit: the exit is seen at the
 * next position outside, and says how long the vessel was unheard.
 *
 * Which zones raise what for which ships comes from the zone rules: for a
 * zone, the first rule whose name pattern matches and whose ship classes hold
 * the vessel's class applies. The class is taken when the vessel enters; a
 * vessel whose static data has not come yet is of class "unknown", and is
 * looked at again when its ship type arrives (its entry is then raised late,
 * with the time and evidence of the entry). docs/detect.md, "Zones". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"

/* "*" anything, "EEZ_*" a prefix, "*BOX*" ...: '*' matches any run. */
static bool glob(const char *p, const char *s)
{
    const char *star = NULL, *back = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            back = s;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++back;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* Rule masks for zones added since the last call (files may be added after create). */
static int refresh_masks(lo_detector *d, uint32_t nz)
{
    det_zone_global *g = &d->zone;
    uint32_t *m = realloc(g->rule_mask, (size_t)nz * sizeof *m);
    if (!m)
        return LO_E_NOMEM;
    g->rule_mask = m;
    for (uint32_t id = g->nzones; id < nz; id++) {
        const lo_zone *z = lo_zones_get(d->env.zones, id);
        m[id] = 0;
        for (uint32_t r = 0; r < g->nrules && z; r++)
            if (glob(g->rules[r].zones, z->name ? z->name : ""))
                m[id] |= 1u << r;
    }
    g->nzones = nz;
    uint32_t nb = 0;
    for (uint32_t id = 0; id < nz; id++)
        nb += m[id] != 0;
    det_zone_box *b = realloc(g->boxes, (size_t)(nb ? nb : 1) * sizeof *b);
    if (!b)
        return LO_E_NOMEM;
    g->boxes = b;
    g->nboxes = 0;
    for (uint32_t id = 0; id < nz; id++) {
        const lo_zone *z = lo_zones_get(d->env.zones, id);
        if (!m[id] || !z)
            continue;
        double far = fmax(fabs(z->min_lat), fabs(z->max_lat));
        b[g->nboxes++] = (det_zone_box){z->min_lat, z->max_lat, z->min_lon, z->max_lon,
                                        cos(fmin(far, 89.9) * (M_PI / 180.0))};
    }
    return 0;
}

static const char *zone_name(lo_detector *d, uint32_t id)
{
    const lo_zone *z = lo_zones_get(d->env.zones, id);
    return z && z->name ? z->name : "?";
}

/* One level up for a vessel on the watch list (IMO, MMSI or call sign match). */
static lo_severity severity(const dvessel *dv, lo_severity s)
{
    return dv->who.watch >= 0 && s < LO_SEV_HIGH ? (lo_severity)(s + 1) : s;
}

static void common_params(lo_event *e, const lo_zone_rule *r, const dvessel *dv)
{
    det_param_str(e, "rule", r->zones);
    det_param_str(e, "class", lo_shipclass_key(lo_shipclass_of(dv->who.ship_type)));
    if (dv->who.watch >= 0)
        det_param_int(e, "watch_entry", dv->who.watch);
}

static void raise_entry(lo_detector *d, dvessel *dv, const det_zone_slot *s)
{
    const lo_zone_rule *r = &d->zone.rules[s->rule];
    lo_event *e = det_event_begin(d, LO_EV_ZONE_ENTRY, severity(dv, r->severity), s->in.t, s->in.t, s->in.lat,
                                  s->in.lon);
    snprintf(e->zone, sizeof e->zone, "%s", zone_name(d, s->zone));
    det_event_vessel(e, dv);
    if (s->out.t)
        det_event_evidence(e, dv->mmsi, &s->out, "last outside");
    det_event_evidence(e, dv->mmsi, &s->in, "first inside");
    common_params(e, r, dv);
    if (s->out.t) {
        double unheard_h = (double)(s->in.t - s->out.t) / 3600000.0;
        det_param_num(e, "unheard_h", unheard_h, 2);
    }
    det_event_summary(e, "%s (MMSI %09u) entered %s", dv->who.name[0] ? dv->who.name : "vessel", dv->mmsi,
                      e->zone);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
}

/* The dwell event: open (end = now), closed at exit (end = the first position
 * outside), or ongoing at the end of the input (end = the last position). */
static void raise_dwell(lo_detector *d, dvessel *dv, const det_zone_slot *s, const det_point *last,
                        lo_event_state state, const char *how)
{
    const lo_zone_rule *r = &d->zone.rules[s->rule];
    lo_event *e =
        det_event_begin(d, LO_EV_ZONE_DWELL, severity(dv, r->severity), s->in.t, last->t, s->in.lat, s->in.lon);
    snprintf(e->zone, sizeof e->zone, "%s", zone_name(d, s->zone));
    det_event_vessel(e, dv);
    det_event_evidence(e, dv->mmsi, &s->in, s->flags & DET_ZS_NO_ENTRY ? "first heard inside" : "first inside");
    det_event_evidence(e, dv->mmsi, last, how);
    common_params(e, r, dv);
    double h = (double)(last->t - s->in.t) / 3600000.0;
    det_param_num(e, "dwell_h", r->dwell_h, 2);
    det_param_num(e, "inside_h", h, 2);
    det_param_bool(e, "entry_seen", !(s->flags & DET_ZS_NO_ENTRY));
    det_event_summary(e, "%s (MMSI %09u) inside %s for %.1f h", dv->who.name[0] ? dv->who.name : "vessel",
                      dv->mmsi, e->zone, h);
    det_event_emit(d, e, state, 0);
}

/* q: the first position outside, last: the last inside (NULL: none). */
static void raise_exit(lo_detector *d, dvessel *dv, det_zone_slot *s, const det_point *q, const det_point *last)
{
    const lo_zone_rule *r = &d->zone.rules[s->rule];
    double inside_h = (double)(q->t - s->in.t) / 3600000.0;
    if (s->flags & DET_ZS_DWELL)
        raise_dwell(d, dv, s, q, LO_EVENT_CLOSED, "first outside");
    else if (r->dwell_h > 0 && inside_h >= r->dwell_h)
        raise_dwell(d, dv, s, q, LO_EVENT_CLOSED, "first outside"); /* passed it between two reports */
    if (!r->exit)
        return;
    lo_event *e = det_event_begin(d, LO_EV_ZONE_EXIT, severity(dv, LO_SEV_INFO), q->t, q->t, q->lat, q->lon);
    snprintf(e->zone, sizeof e->zone, "%s", zone_name(d, s->zone));
    det_event_vessel(e, dv);
    if (last)
        det_event_evidence(e, dv->mmsi, last, "last inside");
    det_event_evidence(e, dv->mmsi, q, "first outside");
    common_params(e, r, dv);
    det_param_num(e, "inside_h", inside_h, 2);
    det_param_bool(e, "entry_seen", !(s->flags & DET_ZS_NO_ENTRY));
    if (last)
        det_param_num(e, "unheard_h", (double)(q->t - last->t) / 3600000.0, 2);
    det_event_summary(e, "%s (MMSI %09u) left %s after %.1f h", dv->who.name[0] ? dv->who.name : "vessel",
                      dv->mmsi, e->zone, inside_h);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
}

/* Give the slot its rule when one holds the vessel's class now; raise the entry. */
static void activate(lo_detector *d, dvessel *dv, det_zone_slot *s)
{
    det_zone_global *g = &d->zone;
    uint32_t cls = 1u << lo_shipclass_of(dv->who.ship_type);
    uint32_t mask = s->zone < g->nzones ? g->rule_mask[s->zone] : 0;
    for (uint32_t r = 0; r < g->nrules; r++) {
        if (!(mask & (1u << r)) || !(g->rules[r].classes & cls))
            continue;
        s->rule = (uint8_t)r;
        s->flags |= DET_ZS_ACTIVE;
        if (g->rules[r].entry && !(s->flags & DET_ZS_NO_ENTRY))
            raise_entry(d, dv, s);
        return;
    }
}

/* Metres from the point to the nearest bounding box of a zone some rule
 * names, less 10 % and 100 m (the fast distance formula is approximate);
 * DET_ZONE_MOVE_M when it is in one of the boxes or there are too many zones.
 * East-west degrees are shortened by the cosine of the latitude nearest the
 * pole among the point and the box, so the distance is never overstated. */
static uint32_t free_radius(lo_detector *d, const det_point *q)
{
    det_zone_global *g = &d->zone;
    if (g->nboxes > DET_ZONE_BOX_SCAN_MAX)
        return (uint32_t)DET_ZONE_MOVE_M;
    g->box_scans++;
    double lat = lo_udeg(q->lat), lon = lo_udeg(q->lon);
    double cos_pt = cos(fmin(fabs(lat), 89.9) * (M_PI / 180.0));
    double best = INFINITY; /* squared degrees */
    for (uint32_t i = 0; i < g->nboxes; i++) {
        const det_zone_box *b = &g->boxes[i];
        double dlat = lat < b->min_lat ? b->min_lat - lat : lat > b->max_lat ? lat - b->max_lat : 0;
        double dlon = INFINITY;
        for (int w = -1; w <= 1; w++) { /* boxes may run past 180: try the point shifted */
            double x = lon + 360.0 * w;
            double dx = x < b->min_lon ? b->min_lon - x : x > b->max_lon ? x - b->max_lon : 0;
            if (dx < dlon)
                dlon = dx;
        }
        double kx = cos_pt < b->cos_far ? cos_pt : b->cos_far;
        double dd = dlat * dlat + dlon * kx * dlon * kx;
        if (dd < best)
            best = dd;
    }
    double r = 111195.0 * sqrt(best) * 0.9 - 100.0;
    if (!(r > DET_ZONE_MOVE_M))
        return (uint32_t)DET_ZONE_MOVE_M;
    return r > 200000.0 ? 200000u : (uint32_t)r; /* the fast distance is good to a few hundred km */
}

static void look_up(lo_detector *d, dvessel *dv, const det_point *q, bool jumped)
{
    det_zone_global *g = &d->zone;
    det_zone_vessel *z = &dv->zone;
    uint32_t ids[DET_ZONE_LOOKUP_MAX];
    int n = lo_zones_at(d->env.zones, lo_udeg(q->lat), lo_udeg(q->lon), ids, DET_ZONE_LOOKUP_MAX);
    g->lookups++;
    d->stats.zone_lookups++;
    if (n < 0)
        return; /* a refused position: keep what it had */
    /* The previous position, when it was not looked up itself (it lay within
     * free_m of the last look-up), may already be on the new side: each
     * crossing checks it (one GEOS test at most per crossing), so that entry
     * and exit are at most one report late even for a slow drifter. */
    bool prev_between = !jumped && dv->has_prev && z->looked && dv->prev.t > z->look.t;
    det_point look = z->look;
    z->looked = 1;
    z->look = *q;
    uint32_t held = (uint32_t)n < DET_ZONE_LOOKUP_MAX ? (uint32_t)n : DET_ZONE_LOOKUP_MAX;
    /* Exits first (a vessel crossing from one zone into the next leaves, then enters). */
    for (uint32_t i = z->n; i-- > 0;) {
        det_zone_slot *s = &z->slot[i];
        bool still = false;
        for (uint32_t k = 0; k < held && !still; k++)
            still = ids[k] == s->zone;
        if (still)
            continue;
        if (s->flags & DET_ZS_ACTIVE) {
            if (prev_between && lo_zones_contains(d->env.zones, s->zone, lo_udeg(dv->prev.lat),
                                                  lo_udeg(dv->prev.lon)) == 0)
                raise_exit(d, dv, s, &dv->prev, &look); /* out already at the report before */
            else
                raise_exit(d, dv, s, q, dv->has_prev ? &dv->prev : NULL);
        }
        z->slot[i] = z->slot[--z->n];
    }
    for (uint32_t k = 0; k < held; k++) {
        uint32_t id = ids[k];
        if (id >= g->nzones || !g->rule_mask[id])
            continue; /* no rule names it */
        bool have = false;
        for (uint32_t i = 0; i < z->n && !have; i++)
            have = z->slot[i].zone == id;
        if (have)
            continue;
        if (z->n == DET_ZONE_PER_VESSEL) {
            g->overflow++;
            continue;
        }
        det_zone_slot *s = &z->slot[z->n++];
        memset(s, 0, sizeof *s);
        s->zone = id;
        s->in = *q;
        if (prev_between &&
            lo_zones_contains(d->env.zones, id, lo_udeg(dv->prev.lat), lo_udeg(dv->prev.lon)) == 1) {
            s->in = dv->prev; /* in already at the report before */
            s->out = look;
        } else if (dv->has_prev && !jumped) {
            s->out = dv->prev;
        } else {
            s->flags |= DET_ZS_NO_ENTRY;
        }
        activate(d, dv, s);
    }
    z->free_m = z->n == 0 ? free_radius(d, q) : (uint32_t)DET_ZONE_MOVE_M;
}

/* ---- hooks -------------------------------------------------------------------------------- */

int det_zone_init(lo_detector *d)
{
    det_zone_global *g = &d->zone;
    memset(g, 0, sizeof *g);
    if (d->cfg.nzone_rules) {
        g->rules = d->cfg.zone_rules;
        g->nrules = d->cfg.nzone_rules < LO_DETECT_MAX_ZONE_RULES ? d->cfg.nzone_rules : LO_DETECT_MAX_ZONE_RULES;
    } else {
        /* No rules: every zone, every ship, entry and exit. */
        snprintf(g->def.zones, sizeof g->def.zones, "*");
        g->def.classes = LO_SHIPCLASS_ALL;
        g->def.entry = g->def.exit = true;
        g->def.dwell_h = 0;
        g->def.severity = LO_SEV_LOW;
        g->rules = &g->def;
        g->nrules = 1;
    }
    return 0;
}

void det_zone_free(lo_detector *d)
{
    free(d->zone.rule_mask);
    free(d->zone.boxes);
    d->zone.rule_mask = NULL;
    d->zone.boxes = NULL;
}

void det_zone_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    (void)v;
    lo_zones *zs = d->env.zones;
    if (!zs || !dv->mmsi)
        return; /* MMSI 0: many ships at once, and no record of its own */
    uint32_t nz = lo_zones_count(zs);
    if (nz != d->zone.nzones && refresh_masks(d, nz) < 0)
        return;
    if (!nz)
        return;
    det_zone_vessel *z = &dv->zone;
    det_point q = det_point_of(p);
    /* A jump no ship can make (a new track segment, faster than the spoofing
     * detector's jump speed): two ships sending one MMSI, or a spoofed
     * position. Crossings between the two places are not entries or exits;
     * the zones are taken afresh, as for a vessel first heard there. */
    bool jumped = false;
    if (z->looked && dv->has_prev && q.segment != dv->prev.segment) {
        double h = (double)(q.t - dv->prev.t) / 3600000.0;
        double nm = det_dist_m(dv->prev.lat, dv->prev.lon, q.lat, q.lon) / 1852.0;
        double kn = d->cfg.jump_min_kn > 0 ? d->cfg.jump_min_kn : 40.0;
        jumped = h <= 0 || nm / h > kn;
    }
    if (jumped) {
        d->zone.jumps++;
        for (uint32_t i = 0; i < z->n; i++)
            if (z->slot[i].flags & DET_ZS_DWELL)
                raise_dwell(d, dv, &z->slot[i], &dv->prev, LO_EVENT_CLOSED, "last before a jump");
        z->n = 0;
    }
    bool look = jumped || !z->looked || z->look.segment != q.segment;
    if (!look) {
        double m = det_dist_m(z->look.lat, z->look.lon, q.lat, q.lon);
        look = m > (double)z->free_m ||
               (z->free_m <= DET_ZONE_MOVE_M && m > DET_ZONE_SLOW_M && q.t - z->look.t >= DET_ZONE_SLOW_MS);
    }
    if (look)
        look_up(d, dv, &q, jumped);
    else
        d->zone.skipped++;
    for (uint32_t i = 0; i < z->n; i++) {
        det_zone_slot *s = &z->slot[i];
        if ((s->flags & (DET_ZS_ACTIVE | DET_ZS_DWELL)) != DET_ZS_ACTIVE)
            continue;
        double dwell_h = d->zone.rules[s->rule].dwell_h;
        if (dwell_h > 0 && (double)(q.t - s->in.t) >= dwell_h * 3600000.0) {
            s->flags |= DET_ZS_DWELL;
            raise_dwell(d, dv, s, &q, LO_EVENT_OPEN, "latest inside");
        }
    }
}

void det_zone_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d;
    (void)dv;
    (void)v;
    (void)c;
}

/* Static data came: zones held without a rule (the class was unknown or
 * another) are looked at again with the ship type known now. */
void det_zone_static(lo_detector *d, dvessel *dv, const lo_vessel *v)
{
    (void)v;
    det_zone_vessel *z = &dv->zone;
    for (uint32_t i = 0; i < z->n; i++)
        if (!(z->slot[i].flags & DET_ZS_ACTIVE))
            activate(d, dv, &z->slot[i]);
}

/* The tracker forgot the vessel (silent longest): an open dwell ends at its
 * last position, its exit unseen. */
void det_zone_evict(lo_detector *d, dvessel *dv)
{
    det_zone_vessel *z = &dv->zone;
    for (uint32_t i = 0; i < z->n; i++)
        if ((z->slot[i].flags & DET_ZS_DWELL) && dv->has_prev)
            raise_dwell(d, dv, &z->slot[i], &dv->prev, LO_EVENT_CLOSED, "last heard (evicted)");
    z->n = 0;
}

void det_zone_advance(lo_detector *d, int64_t now)
{
    (void)d;
    (void)now;
}

void det_zone_finish(lo_detector *d)
{
    for (uint32_t i = 1; i <= d->nrecords; i++) {
        dvessel *dv = det_vessel_at(d, i);
        if (!dv || !dv->mmsi || !dv->has_prev)
            continue;
        det_zone_vessel *z = &dv->zone;
        for (uint32_t k = 0; k < z->n; k++)
            if (z->slot[k].flags & DET_ZS_DWELL)
                raise_dwell(d, dv, &z->slot[k], &dv->prev, LO_EVENT_ONGOING, "last inside");
    }
}
