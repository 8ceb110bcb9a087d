/* jbuf.h - a growable text buffer with a hard maximum, for HTTP bodies and
 * metrics. Appends past the maximum set `overflow` and write nothing more, so
 * a caller checks once at the end (and answers 413/500) instead of at every
 * append. JSON helpers escape strings and print numbers without printf's
 * locale. */
#ifndef LOOKOUT_SRV_JBUF_H
#define LOOKOUT_SRV_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jbuf {
    char *p;
    size_t len, cap, max;
    bool overflow; /* the maximum was reached, or memory ran out */
} jbuf;

void jb_init(jbuf *b, size_t max);
void jb_free(jbuf *b);
/* Hand the bytes over (caller frees); the buffer is empty afterwards. */
char *jb_take(jbuf *b, size_t *len);

void jb_putn(jbuf *b, const char *s, size_t n);
void jb_puts(jbuf *b, const char *s);
void jb_putc(jbuf *b, char c);
void jb_printf(jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_i64(jbuf *b, int64_t v);
void jb_u64(jbuf *b, uint64_t v);
/* v / 10^dec with dec decimals ("12.345678"), exact for integers. */
void jb_fixed(jbuf *b, int64_t v, int dec);
/* A JSON string with quotes; NULL is written as null. Bytes >= 0x80 are
 * passed through when they form valid UTF-8 and written as \ufffd otherwise. */
void jb_jstr(jbuf *b, const char *s);
void jb_jstrn(jbuf *b, const char *s, size_t n);
/* ISO 8601 UTC with milliseconds, quoted. */
void jb_jtime(jbuf *b, int64_t ms);

#endif
