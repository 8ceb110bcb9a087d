/* bits.c - six-bit armour and MSB-first bit access. */
#include "lookout/bits.h"

#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BAD 0xFF
#define ROW16(a) a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a

/* '0'..'W' -> 0..39, '`'..'w' -> 40..63; everything else invalid. */
const uint8_t lo_armour_value[256] = {
    ROW16(BAD), ROW16(BAD), ROW16(BAD),
    /* 0x30 */ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    /* 0x40 */ 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    /* 0x50 */ 32, 33, 34, 35, 36, 37, 38, 39, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 0x60 */ 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
    /* 0x70 */ 56, 57, 58, 59, 60, 61, 62, 63, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    ROW16(BAD), ROW16(BAD), ROW16(BAD), ROW16(BAD),
    ROW16(BAD), ROW16(BAD), ROW16(BAD), ROW16(BAD),
};

const char lo_armour_char[64] = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw";

const char lo_sixbit_ascii[64] = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?";

#ifdef __SSE2__
/* 16 armour characters -> 12 bytes; false when one is outside the armour.
 * SSE2 only (every x86-64): saturating subtracts test the two valid ranges,
 * then pairs and quads of 6-bit values are joined by shifts and pmaddwd, and
 * the four 24-bit results put in byte order and packed by shifts. */
static inline bool armour16(const char *s, uint8_t *out)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i v = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), _mm_set1_epi8(0x30));
    /* valid: v <= 0x27 ('0'-'W') or v - 0x30 <= 0x17 ('`'-'w'), unsigned */
    __m128i low = _mm_cmpeq_epi8(_mm_subs_epu8(v, _mm_set1_epi8(0x27)), zero);
    __m128i high = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(v, _mm_set1_epi8(0x30)), _mm_set1_epi8(0x17)), zero);
    if (_mm_movemask_epi8(_mm_or_si128(low, high)) != 0xFFFF)
        return false;
    v = _mm_sub_epi8(v, _mm_and_si128(high, _mm_set1_epi8(8))); /* '`'-'w' -> 40-63 */
    /* 16-bit lanes (first character in the low byte) -> 12 bits, first highest */
    v = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0xFF)), 6), _mm_srli_epi16(v, 8));
    /* 32-bit lanes -> 24 bits: low lane * 4096 + high lane */
    v = _mm_madd_epi16(v, _mm_set1_epi32(0x00011000));
    /* each lane b0 << 16 | b1 << 8 | b2 -> bytes b0 b1 b2 in memory order */
    v = _mm_or_si128(_mm_or_si128(_mm_srli_epi32(v, 16), _mm_and_si128(v, _mm_set1_epi32(0xFF00))),
                     _mm_slli_epi32(_mm_and_si128(v, _mm_set1_epi32(0xFF)), 16));
    /* two lanes -> six bytes in each 64-bit half */
    v = _mm_or_si128(_mm_and_si128(v, _mm_set1_epi64x(0xFFFFFF)),
                     _mm_and_si128(_mm_srli_epi64(v, 8), _mm_set1_epi64x(0xFFFFFF000000)));
    _mm_storel_epi64((__m128i *)(void *)out, v); /* bytes 6, 7 are rewritten next */
    uint32_t mid = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(v, 8));
    uint16_t tail = (uint16_t)_mm_extract_epi16(v, 6);
    memcpy(out + 6, &mid, 4);
    memcpy(out + 10, &tail, 2);
    return true;
}
#endif

#ifdef __SSE2__
/* 16 characters in the armour? (armour16's test alone) */
static inline bool valid16(const char *s)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i v = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), _mm_set1_epi8(0x30));
    __m128i low = _mm_cmpeq_epi8(_mm_subs_epu8(v, _mm_set1_epi8(0x27)), zero);
    __m128i high = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(v, _mm_set1_epi8(0x30)), _mm_set1_epi8(0x17)), zero);
    return _mm_movemask_epi8(_mm_or_si128(low, high)) == 0xFFFF;
}
#endif

int lo_armour_valid(const char *s, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    if (n >= 16) {
        for (; i + 16 <= n; i += 16)
            if (!valid16(s + i))
                return 0;
        return i == n || valid16(s + n - 16); /* the tail as an overlapping block */
    }
#endif
    /* Valid values are 0-63: bit 6 is set only by 0xFF, the mark of a bad one. */
    uint8_t acc = 0;
    for (; i < n; i++)
        acc |= lo_armour_value[(unsigned char)s[i]];
    return !(acc & 0x40);
}

