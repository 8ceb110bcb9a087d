/* cmd_decode.c - `lookout decode`: NMEA in, JSON lines or CSV out, with counts
 * of everything rejected and why. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <assert.h>
#include <unistd.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "pipeline.h"
#include "lookout/bits.h"
#include "lookout/output.h"
#include "lookout/stream.h"

#define OUTBUF (1u << 20)
#define MAX_MMSI_FILTER 4096
#define MAX_THREADS 16

typedef enum { OUT_JSON, OUT_CSV, OUT_NONE } out_format;

/* One stream event carried from the reading thread to the decoding thread: a
 * record header, then by kind
 *   REC_PAYLOAD  with output, the message's lo_meta (decode-only needs only the
 *                line, in the header); then its bits and the raw sentence text
 *   REC_REJECT   the raw text
 *   REC_TEXT     a message the reading thread decoded and wrote out itself
 *                (a JSON or CSV line, newline included) */
typedef struct rec {
    uint32_t size; /* whole record, 8-byte aligned */
    uint8_t kind;
    uint8_t why;
    uint16_t file;
    uint32_t nbits;
    uint32_t raw_len; /* raw text, or REC_TEXT's text */
    uint32_t armour_len; /* REC_PAYLOAD: armour characters instead of bits (0: bits) */
    uint64_t line;
} rec;
enum { REC_PAYLOAD, REC_REJECT, REC_TEXT };
/* Fewer, larger batches: each hand-over may wake the other thread, which cost
 * more than the memory (256 KiB x 8 -> 512 KiB x 16: decode-only 7 % faster). */
#define BATCH_BYTES (512u << 10)
#define NBATCHES 16
#define MAX_RAW_COPY 8192 /* raw text kept for the rejects file */
/* Room a message is written into on the reading side (as on the writing side:
 * 16 KiB always suffices). */
#define RENDER_ROOM 20000u

/* A decoding thread's own state. Workers take batches in order, decode them
 * and write their output in batch order (each waits for its turn to write). */
typedef struct worker {
    struct decode_ctx *c;
    lo_message msg;
    lo_stats dec;       /* counted by this worker */
    uint64_t armour_rejects; /* deferred armour that failed (lo_stats_count_armour_reject) */
    uint8_t abits[LO_MAX_PAYLOAD_BYTES + 8]; /* armour decoded (the stream defers it) */
    lo_json_opts json;
    char *obuf;         /* output not yet written */
    size_t olen;
    char *rbuf;         /* rejects not yet written (grows: at most about a batch) */
    size_t rlen, rcap;
    bool rbuf_failed;   /* out of memory for the rejects: reported once at the end */
    uint64_t seq;       /* batch being decoded */
    bool turn;          /* it may write now: every earlier batch is written */
    pthread_t thread;
} worker;

typedef struct decode_ctx {
    lo_stream *stream;
    /* threaded: the reader fills batches, the workers decode them */
    pipeline *pipe;
    char *batch;
    size_t batch_used;
    rec *text_run;      /* the batch's last record when it is text: more text joins it */
    unsigned file;      /* index of the file being read */
    const char **paths; /* per file: name for messages and rejects */
    char **device_json;
    char *const *files;
    int nfiles;
    int read_rc;
    worker *direct;     /* one thread: the worker the stream's callbacks decode in */
    lo_stats rdec;      /* counted by the reading side when it decodes */
    lo_message rmsg;    /* the reading side's message */
    lo_json_opts rjson; /* the reading side's copy of the options */
    bool render;        /* the reading side writes this batch's messages out */
    bool render_alternate; /* tests: every other batch, whatever the backlog */
    unsigned long nbatches_taken;
    /* the write turn: batch next_write may write; the others wait */
    pthread_mutex_t turn_lock;
    pthread_cond_t turn_changed;
    uint64_t next_write;
    out_format format;
    lo_json_opts json;
    lo_csv *csv;
    uint32_t type_mask;
    uint32_t *mmsi;
    size_t nmmsi;
    FILE *out;
    FILE *rejects;
    lo_stats total;
} decode_ctx;

