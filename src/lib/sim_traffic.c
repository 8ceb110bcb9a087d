/* sim_traffic.c - background traffic for the scenario simulator: vessels on
 * shipping lanes between ports (with the traffic keeping to starboard of the
 * lane's centre line, anchoring at the ends for a few hours before turning
 * back), fishing vessels working fishing grounds, and plausible identities
 * (flag MIDs in proportion to the world fleet, IMO numbers with a valid check
 * digit, names, call signs, dimensions by type).
 *
 * The lanes are open-water polylines checked against Natural Earth's 1:10m land
 * polygons with 3 km either side (scripts/sim_sea_check.py); a vessel keeps
 * 0.3-2.5 km to starboard. Legs are made one at a time as the vessel goes, so
 * a background vessel costs the same memory however long the scenario. */
#include <math.h>
#include <string.h>

#include "sim_int.h"
#if defined(__clang__)
/* Same bytes from every compiler: no fused multiply-adds (GCC in ISO C mode
 * makes none; clang would). */
#pragma STDC FP_CONTRACT OFF
#endif

typedef struct sim_pt {
    double lat, lon;
} sim_pt;

typedef struct sim_lane {
    const char *from, *to; /* destinations written in type 5 */
    unsigned density;      /* vessels per nautical mile, relative */
    unsigned length_nm;
    const sim_pt *pts;
    unsigned n;
} sim_lane;

