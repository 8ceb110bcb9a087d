/* testutil_detect.c - shared helpers of the detector unit tests. */
#include "testutil_detect.h"

#include <math.h>
#include <string.h>


void tu_on_event(void *ctx, const lo_event *e)
{
    tu_events *c = ctx;
    if (c->n < TU_MAX_EVENTS)
        c->ev[c->n++] = *e;
}

int tu_events_count(const tu_events *c, lo_event_type t)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += c->ev[i].type == t;
    return k;
}

int tu_events_count_state(const tu_events *c, lo_event_type t, lo_event_state s)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += c->ev[i].type == t && c->ev[i].state == s;
    return k;
}

const lo_event *tu_events_nth(const tu_events *c, lo_event_type t, int k)
{
    for (int i = 0; i < c->n; i++)
        if (c->ev[i].type == t && k-- == 0)
            return &c->ev[i];
    return NULL;
}

const lo_event *tu_events_find(const tu_events *c, lo_event_type t, lo_event_state s)
{
    for (int i = 0; i < c->n; i++)
        if (c->ev[i].type == t && c->ev[i].state == s)
            return &c->ev[i];
    return NULL;
}

const lo_event *tu_events_last(const tu_events *c, lo_event_type t)
{
    for (int i = c->n; i-- > 0;)
        if (c->ev[i].type == t)
            return &c->ev[i];
    return NULL;
}

void tu_enable_only(lo_detect_config *cfg, const lo_event_type *types, size_t n)
{
    for (int i = 0; i < LO_EV_COUNT; i++)
        cfg->enable[i] = false;
    for (size_t i = 0; i < n; i++)
        cfg->enable[types[i]] = true;
}

void tu_vessel_init(lo_vessel *v, uint32_t mmsi)
{
    memset(v, 0, sizeof *v);
    v->mmsi = mmsi;
    v->kind = lo_station_kind_of(mmsi);
    v->flag_iso2 = lo_mid_iso2(lo_mmsi_mid(mmsi));
}

lo_track_point tu_track_point(const lo_vessel *v, int64_t t, double lat, double lon)
{
    lo_track_point p;
    memset(&p, 0, sizeof p);
    p.mmsi = v->mmsi;
    p.time_ms = t;
    p.lat_udeg = (int32_t)lround(lat * 1e6);
    p.lon_udeg = (int32_t)lround(lon * 1e6);
    p.speed = 100;
    p.course = 900;
    p.type = 1;
    p.segment = 1;
    return p;
}
