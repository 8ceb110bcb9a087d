/* decode.c - message bits -> lo_message, by walking the message's layout. */
#include <assert.h>
#include <string.h>

#include "lookout/bits.h"
#include "lookout/message.h"

typedef struct walker {
    const uint8_t *bits;
    uint32_t nbits;
    uint32_t pos;
    bool zero_fill;
    bool counted;   /* a COUNT field gave the size of the next ARRAY */
    uint32_t count;
    lo_message *m;
} walker;

/* Field of `width` bits at the walker's position. Inside the message a single
 * 64-bit big-endian load does it (lo_decode leaves 8 zeroed bytes after the
 * bits); fields that cross the end go through lo_bits_u, which reads zeros. */
static inline uint64_t read_u(const walker *w, uint32_t pos, unsigned width)
{
    if (width == 0)
        return 0;
    if (width <= 57 && pos + width <= w->nbits) {
        const uint8_t *b = w->bits + (pos >> 3);
        uint64_t v = ((uint64_t)b[0] << 56) | ((uint64_t)b[1] << 48) | ((uint64_t)b[2] << 40) |
                     ((uint64_t)b[3] << 32) | ((uint64_t)b[4] << 24) | ((uint64_t)b[5] << 16) |
                     ((uint64_t)b[6] << 8) | (uint64_t)b[7];
        return (v << (pos & 7)) >> (64 - width);
    }
    return lo_bits_u(w->bits, w->nbits, pos, width);
}

static inline int64_t read_s(const walker *w, uint32_t pos, unsigned width)
{
    uint64_t u = read_u(w, pos, width);
    if (width && width < 64 && ((u >> (width - 1)) & 1u))
        u |= ~(uint64_t)0 << width;
    return (int64_t)u;
}

/* Store six-bit text of n characters at the walker's position, stopping at '@'
 * and trimming trailing blanks (ITU-R M.1371-5: '@' pads unused characters). */
static int64_t put_text(walker *w, unsigned nchars)
{
    lo_message *m = w->m;
    uint16_t start = m->ntext, len = 0;
    /* Eight characters (48 bits) per read; nothing after the first '@' counts. */
    for (unsigned i = 0; i < nchars;) {
        unsigned k = nchars - i < 8 ? nchars - i : 8;
        uint64_t word = read_u(w, w->pos + 6 * i, 6 * k);
        for (unsigned j = k; j-- > 0;) {
            unsigned c = (unsigned)(word >> (6 * j)) & 63u;
            if (c == 0 || start + len + 1u >= LO_MAX_TEXT) {
                i = nchars;
                break;
            }
            m->text[start + len++] = lo_sixbit_ascii[c];
        }
        i += k;
    }
    /* The pool keeps the text untrimmed up to '@' (NUL-terminated); the value's
     * length excludes trailing blanks. A name extension needs the untrimmed form. */
    uint16_t full = len;
    while (len > 0 && m->text[start + len - 1] == ' ')
        len--;
    m->text[start + full] = '\0';
    m->ntext = (uint16_t)(start + full + 1);
    w->pos += 6 * nchars;
    return ((int64_t)start << 16) | len;
}

static int walk(walker *w, const lo_layout *L);

/* After a value is read: a COUNT sizes the next ARRAY; an ENUM_ONLY value outside
 * its names means the message is not this layout. */
static int after_value(walker *w, const lo_field *f, int64_t v)
{
    if (f->kind == LO_K_COUNT) {
        w->counted = true;
        w->count = v == LO_ABSENT ? 0 : (uint32_t)v;
    } else if (f->kind == LO_K_ENUM_ONLY && v != LO_ABSENT && !lo_enum_text(f->names, v)) {
        return -1;
    }
    return 0;
}