typedef struct sim_ground {
    const char *name;
    double box[4]; /* lat_min, lon_min, lat_max, lon_max */
} sim_ground;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const sim_pt lane_le_havre_hamburg[] = {{48.75, -5.9}, {49.6, -3.5}, {50.05, -1.2}, {50.45, 0.4}, {50.95, 1.42}, {51.25, 1.85}, {51.6, 2.5}, {52.3, 3.2}, {53.0, 3.9}, {53.8, 5.5}, {54.0, 7.0}, {54.0, 7.5}};
static const sim_pt lane_antwerp_rotterdam[] = {{51.6, 2.5}, {51.9, 3.3}, {52.0, 3.85}};
static const sim_pt lane_gdansk_st_petersburg[] = {{54.8, 14.0}, {54.85, 15.2}, {55.3, 16.5}, {56.5, 19.0}, {58.2, 20.4}, {59.45, 22.6}, {59.75, 24.5}, {59.9, 26.0}};
static const sim_pt lane_gibraltar_port_said[] = {{35.96, -5.55}, {36.0, -4.0}, {36.4, -2.0}, {37.4, 1.0}, {37.8, 7.5}, {37.55, 10.0}, {37.35, 11.3}, {36.6, 13.5}, {35.7, 15.5}, {34.6, 20.0}, {33.5, 25.0}, {32.2, 30.0}, {31.45, 32.35}};
static const sim_pt lane_suez_aden[] = {{29.5, 32.58}, {29.0, 32.9}, {28.5, 33.13}, {28.2, 33.42}, {28.0, 33.63}, {27.8, 33.85}, {27.55, 34.2}, {26.5, 35.0}, {22.0, 38.0}, {17.5, 40.5}, {15.5, 41.3}, {14.0, 42.1}, {13.2, 42.95}, {12.95, 43.2}, {12.6, 43.33}, {12.4, 43.6}, {12.2, 44.5}, {12.5, 48.0}, {12.5, 51.0}, {13.0, 53.0}, {13.5, 55.0}};
static const sim_pt lane_aden_singapore[] = {{13.5, 55.0}, {10.0, 65.0}, {6.5, 75.0}, {5.7, 80.5}, {5.9, 88.0}, {6.0, 94.0}, {6.3, 95.5}, {5.5, 97.5}, {4.0, 99.8}, {2.9, 101.0}, {2.2, 101.75}, {1.6, 102.7}, {1.25, 103.45}, {1.19, 103.75}, {1.24, 104.05}, {1.3, 104.4}, {1.35, 104.5}};
static const sim_pt lane_singapore_hong_kong[] = {{1.35, 104.5}, {2.0, 104.9}, {3.0, 105.0}, {5.5, 106.5}, {10.0, 109.5}, {13.0, 110.5}, {18.0, 113.0}, {21.95, 114.6}};
static const sim_pt lane_hong_kong_shanghai[] = {{21.95, 114.6}, {21.0, 117.0}, {23.6, 118.8}, {25.0, 120.0}, {27.0, 121.7}, {29.0, 123.0}, {31.0, 123.1}};
static const sim_pt lane_shanghai_busan[] = {{31.0, 123.1}, {32.8, 126.0}, {32.95, 127.3}, {34.3, 128.9}, {34.65, 129.0}, {34.9, 129.15}};
static const sim_pt lane_tokyo_vancouver[] = {{34.7, 140.1}, {36.0, 143.0}, {42.0, 160.0}, {47.0, 180.0}, {49.0, -150.0}, {48.3, -126.5}, {48.4, -125.3}};
static const sim_pt lane_new_york_norfolk[] = {{40.42, -73.75}, {40.2, -73.2}, {38.9, -74.2}, {37.0, -75.4}, {36.95, -75.85}};
static const sim_pt lane_norfolk_houston[] = {{36.5, -75.0}, {35.0, -75.0}, {32.5, -79.0}, {30.5, -80.8}, {27.0, -79.5}, {25.5, -79.7}, {24.3, -81.0}, {24.2, -82.5}, {25.5, -86.0}, {28.6, -89.5}, {29.1, -94.6}};
static const sim_pt lane_cristobal_new_orleans[] = {{9.5, -79.95}, {11.5, -80.5}, {17.0, -82.5}, {21.6, -85.8}, {24.5, -87.5}, {28.6, -89.5}};
static const sim_pt lane_brest_new_york[] = {{48.9, -6.5}, {46.0, -25.0}, {42.5, -50.0}, {40.8, -65.0}, {40.3, -71.0}, {40.42, -73.6}};
static const sim_pt lane_lisbon_lagos[] = {{48.4, -6.0}, {43.8, -9.9}, {42.9, -9.8}, {38.8, -9.8}, {37.0, -9.3}, {30.5, -12.5}, {28.2, -13.35}, {26.5, -15.3}, {21.0, -18.3}, {14.5, -17.9}, {10.0, -16.5}, {5.0, -10.5}, {3.5, -5.0}, {4.0, 2.0}, {6.2, 3.4}};
static const sim_pt lane_lagos_durban[] = {{4.0, 2.0}, {-10.0, 7.0}, {-25.0, 12.0}, {-34.6, 18.0}, {-35.3, 20.0}, {-34.6, 25.0}, {-34.2, 27.0}, {-32.6, 29.6}, {-31.0, 31.0}, {-29.95, 31.3}};
static const sim_pt lane_kuwait_aden[] = {{28.9, 48.9}, {28.6, 49.8}, {27.0, 51.8}, {26.2, 54.0}, {26.0, 54.8}, {26.05, 55.4}, {26.4, 55.9}, {26.67, 56.5}, {25.4, 57.2}, {23.5, 59.5}, {21.0, 61.0}, {13.5, 55.0}};
static const sim_pt lane_istanbul_novorossiysk[] = {{41.35, 29.15}, {42.3, 31.0}, {43.5, 34.0}, {44.4, 37.4}, {44.55, 37.75}};
static const sim_pt lane_istanbul_odessa[] = {{41.35, 29.15}, {43.5, 30.5}, {45.7, 30.9}, {46.3, 31.0}};
static const sim_lane lanes[] = {
    {"LE HAVRE", "HAMBURG", 6, 617, lane_le_havre_hamburg, COUNT(lane_le_havre_hamburg)},
    {"ANTWERP", "ROTTERDAM", 6, 56, lane_antwerp_rotterdam, COUNT(lane_antwerp_rotterdam)},
    {"GDANSK", "ST PETERSBURG", 3, 524, lane_gdansk_st_petersburg, COUNT(lane_gdansk_st_petersburg)},
    {"GIBRALTAR", "PORT SAID", 3, 1930, lane_gibraltar_port_said, COUNT(lane_gibraltar_port_said)},
    {"SUEZ", "ADEN", 3, 1884, lane_suez_aden, COUNT(lane_suez_aden)},
    {"ADEN", "SINGAPORE", 2, 3118, lane_aden_singapore, COUNT(lane_aden_singapore)},
    {"SINGAPORE", "HONG KONG", 4, 1381, lane_singapore_hong_kong, COUNT(lane_singapore_hong_kong)},
    {"HONG KONG", "SHANGHAI", 5, 848, lane_hong_kong_shanghai, COUNT(lane_hong_kong_shanghai)},
    {"SHANGHAI", "BUSAN", 4, 401, lane_shanghai_busan, COUNT(lane_shanghai_busan)},
    {"TOKYO", "VANCOUVER", 1, 4117, lane_tokyo_vancouver, COUNT(lane_tokyo_vancouver)},
    {"NEW YORK", "NORFOLK", 3, 268, lane_new_york_norfolk, COUNT(lane_new_york_norfolk)},
    {"NORFOLK", "HOUSTON", 2, 1726, lane_norfolk_houston, COUNT(lane_norfolk_houston)},
    {"CRISTOBAL", "NEW ORLEANS", 2, 1274, lane_cristobal_new_orleans, COUNT(lane_cristobal_new_orleans)},
    {"BREST", "NEW YORK", 1, 2934, lane_brest_new_york, COUNT(lane_brest_new_york)},
    {"LISBON", "LAGOS", 1, 3871, lane_lisbon_lagos, COUNT(lane_lisbon_lagos)},
    {"LAGOS", "DURBAN", 1, 3297, lane_lagos_durban, COUNT(lane_lagos_durban)},
    {"KUWAIT", "ADEN", 3, 1462, lane_kuwait_aden, COUNT(lane_kuwait_aden)},
    {"ISTANBUL", "NOVOROSSIYSK", 3, 425, lane_istanbul_novorossiysk, COUNT(lane_istanbul_novorossiysk)},
    {"ISTANBUL", "ODESSA", 3, 312, lane_istanbul_odessa, COUNT(lane_istanbul_odessa)},
};
static const sim_ground grounds[] = {
    {"DOGGER BANK", {54.5, 1.8, 55.3, 3.5}},
    {"EAST CHINA SEA", {28.5, 123.8, 30.5, 125.5}},
    {"GRAND BANKS", {44.0, -50.5, 45.8, -48.5}},
    {"GULF OF THAILAND", {8.5, 101.5, 10.5, 102.8}},
    {"ARGENTINE SHELF", {-46.5, -61.0, -44.5, -59.0}},
    {"PERU", {-13.5, -79.5, -11.5, -78.5}},
    {"BISCAY", {45.5, -5.5, 46.8, -3.5}},
    {"SENEGAL", {10.5, -18.5, 12.5, -17.5}},
};