/* Wait until every batch before this worker's is written. */
static void take_turn(worker *w)
{
    if (w->turn)
        return;
    decode_ctx *c = w->c;
    pthread_mutex_lock(&c->turn_lock);
    while (c->next_write != w->seq)
        pthread_cond_wait(&c->turn_changed, &c->turn_lock);
    pthread_mutex_unlock(&c->turn_lock);
    w->turn = true;
}

static void flush_out(worker *w)
{
    take_turn(w);
    decode_ctx *c = w->c;
    if (w->olen) {
        fwrite(w->obuf, 1, w->olen, c->out);
        w->olen = 0;
    }
    if (w->rlen) {
        fwrite(w->rbuf, 1, w->rlen, c->rejects);
        w->rlen = 0;
    }
}

/* The batch is written: the next one's turn. */
static void pass_turn(worker *w)
{
    flush_out(w);
    decode_ctx *c = w->c;
    pthread_mutex_lock(&c->turn_lock);
    c->next_write++;
    pthread_cond_broadcast(&c->turn_changed);
    pthread_mutex_unlock(&c->turn_lock);
    w->turn = false;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool wanted(const decode_ctx *c, const lo_message *m)
{
    if (c->type_mask && !(c->type_mask & (1u << m->type)))
        return false;
    if (c->nmmsi && !bsearch(&m->mmsi, c->mmsi, c->nmmsi, sizeof *c->mmsi, cmp_u32))
        return false;
    return true;
}

static void rbuf_put(worker *w, const char *text, size_t n)
{
    if (w->rcap - w->rlen < n) {
        size_t cap = w->rcap ? w->rcap : 4096;
        while (cap - w->rlen < n)
            cap *= 2;
        char *p = realloc(w->rbuf, cap);
        if (!p) {
            w->rbuf_failed = true;
            return;
        }
        w->rbuf = p;
        w->rcap = cap;
    }
    memcpy(w->rbuf + w->rlen, text, n);
    w->rlen += n;
}

static void write_reject(worker *w, unsigned file, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    decode_ctx *c = w->c;
    if (!c->rejects)
        return;
    char head[64];
    const char *path = c->paths[file];
    rbuf_put(w, path, strlen(path));
    int n = snprintf(head, sizeof head, ":%llu: %s: ", (unsigned long long)line, lo_reject_key(why));
    rbuf_put(w, head, (size_t)n);
    /* One record per line: multi-sentence rejects are joined with " | ". */
    for (size_t i = 0; i < len; i++) {
        char ch = raw[i];
        if (ch == '\n')
            rbuf_put(w, " | ", 3);
        else {
            ch = (unsigned char)ch >= 0x20 && (unsigned char)ch < 0x7F ? ch : '?';
            rbuf_put(w, &ch, 1);
        }
    }
    rbuf_put(w, "\n", 1);
    if (w->rlen >= OUTBUF)
        flush_out(w);
}

/* Decode one complete message into m, counting into st. Returns false (after
 * writing the reject, or queuing it) when it is rejected. */
static bool decode_one(lo_message *m, lo_stats *st, const uint8_t *bits, uint32_t nbits, lo_reject *why)
{
    if (lo_decode(bits, nbits, m, why)) {
        st->reject[*why]++;
        st->rejects++;
        return false;
    }
    st->decoded++;
    st->by_type[m->type]++;
    return true;
}

/* Write w->msg (decoded, with its meta) in the chosen format. */
static void output_message(worker *w, unsigned file)
{
    decode_ctx *c = w->c;
    w->msg.meta.source = c->paths[file];
    if (c->format == OUT_NONE || !wanted(c, &w->msg))
        return;
    if (OUTBUF - w->olen < 20000)
        flush_out(w);
    w->json.device_json = c->device_json[file];
    int n = c->format == OUT_JSON ? lo_json_write(&w->msg, &w->json, w->obuf + w->olen, OUTBUF - w->olen - 1)
                                  : lo_csv_write(c->csv, &w->msg, w->obuf + w->olen, OUTBUF - w->olen - 1);
    if (n < 0)
        return; /* cannot happen with 20 KB free; never write half a record */
    w->olen += (size_t)n;
    w->obuf[w->olen++] = '\n';
}

/* The decoding side: one complete message. */
static void consume_payload(worker *w, unsigned file, const uint8_t *bits, uint32_t nbits, const lo_meta *meta,
                            const char *raw, size_t raw_len)
{
    lo_reject why;
    if (!decode_one(&w->msg, &w->dec, bits, nbits, &why)) {
        write_reject(w, file, why, raw, raw_len, meta->line);
        return;
    }
    w->msg.meta = *meta;
    output_message(w, file);
}

/* Single thread: stream callbacks decode on the spot, in the one worker (which
 * always has the turn). */
static void direct_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    worker *w = ctx;
    write_reject(w, w->c->file, why, raw, len, line);
}

