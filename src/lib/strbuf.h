/* strbuf.h - append-only text into a caller-provided, fixed-size buffer.
 * Appends past the capacity set `overflow` and write nothing more. */
#ifndef LOOKOUT_STRBUF_H
#define LOOKOUT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct strbuf {
    char *p;
    size_t len, cap;
    bool overflow;
} strbuf;

static inline void sb_putn(strbuf *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void sb_puts(strbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

/* n (<= 32) bytes from src, which must have 32 readable bytes: one fixed-size
 * copy instead of a call. */
static inline void sb_put32(strbuf *b, const char *src, size_t n)
{
    if (!b->overflow && b->cap - b->len >= 32) {
        memcpy(b->p + b->len, src, 32);
        b->len += n;
    } else {
        sb_putn(b, src, n);
    }
}

static inline void sb_putc(strbuf *b, char c)
{
    if (b->overflow || b->len >= b->cap) {
        b->overflow = true;
        return;
    }
    b->p[b->len++] = c;
}

static const char sb_digits2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                    "8081828384858687888990919293949596979899";

static inline unsigned sb_ndigits(uint64_t v)
{
    if (v < 100000)
        return 1 + (v >= 10) + (v >= 100) + (v >= 1000) + (v >= 10000);
    unsigned n = 1;
    while (v >= 10000) {
        v /= 10000;
        n += 4;
    }
    return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* v < 100000000 as eight decimal digits 0-9, one per byte of a little-endian
 * word (first digit lowest), with no division loop: the 4-digit halves, then
 * the 2-digit quarters, then the digits, each step in all lanes at once
 * (x * 10486 >> 20 is x / 100 and x * 103 >> 10 is x / 10 in these ranges). */
static inline uint64_t sb_digits8(uint32_t v)
{
    uint64_t x = (v / 10000) | ((uint64_t)(v % 10000) << 32);
    uint64_t q = ((x * 10486) >> 20) & 0x0000007F0000007FULL;
    x = q | ((x - q * 100) << 16);
    q = ((x * 103) >> 10) & 0x000F000F000F000FULL;
    return q | ((x - q * 10) << 8);
}

#define SB_ASCII0 0x3030303030303030ULL

/* v in decimal at p, which has room for 10 bytes; returns the end. */
__attribute__((always_inline)) static inline char *sb_fmt_u32(char *p, uint32_t v)
{
    if (v < 10) { /* flags, status, small counts */
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100) {
        memcpy(p, sb_digits2 + 2 * v, 2);
        return p + 2;
    }
    if (v < 100000000) { /* eight digits, less the leading zeros (the low zero bytes) */
        uint64_t d = sb_digits8(v);
        unsigned zeros = (unsigned)__builtin_ctzll(d) & ~7u;
        d = (d >> zeros) + SB_ASCII0;
        memcpy(p, &d, 8);
        return p + 8 - zeros / 8;
    }
    uint32_t top = v / 100000000; /* 1-42 */
    if (top < 10) {
        *p++ = (char)('0' + top);
    } else {
        memcpy(p, sb_digits2 + 2 * top, 2);
        p += 2;
    }
    uint64_t d = sb_digits8(v - top * 100000000) + SB_ASCII0;
    memcpy(p, &d, 8);
    return p + 8;
}

/* The same for any 64-bit value (room for 20 bytes); almost every AIS field
 * fits the 32-bit arithmetic. */
static inline char *sb_fmt_u64(char *p, uint64_t v)
{
    if (v <= UINT32_MAX)
        return sb_fmt_u32(p, (uint32_t)v);
    unsigned n = sb_ndigits(v);
    char *end = p + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        end -= 2;
        memcpy(end, sb_digits2 + 2 * r, 2);
    }
    if (v >= 10)
        memcpy(end - 2, sb_digits2 + 2 * v, 2);
    else
        end[-1] = (char)('0' + v);
    return p + n;
}

/* Signed: room for 20 bytes. The sign is written always and kept when
 * negative, so that the common 32-bit magnitudes take one inlined path. */
static inline char *sb_fmt_i64(char *p, int64_t v)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *p = '-';
    p += v < 0;
    if (a <= UINT32_MAX)
        return sb_fmt_u32(p, (uint32_t)a);
    return sb_fmt_u64(p, a);
}

/* Decimal; the fast path when 20 bytes are free. */
static inline void sb_u64(strbuf *b, uint64_t v)
{
    if (!b->overflow && b->cap - b->len >= 20) {
        b->len = (size_t)(sb_fmt_u64(b->p + b->len, v) - b->p);
        return;
    }
    char tmp[20];
    sb_putn(b, tmp, (size_t)(sb_fmt_u64(tmp, v) - tmp));
}

static inline void sb_i64(strbuf *b, int64_t v)
{
    if (v < 0) {
        sb_putc(b, '-');
        sb_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_u64(b, (uint64_t)v);
    }
}

/* Zero-padded unsigned of at least `width` digits. */
static inline void sb_u_pad(strbuf *b, uint64_t v, int width)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (24 - i < width)
        tmp[--i] = '0';
    sb_putn(b, tmp + i, (size_t)(24 - i));
}

/* Fixed-point: v / 10^decimals, e.g. (1234, 1) -> "123.4". */
static inline void sb_fixed(strbuf *b, int64_t v, int decimals)
{
    uint64_t p = 1;
    for (int i = 0; i < decimals; i++)
        p *= 10;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        sb_putc(b, '-');
    sb_u64(b, a / p);
    if (decimals) {
        sb_putc(b, '.');
        sb_u_pad(b, a % p, decimals);
    }
}

#endif