unsigned sim_lane_count(void) { return COUNT(lanes); }
unsigned sim_ground_count(void) { return COUNT(grounds); }

/* ---- identities ------------------------------------------------------------------ */

/* Flags by share of the world merchant fleet (UNCTAD, roughly), with the call
 * sign prefix the ITU gives the country. */
typedef struct flag {
    uint16_t mid;
    const char *call;
    unsigned weight;
} flag;

static const flag flags[] = {
    {351, "3E", 8},  {370, "HO", 5},  {636, "A8", 14}, {538, "V7", 12}, {477, "VR", 8}, {563, "9V", 6},
    {229, "9H", 5},  {413, "BO", 4},  {412, "BP", 2},  {311, "C6", 4},  {241, "SV", 3}, {431, "JD", 2},
    {209, "5B", 2},  {257, "LA", 2},  {219, "OU", 2},  {244, "PD", 2},  {235, "MC", 2}, {366, "WD", 2},
    {440, "DS", 2},  {273, "UB", 2},  {211, "DA", 1},  {247, "IB", 1},  {224, "EA", 1}, {228, "FM", 1},
    {525, "PK", 2},  {533, "9M", 1},  {574, "3W", 1},  {548, "DU", 1},  {271, "TC", 1}, {255, "CQ", 1},
};