static int walk_field(walker *w, const lo_field *f)
{
    lo_message *m = w->m;
    if (m->nvalues >= LO_MAX_VALUES)
        return -1;
    int64_t *slot = &m->v[m->nvalues++];
    uint32_t left = w->nbits > w->pos ? w->nbits - w->pos : 0;
    switch ((lo_kind)f->kind) {
    case LO_K_TEXT_REST:
        *slot = put_text(w, left / 6);
        return 0;
    case LO_K_TEXT_TAIL:
        *slot = put_text(w, left / 6);
        return 0;
    case LO_K_DATA: {
        uint32_t n = left > f->bits ? left - f->bits : 0;
        *slot = ((int64_t)w->pos << 16) | n;
        w->pos += n;
        return 0;
    }
    case LO_K_BACK:
        *slot = 0;
        w->pos = w->pos >= f->bits ? w->pos - f->bits : 0;
        return 0;
    case LO_K_ARRAY: {
        uint32_t ebits = 0;
        for (unsigned i = 0; i < f->element->nfields; i++)
            ebits += f->element->fields[i].kind == LO_K_BACK ? -f->element->fields[i].bits
                                                              : f->element->fields[i].bits;
        /* An element layout that reads missing bits as 0 also counts a last
         * element cut short by the end of the message. */
        bool cut = (f->element->flags & LO_L_ZERO_FILL) != 0;
        uint32_t count = ebits ? (cut ? (left + ebits - 1) / ebits : left / ebits) : 0;
        if (w->counted) {
            count = w->count;
            w->counted = false;
        }
        if (count > f->bits)
            count = f->bits;
        *slot = count;
        bool outer = w->zero_fill;
        w->zero_fill = outer || cut;
        for (uint32_t i = 0; i < count; i++) {
            if (walk(w, f->element)) {
                w->zero_fill = outer;
                return -1;
            }
        }
        w->zero_fill = outer;
        return 0;
    }
    default:
        break;
    }
    if (f->bits > left && !w->zero_fill) {
        *slot = LO_ABSENT;
        w->pos += f->bits;
        return after_value(w, f, LO_ABSENT);
    }
    switch ((lo_kind)f->kind) {
    case LO_K_INT:
        *slot = read_s(w, w->pos, f->bits);
        break;
    case LO_K_TEXT:
        *slot = put_text(w, f->bits / 6);
        return 0;
    default: /* unsigned, bool, spare, composite times, part, count */
        *slot = (int64_t)read_u(w, w->pos, f->bits);
        break;
    }
    w->pos += f->bits;
    return after_value(w, f, *slot);
}

/* Kinds read as one plain unsigned (or signed) field with no side effects. */
#define PLAIN_KINDS                                                                                        \
    ((1u << LO_K_UINT) | (1u << LO_K_INT) | (1u << LO_K_BOOL) | (1u << LO_K_SPARE) | (1u << LO_K_MDHM) |     \
     (1u << LO_K_YMDHMS) | (1u << LO_K_DHM) | (1u << LO_K_HM) | (1u << LO_K_PART) | (1u << LO_K_DMHM) |       \
     (1u << LO_K_MDHM_SHORT))
_Static_assert(LO_K_MDHM_SHORT < 32, "field kinds fit a 32-bit mask");

static int walk(walker *w, const lo_layout *L)
{
    lo_message *m = w->m;
    const lo_field *f = L->fields, *end = f + L->nfields;
    /* Hot path: whole plain fields inside the message, read with one 64-bit load;
     * everything else (text, data, arrays, fields past the end) field by field.
     * Position and value count live in locals while on the hot path. */
    if (m->nvalues + L->nfields > LO_MAX_VALUES) {
        for (; f < end; f++)
            if (walk_field(w, f))
                return -1;
        return 0;
    }
    const uint8_t *bits = w->bits;
    const uint32_t nbits = w->nbits;
    uint32_t pos = w->pos;
    unsigned nv = m->nvalues;
    for (; f < end; f++) {
        const unsigned width = f->bits;
        if (((PLAIN_KINDS >> f->kind) & 1u) && width - 1u < 57u && pos + width <= nbits) {
            uint64_t be;
            memcpy(&be, bits + (pos >> 3), 8);
            be = __builtin_bswap64(be);
            uint64_t u = (be << (pos & 7)) >> (64 - width);
            if (f->kind == LO_K_INT && ((u >> (width - 1)) & 1u))
                u |= ~(uint64_t)0 << width;
            m->v[nv++] = (int64_t)u;
            pos += width;
            continue;
        }
        w->pos = pos;
        m->nvalues = (uint16_t)nv;
        if (walk_field(w, f))
            return -1;
        pos = w->pos;
        nv = m->nvalues;
    }
    w->pos = pos;
    m->nvalues = (uint16_t)nv;
    return 0;
}

