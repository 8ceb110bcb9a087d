/* vjson.c - vessel records -> JSON / GeoJSON (vjson.h). */
#include "vjson.h"

#include "lookout/detect.h"

static void kv_str(jbuf *b, const char *k, const char *s)
{
    jb_putc(b, ',');
    jb_jstr(b, k);
    jb_putc(b, ':');
    jb_jstr(b, s && *s ? s : NULL);
}

static void kv_int(jbuf *b, const char *k, int64_t v, bool known)
{
    jb_putc(b, ',');
    jb_jstr(b, k);
    jb_putc(b, ':');
    if (known)
        jb_i64(b, v);
    else
        jb_puts(b, "null");
}

static void kv_fixed(jbuf *b, const char *k, int64_t v, int dec, bool known)
{
    jb_putc(b, ',');
    jb_jstr(b, k);
    jb_putc(b, ':');
    if (known)
        jb_fixed(b, v, dec);
    else
        jb_puts(b, "null");
}

static void fields(jbuf *b, const pic_vessel *v, bool with_pos)
{
    bool pos = v->has_pos;
    jb_puts(b, "\"mmsi\":");
    jb_u64(b, v->mmsi);
    kv_str(b, "name", v->name);
    kv_str(b, "callsign", v->callsign);
    kv_int(b, "imo", v->imo, v->imo != 0);
    kv_int(b, "ship_type", v->ship_type, v->ship_type != 0);
    kv_str(b, "ship_class", lo_shipclass_key(lo_shipclass_of(v->ship_type)));
    kv_str(b, "flag", v->flag);
    kv_str(b, "kind", lo_station_kind_name((lo_station_kind)v->kind));
    if (with_pos) {
        kv_fixed(b, "lat", v->lat, 6, pos);
        kv_fixed(b, "lon", v->lon, 6, pos);
    }
    kv_fixed(b, "speed", v->speed, 1, pos && v->speed != 1023);
    kv_fixed(b, "course", v->course, 1, pos && v->course < 3600);
    kv_int(b, "heading", v->heading, pos && v->heading < 360);
    kv_int(b, "status", v->status, pos && v->status != 15);
    jb_puts(b, ",\"time\":");
    if (pos)
        jb_jtime(b, v->time_ms);
    else
        jb_puts(b, "null");
    kv_int(b, "time_ms", v->time_ms, pos);
    jb_puts(b, v->watch ? ",\"watch\":true" : ",\"watch\":false");
    /* beyond the shared shape: for the vessel card */
    kv_str(b, "destination", v->destination);
    bool dims = v->to_bow || v->to_stern || v->to_port || v->to_starboard;
    kv_int(b, "length", (int64_t)v->to_bow + v->to_stern, dims && (v->to_bow || v->to_stern));
    kv_int(b, "width", (int64_t)v->to_port + v->to_starboard, dims && (v->to_port || v->to_starboard));
    kv_fixed(b, "draught", v->draught, 1, v->draught != 0);
    kv_str(b, "station", pos ? v->station : NULL);
    kv_int(b, "segment", v->segment, pos);
    kv_int(b, "msg_type", v->msg_type, pos);
    jb_puts(b, ",\"last_seen\":");
    jb_jtime(b, v->last_seen_ms);
    kv_int(b, "last_seen_ms", v->last_seen_ms, true);
}

void vj_vessel(jbuf *b, const pic_vessel *v)
{
    jb_putc(b, '{');
    fields(b, v, true);
    jb_putc(b, '}');
}

void vj_vessel_feature(jbuf *b, const pic_vessel *v)
{
    jb_puts(b, "{\"type\":\"Feature\",\"id\":");
    jb_u64(b, v->mmsi);
    jb_puts(b, ",\"geometry\":");
    if (v->has_pos) {
        jb_puts(b, "{\"type\":\"Point\",\"coordinates\":[");
        jb_fixed(b, v->lon, 6);
        jb_putc(b, ',');
        jb_fixed(b, v->lat, 6);
        jb_puts(b, "]}");
    } else {
        jb_puts(b, "null");
    }
    jb_puts(b, ",\"properties\":{");
    fields(b, v, true);
    jb_puts(b, "}}");
}
