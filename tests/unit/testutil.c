/* testutil.c - helpers shared by the unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/output.h"

static void on_payload(void *ctx, const lo_payload *p)
{
    tu_run *r = ctx;
    if (r->nmsgs >= TU_MAX_MSGS)
        return;
    lo_message *m = &r->msgs[r->nmsgs];
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, m, &why)) {
        if (r->nrejects < TU_MAX_MSGS) {
            r->reject_lines[r->nrejects] = p->meta.line;
            r->rejects[r->nrejects++] = why;
        }
        r->stats.reject[why]++;
        return;
    }
    m->meta = p->meta;
    m->meta.source = NULL;
    r->nmsgs++;
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    (void)raw;
    (void)len;
    tu_run *r = ctx;
    if (r->nrejects < TU_MAX_MSGS) {
        r->reject_lines[r->nrejects] = line;
        r->rejects[r->nrejects++] = why;
    }
}

tu_run *tu_decode_text(const char *text) { return tu_decode_buf(text, strlen(text)); }

const char *tu_nmea(const char *body)
{
    static char bufs[8][1200];
    static unsigned next;
    char *b = bufs[next++ % 8];
    uint8_t x = lo_nmea_checksum(body, strlen(body));
    snprintf(b, 1200, "!%s*%02X", body, x);
    return b;
}

unsigned tu_count(const tu_run *r, lo_reject why)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->nrejects; i++)
        n += r->rejects[i] == why;
    return n;
}

tu_run *tu_decode_buf(const char *text, size_t len)
{
    tu_run *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    lo_stream_callbacks cb = {.ctx = r, .on_payload = on_payload, .on_reject = on_reject};
    lo_stream *s = lo_stream_create(&cb, "test");
    lo_stream_feed(s, text, len);
    lo_stream_finish(s);
    lo_stats decode_rejects;
    memcpy(decode_rejects.reject, r->stats.reject, sizeof decode_rejects.reject);
    r->stats = *lo_stream_stats(s);
    for (int i = 0; i < LO_REJECT_COUNT; i++)
        r->stats.reject[i] += decode_rejects.reject[i];
    lo_stream_destroy(s);
    return r;
}

void tu_free(tu_run *r) { free(r); }

const char *tu_json(const lo_message *m)
{
    static char buf[16384];
    lo_json_opts o = {.no_extras = true, .device = "stdin"};
    int n = lo_json_write(m, &o, buf, sizeof buf - 1);
    if (n < 0)
        return "";
    buf[n] = '\0';
    return buf;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}
