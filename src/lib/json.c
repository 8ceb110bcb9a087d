/* json.c - a message as one JSON object with gpsd's names and raw values
 * (gpsdecode -u -j), plus lookout's receive context. Walks the layout. */
#include <stdlib.h>

#include "format.h"
#include "lookout/output.h"

static void key(strbuf *b, const char *name)
{
    sb_putc(b, ',');
    sb_putc(b, '"');
    sb_puts(b, name);
    sb_putn(b, "\":", 2);
}

/* Index of the value of a layout's TEXT_TAIL field (type 21 name extension),
 * relative to the layout's first value, or -1. Layouts with a tail have no arrays. */
static int tail_index(const lo_layout *L)
{
    if (L->nfields && L->fields[L->nfields - 1].kind == LO_K_TEXT_TAIL)
        return L->nfields - 1;
    return -1;
}

static int write_layout(strbuf *b, const lo_message *m, const lo_layout *L, int vi, bool scaled, bool *first);

static int write_field(strbuf *b, const lo_message *m, const lo_layout *L, unsigned fi, int vi, bool scaled,
                       int base, int tail, bool *first)
{
    const lo_field *f = &L->fields[fi];
    int64_t v = m->v[vi];
    if (f->kind == LO_K_ARRAY) {
        sb_put32(b, f->key + *first, f->key_len - *first);
        *first = false;
        sb_putc(b, '[');
        int next = vi + 1;
        for (int64_t i = 0; i < v; i++) {
            if (i)
                sb_putc(b, ',');
            sb_putc(b, '{');
            bool first_in = true;
            next = write_layout(b, m, f->element, next, scaled, &first_in);
            sb_putc(b, '}');
        }
        sb_putc(b, ']');
        return next;
    }
    if (f->kind == LO_K_SPARE || f->kind == LO_K_BACK || f->kind == LO_K_TEXT_TAIL || f->kind == LO_K_COUNT ||
        v == LO_ABSENT)
        return vi + 1;
    /* The key is pre-rendered with its leading comma; the first key skips it. */
    sb_put32(b, f->key + *first, f->key_len - *first);
    *first = false;
    if (f->kind == LO_K_TEXT && tail >= 0 && m->v[base + tail] != LO_ABSENT &&
        (m->v[base + tail] & 0xFFFF) > 0) {
        /* Name plus its extension, as one string: the extension continues a name
         * that filled all its characters (blanks included, as gpsd prints it); a
         * name ended by '@' has no continuation. */
        uint16_t n1, n2;
        const char *s1 = lo_message_text(m, v, &n1);
        const char *s2 = lo_message_text(m, m->v[base + tail], &n2);
        size_t full = strnlen(s1, f->bits / 6 + 1u);
        if (full == f->bits / 6u)
            n1 = (uint16_t)full;
        else
            n2 = 0;
        char joined[LO_MAX_TEXT];
        memcpy(joined, s1, n1);
        memcpy(joined + n1, s2, n2);
        lo_fmt_text(b, joined, (size_t)n1 + n2, FMT_JSON);
    } else {
        lo_fmt_value(b, m, f, v, scaled, FMT_JSON);
    }
    if (f->names) {
        const char *text = lo_enum_text(f->names, v);
        if (text) { /* escaped: some table texts quote (8/1/19: I = "in-bound" ...) */
            sb_put32(b, f->text_key, f->text_key_len);
            lo_fmt_text(b, text, strlen(text), FMT_JSON);
        }
    }
    return vi + 1;
}

/* Value index just past the values of field f, whose first value is at vi. */
static int skip_field(const lo_message *m, const lo_field *f, int vi)
{
    if (f->kind != LO_K_ARRAY)
        return vi + 1;
    int64_t n = m->v[vi++];
    for (int64_t i = 0; i < n; i++)
        for (unsigned k = 0; k < f->element->nfields; k++)
            vi = skip_field(m, &f->element->fields[k], vi);
    return vi;
}

/* The fields of L, whose values start at vi, in table order or in the layout's
 * JSON order (gpsd's); returns the value index past them. */
static int write_layout(strbuf *b, const lo_message *m, const lo_layout *L, int vi, bool scaled, bool *first)
{
    int base = vi, tail = tail_index(L);
    if (!L->order) {
        for (unsigned fi = 0; fi < L->nfields; fi++)
            vi = write_field(b, m, L, fi, vi, scaled, base, tail, first);
        return vi;
    }
    int at[256]; /* order indices are uint8_t */
    unsigned n = L->nfields < 256 ? L->nfields : 256;
    for (unsigned fi = 0; fi < n; fi++) {
        at[fi] = vi;
        vi = skip_field(m, &L->fields[fi], vi);
    }
    for (unsigned k = 0; k < n; k++)
        if (L->order[k] < n)
            write_field(b, m, L, L->order[k], at[L->order[k]], scaled, base, tail, first);
    return vi;
}

