/* encode.c - JSON (as `lookout decode` writes it) -> message bits -> NMEA
 * sentences, by walking the same layout tables the decoder walks. Nothing here
 * knows a message type: the variant is found by encoding the values with each of
 * the type's layouts and asking the decoder's own lo_layout_select() (and
 * lo_app_layout()) which layout those bits choose; the result is checked by
 * decoding it. */
#include "lookout/encode.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "lookout/bits.h"
#include "lookout/layout.h"
#include "lookout/sentence.h"
#include "strbuf.h"
#include "util.h"

/* Keys of a decoded message that are not fields of its layout. */
static const char *const extra_keys[] = {"class", "device", "scaled", "channel", "rx_time", "station"};

/* Where one top-level field went, for cutting the message short afterwards. */
typedef struct rec {
    const char *name; /* NULL for spare and back-steps */
    uint32_t start, end;
    uint8_t kind;
    bool given;   /* present in the JSON */
    bool nonzero; /* something other than zero bits was written */
} rec;

typedef struct enc {
    uint8_t *bits;
    uint32_t pos;
    uint32_t hw;   /* high-water mark: the message length so far */
    bool trial;    /* choosing a layout: errors are not reported, values are best effort */
    bool scaled;   /* "scaled": true, human units accepted */
    const lo_encode_opts *o;
    strbuf err;
    const char *spill; /* text beyond a TEXT field, for the TEXT_TAIL field after it */
    size_t nspill;
    const char *last_var; /* the last variable-length field written, for length errors */
    bool dropped;         /* a value given for a field the variant does not carry */
    bool nonzero;         /* the field being written has a bit set */
    unsigned depth;       /* 0: top-level fields (recorded), >0: array elements */
    unsigned nrecs;
    bool recs_full;
    rec recs[LO_MAX_VALUES];
    uint8_t hard[LO_MAX_PAYLOAD_BYTES]; /* bits written from given values (see LO_K_BACK) */
    lo_message full, cut; /* the decoder's reading, to check a shorter length */
} enc;

/* ---- errors ---------------------------------------------------------------- */

/* Start an error message (a later one replaces it: trial passes leave theirs). */
static strbuf *err_at(enc *e, const char *field)
{
    e->err.len = 0;
    e->err.overflow = false;
    if (field) {
        sb_puts(&e->err, "field '");
        sb_puts(&e->err, field);
        sb_puts(&e->err, "': ");
    }
    return &e->err;
}

static int fail(enc *e, int rc, const char *field, const char *msg)
{
    sb_puts(err_at(e, field), msg);
    return rc;
}

static void sb_range(strbuf *b, int64_t lo, int64_t hi)
{
    sb_putc(b, '(');
    sb_i64(b, lo);
    sb_putn(b, "..", 2);
    sb_i64(b, hi);
    sb_putc(b, ')');
}

/* ---- bits ------------------------------------------------------------------- */

static bool bit_at(const uint8_t *v, uint32_t p) { return (v[p >> 3] >> (7 - (p & 7))) & 1u; }

/* Write the low width (0-64) bits of v at bit pos, a byte at a time. */
static void put_bits(uint8_t *b, uint32_t pos, unsigned width, uint64_t v)
{
    while (width) {
        unsigned off = pos & 7, n = 8 - off < width ? 8 - off : width;
        unsigned chunk = (unsigned)(v >> (width - n)) & ((1u << n) - 1);
        unsigned shift = 8 - off - n;
        uint8_t mask = (uint8_t)(((1u << n) - 1) << shift);
        b[pos >> 3] = (uint8_t)((b[pos >> 3] & ~mask) | (chunk << shift));
        pos += n;
        width -= n;
    }
}

static int need_room(enc *e, const lo_field *f, uint32_t width)
{
    if ((uint64_t)e->pos + width <= LO_MAX_PAYLOAD_BITS)
        return 0;
    strbuf *b = err_at(e, f->name);
    sb_puts(b, "the message would be longer than ");
    sb_u64(b, LO_MAX_PAYLOAD_BITS);
    sb_puts(b, " bits");
    return LO_E_RANGE;
}

/* Name of the given field that wrote bit p (for a disagreement after LO_K_BACK). */
static const char *owner_of(const enc *e, uint32_t p)
{
    for (unsigned i = 0; i < e->nrecs; i++)
        if (e->recs[i].given && e->recs[i].name && p >= e->recs[i].start && p < e->recs[i].end)
            return e->recs[i].name;
    return "an earlier field";
}

/* Write width bits of v. hard: they come from a given value. Below the
 * high-water mark (fields that read bits again after LO_K_BACK) only given
 * values are written, and they must agree with given values already there. */
static int put(enc *e, const lo_field *f, unsigned width, uint64_t v, bool hard)
{
    if (e->pos < e->hw) {
        if (!hard) {
            e->pos += width;
            return 0;
        }
        for (unsigned i = 0; i < width; i++) {
            uint32_t p = e->pos + i;
            bool bit = (v >> (width - 1 - i)) & 1u;
            if (p < e->hw && bit_at(e->hard, p) && bit_at(e->bits, p) != bit && !e->trial) {
                strbuf *b = err_at(e, f->name);
                sb_puts(b, "disagrees with '");
                sb_puts(b, owner_of(e, p));
                sb_puts(b, "', which is carried in the same bits");
                return LO_E_INVAL;
            }
        }
    }
    put_bits(e->bits, e->pos, width, v);
    if (hard)
        put_bits(e->hard, e->pos, width, ~(uint64_t)0);
    if (width && (width >= 64 ? v : v & (((uint64_t)1 << width) - 1)))
        e->nonzero = true;
    e->pos += width;
    if (e->pos > e->hw)
        e->hw = e->pos;
    return 0;
}

/* ---- values ----------------------------------------------------------------- */

/* Composite times: numbers between separators, packed in bit order. The text
 * gives them in `part` order (DMHM: month first in the text, day first in the
 * bits); the last separator ('Z') may be left out. */
typedef struct time_fmt {
    uint8_t kind, n;
    uint8_t width[6]; /* in bit order */
    uint8_t part[6];  /* bit-order index of the i-th number of the text */
    const char *sep;
    const char *shape;
} time_fmt;

