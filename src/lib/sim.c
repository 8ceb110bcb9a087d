/* sim.c - the scenario simulator's engine: scenario -> vessels with plans and
 * effects -> reports at ITU-R M.1371-5 rates, in time order -> messages
 * (lo_encode_fields) -> NMEA sentences with tag blocks (lo_encode_nmea); and
 * the ground truth of every scripted event.
 *
 * Time order: every vessel has two entries in a 4-ary heap (next position
 * report, next static report), each one 64-bit key of (time since the start,
 * vessel, kind) so that ties always break the same way and a comparison is
 * one instruction. Events change what a vessel sends, never where
 * it is: a dark vessel sends nothing, a spoofed one sends another position,
 * an identity change other static data or another MMSI. Motion is the plan's
 * (sim_motion.c) or, for background vessels, the lane's (sim_traffic.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/encode.h"
#include "lookout/sentence.h"
#include "sim_int.h"
#if defined(__clang__)
/* Same bytes from every compiler: no fused multiply-adds (GCC in ISO C mode
 * makes none; clang would). */
#pragma STDC FP_CONTRACT OFF
#endif
#include "util.h"

/* M.1371-5 Annex 1 Table 1 (class A) and Table 2 ("CS" class B); static data. */
#define RATE_ANCHORED_MS 180000
#define RATE_SLOW_MS 10000
#define RATE_SLOW_TURN_MS 3333
#define RATE_FAST_MS 6000
#define RATE_FAST_TURN_MS 2000
#define RATE_VERY_FAST_MS 2000
#define RATE_B_MS 30000
#define RATE_B_SLOW_MS 180000
#define STATIC_MS 360000
/* Noise of reported speed (kn) and course (deg); GNSS position noise is the
 * scenario's `noise`, correlated over about a minute like real receivers'. */
#define SOG_SIGMA 0.1
#define NOISE_TAU_MS 60000.0

enum { FX_DARK, FX_JUMP, FX_CIRCLE, FX_IDENT };
enum { K_POS, K_STATIC };

typedef struct sim_effect {
    int64_t t0, t1;
    uint32_t vessel, event;
    uint8_t kind;
    uint8_t set;          /* FX_IDENT: ID_* */
    uint8_t shiptype;
    double dlat, dlon;    /* FX_JUMP: added to the true position */
    double clat, clon;    /* FX_CIRCLE: centre */
    double radius_m, omega, phase, speed_kn; /* FX_CIRCLE: omega in rad/ms */
    uint32_t mmsi, imo;
    char name[21], callsign[8];
    const sim_wp *track;  /* FX_JUMP along a fake track instead of a shift */
    uint32_t ntrack;
    double track_m;       /* its length */
} sim_effect;

typedef struct sim_vessel {
    sim_leg cur, nxt;
    sim_bg bg;
    uint64_t rng;
    int64_t noise_t;
    float noise_e, noise_n;
    float hdg_bias;
    uint32_t plan_i;           /* next plan leg to load (scripted) */
    uint32_t fx0, nfx, fx_id;  /* its effects, and the next identity change not yet applied */
    uint32_t mmsi, imo;        /* what it sends now */
    char name[21], callsign[8], dest[21];
    uint8_t shiptype;
    uint8_t slot_timeout;
    bool scripted, accuracy, has_rot, part_b_next;
    char chan, cls;
    int64_t eta;               /* scripted: arrival at the last waypoint (0: none) */
    int64_t last_part_a;       /* class B: when the last type 24 part A was due */
} sim_vessel;

/* Heap keys: time since the start in ms (36 bits: 795 days), vessel (26 bits),
 * kind (1 bit). Times at or past the end are all "the end". */
typedef uint64_t heap_key;
#define KEY_TIME_BITS 36
#define KEY_VESSEL_BITS 26
#define KEY_TIME_MAX (((int64_t)1 << KEY_TIME_BITS) - 1)
_Static_assert(LO_SIM_MAX_VESSELS <= (1u << KEY_VESSEL_BITS), "vessel index must fit a heap key");

/* Computed truth of an event, beyond lo_sim_event. */
typedef struct sim_truth {
    double lat2, lon2;     /* dark: where it reappears; zone: exit; jump: position sent; swap: second vessel */
    double offset_m;       /* jump */
    double implied_kn;     /* jump */
    int64_t interval_ms;   /* jump: report interval then */
    sim_ident *ids;        /* each vessel's identity when the event starts */
} sim_truth;

struct lo_sim {
    sim_scenario sc;
    lo_sim_info info;
    lo_sim_stats stats;
    uint64_t max_messages;
    sim_vessel *v;
    lo_sim_vessel *pub;
    char (*gen_labels)[LO_SIM_MAX_LABEL];
    sim_plan *plans;
    uint32_t nv, nscripted;
    sim_effect *fx;
    uint32_t nfx;
    lo_sim_event *ev;
    sim_truth *truth;
    char (*ev_ids)[LO_SIM_MAX_LABEL];
    heap_key *heap;
    uint32_t nheap;
    uint32_t *mset; /* MMSIs taken (open addressing), while creating */
    uint32_t mcap;
    uint8_t seq;
    uint32_t group;
    bool done;
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    char nmea[LO_MAX_NMEA_OUT];
};

/* ---- MMSIs taken ------------------------------------------------------------------ */

static uint32_t mhash(uint32_t m, uint32_t cap) { return (uint32_t)((m * 2654435761u) & (cap - 1)); }

static bool mmsi_used(void *ctx, uint32_t mmsi)
{
    const lo_sim *s = ctx;
    for (uint32_t i = mhash(mmsi, s->mcap);; i = (i + 1) & (s->mcap - 1)) {
        if (s->mset[i] == mmsi)
            return true;
        if (s->mset[i] == 0)
            return false;
    }
}

static void mmsi_add(lo_sim *s, uint32_t mmsi)
{
    uint32_t i = mhash(mmsi, s->mcap);
    while (s->mset[i] && s->mset[i] != mmsi)
        i = (i + 1) & (s->mcap - 1);
    s->mset[i] = mmsi;
}

/* ---- heap ------------------------------------------------------------------------------ */

static heap_key make_key(const lo_sim *s, int64_t t, uint32_t v, unsigned kind)
{
    int64_t rel = t - s->info.start_ms;
    if (rel < 0)
        rel = 0;
    if (rel > KEY_TIME_MAX)
        rel = KEY_TIME_MAX;
    return (uint64_t)rel << (KEY_VESSEL_BITS + 1) | (uint64_t)v << 1 | kind;
}

static int64_t key_time(const lo_sim *s, heap_key k) { return s->info.start_ms + (int64_t)(k >> (KEY_VESSEL_BITS + 1)); }
static uint32_t key_vessel(heap_key k) { return (uint32_t)(k >> 1) & ((1u << KEY_VESSEL_BITS) - 1); }

/* 4-ary: half the levels of a binary heap, and a node's children share a cache line. */
static void heap_down(heap_key *h, uint32_t n, uint32_t i)
{
    heap_key e = h[i];
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        uint32_t best = c, last = c + 4 < n ? c + 4 : n;
        for (uint32_t k = c + 1; k < last; k++)
            if (h[k] < h[best])
                best = k;
        if (h[best] >= e)
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = e;
}

/* ---- errors ----------------------------------------------------------------------------- */

static int fail_at(strbuf *err, const lo_sim *s, unsigned line, const char *m1, const char *q, const char *m2)
{
    err->len = 0;
    err->overflow = false;
    sb_puts(err, s->sc.file);
    sb_putc(err, ':');
    sb_u64(err, line);
    sb_puts(err, ": ");
    sb_puts(err, m1);
    if (q) {
        sb_puts(err, " '");
        sb_puts(err, q);
        sb_putc(err, '\'');
    }
    sb_puts(err, m2);
    return LO_E_INVAL;
}

/* ---- motion of one vessel ------------------------------------------------------------------ */

static void load_leg(lo_sim *s, sim_vessel *v, uint32_t i, sim_leg *out)
{
    if (v->scripted) {
        const sim_plan *p = &s->plans[i];
        uint32_t k = v->plan_i < p->n ? v->plan_i : p->n - 1;
        *out = p->legs[k];
        if (v->plan_i < p->n)
            v->plan_i++;
        else
            out->t0 = v->nxt.t1, out->t1 = SIM_TIME_FAR; /* the last leg goes on */
    } else {
        sim_bg_next(&v->bg, &v->rng, s->sc.traffic_in_box ? s->sc.traffic_box : NULL, out);
    }
}