/* Position reports (types 1-3 and 18) are most of the traffic, and their
 * tables hold only plain integers and flags (no text, data or arrays) that end
 * at bit 168. A message that long is read field by field at fixed places: the
 * loops below unroll into one 64-bit load and two constant shifts per field.
 * The places repeat the tables (f_position_a, f_position_b in layout_std.c);
 * the dev build checks them against the tables on every message. */
#define STRAIGHT_BITS 168

typedef struct place {
    uint8_t pos, width;
    bool sign;
} place;

static const place position_a[] = {
    {0, 6, 0},   {6, 2, 0},    {8, 30, 0},   {38, 4, 0},   {42, 8, 1},   {50, 10, 0},  {60, 1, 0},  {61, 28, 1},
    {89, 27, 1}, {116, 12, 0}, {128, 9, 0},  {137, 6, 0},  {143, 2, 0},  {145, 3, 0},  {148, 1, 0}, {149, 19, 0},
};
static const place position_b[] = {
    {0, 6, 0},    {6, 2, 0},    {8, 30, 0},   {38, 8, 0},   {46, 10, 0},  {56, 1, 0},
    {57, 28, 1},  {85, 27, 1},  {112, 12, 0}, {124, 9, 0},  {133, 6, 0},  {139, 2, 0},
    {141, 1, 0},  {142, 1, 0},  {143, 1, 0},  {144, 1, 0},  {145, 1, 0},  {146, 1, 0},
    {147, 1, 0},  {148, 20, 0},
};
#define NPLACES(a) (sizeof(a) / sizeof((a)[0]))