static const time_fmt time_fmts[] = {
    {LO_K_MDHM, 4, {4, 5, 5, 6}, {0, 1, 2, 3}, "-T:Z", "MM-DDTHH:MMZ"},
    {LO_K_YMDHMS, 6, {14, 4, 5, 5, 6, 6}, {0, 1, 2, 3, 4, 5}, "--T::Z", "YYYY-MM-DDTHH:MM:SSZ"},
    {LO_K_DHM, 3, {5, 5, 6}, {0, 1, 2}, "T:Z", "DDTHH:MMZ"},
    {LO_K_HM, 2, {5, 6}, {0, 1}, ":", "HH:MM"},
    {LO_K_DMHM, 4, {5, 4, 5, 6}, {1, 0, 2, 3}, "-T:", "MM-DDTHH:MM"},
    {LO_K_MDHM_SHORT, 4, {4, 5, 5, 6}, {0, 1, 2, 3}, "-T:", "M-DTH:M"},
};

static const time_fmt *time_fmt_of(unsigned kind)
{
    for (size_t i = 0; i < sizeof time_fmts / sizeof time_fmts[0]; i++)
        if (time_fmts[i].kind == kind)
            return &time_fmts[i];
    return NULL;
}

static int parse_time(enc *e, const lo_field *f, const char *s, int64_t *out)
{
    const time_fmt *t = time_fmt_of(f->kind);
    int64_t comp[6] = {0};
    for (unsigned i = 0; i < t->n; i++) {
        unsigned digits = 0, k = t->part[i];
        int64_t x = 0;
        while (*s >= '0' && *s <= '9' && digits < 6) {
            x = x * 10 + (*s++ - '0');
            digits++;
        }
        if (digits == 0 || (*s >= '0' && *s <= '9'))
            goto shape;
        if (x >= ((int64_t)1 << t->width[k])) {
            strbuf *b = err_at(e, f->name);
            sb_puts(b, "part ");
            sb_u64(b, i + 1);
            sb_puts(b, " of \"");
            sb_puts(b, t->shape);
            sb_puts(b, "\" is ");
            sb_i64(b, x);
            sb_puts(b, ", more than its ");
            sb_u64(b, t->width[k]);
            sb_puts(b, " bits hold");
            return LO_E_RANGE;
        }
        comp[k] = x;
        char sep = t->sep[i];
        if (i + 1 < t->n) {
            if (*s++ != sep)
                goto shape;
        } else if (sep && *s == sep) {
            s++;
        }
    }
    if (*s)
        goto shape;
    int64_t v = 0;
    for (unsigned k = 0; k < t->n; k++)
        v = (v << t->width[k]) | comp[k];
    *out = v;
    return 0;
shape: {
    strbuf *b = err_at(e, f->name);
    sb_puts(b, "expected a time like \"");
    sb_puts(b, t->shape);
    sb_putc(b, '"');
    return LO_E_INVAL;
}
}

/* Human units (--scaled output) back to raw. */
static int from_scaled(enc *e, const lo_field *f, const json_t *v, int64_t *out)
{
    double x = json_number_value(v), r;
    switch ((lo_unit)f->unit) {
    case LO_U_LON_MIN4:
    case LO_U_LAT_MIN4:
        r = x * 600000.0;
        break;
    case LO_U_LON_MIN3:
    case LO_U_LAT_MIN3:
        r = x * 60000.0;
        break;
    case LO_U_LON_MIN1:
    case LO_U_LAT_MIN1:
        r = x * 600.0;
        break;
    case LO_U_TENTH:
        r = x * 10.0;
        break;
    case LO_U_TURN:
        /* The decoder writes the sentinels -128, -127 and 127 as raw integers. */
        if (json_is_integer(v)) {
            json_int_t i = json_integer_value(v);
            if (i == -128 || i == -127 || i == 127) {
                *out = i;
                return 0;
            }
        }
        r = 4.733 * sqrt(fabs(x));
        if (x < 0)
            r = -r;
        break;
    default:
        return fail(e, LO_E_INVAL, f->name, "expected an integer");
    }
    if (!isfinite(r) || fabs(r) > 1e15)
        return fail(e, LO_E_RANGE, f->name, "value out of range");
    *out = (int64_t)llround(r);
    return 0;
}

static int check_range(enc *e, const lo_field *f, int64_t v)
{
    unsigned w = f->bits;
    if (w == 0 || w >= 63)
        return 0;
    int64_t lo = 0, hi = ((int64_t)1 << w) - 1;
    if (f->kind == LO_K_INT) {
        lo = -((int64_t)1 << (w - 1));
        hi = ((int64_t)1 << (w - 1)) - 1;
    }
    if (v >= lo && v <= hi)
        return 0;
    strbuf *b = err_at(e, f->name);
    sb_i64(b, v);
    sb_puts(b, " does not fit in ");
    sb_u64(b, w);
    sb_puts(b, f->kind == LO_K_INT ? " signed bits " : " bits ");
    sb_range(b, lo, hi);
    return LO_E_RANGE;
}

/* The raw number for a fixed-width field; *given false when the JSON lacks it. */
static int number_of(enc *e, const lo_field *f, const json_t *v, int64_t *out, bool *given)
{
    *given = v && !json_is_null(v);
    if (!*given) {
        *out = f->na != LO_NA_NONE ? f->na : 0;
        return 0;
    }
    int rc = 0;
    switch ((lo_kind)f->kind) {
    case LO_K_BOOL:
        if (json_is_boolean(v))
            *out = json_is_true(v);
        else if (json_is_integer(v))
            *out = json_integer_value(v);
        else
            return fail(e, LO_E_INVAL, f->name, "expected true or false");
        break;
    case LO_K_PART:
        if (json_is_string(v) && json_string_length(v) == 1 && (json_string_value(v)[0] == 'A' ||
                                                               json_string_value(v)[0] == 'B'))
            *out = json_string_value(v)[0] - 'A';
        else if (json_is_integer(v))
            *out = json_integer_value(v);
        else
            return fail(e, LO_E_INVAL, f->name, "expected \"A\" or \"B\"");
        break;
    case LO_K_MDHM:
    case LO_K_YMDHMS:
    case LO_K_DHM:
    case LO_K_HM:
    case LO_K_DMHM:
    case LO_K_MDHM_SHORT:
        if (json_is_integer(v))
            *out = json_integer_value(v); /* the packed raw value */
        else if (json_is_string(v))
            rc = parse_time(e, f, json_string_value(v), out);
        else
            rc = fail(e, LO_E_INVAL, f->name, "expected a time string");
        if (rc)
            return rc;
        break;
    default:
        if (json_is_integer(v)) {
            *out = json_integer_value(v);
        } else if (e->scaled && f->unit != LO_U_RAW && json_is_number(v)) {
            if ((rc = from_scaled(e, f, v, out)))
                return rc;
        } else if (json_is_real(v) && f->unit != LO_U_RAW) {
            return fail(e, LO_E_INVAL, f->name,
                        "expected an integer in raw units (add \"scaled\":true for human units)");
        } else {
            return fail(e, LO_E_INVAL, f->name, "expected an integer");
        }
        break;
    }
    return check_range(e, f, *out);
}

