/* detect_encounter.c - encounters (ship-to-ship transfers) and rendezvous
 * candidates.
 *
 * Encounter (Global Fishing Watch; Miller et al. 2018, "Identifying global
 * patterns of transshipment behavior", Frontiers in Marine Science; GFW's
 * encounter definition): two ships within encounter_max_m (500 m) for at least
 * encounter_min_h (2 h), at a median speed below encounter_max_median_kn
 * (2 kn), at least encounter_port_km (10 km) from any port or anchorage.
 * Rendezvous (Skylight's "standard rendezvous": two ships on AIS within 250 m
 * for more than 30 min): the candidate tier, for meetings that are not
 * encounters, with the same speed and port rules here.
 *
 * Cost grows with positions, not with the square of the ships. Only ships
 * slow enough to meet take part: a position below the median speed limit
 * (2 kn), or up to twice it for a ship already in a pair (so that its speed
 * counts in the pair's median); any faster position takes its ship out of the
 * grid and costs nothing more. A slow ship near a port or anchorage (looked
 * up when it starts to take part and again each kilometre it drifts, so a few
 * look-ups a stay) makes no pairs: its meetings would be in port. A slow
 * position is compared with the latest positions of the ships in the grid
 * cells around it (cells twice the search radius high, so at most 2 x 2 cells;
 * a hash of the occupied cells, each holding its ships' positions in one
 * array read in order, freed when it empties; the columns of each row are a
 * table made at init), those no older than pair_max_age_min,
 * dead-reckoned to its time when they move. Two
 * ships within the meeting distance make a pair, kept in a bounded table
 * (max_open_pairs; refusals counted in stats.pairs_dropped) with its first and
 * last close observation, a histogram of the observers' speeds (the median),
 * the closest approach, the mean position and a trail of each ship. A pair
 * ends when no close observation came for encounter_break_h (apart, or
 * unheard); it is then an encounter when it satisfies GFW's rule, else a
 * rendezvous when it satisfies the candidate rule, else nothing. The port is
 * looked up once a pair, when it first qualifies. An encounter is raised OPEN
 * as soon as it qualifies and CLOSED (or ONGOING) with the same id: first
 * ship the lower MMSI, start the first close observation, salt the other
 * MMSI. docs/detect.md, "Encounters". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_motion.h"

#define ENC_STEP_MS 60000  /* pairs that ended are looked for once a data minute */
#define ENC_MARGIN_M 250.0 /* beyond the meeting distance: dead reckoning's room */
#define HIST_N 42          /* speeds 0.0 .. 4.0 kn in AIS's 0.1 kn, and above */
#define PAIR_CHUNK_BITS 10
#define PAIR_CHUNK (1u << PAIR_CHUNK_BITS)
#define M_PER_UDEG (LO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0 / 1e6)

enum { TIER_ENC = 0, TIER_RDV = 1 };

struct det_enc_pair {
    uint32_t a, b;             /* ships, index + 1; a has the lower MMSI */
    uint32_t mmsi_a, mmsi_b;
    uint32_t prev, next;       /* list by last observation; free list through next */
    int64_t start, last;       /* first and last close observation */
    int64_t relinked;          /* when last moved to the newest end of the list */
    int64_t run_start[2], run_last[2], best_ms[2]; /* per tier: current run, longest */
    int32_t lat0, lon0;        /* first midpoint */
    int64_t sum_dlat, sum_dlon;
    uint32_t nobs;
    double min_m;
    det_point min_a, min_b;    /* positions at the closest approach */
    uint16_t hist[HIST_N];
    bool opened, port_checked, in_port;
    double port_km;
    const lo_port *port;
    det_trail ta, tb;
};

