/* parse.c - numbers, times, durations and boxes from text with a length; the
 * public entry points (lo_parse_time, lo_parse_duration, lo_parse_bbox) are
 * declared in store.h because the query side is their user. */
#include "parse.h"

#include "lookout/store.h"
#include "util.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

void lo_trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

int lo_parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 18)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int lo_parse_fixed(const char *s, size_t n, int decimals, bool comma_ok, int64_t *out)
{
    if (decimals < 0 || decimals > 9 || n == 0)
        return -1;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    int64_t ip = 0;
    int idigits = 0, fdigits = 0;
    while (i < n && is_digit(s[i])) {
        if (++idigits > 12)
            return -1;
        ip = ip * 10 + (s[i++] - '0');
    }
    int64_t frac = 0;
    int used = 0;
    bool round_up = false;
    if (i < n && (s[i] == '.' || (comma_ok && s[i] == ','))) {
        i++;
        while (i < n && is_digit(s[i])) {
            if (used < decimals) {
                frac = frac * 10 + (s[i] - '0');
                used++;
            } else if (used == decimals && fdigits == decimals) {
                round_up = s[i] >= '5'; /* first dropped digit decides */
            }
            fdigits++;
            i++;
        }
    }
    if (i != n || idigits + fdigits == 0)
        return -1;
    for (; used < decimals; used++)
        frac *= 10;
    int64_t scale = 1;
    for (int d = 0; d < decimals; d++)
        scale *= 10;
    int64_t v = ip * scale + frac + (round_up ? 1 : 0);
    *out = neg ? -v : v;
    return 0;
}

/* n digits at s as an int, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static int civil_ms(int y, int mo, int d, int h, int mi, int sec, int ms, int64_t *out)
{
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 60 || ms < 0 || ms > 999)
        return -1;
    *out = lo_utc_to_ms(y, mo, d, h, mi, sec) + ms;
    return 0;
}

/* "HH:MM[:SS[.fff]]" at s (n bytes, all of it). */
static int clock_part(const char *s, size_t n, int *h, int *mi, int *sec, int *ms)
{
    *sec = *ms = 0;
    if (n < 5 || s[2] != ':')
        return -1;
    *h = digits(s, 2);
    *mi = digits(s + 3, 2);
    if (*h < 0 || *mi < 0)
        return -1;
    if (n == 5)
        return 0;
    if (n < 8 || s[5] != ':' || (*sec = digits(s + 6, 2)) < 0)
        return -1;
    if (n == 8)
        return 0;
    if (s[8] != '.' || n == 9 || n > 18)
        return -1;
    int scale = 100;
    for (size_t i = 9; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        *ms += (s[i] - '0') * scale; /* digits beyond ms are dropped */
        scale /= 10;
    }
    return 0;
}

int lo_parse_iso_time(const char *s, size_t n, int64_t *out)
{
    if (n && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
        n--;
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = 0, mi = 0, sec = 0, ms = 0;
    if (y < 0 || mo < 0 || d < 0)
        return -1;
    if (n > 10) {
        if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
            return -1;
        if (clock_part(s + 11, n - 11, &h, &mi, &sec, &ms))
            return -1;
    }
    return civil_ms(y, mo, d, h, mi, sec, ms, out);
}

int lo_parse_dmy_time(const char *s, size_t n, int64_t *out)
{
    if (n < 10 || s[2] != '/' || s[5] != '/')
        return -1;
    int d = digits(s, 2), mo = digits(s + 3, 2), y = digits(s + 6, 4);
    int h = 0, mi = 0, sec = 0, ms = 0;
    if (y < 0 || mo < 0 || d < 0)
        return -1;
    if (n > 10 && (s[10] != ' ' || clock_part(s + 11, n - 11, &h, &mi, &sec, &ms)))
        return -1;
    return civil_ms(y, mo, d, h, mi, sec, ms, out);
}

int lo_parse_time(const char *s, size_t n, int64_t *ms)
{
    if (!s || !ms)
        return LO_E_INVAL;
    lo_trim(&s, &n);
    uint64_t v;
    if (n && s[0] == '@') {
        if (lo_parse_uint(s + 1, n - 1, 253402300799u, &v)) /* up to 9999-12-31 */
            return LO_E_INVAL;
        *ms = (int64_t)v * 1000;
        return 0;
    }
    if (lo_parse_uint(s, n, 253402300799u, &v) == 0 && n != 4) { /* "2023" alone is no time */
        *ms = (int64_t)v * 1000;
        return 0;
    }
    return lo_parse_iso_time(s, n, ms) ? LO_E_INVAL : 0;
}

int lo_parse_duration(const char *s, size_t n, int64_t *ms)
{
    if (!s || !ms)
        return LO_E_INVAL;
    lo_trim(&s, &n);
    int64_t unit = 1000;
    if (n) {
        switch (s[n - 1]) {
        case 's': unit = 1000; n--; break;
        case 'm': unit = 60000; n--; break;
        case 'h': unit = 3600000; n--; break;
        case 'd': unit = 86400000; n--; break;
        default: break;
        }
    }
    int64_t v;
    /* up to ms precision: "1.5h" works */
    if (lo_parse_fixed(s, n, 3, false, &v) || v < 0 || v > 1000000000000LL)
        return LO_E_INVAL;
    *ms = v * unit / 1000;
    return 0;
}

int lo_parse_bbox(const char *s, size_t n, lo_bbox *b)
{
    if (!s || !b)
        return LO_E_INVAL;
    int64_t v[4];
    size_t start = 0;
    int k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            if (k == 4)
                return LO_E_INVAL;
            const char *f = s + start;
            size_t fn = i - start;
            lo_trim(&f, &fn);
            if (lo_parse_fixed(f, fn, 6, false, &v[k++]))
                return LO_E_INVAL;
            start = i + 1;
        }
    }
    if (k != 4 || v[0] < -180000000 || v[0] > 180000000 || v[2] < -180000000 || v[2] > 180000000 ||
        v[1] < -90000000 || v[1] > 90000000 || v[3] < -90000000 || v[3] > 90000000 || v[1] > v[3])
        return LO_E_INVAL;
    b->west = (int32_t)v[0];
    b->south = (int32_t)v[1];
    b->east = (int32_t)v[2];
    b->north = (int32_t)v[3];
    return 0;
}