/* A value an ENUM_ONLY field allows: any other makes the decoder keep the
 * message as raw data. */
static int check_listed(enc *e, const lo_field *f, int64_t v)
{
    if (f->kind != LO_K_ENUM_ONLY || !f->names || lo_enum_text(f->names, v))
        return 0;
    strbuf *b = err_at(e, f->name);
    sb_i64(b, v);
    sb_puts(b, " is not one of the values this message allows");
    return LO_E_RANGE;
}

/* ITU-R M.1371 six-bit value of an ASCII character (lower case taken as upper). */
static int sixbit(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        c = (unsigned char)(c - 32);
    if (c >= 64 && c < 96)
        return c - 64;
    if (c >= 32 && c < 64)
        return c;
    return -1;
}

/* nchars six-bit characters of s (n bytes), '@'-padded. */
static int put_text(enc *e, const lo_field *f, const char *s, size_t n, size_t nchars, bool given)
{
    int rc;
    if ((rc = need_room(e, f, (uint32_t)(6 * nchars))))
        return rc;
    for (size_t i = 0; i < nchars; i++) {
        int c = 0;
        if (i < n && (c = sixbit((unsigned char)s[i])) < 0) {
            strbuf *b = err_at(e, f->name);
            unsigned char ch = (unsigned char)s[i];
            sb_puts(b, "character ");
            if (ch >= 0x20 && ch < 0x7F) {
                sb_putc(b, '\'');
                sb_putc(b, (char)ch);
                sb_putc(b, '\'');
            } else {
                sb_puts(b, "code ");
                sb_u64(b, ch);
            }
            sb_puts(b, " cannot be sent in six-bit text");
            return LO_E_INVAL;
        }
        if ((rc = put(e, f, 6, (uint64_t)c, given && i < n)))
            return rc;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "n:hex": n bits, most significant first, two hex digits per 8 bits. */
static int put_data(enc *e, const lo_field *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return fail(e, LO_E_INVAL, f->name, "expected \"BITS:HEX\"");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    uint32_t n = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && n <= LO_MAX_PAYLOAD_BITS)
        n = n * 10 + (uint32_t)(s[i++] - '0');
    if (i == 0 || i >= len || s[i] != ':')
        return fail(e, LO_E_INVAL, f->name, "expected \"BITS:HEX\", e.g. \"12:abc0\"");
    const char *hex = s + i + 1;
    size_t nhex = len - i - 1;
    if (n > LO_MAX_PAYLOAD_BITS || need_room(e, f, n))
        return fail(e, LO_E_RANGE, f->name, "more data than a message can carry");
    int rc;
    if (nhex != (size_t)(n + 7) / 8 * 2) {
        strbuf *b = err_at(e, f->name);
        sb_u64(b, n);
        sb_puts(b, " bits need ");
        sb_u64(b, (n + 7) / 8 * 2);
        sb_puts(b, " hex digits, not ");
        sb_u64(b, nhex);
        return LO_E_INVAL;
    }
    for (uint32_t k = 0; k < n; k++) {
        int h = hexval(hex[k / 4]);
        if (h < 0)
            return fail(e, LO_E_INVAL, f->name, "not a hex digit after ':'");
        if ((rc = put(e, f, 1, (unsigned)h >> (3 - k % 4) & 1u, true)))
            return rc;
    }
    for (size_t k = (n + 3) / 4; k < nhex; k++)
        if (hexval(hex[k]) < 0)
            return fail(e, LO_E_INVAL, f->name, "not a hex digit after ':'");
    return 0;
}

/* ---- walking a layout --------------------------------------------------------- */

static bool has_kind(const lo_layout *L, unsigned kind)
{
    for (unsigned i = 0; L && i < L->nfields; i++)
        if (L->fields[i].kind == kind)
            return true;
    return false;
}

static bool key_in_layout(const lo_layout *L, const char *key)
{
    for (unsigned i = 0; L && i < L->nfields; i++) {
        const lo_field *f = &L->fields[i];
        if (!f->name || f->name[0] != key[0])
            continue;
        size_t n = strlen(f->name);
        if (strncmp(key, f->name, n) == 0 && (key[n] == '\0' || (f->names && strcmp(key + n, "_text") == 0)))
            return true;
    }
    return false;
}

static int unknown_key(enc *e, const char *key, const char *where)
{
    strbuf *b = err_at(e, key);
    sb_puts(b, "not a field of ");
    sb_puts(b, where);
    return LO_E_UNKNOWN_FIELD;
}

static int walk(enc *e, const lo_layout *L, json_t *obj);

static int put_array(enc *e, const lo_field *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return fail(e, LO_E_INVAL, f->name, "expected an array");
    size_t n = json_array_size(v);
    if (n > f->bits) {
        strbuf *b = err_at(e, f->name);
        sb_u64(b, n);
        sb_puts(b, " entries, at most ");
        sb_u64(b, f->bits);
        sb_puts(b, " fit");
        return LO_E_RANGE;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(v, i);
        if (!json_is_object(el))
            return fail(e, LO_E_INVAL, f->name, "expected an array of objects");
        e->depth++;
        int rc = walk(e, f->element, el);
        e->depth--;
        if (rc)
            return rc;
        const char *key;
        const json_t *val;
        json_object_foreach(el, key, val)
        {
            (void)val;
            if (!key_in_layout(f->element, key) && !e->trial)
                return unknown_key(e, key, f->name);
        }
    }
    return 0;
}

static int put_field(enc *e, const lo_layout *L, const lo_field *f, json_t *obj)
{
    const json_t *v = f->name ? json_object_get(obj, f->name) : NULL;
    int64_t x = 0;
    bool given = false;
    int rc = 0;
    switch ((lo_kind)f->kind) {
    case LO_K_SPARE:
        if ((rc = need_room(e, f, f->bits)))
            return rc;
        return put(e, f, f->bits, 0, false);
    case LO_K_BACK:
        e->pos = e->pos >= f->bits ? e->pos - f->bits : 0;
        return 0;
    case LO_K_TEXT:
    case LO_K_TEXT_REST:
    case LO_K_TEXT_TAIL: {
        const char *s = "";
        size_t n = 0;
        if (v && !json_is_null(v)) {
            if (!json_is_string(v))
                return fail(e, LO_E_INVAL, f->name, "expected a string");
            s = json_string_value(v);
            n = json_string_length(v);
            given = true;
        }
        if (f->kind == LO_K_TEXT_TAIL && e->nspill) {
            if (given && n)
                return fail(e, LO_E_INVAL, f->name, "given, but the text before it already spills into it");
            s = e->spill;
            n = e->nspill;
            given = true;
            e->nspill = 0;
        }
        size_t nchars = f->kind == LO_K_TEXT ? f->bits / 6u : n;
        if (n > nchars) {
            if (!has_kind(L, LO_K_TEXT_TAIL)) {
                strbuf *b = err_at(e, f->name);
                sb_u64(b, n);
                sb_puts(b, " characters, at most ");
                sb_u64(b, nchars);
                sb_puts(b, " fit");
                return LO_E_RANGE;
            }
            e->spill = s + nchars; /* the rest goes to the name extension */
            e->nspill = n - nchars;
            n = nchars;
        }
        if (f->kind != LO_K_TEXT)
            e->last_var = f->name;
        return put_text(e, f, s, n, nchars, given);
    }
    case LO_K_DATA:
        e->last_var = f->name;
        return put_data(e, f, v);
    case LO_K_ARRAY:
        e->last_var = f->name;
        return put_array(e, f, v);
    default:
        break;
    }
    if (f->bits == 0) { /* a field the variant does not carry: it reads as 0 */
        if ((rc = number_of(e, f, v, &x, &given)))
            return rc;
        if (!given || x == 0)
            return 0;
        e->dropped = true;
        strbuf *b = err_at(e, f->name);
        sb_i64(b, x);
        sb_puts(b, ", but message ");
        sb_puts(b, L->name);
        sb_puts(b, " does not carry this field (only 0)");
        return LO_E_RANGE;
    }
    if (f->kind == LO_K_COUNT) {
        /* Not in the JSON: the length of the array that follows. */
        for (const lo_field *a = f + 1; a < L->fields + L->nfields; a++) {
            if (a->kind == LO_K_ARRAY) {
                const json_t *arr = json_object_get(obj, a->name);
                x = json_is_array(arr) ? (int64_t)json_array_size(arr) : 0;
                break;
            }
        }
        if ((rc = check_range(e, f, x)))
            return rc;
    } else if ((rc = number_of(e, f, v, &x, &given)) || (rc = check_listed(e, f, x))) {
        return rc;
    }
    if ((rc = need_room(e, f, f->bits)))
        return rc;
    return put(e, f, f->bits, (uint64_t)x, given);
}

static int walk(enc *e, const lo_layout *L, json_t *obj)
{
    for (unsigned i = 0; i < L->nfields; i++) {
        const lo_field *f = &L->fields[i];
        uint32_t start = e->pos;
        const json_t *v = f->name ? json_object_get(obj, f->name) : NULL;
        bool outer = e->nonzero;
        e->nonzero = false;
        int rc = put_field(e, L, f, obj);
        bool nonzero = e->nonzero;
        e->nonzero = outer || nonzero;
        if (rc && !e->trial)
            return rc;
        if (e->depth == 0 && !(f->bits == 0 && (f->kind == LO_K_UINT || f->kind == LO_K_INT))) {
            if (e->nrecs == LO_MAX_VALUES) {
                e->recs_full = true;
                continue;
            }
            rec *r = &e->recs[e->nrecs++];
            r->name = f->name;
            r->kind = f->kind;
            r->start = start;
            r->end = e->pos;
            r->given = v && !json_is_null(v);
            r->nonzero = nonzero;
        }
    }
    return 0;
}

/* ---- choosing the layout and the length ------------------------------------------ */

typedef struct choice {
    const lo_layout *L;   /* the standard layout (variant) */
    const lo_layout *app; /* types 6 and 8: application layout, or NULL */
    unsigned type, dac, fid;
} choice;

/* Would the decoder read nbits of the encoded bits with these layouts? */
static bool decoder_agrees(const enc *e, const choice *c, uint32_t nbits)
{
    if (nbits < c->L->min_bits || nbits > c->L->max_bits || lo_layout_select(e->bits, nbits) != c->L)
        return false;
    if (c->app && c->app != &lo_layout_app_data &&
        lo_app_layout(c->type, c->dac, c->fid, nbits) != c->app)
        return false;
    return true;
}

static bool fixed_width(unsigned kind)
{
    return kind != LO_K_DATA && kind != LO_K_ARRAY && kind != LO_K_TEXT_REST && kind != LO_K_TEXT_TAIL &&
           kind != LO_K_BACK;
}

/* Does the decoder read the first cut bits as the same values as all n? */
static bool same_reading(enc *e, uint32_t cut, uint32_t n)
{
    lo_reject why;
    if (lo_decode(e->bits, n, &e->full, &why) || lo_decode(e->bits, cut, &e->cut, &why))
        return false;
    const lo_message *a = &e->full, *b = &e->cut;
    return a->layout == b->layout && a->app == b->app && a->nvalues == b->nvalues && a->ntext == b->ntext &&
           !memcmp(a->v, b->v, a->nvalues * sizeof a->v[0]) && !memcmp(a->text, b->text, a->ntext);
}

static bool shorter_ok(enc *e, const choice *c, uint32_t cut, uint32_t n)
{
    return cut < n && decoder_agrees(e, c, cut) && same_reading(e, cut, n);
}

/* The message length: the shortest form the decoder reads back as the same fields. */
static uint32_t final_length(enc *e, const choice *c, unsigned first)
{
    uint32_t n = e->hw;
    const lo_layout *last = c->app ? c->app : c->L;
    if (e->recs_full || first >= e->nrecs)
        return n;
    if (last->flags & LO_L_ZERO_FILL) {
        /* Trailing zeros read back as zeros: stop after the last value that is not
         * zero, on a byte boundary as M.1371 sizes these lists when that reads
         * the same, else right there. */
        uint32_t cut = e->recs[first].start;
        for (unsigned i = first; i < e->nrecs; i++)
            if (e->recs[i].name && e->recs[i].nonzero)
                cut = e->recs[i].end;
        for (uint32_t at = (cut + 7) & ~7u; at < n; at += 8)
            if (shorter_ok(e, c, at, n))
                return at;
        return shorter_ok(e, c, cut, n) ? cut : n;
    }
    if (!e->o->full_length) {
        /* Trailing fields the JSON lacks are fields the message did not carry. */
        unsigned k = e->nrecs;
        bool named = false;
        while (k > first && fixed_width(e->recs[k - 1].kind) && !e->recs[k - 1].given) {
            named |= e->recs[k - 1].name != NULL;
            k--;
        }
        if (named && k < e->nrecs && e->recs[k].start < n && decoder_agrees(e, c, e->recs[k].start))
            return e->recs[k].start;
    }
    if (has_kind(last, LO_K_TEXT_REST) || has_kind(last, LO_K_TEXT_TAIL)) {
        /* M.1371: text messages end on a byte boundary. */
        uint32_t padded = (n + 7) & ~7u;
        if (padded > n && padded <= LO_MAX_PAYLOAD_BITS && decoder_agrees(e, c, padded) &&
            same_reading(e, n, padded))
            return padded;
    }
    return n;
}

/* Encode obj with the chosen layouts into e->bits; *nbits gets the length. */
static int encode_with(enc *e, const choice *c, json_t *obj, uint32_t *nbits)
{
    memset(e->bits, 0, LO_MAX_PAYLOAD_BYTES);
    memset(e->hard, 0, sizeof e->hard);
    e->pos = e->hw = 0;
    e->nrecs = 0;
    e->recs_full = false;
    e->nspill = 0;
    e->last_var = NULL;
    int rc = walk(e, c->L, obj);
    if (rc)
        return rc;
    unsigned first = c->app ? e->nrecs : 0; /* the records of the last layout */
    if (c->app) {
        e->pos = e->hw;
        if ((rc = walk(e, c->app, obj)))
            return rc;
    }
    if (e->nspill && !e->trial)
        return fail(e, LO_E_RANGE, NULL, "text too long"); /* a tail field took none of it */
    *nbits = final_length(e, c, first);
    return 0;
}

/* Raw value of a named top-level field as encoded. */
static uint64_t encoded_value(const enc *e, const char *name)
{
    for (unsigned i = 0; i < e->nrecs; i++)
        if (e->recs[i].name && !strcmp(e->recs[i].name, name) && e->recs[i].end > e->recs[i].start)
            return lo_bits_u(e->bits, e->hw, e->recs[i].start, e->recs[i].end - e->recs[i].start);
    return 0;
}

#define MAX_APP_CANDIDATES 8

/* Application layouts the decoder could choose for this type, DAC and FI at
 * any message length. */
static unsigned app_candidates(const choice *c, const lo_layout **out)
{
    unsigned n = 0;
    for (uint32_t nb = 0; nb <= LO_MAX_PAYLOAD_BITS && n < MAX_APP_CANDIDATES; nb++) {
        const lo_layout *A = lo_app_layout(c->type, c->dac, c->fid, nb);
        bool seen = !A;
        for (unsigned i = 0; i < n && !seen; i++)
            seen = out[i] == A;
        if (!seen)
            out[n++] = A;
    }
    return n;
}

static int choose_app(enc *e, choice *c, json_t *obj)
{
    uint32_t nbits;
    c->dac = (unsigned)encoded_value(e, "dac");
    c->fid = (unsigned)encoded_value(e, "fid");
    c->app = &lo_layout_app_data;
    const json_t *data = json_object_get(obj, "data");
    if (data && !json_is_null(data))
        return 0;
    const lo_layout *cand[MAX_APP_CANDIDATES];
    unsigned n = app_candidates(c, cand);
    for (unsigned i = 0; i < n; i++) {
        c->app = cand[i];
        encode_with(e, c, obj, &nbits);
        if (lo_app_layout(c->type, c->dac, c->fid, nbits) == cand[i])
            return 0;
    }
    if (n == 0) {
        c->app = &lo_layout_app_data; /* unknown DAC/FI and no data: empty */
        return 0;
    }
    /* None fits: encode with the first to report why. */
    c->app = cand[0];
    e->trial = false;
    int rc = encode_with(e, c, obj, &nbits);
    if (rc)
        return rc;
    strbuf *b = err_at(e, NULL);
    sb_puts(b, "these values make ");
    sb_u64(b, nbits);
    sb_puts(b, " bits, a length no layout for ");
    sb_puts(b, cand[0]->name);
    sb_puts(b, " accepts");
    return LO_E_RANGE;
}

/* Standard layouts of a type: those lo_all_layouts names after it ("24B"). */
static unsigned type_layouts(unsigned type, const lo_layout **out, unsigned max)
{
    unsigned n = 0;
    for (const lo_layout *const *p = lo_all_layouts; *p && n < max; p++) {
        const char *s = (*p)->name;
        unsigned t = 0;
        while (*s >= '0' && *s <= '9' && t < 100)
            t = t * 10 + (unsigned)(*s++ - '0');
        if (t == type && s != (*p)->name && !strchr(s, '/'))
            out[n++] = *p;
    }
    return n;
}

/* A key of obj that is neither a field of L or app nor a known extra, or NULL. */
static const char *unknown_key_of(json_t *obj, const lo_layout *L, const lo_layout *app)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        (void)val;
        bool known = key_in_layout(L, key) || key_in_layout(app, key);
        for (size_t i = 0; i < sizeof extra_keys / sizeof extra_keys[0] && !known; i++)
            known = !strcmp(key, extra_keys[i]);
        if (!known)
            return key;
    }
    return NULL;
}