static void direct_payload(void *ctx, const lo_payload *p)
{
    worker *w = ctx;
    consume_payload(w, w->c->file, p->bits, p->nbits, &p->meta, p->raw, p->raw_len); /* not deferred */
}

/* Two threads: stream callbacks copy events into the current batch. Room for
 * a record of `size` bytes (header included) at the end of the batch. */
static rec *reserve(decode_ctx *c, size_t size)
{
    c->text_run = NULL;
    if (c->batch && BATCH_BYTES - c->batch_used < size) {
        pipeline_put_full(c->pipe, c->batch, c->batch_used);
        c->batch = NULL;
    }
    if (!c->batch) {
        c->batch = pipeline_take_empty(c->pipe);
        c->batch_used = 0;
        /* When the writing side has most batches still to do, it is the slower
         * one: this batch's messages are written out here. */
        c->render = c->format != OUT_NONE && (c->render_alternate ? ++c->nbatches_taken % 2 == 0
                                                                  : pipeline_backlog(c->pipe) >= NBATCHES / 2);
    }
    rec *r = (rec *)(void *)(c->batch + c->batch_used);
    r->file = (uint16_t)c->file;
    return r;
}

static void commit(decode_ctx *c, rec *r, size_t size)
{
    r->size = (uint32_t)((size + 7) & ~(size_t)7);
    c->batch_used += r->size;
}

static rec *append(decode_ctx *c, size_t nbytes, size_t raw_len)
{
    size_t size = sizeof(rec) + nbytes + raw_len;
    rec *r = reserve(c, (size + 7) & ~(size_t)7);
    commit(c, r, size);
    return r;
}

static void queue_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    decode_ctx *c = ctx;
    if (!c->rejects)
        return; /* counted by the stream; nothing to write */
    if (len > MAX_RAW_COPY)
        len = MAX_RAW_COPY;
    rec *r = append(c, 0, len);
    r->kind = REC_REJECT;
    r->why = (uint8_t)why;
    r->line = line;
    r->raw_len = (uint32_t)len;
    memcpy((char *)(r + 1), raw, len);
}

/* The reading side writes m out into the batch (RENDER_ROOM always suffices;
 * as on the writing side, a message that would not fit is not written).
 * Consecutive messages form one run of text, which the writing side passes to
 * fwrite as it is rather than copying it into its own buffer first. */
static void queue_text(decode_ctx *c, lo_message *m, const lo_payload *p)
{
    m->meta = p->meta;
    m->meta.source = c->paths[c->file];
    rec *r = c->text_run;
    if (!r || BATCH_BYTES - c->batch_used < RENDER_ROOM) {
        r = reserve(c, sizeof(rec) + RENDER_ROOM);
        r->kind = REC_TEXT;
        r->raw_len = 0;
        commit(c, r, sizeof(rec));
        c->text_run = r;
    }
    char *text = (char *)(r + 1) + r->raw_len;
    c->rjson.device_json = c->device_json[c->file];
    int n = c->format == OUT_JSON ? lo_json_write(m, &c->rjson, text, RENDER_ROOM - 1)
                                  : lo_csv_write(c->csv, m, text, RENDER_ROOM - 1);
    if (n < 0)
        return;
    text[n] = '\n';
    r->raw_len += (uint32_t)n + 1;
    c->batch_used -= r->size;
    commit(c, r, sizeof(rec) + r->raw_len);
}

/* A message the reading side decoded and found bad, for the rejects file. */
static void queue_decode_reject(decode_ctx *c, lo_reject why, const lo_payload *p)
{
    if (!c->rejects)
        return;
    size_t len = p->raw_len > MAX_RAW_COPY ? MAX_RAW_COPY : p->raw_len;
    rec *r = append(c, 0, len);
    r->kind = REC_REJECT;
    r->why = (uint8_t)why;
    r->line = p->meta.line;
    r->raw_len = (uint32_t)len;
    memcpy((char *)(r + 1), p->raw, len);
}

