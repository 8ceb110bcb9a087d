/* format.c - field values as text: raw integers, scaled units, composite
 * times, six-bit text and raw data. */
#include "format.h"

#include <math.h>

#include "lookout/output.h"
#include "util.h"

static const char hexdig[] = "0123456789abcdef";

void lo_fmt_text(strbuf *b, const char *s, size_t n, fmt_style style)
{
    if (style == FMT_CSV) {
        bool quote = false;
        for (size_t i = 0; i < n; i++)
            if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
                quote = true;
        if (!quote) {
            sb_putn(b, s, n);
            return;
        }
        sb_putc(b, '"');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"')
                sb_putc(b, '"');
            sb_putc(b, s[i]);
        }
        sb_putc(b, '"');
        return;
    }
    sb_putc(b, '"');
    /* Most text needs no escaping: check eight bytes at a time for '"', '\\',
     * control and non-ASCII bytes, and copy it whole. */
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, s + k, 8);
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7F);
        uint64_t bad = (w & highs) | ((w - ones * 0x20) & ~w & highs) | ((q - ones) & ~q & highs) |
                       ((bs - ones) & ~bs & highs) | ((del - ones) & ~del & highs);
        if (bad)
            break;
    }
    size_t run = 0;
    if (k == n || n - k < 8) {
        size_t j = k;
        while (j < n) {
            unsigned char c = (unsigned char)s[j];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F)
                break;
            j++;
        }
        if (j == n) {
            sb_putn(b, s, n);
            sb_putc(b, '"');
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7F)
            continue;
        sb_putn(b, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
            sb_putn(b, esc, 6);
        }
    }
    sb_putn(b, s + run, n - run);
    sb_putc(b, '"');
}

static void put_quoted_time(strbuf *b, fmt_style style, void (*fn)(strbuf *, int64_t), int64_t v)
{
    if (style == FMT_JSON)
        sb_putc(b, '"');
    fn(b, v);
    if (style == FMT_JSON)
        sb_putc(b, '"');
}

void lo_fmt_mdhm(strbuf *b, int64_t v)
{
    sb_u_pad(b, (uint64_t)(v >> 16) & 15, 2);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)(v >> 11) & 31, 2);
    sb_putc(b, 'T');
    sb_u_pad(b, (uint64_t)(v >> 6) & 31, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)v & 63, 2);
    sb_putc(b, 'Z');
}

static void ymdhms(strbuf *b, int64_t v)
{
    sb_u_pad(b, (uint64_t)(v >> 26) & 16383, 4);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)(v >> 22) & 15, 2);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)(v >> 17) & 31, 2);
    sb_putc(b, 'T');
    sb_u_pad(b, (uint64_t)(v >> 12) & 31, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)(v >> 6) & 63, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)v & 63, 2);
    sb_putc(b, 'Z');
}

static void dhm(strbuf *b, int64_t v)
{
    sb_u_pad(b, (uint64_t)(v >> 11) & 31, 2);
    sb_putc(b, 'T');
    sb_u_pad(b, (uint64_t)(v >> 6) & 31, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)v & 63, 2);
    sb_putc(b, 'Z');
}

/* Day first in the bits, month first in the text (IMO 236 fairway closed). */
static void dmhm(strbuf *b, int64_t v)
{
    sb_u_pad(b, (uint64_t)(v >> 11) & 15, 2);
    sb_putc(b, '-');
    sb_u_pad(b, (uint64_t)(v >> 15) & 31, 2);
    sb_putc(b, 'T');
    sb_u_pad(b, (uint64_t)(v >> 6) & 31, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)v & 63, 2);
}

/* gpsd's unpadded "M-DTH:M" (inland ETA/RTA, IMO 289 berthing). */
static void mdhm_short(strbuf *b, int64_t v)
{
    sb_u64(b, (uint64_t)(v >> 16) & 15);
    sb_putc(b, '-');
    sb_u64(b, (uint64_t)(v >> 11) & 31);
    sb_putc(b, 'T');
    sb_u64(b, (uint64_t)(v >> 6) & 31);
    sb_putc(b, ':');
    sb_u64(b, (uint64_t)v & 63);
}

static void hm(strbuf *b, int64_t v)
{
    sb_u_pad(b, (uint64_t)(v >> 6) & 31, 2);
    sb_putc(b, ':');
    sb_u_pad(b, (uint64_t)v & 63, 2);
}

static void data_hex(strbuf *b, const lo_message *m, int64_t v, fmt_style style)
{
    uint32_t pos = (uint32_t)(v >> 16), n = (uint32_t)(v & 0xFFFF);
    if (style == FMT_JSON)
        sb_putc(b, '"');
    sb_u64(b, n);
    sb_putc(b, ':');
    for (uint32_t i = 0; i < n; i += 8) {
        unsigned w = n - i >= 8 ? 8 : n - i;
        unsigned byte = 0;
        for (unsigned k = 0; k < w; k++) {
            uint32_t p = pos + i + k;
            byte = (byte << 1) | ((m->bits[p >> 3] >> (7 - (p & 7))) & 1u);
        }
        byte <<= 8 - w;
        sb_putc(b, hexdig[byte >> 4]);
        sb_putc(b, hexdig[byte & 15]);
    }
    if (style == FMT_JSON)
        sb_putc(b, '"');
}

