/* parse.h - numbers and times from text with a length (no NUL needed), for the
 * CSV importers and the query parameters. No locale, no sscanf/atoi/strtod:
 * decimals are read into scaled integers so that "43.07917" is exactly
 * 43079170 microdegrees. */
#ifndef LOOKOUT_PARSE_H
#define LOOKOUT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unsigned decimal integer of 1-18 digits, <= max. Returns 0 or -1. */
int lo_parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out);

/* Signed decimal "-12.345" (also "12", "12.", ".5", "+3") scaled by 10^decimals
 * (0-9), rounded half away from zero beyond that; |value| < 10^12. A ','
 * decimal separator is accepted too when comma_ok (European CSV). Returns 0 or -1. */
int lo_parse_fixed(const char *s, size_t n, int decimals, bool comma_ok, int64_t *out);

/* "YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z]" (UTC). Returns 0 or -1. */
int lo_parse_iso_time(const char *s, size_t n, int64_t *ms);
/* "DD/MM/YYYY HH:MM:SS" (the Danish Maritime Authority's CSV). Returns 0 or -1. */
int lo_parse_dmy_time(const char *s, size_t n, int64_t *ms);

/* Leading and trailing blanks (space, tab, CR) removed: adjusts *s and *n. */
void lo_trim(const char **s, size_t *n);

#endif