/* While the writing side is behind: decode and write out here. */
static void render_here(decode_ctx *c, const lo_payload *p)
{
    lo_message *m = &c->rmsg;
    lo_reject why;
    /* Always bits: the stream defers the armour only in decode-only runs
     * (read_all), and those write nothing, so never render here. */
    assert(p->bits != NULL);
    if (!decode_one(m, &c->rdec, p->bits, p->nbits, &why)) {
        queue_decode_reject(c, why, p);
        return;
    }
    if (wanted(c, m))
        queue_text(c, m, p);
}

static void queue_payload(void *ctx, const lo_payload *p)
{
    decode_ctx *c = ctx;
    if (c->render) {
        render_here(c, p);
        return;
    }
    size_t meta = c->format == OUT_NONE ? 0 : sizeof(lo_meta);
    /* The armour characters when the stream left them (the decoding thread
     * turns them into bits), else the bits. */
    size_t nbytes = p->bits ? (p->nbits + 7) / 8 : p->armour_len, raw_len = c->rejects ? p->raw_len : 0;
    if (raw_len > MAX_RAW_COPY)
        raw_len = MAX_RAW_COPY;
    rec *r = append(c, meta + nbytes, raw_len);
    r->kind = REC_PAYLOAD;
    r->nbits = p->nbits;
    r->armour_len = p->bits ? 0 : p->armour_len;
    r->line = p->meta.line;
    r->raw_len = (uint32_t)raw_len;
    char *body = (char *)(r + 1);
    if (meta)
        memcpy(body, &p->meta, sizeof(lo_meta));
    memcpy(body + meta, p->bits ? (const void *)p->bits : (const void *)p->armour, nbytes);
    if (raw_len) /* only for --rejects */
        memcpy(body + meta + nbytes, p->raw, raw_len);
}

/* A message from the batch: decoded here, and written out unless decode-only. */
static void consume_rec(worker *w, const rec *r)
{
    const char *body = (const char *)(r + 1);
    size_t meta = w->c->format == OUT_NONE ? 0 : sizeof(lo_meta);
    const uint8_t *bits = (const uint8_t *)body + meta;
    const char *raw = (const char *)bits + (r->armour_len ? r->armour_len : (r->nbits + 7) / 8);
    if (r->armour_len) { /* left by the stream: checked as it is decoded */
        uint32_t n = 0;
        if (lo_armour_decode((const char *)bits, r->armour_len, w->abits, &n)) {
            w->armour_rejects++;
            write_reject(w, r->file, LO_REJECT_BAD_PAYLOAD_CHAR, raw, r->raw_len, r->line);
            return;
        }
        bits = w->abits;
    }
    lo_reject why;
    if (!decode_one(&w->msg, &w->dec, bits, r->nbits, &why)) {
        write_reject(w, r->file, why, raw, r->raw_len, r->line);
        return;
    }
    if (meta) {
        memcpy(&w->msg.meta, body, sizeof(lo_meta));
        output_message(w, r->file);
    }
}

static void consume_batch(worker *w, const char *batch, size_t used)
{
    for (size_t off = 0; off < used;) {
        const rec *r = (const rec *)(const void *)(batch + off);
        const char *body = (const char *)(r + 1);
        if (r->kind == REC_REJECT) {
            write_reject(w, r->file, (lo_reject)r->why, body, r->raw_len, r->line);
        } else if (r->kind == REC_TEXT) {
            flush_out(w);
            fwrite(body, 1, r->raw_len, w->c->out);
        } else {
            consume_rec(w, r);
        }
        off += r->size;
    }
}

/* A worker: batches in the order the pipeline hands them out, each written
 * out in its turn. */
static void *work(void *arg)
{
    worker *w = arg;
    size_t used;
    uint64_t seq;
    char *b;
    while ((b = pipeline_take_full(w->c->pipe, &used, &seq)) != NULL) {
        w->seq = seq;
        w->turn = false;
        consume_batch(w, b, used);
        pipeline_put_empty(w->c->pipe, b);
        pass_turn(w);
    }
    return NULL;
}

