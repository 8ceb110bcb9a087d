/* cmd_decode.c - `lookout decode`: NMEA in, JSON lines or CSV out, with counts
 * of everything rejected and why. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "lookout/output.h"
#include "lookout/stream.h"

#define OUTBUF (1u << 20)
#define MAX_MMSI_FILTER 4096

typedef enum { OUT_JSON, OUT_CSV, OUT_NONE } out_format;

typedef struct decode_ctx {
    lo_stream *stream;
    out_format format;
    lo_json_opts json;
    lo_csv *csv;
    uint32_t type_mask;
    uint32_t *mmsi;
    size_t nmmsi;
    FILE *out;
    FILE *rejects;
    const char *path;
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

static void write_reject(decode_ctx *c, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    if (!c->rejects)
        return;
    fprintf(c->rejects, "%s:%llu: %s: ", c->path, (unsigned long long)line, lo_reject_key(why));
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

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    write_reject(ctx, why, raw, len, line);
}

static void on_payload(void *ctx, const lo_payload *p)
{
    decode_ctx *c = ctx;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &c->msg, &why)) {
        lo_stream_count_reject(c->stream, why);
        write_reject(c, why, p->raw, p->raw_len, p->meta.line);
        return;
    }
    lo_stream_count_decoded(c->stream, c->msg.type);
    c->msg.meta = p->meta;
    if (c->format == OUT_NONE || !wanted(c, &c->msg))
        return;
    if (OUTBUF - c->olen < 20000)
        flush_out(c);
    int n = c->format == OUT_JSON ? lo_json_write(&c->msg, &c->json, c->obuf + c->olen, OUTBUF - c->olen - 1)
                                  : lo_csv_write(c->csv, &c->msg, c->obuf + c->olen, OUTBUF - c->olen - 1);
    if (n < 0)
        return; /* cannot happen with 20 KB free; never write half a record */
    c->olen += (size_t)n;
    c->obuf[c->olen++] = '\n';
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
          "  -o, --output FILE           write here instead of stdout\n",
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

int cmd_decode(int argc, char **argv)
{
    enum { OPT_STATS = 256, OPT_REJECTS, OPT_NO_EXTRAS };
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"columns", required_argument, NULL, 'c'},
        {"scaled", no_argument, NULL, 's'},       {"types", required_argument, NULL, 't'},
        {"mmsi", required_argument, NULL, 'm'},   {"output", required_argument, NULL, 'o'},
        {"stats", no_argument, NULL, OPT_STATS},  {"rejects", required_argument, NULL, OPT_REJECTS},
        {"no-extras", no_argument, NULL, OPT_NO_EXTRAS}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    decode_ctx c = {.format = OUT_JSON, .out = stdout};
    const char *columns = NULL, *rejects_path = NULL, *out_path = NULL;
    bool stats = false, scaled = false;
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
        case 'h':
            decode_usage(stdout);
            return 0;
        default:
            decode_usage(stderr);
            return 2;
        }
    }
    c.json.scaled = scaled;
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
    char **files = optind < argc ? argv + optind : stdin_only;
    int nfiles = optind < argc ? argc - optind : 1;
    for (int i = 0; i < nfiles; i++) {
        c.path = strcmp(files[i], "-") ? files[i] : "stdin";
        char device_json[4096 * 6 + 3];
        c.json.device_json = lo_json_string(c.path, device_json, sizeof device_json) > 0 ? device_json : NULL;
        lo_stream_callbacks cb = {.ctx = &c, .on_payload = on_payload, .on_reject = on_reject};
        c.stream = lo_stream_create(&cb, c.path);
        if (!c.stream) {
            cli_error("out of memory");
            return 1;
        }
        if (cli_feed_file(c.stream, files[i]))
            rc = 1;
        lo_stream_finish(c.stream);
        add_stats(&c.total, lo_stream_stats(c.stream));
        lo_stream_destroy(c.stream);
    }
    flush_out(&c);
    if (fflush(c.out) || (c.out != stdout && fclose(c.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    if (c.rejects)
        fclose(c.rejects);
    if (stats)
        print_stats(&c.total);
    lo_csv_destroy(c.csv);
    free(c.obuf);
    return rc;
}
