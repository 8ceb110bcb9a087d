/* geojson.c - vessels and track points -> JSON lines, CSV, GeoJSON (RFC 7946).
 * Every record is rendered into a strbuf over the caller's buffer; a record
 * that does not fit leaves buffer and writer state as they were. */
#include "lookout/geojson.h"

#include <string.h>

#include "lookout/output.h"
#include "strbuf.h"

int lo_geo_format_parse(const char *s, lo_geo_format *f)
{
    if (!s || !f)
        return LO_E_INVAL;
    if (!strcmp(s, "json"))
        *f = LO_GEO_JSON;
    else if (!strcmp(s, "csv"))
        *f = LO_GEO_CSV;
    else if (!strcmp(s, "geojson"))
        *f = LO_GEO_GEOJSON;
    else
        return LO_E_INVAL;
    return 0;
}

void lo_geo_init(lo_geo_writer *w, lo_geo_format f, lo_geo_kind k)
{
    memset(w, 0, sizeof *w);
    w->format = f;
    w->kind = k;
}

static strbuf sb_over(char *buf, size_t cap)
{
    strbuf b = {.p = buf, .len = 0, .cap = cap, .overflow = buf == NULL};
    return b;
}

static int done(strbuf *b) { return b->overflow ? LO_E_NOSPACE : (int)b->len; }

/* ---- values ---- */

static void put_deg(strbuf *b, int32_t udeg) { sb_fixed(b, udeg, 6); }

static void put_time(strbuf *b, int64_t ms, bool quoted)
{
    char t[32];
    lo_format_time(ms, t);
    if (quoted)
        sb_putc(b, '"');
    sb_puts(b, t);
    if (quoted)
        sb_putc(b, '"');
}

/* JSON string (text fields are AIS six-bit text, but a station name from a
 * tag block may hold anything printable). */
static void put_jstr(strbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)*p);
        } else if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            sb_puts(b, "\\u00");
            sb_putc(b, hex[*p >> 4]);
            sb_putc(b, hex[*p & 15]);
        } else {
            sb_putc(b, (char)*p);
        }
    }
    sb_putc(b, '"');
}

/* CSV field, quoted when it must be. */
static void put_cstr(strbuf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ') || (*s && s[strlen(s) - 1] == ' ');
    if (!quote) {
        sb_puts(b, s);
        return;
    }
    sb_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_putc(b, '"');
        sb_putc(b, *p);
    }
    sb_putc(b, '"');
}

/* The writer renders named values; JSON puts "key":value, CSV only value. */
typedef struct out {
    strbuf *b;
    bool csv;
    bool first;
} out;

static void key(out *o, const char *k)
{
    if (!o->first)
        sb_putc(o->b, ',');
    o->first = false;
    if (!o->csv) {
        sb_putc(o->b, '"');
        sb_puts(o->b, k);
        sb_puts(o->b, "\":");
    }
}

static void v_null(out *o, const char *k)
{
    key(o, k);
    if (!o->csv)
        sb_puts(o->b, "null");
}

static void v_int(out *o, const char *k, int64_t v, bool known)
{
    if (!known) {
        v_null(o, k);
        return;
    }
    key(o, k);
    sb_i64(o->b, v);
}

static void v_fixed(out *o, const char *k, int64_t v, int dec, bool known)
{
    if (!known) {
        v_null(o, k);
        return;
    }
    key(o, k);
    sb_fixed(o->b, v, dec);
}

static void v_str(out *o, const char *k, const char *s, bool null_if_empty)
{
    if (null_if_empty && (!s || !*s)) {
        v_null(o, k);
        return;
    }
    key(o, k);
    if (o->csv)
        put_cstr(o->b, s ? s : "");
    else
        put_jstr(o->b, s ? s : "");
}

static void v_time(out *o, const char *k, int64_t ms, bool known)
{
    if (!known) {
        v_null(o, k);
        return;
    }
    key(o, k);
    put_time(o->b, ms, !o->csv);
}

/* ---- vessels ---- */

static const char vessel_header[] = "mmsi,kind,flag,name,callsign,imo,ship_type,length,width,draught,destination,"
                                    "first_seen,last_seen,time,lat,lon,speed,course,heading,status,segment,"
                                    "segments";
static const char track_header[] = "mmsi,time,lat,lon,speed,course,heading,status,type,segment,station";