static void add_stats(lo_stats *t, const lo_stats *s)
{
    t->bytes += s->bytes;
    t->lines += s->lines;
    t->sentences += s->sentences;
    t->other_sentences += s->other_sentences;
    t->payloads += s->payloads;
    t->decoded += s->decoded;
    t->rejects += s->rejects;
    for (int i = 0; i < LO_REJECT_COUNT; i++)
        t->reject[i] += s->reject[i];
    for (int i = 0; i < 28; i++)
        t->by_type[i] += s->by_type[i];
}

static void print_stats(const lo_stats *s)
{
    fprintf(stderr,
            "lines            %llu\n"
            "AIS sentences    %llu\n"
            "other sentences  %llu\n"
            "messages         %llu\n"
            "decoded          %llu\n"
            "rejected         %llu\n",
            (unsigned long long)s->lines, (unsigned long long)s->sentences,
            (unsigned long long)s->other_sentences, (unsigned long long)s->payloads,
            (unsigned long long)s->decoded, (unsigned long long)s->rejects);
    for (int r = 1; r < LO_REJECT_COUNT; r++)
        if (s->reject[r])
            fprintf(stderr, "  %-20s %llu  (%s)\n", lo_reject_key((lo_reject)r), (unsigned long long)s->reject[r],
                    lo_reject_text((lo_reject)r));
    fputs("by type         ", stderr);
    for (int t = 1; t < 28; t++)
        if (s->by_type[t])
            fprintf(stderr, " %d:%llu", t, (unsigned long long)s->by_type[t]);
    fputc('\n', stderr);
}

static void decode_usage(FILE *out)
{
    fputs("usage: lookout decode [OPTIONS] [FILE...|-]\n"
          "Decode AIS NMEA 0183 (!xxVDM/!xxVDO, tag blocks, $PGHP, USCG trailers) to JSON lines\n"
          "with gpsd's field names and raw values (as gpsdecode -u -j -s), or CSV.\n"
          "\n"
          "  -f, --format json|csv|none  output format (default json; none = decode only)\n"
          "  -c, --columns LIST          CSV columns (field names, rx_time, station, channel, source, line)\n"
          "  -s, --scaled                human units: degrees, knots, metres\n"
          "  -t, --types LIST            only these message types (e.g. 1,2,3,5)\n"
          "  -m, --mmsi LIST             only these MMSIs\n"
          "      --no-extras             omit lookout's own fields (channel, rx_time, station)\n"
          "      --stats                 print counts (decoded, rejected by reason) to stderr\n"
          "      --rejects FILE          write every rejected line with file, line and reason\n"
          "  -o, --output FILE           write here instead of stdout\n"
          "      --threads N             1-16 (default: cores, at most 4): one thread reads and frames,\n"
          "                              the others decode and write; output order is the same\n",
          out);
}

static int parse_list(const char *s, uint32_t *out, size_t max, size_t *n, uint32_t maxval)
{
    *n = 0;
    while (*s) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || errno || v > maxval || (*end && *end != ',') || *n >= max)
            return -1;
        out[(*n)++] = (uint32_t)v;
        s = *end ? end + 1 : end;
    }
    return *n ? 0 : -1;
}

/* Read every input through its own stream; events go to the decoder directly
 * or through the pipeline. */
static void read_all(decode_ctx *c)
{
    /* Two threads, decode-only: the decoding thread also turns the armour into
     * bits, which balances the work (the reading thread frames, checks and
     * reassembles). With output the reading thread already takes a share of
     * the writing, and deferring made JSON slower (0.180 -> 0.198 s). */
    lo_stream_callbacks cb = {.ctx = c->pipe ? (void *)c : (void *)c->direct,
                              .on_payload = c->pipe ? queue_payload : direct_payload,
                              .on_reject = c->pipe ? queue_reject : direct_reject,
                              .defer_armour = c->pipe != NULL && c->format == OUT_NONE};
    for (int i = 0; i < c->nfiles; i++) {
        c->file = (unsigned)i;
        lo_stream *s = lo_stream_create(&cb, c->paths[i]);
        if (!s) {
            cli_error("out of memory");
            c->read_rc = 1;
            break;
        }
        if (cli_feed_file(s, c->files[i]))
            c->read_rc = 1;
        lo_stream_finish(s);
        add_stats(&c->total, lo_stream_stats(s));
        lo_stream_destroy(s);
    }
    if (c->pipe) {
        if (c->batch)
            pipeline_put_full(c->pipe, c->batch, c->batch_used);
        c->batch = NULL;
        pipeline_close(c->pipe);
    }
}

