/* time.c - civil time <-> epoch milliseconds, without the C library's time zone state. */
#include "util.h"

/* Howard Hinnant's days-from-civil algorithm. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Days beyond +-10^11 (years beyond about +-270 million) would overflow int64
 * milliseconds; only garbage input (a $PGHP year of 999999999) asks for them, and
 * it gets the nearest representable day instead of undefined behaviour. */
#define MAX_DAYS 100000000000LL

int64_t lo_utc_to_ms(int year, int month, int day, int hour, int minute, int second)
{
    int64_t days = days_from_civil(year, month, day);
    if (days > MAX_DAYS)
        days = MAX_DAYS;
    else if (days < -MAX_DAYS)
        days = -MAX_DAYS;
    return ((days * 24 + hour) * 60 + minute) * 60000 + (int64_t)second * 1000;
}

void lo_ms_to_utc(int64_t ms, int *year, int *month, int *day, int *hour, int *minute, int *second,
                  int *milli)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    *milli = (int)(rem % 1000);
    rem /= 1000;
    *second = (int)(rem % 60);
    *minute = (int)(rem / 60 % 60);
    *hour = (int)(rem / 3600);
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}
