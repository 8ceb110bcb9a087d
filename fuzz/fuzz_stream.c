/* fuzz_stream.c - bytes -> lo_stream -> payloads -> lo_decode -> JSON and CSV.
 * The input is an NMEA log. It is run twice: fed in one call, and fed in a few
 * chunks split at points derived from the input (including empty feeds); both
 * runs must count and emit exactly the same (payload bits, metadata, raw text,
 * rejects), since where a read() happens to split the bytes must not matter; the
 * chunked run also has the stream leave the armour of one-sentence messages to
 * the caller (defer_armour: checked and decoded by the harness, which reports
 * and counts a bad one as the stream would), which must change nothing either. Every
 * payload is decoded; the first run also renders each message as JSON and CSV.
 * The counters must add up: rejects is the sum of reject[], and every reject was
 * either reported to on_reject or counted by us after a failed decode. */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "lookout/bits.h"
#include "lookout/output.h"
#include "lookout/stream.h"
#include "render.h"

typedef struct run {
    lo_stream *s;
    const char *source;
    bool render, scaled;
    uint64_t payloads, reported, decode_rejects, decoded;
    uint64_t by_type[28];
    uint64_t digest;   /* what the stream emitted and reported */
    uint64_t rendered; /* what the writers made of it */
    lo_message msg;
    bool defer;                              /* the stream leaves the armour to us */
    uint8_t abits[LO_MAX_PAYLOAD_BYTES + 8]; /* ... decoded here */
} run;

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line);

static void on_payload(void *ctx, const lo_payload *p)
{
    run *r = ctx;
    const lo_stats *st = lo_stream_stats(r->s);
    r->payloads++;
    const uint8_t *bits = p->bits;
    if (r->defer && p->meta.fragments == 1) {
        /* The characters are ours to check: decoding gives the bits the other
         * run got from the stream, or fails where the stream would have
         * rejected the sentence; reported and counted here as it would have
         * been, the digests and stats must agree. */
        FUZZ_CHECK(bits == NULL && p->armour != NULL && p->armour_len > 0);
        FUZZ_CHECK(p->nbits <= p->armour_len * 6u && p->armour_len * 6u - p->nbits <= 5);
        uint32_t nb = 0;
        if (lo_armour_decode(p->armour, p->armour_len, r->abits, &nb) != 0) {
            r->payloads--;
            lo_stream_count_armour_reject(r->s);
            on_reject(r, LO_REJECT_BAD_PAYLOAD_CHAR, p->raw, p->raw_len, p->meta.line);
            return;
        }
        bits = r->abits;
    }
    FUZZ_CHECK(bits != NULL);
    FUZZ_CHECK(p->nbits <= LO_MAX_PAYLOAD_BITS);
    FUZZ_CHECK(p->meta.fragments >= 1 && p->meta.fragments <= LO_MAX_FRAGMENTS);
    FUZZ_CHECK(p->meta.channel == 0 || strchr("AB12", p->meta.channel));
    FUZZ_CHECK(memchr(p->meta.station, '\0', sizeof p->meta.station) != NULL);
    FUZZ_CHECK(p->meta.talker[2] == '\0');
    FUZZ_CHECK(p->meta.line >= 1 && p->meta.line <= st->lines);
    FUZZ_CHECK(p->meta.source == NULL ? r->source == NULL : strcmp(p->meta.source, r->source) == 0);
    FUZZ_CHECK(p->raw != NULL && p->raw_len > 0);
    FUZZ_CHECK(st->payloads == r->payloads);
    r->digest = fuzz_fnv(r->digest, p->raw, p->raw_len);
    r->digest = fuzz_fnv(r->digest, &p->nbits, sizeof p->nbits);
    r->digest = fuzz_fnv(r->digest, bits, (p->nbits + 7) / 8);
    r->digest = fuzz_fnv(r->digest, &p->meta.rx_time_ms, sizeof p->meta.rx_time_ms);
    r->digest = fuzz_fnv(r->digest, p->meta.station, strlen(p->meta.station));
    r->digest = fuzz_fnv(r->digest, p->meta.talker, 2);
    r->digest = fuzz_fnv(r->digest, &p->meta.channel, 1);
    r->digest = fuzz_fnv(r->digest, &p->meta.own_ship, sizeof p->meta.own_ship);
    r->digest = fuzz_fnv(r->digest, &p->meta.fragments, 1);
    r->digest = fuzz_fnv(r->digest, &p->meta.line, sizeof p->meta.line);

    lo_reject why = LO_REJECT_NONE;
    int rc = lo_decode(bits, p->nbits, &r->msg, &why);
    if (rc != 0) {
        FUZZ_CHECK(rc == LO_E_REJECTED && why > LO_REJECT_NONE && why < LO_REJECT_COUNT);
        lo_stream_count_reject(r->s, why);
        r->decode_rejects++;
        return;
    }
    r->decoded++;
    r->by_type[r->msg.type]++;
    lo_stream_count_decoded(r->s, r->msg.type);
    r->digest = fuzz_fnv(r->digest, &r->msg.type, 1);
    if (r->render) {
        r->msg.meta = p->meta;
        fuzz_render(&r->msg, p->nbits, false, r->scaled, &r->rendered);
    }
}

