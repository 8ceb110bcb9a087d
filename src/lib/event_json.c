/* event_json.c - an event as a JSON object and as a GeoJSON Feature (RFC
 * 7946). Events are rare next to messages, so this is plain snprintf work. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lookout/detect.h"
#include "lookout/output.h"
#include "lookout/store.h"

typedef struct out {
    char *p;
    size_t len, cap;
    bool overflow;
} out;

__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->overflow = true;
        return;
    }
    o->len += (size_t)n;
}

static void put_str(out *o, const char *s)
{
    char buf[1100];
    if (lo_json_string(s ? s : "", buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "\"\"");
    put(o, "%s", buf);
}

static void put_time(out *o, const char *key, int64_t ms)
{
    char t[32];
    lo_format_time(ms, t);
    put(o, "\"%s\":\"%s\",\"%s_ms\":%lld", key, t, key, (long long)ms);
}

static void put_coord(out *o, double v)
{
    if (isfinite(v))
        put(o, "%.6f", v);
    else
        put(o, "null");
}

static void put_vessel(out *o, const lo_event_vessel *v)
{
    put(o, "{\"mmsi\":%u", v->mmsi);
    if (v->imo)
        put(o, ",\"imo\":%u", v->imo);
    if (v->name[0]) {
        put(o, ",\"name\":");
        put_str(o, v->name);
    }
    if (v->callsign[0]) {
        put(o, ",\"callsign\":");
        put_str(o, v->callsign);
    }
    if (v->flag)
        put(o, ",\"flag\":\"%s\"", v->flag);
    if (v->ship_type)
        put(o, ",\"ship_type\":%u", v->ship_type);
    put(o, ",\"ship_class\":\"%s\",\"kind\":\"%s\"", lo_shipclass_key(lo_shipclass_of(v->ship_type)),
        lo_station_kind_name(v->kind));
    if (v->listed) {
        put(o, ",\"watchlist\":{\"entry\":%d,\"name\":", v->watch);
        put_str(o, v->listed->name);
        if (v->listed->imo)
            put(o, ",\"imo\":%u", v->listed->imo);
        put(o, ",\"program\":");
        put_str(o, v->listed->program);
        put(o, ",\"source\":");
        put_str(o, v->listed->source);
        put(o, "}");
    }
    put(o, "}");
}

static void put_evidence(out *o, const lo_evidence *x)
{
    char t[32];
    lo_format_time(x->time_ms, t);
    put(o, "{\"mmsi\":%u,\"time\":\"%s\",\"time_ms\":%lld", x->mmsi, t, (long long)x->time_ms);
    if (x->lat_udeg != LO_UDEG_NONE)
        put(o, ",\"lat\":%.6f,\"lon\":%.6f", x->lat_udeg / 1e6, x->lon_udeg / 1e6);
    if (x->speed < 1023)
        put(o, ",\"speed\":%.1f", x->speed / 10.0);
    if (x->course < 3600)
        put(o, ",\"course\":%.1f", x->course / 10.0);
    if (x->msg_type)
        put(o, ",\"msg_type\":%u", x->msg_type);
    if (x->station[0]) {
        put(o, ",\"station\":");
        put_str(o, x->station);
    }
    if (x->note[0]) {
        put(o, ",\"note\":");
        put_str(o, x->note);
    }
    put(o, "}");
}

/* The fields both forms share, without braces. */
static void put_fields(out *o, const lo_event *e)
{
    put(o, "\"id\":\"%016llx\",\"type\":\"%s\",\"family\":\"%s\",\"severity\":\"%s\",\"state\":\"%s\",",
        (unsigned long long)e->id, lo_event_type_key(e->type), lo_event_type_family(e->type),
        lo_severity_key(e->severity), lo_event_state_key(e->state));
    put_time(o, "start", e->start_ms);
    put(o, ",");
    put_time(o, "end", e->end_ms);
    put(o, ",\"duration_h\":%.3f,\"where\":{\"lat\":", (double)(e->end_ms - e->start_ms) / 3.6e6);
    put_coord(o, e->lat);
    put(o, ",\"lon\":");
    put_coord(o, e->lon);
    put(o, "}");
    if (e->zone[0]) {
        put(o, ",\"zone\":");
        put_str(o, e->zone);
    }
    put(o, ",\"vessels\":[");
    for (uint32_t i = 0; i < e->nvessels; i++) {
        if (i)
            put(o, ",");
        put_vessel(o, &e->vessels[i]);
    }
    put(o, "],\"vessels_total\":%u,\"parameters\":{%s},\"summary\":", e->vessels_total, e->params);
    put_str(o, e->summary);
}

