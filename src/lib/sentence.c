/* sentence.c - bytes -> sentences: AIS sentence fields, tag blocks, trailers,
 * Gatehouse headers. Parsers take a length and never read past it. */
#include "lookout/sentence.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

uint8_t lo_nmea_checksum(const char *s, size_t len)
{
    uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= (uint8_t)s[i];
    return x;
}

/* Hex digit -> value; 0xFF for anything else. Once per sentence: a table
 * look-up rather than three range tests. */
#define HEX_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const uint8_t hex_value[256] = {
    HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF),
    /* 0x30 */ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    /* 0x40 */ 0xFF, 10, 11, 12, 13, 14, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    HEX_ROW(0xFF),
    /* 0x60 */ 0xFF, 10, 11, 12, 13, 14, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF), /* 0x70-0xBF */
    HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF), HEX_ROW(0xFF),                /* 0xC0-0xFF */
};

/* Checksum digits at s[0..1]: 0-255, or -1. */
static inline int parse_hex2(const char *s, size_t avail)
{
    if (avail < 2)
        return -1;
    unsigned hi = hex_value[(unsigned char)s[0]], lo = hex_value[(unsigned char)s[1]];
    return (hi | lo) > 15 ? -1 : (int)(hi * 16 + lo);
}

/* XOR of n bytes: 16 at a time with SSE2 (every x86-64), the last block
 * overlapping the one before with the bytes already counted masked out. */
static uint8_t xor_bytes(const char *s, size_t n)
{
#ifdef __SSE2__
    if (n >= 16) {
        /* 16 zero bytes then 16 0xFF: 16 bytes loaded from k keep the last k */
        static const uint8_t keep_last[32] = {0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
                                              0,    0,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                              0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        __m128i acc = _mm_setzero_si128();
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            acc = _mm_xor_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        size_t rest = n - i;
        __m128i tail = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        __m128i keep = _mm_loadu_si128((const __m128i *)(const void *)(keep_last + rest));
        acc = _mm_xor_si128(acc, _mm_and_si128(tail, keep));
        uint64_t x = (uint64_t)_mm_cvtsi128_si64(acc) ^ (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc));
        x ^= x >> 32;
        x ^= x >> 16;
        x ^= x >> 8;
        return (uint8_t)x;
    }
#endif
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= (uint8_t)s[i];
    return x;
}

/* The first ',' in [p, end), or NULL: 16 bytes per step with SSE2 (a payload
 * is 28 characters in most sentences; memchr's call costs as much). */
static inline const char *find_comma(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(',');
    for (; end - p >= 16; p += 16) {
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), comma));
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
    }
#endif
    for (; p < end; p++)
        if (*p == ',')
            return p;
    return NULL;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* The common well-formed sentence "!xxVDM,t,n,[s],[c],payload,f*hh" read by
 * position. Returns false for anything else (the general path then finds out
 * what is wrong), so it never accepts what the general path would reject. */
static bool parse_fast(const char *s, size_t len, lo_sentence *out, size_t *consumed)
{
    if (len < 18)
        return false;
    /* s[3..10] as one little-endian word: "VDM," or "VDO," (0x02 of the M/O
     * masked), then ',' at s[8] and s[10]; the digits s[7], s[9] masked out. */
    uint64_t head;
    memcpy(&head, s + 3, 8);
    if ((head & 0xFF00FF00FFFDFFFFULL) != 0x2C002C002C4D4456ULL || s[7] < '1' || s[7] > '9' || s[9] < '1' ||
        s[9] > s[7])
        return false;
    size_t i = 11;
    int8_t seq = -1;
    if (is_digit(s[i])) {
        seq = (int8_t)(s[i] - '0');
        i++;
    }
    if (s[i++] != ',')
        return false;
    char channel = 0;
    if (s[i] == 'A' || s[i] == 'B' || s[i] == '1' || s[i] == '2')
        channel = s[i++];
    if (i >= len || s[i++] != ',')
        return false;
    const char *payload = s + i;
    const char *comma = find_comma(payload, s + len);
    if (!comma || comma == payload || (size_t)(comma - payload) > LO_MAX_PAYLOAD_CHARS)
        return false;
    size_t j = (size_t)(comma - s) + 1;
    if (j + 4 > len || s[j] < '0' || s[j] > '5' || s[j + 1] != '*')
        return false;
    int want = parse_hex2(s + j + 2, len - j - 2);
    if (want < 0 || xor_bytes(s + 1, j) != (uint8_t)want)
        return false;
    out->talker[0] = s[1];
    out->talker[1] = s[2];
    out->talker[2] = '\0';
    out->own_ship = s[5] == 'O';
    out->total = (uint8_t)(s[7] - '0');
    out->num = (uint8_t)(s[9] - '0');
    out->seq = seq;
    out->channel = channel;
    out->payload = payload;
    out->payload_len = (uint16_t)(comma - payload);
    out->fill = (uint8_t)(s[j] - '0');
    if ((size_t)out->fill > (size_t)out->payload_len * 6)
        return false;
    *consumed = j + 4;
    return true;
}

