/* json.c - a message as one JSON object with gpsd's names and raw values
 * (gpsdecode -u -j), plus lookout's receive context. Walks the layout.
 *
 * This is the hot half of `lookout decode`, so the writer appends through a
 * bare pointer: before each field it checks once that FIELD_ROOM bytes are
 * free (the key, copied as a fixed 32 bytes, and any number), and only values
 * of variable length (text, raw data, enum texts) check their own size. The
 * checks are conservative near the end of the buffer; when one fails, the
 * object is written again into a scratch buffer and copied if it fits, so
 * that whether it fits depends only on its exact length. */
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "format.h"
#include "lookout/output.h"

/* A key copied as 32 fixed bytes (its length is at most 32), then a number of
 * at most 20 characters, "false", or the 32 bytes of a _text key. */
#define FIELD_ROOM 96
/* Longer than any object: LO_MAX_VALUES values of at most 32 + 20 bytes with
 * an enum text each (key 32, text well under 128), LO_MAX_TEXT bytes of text
 * escaped six-fold, the raw data in hex and the extras. */
#define SCRATCH (48u << 10)

typedef struct jw {
    char *end;
    const lo_message *m;
    bool scaled;
} jw;

/* A pre-rendered key (",\"name\":"); the first key of an object skips its comma. */
static inline char *put_key(char *p, const char *key, unsigned len, bool *first)
{
    memcpy(p, key + *first, 32);
    p += len - *first;
    *first = false;
    return p;
}

/* A word with a byte that JSON must escape: '"', '\\', control, DEL, non-ASCII. */
static inline uint64_t needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    /* w | (w + 1): high bit for 0x7F and above (a carry out of a byte needs a
     * high bit, which is flagged anyway); then bytes below 0x20, '"' and '\\'. */
    return ((w | (w + ones)) & highs) | ((w - ones * 0x20) & ~w & highs) | ((q - ones) & ~q & highs) |
           ((bs - ones) & ~bs & highs);
}

/* No byte needs escaping in s: 8 bytes at a time, the last 8 overlapping. */
static inline bool plain_text(const char *s, size_t n)
{
    uint64_t w, bad = 0;
    if (n < 8) {
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F)
                return false;
        }
        return true;
    }
    for (size_t k = 0; k + 8 < n; k += 8) {
        memcpy(&w, s + k, 8);
        bad |= needs_escape(w);
    }
    memcpy(&w, s + n - 8, 8);
    return !(bad | needs_escape(w));
}

#ifdef __SSE2__
/* Bytes of v that JSON must escape, as a movemask (signed compares: bytes
 * from 0x80 up are negative, so "below 0x20" takes them too). */
static inline int escape_mask(__m128i v)
{
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(bad);
}
#endif

/* s as a JSON string, or NULL when it does not fit before end. */
static char *put_text(char *p, const char *end, const char *s, size_t n)
{
#ifdef __SSE2__
    /* 16-32 bytes (most enum texts, names): two overlapping blocks, tested and
     * copied as they are. */
    if (n >= 16 && n <= 32 && (size_t)(end - p) >= n + 2) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        if (!(escape_mask(a) | escape_mask(b))) {
            p[0] = '"';
            _mm_storeu_si128((__m128i *)(void *)(p + 1), a);
            _mm_storeu_si128((__m128i *)(void *)(p + 1 + n - 16), b);
            p[n + 1] = '"';
            return p + n + 2;
        }
    }
#endif
    if ((size_t)(end - p) >= n + 2 && plain_text(s, n)) {
        *p++ = '"';
        memcpy(p, s, n);
        p += n;
        *p++ = '"';
        return p;
    }
    strbuf b = {.p = p, .cap = (size_t)(end - p)};
    lo_fmt_text(&b, s, n, FMT_JSON);
    return b.overflow ? NULL : p + b.len;
}

/* The value of a field other than an array or a joined name, or NULL. */
static char *put_value(const jw *w, char *p, const lo_field *f, int64_t v)
{
    if ((f->kind == LO_K_UINT || f->kind == LO_K_INT) && (!w->scaled || f->unit == LO_U_RAW))
        return sb_fmt_i64(p, v);
    if (f->kind == LO_K_BOOL) {
        memcpy(p, v ? "true" : "false", 5);
        return p + (v ? 4 : 5);
    }
    if (f->kind == LO_K_TEXT || f->kind == LO_K_TEXT_REST || f->kind == LO_K_TEXT_TAIL) {
        uint16_t n;
        const char *text = lo_message_text(w->m, v, &n);
        return put_text(p, w->end, text, n);
    }
    strbuf b = {.p = p, .cap = (size_t)(w->end - p)};
    lo_fmt_value(&b, w->m, f, v, w->scaled, FMT_JSON);
    return b.overflow ? NULL : p + b.len;
}