static void on_reject(void *ctx, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    run *r = ctx;
    FUZZ_CHECK(why > LO_REJECT_NONE && why < LO_REJECT_COUNT);
    FUZZ_CHECK(raw != NULL || len == 0);
    FUZZ_CHECK(line <= lo_stream_stats(r->s)->lines + 1);
    r->reported++;
    r->digest = fuzz_fnv(r->digest, &why, sizeof why);
    r->digest = fuzz_fnv(r->digest, &line, sizeof line);
    /* An overlong line is reported with whatever part of it was at hand. */
    if (len && why != LO_REJECT_LINE_TOO_LONG)
        r->digest = fuzz_fnv(r->digest, raw, len);
}

static void check_stats(const run *r, size_t size)
{
    const lo_stats *st = lo_stream_stats(r->s);
    uint64_t sum = 0;
    for (int i = 0; i < LO_REJECT_COUNT; i++)
        sum += st->reject[i];
    FUZZ_CHECK(st->reject[LO_REJECT_NONE] == 0);
    FUZZ_CHECK(st->rejects == sum);
    FUZZ_CHECK(st->rejects == r->reported + r->decode_rejects);
    FUZZ_CHECK(st->payloads == r->payloads);
    FUZZ_CHECK(st->payloads == r->decoded + r->decode_rejects);
    FUZZ_CHECK(st->decoded == r->decoded);
    FUZZ_CHECK(memcmp(st->by_type, r->by_type, sizeof r->by_type) == 0);
    FUZZ_CHECK(st->bytes == size);
    FUZZ_CHECK(st->sentences * 18 <= size); /* "!AIVDM,1,1,,,0,*hh" is the shortest */

    char buf[4096];
    int n = lo_stats_json(st, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf);
    json_error_t err;
    json_t *root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    FUZZ_CHECK(root != NULL && json_is_object(root));
    FUZZ_CHECK((uint64_t)json_integer_value(json_object_get(root, "rejected")) == st->rejects);
    json_decref(root);
}

static void run_start(run *r, const char *source, bool render, bool scaled, bool defer)
{
    memset(r, 0, sizeof *r);
    r->source = source;
    r->render = render;
    r->scaled = scaled;
    r->defer = defer;
    r->digest = FUZZ_FNV_INIT;
    lo_stream_callbacks cb = {.ctx = r, .on_payload = on_payload, .on_reject = on_reject, .defer_armour = defer};
    r->s = lo_stream_create(&cb, source);
    FUZZ_CHECK(r->s != NULL);
}

#define MAX_SPLITS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const char *in = (const char *)data;
    uint64_t h = fuzz_fnv(FUZZ_FNV_INIT, data, size);
    const char *source = (h & 1) ? "fuzz" : NULL;
    bool scaled = (h & 2) != 0;

    static run whole, chunked;
    run_start(&whole, source, true, scaled, false);
    lo_stream_feed(whole.s, in, size);
    lo_stream_finish(whole.s);
    check_stats(&whole, size);

    /* Split points from the hash, in order; equal points give empty feeds. */
    size_t cut[MAX_SPLITS + 2];
    unsigned ncut = 1 + (unsigned)((h >> 2) % MAX_SPLITS);
    cut[0] = 0;
    for (unsigned i = 1; i <= ncut; i++) {
        h = h * 0x5851f42d4c957f2dULL + 1442695040888963407ULL;
        cut[i] = size ? (size_t)((h >> 33) % (size + 1)) : 0;
    }
    cut[ncut + 1] = size;
    for (unsigned i = 1; i <= ncut; i++) /* insertion sort */
        for (unsigned j = i; j > 1 && cut[j - 1] > cut[j]; j--) {
            size_t t = cut[j];
            cut[j] = cut[j - 1];
            cut[j - 1] = t;
        }
    run_start(&chunked, source, false, scaled, true); /* and with the armour deferred */
    for (unsigned i = 0; i <= ncut; i++)
        lo_stream_feed(chunked.s, in + cut[i], cut[i + 1] - cut[i]);
    lo_stream_finish(chunked.s);
    check_stats(&chunked, size);

    const lo_stats *a = lo_stream_stats(whole.s), *b = lo_stream_stats(chunked.s);
    FUZZ_CHECK(memcmp(a, b, sizeof *a) == 0);
    FUZZ_CHECK(whole.digest == chunked.digest);

    lo_stream_destroy(whole.s);
    lo_stream_destroy(chunked.s);
    return 0;
}