static void advance(lo_sim *s, sim_vessel *v, uint32_t i, int64_t t)
{
    while (t >= v->cur.t1) {
        v->cur = v->nxt;
        load_leg(s, v, i, &v->nxt);
        if (!v->scripted)
            sim_leg_link(&v->cur, &v->nxt);
    }
}

/* Fast normal deviate: the sum of four uniforms, scaled (Irwin-Hall). */
static double noise1(uint64_t *rng)
{
    uint64_t r = sim_rand(rng);
    double sum = (double)(r & 0xFFFF) + (double)((r >> 16) & 0xFFFF) + (double)((r >> 32) & 0xFFFF) +
                 (double)(r >> 48);
    return (sum / 65536.0 - 2.0) * 1.7320508075688772;
}

static int64_t pos_interval(char cls, const sim_state *st)
{
    double v = st->sog_kn;
    if (cls == 'B')
        return v > 2.0 ? RATE_B_MS : RATE_B_SLOW_MS;
    if ((st->status == 1 || st->status == 5) && v <= 3.0)
        return RATE_ANCHORED_MS;
    if (v > 23.0)
        return RATE_VERY_FAST_MS;
    if (v > 14.0)
        return st->turning ? RATE_FAST_TURN_MS : RATE_FAST_MS;
    return st->turning ? RATE_SLOW_TURN_MS : RATE_SLOW_MS;
}

/* ---- effects -------------------------------------------------------------------------------- */

static const sim_effect *active(const lo_sim *s, const sim_vessel *v, int64_t t, uint8_t kind)
{
    for (uint32_t k = 0; k < v->nfx; k++) {
        const sim_effect *f = &s->fx[v->fx0 + k];
        if (f->t0 > t)
            break;
        if (f->kind == kind && t < f->t1)
            return f;
    }
    return NULL;
}

/* Identity changes whose time has come; true when one was applied. */
static bool apply_identity(lo_sim *s, sim_vessel *v, int64_t t)
{
    bool changed = false;
    while (v->fx_id < v->nfx) {
        const sim_effect *f = &s->fx[v->fx0 + v->fx_id];
        if (f->t0 > t)
            break;
        v->fx_id++;
        if (f->kind != FX_IDENT)
            continue;
        if (f->set & ID_NAME)
            memcpy(v->name, f->name, sizeof v->name);
        if (f->set & ID_CALLSIGN)
            memcpy(v->callsign, f->callsign, sizeof v->callsign);
        if (f->set & ID_IMO)
            v->imo = f->imo;
        if (f->set & ID_MMSI)
            v->mmsi = f->mmsi;
        if (f->set & ID_TYPE)
            v->shiptype = f->shiptype;
        changed = true;
    }
    return changed;
}

/* The next identity change after t, or SIM_TIME_FAR. */
static int64_t next_identity(const lo_sim *s, const sim_vessel *v)
{
    for (uint32_t k = v->fx_id; k < v->nfx; k++)
        if (s->fx[v->fx0 + k].kind == FX_IDENT)
            return s->fx[v->fx0 + k].t0;
    return SIM_TIME_FAR;
}

/* ---- encoding ------------------------------------------------------------------------------ */

#define FV(n, val) ((lo_field_value){.name = n, .value = (val)})
#define FT(n, txt) ((lo_field_value){.name = n, .text = (txt)})

static int64_t raw_pos(double deg) { return (int64_t)llround(deg * 600000.0); }

static int emit(lo_sim *s, sim_vessel *v, int64_t t, unsigned type, const lo_field_value *fv, size_t n,
                lo_sim_msg *m)
{
    uint32_t nbits;
    int rc = lo_encode_fields(type, fv, n, s->bits, &nbits, NULL, 0);
    if (rc)
        return rc;
    lo_nmea_opts o = {.channel = v->chan, .tag_block = true, .time_ms = t, .station = s->sc.station};
    if (lo_nmea_sentences(nbits, 0) > 1) {
        o.seq_id = s->seq;
        s->seq = (uint8_t)((s->seq + 1) % 10);
        o.group_id = ++s->group;
    }
    int len = lo_encode_nmea(s->bits, nbits, &o, s->nmea, sizeof s->nmea);
    if (len < 0)
        return len;
    m->time_ms = t;
    m->mmsi = v->mmsi;
    m->type = (uint8_t)type;
    m->channel = v->chan;
    m->bits = s->bits;
    m->nbits = nbits;
    m->nmea = s->nmea;
    m->nmea_len = (size_t)len;
    v->chan = v->chan == 'A' ? 'B' : 'A';
    s->stats.messages++;
    s->stats.by_type[type]++;
    s->stats.sentences += lo_nmea_sentences(nbits, 0);
    s->stats.bytes += (uint64_t)len;
    return 0;
}

/* SOTDMA communication state (M.1371-5 3.3.7.2.3): sync state, slot time-out
 * counting down each frame, and its sub message. */
static int64_t sotdma(sim_vessel *v, int64_t t, int64_t interval_ms)
{
    unsigned to = v->slot_timeout = (uint8_t)((v->slot_timeout + 7) % 8);
    int64_t sub;
    int64_t sec = t / 1000;
    switch (to) {
    case 3:
    case 5:
    case 7:
        sub = 20 + (int64_t)(sim_rand(&v->rng) % 60); /* stations received */
        break;
    case 2:
    case 4:
    case 6:
        sub = (t % 60000) * 2250 / 60000; /* slot number */
        break;
    case 1:
        sub = ((sec / 3600) % 24) << 9 | ((sec / 60) % 60) << 2; /* UTC hour and minute */
        break;
    default:
        sub = interval_ms * 2250 / 60000; /* slot offset to the next report */
        break;
    }
    return (int64_t)to << 14 | (sub & 0x3FFF);
}

/* A fake track: the positions sent go along it at an even speed over the effect's time. */
static void along_track(const sim_effect *f, int64_t t, double *lat, double *lon, double *sog, double *cog)
{
    double dur_s = (double)(f->t1 - f->t0) / 1000.0;
    double want = f->track_m * (double)(t - f->t0) / (double)(f->t1 - f->t0);
    *sog = f->track_m / dur_s / SIM_KN;
    for (uint32_t k = 0; k + 1 < f->ntrack; k++) {
        const sim_wp *a = &f->track[k], *b = &f->track[k + 1];
        double d = sim_distance_m(a->lat, a->lon, b->lat, b->lon);
        if (want <= d || k + 2 == f->ntrack) {
            double c = sim_bearing(a->lat, a->lon, b->lat, b->lon);
            sim_destination(a->lat, a->lon, c, want < d ? want : d, lat, lon);
            *cog = c;
            return;
        }
        want -= d;
    }
}