static const char *const name_a[] = {
    "OCEAN", "SEA", "STAR", "NORDIC", "PACIFIC", "ATLANTIC", "GOLDEN", "SILVER", "BLUE", "GREAT", "ROYAL",
    "EASTERN", "WESTERN", "GLOBAL", "HAPPY", "LUCKY", "GRAND", "CAPE", "ISLAND", "CORAL", "ARCTIC", "POLAR",
    "MAERSK", "CMA CGM", "COSCO", "EVER", "HAI YANG", "XIN", "SAN", "KOTA", "NAVE", "STOLT", "TORM", "BW",
};
static const char *const name_b[] = {
    "PIONEER", "SPIRIT", "GLORY", "TRADER", "VENTURE", "HARMONY", "PRIDE", "FORTUNE", "EXPRESS", "NAVIGATOR",
    "QUEEN", "PRINCESS", "HERO", "BRIDGE", "WAVE", "WIND", "DAWN", "HORIZON", "EAGLE", "FALCON", "LILY",
    "JASMINE", "ORCHID", "MERCURY", "NEPTUNE", "ATLAS", "PHOENIX", "DOLPHIN", "CRANE", "LEADER", "ACE", "SKY",
};

static uint32_t pick_weighted_flag(uint64_t *rng)
{
    unsigned total = 0;
    for (size_t i = 0; i < COUNT(flags); i++)
        total += flags[i].weight;
    unsigned r = (unsigned)(sim_rand(rng) % total);
    for (size_t i = 0; i < COUNT(flags); i++) {
        if (r < flags[i].weight)
            return (uint32_t)i;
        r -= flags[i].weight;
    }
    return 0;
}

/* An IMO number: 7 digits, the last a check digit (digits times 7..2, mod 10).
 * One per ship, as in life: a number already taken is drawn again (the set of
 * numbers taken holds MMSIs and IMOs, which never overlap: 9 and 7 digits). */
static uint32_t make_imo(uint64_t *rng, sim_mmsi_used_fn used, void *ctx)
{
    uint32_t imo = 0;
    for (int tries = 0; tries < 64; tries++) { /* 290,000 numbers: ends unless nearly all are taken */
        uint32_t base = 900000 + (uint32_t)(sim_rand(rng) % 90000); /* 9000000-9899999 */
        if (sim_unif(rng) < 0.25)
            base = 700000 + (uint32_t)(sim_rand(rng) % 200000); /* older hulls: 7xxxxxx-8xxxxxx */
        unsigned sum = 0, w = 7;
        for (uint32_t d = 100000; d; d /= 10, w--)
            sum += (base / d % 10) * w;
        imo = base * 10 + sum % 10;
        if (!used || !used(ctx, imo))
            break;
    }
    return imo;
}

static void make_name(char *out, uint64_t *rng, bool number)
{
    const char *a = name_a[sim_rand(rng) % COUNT(name_a)], *b = name_b[sim_rand(rng) % COUNT(name_b)];
    strbuf s = {.p = out, .cap = 20};
    sb_puts(&s, a);
    sb_putc(&s, ' ');
    sb_puts(&s, b);
    if (number) {
        sb_putc(&s, ' ');
        sb_u64(&s, 1 + sim_rand(rng) % 30);
    }
    if (s.overflow) { /* too long for 20 characters: the two words alone */
        s.len = 0;
        s.overflow = false;
        sb_puts(&s, b);
        sb_putc(&s, ' ');
        sb_u64(&s, 1 + sim_rand(rng) % 30);
    }
    out[s.len] = '\0';
}

