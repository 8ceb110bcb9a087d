/* clock.h - the server's wall and monotonic clocks (the library never reads
 * one; the server may: arrival times, commits once a second, pacing). */
#ifndef LOOKOUT_SRV_CLOCK_H
#define LOOKOUT_SRV_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock, ms since the Unix epoch. */
static inline int64_t srv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic, seconds. */
static inline double srv_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