static int position_report(lo_sim *s, sim_vessel *v, int64_t t, const sim_state *st, int64_t interval,
                           lo_sim_msg *m)
{
    /* GNSS noise: AR(1) in metres, correlated over about a minute. */
    double sigma = s->sc.noise_m;
    double lat = st->lat, lon = st->lon;
    if (sigma > 0) {
        double dt = (double)(t - v->noise_t);
        double rho = dt > 0 ? exp(-dt / NOISE_TAU_MS) : 1.0, k = sqrt(1.0 - rho * rho);
        v->noise_e = (float)(rho * v->noise_e + k * sigma * noise1(&v->rng));
        v->noise_n = (float)(rho * v->noise_n + k * sigma * noise1(&v->rng));
        v->noise_t = t;
        sim_offset(lat, lon, v->noise_e, v->noise_n, &lat, &lon);
    }
    double sog = st->sog_kn, cog = st->cog_deg, hdg = st->heading + v->hdg_bias;
    bool spoofed = false;
    const sim_effect *f;
    if ((f = active(s, v, t, FX_CIRCLE))) {
        double a = f->phase + f->omega * (double)(t - f->t0);
        double e = f->radius_m * sin(a), n = f->radius_m * cos(a);
        sim_offset(f->clat, f->clon, e + v->noise_e * 3, n + v->noise_n * 3, &lat, &lon);
        sog = f->radius_m > 0 ? f->speed_kn : 0;
        cog = sim_wrap360(a / SIM_DEG + (f->omega >= 0 ? 90.0 : -90.0));
        spoofed = true;
    } else if ((f = active(s, v, t, FX_JUMP)) && f->track) {
        along_track(f, t, &lat, &lon, &sog, &cog);
        spoofed = true;
    } else if (f) {
        lat += f->dlat;
        lon = sim_wrap180(lon + f->dlon);
        if (lat > 90)
            lat = 180 - lat;
        if (lat < -90)
            lat = -180 - lat;
        spoofed = true;
    }
    if (sog > 0.3)
        sog += SOG_SIGMA * noise1(&v->rng);
    if (sog < 0)
        sog = 0;
    cog = sim_wrap360(cog + (1.0 + 10.0 / (1.0 + 5.0 * sog)) * noise1(&v->rng));
    hdg = sim_wrap360(hdg + 0.5 * noise1(&v->rng));
    int64_t speed = (int64_t)llround(sog * 10);
    if (speed > 1022)
        speed = 1022;
    int64_t course = (int64_t)llround(cog * 10) % 3600;
    int64_t heading = (int64_t)llround(hdg) % 360;
    int64_t second = (t / 1000) % 60;
    m->lat = lat;
    m->lon = lon;
    m->spoofed = spoofed;
    m->status = st->status;
    if (v->cls == 'B') {
        /* A "CS" unit: no heading sensor, ITDMA carrier-sense state (M.1371-5 3.3.7.3.2). */
        /* Every field, in layout order: the encoder then finds each with one comparison. */
        lo_field_value fv[] = {
            FV("type", 18),        FV("repeat", 0),      FV("mmsi", v->mmsi),      FV("reserved", 0),
            FV("speed", speed),    FV("accuracy", v->accuracy), FV("lon", raw_pos(lon)), FV("lat", raw_pos(lat)),
            FV("course", course),  FV("heading", 511),   FV("second", second),     FV("regional", 0),
            FV("cs", 1),           FV("display", 0),     FV("dsc", 1),             FV("band", 1),
            FV("msg22", 1),        FV("assigned", 0),    FV("raim", 0),            FV("radio", 917510),
        };
        return emit(s, v, t, 18, fv, sizeof fv / sizeof fv[0], m);
    }
    int64_t turn = -128; /* no rate-of-turn sensor */
    if (v->has_rot) {
        double r = 4.733 * sqrt(fabs(st->rot));
        turn = (int64_t)llround(st->rot < 0 ? -r : r);
        if (turn > 126)
            turn = 126;
        if (turn < -126)
            turn = -126;
    }
    /* Turning, a class A station reports more often on ITDMA: type 3. */
    unsigned type = st->turning ? 3 : 1;
    int64_t radio = type == 3 ? (interval * 2250 / 60000) << 4 : sotdma(v, t, interval);
    lo_field_value fv[] = {
        FV("type", type),       FV("repeat", 0),          FV("mmsi", v->mmsi),      FV("status", st->status),
        FV("turn", turn),       FV("speed", speed),       FV("accuracy", v->accuracy), FV("lon", raw_pos(lon)),
        FV("lat", raw_pos(lat)), FV("course", course),    FV("heading", heading),   FV("second", second),
        FV("maneuver", 0),      FV("raim", 0),            FV("radio", radio),
    };
    return emit(s, v, t, type, fv, sizeof fv / sizeof fv[0], m);
}

/* ETA as type 5 packs it (month, day, hour, minute); "not available" when 0. */
static int64_t eta_bits(int64_t eta_ms)
{
    if (eta_ms <= 0)
        return (int64_t)24 << 6 | 60;
    int y, mo, d, h, mi, sec, ms;
    lo_ms_to_utc(eta_ms, &y, &mo, &d, &h, &mi, &sec, &ms);
    return (int64_t)mo << 16 | (int64_t)d << 11 | (int64_t)h << 6 | mi;
}

static int static_report(lo_sim *s, sim_vessel *v, int64_t t, const sim_state *st, lo_sim_msg *m)
{
    if (v->cls == 'B') {
        if (!v->part_b_next) {
            lo_field_value fv[] = {FV("mmsi", v->mmsi), FV("part", 0), FT("shipname", v->name)};
            m->part = 0;
            return emit(s, v, t, 24, fv, sizeof fv / sizeof fv[0], m);
        }
        const lo_sim_vessel *p = &s->pub[v - s->v];
        lo_field_value fv[] = {
            FV("mmsi", v->mmsi),        FV("part", 1),  FV("shiptype", v->shiptype), FT("vendorid", "SRT"),
            FT("callsign", v->callsign), FV("to_bow", p->to_bow), FV("to_stern", p->to_stern),
            FV("to_port", p->to_port),  FV("to_starboard", p->to_starboard),
        };
        m->part = 1;
        return emit(s, v, t, 24, fv, sizeof fv / sizeof fv[0], m);
    }
    const lo_sim_vessel *p = &s->pub[v - s->v];
    int64_t eta = v->eta;
    const char *dest = v->dest;
    if (!v->scripted) {
        eta = sim_bg_eta(&v->bg, st->lat, st->lon, t);
        const char *d = sim_bg_destination(&v->bg);
        if (d)
            dest = d;
    }
    lo_field_value fv[] = {
        FV("type", 5), FV("repeat", 0),
        FV("mmsi", v->mmsi), FV("ais_version", 0), FV("imo", v->imo), FT("callsign", v->callsign),
        FT("shipname", v->name), FV("shiptype", v->shiptype), FV("to_bow", p->to_bow),
        FV("to_stern", p->to_stern), FV("to_port", p->to_port), FV("to_starboard", p->to_starboard),
        FV("epfd", 1), FV("eta", eta_bits(eta)), FV("draught", p->draught), FT("destination", dest),
        FV("dte", 0),
    };
    return emit(s, v, t, 5, fv, sizeof fv / sizeof fv[0], m);
}

/* When the next static report is due after one sent (or due) at t. */
static int64_t next_static_time(const lo_sim *s, sim_vessel *v, int64_t t)
{
    int64_t next;
    if (v->cls == 'B' && v->part_b_next) {
        v->last_part_a = t;
        next = t + 1000 + (int64_t)(sim_rand(&v->rng) % 9000); /* part B within a minute of A */
    } else {
        next = (v->cls == 'B' ? v->last_part_a : t) + STATIC_MS;
    }
    int64_t change = next_identity(s, v);
    if (change > t && change < next) {
        next = change; /* a changed identity is sent when it changes */
        v->part_b_next = false;
    }
    return next;
}

int lo_sim_next(lo_sim *s, lo_sim_msg *m)
{
    if (!s || !m)
        return LO_E_INVAL;
    for (;;) {
        if (s->done || s->nheap == 0)
            return 0;
        if (s->max_messages && s->stats.messages >= s->max_messages) {
            s->done = true;
            return 0;
        }
        heap_key key = s->heap[0];
        struct {
            int64_t t;
            uint32_t v, kind;
        } e = {key_time(s, key), key_vessel(key), (uint32_t)(key & 1)};
        if (e.t >= s->info.end_ms) {
            s->done = true;
            return 0;
        }
        sim_vessel *v = &s->v[e.v];
        advance(s, v, e.v, e.t);
        sim_state st;
        sim_leg_eval(&v->cur, e.t, &st);
        apply_identity(s, v, e.t);
        memset(m, 0, sizeof *m);
        int rc = 0;
        bool sent = false;
        const sim_effect *dark = active(s, v, e.t, FX_DARK);
        bool lost = !dark && s->sc.loss > 0 && sim_unif(&v->rng) < s->sc.loss;
        if (e.kind == K_POS) {
            sim_state rep = st;
            const sim_effect *fake = active(s, v, e.t, FX_JUMP);
            if (fake && fake->track) {
                /* A fake track moves: it is sent at a moving ship's rate and status. */
                rep.sog_kn = fake->track_m / ((double)(fake->t1 - fake->t0) / 1000.0) / SIM_KN;
                rep.status = 0;
                rep.turning = false;
            }
            int64_t interval = pos_interval(v->cls, &rep);
            int64_t next = e.t + interval;
            if (dark)
                next = dark->t1 + (int64_t)(sim_rand(&v->rng) % 1000); /* back on when it ends */
            else if (!lost && !(rc = position_report(s, v, e.t, &rep, interval, m)))
                sent = true;
            s->heap[0] = make_key(s, next, e.v, K_POS);
        } else {
            if (dark) {
                s->heap[0] = make_key(s, dark->t1 + 5000 + (int64_t)(sim_rand(&v->rng) % 55000), e.v, K_STATIC);
                v->part_b_next = false;
            } else {
                if (!lost && !(rc = static_report(s, v, e.t, &st, m)))
                    sent = true;
                if (v->cls == 'B')
                    v->part_b_next = !v->part_b_next;
                s->heap[0] = make_key(s, next_static_time(s, v, e.t), e.v, K_STATIC);
            }
        }
        if (dark)
            s->stats.suppressed++;
        if (lost)
            s->stats.lost++;
        heap_down(s->heap, s->nheap, 0);
        /* The vessel due next is touched first thing on the next call: fetch
         * its record now (50,000 vessels are 20 MB, beyond the L2 cache). */
        const char *nextv = (const char *)&s->v[key_vessel(s->heap[0])];
        for (size_t off = 0; off < sizeof *v; off += 64)
            __builtin_prefetch(nextv + off);
        if (rc)
            return rc;
        if (sent) {
            m->vessel = e.v;
            m->true_lat = st.lat;
            m->true_lon = st.lon;
            m->speed_kn = st.sog_kn;
            m->course = st.cog_deg;
            if (m->type == 5 || m->type == 24) {
                m->lat = st.lat;
                m->lon = st.lon;
            }
            return 1;
        }
    }
}