static void make_callsign(char *out, uint64_t *rng, const char *prefix)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    size_t len = n + 2 + sim_rand(rng) % 3; /* 4-7 characters */
    if (len > 7)
        len = 7;
    for (size_t i = n; i < len; i++)
        out[i] = alnum[sim_rand(rng) % (i + 1 == len ? 36 : 26)];
    out[len] = '\0';
}

static uint32_t make_mmsi(uint64_t *rng, uint16_t mid, sim_mmsi_used_fn used, void *ctx)
{
    for (;;) {
        uint32_t rest = (uint32_t)(sim_rand(rng) % 1000000);
        if (sim_unif(rng) < 0.3)
            rest = rest / 1000 * 1000; /* many older ships' MMSIs end in 000 */
        uint32_t mmsi = (uint32_t)mid * 1000000u + rest;
        if (rest && (!used || !used(ctx, mmsi)))
            return mmsi;
    }
}

/* Dimensions and draught from the ship type and a length. */
static void set_size(sim_ident *id, uint64_t *rng, double lo, double hi, double beam_ratio)
{
    double len = sim_range(rng, lo, hi), beam = len / beam_ratio * sim_range(rng, 0.9, 1.1);
    if (beam > 60)
        beam = 60;
    if (beam < 2)
        beam = 2;
    unsigned L = (unsigned)lround(len), B = (unsigned)lround(beam);
    id->bow = (uint16_t)lround(len * sim_range(rng, 0.78, 0.88)); /* GNSS antenna near the bridge */
    id->stern = (uint16_t)(L - id->bow);
    id->port = (uint8_t)(B / 2);
    id->stbd = (uint8_t)(B - B / 2);
    double draught = len / 20.0 * sim_range(rng, 0.6, 1.0);
    if (draught > 25)
        draught = 25;
    id->draught = (uint8_t)lround(draught * 10);
}

void sim_random_ident(sim_ident *id, uint64_t *rng, uint8_t shiptype, sim_mmsi_used_fn used, void *ctx)
{
    memset(id, 0, sizeof *id);
    const flag *f = &flags[pick_weighted_flag(rng)];
    id->cls = 'A';
    id->shiptype = shiptype;
    id->mmsi = make_mmsi(rng, f->mid, used, ctx);
    id->imo = make_imo(rng, used, ctx);
    make_name(id->name, rng, sim_unif(rng) < 0.3);
    make_callsign(id->callsign, rng, f->call);
    if (shiptype >= 80 && shiptype <= 89)
        set_size(id, rng, 80, 333, 5.5);
    else if (shiptype >= 60 && shiptype <= 69)
        set_size(id, rng, 90, 300, 6.5);
    else if (shiptype == 30)
        set_size(id, rng, 18, 70, 4.5);
    else if (shiptype == 52)
        set_size(id, rng, 25, 40, 3.2);
    else if (shiptype >= 40 && shiptype <= 49)
        set_size(id, rng, 30, 80, 4.0);
    else
        set_size(id, rng, 90, 300, 6.2);
}

/* A small craft (class B): fishing, pleasure or sailing; no IMO number. */
static void random_ident_b(sim_ident *id, uint64_t *rng, uint8_t shiptype, sim_mmsi_used_fn used, void *ctx)
{
    memset(id, 0, sizeof *id);
    const flag *f = &flags[pick_weighted_flag(rng)];
    id->cls = 'B';
    id->shiptype = shiptype;
    id->mmsi = make_mmsi(rng, f->mid, used, ctx);
    make_name(id->name, rng, sim_unif(rng) < 0.5);
    if (sim_unif(rng) < 0.7)
        make_callsign(id->callsign, rng, f->call);
    set_size(id, rng, 8, 24, 3.5);
    id->draught = 0; /* type 24 carries none */
}

/* ---- lanes ------------------------------------------------------------------------ */

/* Lane point i of lane l moved off_m to starboard of a vessel going in direction
 * dir, along the bisector of the segments meeting there. */
