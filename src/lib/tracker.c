/* tracker.c - messages -> vessels. One fixed-size record per MMSI in a chained
 * hash table that grows a few buckets per update (no pause), an LRU list that
 * names the longest-silent vessel when the cap is reached, a small ring of
 * message fingerprints per vessel to drop the same report heard twice, and a
 * few open track segments per vessel so that two transmitters sharing an MMSI
 * give two tracks. docs/tracking.md gives the rules and their sources. */
#include "lookout/tracker.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- MMSI patterns (ITU-R M.585-9 Annex 1) ---------------------------------- */

lo_station_kind lo_station_kind_of(uint32_t mmsi)
{
    if (mmsi >= 1000000000u)
        return LO_STATION_INVALID;
    unsigned d1 = mmsi / 100000000u, d12 = mmsi / 10000000u, d123 = mmsi / 1000000u;
    if (d1 >= 2 && d1 <= 7)
        return LO_STATION_VESSEL;
    if (d1 == 0) {
        if (d12 >= 2 && d12 <= 7) /* 0MIDxxxxx */
            return LO_STATION_GROUP;
        if (d12 == 0 && d123 >= 2 && d123 <= 7) /* 00MIDxxxx */
            return LO_STATION_BASE;
        return LO_STATION_INVALID;
    }
    if (d1 == 1) {
        unsigned mid_first = (mmsi / 100000u) % 10u; /* 111Mxxxxx */
        return d123 == 111 && mid_first >= 2 && mid_first <= 7 ? LO_STATION_SAR : LO_STATION_INVALID;
    }
    if (d1 == 8) {
        unsigned mid_first = d12 % 10u; /* 8Mxxxxxxx */
        return mid_first >= 2 && mid_first <= 7 ? LO_STATION_DIVER : LO_STATION_INVALID;
    }
    /* 9xxxxxxxx */
    switch (d123) {
    case 970:
        return LO_STATION_SART;
    case 972:
        return LO_STATION_MOB;
    case 974:
        return LO_STATION_EPIRB;
    default:
        break;
    }
    unsigned mid_first = (mmsi / 1000000u) % 10u; /* 99M..., 98M... */
    if (mid_first < 2 || mid_first > 7)
        return LO_STATION_INVALID;
    if (d12 == 99)
        return LO_STATION_ATON;
    if (d12 == 98)
        return LO_STATION_AUXILIARY;
    return LO_STATION_INVALID;
}

unsigned lo_mmsi_mid(uint32_t mmsi)
{
    switch (lo_station_kind_of(mmsi)) {
    case LO_STATION_VESSEL:
        return mmsi / 1000000u;
    case LO_STATION_GROUP:
        return mmsi / 100000u;
    case LO_STATION_BASE:
        return mmsi / 10000u;
    case LO_STATION_SAR:
        return mmsi / 1000u % 1000u;
    case LO_STATION_ATON:
    case LO_STATION_AUXILIARY:
        return mmsi / 10000u % 1000u;
    case LO_STATION_DIVER:
        return mmsi / 100000u % 1000u;
    default: /* SART, MOB, EPIRB carry a manufacturer number, not a MID */
        return 0;
    }
}

