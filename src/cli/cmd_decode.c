/* cmd_decode.c - `lookout decode`: NMEA in, JSON lines or CSV out, with counts
 * of everything rejected and why. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
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

typedef struct decode_ctx {
    lo_stream *stream;
    /* threaded: the reader fills batches, the main thread decodes them */
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
    lo_stats dec;       /* counted by the decoding side */
    lo_stats rdec;      /* counted by the reading side when it decodes */
    lo_message rmsg;    /* the reading side's message */
    uint8_t rbits[LO_MAX_PAYLOAD_BYTES + 8]; /* its armour decoded (the stream defers it) */
    uint8_t abits[LO_MAX_PAYLOAD_BYTES + 8]; /* the same on the decoding side */
    lo_json_opts rjson; /* the reading side's copy of the options */
    bool render;        /* the reading side writes this batch's messages out */
    bool render_alternate; /* tests: every other batch, whatever the backlog */
    unsigned long nbatches_taken;
    out_format format;
    lo_json_opts json;
    lo_csv *csv;
    uint32_t type_mask;
    uint32_t *mmsi;
    size_t nmmsi;
    FILE *out;
    FILE *rejects;
    char *obuf;
    size_t olen;
    lo_message msg;
    lo_stats total;
} decode_ctx;

static void flush_out(decode_ctx *c)
{
    if (c->olen) {
        fwrite(c->obuf, 1, c->olen, c->out);
        c->olen = 0;
    }
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

static void write_reject(decode_ctx *c, unsigned file, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    if (!c->rejects)
        return;
    fprintf(c->rejects, "%s:%llu: %s: ", c->paths[file], (unsigned long long)line, lo_reject_key(why));
    /* One record per line: multi-sentence rejects are joined with " | ". */
    for (size_t i = 0; i < len; i++) {
        char ch = raw[i];
        if (ch == '\n')
            fputs(" | ", c->rejects);
        else
            fputc((unsigned char)ch >= 0x20 && (unsigned char)ch < 0x7F ? ch : '?', c->rejects);
    }
    fputc('\n', c->rejects);
}

/* Decode one complete message into m, counting into st. Returns false (after
 * writing the reject, or queuing it) when it is rejected. */
static bool decode_one(decode_ctx *c, lo_message *m, lo_stats *st, const uint8_t *bits, uint32_t nbits,
                       lo_reject *why)
{
    (void)c;
    if (lo_decode(bits, nbits, m, why)) {
        st->reject[*why]++;
        st->rejects++;
        return false;
    }
    st->decoded++;
    st->by_type[m->type]++;
    return true;
}

/* Write c->msg (decoded, with its meta) in the chosen format. */
static void output_message(decode_ctx *c, unsigned file)
{
    c->msg.meta.source = c->paths[file];
    if (c->format == OUT_NONE || !wanted(c, &c->msg))
        return;
    if (OUTBUF - c->olen < 20000)
        flush_out(c);
    c->json.device_json = c->device_json[file];
    int n = c->format == OUT_JSON ? lo_json_write(&c->msg, &c->json, c->obuf + c->olen, OUTBUF - c->olen - 1)
                                  : lo_csv_write(c->csv, &c->msg, c->obuf + c->olen, OUTBUF - c->olen - 1);
    if (n < 0)
        return; /* cannot happen with 20 KB free; never write half a record */
    c->olen += (size_t)n;
    c->obuf[c->olen++] = '\n';
}

/* The decoding side: one complete message. */
static void consume_payload(decode_ctx *c, unsigned file, const uint8_t *bits, uint32_t nbits, const lo_meta *meta,
                            const char *raw, size_t raw_len)
{
    lo_reject why;
    if (!decode_one(c, &c->msg, &c->dec, bits, nbits, &why)) {
        write_reject(c, file, why, raw, raw_len, meta->line);
        return;
    }
    c->msg.meta = *meta;
    output_message(c, file);
}

/* Single thread: stream callbacks decode on the spot. */
static void direct_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    decode_ctx *c = ctx;
    write_reject(c, c->file, why, raw, len, line);
}