/* ---- a map of 64-bit keys ----------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static int map_alloc(det_u64map *m, uint32_t cap)
{
    m->keys = malloc((size_t)cap * sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        free(m->keys);
        free(m->vals);
        m->keys = NULL;
        m->vals = NULL;
        return LO_E_NOMEM;
    }
    m->cap = cap;
    m->count = 0;
    return 0;
}

static void map_free(det_u64map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static uint32_t map_get(const det_u64map *m, uint64_t key)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t h = (uint32_t)mix64(key) & mask; m->vals[h]; h = (h + 1) & mask)
        if (m->keys[h] == key)
            return m->vals[h];
    return 0;
}

static void map_set_raw(det_u64map *m, uint64_t key, uint32_t val)
{
    uint32_t mask = m->cap - 1;
    uint32_t h = (uint32_t)mix64(key) & mask;
    while (m->vals[h] && m->keys[h] != key)
        h = (h + 1) & mask;
    if (!m->vals[h])
        m->count++;
    m->keys[h] = key;
    m->vals[h] = val;
}

/* Insert or replace (val != 0). */
static int map_put(det_u64map *m, uint64_t key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        det_u64map n;
        if (map_alloc(&n, m->cap * 2) < 0)
            return LO_E_NOMEM;
        for (uint32_t i = 0; i < m->cap; i++)
            if (m->vals[i])
                map_set_raw(&n, m->keys[i], m->vals[i]);
        map_free(m);
        *m = n;
    }
    map_set_raw(m, key, val);
    return 0;
}

