/* detect.c - the detector core: one record per vessel (a chunked table with
 * an open-addressing MMSI index), a list of vessels by last report (so that
 * "silent for 6 h" is found from the oldest end without a scan), the data
 * clock, dispatch of the tracker's callbacks to the modules, and the helpers
 * that build an event. The rules themselves live in detect_<module>.c. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"
#include "lookout/output.h"
#include "util.h"

/* ---- names ------------------------------------------------------------------------ */

static const char *const type_keys[] = {
#define LO_X_(sym, key, family) key,
    LO_EVENT_TYPE_MAP(LO_X_)
#undef LO_X_
};
static const char *const type_families[] = {
#define LO_X_(sym, key, family) family,
    LO_EVENT_TYPE_MAP(LO_X_)
#undef LO_X_
};
static const char *const class_keys[] = {
#define LO_X_(sym, key) key,
    LO_SHIPCLASS_MAP(LO_X_)
#undef LO_X_
};

const char *lo_event_type_key(lo_event_type t) { return (unsigned)t < LO_EV_COUNT ? type_keys[t] : "?"; }
const char *lo_event_type_family(lo_event_type t)
{
    return (unsigned)t < LO_EV_COUNT ? type_families[t] : "?";
}
int lo_event_type_from_key(const char *key)
{
    for (int i = 0; key && i < LO_EV_COUNT; i++)
        if (!strcmp(key, type_keys[i]))
            return i;
    return -1;
}

const char *lo_severity_key(lo_severity s)
{
    static const char *const k[] = {"?", "info", "low", "medium", "high"};
    return (unsigned)s <= LO_SEV_HIGH ? k[s] : "?";
}

const char *lo_event_state_key(lo_event_state s)
{
    static const char *const k[] = {"?", "open", "closed", "ongoing"};
    return (unsigned)s <= LO_EVENT_ONGOING ? k[s] : "?";
}

/* ITU-R M.1371-5 Table 53: the first digit gives the class, 3x the special crafts. */
lo_shipclass lo_shipclass_of(uint8_t t)
{
    if (t == 0 || t > 99)
        return LO_SHIPCLASS_UNKNOWN;
    if (t == 30)
        return LO_SHIPCLASS_FISHING;
    if (t == 31 || t == 32 || t == 52)
        return LO_SHIPCLASS_TUG;
    if (t == 35)
        return LO_SHIPCLASS_MILITARY;
    if (t == 36 || t == 37)
        return LO_SHIPCLASS_PLEASURE;
    if (t >= 40 && t <= 49)
        return LO_SHIPCLASS_HSC;
    if ((t >= 33 && t <= 34) || (t >= 50 && t <= 59))
        return LO_SHIPCLASS_SPECIAL;
    if (t >= 60 && t <= 69)
        return LO_SHIPCLASS_PASSENGER;
    if (t >= 70 && t <= 79)
        return LO_SHIPCLASS_CARGO;
    if (t >= 80 && t <= 89)
        return LO_SHIPCLASS_TANKER;
    return LO_SHIPCLASS_OTHER;
}
const char *lo_shipclass_key(lo_shipclass c) { return (unsigned)c < LO_SHIPCLASS_COUNT ? class_keys[c] : "?"; }

/* ---- evidence trail ---------------------------------------------------------------- */

void det_trail_reset(det_trail *t)
{
    t->n = 0;
    t->stride = 1;
    t->skipped = 0;
    t->total = 0;
}

void det_trail_add(det_trail *t, const det_point *p)
{
    t->total++;
    t->last = *p;
    if (t->n > 0 && ++t->skipped < t->stride)
        return;
    t->skipped = 0;
    if (t->n == DET_TRAIL_N) {
        /* Keep the first and every other one after: the sample stays even. */
        uint32_t k = 1;
        for (uint32_t i = 2; i < DET_TRAIL_N; i += 2)
            t->p[k++] = t->p[i];
        t->n = k;
        t->stride *= 2;
    }
    t->p[t->n++] = *p;
}

/* ---- vessel table -------------------------------------------------------------------- */

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)

static inline uint32_t mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352dU;
    h ^= h >> 15;
    h *= 0x846ca68bU;
    h ^= h >> 16;
    return h;
}

