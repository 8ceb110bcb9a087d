/* picture.c - the vessel table and recent events HTTP reads (picture.h).
 * Vessels: a dense array plus an open-addressing index (linear probing,
 * backward-shift deletion), sized once for the cap. Events: a ring; an event
 * that changes is appended again and its old entry marked dead. */
#include "picture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/detect.h"

typedef struct ev_entry {
    pic_event_meta m;
    uint64_t seq;
    bool live;
    char *json, *geojson;
    size_t jlen, glen;
} ev_entry;

struct picture {
    pthread_mutex_t mu;
    pic_vessel *v;
    uint32_t n, cap, max;
    uint32_t *index; /* vessel position + 1, 0 = empty */
    uint32_t mask;
    uint32_t seed;
    uint64_t refused;

    pthread_mutex_t emu;
    ev_entry *ev; /* ring of PIC_MAX_EVENTS */
    uint32_t ehead, elen, elive;
    uint64_t eseq;
};

static uint32_t hash(const picture *p, uint32_t mmsi)
{
    uint32_t h = (mmsi ^ p->seed) * 0x9E3779B1u;
    h ^= h >> 15;
    h *= 0x85EBCA77u;
    h ^= h >> 13;
    return h & p->mask;
}

picture *pic_create(uint32_t max_vessels)
{
    picture *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->max = max_vessels ? max_vessels : 1000000;
    uint32_t slots = 1024;
    while (slots < p->max * 2u && slots < (1u << 31))
        slots *= 2;
    p->index = calloc(slots, sizeof *p->index);
    p->ev = calloc(PIC_MAX_EVENTS, sizeof *p->ev);
    if (!p->index || !p->ev) {
        free(p->index);
        free(p->ev);
        free(p);
        return NULL;
    }
    p->mask = slots - 1;
    p->seed = (uint32_t)(uintptr_t)p * 2654435761u; /* varies per run with ASLR */
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->emu, NULL);
    return p;
}

void pic_destroy(picture *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < PIC_MAX_EVENTS; i++) {
        free(p->ev[i].json);
        free(p->ev[i].geojson);
    }
    free(p->ev);
    free(p->v);
    free(p->index);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->emu);
    free(p);
}

/* Index slot holding mmsi, or the empty slot where it would go. */
static uint32_t find_slot(const picture *p, uint32_t mmsi)
{
    uint32_t h = hash(p, mmsi);
    while (p->index[h] && p->v[p->index[h] - 1].mmsi != mmsi)
        h = (h + 1) & p->mask;
    return h;
}

void pic_fill(pic_vessel *d, const lo_vessel *v, bool watch)
{
    d->mmsi = v->mmsi;
    d->imo = v->id.imo;
    memcpy(d->name, v->id.name, sizeof d->name);
    memcpy(d->callsign, v->id.callsign, sizeof d->callsign);
    memcpy(d->destination, v->id.destination, sizeof d->destination);
    d->name[sizeof d->name - 1] = d->callsign[sizeof d->callsign - 1] = 0;
    d->destination[sizeof d->destination - 1] = 0;
    if (v->flag_iso2) {
        d->flag[0] = v->flag_iso2[0];
        d->flag[1] = v->flag_iso2[0] ? v->flag_iso2[1] : 0;
        d->flag[2] = 0;
    } else {
        d->flag[0] = 0;
    }
    d->ship_type = v->id.ship_type;
    d->kind = (uint8_t)v->kind;
    d->draught = v->id.draught;
    d->to_bow = v->id.to_bow;
    d->to_stern = v->id.to_stern;
    d->to_port = v->id.to_port;
    d->to_starboard = v->id.to_starboard;
    d->watch = watch;
    d->has_pos = v->has_position;
    d->first_seen_ms = v->first_seen_ms;
    d->last_seen_ms = v->last_seen_ms;
    if (v->has_position) {
        const lo_track_point *t = &v->last;
        d->lat = t->lat_udeg;
        d->lon = t->lon_udeg;
        d->speed = t->speed;
        d->course = t->course;
        d->heading = t->heading;
        d->status = t->status;
        d->msg_type = t->type;
        d->segment = t->segment;
        d->time_ms = t->time_ms;
        memcpy(d->station, t->station, sizeof d->station);
        d->station[sizeof d->station - 1] = 0;
    }
}