/* Backward-shift deletion: probe runs stay whole without tombstones. */
static void map_del(det_u64map *m, uint64_t key)
{
    uint32_t mask = m->cap - 1;
    uint32_t h = (uint32_t)mix64(key) & mask;
    while (m->vals[h] && m->keys[h] != key)
        h = (h + 1) & mask;
    if (!m->vals[h])
        return;
    uint32_t hole = h;
    for (uint32_t j = (h + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
        uint32_t home = (uint32_t)mix64(m->keys[j]) & mask;
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->vals[hole] = 0;
    m->count--;
}

/* ---- the grid ------------------------------------------------------------------------ */

static int64_t hours_ms(double h) { return (int64_t)llround(h * 3600000.0); }

/* Columns of a row: cells about as wide as high at the row's poleward edge.
 * Kept in a table made at init (no cosine per position). */
static uint32_t row_ncols(double cell_udeg, int32_t row, double *cos_edge)
{
    double edge = fmax(fabs((double)row * cell_udeg), fabs((double)(row + 1) * cell_udeg)) / 1e6;
    if (edge > 89.9)
        edge = 89.9;
    *cos_edge = cos(edge * 3.14159265358979323846 / 180.0);
    double n = floor(360e6 * *cos_edge / cell_udeg);
    return n < 1 ? 1 : (uint32_t)n;
}

static uint32_t grid_ncols(const det_enc_global *G, int32_t row)
{
    uint32_t i = (uint32_t)(row - G->row_min);
    if (i < G->nrows)
        return G->row_cols[i];
    double c;
    return row_ncols(G->cell_udeg, row, &c);
}

static double row_cos(const det_enc_global *G, int32_t row)
{
    uint32_t i = (uint32_t)(row - G->row_min);
    if (i < G->nrows)
        return G->row_cos[i];
    double c;
    row_ncols(G->cell_udeg, row, &c);
    return c;
}

static uint64_t cell_key(int32_t row, uint32_t col) { return (uint64_t)(uint32_t)row << 32 | col; }

static uint64_t cell_of(const det_enc_global *G, int32_t lat, int32_t lon)
{
    int32_t row = (int32_t)floor((double)lat / G->cell_udeg);
    uint32_t nc = grid_ncols(G, row);
    double w = 360e6 / nc;
    int64_t c = (int64_t)floor(((double)lon + 180e6) / w);
    return cell_key(row, (uint32_t)(((c % nc) + nc) % nc));
}

/* The node of vessel index1, made when first needed (NULL when out of memory). */
static det_enc_node *node_get(det_enc_global *G, uint32_t i1)
{
    if (i1 >= G->nodes_cap) {
        uint32_t cap = G->nodes_cap ? G->nodes_cap : 4096;
        while (cap <= i1)
            cap *= 2;
        det_enc_node *n = realloc(G->nodes, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        G->nodes = n;
        uint8_t *f = realloc(G->flags, cap);
        if (!f)
            return NULL;
        G->flags = f;
        memset(n + G->nodes_cap, 0, (size_t)(cap - G->nodes_cap) * sizeof *n);
        memset(f + G->nodes_cap, 0, cap - G->nodes_cap);
        G->nodes_cap = cap;
    }
    return &G->nodes[i1];
}

/* A free cell for key, or 0 when out of memory. */
static uint32_t cell_new(det_enc_global *G, uint64_t key)
{
    uint32_t c1 = G->cell_free;
    if (c1) {
        G->cell_free = G->cellv[c1 - 1].n;
    } else {
        if (G->ncells == G->cells_cap) {
            uint32_t cap = G->cells_cap ? G->cells_cap * 2 : 1024;
            det_enc_cell *v = realloc(G->cellv, (size_t)cap * sizeof *v);
            if (!v)
                return 0;
            G->cellv = v;
            G->cells_cap = cap;
        }
        c1 = ++G->ncells;
    }
    det_enc_cell *C = &G->cellv[c1 - 1];
    C->key = key;
    C->n = 0;
    C->cap = 4;
    if (!(C->m = malloc(C->cap * sizeof *C->m)) || map_put(&G->cells, key, c1) < 0) {
        free(C->m);
        C->m = NULL;
        C->n = G->cell_free;
        G->cell_free = c1;
        return 0;
    }
    return c1;
}

static void grid_remove(lo_detector *d, uint32_t i1)
{
    det_enc_global *G = &d->enc;
    if (i1 >= G->nodes_cap || !(G->flags[i1] & DET_ENC_INDEXED))
        return;
    det_enc_node *N = &G->nodes[i1];
    det_enc_cell *C = &G->cellv[N->cell - 1];
    /* The last member takes its place. */
    det_enc_member *last = &C->m[--C->n];
    if (N->pos != C->n) {
        C->m[N->pos] = *last;
        G->nodes[last->i1].pos = N->pos;
    }
    if (!C->n) {
        /* Empty: memory goes back (a cell is held only while ships are in it). */
        map_del(&G->cells, C->key);
        free(C->m);
        C->m = NULL;
        C->n = G->cell_free;
        G->cell_free = N->cell;
    }
    G->flags[i1] &= (uint8_t)~DET_ENC_INDEXED;
}

static void grid_insert(lo_detector *d, uint32_t i1, uint64_t key, const det_point *q)
{
    det_enc_global *G = &d->enc;
    uint32_t c1 = map_get(&G->cells, key);
    if (!c1 && !(c1 = cell_new(G, key)))
        return; /* out of memory: this ship is not found by others until it moves */
    det_enc_cell *C = &G->cellv[c1 - 1];
    if (C->n == C->cap) {
        det_enc_member *m = realloc(C->m, (size_t)C->cap * 2 * sizeof *m);
        if (!m)
            return;
        C->m = m;
        C->cap *= 2;
    }
    C->m[C->n].at = *q;
    C->m[C->n].i1 = i1;
    G->nodes[i1].cell = c1;
    G->nodes[i1].pos = C->n++;
    G->flags[i1] |= DET_ENC_INDEXED;
}

/* ---- pairs ------------------------------------------------------------------------------ */

static det_enc_pair *pair_at(det_enc_global *G, uint32_t p1)
{
    uint32_t i = p1 - 1;
    return &G->chunks[i >> PAIR_CHUNK_BITS][i & (PAIR_CHUNK - 1)];
}

static uint64_t pair_key(uint32_t i1, uint32_t j1)
{
    return i1 < j1 ? (uint64_t)i1 << 32 | j1 : (uint64_t)j1 << 32 | i1;
}

static void lru_unlink(det_enc_global *G, det_enc_pair *P, uint32_t p1)
{
    if (P->prev)
        pair_at(G, P->prev)->next = P->next;
    else if (G->lru_head == p1)
        G->lru_head = P->next;
    if (P->next)
        pair_at(G, P->next)->prev = P->prev;
    else if (G->lru_tail == p1)
        G->lru_tail = P->prev;
    P->prev = P->next = 0;
}

static void lru_append(det_enc_global *G, det_enc_pair *P, uint32_t p1)
{
    P->prev = G->lru_tail;
    P->next = 0;
    if (G->lru_tail)
        pair_at(G, G->lru_tail)->next = p1;
    else
        G->lru_head = p1;
    G->lru_tail = p1;
}

/* A new pair slot, or 0 when out of memory. */
static uint32_t pair_alloc(det_enc_global *G)
{
    uint32_t p1 = G->free_head;
    if (p1) {
        G->free_head = pair_at(G, p1)->next;
        return p1;
    }
    if (G->nrecords == G->nchunks * PAIR_CHUNK) {
        det_enc_pair **c = realloc(G->chunks, (G->nchunks + 1) * sizeof *c);
        if (!c)
            return 0;
        G->chunks = c;
        if (!(c[G->nchunks] = malloc(PAIR_CHUNK * sizeof(det_enc_pair))))
            return 0;
        G->nchunks++;
    }
    return ++G->nrecords;
}

static bool median_below(const det_enc_pair *P, double max_kn, double *median_kn)
{
    uint32_t total = 0, below = 0;
    *median_kn = NAN;
    unsigned lim = (unsigned)ceil(max_kn * 10.0 - 1e-9); /* bins below max_kn */
    for (unsigned k = 0; k < HIST_N; k++) {
        total += P->hist[k];
        if (k < lim)
            below += P->hist[k];
    }
    if (!total)
        return true; /* no speed known: the rule cannot refuse */
    uint32_t cum = 0;
    for (unsigned k = 0; k < HIST_N; k++) {
        cum += P->hist[k];
        if (cum * 2 >= total) {
            *median_kn = k / 10.0;
            break;
        }
    }
    return below * 2 > total;
}

static bool tier_holds(const lo_detector *d, const det_enc_pair *P, int tier)
{
    double med = NAN;
    int64_t need = hours_ms(tier == TIER_ENC ? d->cfg.encounter_min_h : d->cfg.rendezvous_min_h);
    return P->best_ms[tier] >= need && median_below(P, d->cfg.encounter_max_median_kn, &med);
}

static void mean_pos(const det_enc_pair *P, int32_t *lat, int32_t *lon)
{
    int64_t n = P->nobs ? P->nobs : 1;
    *lat = (int32_t)(P->lat0 + P->sum_dlat / n);
    *lon = det_wrap_udeg(P->lon0 + P->sum_dlon / n);
}

static void port_check(lo_detector *d, det_enc_pair *P)
{
    int32_t lat, lon;
    mean_pos(P, &lat, &lon);
    P->port_km = det_port_km(d, lat, lon, d->cfg.encounter_port_km, &P->port);
    P->in_port = P->port_km < d->cfg.encounter_port_km;
    P->port_checked = true;
}

static const char *name_of(const dvessel *v) { return v->who.name[0] ? v->who.name : "(no name)"; }

static void pair_emit(lo_detector *d, det_enc_pair *P, lo_event_type type, lo_event_state state)
{
    dvessel *va = det_vessel_at(d, P->a), *vb = det_vessel_at(d, P->b);
    if (!va || !vb || va->mmsi != P->mmsi_a || vb->mmsi != P->mmsi_b)
        return; /* a ship was forgotten (evict closes its pairs first: never) */
    bool enc = type == LO_EV_ENCOUNTER;
    int32_t lat, lon;
    mean_pos(P, &lat, &lon);
    double med = NAN;
    median_below(P, d->cfg.encounter_max_median_kn, &med);
    double h = (double)(P->last - P->start) / 3.6e6;
    lo_event *e = det_event_begin(d, type, enc ? LO_SEV_MEDIUM : LO_SEV_LOW, P->start, P->last, lat, lon);
    det_event_vessel(e, va);
    det_event_vessel(e, vb);
    det_event_evidence(e, P->mmsi_a, &P->min_a, "closest");
    det_event_evidence(e, P->mmsi_b, &P->min_b, "closest");
    det_event_trail(e, P->mmsi_a, &P->ta, "alongside");
    det_event_trail(e, P->mmsi_b, &P->tb, "alongside");
    det_param_num(e, "max_m", enc ? d->cfg.encounter_max_m : d->cfg.rendezvous_max_m, 0);
    det_param_num(e, "min_h", enc ? d->cfg.encounter_min_h : d->cfg.rendezvous_min_h, 2);
    det_param_num(e, "max_median_kn", d->cfg.encounter_max_median_kn, 1);
    det_param_num(e, "port_min_km", d->cfg.encounter_port_km, 1);
    det_param_num(e, "duration_h", h, 2);
    det_param_num(e, "encounter_h", (double)P->best_ms[TIER_ENC] / 3.6e6, 2);
    det_param_num(e, "rendezvous_h", (double)P->best_ms[TIER_RDV] / 3.6e6, 2);
    det_param_num(e, "median_speed_kn", med, 1);
    det_param_num(e, "min_distance_m", P->min_m, 0);
    det_param_int(e, "observations", P->nobs);
    if (P->port_checked && isfinite(P->port_km)) {
        det_param_num(e, "port_km", P->port_km, 1);
        if (P->port && P->port->name)
            det_param_str(e, "port", P->port->name);
    }
    det_event_summary(e, "%s: %09u %s and %09u %s within %.0f m for %.1f h (closest %.0f m, median %.1f kn)",
                      enc ? "encounter" : "rendezvous candidate", P->mmsi_a, name_of(va), P->mmsi_b, name_of(vb),
                      enc ? d->cfg.encounter_max_m : d->cfg.rendezvous_max_m, h, P->min_m, isfinite(med) ? med : 0);
    det_event_emit(d, e, state, P->mmsi_b);
}

/* The pair is over: classify, report, free. */
static void pair_close(lo_detector *d, uint32_t p1, lo_event_state state)
{
    det_enc_global *G = &d->enc;
    det_enc_pair *P = pair_at(G, p1);
    bool enc = P->opened || tier_holds(d, P, TIER_ENC);
    bool rdv = !enc && tier_holds(d, P, TIER_RDV);
    if ((enc || rdv) && !P->port_checked)
        port_check(d, P);
    if (enc && (P->opened || !P->in_port))
        pair_emit(d, P, LO_EV_ENCOUNTER, state);
    else if (rdv && !P->in_port)
        pair_emit(d, P, LO_EV_RENDEZVOUS, state);
    dvessel *va = det_vessel_at(d, P->a), *vb = det_vessel_at(d, P->b);
    if (va->mmsi == P->mmsi_a && va->enc.npairs)
        va->enc.npairs--;
    if (vb->mmsi == P->mmsi_b && vb->enc.npairs)
        vb->enc.npairs--;
    map_del(&G->pairs, pair_key(P->a, P->b));
    lru_unlink(G, P, p1);
    P->next = G->free_head;
    G->free_head = p1;
    d->stats.open_pairs = G->pairs.count;
}

static void tier_observe(det_enc_pair *P, int tier, double m, double max_m, int64_t t, int64_t break_ms)
{
    if (m > max_m) {
        P->run_last[tier] = 0; /* apart at this distance: the run is broken */
        return;
    }
    if (!P->run_last[tier] || t - P->run_last[tier] > break_ms)
        P->run_start[tier] = t;
    if (t > P->run_last[tier])
        P->run_last[tier] = t;
    int64_t dur = P->run_last[tier] - P->run_start[tier];
    if (dur > P->best_ms[tier])
        P->best_ms[tier] = dur;
}

/* dv's position q (speed s10) is m metres from o's dead-reckoned (olat, olon). */
static void observe(lo_detector *d, dvessel *dv, uint32_t o1, const det_point *oat, const det_point *q,
                    unsigned s10, double m, int32_t olat, int32_t olon)
{
    det_enc_global *G = &d->enc;
    if ((G->flags[dv->self] | G->flags[o1]) & DET_ENC_NEAR_PORT)
        return; /* the meeting would be in port: not followed */
    int64_t break_ms = hours_ms(d->cfg.encounter_break_h);
    uint64_t key = pair_key(dv->self, o1);
    uint32_t p1 = map_get(&G->pairs, key);
    if (p1 && q->t - pair_at(G, p1)->last > break_ms) {
        pair_close(d, p1, LO_EVENT_CLOSED); /* a new meeting of the same two */
        p1 = 0;
    }
    det_enc_pair *P;
    int32_t mlat = (int32_t)(((int64_t)q->lat + olat) / 2);
    int32_t mlon = det_wrap_udeg(q->lon + det_dlon_udeg(q->lon, olon) / 2);
    if (!p1) {
        uint32_t chunks_before = G->nchunks;
        if (G->pairs.count >= d->cfg.max_open_pairs || !(p1 = pair_alloc(G))) {
            d->stats.pairs_dropped++;
            return;
        }
        d->stats.memory_bytes += (uint64_t)(G->nchunks - chunks_before) * PAIR_CHUNK * sizeof(det_enc_pair);
        if (map_put(&G->pairs, key, p1) < 0) {
            pair_at(G, p1)->next = G->free_head;
            G->free_head = p1;
            d->stats.pairs_dropped++;
            return;
        }
        P = pair_at(G, p1);
        dvessel *o = det_vessel_at(d, o1);
        bool dv_is_a = dv->mmsi < o->mmsi;
        memset(P, 0, offsetof(det_enc_pair, ta));
        det_trail_reset(&P->ta);
        det_trail_reset(&P->tb);
        P->a = dv_is_a ? dv->self : o1;
        P->b = dv_is_a ? o1 : dv->self;
        P->mmsi_a = dv_is_a ? dv->mmsi : o->mmsi;
        P->mmsi_b = dv_is_a ? o->mmsi : dv->mmsi;
        P->start = P->last = P->relinked = q->t;
        P->lat0 = mlat;
        P->lon0 = mlon;
        P->min_m = INFINITY;
        P->port_km = INFINITY;
        dv->enc.npairs++;
        o->enc.npairs++;
        lru_append(G, P, p1);
        d->stats.open_pairs = G->pairs.count;
        if (G->pairs.count > d->stats.peak_open_pairs)
            d->stats.peak_open_pairs = G->pairs.count;
    } else {
        P = pair_at(G, p1);
        if (G->lru_tail != p1 && q->t - P->relinked >= ENC_STEP_MS) {
            /* The list is kept in order to the data minute: fewer moves. */
            lru_unlink(G, P, p1);
            lru_append(G, P, p1);
            P->relinked = q->t;
        }
    }
    bool dv_is_a = P->a == dv->self;
    if (q->t < P->start && !P->opened)
        P->start = q->t; /* a report a little out of order (the id takes the start: fixed once raised) */
    if (q->t > P->last)
        P->last = q->t;
    P->nobs++;
    P->sum_dlat += (int64_t)mlat - P->lat0;
    P->sum_dlon += det_dlon_udeg(P->lon0, mlon);
    if (s10 != DET_SPEED_NA) {
        unsigned k = s10 < HIST_N - 1 ? s10 : HIST_N - 1;
        if (P->hist[k] == UINT16_MAX)
            for (unsigned i = 0; i < HIST_N; i++)
                P->hist[i] /= 2; /* halving every bin keeps the median */
        P->hist[k]++;
    }
    if (m < P->min_m) {
        P->min_m = m;
        P->min_a = dv_is_a ? *q : *oat;
        P->min_b = dv_is_a ? *oat : *q;
    }
    det_trail_add(dv_is_a ? &P->ta : &P->tb, q);
    tier_observe(P, TIER_ENC, m, d->cfg.encounter_max_m, q->t, break_ms);
    tier_observe(P, TIER_RDV, m, d->cfg.rendezvous_max_m, q->t, break_ms);
    if (!P->opened && !P->in_port && tier_holds(d, P, TIER_ENC)) {
        if (!P->port_checked)
            port_check(d, P);
        if (!P->in_port) {
            P->opened = true;
            pair_emit(d, P, LO_EV_ENCOUNTER, LO_EVENT_OPEN);
        }
    }
}

/* Compare q (dv's new slow position) with the ships in the cells around it. */
static void search(lo_detector *d, dvessel *dv, const det_point *q, unsigned s10)
{
    det_enc_global *G = &d->enc;
    double h = G->cell_udeg, r_lat = G->search_m / M_PER_UDEG;
    double meet_udeg = G->meet_m / M_PER_UDEG;
    int64_t max_age = (int64_t)llround(d->cfg.pair_max_age_min * 60000.0);
    /* The window's half width in longitude, at its poleward edge. */
    double edge = fabs((double)q->lat) + r_lat;
    double coslat = row_cos(G, (int32_t)floor(edge / h));
    double r_lon = r_lat / (coslat > 1e-3 ? coslat : 1e-3);
    /* Distances in the search: equirectangular at q's latitude (exact to
     * millimetres over 1 km), one cosine a search rather than one a candidate. */
    double coslat_q = cos((double)q->lat / 1e6 * 3.14159265358979323846 / 180.0);
    double meet2 = meet_udeg * meet_udeg;
    int32_t row0 = (int32_t)floor(((double)q->lat - r_lat) / h), row1 = (int32_t)floor(((double)q->lat + r_lat) / h);
    for (int32_t row = row0; row <= row1; row++) {
        uint32_t nc = grid_ncols(G, row);
        double w = 360e6 / nc;
        int64_t c0 = (int64_t)floor(((double)q->lon + 180e6 - r_lon) / w);
        int64_t c1 = (int64_t)floor(((double)q->lon + 180e6 + r_lon) / w);
        if (c1 - c0 + 1 >= (int64_t)nc) {
            c0 = 0;
            c1 = nc - 1;
        }
        for (int64_t c = c0; c <= c1; c++) {
            uint32_t col = (uint32_t)(((c % nc) + nc) % nc);
            uint32_t cell1 = map_get(&G->cells, cell_key(row, col));
            if (!cell1)
                continue;
            det_enc_cell *C = &G->cellv[cell1 - 1];
            for (uint32_t k = 0; k < C->n; k++) {
                const det_enc_member *om = &C->m[k];
                uint32_t o1 = om->i1;
                if (o1 == dv->self)
                    continue;
                const det_point *oq = &om->at;
                int64_t dt = q->t - oq->t;
                if (dt > max_age) {
                    grid_remove(d, o1); /* stale: out until it reports again */
                    if (!C->m)
                        break; /* the cell is empty and freed */
                    k--;           /* the last member took its place */
                    continue;
                }
                if (dt < -max_age)
                    continue;
                double olat = oq->lat, olon = oq->lon;
                if (oq->speed >= 5 && oq->speed < DET_SPEED_NA && oq->course < 3600 && dt) {
                    double run = oq->speed / 10.0 * LO_NM_M / 3600.0 * ((double)dt / 1000.0);
                    double cr = oq->course / 10.0 * 3.14159265358979323846 / 180.0;
                    olat += run * cos(cr) / M_PER_UDEG;
                    olon += run * sin(cr) / (M_PER_UDEG * (coslat_q > 1e-3 ? coslat_q : 1e-3));
                }
                double dy = olat - q->lat;
                if (fabs(dy) > meet_udeg)
                    continue;
                double dx = olon - q->lon;
                if (dx > 180e6)
                    dx -= 360e6;
                else if (dx < -180e6)
                    dx += 360e6;
                dx *= coslat_q;
                double d2 = dx * dx + dy * dy;
                if (d2 > meet2)
                    continue;
                int32_t ilat = (int32_t)llround(olat), ilon = det_wrap_udeg(llround(olon));
                det_point oat = *oq;
                observe(d, dv, o1, &oat, q, s10, sqrt(d2) * M_PER_UDEG, ilat, ilon);
            }
        }
    }
}

/* ---- hooks ------------------------------------------------------------------------------ */

int det_enc_init(lo_detector *d)
{
    det_enc_global *G = &d->enc;
    memset(G, 0, sizeof *G);
    G->meet_m = fmax(d->cfg.encounter_max_m, d->cfg.rendezvous_max_m);
    G->search_m = G->meet_m + ENC_MARGIN_M;
    G->cell_udeg = 2.0 * G->search_m / M_PER_UDEG;
    double kn10 = d->cfg.encounter_max_median_kn * 10.0;
    G->slow_kn10 = kn10 < 1 ? 1 : kn10 > 1022 ? 1022 : (unsigned)ceil(kn10);
    G->point_max_kn10 = 2 * kn10 < 1 ? 1 : 2 * kn10 > 1022 ? 1022 : (unsigned)(2 * kn10);
    G->next_step_ms = INT64_MIN;
    G->row_min = (int32_t)floor(-90e6 / G->cell_udeg);
    G->nrows = (uint32_t)((int32_t)floor(90e6 / G->cell_udeg) - G->row_min + 1);
    G->row_cols = malloc(G->nrows * sizeof *G->row_cols);
    G->row_cos = malloc(G->nrows * sizeof *G->row_cos);
    if (!G->row_cols || !G->row_cos) {
        det_enc_free(d);
        return LO_E_NOMEM;
    }
    for (uint32_t i = 0; i < G->nrows; i++) {
        double c;
        G->row_cols[i] = row_ncols(G->cell_udeg, G->row_min + (int32_t)i, &c);
        G->row_cos[i] = (float)c;
    }
    if (map_alloc(&G->cells, 1024) < 0 || map_alloc(&G->pairs, 1024) < 0) {
        det_enc_free(d);
        return LO_E_NOMEM;
    }
    return 0;
}

void det_enc_free(lo_detector *d)
{
    det_enc_global *G = &d->enc;
    map_free(&G->cells);
    map_free(&G->pairs);
    free(G->row_cols);
    free(G->row_cos);
    for (uint32_t i = 0; i < G->ncells; i++)
        free(G->cellv[i].m);
    free(G->cellv);
    G->cellv = NULL;
    G->ncells = G->cells_cap = G->cell_free = 0;
    free(G->nodes);
    free(G->flags);
    G->flags = NULL;
    G->row_cols = NULL;
    G->row_cos = NULL;
    G->nodes = NULL;
    G->nodes_cap = 0;
    for (uint32_t i = 0; i < G->nchunks; i++)
        free(G->chunks[i]);
    free(G->chunks);
    G->chunks = NULL;
    G->nchunks = G->nrecords = 0;
}

/* Is dv, slow at q, so near a port or anchorage that its meetings would be in
 * port? Looked up when it starts to take part and again each PORT_RECHECK_M
 * it drifts: a few look-ups a ship stay, never one a position. */
#define PORT_RECHECK_M 1000.0
static void port_flag(lo_detector *d, dvessel *dv, uint8_t *flags, const det_point *q)
{
    det_enc_vessel *E = &dv->enc;
    if (!d->env.ports)
        return;
    if (E->port_known && det_dist_m(E->port_lat, E->port_lon, q->lat, q->lon) < PORT_RECHECK_M)
        return;
    /* Its pairs' mean positions are within half the meeting distance of it. */
    double reach = d->cfg.encounter_port_km - d->enc.meet_m / 2000.0 - PORT_RECHECK_M / 1000.0;
    bool near = reach > 0 && det_port_km(d, q->lat, q->lon, reach, NULL) < reach;
    *flags = (uint8_t)(near ? *flags | DET_ENC_NEAR_PORT : *flags & ~DET_ENC_NEAR_PORT);
    E->port_known = true;
    E->port_lat = q->lat;
    E->port_lon = q->lon;
}

void det_enc_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    if (!det_is_ship(v->kind))
        return;
    det_enc_global *G = &d->enc;
    unsigned s10 = det_speed10(dv, p);
    /* Slow positions take part; up to twice as fast only for ships already in a
     * pair (their speeds count in its median). Faster: out of the grid. */
    if (s10 != DET_SPEED_NA && s10 >= G->slow_kn10 && (s10 > G->point_max_kn10 || !dv->enc.npairs)) {
        uint32_t i1 = dv->self;
        if (i1 < G->nodes_cap && (G->flags[i1] & DET_ENC_INDEXED)) {
            grid_remove(d, i1);
            dv->enc.port_known = false;
        }
        return;
    }
    det_enc_node *N = node_get(G, dv->self);
    if (!N)
        return;
    det_point q = det_point_of(p);
    port_flag(d, dv, &G->flags[dv->self], &q);
    search(d, dv, &q, s10);
    uint64_t key = cell_of(G, q.lat, q.lon);
    if (s10 != DET_SPEED_NA)
        q.speed = (uint16_t)s10;
    N = &G->nodes[dv->self];
    if ((G->flags[dv->self] & DET_ENC_INDEXED) && G->cellv[N->cell - 1].key == key) {
        G->cellv[N->cell - 1].m[N->pos].at = q; /* same cell: moved in place */
    } else {
        grid_remove(d, dv->self);
        grid_insert(d, dv->self, key, &q);
    }
}

void det_enc_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d, (void)dv, (void)v, (void)c;
}

void det_enc_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d, (void)dv, (void)v; }