dvessel *det_vessel_at(lo_detector *d, uint32_t index1)
{
    if (!index1)
        return NULL;
    uint32_t i = index1 - 1;
    return &d->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

uint32_t det_vessel_index1(lo_detector *d, const dvessel *v)
{
    (void)d;
    return v->self;
}

dvessel *det_vessel_find(lo_detector *d, uint32_t mmsi)
{
    if (!d->hash_cap) /* MMSI 0 is a vessel too (a transponder never set up) */
        return NULL;
    uint32_t mask = d->hash_cap - 1;
    for (uint32_t h = mix32(mmsi) & mask;; h = (h + 1) & mask) {
        uint32_t idx = d->hash[h];
        if (!idx)
            return NULL;
        dvessel *v = det_vessel_at(d, idx);
        if (v->mmsi == mmsi)
            return v;
    }
}

static void hash_put(uint32_t *hash, uint32_t cap, uint32_t mmsi, uint32_t idx1)
{
    uint32_t mask = cap - 1;
    uint32_t h = mix32(mmsi) & mask;
    while (hash[h])
        h = (h + 1) & mask;
    hash[h] = idx1;
}

static int hash_grow(lo_detector *d)
{
    uint32_t cap = d->hash_cap ? d->hash_cap * 2 : 1024;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return LO_E_NOMEM;
    for (uint32_t i = 0; i < d->hash_cap; i++)
        if (d->hash[i])
            hash_put(h, cap, det_vessel_at(d, d->hash[i])->mmsi, d->hash[i]);
    free(d->hash);
    d->stats.memory_bytes += (uint64_t)(cap - d->hash_cap) * sizeof *h; /* modules add their own */
    d->hash = h;
    d->hash_cap = cap;
    return 0;
}

/* Backward-shift deletion keeps probe runs whole without tombstones. */
static void hash_remove(lo_detector *d, uint32_t mmsi)
{
    uint32_t mask = d->hash_cap - 1;
    uint32_t h = mix32(mmsi) & mask;
    while (d->hash[h] && det_vessel_at(d, d->hash[h])->mmsi != mmsi)
        h = (h + 1) & mask;
    if (!d->hash[h])
        return;
    uint32_t hole = h;
    for (uint32_t j = (h + 1) & mask; d->hash[j]; j = (j + 1) & mask) {
        uint32_t home = mix32(det_vessel_at(d, d->hash[j])->mmsi) & mask;
        /* Move j into the hole when its home is not in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            d->hash[hole] = d->hash[j];
            hole = j;
        }
    }
    d->hash[hole] = 0;
}

static void lru_unlink(lo_detector *d, dvessel *v, uint32_t i1)
{
    if (v->parked)
        return;
    if (v->prev_lru)
        det_vessel_at(d, v->prev_lru)->next_lru = v->next_lru;
    else if (d->lru_head == i1)
        d->lru_head = v->next_lru;
    if (v->next_lru)
        det_vessel_at(d, v->next_lru)->prev_lru = v->prev_lru;
    else if (d->lru_tail == i1)
        d->lru_tail = v->prev_lru;
    v->prev_lru = v->next_lru = 0;
}

static void lru_append(lo_detector *d, dvessel *v, uint32_t i1)
{
    v->prev_lru = d->lru_tail;
    v->next_lru = 0;
    if (d->lru_tail)
        det_vessel_at(d, d->lru_tail)->next_lru = i1;
    else
        d->lru_head = i1;
    d->lru_tail = i1;
    v->parked = false;
}

void det_vessel_park(lo_detector *d, dvessel *v)
{
    if (v->parked)
        return;
    lru_unlink(d, v, det_vessel_index1(d, v));
    v->parked = true;
}

/* A new record for mmsi (not in the table). */
static dvessel *vessel_add(lo_detector *d, uint32_t mmsi, uint32_t *index1)
{
    if ((d->count + 1) * 2 > d->hash_cap && hash_grow(d) < 0)
        return NULL;
    uint32_t i1 = d->free_head;
    dvessel *v;
    if (i1) {
        v = det_vessel_at(d, i1);
        d->free_head = v->next_lru;
    } else {
        if (d->nrecords == d->nchunks * CHUNK) {
            dvessel **c = realloc(d->chunks, (d->nchunks + 1) * sizeof *c);
            if (!c)
                return NULL;
            d->chunks = c;
            if (!(c[d->nchunks] = malloc(CHUNK * sizeof(dvessel))))
                return NULL;
            d->nchunks++;
            d->stats.memory_bytes += CHUNK * sizeof(dvessel);
        }
        i1 = ++d->nrecords;
        v = det_vessel_at(d, i1);
    }
    memset(v, 0, sizeof *v);
    v->mmsi = mmsi;
    v->self = i1;
    v->who.mmsi = mmsi;
    v->who.watch = -1;
    v->who.kind = lo_station_kind_of(mmsi);
    v->who.flag = lo_mid_iso2(lo_mmsi_mid(mmsi));
    hash_put(d->hash, d->hash_cap, mmsi, i1);
    d->count++;
    d->stats.tracked_vessels = d->count;
    lru_append(d, v, i1);
    *index1 = i1;
    return v;
}

static void who_update(lo_event_vessel *w, const lo_vessel *v)
{
    w->imo = v->id.imo;
    memcpy(w->name, v->id.name, sizeof w->name);
    memcpy(w->callsign, v->id.callsign, sizeof w->callsign);
    w->ship_type = v->id.ship_type;
    w->kind = v->kind;
    w->flag = v->flag_iso2;
}

/* Remember that tracker slot `slot` is record index1 (0: forget it). */
static void slot_set(lo_detector *d, uint32_t slot, uint32_t index1)
{
    if (!slot)
        return;
    if (slot >= d->slot_cap) {
        if (!index1)
            return;
        uint32_t cap = d->slot_cap ? d->slot_cap : 4096;
        while (cap <= slot)
            cap *= 2;
        uint32_t *m = realloc(d->by_slot, (size_t)cap * sizeof *m);
        if (!m)
            return; /* the hash finds it anyway */
        memset(m + d->slot_cap, 0, (size_t)(cap - d->slot_cap) * sizeof *m);
        d->stats.memory_bytes += (uint64_t)(cap - d->slot_cap) * sizeof *m;
        d->by_slot = m;
        d->slot_cap = cap;
    }
    d->by_slot[slot] = index1;
}

/* The record of v, created (with all modules' vessel hooks) when new. The
 * tracker's slot finds it without hashing; the MMSI check guards a slot that
 * changed hands without an eviction call. */
static dvessel *vessel_get(lo_detector *d, const lo_vessel *v, uint32_t *index1)
{
    *index1 = 0;
    if (v->slot && v->slot < d->slot_cap && d->by_slot[v->slot]) {
        dvessel *dv = det_vessel_at(d, d->by_slot[v->slot]);
        if (dv->mmsi == v->mmsi)
            return dv;
    }
    dvessel *dv = det_vessel_find(d, v->mmsi);
    if (dv) {
        slot_set(d, v->slot, dv->self);
        return dv;
    }
    dv = vessel_add(d, v->mmsi, index1);
    if (dv) {
        who_update(&dv->who, v);
        slot_set(d, v->slot, *index1);
    }
    return dv;
}

/* ---- look-ups ------------------------------------------------------------------------ */

double det_dist_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
    return lo_geo_fast_distance_m(lo_udeg(lat1), lo_udeg(lon1), lo_udeg(lat2), lo_udeg(lon2));
}

double det_shore_nm(lo_detector *d, int32_t lat, int32_t lon, double max_nm)
{
    if (!d->env.land)
        return INFINITY;
    d->stats.shore_lookups++;
    return lo_land_shore_nm(d->env.land, lo_udeg(lat), lo_udeg(lon), max_nm);
}

bool det_on_land(lo_detector *d, int32_t lat, int32_t lon)
{
    if (!d->env.land)
        return false;
    d->stats.land_lookups++;
    return lo_land_contains(d->env.land, lo_udeg(lat), lo_udeg(lon));
}

double det_port_km(lo_detector *d, int32_t lat, int32_t lon, double max_km, const lo_port **port)
{
    if (port)
        *port = NULL;
    if (!d->env.ports)
        return INFINITY;
    d->stats.port_lookups++;
    double m = INFINITY;
    const lo_port *p = lo_ports_nearest(d->env.ports, lo_udeg(lat), lo_udeg(lon), LO_PORT_ANY, max_km * 1000.0, &m);
    if (!p)
        return INFINITY;
    if (port)
        *port = p;
    return m / 1000.0;
}

/* ---- building events ------------------------------------------------------------------- */

lo_event *det_event_begin(lo_detector *d, lo_event_type type, lo_severity sev, int64_t start_ms,
                          int64_t end_ms, int32_t lat, int32_t lon)
{
    lo_event *e = &d->ev;
    e->id = 0;
    e->type = type;
    e->severity = sev;
    e->state = LO_EVENT_CLOSED;
    e->start_ms = start_ms;
    e->end_ms = end_ms;
    e->lat = lat == LO_UDEG_NONE ? NAN : lo_udeg(lat);
    e->lon = lon == LO_UDEG_NONE ? NAN : lo_udeg(lon);
    e->zone[0] = '\0';
    e->nvessels = e->vessels_total = 0;
    e->params[0] = '\0';
    e->summary[0] = '\0';
    e->nevidence = 0;
    return e;
}

void det_event_vessel(lo_event *e, const dvessel *v)
{
    e->vessels_total++;
    if (e->nvessels < LO_EVENT_MAX_VESSELS)
        e->vessels[e->nvessels++] = v->who;
}

void det_event_evidence(lo_event *e, uint32_t mmsi, const det_point *p, const char *note)
{
    if (e->nevidence >= LO_EVENT_MAX_EVIDENCE)
        return;
    lo_evidence *x = &e->evidence[e->nevidence++];
    x->mmsi = mmsi;
    x->time_ms = p->t;
    x->lat_udeg = p->lat;
    x->lon_udeg = p->lon;
    x->speed = p->speed;
    x->course = p->course;
    x->msg_type = p->type;
    x->station[0] = '\0';
    snprintf(x->note, sizeof x->note, "%s", note ? note : "");
}

void det_event_trail(lo_event *e, uint32_t mmsi, const det_trail *t, const char *note)
{
    for (uint32_t i = 0; i < t->n; i++)
        det_event_evidence(e, mmsi, &t->p[i], i == 0 ? "first" : note);
    if (t->n && t->last.t != t->p[t->n - 1].t)
        det_event_evidence(e, mmsi, &t->last, "last");
}

/* Append ,"key": to the params object; false when it does not fit. */
static bool param_key(lo_event *e, const char *key, size_t room)
{
    size_t n = strlen(e->params);
    if (n + strlen(key) + room + 8 >= sizeof e->params)
        return false;
    snprintf(e->params + n, sizeof e->params - n, "%s\"%s\":", n ? "," : "", key);
    return true;
}

static void param_append(lo_event *e, const char *text)
{
    size_t n = strlen(e->params);
    snprintf(e->params + n, sizeof e->params - n, "%s", text);
}

void det_param_num(lo_event *e, const char *key, double value, int decimals)
{
    char buf[64];
    if (!isfinite(value))
        snprintf(buf, sizeof buf, "null");
    else
        snprintf(buf, sizeof buf, "%.*f", decimals, value);
    if (param_key(e, key, strlen(buf)))
        param_append(e, buf);
}

void det_param_int(lo_event *e, const char *key, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    if (param_key(e, key, strlen(buf)))
        param_append(e, buf);
}

void det_param_bool(lo_event *e, const char *key, bool value)
{
    if (param_key(e, key, 5))
        param_append(e, value ? "true" : "false");
}

void det_param_str(lo_event *e, const char *key, const char *value)
{
    char buf[1024];
    int k = lo_json_string(value ? value : "", buf, sizeof buf);
    if (k >= 0 && param_key(e, key, (size_t)k))
        param_append(e, buf);
}

void det_event_summary(lo_event *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->summary, sizeof e->summary, fmt, ap);
    va_end(ap);
}

/* splitmix64 finaliser: ids spread over 64 bits, the same in every run. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void det_event_emit(lo_detector *d, lo_event *e, lo_event_state state, uint64_t salt)
{
    if (!d->cfg.enable[e->type])
        return;
    e->state = state;
    /* Listed vessels carry their watch-list entry (the watch module marks them),
     * and a listed vessel meeting another or going dark is one severity higher
     * (the zone module raises its own alerts the same way). */
    bool listed = false;
    for (uint32_t i = 0; i < e->nvessels; i++)
        if (e->vessels[i].watch >= 0 && d->env.watch) {
            listed = true;
            if (!e->vessels[i].listed)
                e->vessels[i].listed = lo_watchlist_get(d->env.watch, (uint32_t)e->vessels[i].watch);
        }
    const char *family = lo_event_type_family(e->type);
    if (listed && e->severity < LO_SEV_HIGH && (!strcmp(family, "meeting") || !strcmp(family, "dark")))
        e->severity = (lo_severity)(e->severity + 1);
    uint64_t h = mix64((uint64_t)e->type * 0x100000001b3ULL ^ salt);
    h = mix64(h ^ (e->nvessels ? e->vessels[0].mmsi : 0));
    h = mix64(h ^ (uint64_t)e->start_ms);
    for (const unsigned char *z = (const unsigned char *)e->zone; *z; z++)
        h = (h ^ *z) * 0x100000001b3ULL;
    e->id = mix64(h);
    if (e->nevidence > d->cfg.evidence_max) {
        /* Keep the first and last, and an even spread between. */
        uint32_t n = e->nevidence, k = d->cfg.evidence_max;
        if (k >= 2) {
            for (uint32_t i = 1; i + 1 < k; i++)
                e->evidence[i] = e->evidence[(uint64_t)i * (n - 1) / (k - 1)];
            e->evidence[k - 1] = e->evidence[n - 1];
        }
        e->nevidence = k;
    }
    if (state == LO_EVENT_OPEN)
        d->stats.opened++;
    else
        d->stats.events[e->type]++;
    if (d->cb.on_event)
        d->cb.on_event(d->cb.ctx, e);
}