const char *lo_station_kind_name(lo_station_kind k)
{
    static const char *const names[] = {"invalid", "vessel", "group", "base", "sar", "aton",
                                        "auxiliary", "sart", "mob", "epirb", "diver"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "invalid";
}

/* ---- report time when the feed has none (docs/time.md) ---------------------- */

/* Raw type 4 / 11 timestamp: year 14, month 4, day 5, hour 5, minute 6, second 6 bits. */
static int64_t ymdhms_ms(int64_t v)
{
    int year = (int)(v >> 26), month = (int)(v >> 22 & 15), day = (int)(v >> 17 & 31);
    int hour = (int)(v >> 12 & 31), minute = (int)(v >> 6 & 63), second = (int)(v & 63);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
        return LO_TIME_NONE;
    return lo_utc_to_ms(year, month, day, hour, minute, second);
}

/* The UTC second a report carries (0-59), or -1; *full receives the whole
 * time of a type 4 / 11 report when it is valid, else LO_TIME_NONE. */
static int report_second(const lo_message *m, int64_t *full)
{
    *full = LO_TIME_NONE;
    switch (m->type) {
    case 1: case 2: case 3: case 9: case 18: case 19: case 21: {
        int64_t s = lo_message_int(m, "second", 60);
        return s >= 0 && s < 60 ? (int)s : -1;
    }
    case 4: case 11: {
        int64_t ts = lo_message_int(m, "timestamp", LO_ABSENT);
        if (ts == LO_ABSENT)
            return -1;
        *full = ymdhms_ms(ts);
        return *full == LO_TIME_NONE ? -1 : (int)(ts & 63);
    }
    default:
        return -1;
    }
}

/* clock_ms moved to second: the time with that second nearest to it. */
static int64_t at_second(int64_t clock_ms, int second)
{
    if (clock_ms > INT64_MAX - 120000 || clock_ms < INT64_MIN + 120000)
        return clock_ms; /* no minute to move within */
    int64_t minute = clock_ms / 60000 * 60000;
    if (minute > clock_ms) /* floor for times before 1970 */
        minute -= 60000;
    int64_t t = minute + (int64_t)second * 1000;
    if (t < clock_ms - 30000)
        t += 60000;
    else if (t >= clock_ms + 30000)
        t -= 60000;
    return t;
}

int64_t lo_report_time(const lo_message *m, int64_t clock_ms)
{
    if (!m)
        return clock_ms;
    int64_t full;
    int second = report_second(m, &full);
    if (clock_ms == LO_TIME_NONE)
        return full;
    return second < 0 ? clock_ms : at_second(clock_ms, second);
}

/* Median clock (lo_report_clock): simulated on the DMA sample (times known
 * from $PGHP, hidden from the clock), the report time is within 3 s of the
 * receive time for 90 % of reports and never 30 s off; on the AISHub sample
 * (3 min 17 s by its base stations) it ends within 1 s of the last base station
 * time, where the largest-time-so-far clock ends 13 hours ahead. */
void lo_report_clock_init(lo_report_clock *c, int64_t start_ms)
{
    memset(c, 0, sizeof *c);
    c->now = start_ms;
    c->fixed_start = start_ms != LO_TIME_NONE;
}

static int64_t median_of(const int64_t *v, unsigned n)
{
    int64_t tmp[LO_CLOCK_BASES];
    memcpy(tmp, v, n * sizeof *v);
    for (unsigned i = 1; i < n; i++) /* insertion sort: at most 5 values */
        for (unsigned j = i; j > 0 && tmp[j - 1] > tmp[j]; j--) {
            int64_t x = tmp[j];
            tmp[j] = tmp[j - 1];
            tmp[j - 1] = x;
        }
    return tmp[n / 2];
}

/* Index of the first sorted value >= x. */
static unsigned lower_bound(const int64_t *v, unsigned n, int64_t x)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void clock_push(lo_report_clock *c, int64_t t)
{
    if (c->nrecent == LO_CLOCK_REPORTS) { /* the oldest leaves the sorted copy */
        unsigned k = lower_bound(c->sorted, c->nrecent, c->recent[c->next]);
        memmove(c->sorted + k, c->sorted + k + 1, (c->nrecent - k - 1) * sizeof *c->sorted);
        c->nrecent--;
    }
    unsigned k = lower_bound(c->sorted, c->nrecent, t);
    memmove(c->sorted + k + 1, c->sorted + k, (c->nrecent - k) * sizeof *c->sorted);
    c->sorted[k] = t;
    c->nrecent++;
    c->recent[c->next] = t;
    c->next = (uint8_t)((c->next + 1) % LO_CLOCK_REPORTS);
    c->now = c->sorted[c->nrecent / 2];
}

int64_t lo_report_clock_time(lo_report_clock *c, const lo_message *m)
{
    if (!c || !m)
        return LO_TIME_NONE;
    if (m->meta.rx_time_ms != LO_TIME_NONE) {
        c->now = m->meta.rx_time_ms;
        c->nrecent = c->next = 0;
        return c->now;
    }
    int64_t full;
    int second = report_second(m, &full);
    if (full != LO_TIME_NONE && !c->fixed_start) {
        c->base[c->next_base] = full;
        c->next_base = (uint8_t)((c->next_base + 1) % LO_CLOCK_BASES);
        if (c->nbase < LO_CLOCK_BASES)
            c->nbase++;
        int64_t med = median_of(c->base, c->nbase);
        int64_t off = c->now == LO_TIME_NONE ? 0 : med - c->now;
        if (c->now == LO_TIME_NONE || (c->nbase >= 3 && (off > 30000 || off < -30000))) {
            c->now = med;
            c->nrecent = c->next = 0;
        }
    }
    if (c->now == LO_TIME_NONE || second < 0)
        return c->now;
    int64_t t = at_second(c->now, second);
    clock_push(c, t);
    return t;
}

/* ---- fields of a message, found once per layout ----------------------------- */

enum {
    F_LAT, F_LON, F_SPEED, F_COURSE, F_HEADING, F_STATUS, F_ACCURACY, F_IMO, F_CALLSIGN, F_SHIPNAME,
    F_SHIPTYPE, F_BOW, F_STERN, F_PORT, F_STARBOARD, F_DRAUGHT, F_DEST, F_ETA, F_MOTHER, F_NAME,
    F_NAME_EXT, F_AID_TYPE, F_VIRTUAL, F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "lat", "lon", "speed", "course", "heading", "status", "accuracy", "imo", "callsign", "shipname",
    "shiptype", "to_bow", "to_stern", "to_port", "to_starboard", "draught", "destination", "eta",
    "mothership_mmsi", "name", "name_ext", "aid_type", "virtual_aid",
};

/* Value index of each field we read, or -1. Every field of a layout without
 * arrays takes one value slot, in table order (decode.c). */
typedef struct fmap {
    const lo_layout *layout;
    int16_t idx[F_COUNT];
} fmap;

#define FMAP_WAYS 4

static void fmap_fill(fmap *f, const lo_layout *L)
{
    f->layout = L;
    for (int i = 0; i < F_COUNT; i++)
        f->idx[i] = -1;
    for (unsigned i = 0; i < L->nfields; i++)
        if (L->fields[i].kind == LO_K_ARRAY)
            return; /* value positions depend on the message: read nothing */
    for (unsigned i = 0; i < L->nfields && i < INT16_MAX; i++) {
        const char *nm = L->fields[i].name;
        if (!nm)
            continue;
        for (int k = 0; k < F_COUNT; k++)
            if (f->idx[k] < 0 && strcmp(nm, field_names[k]) == 0)
                f->idx[k] = (int16_t)i;
    }
}

static inline int64_t fval(const lo_message *m, const fmap *f, int id, int64_t dflt)
{
    int i = f->idx[id];
    if (i < 0 || i >= m->nvalues)
        return dflt;
    int64_t v = m->v[i];
    return v == LO_ABSENT ? dflt : v;
}

/* Text field into dst (cap bytes, NUL-terminated, trailing blanks trimmed). */
static void ftext(const lo_message *m, const fmap *f, int id, char *dst, size_t cap)
{
    dst[0] = '\0';
    int64_t v = fval(m, f, id, LO_ABSENT);
    if (v == LO_ABSENT)
        return;
    uint16_t len;
    const char *s = lo_message_text(m, v, &len);
    if ((size_t)(v >> 16) + len > LO_MAX_TEXT)
        return;
    if (len > cap - 1)
        len = (uint16_t)(cap - 1);
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* ---- vessel records ---------------------------------------------------------- */

typedef struct seg_end {
    int64_t time_ms;  /* latest point of the segment */
    int32_t lat, lon; /* its position */
    uint32_t id;      /* segment number; 0: slot unused */
    uint16_t speed;   /* its reported speed, 1/10 kn */
} seg_end;

typedef struct rec {
    lo_vessel v;             /* first: lo_vessel pointers are record pointers */
    uint32_t next;           /* hash chain (record index, 0 = end) */
    uint32_t older, newer;   /* LRU list */
    uint8_t nfp, fp_next;    /* fingerprints held, next slot to overwrite */
    uint32_t fp[LO_TRACK_DEDUP_SLOTS];
    uint32_t fp_time[LO_TRACK_DEDUP_SLOTS]; /* low 32 bits of the time in ms */
    seg_end seg[LO_TRACK_OPEN_SEGMENTS];
} rec;

_Static_assert(sizeof(rec) <= 512, "a vessel record stays under 512 bytes (docs/tracking.md)");

/* Records live in chunks that never move, so pointers stay valid as the table
 * grows; a record index is 1-based (0 means none). */
#define CHUNK_SHIFT 12
#define CHUNK_RECS (1u << CHUNK_SHIFT)
#define HASH_MIN_BUCKETS 1024u
#define REHASH_STEP 16u /* buckets moved per update while the table grows */

struct lo_tracker {
    lo_tracker_config cfg;
    lo_tracker_callbacks cb;
    lo_tracker_stats stats;
    double noise_m, max_speed_mps;
    rec **chunks;
    uint32_t nchunks, max_chunks;
    uint32_t used;             /* records handed out: indexes 1..used */
    uint32_t oldest, newest;   /* LRU ends */
    /* Hash buckets: tab[0], and tab[1] while growing (buckets of tab[0] below
     * rehash_pos have moved there). */
    uint32_t *tab[2];
    uint32_t mask[2];
    uint32_t rehash_pos;
    bool rehashing;
    fmap fmaps[28][FMAP_WAYS];
};

static inline rec *R(const lo_tracker *t, uint32_t i)
{
    return &t->chunks[(i - 1) >> CHUNK_SHIFT][(i - 1) & (CHUNK_RECS - 1)];
}

static inline uint32_t mix(uint32_t h)
{
    /* murmur3 finaliser */
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t hash_mmsi(const lo_tracker *t, uint32_t mmsi) { return mix(mmsi ^ t->cfg.hash_seed); }

static uint32_t *bucket_of(const lo_tracker *t, uint32_t h, int which)
{
    return &t->tab[which][h & t->mask[which]];
}

static uint32_t find_index(const lo_tracker *t, uint32_t mmsi)
{
    uint32_t h = hash_mmsi(t, mmsi);
    uint32_t b0 = h & t->mask[0];
    if (!t->rehashing || b0 >= t->rehash_pos)
        for (uint32_t i = t->tab[0][b0]; i; i = R(t, i)->next)
            if (R(t, i)->v.mmsi == mmsi)
                return i;
    if (t->rehashing)
        for (uint32_t i = *bucket_of(t, h, 1); i; i = R(t, i)->next)
            if (R(t, i)->v.mmsi == mmsi)
                return i;
    return 0;
}

void lo_tracker_prefetch(const lo_tracker *t, uint32_t mmsi, int stage)
{
    uint32_t h = hash_mmsi(t, mmsi);
    if (stage == 0) {
        __builtin_prefetch(bucket_of(t, h, 0));
        if (t->rehashing)
            __builtin_prefetch(bucket_of(t, h, 1));
        return;
    }
    uint32_t b0 = h & t->mask[0];
    uint32_t i = !t->rehashing || b0 >= t->rehash_pos ? t->tab[0][b0] : *bucket_of(t, h, 1);
    if (i) {
        /* The lines an update touches: identity, last point, links, fingerprints, segments. */
        const char *r = (const char *)R(t, i);
        for (size_t off = 0; off < sizeof(rec); off += 64)
            __builtin_prefetch(r + off);
    }
}

uint32_t lo_tracker_slot(const lo_tracker *t, uint32_t mmsi) { return find_index(t, mmsi); }

static void rehash_step(lo_tracker *t, uint32_t nbuckets)
{
    if (!t->rehashing)
        return;
    uint32_t size0 = t->mask[0] + 1;
    for (uint32_t n = 0; n < nbuckets && t->rehash_pos < size0; n++, t->rehash_pos++) {
        uint32_t i = t->tab[0][t->rehash_pos];
        while (i) {
            rec *r = R(t, i);
            uint32_t next = r->next;
            uint32_t *b = bucket_of(t, hash_mmsi(t, r->v.mmsi), 1);
            r->next = *b;
            *b = i;
            i = next;
        }
        t->tab[0][t->rehash_pos] = 0;
    }
    if (t->rehash_pos == size0) {
        t->stats.memory_bytes -= (uint64_t)size0 * sizeof *t->tab[0];
        free(t->tab[0]);
        t->tab[0] = t->tab[1];
        t->mask[0] = t->mask[1];
        t->tab[1] = NULL;
        t->rehashing = false;
    }
}

/* Start growing when there are more vessels than buckets; a failed allocation
 * only leaves chains longer. */
static void maybe_grow(lo_tracker *t)
{
    if (t->rehashing || t->stats.vessels <= t->mask[0] + 1 || t->mask[0] >= 0x7FFFFFFFu)
        return;
    uint32_t size = (t->mask[0] + 1) * 2;
    uint32_t *tab = calloc(size, sizeof *tab);
    if (!tab)
        return;
    t->tab[1] = tab;
    t->mask[1] = size - 1;
    t->stats.memory_bytes += (uint64_t)size * sizeof *tab;
    t->rehash_pos = 0;
    t->rehashing = true;
}

static void hash_insert(lo_tracker *t, uint32_t i)
{
    uint32_t *b = bucket_of(t, hash_mmsi(t, R(t, i)->v.mmsi), t->rehashing ? 1 : 0);
    R(t, i)->next = *b;
    *b = i;
}

static void hash_remove(lo_tracker *t, uint32_t i)
{
    uint32_t h = hash_mmsi(t, R(t, i)->v.mmsi);
    for (int which = 0; which < (t->rehashing ? 2 : 1); which++) {
        for (uint32_t *p = bucket_of(t, h, which); *p; p = &R(t, *p)->next) {
            if (*p == i) {
                *p = R(t, i)->next;
                return;
            }
        }
    }
}

static void lru_unlink(lo_tracker *t, rec *r)
{
    if (r->older)
        R(t, r->older)->newer = r->newer;
    else
        t->oldest = r->newer;
    if (r->newer)
        R(t, r->newer)->older = r->older;
    else
        t->newest = r->older;
    r->older = r->newer = 0;
}

static void lru_push(lo_tracker *t, rec *r, uint32_t i)
{
    r->older = t->newest;
    r->newer = 0;
    if (t->newest)
        R(t, t->newest)->newer = i;
    else
        t->oldest = i;
    t->newest = i;
}

/* A record for a vessel never heard (or heard and evicted): a fresh one while
 * under the cap, else the longest-silent vessel's, after on_evict. */
static uint32_t new_record(lo_tracker *t, uint32_t mmsi)
{
    uint32_t i;
    if (t->used < t->cfg.max_vessels) {
        uint32_t c = t->used >> CHUNK_SHIFT;
        if (c >= t->nchunks) {
            rec *chunk = calloc(CHUNK_RECS, sizeof *chunk);
            if (!chunk)
                return 0;
            t->chunks[t->nchunks++] = chunk;
            t->stats.memory_bytes += CHUNK_RECS * sizeof *chunk;
        }
        i = ++t->used;
        t->stats.vessels++;
        if (t->stats.vessels > t->stats.peak_vessels)
            t->stats.peak_vessels = t->stats.vessels;
    } else {
        i = t->oldest;
        rec *old = R(t, i);
        if (t->cb.on_evict)
            t->cb.on_evict(t->cb.ctx, &old->v);
        t->stats.evicted++;
        hash_remove(t, i);
        lru_unlink(t, old);
    }
    rec *r = R(t, i);
    memset(r, 0, sizeof *r);
    r->v.mmsi = mmsi;
    r->v.slot = i;
    r->v.kind = lo_station_kind_of(mmsi);
    r->v.flag_iso2 = lo_mid_iso2(lo_mmsi_mid(mmsi));
    r->v.last.speed = 1023;
    r->v.last.course = 3600;
    r->v.last.heading = 511;
    r->v.last.status = 15;
    hash_insert(t, i);
    lru_push(t, r, i);
    maybe_grow(t);
    return i;
}

/* ---- create / destroy / look-ups -------------------------------------------- */

#define DEFAULT_MAX_VESSELS 1000000u
#define DEFAULT_DEDUP_MS 10000
#define DEFAULT_MAX_SPEED_KN 25.0
#define DEFAULT_NOISE_M 1852.0
#define DEFAULT_MAX_GAP_MS (24 * 3600 * 1000LL)
#define KNOT_MPS (1852.0 / 3600.0)

lo_tracker *lo_tracker_create(const lo_tracker_config *cfg, const lo_tracker_callbacks *cb)
{
    lo_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (cfg)
        t->cfg = *cfg;
    if (cb)
        t->cb = *cb;
    lo_tracker_config *c = &t->cfg;
    if (c->max_vessels == 0)
        c->max_vessels = DEFAULT_MAX_VESSELS;
    if (c->max_vessels > LO_TRACK_MAX_VESSELS)
        c->max_vessels = LO_TRACK_MAX_VESSELS;
    if (c->dedup_window_ms == 0)
        c->dedup_window_ms = DEFAULT_DEDUP_MS;
    if (c->dedup_window_ms > INT32_MAX) /* fingerprint times are 32-bit */
        c->dedup_window_ms = INT32_MAX;
    if (!(c->max_speed_kn > 0)) /* also NaN */
        c->max_speed_kn = DEFAULT_MAX_SPEED_KN;
    if (c->noise_m == 0 || c->noise_m != c->noise_m)
        c->noise_m = DEFAULT_NOISE_M;
    if (c->max_gap_ms <= 0)
        c->max_gap_ms = DEFAULT_MAX_GAP_MS;
    t->noise_m = c->noise_m < 0 ? 0 : c->noise_m;
    t->max_speed_mps = c->max_speed_kn * KNOT_MPS;
    t->max_chunks = (c->max_vessels + CHUNK_RECS - 1) / CHUNK_RECS;
    t->chunks = calloc(t->max_chunks, sizeof *t->chunks);
    t->tab[0] = calloc(HASH_MIN_BUCKETS, sizeof *t->tab[0]);
    t->mask[0] = HASH_MIN_BUCKETS - 1;
    if (!t->chunks || !t->tab[0]) {
        lo_tracker_destroy(t);
        return NULL;
    }
    t->stats.memory_bytes = sizeof *t + t->max_chunks * sizeof *t->chunks + HASH_MIN_BUCKETS * sizeof *t->tab[0];
    return t;
}

void lo_tracker_destroy(lo_tracker *t)
{
    if (!t)
        return;
    for (uint32_t c = 0; c < t->nchunks; c++)
        free(t->chunks[c]);
    free(t->chunks);
    free(t->tab[0]);
    free(t->tab[1]);
    free(t);
}

const lo_vessel *lo_tracker_get(const lo_tracker *t, uint32_t mmsi)
{
    if (!t)
        return NULL;
    uint32_t i = find_index(t, mmsi);
    return i ? &R(t, i)->v : NULL;
}

uint32_t lo_tracker_count(const lo_tracker *t) { return t ? t->stats.vessels : 0; }

const lo_tracker_stats *lo_tracker_get_stats(const lo_tracker *t) { return t ? &t->stats : NULL; }

int lo_tracker_each(const lo_tracker *t, int (*fn)(void *ctx, const lo_vessel *v), void *ctx)
{
    if (!t || !fn)
        return 0;
    for (uint32_t i = t->oldest; i;) {
        const rec *r = R(t, i);
        i = r->newer;
        int rc = fn(ctx, &r->v);
        if (rc)
            return rc;
    }
    return 0;
}

/* a - b, saturated (times come from input and may be anything). */
static int64_t time_diff(int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return a > b ? INT64_MAX : INT64_MIN;
    return d;
}

/* ---- duplicates --------------------------------------------------------------- */

/* Fingerprint of a message's content: its bits with the repeat indicator masked
 * (a repeater's copy is the same report), and its length. A message built
 * without bits is fingerprinted by its values. */
static uint32_t fingerprint(const lo_message *m)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)m->nbits << 32) ^ m->type;
    if (m->nbits) {
        size_t nwords = ((size_t)m->nbits + 63) / 64;
        uint8_t first[8];
        memcpy(first, m->bits, 8); /* lo_decode leaves 8 zeroed bytes after the bits */
        first[0] &= 0xFC;          /* bits 6-7: the repeat indicator */
        for (size_t w = 0; w < nwords; w++) {
            uint64_t x;
            memcpy(&x, w ? m->bits + 8 * w : first, 8);
            h = (h ^ x) * 0xFF51AFD7ED558CCDull;
            h ^= h >> 32;
        }
    } else {
        for (unsigned i = 0; i < m->nvalues && i < LO_MAX_VALUES; i++) {
            h = (h ^ (uint64_t)m->v[i]) * 0xFF51AFD7ED558CCDull;
            h ^= h >> 32;
        }
        for (unsigned i = 0; i < m->ntext && i < LO_MAX_TEXT; i++)
            h = (h ^ (uint8_t)m->text[i]) * 0x100000001B3ull;
        h ^= m->mmsi;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* A fingerprint's time is kept in 32 bits; it is at most last_seen_ms, so its
 * full value is last_seen_ms less the (wrapping) 32-bit difference. */
static bool seen_recently(const lo_tracker *t, const rec *r, uint32_t fp, int64_t time_ms)
{
    int64_t last = r->v.last_seen_ms;
    if (time_diff(time_ms, last) > t->cfg.dedup_window_ms)
        return false; /* later than anything remembered */
    for (unsigned k = 0; k < r->nfp; k++) {
        if (r->fp[k] != fp)
            continue;
        int64_t when = time_diff(last, (int64_t)(uint32_t)((uint32_t)last - r->fp_time[k]));
        int64_t d = time_diff(time_ms, when);
        if (d >= -t->cfg.dedup_window_ms && d <= t->cfg.dedup_window_ms)
            return true;
    }
    return false;
}

static void remember(rec *r, uint32_t fp, int64_t time_ms)
{
    r->fp[r->fp_next] = fp;
    r->fp_time[r->fp_next] = (uint32_t)time_ms;
    r->fp_next = (uint8_t)((r->fp_next + 1) % LO_TRACK_DEDUP_SLOTS);
    if (r->nfp < LO_TRACK_DEDUP_SLOTS)
        r->nfp++;
}

/* ---- positions and segments --------------------------------------------------- */

#define EARTH_RADIUS_M 6371008.8
#define UDEG_RAD (M_PI / 180e6)

static double distance_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
    double p1 = lat1 * UDEG_RAD, p2 = lat2 * UDEG_RAD;
    int64_t dl = (int64_t)lon2 - lon1;
    if (dl > 180000000)
        dl -= 360000000;
    else if (dl < -180000000)
        dl += 360000000;
    double dlon = (double)dl * UDEG_RAD, dlat = p2 - p1;
    double x = dlon * cos(0.5 * (p1 + p2));
    double d = EARTH_RADIUS_M * sqrt(x * x + dlat * dlat);
    if (d < 50000)
        return d; /* equirectangular: well under 0.1 % off at this range */
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(p1) * cos(p2) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * EARTH_RADIUS_M * asin(sqrt(a < 1 ? a : 1));
}

/* Reported speed usable to widen the speed limit (GFW): not "not available",
 * not 102.2 ("or more") and not 51.2, which real feeds send as noise. */
static double usable_speed_kn(uint16_t speed)
{
    if (speed >= 1022 || speed == 512)
        return 0;
    return speed / 10.0;
}

/* Factor on the reported speed for the limit (GFW's REPORTED_SPEED_MULTIPLIER). */
#define REPORTED_SPEED_FACTOR 1.1

static uint32_t assign_segment(lo_tracker *t, rec *r, const lo_track_point *p)
{
    int best = -1, empty = -1, stalest = 0;
    double best_score = 2;
    for (int k = 0; k < LO_TRACK_OPEN_SEGMENTS; k++) {
        seg_end *s = &r->seg[k];
        if (!s->id) {
            if (empty < 0)
                empty = k;
            continue;
        }
        if (s->time_ms < r->seg[stalest].time_ms || !r->seg[stalest].id)
            stalest = k;
        int64_t dt = time_diff(p->time_ms, s->time_ms);
        if (dt > t->cfg.max_gap_ms) { /* silent too long: closed */
            s->id = 0;
            if (empty < 0)
                empty = k;
            continue;
        }
        if (dt < 0)
            dt = dt == INT64_MIN ? INT64_MAX : -dt;
        if (dt > t->cfg.max_gap_ms)
            continue;
        double kn = usable_speed_kn(p->speed);
        double kn2 = usable_speed_kn(s->speed);
        if (kn2 > kn)
            kn = kn2;
        double v = REPORTED_SPEED_FACTOR * kn * KNOT_MPS;
        if (v < t->max_speed_mps)
            v = t->max_speed_mps;
        double allowed = t->noise_m + v * (double)dt / 1000.0;
        double d = distance_m(s->lat, s->lon, p->lat_udeg, p->lon_udeg);
        if (d > allowed)
            continue;
        double score = allowed > 0 ? d / allowed : 0;
        if (score < best_score || (score == best_score && s->time_ms > r->seg[best].time_ms)) {
            best = k;
            best_score = score;
        }
    }
    seg_end *s;
    if (best >= 0) {
        s = &r->seg[best];
        if (p->time_ms < s->time_ms)
            return s->id; /* an older report: the segment's end stays */
    } else {
        s = &r->seg[empty >= 0 ? empty : stalest];
        s->id = ++r->v.segments;
        t->stats.segments++;
    }
    s->time_ms = p->time_ms;
    s->lat = p->lat_udeg;
    s->lon = p->lon_udeg;
    s->speed = p->speed;
    return s->id;
}

/* 1/10000 minute -> microdegrees, rounded (x * 100 / 60). */
static inline int32_t min4_udeg(int64_t raw) { return (int32_t)((raw * 5 + (raw >= 0 ? 1 : -1)) / 3); }
/* 1/10 minute -> microdegrees (x * 1000000 / 600). */
static inline int32_t min1_udeg(int64_t raw) { return (int32_t)((raw * 5000 + (raw >= 0 ? 1 : -1)) / 3); }

/* Reads the position of a position report into p. Returns true when it is one. */
static bool read_position(lo_tracker *t, const lo_message *m, const fmap *f, lo_track_point *p)
{
    int64_t lat = fval(m, f, F_LAT, LO_ABSENT), lon = fval(m, f, F_LON, LO_ABSENT);
    if (lat == LO_ABSENT || lon == LO_ABSENT)
        return false;
    bool coarse = m->type == 27; /* 1/10 minute */
    int64_t na_lat = coarse ? 54600 : 54600000, na_lon = coarse ? 108600 : 108600000;
    int64_t max_lat = coarse ? 54000 : 54000000, max_lon = coarse ? 108000 : 108000000;
    if (lat == na_lat || lon == na_lon) {
        t->stats.no_position++;
        return false;
    }
    if (lat > max_lat || lat < -max_lat || lon > max_lon || lon < -max_lon) {
        t->stats.bad_position++;
        return false;
    }
    if (lat == 0 && lon == 0) {
        t->stats.zero_position++;
        return false;
    }
    p->lat_udeg = coarse ? min1_udeg(lat) : min4_udeg(lat);
    p->lon_udeg = coarse ? min1_udeg(lon) : min4_udeg(lon);
    int64_t speed = fval(m, f, F_SPEED, -1), course = fval(m, f, F_COURSE, -1);
    switch (m->type) {
    case 27: /* whole knots (63 n/a), whole degrees (511 n/a) */
        p->speed = speed < 0 || speed == 63 ? 1023 : (uint16_t)(speed * 10);
        p->course = course < 0 || course == 511 ? 3600 : (uint16_t)(course * 10);
        break;
    case 9: /* whole knots, 1023 n/a */
        p->speed = speed < 0 || speed >= 1023 ? 1023 : (uint16_t)(speed * 10);
        p->course = course < 0 ? 3600 : (uint16_t)course;
        break;
    default:
        p->speed = speed < 0 ? 1023 : (uint16_t)speed;
        p->course = course < 0 ? 3600 : (uint16_t)course;
        break;
    }
    p->heading = (uint16_t)fval(m, f, F_HEADING, 511);
    p->status = (uint8_t)fval(m, f, F_STATUS, 15);
    p->accuracy = fval(m, f, F_ACCURACY, 0) != 0;
    p->type = m->type;
    size_t n = strnlen(m->meta.station, LO_MAX_STATION - 1);
    memcpy(p->station, m->meta.station, n);
    p->station[n] = '\0';
    return true;
}

/* ---- identity ------------------------------------------------------------------- */

#define MAX_CHANGES 5

typedef struct changes {
    unsigned n;
    lo_identity_change c[MAX_CHANGES];
} changes;

static char *put_u32(char *s, uint32_t v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *s++ = tmp[--n];
    *s = '\0';
    return s;
}

static void dims_text(char *s, const lo_identity *id)
{
    s = put_u32(s, id->to_bow);
    *s++ = '/';
    s = put_u32(s, id->to_stern);
    *s++ = '/';
    s = put_u32(s, id->to_port);
    *s++ = '/';
    put_u32(s, id->to_starboard);
}

static void copy_text(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static lo_identity_change *add_change(changes *ch, const lo_vessel *v, lo_identity_field field, int64_t time_ms)
{
    if (ch->n >= MAX_CHANGES)
        return NULL;
    lo_identity_change *c = &ch->c[ch->n++];
    c->mmsi = v->mmsi;
    c->time_ms = time_ms;
    c->field = field;
    c->old_value[0] = c->new_value[0] = '\0';
    return c;
}

/* Merge a text identity field: an empty value never replaces a known one. */
static bool merge_text(char *cur, size_t cap, const char *val, changes *ch, const lo_vessel *v,
                       lo_identity_field field, int64_t time_ms)
{
    if (!val[0] || strncmp(cur, val, cap) == 0)
        return false;
    lo_identity_change *c = add_change(ch, v, field, time_ms);
    if (c) {
        copy_text(c->old_value, cur, sizeof c->old_value);
        copy_text(c->new_value, val, sizeof c->new_value);
    }
    copy_text(cur, val, cap);
    return true;
}

static bool merge_u32(uint32_t *cur, uint32_t val, changes *ch, const lo_vessel *v, lo_identity_field field,
                      int64_t time_ms)
{
    if (val == 0 || *cur == val)
        return false;
    lo_identity_change *c = add_change(ch, v, field, time_ms);
    if (c) {
        if (*cur)
            put_u32(c->old_value, *cur);
        put_u32(c->new_value, val);
    }
    *cur = val;
    return true;
}

static bool merge_dims(lo_identity *id, const lo_message *m, const fmap *f, changes *ch, const lo_vessel *v,
                       int64_t time_ms)
{
    int64_t bow = fval(m, f, F_BOW, -1), stern = fval(m, f, F_STERN, -1);
    int64_t port = fval(m, f, F_PORT, -1), star = fval(m, f, F_STARBOARD, -1);
    if (bow < 0 || stern < 0 || port < 0 || star < 0 || (bow | stern | port | star) == 0)
        return false;
    if (id->to_bow == bow && id->to_stern == stern && id->to_port == port && id->to_starboard == star)
        return false;
    lo_identity_change *c = add_change(ch, v, LO_ID_DIMENSIONS, time_ms);
    bool known = id->to_bow | id->to_stern | id->to_port | id->to_starboard;
    if (c && known)
        dims_text(c->old_value, id);
    id->to_bow = (uint16_t)bow;
    id->to_stern = (uint16_t)stern;
    id->to_port = (uint8_t)port;
    id->to_starboard = (uint8_t)star;
    if (c)
        dims_text(c->new_value, id);
    return true;
}

/* Type 21 name: the extension continues a name that used all 20 characters
 * (as json.c prints it). */
static void aton_name(const lo_message *m, const fmap *f, char *dst, size_t cap)
{
    dst[0] = '\0';
    int64_t v1 = fval(m, f, F_NAME, LO_ABSENT), v2 = fval(m, f, F_NAME_EXT, LO_ABSENT);
    if (v1 == LO_ABSENT)
        return;
    uint16_t n1, n2 = 0;
    const char *s1 = lo_message_text(m, v1, &n1), *s2 = "";
    if (v2 != LO_ABSENT) {
        s2 = lo_message_text(m, v2, &n2);
        size_t full = strnlen(s1, 21);
        if (n2 > 0 && full == 20)
            n1 = 20;
        else
            n2 = 0;
    }
    size_t len = 0;
    for (uint16_t i = 0; i < n1 && len + 1 < cap; i++)
        dst[len++] = s1[i];
    for (uint16_t i = 0; i < n2 && len + 1 < cap; i++)
        dst[len++] = s2[i];
    while (len > 0 && dst[len - 1] == ' ')
        len--;
    dst[len] = '\0';
}

/* Static and voyage fields of the message. Returns true when anything changed. */
static bool merge_static(rec *r, const lo_message *m, const fmap *f, changes *ch, int64_t time_ms)
{
    lo_vessel *v = &r->v;
    lo_identity *id = &v->id;
    bool changed = false;
    char text[40];
    switch (m->type) {
    case 5:
    case 19:
    case 24:
        ftext(m, f, F_SHIPNAME, text, sizeof id->name);
        changed |= merge_text(id->name, sizeof id->name, text, ch, v, LO_ID_NAME, time_ms);
        ftext(m, f, F_CALLSIGN, text, sizeof id->callsign);
        changed |= merge_text(id->callsign, sizeof id->callsign, text, ch, v, LO_ID_CALLSIGN, time_ms);
        changed |= merge_u32(&id->imo, (uint32_t)fval(m, f, F_IMO, 0), ch, v, LO_ID_IMO, time_ms);
        {
            uint32_t st = id->ship_type;
            changed |= merge_u32(&st, (uint32_t)fval(m, f, F_SHIPTYPE, 0), ch, v, LO_ID_SHIP_TYPE, time_ms);
            id->ship_type = (uint8_t)st;
        }
        changed |= merge_dims(id, m, f, ch, v, time_ms);
        {
            int64_t draught = fval(m, f, F_DRAUGHT, 0), eta = fval(m, f, F_ETA, 0);
            int64_t mother = fval(m, f, F_MOTHER, 0);
            if (draught && draught != id->draught) {
                id->draught = (uint8_t)draught;
                changed = true;
            }
            if ((eta >> 16) && eta != id->eta) { /* month 0: not available */
                id->eta = (uint32_t)eta;
                changed = true;
            }
            if (mother && mother != id->mothership) {
                id->mothership = (uint32_t)mother;
                changed = true;
            }
        }
        ftext(m, f, F_DEST, text, sizeof id->destination);
        if (text[0] && strcmp(text, id->destination) != 0) {
            copy_text(id->destination, text, sizeof id->destination);
            changed = true;
        }
        break;
    case 21: {
        aton_name(m, f, text, sizeof id->name);
        changed |= merge_text(id->name, sizeof id->name, text, ch, v, LO_ID_NAME, time_ms);
        changed |= merge_dims(id, m, f, ch, v, time_ms);
        int64_t aid = fval(m, f, F_AID_TYPE, 0);
        bool virt = fval(m, f, F_VIRTUAL, 0) != 0;
        if ((aid && aid != v->aid_type) || virt != v->virtual_aid) {
            if (aid)
                v->aid_type = (uint8_t)aid;
            v->virtual_aid = virt;
            changed = true;
        }
        break;
    }
    default:
        break;
    }
    return changed;
}

/* ---- update ------------------------------------------------------------------------ */

static const fmap *fmap_for(lo_tracker *t, const lo_message *m)
{
    if (!m->layout || m->type >= 28)
        return NULL;
    fmap *ways = t->fmaps[m->type];
    for (int k = 0; k < FMAP_WAYS; k++) {
        if (ways[k].layout == m->layout)
            return &ways[k];
        if (!ways[k].layout) {
            fmap_fill(&ways[k], m->layout);
            return &ways[k];
        }
    }
    return NULL; /* more variants than ways: not a type the tracker reads */
}

static bool is_position_type(unsigned type)
{
    return type < 28 && ((1u << type) & ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 9) | (1u << 18) |
                                         (1u << 19) | (1u << 21) | (1u << 27)));
}