static int finish(out *o)
{
    if (o->overflow)
        return LO_E_NOSPACE;
    return (int)o->len;
}

int lo_event_json(const lo_event *e, char *buf, size_t cap)
{
    if (!e || !buf || !cap)
        return LO_E_INVAL;
    out o = {buf, 0, cap, false};
    buf[0] = '\0';
    put(&o, "{");
    put_fields(&o, e);
    put(&o, ",\"evidence\":[");
    for (uint32_t i = 0; i < e->nevidence; i++) {
        if (i)
            put(&o, ",");
        put_evidence(&o, &e->evidence[i]);
    }
    put(&o, "]}");
    return finish(&o);
}

int lo_event_geojson_feature(const lo_event *e, char *buf, size_t cap)
{
    if (!e || !buf || !cap)
        return LO_E_INVAL;
    out o = {buf, 0, cap, false};
    buf[0] = '\0';
    uint32_t npos = 0;
    for (uint32_t i = 0; i < e->nevidence; i++)
        npos += e->evidence[i].lat_udeg != LO_UDEG_NONE;
    put(&o, "{\"type\":\"Feature\",\"id\":\"%016llx\",\"geometry\":", (unsigned long long)e->id);
    if (npos) {
        /* GeoJSON is longitude first. */
        put(&o, "{\"type\":\"MultiPoint\",\"coordinates\":[");
        bool first = true;
        for (uint32_t i = 0; i < e->nevidence; i++) {
            const lo_evidence *x = &e->evidence[i];
            if (x->lat_udeg == LO_UDEG_NONE)
                continue;
            put(&o, "%s[%.6f,%.6f]", first ? "" : ",", x->lon_udeg / 1e6, x->lat_udeg / 1e6);
            first = false;
        }
        put(&o, "]}");
    } else if (isfinite(e->lat) && isfinite(e->lon)) {
        put(&o, "{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}", e->lon, e->lat);
    } else {
        put(&o, "null");
    }
    put(&o, ",\"properties\":{");
    put_fields(&o, e);
    put(&o, ",\"evidence_times\":[");
    bool first = true;
    for (uint32_t i = 0; i < e->nevidence; i++) {
        if (e->evidence[i].lat_udeg == LO_UDEG_NONE)
            continue;
        char t[32];
        lo_format_time(e->evidence[i].time_ms, t);
        put(&o, "%s\"%s\"", first ? "" : ",", t);
        first = false;
    }
    put(&o, "]}}");
    return finish(&o);
}

void lo_event_to_record(const lo_event *e, const char *json, lo_event_store_buf *b, lo_event_record *rec)
{
    for (uint32_t i = 0; i < e->nvessels; i++)
        b->mmsi[i] = e->vessels[i].mmsi;
    bool where = isfinite(e->lat) && isfinite(e->lon);
    if (where)
        snprintf(b->geometry, sizeof b->geometry, "{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}", e->lon,
                 e->lat);
    snprintf(b->params, sizeof b->params, "{%s}", e->params);
    *rec = (lo_event_record){
        .key = e->id,
        .type = lo_event_type_key(e->type),
        .severity = (int)e->severity,
        .start_ms = e->start_ms,
        .end_ms = e->state == LO_EVENT_OPEN ? LO_TIME_NONE : e->end_ms,
        .mmsi = b->mmsi,
        .nmmsi = e->nvessels,
        .geometry = where ? b->geometry : NULL,
        .parameters = b->params,
        .evidence = json,
    };
}