/* ---- the detector -------------------------------------------------------------------- */

#define FOR_MODULES(X) X(watch) X(identity) X(zone) X(gap) X(loiter) X(enc) X(spoof) X(handover)

lo_detector *lo_detect_create(const lo_detect_config *cfg, const lo_detect_env *env,
                              const lo_detect_callbacks *cb)
{
    lo_detector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (cfg)
        d->cfg = *cfg;
    else
        lo_detect_config_default(&d->cfg);
    if (d->cfg.evidence_max == 0 || d->cfg.evidence_max > LO_EVENT_MAX_EVIDENCE)
        d->cfg.evidence_max = LO_EVENT_MAX_EVIDENCE;
    if (env)
        d->env = *env;
    if (cb)
        d->cb = *cb;
    d->now = LO_TIME_NONE;
    /* A tenth of the gap threshold, at most 10 minutes: an open-gap notice is
     * at most that late. */
    double lazy = d->cfg.gap_min_h * 3.6e6 / 10.0;
    d->lru_lazy_ms = lazy > 600000.0 ? 600000 : lazy < 1.0 ? 1 : (int64_t)lazy;
    if (hash_grow(d) < 0) {
        free(d);
        return NULL;
    }
#define INIT_(m)                                                                                     \
    if (det_##m##_init(d) < 0) {                                                                     \
        lo_detect_destroy(d);                                                                        \
        return NULL;                                                                                 \
    }
    FOR_MODULES(INIT_)
#undef INIT_
    return d;
}