#ifndef NDEBUG
static bool places_match(const lo_layout *L, const place *pl, unsigned n)
{
    if (L->nfields != n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (L->fields[i].bits != pl[i].width || (L->fields[i].kind == LO_K_INT) != pl[i].sign ||
            !((PLAIN_KINDS >> L->fields[i].kind) & 1u) || (i && pl[i].pos != pl[i - 1].pos + pl[i - 1].width))
            return false;
    return pl[n - 1].pos + pl[n - 1].width == STRAIGHT_BITS;
}
#endif

static inline void read_places(lo_message *m, const place *pl, unsigned n)
{
    const uint8_t *bits = m->bits;
#pragma GCC unroll 32
    for (unsigned i = 0; i < n; i++) {
        uint64_t be;
        memcpy(&be, bits + (pl[i].pos >> 3), 8);
        be = __builtin_bswap64(be) << (pl[i].pos & 7);
        if (pl[i].sign)
            m->v[i] = (int64_t)be >> (64 - pl[i].width); /* arithmetic shift: sign-extends */
        else
            m->v[i] = (int64_t)(be >> (64 - pl[i].width));
    }
    m->nvalues = (uint16_t)n;
}

/* Reads a type 1-3 or 18 message of at least STRAIGHT_BITS bits; false for
 * other types. */
static bool read_position(lo_message *m, const lo_layout *L)
{
    if (m->type <= 3) {
        assert(places_match(L, position_a, NPLACES(position_a)));
        read_places(m, position_a, NPLACES(position_a));
        return true;
    }
    if (m->type == 18) {
        assert(places_match(L, position_b, NPLACES(position_b)));
        read_places(m, position_b, NPLACES(position_b));
        return true;
    }
    (void)L;
    return false;
}

#define REJECT_WITH(reason)                                                                         \
    do {                                                                                          \
        *why = LO_REJECT_##reason;                                                                \
        return LO_E_REJECTED;                                                                     \
    } while (0)

int lo_decode(const uint8_t *bits, uint32_t nbits, lo_message *m, lo_reject *why)
{
    if (nbits > LO_MAX_PAYLOAD_BITS)
        REJECT_WITH(PAYLOAD_TOO_LONG);
    if (nbits < 38)
        REJECT_WITH(TOO_SHORT);
    size_t nbytes = (nbits + 7) / 8;
    memcpy(m->bits, bits, nbytes);
    memset(m->bits + nbytes, 0, 8);
    if (nbits & 7) /* clear fill bits so that loads past nbits read zeros */
        m->bits[nbytes - 1] &= (uint8_t)(0xFF00u >> (nbits & 7));
    const lo_layout *L = lo_layout_select(m->bits, nbits);
    if (!L)
        REJECT_WITH(BAD_TYPE);
    if (nbits < L->min_bits)
        REJECT_WITH(TOO_SHORT);
    if (nbits > L->max_bits)
        REJECT_WITH(TOO_LONG);
    /* type 6, repeat 2, MMSI 30: the first 38 bits, in the first 5 bytes */
    uint64_t head = ((uint64_t)m->bits[0] << 32) | ((uint64_t)m->bits[1] << 24) | ((uint64_t)m->bits[2] << 16) |
                    ((uint64_t)m->bits[3] << 8) | m->bits[4];
    m->type = (uint8_t)(head >> 34);
    m->repeat = (uint8_t)((head >> 32) & 3);
    m->mmsi = (uint32_t)((head >> 2) & 0x3FFFFFFF);
    m->layout = L;
    m->app = NULL;
    m->nbits = (uint16_t)nbits;
    m->nvalues = 0;
    m->ntext = 0;
    if (nbits >= STRAIGHT_BITS && read_position(m, L))
        return 0;
    walker w = {.bits = m->bits, .nbits = nbits, .pos = 0, .zero_fill = (L->flags & LO_L_ZERO_FILL) != 0, .m = m};
    if (walk(&w, L))
        REJECT_WITH(PAYLOAD_TOO_LONG);
    if (m->type == 6 || m->type == 8) {
        unsigned dac = (unsigned)lo_bits_u(bits, nbits, m->type == 6 ? 72 : 40, 10);
        unsigned fid = (unsigned)lo_bits_u(bits, nbits, m->type == 6 ? 82 : 50, 6);
        const lo_layout *app = lo_app_layout(m->type, dac, fid, nbits);
        uint16_t keep_values = m->nvalues, keep_text = m->ntext;
        if (app) {
            w.zero_fill = (app->flags & LO_L_ZERO_FILL) != 0;
            if (walk(&w, app) == 0) {
                m->app = app;
            } else { /* not this layout after all, or too many values: raw data */
                m->nvalues = keep_values;
                m->ntext = keep_text;
                w.pos = m->type == 6 ? 88 : 56;
            }
        }
        if (!m->app) {
            m->app = &lo_layout_app_data;
            if (walk(&w, m->app))
                REJECT_WITH(PAYLOAD_TOO_LONG);
        }
    }
    return 0;
}

/* Layout fields in value order: skips array elements. */
int lo_message_find(const lo_message *m, const char *name)
{
    int idx = 0;
    const lo_layout *parts[2] = {m->layout, m->app};
    for (int p = 0; p < 2 && parts[p]; p++) {
        const lo_layout *L = parts[p];
        for (unsigned i = 0; i < L->nfields; i++) {
            const lo_field *f = &L->fields[i];
            if (f->name && strcmp(f->name, name) == 0)
                return idx;
            if (f->kind == LO_K_ARRAY)
                idx += 1 + (int)(m->v[idx] * f->element->nfields);
            else
                idx++;
        }
    }
    return -1;
}

int64_t lo_message_int(const lo_message *m, const char *name, int64_t dflt)
{
    int i = lo_message_find(m, name);
    if (i < 0 || m->v[i] == LO_ABSENT)
        return dflt;
    return m->v[i];
}

const char *lo_enum_text(const lo_enum *e, int64_t v)
{
    if (e->codes) {
        for (unsigned i = 0; i < e->count; i++)
            if (e->codes[i] == v)
                return e->names[i];
        return e->other;
    }
    return (v >= 0 && v < e->count) ? e->names[v] : e->other;
}

const char *lo_message_text(const lo_message *m, int64_t v, uint16_t *len)
{
    *len = (uint16_t)(v & 0xFFFF);
    return m->text + (v >> 16);
}
