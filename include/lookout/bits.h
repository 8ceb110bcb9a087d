/* bits.h - the six-bit AIS armour and MSB-first bit vectors. Never reads or
 * writes outside the buffers it is given. */
#ifndef LOOKOUT_BITS_H
#define LOOKOUT_BITS_H

#include <stddef.h>
#include <stdint.h>

/* Armour character -> 6-bit value, or 0xFF for a character outside the armour
 * ('0'-'W' and '`'-'w'). */
extern const uint8_t lo_armour_value[256];
/* 6-bit value -> armour character. */
extern const char lo_armour_char[64];
/* 6-bit value -> ITU-R M.1371 six-bit ASCII ('@' is 0). */
extern const char lo_sixbit_ascii[64];

/* Append n armour characters' bits to bits[] starting at bit *nbits.
 * Returns 0, or -1 on a character outside the armour (nothing is guaranteed
 * about the bits written so far). Caller ensures capacity. */
int lo_armour_decode(const char *s, size_t n, uint8_t *bits, uint32_t *nbits);

/* Are all n characters in the armour? (The check of lo_armour_decode alone,
 * for a reader that leaves the decoding to another thread.) */
int lo_armour_valid(const char *s, size_t n);

/* Unsigned field of width 1-64 bits at bit position pos. Bits past nbits read 0. */
uint64_t lo_bits_u(const uint8_t *bits, uint32_t nbits, uint32_t pos, unsigned width);
/* Two's-complement signed field. */
int64_t lo_bits_s(const uint8_t *bits, uint32_t nbits, uint32_t pos, unsigned width);
/* Write the low `width` bits of v at bit position pos (buffer zeroed by caller). */
void lo_bits_put(uint8_t *bits, uint32_t pos, unsigned width, uint64_t v);

#endif