int lo_sim_run(lo_sim *s, int (*fn)(void *ctx, const lo_sim_msg *m), void *ctx)
{
    if (!s || !fn)
        return LO_E_INVAL;
    lo_sim_msg m;
    int rc;
    while ((rc = lo_sim_next(s, &m)) == 1) {
        int r = fn(ctx, &m);
        if (r)
            return r;
    }
    return rc;
}

/* ---- setting up --------------------------------------------------------------------------- */

typedef struct vstop {
    uint32_t vessel;
    sim_stop stop;
} vstop;

static int vstop_cmp(const void *a, const void *b)
{
    const vstop *x = a, *y = b;
    if (x->vessel != y->vessel)
        return x->vessel < y->vessel ? -1 : 1;
    return x->stop.t < y->stop.t ? -1 : x->stop.t > y->stop.t ? 1 : 0;
}

static int fx_cmp(const void *a, const void *b)
{
    const sim_effect *x = a, *y = b;
    if (x->vessel != y->vessel)
        return x->vessel < y->vessel ? -1 : 1;
    if (x->t0 != y->t0)
        return x->t0 < y->t0 ? -1 : 1;
    return x->event < y->event ? -1 : x->event > y->event ? 1 : 0;
}

static void state_at(const lo_sim *s, uint32_t vi, int64_t t, sim_state *st) { sim_plan_eval(&s->plans[vi], t, st); }

static bool in_box(const double *box, double lat, double lon)
{
    return lat >= box[0] && lat <= box[2] && lon >= box[1] && lon <= box[3];
}

static bool inside_at(const lo_sim *s, uint32_t vi, const double *box, int64_t t)
{
    sim_state st;
    state_at(s, vi, t, &st);
    return in_box(box, st.lat, st.lon);
}

/* The edge between a and b (inside_at differs) to 10 ms. */
static int64_t edge(const lo_sim *s, uint32_t vi, const double *box, int64_t a, int64_t b)
{
    bool ina = inside_at(s, vi, box, a);
    while (b - a > 10) {
        int64_t mid = a + (b - a) / 2;
        if (inside_at(s, vi, box, mid) == ina)
            a = mid;
        else
            b = mid;
    }
    return b;
}

/* Entry and exit of a zone: the stay that contains the event's start, else the first. */
static int zone_truth(lo_sim *s, const sim_edef *e, lo_sim_event *ev, sim_truth *tr, strbuf *err)
{
    uint32_t vi = e->vessels[0];
    const double *box = s->sc.z[e->zone].box;
    int64_t t0 = s->info.start_ms, t1 = s->info.end_ms;
    int64_t step = t1 - t0 > 7 * 86400000LL ? 30000 : 10000;
    int64_t enter = INT64_MIN;
    bool was = inside_at(s, vi, box, t0);
    if (was)
        enter = t0;
    for (int64_t t = t0 + step;; t += step) {
        if (t > t1)
            t = t1;
        bool in = inside_at(s, vi, box, t);
        if (in && !was)
            enter = edge(s, vi, box, t - step, t);
        if ((!in && was) || (in && t == t1)) {
            int64_t leave = in ? t1 : edge(s, vi, box, t - step, t);
            if (!e->has_start || (enter <= e->start_ms && e->start_ms <= leave)) {
                ev->start_ms = enter;
                ev->end_ms = leave;
                sim_state st;
                state_at(s, vi, enter, &st);
                ev->lat = st.lat, ev->lon = st.lon;
                state_at(s, vi, leave, &st);
                tr->lat2 = st.lat, tr->lon2 = st.lon;
                return 0;
            }
        }
        was = in;
        if (t == t1)
            break;
    }
    return fail_at(err, s, e->line, "vessel", s->sc.v[vi].label,
                   e->has_start ? " is not in the zone at the event's start" : " never enters the zone in the scenario's time");
}

/* Vessels a circle event makes: merchant ships at anchor or under way in its box. */
static int generate_vessels(lo_sim *s, strbuf *err)
{
    sim_scenario *sc = &s->sc;
    uint64_t extra = 0;
    for (uint32_t i = 0; i < sc->ne; i++)
        extra += sc->e[i].count;
    if (!extra)
        return 0;
    if (sc->nv + extra > LO_SIM_MAX_SCRIPTED)
        return fail_at(err, s, sc->e[0].line, "more than 10000 scenario vessels", NULL, "");
    sim_vdef *nv = realloc(sc->v, (sc->nv + extra) * sizeof *nv);
    if (!nv)
        return LO_E_NOMEM;
    sc->v = nv;
    sc->capv = (uint32_t)(sc->nv + extra);
    for (uint32_t i = 0; i < sc->ne; i++) {
        sim_edef *e = &sc->e[i];
        uint64_t rng = sim_stream(sc->seed, 0x400000000ull + i);
        for (uint32_t k = 0; k < e->count; k++) {
            sim_vdef *v = &sc->v[sc->nv];
            memset(v, 0, sizeof *v);
            strbuf lb = {.p = v->label, .cap = LO_SIM_MAX_LABEL - 1};
            sb_putn(&lb, s->ev_ids[i], strnlen(s->ev_ids[i], 20));
            sb_putc(&lb, '-');
            sb_u64(&lb, k + 1);
            v->label[lb.len] = '\0';
            v->line = e->line;
            v->generated = true;
            v->has_mmsi = true;
            sim_random_ident(&v->id, &rng, sim_unif(&rng) < 0.6 ? 70 : 80, mmsi_used, s);
            mmsi_add(s, v->id.mmsi);
            if (v->id.imo)
                mmsi_add(s, v->id.imo);
            if (sim_unif(&rng) < 0.5) {
                v->behaviour = BEH_ANCHOR;
                v->at_lat = sim_range(&rng, e->box[0], e->box[2]);
                v->at_lon = sim_range(&rng, e->box[1], e->box[3]);
            } else {
                v->behaviour = BEH_AREA;
                memcpy(v->box, e->box, sizeof v->box);
                v->speed_kn = sim_range(&rng, 6, 12);
            }
            if (e->nvessels == e->capvessels) {
                uint32_t cap = e->capvessels ? e->capvessels * 2 : 8;
                uint32_t *a = realloc(e->vessels, cap * sizeof *a);
                if (!a)
                    return LO_E_NOMEM;
                e->vessels = a;
                e->capvessels = cap;
            }
            e->vessels[e->nvessels++] = sc->nv++;
        }
    }
    return 0;
}

static int add_stop(vstop **arr, uint32_t *n, uint32_t *cap, uint32_t vessel, const sim_stop *st)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 16;
        vstop *a = realloc(*arr, c * sizeof *a);
        if (!a)
            return LO_E_NOMEM;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = (vstop){vessel, *st};
    return 0;
}

