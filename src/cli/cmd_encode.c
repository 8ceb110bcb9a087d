/* cmd_encode.c - `lookout encode`: JSON lines (as `lookout decode` writes them)
 * back to AIS NMEA sentences. Bad lines are reported with file and line,
 * counted and skipped. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lookout/encode.h"

/* Longest JSON line accepted: a decoded message is at most ~16 KiB. */
#define MAX_JSON_LINE (64u * 1024u)

typedef struct encode_ctx {
    lo_nmea_opts nmea;
    lo_encode_opts enc;
    char default_channel; /* 0: empty */
    bool tag_block;
    FILE *out;
    unsigned seq;  /* next sequential message id (0-9) */
    uint32_t group; /* next tag block group id */
    unsigned long long lines, encoded, failed;
    char *line;
    char *text;
} encode_ctx;

static void encode_usage(FILE *out)
{
    fputs("usage: lookout encode [OPTIONS] [FILE...|-]\n"
          "Encode JSON lines, as 'lookout decode' writes them (gpsd's names and raw values),\n"
          "back to AIS NMEA 0183 sentences. Blank lines and lines starting with '#' are skipped.\n"
          "\n"
          "  -t, --talker AB        talker id (default AI)\n"
          "      --vdo              own-ship !xxVDO sentences instead of !xxVDM\n"
          "  -c, --channel A|B      radio channel when a line has no \"channel\" (A, B, 1, 2;\n"
          "                         default: the field is left empty)\n"
          "      --tagblock         NMEA 4.10 tag blocks: c: from \"rx_time\", s: from \"station\",\n"
          "                         g: on multi-sentence messages\n"
          "  -m, --max-payload N    payload characters per sentence (default 60)\n"
          "      --full-length      fill missing trailing fields instead of sending a short message\n"
          "  -o, --output FILE      write here instead of stdout\n"
          "\n"
          "See docs/encode.md.\n",
          out);
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0' || *s == '#';
}

static void encode_line(encode_ctx *c, const char *path, unsigned long long lineno, const char *s, size_t n)
{
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    lo_meta meta;
    char err[256];
    c->lines++;
    int rc = lo_encode_json(s, n, &c->enc, bits, &nbits, &meta, err, sizeof err);
    if (rc) {
        cli_error("%s:%llu: %s", path, lineno, err[0] ? err : lo_strerror(rc));
        c->failed++;
        return;
    }
    lo_nmea_opts o = c->nmea;
    o.channel = meta.channel ? meta.channel : c->default_channel;
    unsigned parts = lo_nmea_sentences(nbits, o.max_payload);
    if (parts > 1) {
        o.seq_id = (uint8_t)c->seq;
        c->seq = (c->seq + 1) % 10;
        o.group_id = c->group++;
    }
    if (c->tag_block) {
        o.time_ms = meta.rx_time_ms;
        o.station = meta.station;
    }
    int len = lo_encode_nmea(bits, nbits, &o, c->text, LO_MAX_NMEA_OUT);
    if (len < 0) {
        if (parts > LO_MAX_FRAGMENTS)
            cli_error("%s:%llu: the message needs %u sentences of %u characters; at most %d are allowed "
                      "(raise --max-payload)",
                      path, lineno, parts, o.max_payload, LO_MAX_FRAGMENTS);
        else if (o.station && strpbrk(o.station, ",*\\!$"))
            cli_error("%s:%llu: field 'station': \"%s\" cannot go in a tag block (it has one of , * \\ ! $)",
                      path, lineno, o.station);
        else
            cli_error("%s:%llu: %s", path, lineno, lo_strerror(len));
        c->failed++;
        return;
    }
    fwrite(c->text, 1, (size_t)len, c->out);
    c->encoded++;
}