#define REJECT_WITH(reason)                                                              \
    do {                                                                               \
        *why = LO_REJECT_##reason;                                                     \
        return LO_E_REJECTED;                                                          \
    } while (0)

int lo_sentence_parse(const char *s, size_t len, lo_sentence *out, lo_reject *why,
                      size_t *consumed)
{
    if (len < 1 || (s[0] != '!' && s[0] != '$'))
        REJECT_WITH(NOT_NMEA);
    if (parse_fast(s, len, out, consumed))
        return 0;
    /* The general path: classifies exactly what is wrong with a sentence.
     * One pass: checksum, field boundaries, and the closing '*'. */
    const char *f[8];
    size_t flen[8];
    unsigned nf = 0;
    uint8_t x = 0;
    size_t i = 1, field_start = 1;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '*')
            break;
        x ^= (uint8_t)c;
        if (c == ',') {
            if (nf < 8) {
                f[nf] = s + field_start;
                flen[nf] = i - field_start;
            }
            nf++;
            field_start = i + 1;
        }
    }
    if (i == len)
        REJECT_WITH(NO_CHECKSUM);
    int want = parse_hex2(s + i + 1, len - i - 1);
    if (want < 0)
        REJECT_WITH(NO_CHECKSUM);
    if (x != (uint8_t)want)
        REJECT_WITH(BAD_CHECKSUM);
    *consumed = i + 3;
    if (nf < 8) {
        f[nf] = s + field_start;
        flen[nf] = i - field_start;
    }
    nf++;
    if (nf != 7)
        REJECT_WITH(FIELD_COUNT);
    if (flen[0] != 5 || f[0][2] != 'V' || f[0][3] != 'D' || (f[0][4] != 'M' && f[0][4] != 'O'))
        REJECT_WITH(NOT_NMEA);
    out->talker[0] = f[0][0];
    out->talker[1] = f[0][1];
    out->talker[2] = '\0';
    out->own_ship = f[0][4] == 'O';

    if (flen[1] != 1 || f[1][0] < '1' || f[1][0] > '9')
        REJECT_WITH(BAD_FRAGMENT_COUNT);
    out->total = (uint8_t)(f[1][0] - '0');
    if (flen[2] != 1 || f[2][0] < '1' || f[2][0] > '9' || (uint8_t)(f[2][0] - '0') > out->total)
        REJECT_WITH(BAD_FRAGMENT_NUMBER);
    out->num = (uint8_t)(f[2][0] - '0');
    if (flen[3] == 0)
        out->seq = -1;
    else if (flen[3] == 1 && f[3][0] >= '0' && f[3][0] <= '9')
        out->seq = (int8_t)(f[3][0] - '0');
    else
        REJECT_WITH(BAD_SEQUENCE_ID);
    if (flen[4] == 0)
        out->channel = 0;
    else if (flen[4] == 1 && (f[4][0] == 'A' || f[4][0] == 'B' || f[4][0] == '1' || f[4][0] == '2'))
        out->channel = f[4][0];
    else
        REJECT_WITH(BAD_CHANNEL);
    if (flen[5] == 0)
        REJECT_WITH(EMPTY_PAYLOAD);
    if (flen[5] > LO_MAX_PAYLOAD_CHARS)
        REJECT_WITH(PAYLOAD_TOO_LONG);
    out->payload = f[5];
    out->payload_len = (uint16_t)flen[5];
    /* An empty fill field is read as 0: some receivers omit it on full-byte payloads. */
    if (flen[6] == 0)
        out->fill = 0;
    else if (flen[6] == 1 && f[6][0] >= '0' && f[6][0] <= '5')
        out->fill = (uint8_t)(f[6][0] - '0');
    else
        REJECT_WITH(BAD_FILL_BITS);
    if ((size_t)out->fill > (size_t)out->payload_len * 6)
        REJECT_WITH(BAD_FILL_BITS);
    return 0;
}

/* Receive time from a decimal string: seconds (up to 10 integer digits) or
 * milliseconds (13); a fraction is allowed. Returns LO_TIME_NONE if not a time. */