static void lane_point(const sim_lane *l, unsigned i, int dir, double off_m, double *lat, double *lon)
{
    const sim_pt *p = l->pts;
    double b_in = NAN, b_out = NAN;
    int prev = dir ? (int)i + 1 : (int)i - 1, next = dir ? (int)i - 1 : (int)i + 1;
    if (prev >= 0 && prev < (int)l->n)
        b_in = sim_bearing(p[prev].lat, p[prev].lon, p[i].lat, p[i].lon);
    if (next >= 0 && next < (int)l->n)
        b_out = sim_bearing(p[i].lat, p[i].lon, p[next].lat, p[next].lon);
    if (isnan(b_in))
        b_in = b_out;
    if (isnan(b_out))
        b_out = b_in;
    double half = sim_wrap180(b_out - b_in) / 2.0;
    double normal = b_in + half + 90.0;
    double c = cos(half * SIM_DEG);
    double d = off_m / (c > 0.5 ? c : 0.5);
    sim_destination(p[i].lat, p[i].lon, normal, d, lat, lon);
}

static const sim_lane *pick_lane(uint64_t *rng, unsigned *index)
{
    double total = 0;
    for (size_t i = 0; i < COUNT(lanes); i++)
        total += lanes[i].density * (double)lanes[i].length_nm;
    double r = sim_unif(rng) * total;
    for (size_t i = 0; i < COUNT(lanes); i++) {
        r -= lanes[i].density * (double)lanes[i].length_nm;
        if (r < 0 || i + 1 == COUNT(lanes)) {
            *index = (unsigned)i;
            return &lanes[i];
        }
    }
    return &lanes[0];
}

/* Anchored at the end of the lane it reached: a few hours, then back. */
#define ANCHOR_MIN_H 2.0
#define ANCHOR_MAX_H 12.0

static void anchor_at_end(sim_bg *bg, uint64_t *rng, const sim_lane *l, sim_leg *out)
{
    unsigned end = bg->dir ? 0 : l->n - 1;
    /* A spot up to 1.5 km back along the lane and to one side: never beyond its end. */
    unsigned prev = bg->dir ? 1 : l->n - 2;
    double back = sim_bearing(l->pts[end].lat, l->pts[end].lon, l->pts[prev].lat, l->pts[prev].lon);
    double lat, lon;
    sim_destination(l->pts[end].lat, l->pts[end].lon, back, sim_range(rng, 200, 1500), &lat, &lon);
    sim_destination(lat, lon, back + 90.0, sim_range(rng, -1500, 1500), &lat, &lon);
    int64_t t1 = bg->t + (int64_t)(sim_range(rng, ANCHOR_MIN_H, ANCHOR_MAX_H) * 3600000.0);
    double hdg = sim_range(rng, 0, 360); /* draws in a fixed order: C leaves the order of arguments open */
    uint64_t phase = sim_rand(rng);
    sim_leg_hold(out, lat, lon, bg->t, t1, 40.0, 0.2, hdg, 1, phase);
    bg->lat = lat;
    bg->lon = lon;
    bg->t = t1;
    bg->dir ^= 1;
    bg->next = bg->dir ? (uint16_t)(l->n - 2) : 1;
}

/* Fishing grounds: trawl at 2.5-4.5 kn between random points, now and then
 * lie still while hauling (under two hours, so it is not loitering). */