#define MAX_VARIANTS 16

/* The variant: of the type's layouts, those the decoder would choose for the
 * bits they encode and that carry every value given; of those, one that knows
 * every key, then the shortest (type 16 with one station). */
static int choose_layout(enc *e, choice *c, json_t *obj)
{
    uint32_t nbits;
    const lo_layout *cand[MAX_VARIANTS], *best = NULL;
    uint32_t best_bits = 0;
    bool best_clean = false;
    unsigned n = type_layouts(c->type, cand, MAX_VARIANTS);
    c->app = NULL;
    e->trial = true;
    if (n == 1) /* one variant: the final pass checks it */
        best = cand[0];
    for (unsigned i = 0; i < n && n > 1; i++) {
        c->L = cand[i];
        e->dropped = false;
        encode_with(e, c, obj, &nbits);
        if (e->dropped || lo_layout_select(e->bits, nbits) != cand[i])
            continue;
        bool clean = unknown_key_of(obj, cand[i], NULL) == NULL;
        if (!best || (clean && !best_clean) || (clean == best_clean && nbits < best_bits)) {
            best = cand[i];
            best_bits = nbits;
            best_clean = clean;
        }
    }
    c->L = best;
    if (!best) {
        /* No variant carries it all: take the one the decoder picks for these
         * values (encode a guess, ask, repeat), and let the final pass say why. */
        memset(e->bits, 0, LO_MAX_PAYLOAD_BYTES);
        put_bits(e->bits, 0, 6, c->type);
        c->L = lo_layout_select(e->bits, 38);
        for (int pass = 0; pass < 4 && c->L; pass++) {
            encode_with(e, c, obj, &nbits);
            const lo_layout *next = lo_layout_select(e->bits, nbits);
            if (next == c->L)
                break;
            c->L = next;
        }
    }
    if (!c->L)
        return fail(e, LO_E_INVAL, NULL, "no message variant has these values (type 24 part must be A or B)");
    int rc = 0;
    if (c->type == 6 || c->type == 8) {
        encode_with(e, c, obj, &nbits); /* the chosen variant's bits, for DAC and FI */
        rc = choose_app(e, c, obj);
    }
    e->trial = false;
    return rc;
}