static void *read_thread(void *arg)
{
    read_all(arg);
    return NULL;
}

int cmd_decode(int argc, char **argv)
{
    enum { OPT_STATS = 256, OPT_REJECTS, OPT_NO_EXTRAS, OPT_THREADS };
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"columns", required_argument, NULL, 'c'},
        {"scaled", no_argument, NULL, 's'},       {"types", required_argument, NULL, 't'},
        {"mmsi", required_argument, NULL, 'm'},   {"output", required_argument, NULL, 'o'},
        {"stats", no_argument, NULL, OPT_STATS},  {"rejects", required_argument, NULL, OPT_REJECTS},
        {"no-extras", no_argument, NULL, OPT_NO_EXTRAS}, {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    decode_ctx c = {.format = OUT_JSON, .out = stdout};
    const char *columns = NULL, *rejects_path = NULL, *out_path = NULL;
    bool stats = false, scaled = false;
    /* Reading and framing in one thread, decoding and writing in the others:
     * past four, the reading thread is the limit. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN), threads = ncpu < 1 ? 1 : ncpu > 4 ? 4 : ncpu;
    static uint32_t mmsi_list[MAX_MMSI_FILTER];
    int opt, rc = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:c:st:m:o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!strcmp(optarg, "json"))
                c.format = OUT_JSON;
            else if (!strcmp(optarg, "csv"))
                c.format = OUT_CSV;
            else if (!strcmp(optarg, "none"))
                c.format = OUT_NONE;
            else {
                cli_error("decode: unknown format '%s' (json, csv or none)", optarg);
                return 2;
            }
            break;
        case 'c':
            columns = optarg;
            c.format = OUT_CSV;
            break;
        case 's':
            scaled = true;
            break;
        case 't': {
            uint32_t types[28];
            size_t n;
            if (parse_list(optarg, types, 28, &n, 27)) {
                cli_error("decode: --types wants message types 1-27 separated by commas");
                return 2;
            }
            for (size_t i = 0; i < n; i++)
                c.type_mask |= 1u << types[i];
            break;
        }
        case 'm':
            if (parse_list(optarg, mmsi_list, MAX_MMSI_FILTER, &c.nmmsi, 999999999)) {
                cli_error("decode: --mmsi wants up to %d MMSIs separated by commas", MAX_MMSI_FILTER);
                return 2;
            }
            qsort(mmsi_list, c.nmmsi, sizeof *mmsi_list, cmp_u32);
            c.mmsi = mmsi_list;
            break;
        case 'o':
            out_path = optarg;
            break;
        case OPT_STATS:
            stats = true;
            break;
        case OPT_REJECTS:
            rejects_path = optarg;
            break;
        case OPT_NO_EXTRAS:
            c.json.no_extras = true;
            break;
        case OPT_THREADS:
            threads = strtol(optarg, NULL, 10);
            if (threads < 1 || threads > MAX_THREADS) {
                cli_error("decode: --threads is 1 to %d", MAX_THREADS);
                return 2;
            }
            break;
        case 'h':
            decode_usage(stdout);
            return 0;
        default:
            decode_usage(stderr);
            return 2;
        }
    }
    c.json.scaled = scaled;
    c.rjson = c.json;
    if (out_path && !(c.out = fopen(out_path, "w"))) {
        cli_error("%s: %s", out_path, strerror(errno));
        return 1;
    }
    if (rejects_path && !(c.rejects = fopen(rejects_path, "w"))) {
        cli_error("%s: %s", rejects_path, strerror(errno));
        return 1;
    }
    if (c.format == OUT_CSV) {
        c.csv = lo_csv_create(columns, scaled);
        if (!c.csv) {
            cli_error("decode: --columns is empty");
            return 2;
        }
        char head[8192];
        int n = lo_csv_header(c.csv, head, sizeof head - 1);
        if (n < 0) {
            cli_error("decode: --columns is too long");
            return 2;
        }
        head[n] = '\n';
        fwrite(head, 1, (size_t)n + 1, c.out);
    }
    char *stdin_only[] = {"-"};
    c.files = optind < argc ? argv + optind : stdin_only;
    c.nfiles = optind < argc ? argc - optind : 1;
    if (c.nfiles > 65535) {
        cli_error("decode: at most 65535 files at once");
        return 2;
    }
    c.paths = calloc((size_t)c.nfiles, sizeof *c.paths);
    c.device_json = calloc((size_t)c.nfiles, sizeof *c.device_json);
    if (!c.paths || !c.device_json) {
        cli_error("out of memory");
        return 1;
    }
    for (int i = 0; i < c.nfiles; i++) {
        c.paths[i] = strcmp(c.files[i], "-") ? c.files[i] : "stdin";
        size_t cap = strlen(c.paths[i]) * 6 + 3;
        c.device_json[i] = malloc(cap);
        if (!c.device_json[i] || lo_json_string(c.paths[i], c.device_json[i], cap) < 0) {
            cli_error("out of memory");
            return 1;
        }
    }
    worker *ws = calloc((size_t)threads, sizeof *ws);
    if (!ws) {
        cli_error("out of memory");
        return 1;
    }
    int nworkers = threads > 1 ? (int)threads - 1 : 1;
    for (int i = 0; i < nworkers; i++) {
        ws[i].c = &c;
        ws[i].json = c.json;
        ws[i].obuf = malloc(OUTBUF);
        if (!ws[i].obuf) {
            cli_error("out of memory");
            return 1;
        }
    }
    if (threads > 1)
        c.pipe = pipeline_create(NBATCHES, BATCH_BYTES);
    /* The share rendered on the reading side depends on timing; the threads
     * test sets this to cover that path on small inputs. */
    c.render_alternate = getenv("LOOKOUT_TEST_RENDER_ALTERNATE") != NULL;
    pthread_mutex_init(&c.turn_lock, NULL);
    pthread_cond_init(&c.turn_changed, NULL);
    pthread_t reader;
    if (c.pipe && pthread_create(&reader, NULL, read_thread, &c) != 0) {
        cli_error("cannot start a thread; decoding in one");
        pipeline_destroy(c.pipe);
        c.pipe = NULL;
    }
    if (c.pipe) {
        /* Worker 0 is this thread; when a thread cannot start, fewer decode. */
        int started = 1;
        while (started < nworkers && pthread_create(&ws[started].thread, NULL, work, &ws[started]) == 0)
            started++;
        work(&ws[0]);
        pthread_join(reader, NULL);
        for (int i = 1; i < started; i++)
            pthread_join(ws[i].thread, NULL);
        pipeline_destroy(c.pipe);
    } else {
        c.direct = &ws[0];
        ws[0].turn = true; /* the only writer */
        read_all(&c);
        flush_out(&ws[0]);
    }
    pthread_mutex_destroy(&c.turn_lock);
    pthread_cond_destroy(&c.turn_changed);
    bool rejects_lost = false;
    for (int i = 0; i < nworkers; i++) {
        add_stats(&c.total, &ws[i].dec);
        for (uint64_t k = 0; k < ws[i].armour_rejects; k++)
            lo_stats_count_armour_reject(&c.total);
        rejects_lost |= ws[i].rbuf_failed;
        free(ws[i].obuf);
        free(ws[i].rbuf);
    }
    free(ws);
    if (rejects_lost) {
        cli_error("%s: out of memory: some rejected lines are missing", rejects_path);
        rc = 1;
    }
    if (c.read_rc)
        rc = c.read_rc;
    add_stats(&c.total, &c.rdec);
    if (fflush(c.out) || ferror(c.out) || (c.out != stdout && fclose(c.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    if (c.rejects && (ferror(c.rejects) | fclose(c.rejects))) {
        cli_error("%s: write error: %s", rejects_path, strerror(errno));
        rc = 1;
    }
    if (stats)
        print_stats(&c.total);
    lo_csv_destroy(c.csv);
    for (int i = 0; i < c.nfiles; i++)
        free(c.device_json[i]);
    free(c.device_json);
    free(c.paths);
    return rc;
}