int lo_json_write(const lo_message *m, const lo_json_opts *o, char *buf, size_t cap)
{
    static const lo_json_opts defaults = {0};
    if (!o)
        o = &defaults;
    strbuf b = {.p = buf, .cap = cap};
    sb_puts(&b, "{\"class\":\"AIS\",\"device\":");
    if (o->device_json) {
        sb_puts(&b, o->device_json);
    } else {
        const char *dev = o->device ? o->device : (m->meta.source ? m->meta.source : "stdin");
        lo_fmt_text(&b, dev, strlen(dev), FMT_JSON);
    }
    sb_puts(&b, ",\"type\":");
    sb_u64(&b, m->type);
    sb_puts(&b, ",\"repeat\":");
    sb_u64(&b, m->repeat);
    sb_puts(&b, ",\"mmsi\":");
    sb_u64(&b, m->mmsi);
    sb_puts(&b, o->scaled ? ",\"scaled\":true" : ",\"scaled\":false");
    /* Skip the three header fields already written. */
    const lo_layout *L = m->layout;
    bool first = false;
    int vi = 3, tail = tail_index(L);
    for (unsigned fi = 3; fi < L->nfields; fi++) {
        const lo_field *f = &L->fields[fi];
        int64_t v = m->v[vi];
        /* Hot path: plain integers and flags; everything else in write_field. */
        if (v != LO_ABSENT && (f->kind == LO_K_UINT || f->kind == LO_K_INT) && !f->names &&
            (!o->scaled || f->unit == LO_U_RAW) && f->bits) {
            sb_put32(&b, f->key, f->key_len);
            sb_i64(&b, v);
            vi++;
            continue;
        }
        if (v != LO_ABSENT && f->kind == LO_K_BOOL) {
            sb_put32(&b, f->key, f->key_len);
            if (v)
                sb_putn(&b, "true", 4);
            else
                sb_putn(&b, "false", 5);
            vi++;
            continue;
        }
        vi = write_field(&b, m, L, fi, vi, o->scaled, 0, tail, &first);
    }
    if (m->app)
        write_layout(&b, m, m->app, vi, o->scaled, &first);
    if (!o->no_extras) {
        if (m->meta.channel) { /* A, B, 1 or 2: nothing to escape */
            sb_putn(&b, ",\"channel\":\"", 12);
            sb_putc(&b, m->meta.channel);
            sb_putc(&b, '"');
        }
        if (m->meta.rx_time_ms != LO_TIME_NONE) {
            char t[32];
            lo_format_time(m->meta.rx_time_ms, t);
            key(&b, "rx_time");
            lo_fmt_text(&b, t, strlen(t), FMT_JSON);
        }
        if (m->meta.station[0]) {
            key(&b, "station");
            lo_fmt_text(&b, m->meta.station, strlen(m->meta.station), FMT_JSON);
        }
    }
    sb_putc(&b, '}');
    if (b.overflow)
        return LO_E_NOSPACE;
    return (int)b.len;
}

int lo_json_string(const char *str, char *buf, size_t cap)
{
    strbuf b = {.p = buf, .cap = cap ? cap - 1 : 0};
    lo_fmt_text(&b, str, strlen(str), FMT_JSON);
    if (b.overflow || cap == 0)
        return LO_E_NOSPACE;
    buf[b.len] = '\0';
    return (int)b.len;
}

int lo_stats_json(const lo_stats *st, char *buf, size_t cap)
{
    strbuf b = {.p = buf, .cap = cap};
    sb_puts(&b, "{\"bytes\":");
    sb_u64(&b, st->bytes);
    sb_puts(&b, ",\"lines\":");
    sb_u64(&b, st->lines);
    sb_puts(&b, ",\"sentences\":");
    sb_u64(&b, st->sentences);
    sb_puts(&b, ",\"other_sentences\":");
    sb_u64(&b, st->other_sentences);
    sb_puts(&b, ",\"messages\":");
    sb_u64(&b, st->payloads);
    sb_puts(&b, ",\"decoded\":");
    sb_u64(&b, st->decoded);
    sb_puts(&b, ",\"rejected\":");
    sb_u64(&b, st->rejects);
    sb_puts(&b, ",\"rejects\":{");
    bool first = true;
    for (int r = 1; r < LO_REJECT_COUNT; r++) {
        if (!st->reject[r])
            continue;
        if (!first)
            sb_putc(&b, ',');
        first = false;
        sb_putc(&b, '"');
        sb_puts(&b, lo_reject_key((lo_reject)r));
        sb_putn(&b, "\":", 2);
        sb_u64(&b, st->reject[r]);
    }
    sb_puts(&b, "},\"types\":{");
    first = true;
    for (int t = 1; t < 28; t++) {
        if (!st->by_type[t])
            continue;
        if (!first)
            sb_putc(&b, ',');
        first = false;
        sb_putc(&b, '"');
        sb_u64(&b, (uint64_t)t);
        sb_putn(&b, "\":", 2);
        sb_u64(&b, st->by_type[t]);
    }
    sb_puts(&b, "}}");
    if (b.overflow)
        return LO_E_NOSPACE;
    return (int)b.len;
}