/* ---- the message's context ------------------------------------------------------ */

static int parse_meta(enc *e, json_t *obj, lo_meta *m)
{
    memset(m, 0, sizeof *m);
    m->rx_time_ms = LO_TIME_NONE;
    const json_t *v = json_object_get(obj, "channel");
    if (v && !json_is_null(v)) {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        if (strlen(s) != 1 || !strchr("AB12", s[0]))
            return fail(e, LO_E_INVAL, "channel", "expected \"A\", \"B\", \"1\" or \"2\"");
        m->channel = s[0];
    }
    v = json_object_get(obj, "station");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return fail(e, LO_E_INVAL, "station", "expected a string");
        if (json_string_length(v) >= LO_MAX_STATION)
            return fail(e, LO_E_RANGE, "station", "longer than 31 characters");
        memcpy(m->station, json_string_value(v), json_string_length(v) + 1);
    }
    v = json_object_get(obj, "rx_time");
    if (v && !json_is_null(v)) {
        /* "2012-01-01T05:01:00.000Z": fraction and Z optional. */
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        static const char seps[] = "--T::";
        int part[6] = {0}, milli = 0;
        bool ok = true;
        for (int i = 0; i < 6 && ok; i++) {
            int digits = 0;
            while (*s >= '0' && *s <= '9' && digits < (i ? 2 : 4)) {
                part[i] = part[i] * 10 + (*s++ - '0');
                digits++;
            }
            ok = digits == (i ? 2 : 4) && (i == 5 || *s++ == seps[i]);
        }
        if (ok && *s == '.') {
            int digits = 0;
            for (s++; *s >= '0' && *s <= '9'; s++, digits++)
                if (digits < 3)
                    milli = milli * 10 + (*s - '0');
            for (; digits > 0 && digits < 3; digits++)
                milli *= 10;
            ok = digits > 0;
        }
        if (ok && *s == 'Z')
            s++;
        ok = ok && !*s && part[1] >= 1 && part[1] <= 12 && part[2] >= 1 && part[2] <= 31 && part[3] <= 23 &&
             part[4] <= 59 && part[5] <= 60;
        if (!ok)
            return fail(e, LO_E_INVAL, "rx_time", "expected a UTC time like \"2012-01-01T05:01:00.000Z\"");
        m->rx_time_ms = lo_utc_to_ms(part[0], part[1], part[2], part[3], part[4], part[5]) + milli;
    }
    return 0;
}

