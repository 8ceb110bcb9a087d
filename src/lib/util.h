/* util.h - small internal helpers shared by the library's modules. */
#ifndef LOOKOUT_UTIL_H
#define LOOKOUT_UTIL_H

#include <stdint.h>

/* Milliseconds since the Unix epoch of a UTC civil time (proleptic Gregorian). */
int64_t lo_utc_to_ms(int year, int month, int day, int hour, int minute, int second);
/* Inverse: civil time of ms since the epoch. */
void lo_ms_to_utc(int64_t ms, int *year, int *month, int *day, int *hour, int *minute, int *second,
                  int *milli);

#endif