static void vessel_values(out *o, const lo_vessel *v, bool with_position)
{
    const lo_identity *id = &v->id;
    const lo_track_point *p = &v->last;
    bool dims = id->to_bow || id->to_stern || id->to_port || id->to_starboard;
    bool pos = v->has_position;
    v_int(o, "mmsi", v->mmsi, true);
    v_str(o, "kind", lo_station_kind_name(v->kind), false);
    v_str(o, "flag", v->flag_iso2, true);
    v_str(o, "name", id->name, true);
    v_str(o, "callsign", id->callsign, true);
    v_int(o, "imo", id->imo, id->imo != 0);
    v_int(o, "ship_type", id->ship_type, id->ship_type != 0);
    v_int(o, "length", (int64_t)id->to_bow + id->to_stern, dims && (id->to_bow || id->to_stern));
    v_int(o, "width", (int64_t)id->to_port + id->to_starboard, dims && (id->to_port || id->to_starboard));
    v_fixed(o, "draught", id->draught, 1, id->draught != 0);
    v_str(o, "destination", id->destination, true);
    v_time(o, "first_seen", v->first_seen_ms, true);
    v_time(o, "last_seen", v->last_seen_ms, true);
    v_time(o, "time", p->time_ms, pos);
    if (with_position) {
        v_fixed(o, "lat", p->lat_udeg, 6, pos);
        v_fixed(o, "lon", p->lon_udeg, 6, pos);
    }
    v_fixed(o, "speed", p->speed, 1, pos && p->speed != 1023);
    v_fixed(o, "course", p->course, 1, pos && p->course < 3600);
    v_int(o, "heading", p->heading, pos && p->heading != 511);
    v_int(o, "status", p->status, pos);
    v_int(o, "segment", p->segment, pos);
    v_int(o, "segments", v->segments, true);
}

static void point_values(out *o, const lo_track_point *p)
{
    v_int(o, "mmsi", p->mmsi, true);
    v_time(o, "time", p->time_ms, true);
    v_fixed(o, "lat", p->lat_udeg, 6, true);
    v_fixed(o, "lon", p->lon_udeg, 6, true);
    v_fixed(o, "speed", p->speed, 1, p->speed != 1023);
    v_fixed(o, "course", p->course, 1, p->course < 3600);
    v_int(o, "heading", p->heading, p->heading != 511);
    v_int(o, "status", p->status, true);
    v_int(o, "type", p->type, true);
    v_int(o, "segment", p->segment, true);
    v_str(o, "station", p->station, true);
}

int lo_geo_begin(lo_geo_writer *w, char *buf, size_t cap)
{
    strbuf b = sb_over(buf, cap);
    if (w->format == LO_GEO_CSV) {
        sb_puts(&b, w->kind == LO_GEO_VESSELS ? vessel_header : track_header);
        sb_putc(&b, '\n');
    } else if (w->format == LO_GEO_GEOJSON) {
        sb_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    }
    return done(&b);
}