static int encode_object(enc *e, json_t *obj, uint32_t *nbits, lo_meta *meta)
{
    if (!json_is_object(obj))
        return fail(e, LO_E_INVAL, NULL, "expected a JSON object");
    const json_t *v = json_object_get(obj, "class");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "AIS")))
        return fail(e, LO_E_INVAL, "class", "not \"AIS\"");
    v = json_object_get(obj, "scaled");
    if (v && !json_is_boolean(v))
        return fail(e, LO_E_INVAL, "scaled", "expected true or false");
    e->scaled = v && json_is_true(v);
    v = json_object_get(obj, "type");
    if (!v)
        return fail(e, LO_E_INVAL, "type", "missing");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 27)
        return fail(e, LO_E_RANGE, "type", "expected a message type 1-27");
    lo_meta m;
    int rc = parse_meta(e, obj, &m);
    if (rc)
        return rc;
    choice c = {.type = (unsigned)json_integer_value(v)};
    if ((rc = choose_layout(e, &c, obj)))
        return rc;
    if ((rc = encode_with(e, &c, obj, nbits)))
        return rc;
    const char *key = unknown_key_of(obj, c.L, c.app);
    if (key) {
        strbuf *b = err_at(e, key);
        sb_puts(b, "not a field of message ");
        sb_puts(b, c.app && c.app != &lo_layout_app_data ? c.app->name : c.L->name);
        if (c.app == &lo_layout_app_data) {
            const lo_layout *cand[MAX_APP_CANDIDATES];
            if (app_candidates(&c, cand)) {
                sb_puts(b, " with \"data\" (give the application fields or \"data\", not both)");
            } else {
                sb_puts(b, " (lookout has no layout for DAC ");
                sb_u64(b, c.dac);
                sb_puts(b, " FI ");
                sb_u64(b, c.fid);
                sb_puts(b, "; give its bits as \"data\")");
            }
        }
        return LO_E_UNKNOWN_FIELD;
    }
    /* The decoder must read these bits with the layouts they were written with. */
    lo_reject why = LO_REJECT_NONE;
    if (lo_decode(e->bits, *nbits, &e->full, &why) == 0 && e->full.layout == c.L && e->full.app == c.app)
        goto done;
    strbuf *b = err_at(e, e->last_var);
    if (why == LO_REJECT_TOO_SHORT || why == LO_REJECT_TOO_LONG || why == LO_REJECT_PAYLOAD_TOO_LONG) {
        sb_puts(b, "the message is ");
        sb_u64(b, *nbits);
        sb_puts(b, " bits; ");
        sb_puts(b, c.L->name);
        sb_puts(b, " takes ");
        sb_u64(b, c.L->min_bits);
        sb_putn(b, "..", 2);
        sb_u64(b, c.L->max_bits);
    } else {
        err_at(e, NULL);
        sb_puts(b, "these values do not decode as message ");
        sb_puts(b, c.app && c.app != &lo_layout_app_data ? c.app->name : c.L->name);
    }
    return LO_E_RANGE;
done:
    if (meta)
        *meta = m;
    return 0;
}