static void ground_next(sim_bg *bg, uint64_t *rng, const double *box, uint8_t status, sim_leg *out)
{
    if (status == 7 && sim_unif(rng) < 0.15) {
        int64_t t1 = bg->t + (int64_t)(sim_range(rng, 0.3, 1.8) * 3600000.0);
        double hdg = sim_range(rng, 0, 360); /* draws in a fixed order: C leaves the order of arguments open */
        uint64_t phase = sim_rand(rng);
        sim_leg_hold(out, bg->lat, bg->lon, bg->t, t1, 150.0, 0.6, hdg, 7, phase);
        sim_state st;
        sim_leg_eval(out, t1, &st);
        bg->lat = st.lat;
        bg->lon = st.lon;
        bg->t = t1;
        return;
    }
    double lat = 0, lon = 0, d = 0;
    for (int tries = 0; tries < 8 && d < 3000.0; tries++) {
        lat = sim_range(rng, box[0], box[2]);
        lon = sim_range(rng, box[1], box[3]);
        d = sim_distance_m(bg->lat, bg->lon, lat, lon);
    }
    int64_t t1 = bg->t + (int64_t)llround(d / (bg->speed_kn * SIM_KN) * 1000.0) + 1;
    sim_leg_sail(out, bg->lat, bg->lon, lat, lon, bg->t, t1, status);
    bg->lat = lat;
    bg->lon = lon;
    bg->t = t1;
}

void sim_bg_next(sim_bg *bg, uint64_t *rng, const double *box, sim_leg *out)
{
    if (bg->mode == BG_GROUND) {
        ground_next(bg, rng, grounds[bg->lane].box, 7, out);
        return;
    }
    if (bg->mode == BG_BOX) {
        ground_next(bg, rng, box, 0, out);
        return;
    }
    const sim_lane *l = &lanes[bg->lane];
    if (bg->next >= l->n) { /* arrived (next ran past either end) */
        anchor_at_end(bg, rng, l, out);
        return;
    }
    double lat, lon;
    lane_point(l, bg->next, bg->dir, bg->offset_m, &lat, &lon);
    double d = sim_distance_m(bg->lat, bg->lon, lat, lon);
    int64_t t1 = bg->t + (int64_t)llround(d / (bg->speed_kn * SIM_KN) * 1000.0) + 1;
    sim_leg_sail(out, bg->lat, bg->lon, lat, lon, bg->t, t1, 0);
    bg->lat = lat;
    bg->lon = lon;
    bg->t = t1;
    bg->next = bg->dir ? (uint16_t)(bg->next - 1) : (uint16_t)(bg->next + 1); /* 0 - 1 wraps past n */
}

/* Merchant ship types and speeds on lanes. */
static void lane_ship(sim_ident *id, sim_bg *bg, uint64_t *rng, sim_mmsi_used_fn used, void *ctx)
{
    double r = sim_unif(rng);
    uint8_t type;
    double lo, hi;
    if (r < 0.48) {
        type = (uint8_t)(sim_unif(rng) < 0.85 ? 70 : 71 + sim_rand(rng) % 4), lo = 11, hi = 16;
        if (sim_unif(rng) < 0.25)
            lo = 16, hi = 22; /* container ships */
    } else if (r < 0.76) {
        type = (uint8_t)(sim_unif(rng) < 0.8 ? 80 : 81 + sim_rand(rng) % 4), lo = 10, hi = 14.5;
    } else if (r < 0.82) {
        type = 60, lo = 15, hi = 22;
    } else if (r < 0.86) {
        type = 52, lo = 8, hi = 11;
    } else if (r < 0.87) {
        type = 40, lo = 24, hi = 34;
    } else {
        type = 90, lo = 9, hi = 14;
    }
    sim_random_ident(id, rng, type, used, ctx);
    bg->speed_kn = (float)sim_range(rng, lo, hi);
}