bool pic_set(picture *p, const lo_vessel *v, int watch, int64_t now_ms, int64_t stream_interval_ms,
             pic_vessel *out)
{
    bool stream = false;
    pthread_mutex_lock(&p->mu);
    uint32_t h = find_slot(p, v->mmsi);
    pic_vessel *d = NULL;
    if (p->index[h]) {
        d = &p->v[p->index[h] - 1];
    } else if (p->n < p->max) {
        if (p->n == p->cap) {
            uint32_t cap = p->cap ? p->cap * 2 : 4096;
            if (cap > p->max)
                cap = p->max;
            pic_vessel *nv = realloc(p->v, (size_t)cap * sizeof *nv);
            if (nv) {
                p->v = nv;
                p->cap = cap;
            }
        }
        if (p->n < p->cap) {
            d = &p->v[p->n];
            memset(d, 0, sizeof *d);
            d->streamed_ms = INT64_MIN;
            p->index[h] = ++p->n;
        }
    }
    if (d) {
        pic_fill(d, v, watch < 0 ? d->watch : watch != 0);
        if (stream_interval_ms >= 0 && d->has_pos &&
            (d->streamed_ms == INT64_MIN || now_ms - d->streamed_ms >= stream_interval_ms)) {
            d->streamed_ms = now_ms;
            stream = true;
            if (out)
                *out = *d;
        }
    } else {
        p->refused++;
    }
    pthread_mutex_unlock(&p->mu);
    return stream;
}

void pic_remove(picture *p, uint32_t mmsi)
{
    pthread_mutex_lock(&p->mu);
    uint32_t h = find_slot(p, mmsi);
    if (!p->index[h]) {
        pthread_mutex_unlock(&p->mu);
        return;
    }
    uint32_t pos = p->index[h] - 1;
    /* backward-shift deletion keeps every probe chain unbroken */
    p->index[h] = 0;
    for (uint32_t j = (h + 1) & p->mask; p->index[j]; j = (j + 1) & p->mask) {
        uint32_t home = hash(p, p->v[p->index[j] - 1].mmsi);
        /* may the entry at j move to the hole at h? (home not in (h, j]) */
        bool between = h <= j ? (home > h && home <= j) : (home > h || home <= j);
        if (!between) {
            p->index[h] = p->index[j];
            p->index[j] = 0;
            h = j;
        }
    }
    /* the last record moves into the freed place */
    uint32_t last = p->n - 1;
    if (pos != last) {
        p->v[pos] = p->v[last];
        p->index[find_slot(p, p->v[pos].mmsi)] = pos + 1;
    }
    p->n--;
    pthread_mutex_unlock(&p->mu);
}

uint32_t pic_count(picture *p)
{
    pthread_mutex_lock(&p->mu);
    uint32_t n = p->n;
    pthread_mutex_unlock(&p->mu);
    return n;
}

uint64_t pic_refused(picture *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->refused;
    pthread_mutex_unlock(&p->mu);
    return n;
}

bool pic_get(picture *p, uint32_t mmsi, pic_vessel *out)
{
    pthread_mutex_lock(&p->mu);
    uint32_t h = find_slot(p, mmsi);
    bool found = p->index[h] != 0;
    if (found)
        *out = p->v[p->index[h] - 1];
    pthread_mutex_unlock(&p->mu);
    return found;
}

static bool in_bbox(const lo_bbox *b, int32_t lat, int32_t lon)
{
    if (lat < b->south || lat > b->north)
        return false;
    if (b->west <= b->east)
        return lon >= b->west && lon <= b->east;
    return lon >= b->west || lon <= b->east; /* across the antimeridian */
}

static bool matches(const pic_filter *f, const pic_vessel *v)
{
    if (f->watch_only && !v->watch)
        return false;
    if (f->types && !(f->types[v->ship_type >> 6] >> (v->ship_type & 63) & 1))
        return false;
    if (f->bbox && (!v->has_pos || !in_bbox(f->bbox, v->lat, v->lon)))
        return false;
    return true;
}

