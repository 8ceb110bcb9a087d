/* util.h - small internal helpers shared by the library's modules. */
#ifndef LOOKOUT_UTIL_H
#define LOOKOUT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch of a UTC civil time (proleptic Gregorian). */
int64_t lo_utc_to_ms(int year, int month, int day, int hour, int minute, int second);
/* Inverse: civil time of ms since the epoch. */
void lo_ms_to_utc(int64_t ms, int *year, int *month, int *day, int *hour, int *minute, int *second,
                  int *milli);

/* Read a whole file (gzip or not) into *out (NUL-terminated, *len bytes,
 * caller frees). 0, or LO_E_IO (cannot open or read), LO_E_RANGE (more than
 * max bytes), LO_E_NOMEM; why says what went wrong (without the path). */
int util_read_file(const char *path, size_t max, char **out, size_t *len, char *why, size_t whycap);

#endif