void sim_bg_init(sim_ident *id, sim_bg *bg, uint64_t *rng, const double *box, int64_t start_ms,
                 sim_mmsi_used_fn used, void *ctx)
{
    memset(bg, 0, sizeof *bg);
    bg->t = start_ms;
    if (box) {
        bg->mode = BG_BOX;
        lane_ship(id, bg, rng, used, ctx);
        bg->lat = sim_range(rng, box[0], box[2]);
        bg->lon = sim_range(rng, box[1], box[3]);
        return;
    }
    if (sim_unif(rng) < 0.1) {
        bg->mode = BG_GROUND;
        bg->lane = (uint16_t)(sim_rand(rng) % COUNT(grounds));
        if (sim_unif(rng) < 0.6)
            sim_random_ident(id, rng, 30, used, ctx);
        else
            random_ident_b(id, rng, 30, used, ctx);
        id->dest[0] = '\0';
        const double *g = grounds[bg->lane].box;
        bg->lat = sim_range(rng, g[0], g[2]);
        bg->lon = sim_range(rng, g[1], g[3]);
        bg->speed_kn = (float)sim_range(rng, 2.5, 4.5);
        return;
    }
    unsigned li;
    const sim_lane *l = pick_lane(rng, &li);
    bg->mode = BG_LANE;
    bg->lane = (uint16_t)li;
    bg->dir = (uint8_t)(sim_rand(rng) & 1);
    if (sim_unif(rng) < 0.06) {
        random_ident_b(id, rng, sim_unif(rng) < 0.5 ? 37 : 36, used, ctx);
        bg->speed_kn = (float)sim_range(rng, 5, 8);
    } else {
        lane_ship(id, bg, rng, used, ctx);
    }
    bg->offset_m = (float)sim_range(rng, 300, 2500);
    /* Somewhere along the lane: a point on segment k, by length. */
    double total = 0, seg[64];
    unsigned nseg = l->n - 1 < 64 ? l->n - 1 : 64;
    for (unsigned k = 0; k < nseg; k++)
        total += seg[k] = sim_distance_m(l->pts[k].lat, l->pts[k].lon, l->pts[k + 1].lat, l->pts[k + 1].lon);
    double at = sim_unif(rng) * total;
    unsigned k = 0;
    while (k + 1 < nseg && at > seg[k])
        at -= seg[k++];
    double f = seg[k] > 0 ? at / seg[k] : 0;
    /* k..k+1 in lane order; a vessel going back (dir 1) heads for k next. */
    double la0, lo0, la1, lo1;
    lane_point(l, k, bg->dir, bg->offset_m, &la0, &lo0);
    lane_point(l, k + 1, bg->dir, bg->offset_m, &la1, &lo1);
    double v0[3], v1[3], p[3];
    sim_to_vec(la0, lo0, v0);
    sim_to_vec(la1, lo1, v1);
    for (int i = 0; i < 3; i++)
        p[i] = (1 - f) * v0[i] + f * v1[i];
    double n = sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    for (int i = 0; i < 3; i++)
        p[i] /= n;
    sim_from_vec(p, &bg->lat, &bg->lon);
    bg->next = bg->dir ? (uint16_t)k : (uint16_t)(k + 1);
    const char *dest = bg->dir ? l->from : l->to;
    strbuf d = {.p = id->dest, .cap = 20};
    sb_puts(&d, dest);
    id->dest[d.len] = '\0';
    if (sim_unif(rng) < 0.08) {
        /* Some start at anchor at the end they will leave from: put them past
         * that end, and the first leg anchors them there and turns them round. */
        bg->dir ^= 1;
        bg->next = bg->dir ? UINT16_MAX : (uint16_t)l->n;
    }
}

const char *sim_bg_destination(const sim_bg *bg)
{
    if (bg->mode != BG_LANE)
        return NULL;
    return bg->dir ? lanes[bg->lane].from : lanes[bg->lane].to;
}

int64_t sim_bg_eta(const sim_bg *bg, double lat, double lon, int64_t t)
{
    if (bg->mode != BG_LANE || bg->speed_kn <= 0)
        return 0;
    const sim_lane *l = &lanes[bg->lane];
    double d = sim_distance_m(lat, lon, bg->lat, bg->lon);
    for (unsigned i = bg->next; i < l->n; i = bg->dir ? i - 1 : i + 1) {
        unsigned prev = bg->dir ? i + 1 : i - 1;
        if (prev < l->n)
            d += sim_distance_m(l->pts[prev].lat, l->pts[prev].lon, l->pts[i].lat, l->pts[i].lon);
        if (i == 0 && bg->dir)
            break;
    }
    return t + (int64_t)llround(d / (bg->speed_kn * SIM_KN) * 1000.0);
}