/* ",\"name_text\":\"...\"" for an enumerated value that has a text. */
static char *put_enum_text(const jw *w, char *p, const lo_field *f, int64_t v)
{
    const char *text = lo_enum_text(f->names, v);
    if (!text)
        return p;
    if (w->end - p < FIELD_ROOM)
        return NULL;
    memcpy(p, f->text_key, 32);
    p += f->text_key_len;
    return put_text(p, w->end, text, strlen(text)); /* some table texts quote (8/1/19) */
}

/* Index of the value of a layout's TEXT_TAIL field (type 21 name extension),
 * relative to the layout's first value, or -1. Layouts with a tail have no arrays. */
static int tail_index(const lo_layout *L)
{
    if (L->nfields && L->fields[L->nfields - 1].kind == LO_K_TEXT_TAIL)
        return L->nfields - 1;
    return -1;
}

/* Name plus its extension, as one string: the extension continues a name that
 * filled all its characters (blanks included, as gpsd prints it); a name ended
 * by '@' has no continuation. */
static char *put_joined(const jw *w, char *p, const lo_field *f, int64_t v, int64_t tail)
{
    uint16_t n1, n2;
    const char *s1 = lo_message_text(w->m, v, &n1);
    const char *s2 = lo_message_text(w->m, tail, &n2);
    size_t full = strnlen(s1, f->bits / 6 + 1u);
    if (full == f->bits / 6u)
        n1 = (uint16_t)full;
    else
        n2 = 0;
    char joined[LO_MAX_TEXT];
    memcpy(joined, s1, n1);
    memcpy(joined + n1, s2, n2);
    return put_text(p, w->end, joined, (size_t)n1 + n2);
}

static char *put_layout(const jw *w, char *p, const lo_layout *L, int *vi, bool *first);

/* Field fi of L, whose value is at vi (the layout's first value at base);
 * returns the end of the text, or NULL when it does not fit. */