/* The stops events put into plans: where a vessel must be, and how it holds. */
static int collect_stops(lo_sim *s, vstop **out, uint32_t *nout)
{
    sim_scenario *sc = &s->sc;
    uint32_t n = 0, cap = 0;
    vstop *arr = NULL;
    int rc = 0;
    for (uint32_t i = 0; i < sc->ne && !rc; i++) {
        const sim_edef *e = &sc->e[i];
        uint64_t rng = sim_stream(sc->seed, 0x300000000ull + i);
        sim_stop st = {.t = e->start_ms, .hold_ms = e->dur_ms, .lat = e->lat, .lon = e->lon, .line = e->line,
                       .phase_seed = sim_rand(&rng), .status = 0};
        if (e->type == LO_SIM_STS) {
            /* Alongside: the second vessel abeam of the first, both drifting as one. */
            st.what = "sts";
            st.radius_m = 150;
            st.speed_kn = e->speed_kn;
            st.heading = sim_range(&rng, 0, 360);
            rc = add_stop(&arr, &n, &cap, e->vessels[0], &st);
            double b = (st.heading + 90.0) * SIM_DEG;
            st.off_e = e->distance_m * sin(b);
            st.off_n = e->distance_m * cos(b);
            if (!rc)
                rc = add_stop(&arr, &n, &cap, e->vessels[1], &st);
        } else if (e->type == LO_SIM_LOITER) {
            st.what = "loiter";
            st.radius_m = e->radius_m;
            st.speed_kn = e->speed_kn;
            st.heading = sim_range(&rng, 0, 360);
            rc = add_stop(&arr, &n, &cap, e->vessels[0], &st);
        } else if (e->type == LO_SIM_ZONE && e->has_start) {
            const double *box = sc->z[e->zone].box;
            st.what = "zone";
            if (!e->has_through) {
                st.lat = (box[0] + box[2]) / 2;
                st.lon = (box[1] + box[3]) / 2;
            }
            st.hold_ms = e->dwell_ms;
            double size = sim_distance_m(box[0], box[1], box[2], box[3]);
            st.radius_m = size / 8 < 500 ? size / 8 : 500;
            st.speed_kn = e->speed_kn;
            st.heading = sim_range(&rng, 0, 360);
            rc = add_stop(&arr, &n, &cap, e->vessels[0], &st);
        }
    }
    if (rc) {
        free(arr);
        return rc;
    }
    if (n)
        qsort(arr, n, sizeof *arr, vstop_cmp);
    *out = arr;
    *nout = n;
    return 0;
}

static int add_fx(lo_sim *s, uint32_t *cap, const sim_effect *f)
{
    if (s->nfx == *cap) {
        uint32_t c = *cap ? *cap * 2 : 16;
        sim_effect *a = realloc(s->fx, c * sizeof *a);
        if (!a)
            return LO_E_NOMEM;
        s->fx = a;
        *cap = c;
    }
    s->fx[s->nfx++] = *f;
    return 0;
}

static void ident_of(const sim_vessel *v, const lo_sim_vessel *p, sim_ident *id)
{
    memset(id, 0, sizeof *id);
    id->mmsi = v->mmsi;
    id->imo = v->imo;
    memcpy(id->name, v->name, sizeof id->name);
    memcpy(id->callsign, v->callsign, sizeof id->callsign);
    memcpy(id->dest, v->dest, sizeof id->dest);
    id->shiptype = v->shiptype;
    id->cls = p->cls;
}

/* The position vessel vi sent just before t: a jump already running, or where it was. */
static void sent_before(const lo_sim *s, uint32_t vi, int64_t t, const sim_state *st, double *lat, double *lon)
{
    *lat = st->lat;
    *lon = st->lon;
    for (uint32_t k = 0; k < s->nfx; k++) {
        const sim_effect *f = &s->fx[k];
        if (f->vessel != vi || f->kind != FX_JUMP || f->t0 >= t || t - 1 >= f->t1 + 1)
            continue;
        if (f->track) {
            double sog, cog;
            along_track(f, f->t1, lat, lon, &sog, &cog);
        } else {
            *lat = st->lat + f->dlat;
            *lon = sim_wrap180(st->lon + f->dlon);
        }
    }
}

static int event_order_cmp(const void *a, const void *b, const lo_sim *s)
{
    const sim_edef *x = &s->sc.e[*(const uint32_t *)a], *y = &s->sc.e[*(const uint32_t *)b];
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line ? 1 : 0;
}

/* Effects (what events do to transmissions) and the truth of every event.
 * Identity changes are replayed in time order so that each knows the identity
 * it replaces. */