int lo_armour_decode(const char *s, size_t n, uint8_t *bits, uint32_t *nbits)
{
    uint32_t pos = *nbits;
    if ((pos & 7) == 0) {
        /* Byte-aligned start (every first fragment): 4 characters -> 3 bytes. */
        uint8_t *out = bits + (pos >> 3);
        size_t i = 0;
#ifdef __SSE2__
        /* 16 at a time; the last block overlaps the one before (at a multiple
         * of 4 characters), so that at most 3 characters are left. */
        if (n >= 16) {
            size_t last = (n - 16) & ~(size_t)3;
            for (; i < last; i += 16)
                if (!armour16(s + i, out + i / 4 * 3))
                    return -1;
            if (!armour16(s + last, out + last / 4 * 3))
                return -1;
            i = last + 16;
            out += i / 4 * 3;
        }
#endif
        for (; i + 4 <= n; i += 4) {
            uint32_t a = lo_armour_value[(unsigned char)s[i]], b = lo_armour_value[(unsigned char)s[i + 1]],
                     c = lo_armour_value[(unsigned char)s[i + 2]], d = lo_armour_value[(unsigned char)s[i + 3]];
            if ((a | b | c | d) & 0xC0)
                return -1;
            uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
            out[0] = (uint8_t)(v >> 16);
            out[1] = (uint8_t)(v >> 8);
            out[2] = (uint8_t)v;
            out += 3;
        }
        pos += (uint32_t)(i * 6);
        s += i;
        n -= i;
    }
    /* Accumulate into a 32-bit register and flush whole bytes. */
    uint32_t acc = 0;
    unsigned accbits = pos & 7;
    if (accbits)
        acc = (uint32_t)(bits[pos >> 3] >> (8 - accbits));
    size_t out = pos >> 3;
    for (size_t i = 0; i < n; i++) {
        uint8_t v = lo_armour_value[(unsigned char)s[i]];
        if (v == BAD)
            return -1;
        acc = (acc << 6) | v;
        accbits += 6;
        if (accbits >= 8) {
            accbits -= 8;
            bits[out++] = (uint8_t)(acc >> accbits);
        }
    }
    if (accbits)
        bits[out] = (uint8_t)(acc << (8 - accbits));
    *nbits = pos + (uint32_t)(n * 6);
    return 0;
}

uint64_t lo_bits_u(const uint8_t *bits, uint32_t nbits, uint32_t pos, unsigned width)
{
    if (width == 0)
        return 0;
    if (width > 56) /* keep the byte accumulator below 64 bits */
        return (lo_bits_u(bits, nbits, pos, width - 32) << 32) |
               lo_bits_u(bits, nbits, pos + width - 32, 32);
    if ((uint64_t)pos + width > nbits) {
        /* Past the end: the missing low bits read as zero. */
        uint64_t v = 0;
        for (unsigned i = 0; i < width; i++) {
            uint32_t p = pos + i;
            unsigned bit = p < nbits ? (bits[p >> 3] >> (7 - (p & 7))) & 1u : 0u;
            v = (v << 1) | bit;
        }
        return v;
    }
    uint32_t first = pos >> 3, last = (pos + width - 1) >> 3;
    if (first + 8 <= (nbits + 7) / 8) { /* eight whole bytes of the message from here */
        uint64_t be;
        memcpy(&be, bits + first, 8);
        be = __builtin_bswap64(be);
        return (be << (pos & 7)) >> (64 - width);
    }
    uint64_t acc = 0;
    for (uint32_t b = first; b <= last; b++)
        acc = (acc << 8) | bits[b];
    unsigned shift = (unsigned)(8 * (last - first + 1)) - (pos & 7) - width;
    return (acc >> shift) & ((width == 64) ? ~(uint64_t)0 : (((uint64_t)1 << width) - 1));
}

int64_t lo_bits_s(const uint8_t *bits, uint32_t nbits, uint32_t pos, unsigned width)
{
    uint64_t u = lo_bits_u(bits, nbits, pos, width);
    if (width < 64 && (u >> (width - 1)) & 1u)
        u |= ~(uint64_t)0 << width;
    return (int64_t)u;
}

void lo_bits_put(uint8_t *bits, uint32_t pos, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++) {
        uint32_t p = pos + i;
        unsigned bit = (unsigned)(v >> (width - 1 - i)) & 1u;
        if (bit)
            bits[p >> 3] |= (uint8_t)(0x80u >> (p & 7));
        else
            bits[p >> 3] &= (uint8_t)~(0x80u >> (p & 7));
    }
}