/* One file, line by line; a line longer than MAX_JSON_LINE is an error, not a crash. */
static int encode_file(encode_ctx *c, const char *file)
{
    bool is_stdin = !strcmp(file, "-");
    const char *path = is_stdin ? "stdin" : file;
    FILE *in = is_stdin ? stdin : fopen(file, "r");
    if (!in) {
        cli_error("%s: %s", file, strerror(errno));
        return 1;
    }
    unsigned long long lineno = 0;
    while (fgets(c->line, MAX_JSON_LINE, in)) {
        lineno++;
        size_t n = strlen(c->line);
        if (n == MAX_JSON_LINE - 1 && c->line[n - 1] != '\n') {
            int ch;
            while ((ch = fgetc(in)) != EOF && ch != '\n')
                ;
            cli_error("%s:%llu: line longer than %u bytes", path, lineno, MAX_JSON_LINE - 1);
            c->lines++;
            c->failed++;
            continue;
        }
        if (blank(c->line))
            continue;
        while (n && (c->line[n - 1] == '\n' || c->line[n - 1] == '\r'))
            n--;
        encode_line(c, path, lineno, c->line, n);
    }
    int rc = 0;
    if (ferror(in)) {
        cli_error("%s: read error: %s", path, strerror(errno));
        rc = 1;
    }
    if (!is_stdin)
        fclose(in);
    return rc;
}

int cmd_encode(int argc, char **argv)
{
    enum { OPT_VDO = 256, OPT_TAGBLOCK, OPT_FULL };
    static const struct option opts[] = {
        {"talker", required_argument, NULL, 't'},      {"vdo", no_argument, NULL, OPT_VDO},
        {"channel", required_argument, NULL, 'c'},     {"tagblock", no_argument, NULL, OPT_TAGBLOCK},
        {"max-payload", required_argument, NULL, 'm'}, {"full-length", no_argument, NULL, OPT_FULL},
        {"output", required_argument, NULL, 'o'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    encode_ctx c = {.out = stdout, .group = 1};
    const char *out_path = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:c:m:o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (strlen(optarg) != 2 || strpbrk(optarg, ",*\\!$")) {
                cli_error("encode: --talker wants two characters, e.g. AI or AB");
                return 2;
            }
            c.nmea.talker = optarg;
            break;
        case OPT_VDO:
            c.nmea.own_ship = true;
            break;
        case 'c':
            if (strlen(optarg) != 1 || !strchr("AB12", optarg[0])) {
                cli_error("encode: --channel wants A, B, 1 or 2");
                return 2;
            }
            c.default_channel = optarg[0];
            break;
        case OPT_TAGBLOCK:
            c.tag_block = true;
            c.nmea.tag_block = true;
            break;
        case 'm': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > LO_MAX_PAYLOAD_CHARS) {
                cli_error("encode: --max-payload wants 1-%d characters", LO_MAX_PAYLOAD_CHARS);
                return 2;
            }
            c.nmea.max_payload = (unsigned)v;
            break;
        }
        case OPT_FULL:
            c.enc.full_length = true;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            encode_usage(stdout);
            return 0;
        default:
            encode_usage(stderr);
            return 2;
        }
    }
    if (!c.nmea.max_payload)
        c.nmea.max_payload = 60;
    if (out_path && !(c.out = fopen(out_path, "w"))) {
        cli_error("%s: %s", out_path, strerror(errno));
        return 1;
    }
    c.line = malloc(MAX_JSON_LINE);
    c.text = malloc(LO_MAX_NMEA_OUT);
    if (!c.line || !c.text) {
        cli_error("out of memory");
        free(c.line);
        free(c.text);
        return 1;
    }
    char *stdin_only[] = {"-"};
    char **files = optind < argc ? argv + optind : stdin_only;
    int nfiles = optind < argc ? argc - optind : 1;
    int rc = 0;
    for (int i = 0; i < nfiles; i++)
        if (encode_file(&c, files[i]))
            rc = 1;
    if (fflush(c.out) || (c.out != stdout && fclose(c.out))) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    if (c.failed) {
        cli_error("encode: %llu of %llu lines not encoded", c.failed, c.lines);
        rc = 1;
    }
    free(c.line);
    free(c.text);
    return rc;
}
