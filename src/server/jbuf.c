/* jbuf.c - growable, capped text buffer and JSON value writers (jbuf.h). */
#include "jbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/output.h"

void jb_init(jbuf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void jb_free(jbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *jb_take(jbuf *b, size_t *len)
{
    char *p = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

static bool grow(jbuf *b, size_t n)
{
    if (b->overflow)
        return false;
    if (n > b->max - b->len) {
        b->overflow = true;
        return false;
    }
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    if (cap > b->max)
        cap = b->max;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->overflow = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void jb_putn(jbuf *b, const char *s, size_t n)
{
    if (n && grow(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

void jb_puts(jbuf *b, const char *s) { jb_putn(b, s, strlen(s)); }

void jb_putc(jbuf *b, char c)
{
    if (grow(b, 1))
        b->p[b->len++] = c;
}

void jb_printf(jbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        jb_putn(b, tmp, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jb_u64(jbuf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jb_putn(b, tmp + i, sizeof tmp - i);
}

void jb_i64(jbuf *b, int64_t v)
{
    if (v < 0) {
        jb_putc(b, '-');
        jb_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        jb_u64(b, (uint64_t)v);
    }
}

void jb_fixed(jbuf *b, int64_t v, int dec)
{
    uint64_t pow = 1;
    for (int i = 0; i < dec; i++)
        pow *= 10;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        jb_putc(b, '-');
    jb_u64(b, a / pow);
    if (dec <= 0)
        return;
    char frac[24];
    uint64_t f = a % pow;
    for (int i = dec - 1; i >= 0; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    jb_putc(b, '.');
    jb_putn(b, frac, (size_t)dec);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k;
    uint32_t cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        k = 2, cp = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        k = 3, cp = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        k = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

void jb_jstrn(jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    jb_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* plain bytes not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7F) {
            run++, i++;
            continue;
        }
        jb_putn(b, (const char *)p + i - run, run);
        run = 0;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            jb_putn(b, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            jb_putn(b, e, 6);
            i++;
        } else {
            size_t k = utf8_len(p + i, n - i);
            if (k) {
                jb_putn(b, (const char *)p + i, k);
                i += k;
            } else {
                jb_puts(b, "\\ufffd");
                i++;
            }
        }
    }
    jb_putn(b, (const char *)p + n - run, run);
    jb_putc(b, '"');
}

void jb_jstr(jbuf *b, const char *s)
{
    if (!s)
        jb_puts(b, "null");
    else
        jb_jstrn(b, s, strlen(s));
}

void jb_jtime(jbuf *b, int64_t ms)
{
    char t[32];
    lo_format_time(ms, t);
    jb_putc(b, '"');
    jb_puts(b, t);
    jb_putc(b, '"');
}