long pic_query(picture *p, const pic_filter *f, pic_vessel **out, uint64_t *matched)
{
    *out = NULL;
    *matched = 0;
    /* Sized from the count before the lock; grown under it if vessels came
     * meanwhile (an allocation, never I/O, under the lock). */
    uint32_t cap = pic_count(p) + 64;
    if (cap > f->limit)
        cap = f->limit;
    pic_vessel *buf = malloc(((size_t)cap + 1) * sizeof *buf);
    if (!buf)
        return -1;
    long n = 0;
    uint64_t m = 0;
    bool nomem = false;
    pthread_mutex_lock(&p->mu);
    for (uint32_t i = 0; i < p->n; i++) {
        const pic_vessel *v = &p->v[i];
        if (!matches(f, v))
            continue;
        m++;
        if ((uint32_t)n == cap && cap < f->limit && !nomem) {
            uint32_t ncap = cap * 2 > f->limit ? f->limit : cap * 2;
            pic_vessel *nb = realloc(buf, ((size_t)ncap + 1) * sizeof *nb);
            if (nb) {
                buf = nb;
                cap = ncap;
            } else {
                nomem = true;
            }
        }
        if ((uint32_t)n < cap)
            buf[n++] = *v;
    }
    pthread_mutex_unlock(&p->mu);
    if (nomem) {
        free(buf);
        return -1;
    }
    *out = buf;
    *matched = m;
    return n;
}

/* ---- events ---- */

int pic_event_put(picture *p, const pic_event_meta *m, const char *json, size_t jlen, const char *geojson,
                  size_t glen)
{
    char *j = malloc(jlen + 1), *g = malloc(glen + 1);
    if (!j || !g) {
        free(j);
        free(g);
        return -1;
    }
    memcpy(j, json, jlen);
    j[jlen] = 0;
    memcpy(g, geojson, glen);
    g[glen] = 0;
    pthread_mutex_lock(&p->emu);
    /* the older entry of the same event is dead from now on */
    for (uint32_t k = 0; k < p->elen; k++) {
        ev_entry *e = &p->ev[(p->ehead + PIC_MAX_EVENTS - 1 - k) % PIC_MAX_EVENTS];
        if (e->live && e->m.id == m->id) {
            e->live = false;
            p->elive--;
            free(e->json);
            free(e->geojson);
            e->json = e->geojson = NULL;
            break;
        }
    }
    ev_entry *e = &p->ev[p->ehead];
    if (e->live)
        p->elive--;
    free(e->json);
    free(e->geojson);
    e->m = *m;
    e->seq = ++p->eseq;
    e->live = true;
    e->json = j;
    e->jlen = jlen;
    e->geojson = g;
    e->glen = glen;
    p->elive++;
    p->ehead = (p->ehead + 1) % PIC_MAX_EVENTS;
    if (p->elen < PIC_MAX_EVENTS)
        p->elen++;
    pthread_mutex_unlock(&p->emu);
    return 0;
}

uint32_t pic_events_write(picture *p, const pic_event_filter *f, jbuf *b)
{
    uint32_t n = 0;
    pthread_mutex_lock(&p->emu);
    for (uint32_t k = 0; k < p->elen && n < f->limit && !b->overflow; k++) {
        const ev_entry *e = &p->ev[(p->ehead + PIC_MAX_EVENTS - 1 - k) % PIC_MAX_EVENTS];
        if (!e->live)
            continue;
        if (f->types && !(f->types >> e->m.type & 1))
            continue;
        if (f->since_ms != LO_TIME_NONE && e->m.end_ms < f->since_ms)
            continue;
        if (f->mmsi) {
            bool has = false;
            for (uint32_t i = 0; i < e->m.nmmsi; i++)
                has |= e->m.mmsi[i] == f->mmsi;
            if (!has)
                continue;
        }
        if (n)
            jb_putc(b, ',');
        if (f->geojson)
            jb_putn(b, e->geojson, e->glen);
        else
            jb_putn(b, e->json, e->jlen);
        n++;
    }
    pthread_mutex_unlock(&p->emu);
    return n;
}

uint32_t pic_event_count(picture *p)
{
    pthread_mutex_lock(&p->emu);
    uint32_t n = p->elive;
    pthread_mutex_unlock(&p->emu);
    return n;
}