int lo_encode_json(const char *json, size_t len, const lo_encode_opts *o, uint8_t *bits, uint32_t *nbits,
                   lo_meta *meta, char *err, size_t errlen)
{
    static const lo_encode_opts defaults = {0};
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!json || !bits || !nbits)
        return LO_E_INVAL;
    enc state = {0}, *e = &state;
    e->bits = bits;
    e->o = o ? o : &defaults;
    e->err = (strbuf){.p = err, .cap = errlen - 1};
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!root) {
        strbuf *b = err_at(e, NULL);
        sb_puts(b, "not JSON: ");
        sb_puts(b, jerr.text);
        rc = LO_E_INVAL;
    } else {
        rc = encode_object(e, root, nbits, meta);
        json_decref(root);
    }
    err[rc ? e->err.len : 0] = '\0';
    return rc;
}

/* ---- NMEA sentences ---------------------------------------------------------------- */

#define DEFAULT_MAX_PAYLOAD 60

unsigned lo_nmea_sentences(uint32_t nbits, unsigned max_payload)
{
    unsigned maxp = max_payload ? max_payload : DEFAULT_MAX_PAYLOAD;
    uint32_t chars = (nbits + 5) / 6;
    return chars ? (unsigned)((chars + maxp - 1) / maxp) : 1;
}

static const char hexdig[] = "0123456789ABCDEF";

static void put_checksum(strbuf *b, size_t from)
{
    uint8_t cs = b->overflow ? 0 : lo_nmea_checksum(b->p + from, b->len - from);
    sb_putc(b, '*');
    sb_putc(b, hexdig[cs >> 4]);
    sb_putc(b, hexdig[cs & 15]);
}

static bool plain_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F || strchr(",*\\!$", *s))
            return false;
    return true;
}

int lo_encode_nmea(const uint8_t *bits, uint32_t nbits, const lo_nmea_opts *o, char *out, size_t cap)
{
    static const lo_nmea_opts defaults = {0};
    if (!o)
        o = &defaults;
    const char *talker = o->talker ? o->talker : "AI";
    unsigned maxp = o->max_payload ? o->max_payload : DEFAULT_MAX_PAYLOAD;
    if (!bits || !out || cap == 0 || nbits == 0 || nbits > LO_MAX_PAYLOAD_BITS || maxp > LO_MAX_PAYLOAD_CHARS)
        return LO_E_INVAL;
    if (strlen(talker) != 2 || !plain_text(talker) || (o->channel && !strchr("AB12", o->channel)))
        return LO_E_INVAL;
    if (o->station && !plain_text(o->station))
        return LO_E_INVAL;
    uint32_t chars = (nbits + 5) / 6;
    unsigned fill = chars * 6 - nbits;
    unsigned total = lo_nmea_sentences(nbits, maxp);
    if (total > LO_MAX_FRAGMENTS || (total > 1 && o->seq_id > 9))
        return LO_E_INVAL;
    strbuf b = {.p = out, .cap = cap - 1};
    for (unsigned num = 1; num <= total; num++) {
        bool g = o->tag_block && total > 1;
        bool s = o->tag_block && num == 1 && o->station && o->station[0];
        bool c = o->tag_block && num == 1 && o->time_ms > 0;
        if (g || s || c) {
            sb_putc(&b, '\\');
            size_t from = b.len;
            if (g) {
                sb_puts(&b, "g:");
                sb_u64(&b, num);
                sb_putc(&b, '-');
                sb_u64(&b, total);
                sb_putc(&b, '-');
                sb_u64(&b, o->group_id);
            }
            if (s) {
                if (g)
                    sb_putc(&b, ',');
                sb_puts(&b, "s:");
                sb_puts(&b, o->station);
            }
            if (c) {
                if (g || s)
                    sb_putc(&b, ',');
                sb_puts(&b, "c:");
                sb_u64(&b, (uint64_t)(o->time_ms / 1000));
            }
            put_checksum(&b, from);
            sb_putc(&b, '\\');
        }
        sb_putc(&b, '!');
        size_t from = b.len;
        sb_puts(&b, talker);
        sb_puts(&b, o->own_ship ? "VDO," : "VDM,");
        sb_u64(&b, total);
        sb_putc(&b, ',');
        sb_u64(&b, num);
        sb_putc(&b, ',');
        if (total > 1)
            sb_u64(&b, o->seq_id);
        sb_putc(&b, ',');
        if (o->channel)
            sb_putc(&b, o->channel);
        sb_putc(&b, ',');
        uint32_t first = (num - 1) * maxp, last = first + maxp < chars ? first + maxp : chars;
        for (uint32_t i = first; i < last; i++)
            sb_putc(&b, lo_armour_char[lo_bits_u(bits, nbits, 6 * i, 6)]);
        sb_putc(&b, ',');
        sb_u64(&b, num == total ? fill : 0);
        put_checksum(&b, from);
        if (o->crlf)
            sb_putc(&b, '\r');
        sb_putc(&b, '\n');
    }
    if (b.overflow) {
        out[0] = '\0';
        return LO_E_NOSPACE;
    }
    out[b.len] = '\0';
    return (int)b.len;
}

/* ---- from field values (lo_encode_fields) ------------------------------------------- */

/* Index in v of the value for field name, or -1. The value after the last one
 * found is tried first: callers that list values in layout order pay one
 * comparison per field. */
static int value_of(const lo_field_value *v, size_t n, const char *name, size_t *hint)
{
    for (size_t k = 0, i = *hint; k < n; k++, i++) {
        if (i >= n)
            i = 0;
        const char *a = v[i].name, *b = name;
        while (*a && *a == *b) /* names are a few characters: no call */
            a++, b++;
        if (*a == *b) {
            *hint = i + 1;
            return (int)i;
        }
    }
    return -1;
}

static int fields_fail(strbuf *b, int rc, const char *field, const char *msg)
{
    b->len = 0;
    b->overflow = false;
    if (field) {
        sb_puts(b, "field '");
        sb_puts(b, field);
        sb_puts(b, "': ");
    }
    sb_puts(b, msg);
    return rc;
}

/* Write the values with layout L. *carried: every value given went into a field
 * that carries it (a value for a field L has not, or a non-zero value for a field
 * of width 0, leaves it false without an error: another variant may carry it). */