static int64_t parse_epoch(const char *s, size_t n)
{
    size_t i = 0;
    int64_t whole = 0;
    unsigned digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (digits >= 15)
            return LO_TIME_NONE;
        whole = whole * 10 + (s[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0)
        return LO_TIME_NONE;
    int64_t frac_ms = 0;
    if (i < n && s[i] == '.') {
        i++;
        int64_t scale = 100;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            frac_ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i != n)
        return LO_TIME_NONE;
    /* Seconds have 10 digits until the year 2286; 12+ digits are milliseconds. */
    if (whole >= 100000000000LL)
        return whole;
    return whole * 1000 + frac_ms;
}

static void copy_station(char *dst, const char *s, size_t n)
{
    if (n >= LO_MAX_STATION)
        n = LO_MAX_STATION - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int parse_uint_field(const char *s, size_t n, uint32_t *v)
{
    if (n == 0 || n > 9)
        return -1;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (uint32_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

/* "g:1-2-1604": sentence number, total, group id. */
static int parse_group(const char *s, size_t n, lo_tagblock *tb)
{
    const char *d1 = memchr(s, '-', n);
    if (!d1)
        return -1;
    const char *d2 = memchr(d1 + 1, '-', (size_t)(s + n - d1 - 1));
    if (!d2)
        return -1;
    uint32_t num, total, id;
    if (parse_uint_field(s, (size_t)(d1 - s), &num) || parse_uint_field(d1 + 1, (size_t)(d2 - d1 - 1), &total) ||
        parse_uint_field(d2 + 1, (size_t)(s + n - d2 - 1), &id))
        return -1;
    if (total < 1 || total > 99 || num < 1 || num > total)
        return -1;
    tb->group_num = (uint8_t)num;
    tb->group_total = (uint8_t)total;
    tb->group_id = id;
    tb->has_group = true;
    return 0;
}

int lo_nmea_verify(const char *s, size_t len, lo_reject *why)
{
    const char *star = len > 1 ? memchr(s + 1, '*', len - 1) : NULL;
    if (!star)
        REJECT_WITH(NO_CHECKSUM);
    int want = parse_hex2(star + 1, len - (size_t)(star - s) - 1);
    if (want < 0)
        REJECT_WITH(NO_CHECKSUM);
    if (lo_nmea_checksum(s + 1, (size_t)(star - s) - 1) != (uint8_t)want)
        REJECT_WITH(BAD_CHECKSUM);
    return 0;
}

int lo_tagblock_parse(const char *s, size_t len, lo_tagblock *tb, lo_reject *why, size_t *consumed)
{
    if (len < 2 || s[0] != '\\')
        REJECT_WITH(BAD_TAG_BLOCK);
    const char *close = memchr(s + 1, '\\', len - 1);
    if (!close)
        REJECT_WITH(BAD_TAG_BLOCK);
    *consumed = (size_t)(close - s) + 1;
    size_t inner = (size_t)(close - s) - 1;
    const char *star = memchr(s + 1, '*', inner);
    if (!star || (size_t)(close - star) != 3)
        REJECT_WITH(BAD_TAG_BLOCK);
    int want = parse_hex2(star + 1, 2);
    if (want < 0)
        REJECT_WITH(BAD_TAG_BLOCK);
    if (lo_nmea_checksum(s + 1, (size_t)(star - s - 1)) != (uint8_t)want)
        REJECT_WITH(TAG_BLOCK_CHECKSUM);
    /* Parse into a copy so that a malformed block changes nothing. */
    lo_tagblock t = *tb;
    const char *p = s + 1;
    while (p < star) {
        const char *comma = memchr(p, ',', (size_t)(star - p));
        const char *stop = comma ? comma : star;
        size_t n = (size_t)(stop - p);
        if (n < 2 || p[1] != ':') {
            /* NMEA 4.10 fields are "x:value"; a few feeds use two-letter keys (si:). */
            const char *colon = memchr(p, ':', n);
            if (!colon)
                REJECT_WITH(BAD_TAG_BLOCK);
        } else if (p[0] == 'c') {
            int64_t t_ms = parse_epoch(p + 2, n - 2);
            if (t_ms == LO_TIME_NONE)
                REJECT_WITH(BAD_TAG_BLOCK);
            t.time_ms = t_ms;
        } else if (p[0] == 's') {
            copy_station(t.station, p + 2, n - 2);
        } else if (p[0] == 'g') {
            if (parse_group(p + 2, n - 2, &t))
                REJECT_WITH(BAD_TAG_BLOCK);
        }
        p = stop + 1;
    }
    *tb = t;
    return 0;
}

void lo_trailer_parse(const char *s, size_t len, lo_tagblock *tb)
{
    /* Fields are separated by commas; the first is what directly follows the
     * checksum (usually nothing; some loggers put " 2021-06-01T12:00:00Z"). */
    bool have_time = false;
    const char *p = s, *end = s + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        const char *a = p, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t n = (size_t)(b - a);
        if (n > 1 && a[0] == 'r' && p != s && !tb->station[0]) {
            copy_station(tb->station, a + 1, n - 1);
        } else if (!have_time && n >= 9) {
            int64_t t = lo_prefix_time_parse(a, n);
            if (t != LO_TIME_NONE) {
                tb->time_ms = t;
                have_time = true;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
}

int lo_pghp_parse(const char *s, size_t len, lo_tagblock *tb)
{
    /* $PGHP,1,YYYY,MM,DD,hh,mm,ss,ms,country,region,pss,online,...*hh */
    const char *f[16];
    size_t fl[16];
    unsigned nf = 0;
    const char *p = s, *end = memchr(s, '*', len);
    if (!end)
        end = s + len;
    while (nf < 16) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        f[nf] = p;
        fl[nf] = (size_t)(stop - p);
        nf++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (nf < 12 || fl[1] != 1 || f[1][0] != '1')
        return -1;
    uint32_t v[7];
    for (unsigned i = 0; i < 7; i++)
        if (parse_uint_field(f[2 + i], fl[2 + i], &v[i]))
            return -1;
    if (v[0] < 1970 || v[0] > 9999 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 ||
        v[6] > 999)
        return -1;
    tb->time_ms = lo_utc_to_ms((int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5]) + v[6];
    if (fl[11] > 0)
        copy_station(tb->station, f[11], fl[11]);
    return 0;
}

static bool digits_at(const char *s, size_t len, size_t at, size_t n, int *v)
{
    if (at + n > len)
        return false;
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[at + i]))
            return false;
        x = x * 10 + (s[at + i] - '0');
    }
    *v = x;
    return true;
}

int64_t lo_prefix_time_parse(const char *s, size_t len)
{
    /* Separators after the time ("... !AIVDM", "...,!AIVDM", "[...] !AIVDM"). */
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == ',' || s[len - 1] == '\t' || s[len - 1] == ';' ||
                       s[len - 1] == '|' || s[len - 1] == ':'))
        len--;
    while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
        s++, len--;
    if (len >= 2 && ((s[0] == '[' && s[len - 1] == ']') || (s[0] == '(' && s[len - 1] == ')'))) {
        s++;
        len -= 2;
    }
    if (len == 0)
        return LO_TIME_NONE;
    if (len >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':') {
        int y, mo, d, h, mi, se;
        if (!digits_at(s, len, 0, 4, &y) || !digits_at(s, len, 5, 2, &mo) || !digits_at(s, len, 8, 2, &d) ||
            !digits_at(s, len, 11, 2, &h) || !digits_at(s, len, 14, 2, &mi) || !digits_at(s, len, 17, 2, &se))
            return LO_TIME_NONE;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
            return LO_TIME_NONE;
        size_t i = 19;
        int64_t ms = 0;
        if (i < len && s[i] == '.') {
            int64_t scale = 100;
            for (i++; i < len && is_digit(s[i]); i++) {
                ms += (s[i] - '0') * scale;
                scale /= 10;
            }
        }
        /* "Z", nothing (taken as UTC), or an offset from UTC: +HH:MM, +HHMM, +HH. */
        int64_t offset_min = 0;
        if (i < len && s[i] == 'Z') {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
            size_t k = i + 1;
            if (!digits_at(s, len, k, 2, &oh))
                return LO_TIME_NONE;
            k += 2;
            if (k < len && s[k] == ':')
                k++;
            if (k < len && !digits_at(s, len, k, 2, &om))
                return LO_TIME_NONE;
            if (k < len)
                k += 2;
            if (oh > 14 || om > 59)
                return LO_TIME_NONE;
            offset_min = sign * (oh * 60 + om);
            i = k;
        }
        if (i != len)
            return LO_TIME_NONE;
        return lo_utc_to_ms(y, mo, d, h, mi, se) + ms - offset_min * 60000;
    }
    int64_t t = parse_epoch(s, len);
    /* Plausible receive times only (1990 .. 2100), so that a line number or a
     * counter before the sentence is not read as a time. */
    if (t != LO_TIME_NONE && (t < 631152000000LL || t > 4102444800000LL))
        return LO_TIME_NONE;
    return t;
}