void det_enc_evict(lo_detector *d, dvessel *dv)
{
    det_enc_global *G = &d->enc;
    grid_remove(d, dv->self);
    if (dv->self < G->nodes_cap)
        G->flags[dv->self] = 0; /* the record is reused */
    for (uint32_t p1 = G->lru_head, next; p1 && dv->enc.npairs; p1 = next) {
        det_enc_pair *P = pair_at(G, p1);
        next = P->next;
        if (P->a == dv->self || P->b == dv->self)
            pair_close(d, p1, LO_EVENT_CLOSED);
    }
}

static void close_ended(lo_detector *d, int64_t now)
{
    det_enc_global *G = &d->enc;
    int64_t break_ms = hours_ms(d->cfg.encounter_break_h);
    while (G->lru_head && now - pair_at(G, G->lru_head)->last > break_ms)
        pair_close(d, G->lru_head, LO_EVENT_CLOSED);
}

void det_enc_advance(lo_detector *d, int64_t now)
{
    if (now < d->enc.next_step_ms)
        return;
    d->enc.next_step_ms = now - now % ENC_STEP_MS + ENC_STEP_MS;
    close_ended(d, now);
}

void det_enc_finish(lo_detector *d)
{
    det_enc_global *G = &d->enc;
    if (d->now != LO_TIME_NONE)
        close_ended(d, d->now);
    while (G->lru_head)
        pair_close(d, G->lru_head, LO_EVENT_ONGOING);
}