static int fields_with(const lo_layout *L, unsigned type, const lo_field_value *v, size_t n, bool *used,
                       uint8_t *bits, uint32_t *nbits, bool *carried, strbuf *err)
{
    memset(bits, 0, LO_MAX_PAYLOAD_BYTES);
    uint32_t pos = 0, hw = 0;
    size_t hint = 0;
    *carried = true;
    for (unsigned fi = 0; fi < L->nfields; fi++) {
        const lo_field *f = &L->fields[fi];
        int i = f->name ? value_of(v, n, f->name, &hint) : -1;
        if (i >= 0)
            used[i] = true;
        bool given = i >= 0;
        switch ((lo_kind)f->kind) {
        case LO_K_SPARE:
            pos += f->bits;
            break;
        case LO_K_BACK:
            pos = pos >= f->bits ? pos - f->bits : 0;
            continue;
        case LO_K_TEXT:
        case LO_K_TEXT_REST: {
            const char *s = given ? v[i].text : "";
            if (!s)
                return fields_fail(err, LO_E_INVAL, f->name, "expected a text");
            size_t len = strlen(s);
            size_t nchars = f->kind == LO_K_TEXT ? f->bits / 6u : len;
            if (len > nchars || (uint64_t)pos + 6 * nchars > LO_MAX_PAYLOAD_BITS) {
                strbuf *b = err;
                fields_fail(b, LO_E_RANGE, f->name, "");
                sb_u64(b, len);
                sb_puts(b, " characters, at most ");
                sb_u64(b, f->kind == LO_K_TEXT ? nchars : (LO_MAX_PAYLOAD_BITS - pos) / 6);
                sb_puts(b, " fit");
                return LO_E_RANGE;
            }
            for (size_t k = 0; k < nchars; k++) {
                int c = k < len ? sixbit((unsigned char)s[k]) : 0;
                if (c < 0)
                    return fields_fail(err, LO_E_INVAL, f->name, "a character six-bit text cannot carry");
                if (pos >= hw || given)
                    put_bits(bits, pos, 6, (uint64_t)c);
                pos += 6;
            }
            break;
        }
        case LO_K_DATA:
        case LO_K_ARRAY:
        case LO_K_TEXT_TAIL:
            if (given)
                return fields_fail(err, LO_E_INVAL, f->name, "not supported by lo_encode_fields (use lo_encode_json)");
            break;
        default: {
            if (given && v[i].text)
                return fields_fail(err, LO_E_INVAL, f->name, "expected a number, not a text");
            int64_t x = given ? v[i].value : f->na != LO_NA_NONE ? f->na : 0;
            if (f->name[0] == 't' && !strcmp(f->name, "type")) {
                if (given && x != (int64_t)type)
                    return fields_fail(err, LO_E_INVAL, "type", "differs from the type asked for");
                x = type;
            }
            if (f->bits == 0) { /* the variant does not carry it: only 0 reads back */
                if (given && x != 0)
                    *carried = false;
                continue;
            }
            unsigned w = f->bits;
            int64_t lo = 0, hi = w >= 63 ? INT64_MAX : ((int64_t)1 << w) - 1;
            if (f->kind == LO_K_INT && w < 63) {
                lo = -((int64_t)1 << (w - 1));
                hi = ((int64_t)1 << (w - 1)) - 1;
            }
            if (x < lo || x > hi) {
                fields_fail(err, LO_E_RANGE, f->name, "");
                sb_i64(err, x);
                sb_puts(err, " does not fit in ");
                sb_u64(err, w);
                sb_puts(err, f->kind == LO_K_INT ? " signed bits " : " bits ");
                sb_range(err, lo, hi);
                return LO_E_RANGE;
            }
            if (f->kind == LO_K_ENUM_ONLY && f->names && !lo_enum_text(f->names, x))
                return fields_fail(err, LO_E_RANGE, f->name, "not one of the values this message allows");
            if ((uint64_t)pos + w > LO_MAX_PAYLOAD_BITS)
                return fields_fail(err, LO_E_RANGE, f->name, "the message would be too long");
            if (pos >= hw || given)
                put_bits(bits, pos, w, (uint64_t)x);
            pos += w;
            break;
        }
        }
        if (pos > hw)
            hw = pos;
    }
    for (size_t k = 0; k < n; k++)
        if (!used[k])
            *carried = false;
    *nbits = hw;
    return 0;
}

int lo_encode_fields(unsigned type, const lo_field_value *values, size_t n, uint8_t *bits, uint32_t *nbits,
                     char *err, size_t errlen)
{
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    strbuf b = {.p = err, .cap = errlen - 1};
    int rc = 0;
    if (!bits || !nbits || (n && !values) || n > LO_MAX_VALUES || type < 1 || type > 27) {
        rc = fields_fail(&b, LO_E_INVAL, NULL, "bad arguments");
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        if (!values[k].name) {
            rc = fields_fail(&b, LO_E_INVAL, NULL, "a value without a name");
            goto out;
        }
    bool used[LO_MAX_VALUES];
    /* Most types have one layout: try the one the decoder picks for the type
     * alone first, and look through the type's others only when it does not fit. */
    uint8_t head[32] = {(uint8_t)(type << 2)}; /* selectors read the first 140 bits at most */
    const lo_layout *first = lo_layout_select(head, 8 * sizeof head);
    if (first) {
        bool carried;
        memset(used, 0, n * sizeof used[0]);
        if (fields_with(first, type, values, n, used, bits, nbits, &carried, &b) == 0 && carried &&
            lo_layout_select(bits, *nbits) == first && *nbits >= first->min_bits && *nbits <= first->max_bits)
            goto out;
        b.len = 0;
    }
    const lo_layout *cand[MAX_VARIANTS];
    unsigned nc = type_layouts(type, cand, MAX_VARIANTS);
    const char *stray = NULL;
    for (unsigned c = 0; c < nc; c++) {
        bool carried;
        memset(used, 0, n * sizeof used[0]);
        rc = fields_with(cand[c], type, values, n, used, bits, nbits, &carried, &b);
        if (rc) {
            if (lo_layout_select(bits, *nbits) == cand[c] || nc == 1)
                goto out; /* the variant these values choose: its error is the one */
            continue;
        }
        if (!carried) {
            for (size_t k = 0; k < n && !stray; k++)
                if (!used[k])
                    stray = values[k].name;
            continue;
        }
        if (lo_layout_select(bits, *nbits) == cand[c] && *nbits >= cand[c]->min_bits &&
            *nbits <= cand[c]->max_bits)
            goto out;
    }
    if (stray) {
        fields_fail(&b, LO_E_UNKNOWN_FIELD, stray, "not a field of message ");
        sb_u64(&b, type);
        rc = LO_E_UNKNOWN_FIELD;
    } else {
        fields_fail(&b, LO_E_RANGE, NULL, "no variant of message ");
        sb_u64(&b, type);
        sb_puts(&b, " carries these values");
        rc = LO_E_RANGE;
    }
out:
    err[rc ? b.len : 0] = '\0';
    return rc;
}