int lo_tracker_update(lo_tracker *t, const lo_message *m, int64_t time_ms)
{
    if (!t || !m || time_ms == LO_TIME_NONE)
        return LO_E_INVAL;
    t->stats.messages++;
    rehash_step(t, REHASH_STEP);
    uint32_t i = find_index(t, m->mmsi);
    bool created = false;
    if (!i) {
        i = new_record(t, m->mmsi);
        if (!i)
            return LO_E_NOMEM;
        created = true;
    }
    rec *r = R(t, i);
    lo_vessel *v = &r->v;
    uint32_t fp = fingerprint(m);
    if (!created && t->cfg.dedup_window_ms > 0 && seen_recently(t, r, fp, time_ms)) {
        v->duplicates++;
        t->stats.duplicates++;
        return 0;
    }
    remember(r, fp, time_ms);
    if (t->newest != i) {
        lru_unlink(t, r);
        lru_push(t, r, i);
    }
    if (created) {
        v->first_seen_ms = v->last_seen_ms = time_ms;
    } else {
        if (time_ms > v->last_seen_ms)
            v->last_seen_ms = time_ms;
        if (time_ms < v->first_seen_ms)
            v->first_seen_ms = time_ms;
    }
    v->reports++;
    t->stats.reports++;
    if (m->type < 32)
        v->types_seen |= 1u << m->type;

    const fmap *f = fmap_for(t, m);
    changes ch;
    ch.n = 0;
    bool changed = f && merge_static(r, m, f, &ch, time_ms);
    lo_track_point p;
    bool have_point = false;
    if (f && is_position_type(m->type)) {
        memset(&p, 0, sizeof p);
        p.mmsi = m->mmsi;
        p.time_ms = time_ms;
        have_point = read_position(t, m, f, &p);
    }
    if (have_point) {
        p.segment = assign_segment(t, r, &p);
        t->stats.points++;
        if (!v->has_position || p.time_ms >= v->last.time_ms) {
            v->last = p;
            v->has_position = true;
        }
    }
    if ((created || changed) && t->cb.on_vessel)
        t->cb.on_vessel(t->cb.ctx, v);
    t->stats.identity_changes += ch.n;
    if (t->cb.on_identity)
        for (unsigned k = 0; k < ch.n; k++)
            t->cb.on_identity(t->cb.ctx, v, &ch.c[k]);
    if (have_point && t->cb.on_point)
        t->cb.on_point(t->cb.ctx, v, &p);
    return 1;
}