void lo_detect_destroy(lo_detector *d)
{
    if (!d)
        return;
#define FREE_(m) det_##m##_free(d);
    FOR_MODULES(FREE_)
#undef FREE_
    for (uint32_t c = 0; c < d->nchunks; c++)
        free(d->chunks[c]);
    free(d->chunks);
    free(d->hash);
    free(d->by_slot);
    free(d);
}

void lo_detect_prefetch(const lo_detector *d, uint32_t slot)
{
    if (!slot || slot >= d->slot_cap || !d->by_slot[slot])
        return;
    uint32_t i = d->by_slot[slot] - 1;
    const dvessel *v = &d->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
    /* The head of the record and the start of each module's part. */
    const char *base = (const char *)v;
    static const size_t parts[] = {0, 64, offsetof(dvessel, gap), offsetof(dvessel, loiter), offsetof(dvessel, enc),
                                   offsetof(dvessel, zone), offsetof(dvessel, watch), offsetof(dvessel, ident),
                                   offsetof(dvessel, spoof), offsetof(dvessel, spoof) + 64,
                                   offsetof(dvessel, ho)};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        __builtin_prefetch(base + parts[k]);
}

void lo_detect_advance(lo_detector *d, int64_t now)
{
    if (d->now != LO_TIME_NONE && now <= d->now)
        return;
    d->now = now;
#define ADV_(m) det_##m##_advance(d, now);
    FOR_MODULES(ADV_)
#undef ADV_
}