static void direct_payload(void *ctx, const lo_payload *p)
{
    decode_ctx *c = ctx;
    consume_payload(c, c->file, p->bits, p->nbits, &p->meta, p->raw, p->raw_len); /* not deferred */
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

/* While the writing side is behind: decode and write out here. */
static void render_here(decode_ctx *c, const lo_payload *p)
{
    lo_message *m = &c->rmsg;
    lo_reject why;
    const uint8_t *bits = p->bits;
    if (!bits) { /* deferred by the stream: checked already, cannot fail */
        uint32_t n = 0;
        lo_armour_decode(p->armour, p->armour_len, c->rbits, &n);
        bits = c->rbits;
    }
    if (!decode_one(c, m, &c->rdec, bits, p->nbits, &why)) {
        if (c->rejects) {
            size_t len = p->raw_len > MAX_RAW_COPY ? MAX_RAW_COPY : p->raw_len;
            rec *r = append(c, 0, len);
            r->kind = REC_REJECT;
            r->why = (uint8_t)why;
            r->line = p->meta.line;
            r->raw_len = (uint32_t)len;
            memcpy((char *)(r + 1), p->raw, len);
        }
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
static void consume_rec(decode_ctx *c, const rec *r)
{
    const char *body = (const char *)(r + 1);
    size_t meta = c->format == OUT_NONE ? 0 : sizeof(lo_meta);
    const uint8_t *bits = (const uint8_t *)body + meta;
    const char *raw = (const char *)bits + (r->armour_len ? r->armour_len : (r->nbits + 7) / 8);
    if (r->armour_len) { /* checked by the stream: cannot fail */
        uint32_t n = 0;
        lo_armour_decode((const char *)bits, r->armour_len, c->abits, &n);
        bits = c->abits;
    }
    lo_reject why;
    if (!decode_one(c, &c->msg, &c->dec, bits, r->nbits, &why)) {
        write_reject(c, r->file, why, raw, r->raw_len, r->line);
        return;
    }
    if (meta) {
        memcpy(&c->msg.meta, body, sizeof(lo_meta));
        output_message(c, r->file);
    }
}

static void consume_batch(decode_ctx *c, const char *batch, size_t used)
{
    for (size_t off = 0; off < used;) {
        const rec *r = (const rec *)(const void *)(batch + off);
        const char *body = (const char *)(r + 1);
        if (r->kind == REC_REJECT) {
            write_reject(c, r->file, (lo_reject)r->why, body, r->raw_len, r->line);
        } else if (r->kind == REC_TEXT) {
            flush_out(c);
            fwrite(body, 1, r->raw_len, c->out);
        } else {
            consume_rec(c, r);
        }
        off += r->size;
    }
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
          "      --threads 1|2           2 (default with 2+ cores): read and frame in one thread,\n"
          "                              decode and write in another; output order is the same\n",
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
    lo_stream_callbacks cb = {.ctx = c,
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
    /* Reading and framing in one thread, decoding and writing in another. */
    long threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
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
            if (threads < 1 || threads > 2) {
                cli_error("decode: --threads is 1 or 2");
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
    c.obuf = malloc(OUTBUF);
    if (!c.obuf) {
        cli_error("out of memory");
        return 1;
    }
    if (c.format == OUT_CSV) {
        c.csv = lo_csv_create(columns, scaled);
        if (!c.csv) {
            cli_error("decode: --columns is empty");
            return 2;
        }
        int n = lo_csv_header(c.csv, c.obuf, OUTBUF - 1);
        if (n > 0) {
            c.olen = (size_t)n;
            c.obuf[c.olen++] = '\n';
        }
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
    if (threads > 1)
        c.pipe = pipeline_create(NBATCHES, BATCH_BYTES);
    /* The share rendered on the reading side depends on timing; the threads
     * test sets this to cover that path on small inputs. */
    c.render_alternate = getenv("LOOKOUT_TEST_RENDER_ALTERNATE") != NULL;
    if (c.pipe) {
        pthread_t reader;
        if (pthread_create(&reader, NULL, read_thread, &c) != 0) {
            cli_error("cannot start a thread; decoding in one");
            pipeline_destroy(c.pipe);
            c.pipe = NULL;
            read_all(&c);
        } else {
            size_t used;
            char *b;
            while ((b = pipeline_take_full(c.pipe, &used)) != NULL) {
                consume_batch(&c, b, used);
                pipeline_put_empty(c.pipe, b);
            }
            pthread_join(reader, NULL);
            pipeline_destroy(c.pipe);
        }
    } else {
        read_all(&c);
    }
    rc = c.read_rc;
    add_stats(&c.total, &c.dec);
    add_stats(&c.total, &c.rdec);
    flush_out(&c);
    if (fflush(c.out) || ferror(c.out) || (c.out != stdout && fclose(c.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    if (c.rejects)
        fclose(c.rejects);
    if (stats)
        print_stats(&c.total);
    lo_csv_destroy(c.csv);
    free(c.obuf);
    for (int i = 0; i < c.nfiles; i++)
        free(c.device_json[i]);
    free(c.device_json);
    free(c.paths);
    return rc;
}