/* Scaled units; "not available" stays as the raw sentinel scaled the same way,
 * so a reader can still tell it (lat 91, lon 181, speed 102.3). */
static bool scaled_value(strbuf *b, const lo_field *f, int64_t v)
{
    switch ((lo_unit)f->unit) {
    case LO_U_LON_MIN4:
    case LO_U_LAT_MIN4:
        sb_fixed(b, (int64_t)llround((double)v / 0.6), 6); /* 1/10000 min -> 1e-6 deg */
        return true;
    case LO_U_LON_MIN3:
    case LO_U_LAT_MIN3:
        sb_fixed(b, (int64_t)llround((double)v / 0.06), 6);
        return true;
    case LO_U_LON_MIN1:
    case LO_U_LAT_MIN1:
        sb_fixed(b, (int64_t)llround((double)v / 0.0006), 6);
        return true;
    case LO_U_TENTH:
        sb_fixed(b, v, 1);
        return true;
    case LO_U_TURN: {
        /* ROT_AIS = 4.733 * sqrt(ROT deg/min); +-127: turning faster than 5 deg/30 s
         * (no rate available); -128: no information. */
        if (v == -128 || v == 127 || v == -127) {
            sb_i64(b, v);
            return true;
        }
        double r = (double)v / 4.733;
        r = r * r * (v < 0 ? -1 : 1);
        sb_fixed(b, (int64_t)llround(r * 10), 1);
        return true;
    }
    default:
        return false;
    }
}

bool lo_fmt_value(strbuf *b, const lo_message *m, const lo_field *f, int64_t v, bool scaled, fmt_style style)
{
    if (v == LO_ABSENT)
        return false;
    if ((f->kind == LO_K_UINT || f->kind == LO_K_INT) && (!scaled || f->unit == LO_U_RAW)) {
        sb_i64(b, v); /* the common case, first */
        return true;
    }
    switch ((lo_kind)f->kind) {
    case LO_K_SPARE:
    case LO_K_BACK:
    case LO_K_ARRAY:
        return false;
    case LO_K_BOOL:
        sb_puts(b, v ? "true" : "false");
        return true;
    case LO_K_TEXT:
    case LO_K_TEXT_REST:
    case LO_K_TEXT_TAIL: {
        uint16_t n;
        const char *s = lo_message_text(m, v, &n);
        lo_fmt_text(b, s, n, style);
        return true;
    }
    case LO_K_DATA:
        data_hex(b, m, v, style);
        return true;
    case LO_K_MDHM:
        put_quoted_time(b, style, lo_fmt_mdhm, v);
        return true;
    case LO_K_YMDHMS:
        put_quoted_time(b, style, ymdhms, v);
        return true;
    case LO_K_DHM:
        put_quoted_time(b, style, dhm, v);
        return true;
    case LO_K_HM:
        put_quoted_time(b, style, hm, v);
        return true;
    case LO_K_DMHM:
        put_quoted_time(b, style, dmhm, v);
        return true;
    case LO_K_MDHM_SHORT:
        put_quoted_time(b, style, mdhm_short, v);
        return true;
    case LO_K_PART: {
        char part[2] = {(char)('A' + (v & 3)), 0};
        lo_fmt_text(b, part, 1, style);
        return true;
    }
    case LO_K_UINT:
    case LO_K_INT:
    case LO_K_COUNT:
    case LO_K_ENUM_ONLY:
        if (scaled && f->unit != LO_U_RAW && scaled_value(b, f, v))
            return true;
        sb_i64(b, v);
        return true;
    }
    return false;
}

void lo_format_time(int64_t ms, char out[32])
{
    int y, mo, d, h, mi, s, milli;
    lo_ms_to_utc(ms, &y, &mo, &d, &h, &mi, &s, &milli);
    strbuf b = {.p = out, .cap = 31};
    sb_u_pad(&b, (uint64_t)(y < 0 ? 0 : y), 4);
    sb_putc(&b, '-');
    sb_u_pad(&b, (uint64_t)mo, 2);
    sb_putc(&b, '-');
    sb_u_pad(&b, (uint64_t)d, 2);
    sb_putc(&b, 'T');
    sb_u_pad(&b, (uint64_t)h, 2);
    sb_putc(&b, ':');
    sb_u_pad(&b, (uint64_t)mi, 2);
    sb_putc(&b, ':');
    sb_u_pad(&b, (uint64_t)s, 2);
    sb_putc(&b, '.');
    sb_u_pad(&b, (uint64_t)milli, 3);
    sb_putc(&b, 'Z');
    out[b.len] = '\0';
}