void lo_detect_on_point(void *vd, const lo_vessel *v, const lo_track_point *p)
{
    lo_detector *d = vd;
    d->stats.points++;
    uint32_t i1;
    dvessel *dv = vessel_get(d, v, &i1);
    if (!dv)
        return;
    if (i1) {
#define VES_(m) det_##m##_static(d, dv, v);
        FOR_MODULES(VES_)
#undef VES_
    }
    if (dv->has_prev && p->time_ms < dv->prev.t)
        return; /* older than what the modules saw: motion rules take time order */
#define PT_(m) det_##m##_point(d, dv, v, p);
    FOR_MODULES(PT_)
#undef PT_
    dv->prev = det_point_of(p);
    dv->has_prev = true;
    /* Newest end of the list by last report, at most once per lru_lazy_ms. */
    uint32_t idx = dv->self;
    if (dv->parked) {
        lru_append(d, dv, idx);
        dv->lru_t = p->time_ms;
    } else if (p->time_ms - dv->lru_t >= d->lru_lazy_ms) {
        if (d->lru_tail != idx) {
            lru_unlink(d, dv, idx);
            lru_append(d, dv, idx);
        }
        dv->lru_t = p->time_ms;
    }
    lo_detect_advance(d, p->time_ms);
}

void lo_detect_on_identity(void *vd, const lo_vessel *v, const lo_identity_change *c)
{
    lo_detector *d = vd;
    d->stats.identities++;
    uint32_t i1;
    dvessel *dv = vessel_get(d, v, &i1);
    if (!dv)
        return;
    who_update(&dv->who, v);
#define ID_(m) det_##m##_identity(d, dv, v, c);
    FOR_MODULES(ID_)
#undef ID_
}