static int effects_and_truth(lo_sim *s, strbuf *err)
{
    sim_scenario *sc = &s->sc;
    uint32_t ne = sc->ne, cap = 0;
    s->ev = calloc(ne ? ne : 1, sizeof *s->ev);
    s->truth = calloc(ne ? ne : 1, sizeof *s->truth);
    uint32_t *order = calloc(ne ? ne : 1, sizeof *order);
    sim_ident *cur = calloc(s->nscripted ? s->nscripted : 1, sizeof *cur);
    int rc = 0;
    if (!s->ev || !s->truth || !order || !cur) {
        rc = LO_E_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < s->nscripted; i++)
        ident_of(&s->v[i], &s->pub[i], &cur[i]);
    for (uint32_t i = 0; i < ne; i++)
        order[i] = i;
    for (uint32_t i = 1; i < ne; i++) /* insertion sort: stable, and ne is small */
        for (uint32_t j = i; j > 0 && event_order_cmp(&order[j], &order[j - 1], s) < 0; j--) {
            uint32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (uint32_t oi = 0; oi < ne && !rc; oi++) {
        uint32_t i = order[oi];
        const sim_edef *e = &sc->e[i];
        lo_sim_event *ev = &s->ev[i];
        sim_truth *tr = &s->truth[i];
        ev->type = e->type;
        ev->id = s->ev_ids[i];
        ev->line = e->line;
        ev->start_ms = e->start_ms;
        ev->end_ms = e->start_ms + e->dur_ms;
        ev->nvessels = e->nvessels;
        ev->vessels = e->vessels;
        ev->lat = e->lat;
        ev->lon = e->lon;
        uint32_t a = e->nvessels ? e->vessels[0] : 0;
        if (!(tr->ids = malloc((e->nvessels ? e->nvessels : 1) * sizeof *tr->ids))) {
            rc = LO_E_NOMEM;
            break;
        }
        for (uint32_t k = 0; k < e->nvessels; k++)
            tr->ids[k] = cur[e->vessels[k]];
        sim_state st;
        sim_effect f = {.t0 = e->start_ms, .t1 = e->start_ms + e->dur_ms, .vessel = a, .event = i};
        switch (e->type) {
        case LO_SIM_STS:
        case LO_SIM_LOITER:
            break;
        case LO_SIM_DARK:
            f.kind = FX_DARK;
            rc = add_fx(s, &cap, &f);
            state_at(s, a, ev->start_ms, &st);
            ev->lat = st.lat, ev->lon = st.lon;
            state_at(s, a, ev->end_ms, &st);
            tr->lat2 = st.lat, tr->lon2 = st.lon;
            break;
        case LO_SIM_ZONE:
            rc = zone_truth(s, e, ev, tr, err);
            break;
        case LO_SIM_JUMP: {
            state_at(s, a, e->start_ms, &st);
            double from_lat, from_lon; /* what was sent just before: a spoof may already run */
            sent_before(s, a, e->start_ms, &st, &from_lat, &from_lon);
            double tlat = e->to_lat, tlon = e->to_lon;
            if (e->has_by)
                sim_destination(st.lat, st.lon, e->bearing, e->by_m, &tlat, &tlon);
            if (e->ntrack) {
                tlat = e->track[0].lat, tlon = e->track[0].lon;
                f.track = e->track;
                f.ntrack = e->ntrack;
                for (uint32_t k = 0; k + 1 < e->ntrack; k++)
                    f.track_m += sim_distance_m(e->track[k].lat, e->track[k].lon, e->track[k + 1].lat,
                                                e->track[k + 1].lon);
            }
            f.kind = FX_JUMP;
            f.dlat = tlat - st.lat;
            f.dlon = sim_wrap180(tlon - st.lon);
            rc = add_fx(s, &cap, &f);
            ev->lat = st.lat, ev->lon = st.lon;
            tr->lat2 = tlat, tr->lon2 = tlon;
            tr->offset_m = sim_distance_m(from_lat, from_lon, tlat, tlon);
            sim_state rep = st;
            if (f.track) { /* sent at the fake track's speed (as lo_sim_next does) */
                rep.sog_kn = f.track_m / ((double)(f.t1 - f.t0) / 1000.0) / SIM_KN;
                rep.status = 0;
                rep.turning = false;
            }
            tr->interval_ms = pos_interval(s->pub[a].cls, &rep);
            tr->implied_kn = tr->offset_m / SIM_NM / ((double)tr->interval_ms / 3600000.0);
            break;
        }
        case LO_SIM_IDENTITY:
            ev->end_ms = ev->start_ms;
            state_at(s, a, e->start_ms, &st);
            ev->lat = st.lat, ev->lon = st.lon;
            f.kind = FX_IDENT;
            f.t1 = SIM_TIME_FAR;
            f.set = e->set;
            f.mmsi = e->new_mmsi;
            f.imo = e->new_imo;
            f.shiptype = e->new_type;
            memcpy(f.name, e->new_name, sizeof f.name);
            memcpy(f.callsign, e->new_callsign, sizeof f.callsign);
            rc = add_fx(s, &cap, &f);
            if (e->set & ID_NAME)
                memcpy(cur[a].name, e->new_name, sizeof cur[a].name);
            if (e->set & ID_CALLSIGN)
                memcpy(cur[a].callsign, e->new_callsign, sizeof cur[a].callsign);
            if (e->set & ID_IMO)
                cur[a].imo = e->new_imo;
            if (e->set & ID_MMSI)
                cur[a].mmsi = e->new_mmsi;
            if (e->set & ID_TYPE)
                cur[a].shiptype = e->new_type;
            break;
        case LO_SIM_SWAP: {
            uint32_t b = e->vessels[1];
            ev->end_ms = ev->start_ms;
            state_at(s, a, e->start_ms, &st);
            ev->lat = st.lat, ev->lon = st.lon;
            state_at(s, b, e->start_ms, &st);
            tr->lat2 = st.lat, tr->lon2 = st.lon;
            f.kind = FX_IDENT;
            f.t1 = SIM_TIME_FAR;
            f.set = ID_MMSI;
            f.mmsi = cur[b].mmsi;
            rc = add_fx(s, &cap, &f);
            f.vessel = b;
            f.mmsi = cur[a].mmsi;
            if (!rc)
                rc = add_fx(s, &cap, &f);
            uint32_t t = cur[a].mmsi;
            cur[a].mmsi = cur[b].mmsi;
            cur[b].mmsi = t;
            break;
        }
        case LO_SIM_CIRCLE:
            f.kind = FX_CIRCLE;
            f.clat = e->lat;
            f.clon = e->lon;
            f.radius_m = e->radius_m;
            f.speed_kn = e->speed_kn;
            f.omega = e->radius_m > 0 ? e->speed_kn * SIM_KN / e->radius_m / 1000.0 : 0;
            for (uint32_t k = 0; k < e->nvessels && !rc; k++) {
                f.vessel = e->vessels[k];
                f.phase = 2.0 * SIM_PI * k / e->nvessels;
                rc = add_fx(s, &cap, &f);
            }
            break;
        }
    }
    if (!rc && s->nfx) {
        qsort(s->fx, s->nfx, sizeof *s->fx, fx_cmp);
        for (uint32_t k = 0; k < s->nfx; k++) {
            sim_vessel *v = &s->v[s->fx[k].vessel];
            if (v->nfx == 0)
                v->fx0 = k;
            v->nfx++;
        }
    }
out:
    free(order);
    free(cur);
    return rc;
}

static void init_vessel_common(sim_vessel *v, const sim_ident *id)
{
    v->mmsi = id->mmsi;
    v->imo = id->imo;
    memcpy(v->name, id->name, sizeof v->name);
    memcpy(v->callsign, id->callsign, sizeof v->callsign);
    memcpy(v->dest, id->dest, sizeof v->dest);
    v->shiptype = id->shiptype;
    v->cls = id->cls;
    v->accuracy = sim_unif(&v->rng) < 0.5;
    v->has_rot = sim_unif(&v->rng) < 0.7;
    v->hdg_bias = (float)sim_range(&v->rng, -2, 2);
    v->chan = (sim_rand(&v->rng) & 1) ? 'B' : 'A';
    v->slot_timeout = (uint8_t)(sim_rand(&v->rng) % 8);
}

static void init_pub(lo_sim_vessel *p, const sim_ident *id, const char *label, unsigned line, bool background)
{
    p->label = label;
    p->line = line;
    p->mmsi = id->mmsi;
    p->imo = id->imo;
    memcpy(p->name, id->name, sizeof p->name);
    memcpy(p->callsign, id->callsign, sizeof p->callsign);
    memcpy(p->destination, id->dest, sizeof p->destination);
    p->ship_type = id->shiptype;
    p->to_bow = id->bow;
    p->to_stern = id->stern;
    p->to_port = id->port;
    p->to_starboard = id->stbd;
    p->draught = id->draught;
    p->cls = id->cls;
    p->background = background;
}

static int setup(lo_sim *s, const lo_sim_opts *o, strbuf *err)
{
    sim_scenario *sc = &s->sc;
    int rc;
    /* Overrides: a new start moves every time of the scenario with it. */
    if (o->set_seed)
        sc->seed = o->seed;
    if (o->start_ms) {
        int64_t d = o->start_ms - sc->start_ms;
        sc->start_ms += d;
        for (uint32_t i = 0; i < sc->nv; i++)
            if (sc->v[i].has_depart)
                sc->v[i].depart_ms += d;
        for (uint32_t i = 0; i < sc->ne; i++)
            sc->e[i].start_ms += d;
    }
    if (o->duration_ms > 0)
        sc->duration_ms = o->duration_ms;
    s->max_messages = o->max_messages;
    int64_t end = sc->start_ms + sc->duration_ms;
    /* Events that would start after a shortened end never happen. */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < sc->ne; i++) {
        if (sc->e[i].has_start && sc->e[i].start_ms >= end) {
            free(sc->e[i].vessels);
            free(sc->e[i].track);
            continue;
        }
        sc->e[kept++] = sc->e[i];
    }
    sc->ne = kept;
    uint64_t nbg = (uint64_t)sc->traffic + o->extra_vessels;
    uint64_t count_extra = 0;
    for (uint32_t i = 0; i < sc->ne; i++)
        count_extra += sc->e[i].count;
    if (sc->nv + count_extra + nbg > LO_SIM_MAX_VESSELS) {
        err->len = 0;
        sb_puts(err, sc->file);
        sb_puts(err, ": more than 4194304 vessels in all");
        return LO_E_RANGE;
    }
    s->info.start_ms = sc->start_ms;
    s->info.end_ms = end;
    s->info.seed = sc->seed;
    s->info.station = sc->station;
    /* Event ids. */
    s->ev_ids = calloc(sc->ne ? sc->ne : 1, sizeof *s->ev_ids);
    if (!s->ev_ids)
        return LO_E_NOMEM;
    unsigned per_type[8] = {0};
    for (uint32_t i = 0; i < sc->ne; i++) {
        const sim_edef *e = &sc->e[i];
        per_type[e->type]++;
        if (e->id[0]) {
            memcpy(s->ev_ids[i], e->id, sizeof e->id);
            continue;
        }
        strbuf b = {.p = s->ev_ids[i], .cap = LO_SIM_MAX_LABEL - 1};
        sb_puts(&b, lo_sim_event_name(e->type));
        sb_putc(&b, '-');
        sb_u64(&b, per_type[e->type]);
        s->ev_ids[i][b.len] = '\0';
    }
    /* MMSIs and IMO numbers taken, so that generated ones never collide. */
    uint64_t want = 4 * (sc->nv + count_extra + nbg + sc->ne) + 16;
    for (s->mcap = 16; s->mcap < want; s->mcap *= 2)
        ;
    s->mset = calloc(s->mcap, sizeof *s->mset);
    if (!s->mset)
        return LO_E_NOMEM;
    for (uint32_t i = 0; i < sc->nv; i++) {
        mmsi_add(s, sc->v[i].id.mmsi);
        if (sc->v[i].id.imo)
            mmsi_add(s, sc->v[i].id.imo);
    }
    for (uint32_t i = 0; i < sc->ne; i++) {
        if (sc->e[i].set & ID_MMSI)
            mmsi_add(s, sc->e[i].new_mmsi);
        if ((sc->e[i].set & ID_IMO) && sc->e[i].new_imo)
            mmsi_add(s, sc->e[i].new_imo);
    }
    if ((rc = generate_vessels(s, err)))
        return rc;
    s->nscripted = sc->nv;
    s->nv = (uint32_t)(sc->nv + nbg);
    s->v = calloc(s->nv ? s->nv : 1, sizeof *s->v);
    s->pub = calloc(s->nv ? s->nv : 1, sizeof *s->pub);
    s->plans = calloc(s->nscripted ? s->nscripted : 1, sizeof *s->plans);
    s->heap = calloc(2 * (size_t)(s->nv ? s->nv : 1), sizeof *s->heap);
    if (!s->v || !s->pub || !s->plans || !s->heap)
        return LO_E_NOMEM;
    /* Scripted vessels: plans around their events' stops. */
    vstop *stops = NULL;
    uint32_t nstops = 0;
    if ((rc = collect_stops(s, &stops, &nstops)))
        return rc;
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->nscripted && !rc; i++) {
        sim_vdef *vd = &sc->v[i];
        uint32_t first = k;
        while (k < nstops && stops[k].vessel == i)
            k++;
        sim_stop *mine = malloc((k - first ? k - first : 1) * sizeof *mine);
        if (!mine) {
            rc = LO_E_NOMEM;
            break;
        }
        for (uint32_t j = first; j < k; j++)
            mine[j - first] = stops[j].stop;
        rc = sim_plan_build(sc, vd, mine, k - first, sc->start_ms, end, sim_stream(sc->seed, 0x200000000ull + i),
                            &s->plans[i], err);
        free(mine);
        if (rc)
            break;
        sim_vessel *v = &s->v[i];
        v->scripted = true;
        v->rng = sim_stream(sc->seed, 1 + i);
        init_vessel_common(v, &vd->id);
        init_pub(&s->pub[i], &vd->id, vd->label, vd->line, false);
        const sim_plan *p = &s->plans[i];
        if (vd->behaviour == BEH_ROUTE && p->n > 1)
            v->eta = p->legs[p->n - 1].t0;
        load_leg(s, v, i, &v->cur);
        load_leg(s, v, i, &v->nxt);
        advance(s, v, i, sc->start_ms);
    }
    free(stops);
    if (rc)
        return rc;
    /* Background vessels. */
    const double *box = sc->traffic_in_box ? sc->traffic_box : NULL;
    for (uint32_t i = s->nscripted; i < s->nv; i++) {
        sim_vessel *v = &s->v[i];
        sim_ident id;
        v->rng = sim_stream(sc->seed, 0x100000000ull + (i - s->nscripted));
        sim_bg_init(&id, &v->bg, &v->rng, box, sc->start_ms, mmsi_used, s);
        mmsi_add(s, id.mmsi);
        if (id.imo)
            mmsi_add(s, id.imo);
        init_vessel_common(v, &id);
        init_pub(&s->pub[i], &id, "", 0, true);
        sim_bg_next(&v->bg, &v->rng, box, &v->cur);
        sim_bg_next(&v->bg, &v->rng, box, &v->nxt);
        sim_leg_link(&v->cur, &v->nxt);
    }
    free(s->mset);
    s->mset = NULL;
    if ((rc = effects_and_truth(s, err)))
        return rc;
    /* First reports: each vessel at a random phase of its own rates. */
    for (uint32_t i = 0; i < s->nv; i++) {
        sim_vessel *v = &s->v[i];
        sim_state st;
        sim_leg_eval(&v->cur, sc->start_ms, &st);
        int64_t iv = pos_interval(v->cls, &st);
        int64_t next_pos = sc->start_ms + (int64_t)(sim_rand(&v->rng) % (uint64_t)iv);
        int64_t next_static = sc->start_ms + (int64_t)(sim_rand(&v->rng) % STATIC_MS);
        int64_t change = next_identity(s, v);
        if (change < next_static)
            next_static = change;
        s->heap[s->nheap++] = make_key(s, next_pos, i, K_POS);
        s->heap[s->nheap++] = make_key(s, next_static, i, K_STATIC);
    }
    for (uint32_t i = s->nheap / 4 + 1; i-- > 0;)
        heap_down(s->heap, s->nheap, i);
    s->info.vessels = s->nv;
    s->info.scripted = s->nscripted;
    s->info.events = sc->ne;
    uint64_t mem = sizeof *s + (uint64_t)s->nv * (sizeof *s->v + sizeof *s->pub + 2 * sizeof *s->heap) +
                   (uint64_t)sc->ne * (sizeof *s->ev + sizeof *s->truth + sizeof *s->ev_ids + sizeof(sim_edef)) +
                   (uint64_t)s->nfx * sizeof *s->fx + (uint64_t)sc->nv * sizeof(sim_vdef);
    for (uint32_t i = 0; i < s->nscripted; i++)
        mem += (uint64_t)s->plans[i].cap * sizeof(sim_leg) + (uint64_t)sc->v[i].caproute * sizeof(sim_wp);
    s->info.memory_bytes = mem;
    return 0;
}