int lo_geo_vessel(lo_geo_writer *w, const lo_vessel *v, char *buf, size_t cap)
{
    if (!w || !v)
        return LO_E_INVAL;
    strbuf b = sb_over(buf, cap);
    out o = {.b = &b, .csv = w->format == LO_GEO_CSV, .first = true};
    switch (w->format) {
    case LO_GEO_CSV:
        vessel_values(&o, v, true);
        sb_putc(&b, '\n');
        break;
    case LO_GEO_JSON:
        sb_putc(&b, '{');
        vessel_values(&o, v, true);
        sb_puts(&b, "}\n");
        break;
    case LO_GEO_GEOJSON:
        if (w->features)
            sb_puts(&b, ",\n");
        sb_puts(&b, "{\"type\":\"Feature\",\"id\":");
        sb_u64(&b, v->mmsi);
        if (v->has_position) {
            sb_puts(&b, ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
            put_deg(&b, v->last.lon_udeg);
            sb_putc(&b, ',');
            put_deg(&b, v->last.lat_udeg);
            sb_puts(&b, "]}");
        } else {
            sb_puts(&b, ",\"geometry\":null");
        }
        sb_puts(&b, ",\"properties\":{");
        vessel_values(&o, v, false);
        sb_puts(&b, "}}");
        break;
    }
    int n = done(&b);
    if (n >= 0) {
        w->records++;
        if (w->format == LO_GEO_GEOJSON)
            w->features++;
    }
    return n;
}

/* ---- tracks (GeoJSON) ---- */

static void coord(strbuf *b, int32_t lon, int32_t lat)
{
    sb_putc(b, '[');
    put_deg(b, lon);
    sb_putc(b, ',');
    put_deg(b, lat);
    sb_putc(b, ']');
}

/* Close the open feature in the state w (a copy, committed by the caller). */
static void close_feature(lo_geo_writer *w, strbuf *b)
{
    if (!w->open)
        return;
    if (w->coords == 1) { /* a line needs two positions */
        sb_putc(b, ',');
        coord(b, w->last_lon, w->last_lat);
    }
    sb_puts(b, "]},\"properties\":{\"mmsi\":");
    sb_u64(b, w->mmsi);
    sb_puts(b, ",\"segment\":");
    sb_u64(b, w->segment);
    sb_puts(b, ",\"part\":");
    sb_u64(b, w->part);
    sb_puts(b, ",\"start\":");
    put_time(b, w->start_ms, true);
    sb_puts(b, ",\"end\":");
    put_time(b, w->end_ms, true);
    sb_puts(b, ",\"points\":");
    sb_u64(b, w->points);
    sb_puts(b, "}}");
    w->open = false;
}

static void open_feature(lo_geo_writer *w, strbuf *b, const lo_track_point *p, uint32_t part)
{
    if (w->features)
        sb_puts(b, ",\n");
    sb_puts(b, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
    w->open = true;
    w->features++;
    w->mmsi = p->mmsi;
    w->segment = p->segment;
    w->part = part;
    w->points = w->coords = 0;
    w->start_ms = w->end_ms = p->time_ms;
}

static void track_geojson(lo_geo_writer *w, strbuf *b, const lo_track_point *p)
{
    if (w->open && (p->mmsi != w->mmsi || p->segment != w->segment))
        close_feature(w, b);
    if (!w->open) {
        open_feature(w, b, p, 1);
    } else {
        int64_t d = (int64_t)p->lon_udeg - w->last_lon;
        if (d > 180000000 || d < -180000000) {
            /* Across the antimeridian: end this part on it, begin the next
             * there, at the latitude where the straight line meets it. */
            bool east = d < 0; /* e.g. 179.9 -> -179.9: eastward over 180 */
            int64_t lon2 = p->lon_udeg + (east ? 360000000 : -360000000);
            int64_t edge = east ? 180000000 : -180000000;
            double f = (double)(edge - w->last_lon) / (double)(lon2 - w->last_lon);
            int32_t lat = (int32_t)((double)w->last_lat + f * (double)(p->lat_udeg - w->last_lat));
            sb_putc(b, ',');
            coord(b, (int32_t)edge, lat);
            w->coords++;
            uint32_t part = w->part + 1;
            close_feature(w, b);
            open_feature(w, b, p, part);
            coord(b, (int32_t)-edge, lat);
            w->coords++;
        }
    }
    if (w->coords)
        sb_putc(b, ',');
    coord(b, p->lon_udeg, p->lat_udeg);
    w->coords++;
    w->points++;
    if (p->time_ms < w->start_ms)
        w->start_ms = p->time_ms;
    if (p->time_ms > w->end_ms)
        w->end_ms = p->time_ms;
    w->last_lat = p->lat_udeg;
    w->last_lon = p->lon_udeg;
}

int lo_geo_point(lo_geo_writer *w, const lo_track_point *p, char *buf, size_t cap)
{
    if (!w || !p)
        return LO_E_INVAL;
    strbuf b = sb_over(buf, cap);
    lo_geo_writer next = *w;
    out o = {.b = &b, .csv = w->format == LO_GEO_CSV, .first = true};
    switch (w->format) {
    case LO_GEO_CSV:
        point_values(&o, p);
        sb_putc(&b, '\n');
        break;
    case LO_GEO_JSON:
        sb_putc(&b, '{');
        point_values(&o, p);
        sb_puts(&b, "}\n");
        break;
    case LO_GEO_GEOJSON:
        track_geojson(&next, &b, p);
        break;
    }
    int n = done(&b);
    if (n >= 0) {
        next.records++;
        *w = next;
    }
    return n;
}

int lo_geo_end(lo_geo_writer *w, char *buf, size_t cap)
{
    if (!w)
        return LO_E_INVAL;
    strbuf b = sb_over(buf, cap);
    lo_geo_writer next = *w;
    if (w->format == LO_GEO_GEOJSON) {
        close_feature(&next, &b);
        sb_puts(&b, "\n]}\n");
    }
    int n = done(&b);
    if (n >= 0)
        *w = next;
    return n;
}