void lo_detect_on_vessel(void *vd, const lo_vessel *v)
{
    lo_detector *d = vd;
    d->stats.vessels++;
    uint32_t i1;
    dvessel *dv = vessel_get(d, v, &i1);
    if (!dv)
        return;
    who_update(&dv->who, v);
#define VES_(m) det_##m##_static(d, dv, v);
    FOR_MODULES(VES_)
#undef VES_
}

void lo_detect_on_evict(void *vd, const lo_vessel *v)
{
    lo_detector *d = vd;
    if (v->slot && v->slot < d->slot_cap)
        d->by_slot[v->slot] = 0;
    dvessel *dv = det_vessel_find(d, v->mmsi);
    if (!dv)
        return;
#define EV_(m) det_##m##_evict(d, dv);
    FOR_MODULES(EV_)
#undef EV_
    uint32_t i1 = det_vessel_index1(d, dv);
    lru_unlink(d, dv, i1);
    hash_remove(d, dv->mmsi);
    d->count--;
    d->stats.tracked_vessels = d->count;
    dv->mmsi = 0;
    dv->self = 0; /* free: MMSI 0 is a vessel too, so walkers test self */
    dv->next_lru = d->free_head;
    d->free_head = i1;
}

void lo_detect_tracker_callbacks(lo_detector *d, lo_tracker_callbacks *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->ctx = d;
    cb->on_point = lo_detect_on_point;
    cb->on_identity = lo_detect_on_identity;
    cb->on_vessel = lo_detect_on_vessel;
    cb->on_evict = lo_detect_on_evict;
}

void lo_detect_finish(lo_detector *d)
{
#define FIN_(m) det_##m##_finish(d);
    FOR_MODULES(FIN_)
#undef FIN_
}

const lo_detect_stats *lo_detect_get_stats(const lo_detector *d) { return &d->stats; }