int lo_sim_create(const char *text, size_t len, const char *name, const lo_sim_opts *o, lo_sim **out, char *err,
                  size_t errlen)
{
    static const lo_sim_opts none = {0};
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!out || (!text && len))
        return LO_E_INVAL;
    *out = NULL;
    lo_sim *s = calloc(1, sizeof *s);
    if (!s)
        return LO_E_NOMEM;
    strbuf eb = {.p = err, .cap = errlen - 1};
    int rc = sim_parse(text ? text : "", len, name, &s->sc, &eb);
    if (!rc)
        rc = setup(s, o ? o : &none, &eb);
    if (rc) {
        if (rc == LO_E_NOMEM && eb.len == 0)
            sb_puts(&eb, "out of memory");
        err[eb.len] = '\0';
        lo_sim_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void lo_sim_destroy(lo_sim *s)
{
    if (!s)
        return;
    if (s->plans)
        for (uint32_t i = 0; i < s->nscripted; i++)
            free(s->plans[i].legs);
    free(s->plans);
    free(s->v);
    free(s->pub);
    free(s->fx);
    free(s->ev);
    if (s->truth)
        for (uint32_t i = 0; i < s->sc.ne; i++)
            free(s->truth[i].ids);
    free(s->truth);
    free(s->ev_ids);
    free(s->heap);
    free(s->mset);
    sim_scenario_free(&s->sc);
    free(s);
}

/* ---- what it made ------------------------------------------------------------------------------ */

const lo_sim_stats *lo_sim_get_stats(const lo_sim *s) { return s ? &s->stats : NULL; }
const lo_sim_info *lo_sim_get_info(const lo_sim *s) { return s ? &s->info : NULL; }

const lo_sim_vessel *lo_sim_vessel_at(const lo_sim *s, uint32_t i) { return s && i < s->nv ? &s->pub[i] : NULL; }

int lo_sim_true_position(const lo_sim *s, uint32_t i, int64_t t, double *lat, double *lon)
{
    if (!s || i >= s->nscripted || !lat || !lon)
        return LO_E_INVAL;
    sim_state st;
    sim_plan_eval(&s->plans[i], t, &st);
    *lat = st.lat;
    *lon = st.lon;
    return 0;
}

size_t lo_sim_event_count(const lo_sim *s) { return s ? s->sc.ne : 0; }

const lo_sim_event *lo_sim_event_at(const lo_sim *s, size_t i) { return s && i < s->sc.ne ? &s->ev[i] : NULL; }

/* ---- truth as JSON -------------------------------------------------------------------------- */

static void js_str(strbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_putc(b, '\\');
        sb_putc(b, *s);
    }
    sb_putc(b, '"');
}

static void js_key(strbuf *b, const char *k)
{
    if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
        sb_putc(b, ',');
    js_str(b, k);
    sb_putc(b, ':');
}

static void js_num(strbuf *b, double x, int decimals)
{
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    if (!isfinite(x) || fabs(x) > 9e12 / (double)scale) {
        sb_puts(b, "null");
        return;
    }
    sb_fixed(b, (int64_t)llround(x * (double)scale), decimals);
}

static void js_time(strbuf *b, const char *key, int64_t ms)
{
    js_key(b, key);
    sb_putc(b, '"');
    sim_put_time(b, ms);
    sb_putc(b, '"');
}