static char *put_field(const jw *w, char *p, const lo_layout *L, unsigned fi, int vi, int base, int tail,
                       bool *first)
{
    const lo_field *f = &L->fields[fi];
    const lo_message *m = w->m;
    int64_t v = m->v[vi];
    if (f->kind != LO_K_ARRAY && (f->kind == LO_K_SPARE || f->kind == LO_K_BACK || f->kind == LO_K_TEXT_TAIL ||
                                  f->kind == LO_K_COUNT || v == LO_ABSENT))
        return p;
    if (w->end - p < FIELD_ROOM)
        return NULL;
    p = put_key(p, f->key, f->key_len, first);
    if (f->kind == LO_K_ARRAY) {
        *p++ = '[';
        int next = vi + 1;
        for (int64_t i = 0; i < v && p; i++) {
            if (w->end - p < 2)
                return NULL;
            if (i)
                *p++ = ',';
            *p++ = '{';
            bool first_in = true;
            p = put_layout(w, p, f->element, &next, &first_in);
            if (p && p < w->end)
                *p++ = '}';
            else
                return NULL;
        }
        if (!p || p == w->end)
            return NULL;
        *p++ = ']';
        return p;
    }
    if (f->kind == LO_K_TEXT && tail >= 0 && m->v[base + tail] != LO_ABSENT && (m->v[base + tail] & 0xFFFF) > 0)
        p = put_joined(w, p, f, v, m->v[base + tail]);
    else
        p = put_value(w, p, f, v);
    if (p && f->names)
        p = put_enum_text(w, p, f, v);
    return p;
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

/* The fields of L, whose values start at *vi, in table order or in the layout's
 * JSON order (gpsd's); moves *vi past them. */
static char *put_layout(const jw *w, char *p, const lo_layout *L, int *vi, bool *first)
{
    int base = *vi, tail = tail_index(L);
    if (!L->order) {
        for (unsigned fi = 0; fi < L->nfields && p; fi++) {
            p = put_field(w, p, L, fi, *vi, base, tail, first);
            *vi = skip_field(w->m, &L->fields[fi], *vi);
        }
        return p;
    }
    int at[256]; /* order indices are uint8_t */
    unsigned n = L->nfields < 256 ? L->nfields : 256;
    for (unsigned fi = 0; fi < n; fi++) {
        at[fi] = *vi;
        *vi = skip_field(w->m, &L->fields[fi], *vi);
    }
    for (unsigned k = 0; k < n && p; k++)
        if (L->order[k] < n)
            p = put_field(w, p, L, L->order[k], at[L->order[k]], base, tail, first);
    return p;
}

/* The whole object between p and end, or NULL when it does not fit. */
static char *put_object(const lo_message *m, const lo_json_opts *o, char *p, char *end)
{
    static const char head[] = "{\"class\":\"AIS\",\"device\":";
    const jw w = {.end = end, .m = m, .scaled = o->scaled};
    if ((size_t)(end - p) < sizeof head + FIELD_ROOM)
        return NULL;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    if (o->device_json) {
        size_t n = strlen(o->device_json);
        if ((size_t)(end - p) < n)
            return NULL;
        memcpy(p, o->device_json, n);
        p += n;
    } else {
        const char *dev = o->device ? o->device : (m->meta.source ? m->meta.source : "stdin");
        p = put_text(p, end, dev, strlen(dev));
    }
    /* type, repeat, mmsi: ,"type":27,"repeat":3,"mmsi":1073741823,"scaled":false */
    if (!p || end - p < FIELD_ROOM)
        return NULL;
    memcpy(p, ",\"type\":", 8);
    p = sb_fmt_u32(p + 8, m->type);
    memcpy(p, ",\"repeat\":", 10);
    p = sb_fmt_u32(p + 10, m->repeat);
    memcpy(p, ",\"mmsi\":", 8);
    p = sb_fmt_u32(p + 8, m->mmsi);
    if (o->scaled) {
        memcpy(p, ",\"scaled\":true", 14);
        p += 14;
    } else {
        memcpy(p, ",\"scaled\":false", 15);
        p += 15;
    }
    /* The three header fields are written; the rest of the layout follows. */
    const lo_layout *L = m->layout;
    const int64_t *v = m->v;
    /* In locals: every store through p may alias what it points at. */
    const lo_field *fields = L->fields;
    const unsigned nfields = L->nfields;
    const bool scaled = o->scaled;
    bool first = false;
    int tail = tail_index(L);
    for (unsigned fi = 3; fi < nfields; fi++) {
        const lo_field *f = &fields[fi];
        const unsigned kind = f->kind, key_len = f->key_len;
        const int64_t x = v[fi];
        if (end - p < FIELD_ROOM)
            return NULL;
        /* Hot path: plain integers (with their enum text) and flags. */
        if (kind <= LO_K_INT && x != LO_ABSENT && (!scaled || f->unit == LO_U_RAW)) {
            const bool named = f->names != NULL;
            memcpy(p, f->key, 32);
            p = sb_fmt_i64(p + key_len, x);
            if (named && !(p = put_enum_text(&w, p, f, x)))
                return NULL;
            continue;
        }
        if (kind == LO_K_SPARE || x == LO_ABSENT) /* never written (arrays are never absent) */
            continue;
        if (kind == LO_K_BOOL) {
            memcpy(p, f->key, 32);
            p += key_len;
            memcpy(p, x ? "true" : "false", 5);
            p += x ? 4 : 5;
            continue;
        }
        if (f->kind == LO_K_ARRAY) { /* values past it are not at their field index */
            int vi = (int)fi;
            p = put_layout(&w, p, &(lo_layout){.fields = fields + fi, .nfields = (uint16_t)(nfields - fi)},
                           &vi, &first);
            if (!p)
                return NULL;
            if (m->app)
                p = put_layout(&w, p, m->app, &vi, &first);
            goto extras;
        }
        if (!(p = put_field(&w, p, L, fi, (int)fi, 0, tail, &first)))
            return NULL;
    }
    if (m->app) {
        int vi = (int)nfields;
        p = put_layout(&w, p, m->app, &vi, &first);
    }
extras:
    if (!p || end - p < FIELD_ROOM)
        return NULL;
    if (!o->no_extras) {
        if (m->meta.channel) { /* A, B, 1 or 2: nothing to escape */
            memcpy(p, ",\"channel\":\"", 12);
            p[12] = m->meta.channel;
            p[13] = '"';
            p += 14;
        }
        if (m->meta.rx_time_ms != LO_TIME_NONE) {
            char t[32];
            lo_format_time(m->meta.rx_time_ms, t);
            memcpy(p, ",\"rx_time\":", 11);
            p = put_text(p + 11, end, t, strlen(t));
            if (!p || end - p < FIELD_ROOM)
                return NULL;
        }
        if (m->meta.station[0]) {
            memcpy(p, ",\"station\":", 11);
            p = put_text(p + 11, end, m->meta.station, strnlen(m->meta.station, sizeof m->meta.station));
            if (!p || p == end)
                return NULL;
        }
    }
    *p++ = '}';
    return p;
}

int lo_json_write(const lo_message *m, const lo_json_opts *o, char *buf, size_t cap)
{
    static const lo_json_opts defaults = {0};
    if (!o)
        o = &defaults;
    char *end = put_object(m, o, buf, buf + cap);
    if (end)
        return (int)(end - buf);
    if (cap >= SCRATCH)
        return LO_E_NOSPACE;
    /* Near the end of the buffer: write where there is room, keep it if it fits. */
    char scratch[SCRATCH];
    end = put_object(m, o, scratch, scratch + sizeof scratch);
    if (!end || (size_t)(end - scratch) > cap)
        return LO_E_NOSPACE;
    memcpy(buf, scratch, (size_t)(end - scratch));
    return (int)(end - scratch);
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