static void js_point(strbuf *b, const char *key, double lat, double lon)
{
    js_key(b, key);
    sb_puts(b, "{\"lat\":");
    js_num(b, lat, 6);
    sb_puts(b, ",\"lon\":");
    js_num(b, lon, 6);
    sb_putc(b, '}');
}

static void js_ident(strbuf *b, const char *label, const sim_ident *id)
{
    sb_putc(b, '{');
    js_key(b, "label");
    js_str(b, label);
    js_key(b, "mmsi");
    sb_u64(b, id->mmsi);
    js_key(b, "imo");
    sb_u64(b, id->imo);
    js_key(b, "name");
    js_str(b, id->name);
    js_key(b, "callsign");
    js_str(b, id->callsign);
    js_key(b, "ship_type");
    sb_u64(b, id->shiptype);
    js_key(b, "class");
    sb_putc(b, '"');
    sb_putc(b, id->cls);
    sb_putc(b, '"');
    sb_putc(b, '}');
}

int lo_sim_event_json(const lo_sim *s, size_t i, char *out, size_t cap)
{
    if (!s || i >= s->sc.ne || !out || cap == 0)
        return LO_E_INVAL;
    const lo_sim_event *ev = &s->ev[i];
    const sim_edef *e = &s->sc.e[i];
    const sim_truth *tr = &s->truth[i];
    strbuf b = {.p = out, .cap = cap - 1};
    sb_putc(&b, '{');
    js_key(&b, "id");
    js_str(&b, ev->id);
    js_key(&b, "type");
    js_str(&b, lo_sim_event_name(ev->type));
    js_key(&b, "line");
    sb_u64(&b, ev->line);
    js_time(&b, "start", ev->start_ms);
    js_time(&b, "end", ev->end_ms);
    js_key(&b, "start_ms");
    sb_i64(&b, ev->start_ms);
    js_key(&b, "end_ms");
    sb_i64(&b, ev->end_ms);
    js_key(&b, "vessels");
    sb_putc(&b, '[');
    for (uint32_t k = 0; k < ev->nvessels; k++) {
        if (k)
            sb_putc(&b, ',');
        js_ident(&b, s->pub[ev->vessels[k]].label, &tr->ids[k]); /* as it is when the event starts */
    }
    sb_putc(&b, ']');
    js_point(&b, "where", ev->lat, ev->lon);
    js_key(&b, "parameters");
    sb_putc(&b, '{');
    double hours = (double)(ev->end_ms - ev->start_ms) / 3600000.0;
    switch (ev->type) {
    case LO_SIM_STS:
        js_key(&b, "distance_m");
        js_num(&b, e->distance_m, 1);
        js_key(&b, "drift_kn");
        js_num(&b, e->speed_kn, 2);
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        break;
    case LO_SIM_DARK:
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        js_point(&b, "reappears", tr->lat2, tr->lon2);
        js_key(&b, "moved_nm");
        js_num(&b, sim_distance_m(ev->lat, ev->lon, tr->lat2, tr->lon2) / SIM_NM, 2);
        break;
    case LO_SIM_LOITER:
        js_key(&b, "radius_m");
        js_num(&b, e->radius_m, 1);
        js_key(&b, "max_speed_kn");
        js_num(&b, e->speed_kn, 2);
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        break;
    case LO_SIM_ZONE: {
        const sim_zone *z = &s->sc.z[e->zone];
        js_key(&b, "zone");
        js_str(&b, z->name);
        js_key(&b, "box");
        sb_putc(&b, '[');
        for (int k = 0; k < 4; k++) {
            if (k)
                sb_putc(&b, ',');
            js_num(&b, z->box[k], 6);
        }
        sb_putc(&b, ']');
        js_point(&b, "exit", tr->lat2, tr->lon2);
        js_key(&b, "dwell_h");
        js_num(&b, (double)e->dwell_ms / 3600000.0, 3);
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        break;
    }
    case LO_SIM_JUMP:
        js_point(&b, "reported", tr->lat2, tr->lon2);
        js_key(&b, "offset_nm");
        js_num(&b, tr->offset_m / SIM_NM, 2);
        js_key(&b, "report_interval_s");
        js_num(&b, (double)tr->interval_ms / 1000.0, 3);
        js_key(&b, "implied_speed_kn");
        js_num(&b, tr->implied_kn, 1);
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        if (e->ntrack) {
            double len = 0;
            js_key(&b, "track");
            sb_putc(&b, '[');
            for (uint32_t k = 0; k < e->ntrack; k++) {
                if (k) {
                    sb_putc(&b, ',');
                    len += sim_distance_m(e->track[k - 1].lat, e->track[k - 1].lon, e->track[k].lat, e->track[k].lon);
                }
                sb_putc(&b, '[');
                js_num(&b, e->track[k].lat, 6);
                sb_putc(&b, ',');
                js_num(&b, e->track[k].lon, 6);
                sb_putc(&b, ']');
            }
            sb_putc(&b, ']');
            js_key(&b, "track_speed_kn");
            js_num(&b, hours > 0 ? len / SIM_NM / hours : 0, 1);
        }
        break;
    case LO_SIM_IDENTITY: {
        js_key(&b, "changes");
        sb_putc(&b, '{');
        const sim_ident *old = &tr->ids[0];
        if (e->set & ID_NAME) {
            js_key(&b, "name");
            sb_putc(&b, '[');
            js_str(&b, old->name);
            sb_putc(&b, ',');
            js_str(&b, e->new_name);
            sb_putc(&b, ']');
        }
        if (e->set & ID_CALLSIGN) {
            js_key(&b, "callsign");
            sb_putc(&b, '[');
            js_str(&b, old->callsign);
            sb_putc(&b, ',');
            js_str(&b, e->new_callsign);
            sb_putc(&b, ']');
        }
        if (e->set & ID_IMO) {
            js_key(&b, "imo");
            sb_putc(&b, '[');
            sb_u64(&b, old->imo);
            sb_putc(&b, ',');
            sb_u64(&b, e->new_imo);
            sb_putc(&b, ']');
        }
        if (e->set & ID_MMSI) {
            js_key(&b, "mmsi");
            sb_putc(&b, '[');
            sb_u64(&b, old->mmsi);
            sb_putc(&b, ',');
            sb_u64(&b, e->new_mmsi);
            sb_putc(&b, ']');
        }
        if (e->set & ID_TYPE) {
            js_key(&b, "ship_type");
            sb_putc(&b, '[');
            sb_u64(&b, old->shiptype);
            sb_putc(&b, ',');
            sb_u64(&b, e->new_type);
            sb_putc(&b, ']');
        }
        sb_putc(&b, '}');
        break;
    }
    case LO_SIM_SWAP:
        js_key(&b, "mmsis");
        sb_putc(&b, '[');
        sb_u64(&b, tr->ids[0].mmsi);
        sb_putc(&b, ',');
        sb_u64(&b, tr->ids[1].mmsi);
        sb_putc(&b, ']');
        js_point(&b, "where_second", tr->lat2, tr->lon2);
        js_key(&b, "distance_nm");
        js_num(&b, sim_distance_m(ev->lat, ev->lon, tr->lat2, tr->lon2) / SIM_NM, 2);
        break;
    case LO_SIM_CIRCLE:
        js_key(&b, "radius_m");
        js_num(&b, e->radius_m, 1);
        js_key(&b, "speed_kn");
        js_num(&b, e->radius_m > 0 ? e->speed_kn : 0, 2);
        js_key(&b, "count");
        sb_u64(&b, ev->nvessels);
        js_key(&b, "shape");
        js_str(&b, e->radius_m > 0 ? "circle" : "point");
        js_key(&b, "duration_h");
        js_num(&b, hours, 3);
        break;
    }
    sb_putc(&b, '}');
    if (ev->type == LO_SIM_STS && hours >= 4.0) {
        /* Below 2 kn for 4 h or more: each of the pair also loiters (issue #4's rule). */
        js_key(&b, "implies");
        sb_puts(&b, "[\"loitering\"]");
    } else if (ev->type == LO_SIM_SWAP) {
        /* Each MMSI now comes from the other ship: a jump and a new identity. */
        js_key(&b, "implies");
        sb_puts(&b, "[\"position_jump\",\"identity_change\"]");
    }
    sb_puts(&b, "}\n");
    if (b.overflow)
        return LO_E_NOSPACE;
    out[b.len] = '\0';
    return (int)b.len;
}
