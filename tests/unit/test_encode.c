/* test_encode.c - the encoder: decode(encode(x)) == x for every message type and
 * variant, starting from real sentences; sentence framing (fragments, fill bits,
 * checksums, tag blocks); defaults for missing fields; errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/encode.h"
#include "lookout/sentence.h"
#include "testutil.h"

/* Real sentences, one per message type and variant. Origin of each (all under
 * ../shared/data/ais/):
 *   L  libais/typeexamples.nmea (schwehr/libais, Apache-2.0), receiver trailers cut
 *   G  gpsd/sample.aivdm (gpsd, BSD-2-Clause)
 *   G6 gpsd/daemon/ais-nmea-type6-fid55.log (gpsd)
 *   D  aisdb/test_data_20211101.nm4 (tag block cut)
 *   V  aduvenhage/test_ais_data.log (trailer cut)
 *   W  gfw-ais-tools/sample.nmea (tag block cut)
 *   P  aisparser-bcl/unknown.log
 *   H  aishub-nmea-sample/nmea-sample.txt
 *   M  dma-aislib/retry_example.txt */
typedef struct sample {
    const char *what;
    const char *nmea;
    const char *layout; /* the variant the decoder must choose (NULL: not checked) */
    const char *app;    /* types 6/8: the application layout */
} sample;

static const sample samples[] = {
    {"1 (L)", "!AIVDM,1,1,,A,15N1u<PP1FJuvSRHOE6QIwwh0HQ6,0*30\n", "1", NULL},
    {"1 short, no radio state (H)", "!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,5*63\n", "1", NULL},
    {"2 (L)", "!AIVDM,1,1,,B,2T8Mur>pJNw77ks5q?7mdfhoOgMo,0*3A\n", "2", NULL},
    {"3 (L)", "!AIVDM,1,1,,A,39NWra1001rsuRPHA6Na8afl0000,0*13\n", "3", NULL},
    {"4 (L)", "!AIVDM,1,1,,A,403Ovl@000Htt<tSF0l4Q@100`Pq,0*28\n", "4", NULL},
    {"5 one sentence (L)",
     "!AIVDM,1,1,1,B,53eaFL02?;fwTPm7V219E@R1@PE8E<622222221@9hG1A7?@NCPSlm3kc5DhH8888888880,2*7F\n", "5", NULL},
    {"5 two sentences (V)",
     "!ABVDM,2,1,6,B,53l::>02?w@KTP7?OSP<59@4LDp61A84@E:2221?FHlF:6uE0CPhD1E3mk`8,0*35\n"
     "!ABVDM,2,2,6,B,88888888888,2*22\n",
     "5", NULL},
    {"6 raw data (L)", "!AIVDM,1,1,,A,603Owlh0>5Q@04000000,0*01\n", "6", "data"},
    {"6 DAC 200 FI 55 (G6)", "!AIVDM,1,1,,B,63aGD6@0RW?8<SL4000000000000,0*11\n", "6", "6/200/55"},
    {"6 DAC 1 FI 14, an array (G)", "!AIVDM,1,1,,A,6h2E:81>NmKC04p0J<000?vv20Ru,0*31\n", "6", "6/1/14"},
    {"6 DAC 235 FI 10 (D)", "!AIVDM,1,1,,,6vn;i:000000>d`wP000@00,2*4E\n", "6", "6/235/10"},
    {"7 (L)", "!AIVDM,1,1,,A,71AqOpwIFFI:vJCjWejS9I:QGsFw,0*62\n", "7", NULL},
    {"8 raw data (L)", "!AIVDM,1,1,,B,803Ovrh0EP:024`@02PN04da=3V<>N0000,4*39\n", "8", "data"},
    {"8 DAC 1 FI 11 (H)", "!AIVDM,1,1,,A,802R5Ph0BkEachFWA2GaOwwwwwwwwwwwwkBwwwwwwwwwwwwwwwwwwwwwwwu,2*57\n", "8",
     "8/1/11"},
    {"8 DAC 1 FI 31, two sentences (M)",
     "!BSVDM,2,1,7,A,802R5Ph0GhFSUqbi6g;egwvlFR06EuOwiOl?wnSwe7wwwwwwsAwwnSom,0*43\n"
     "!BSVDM,2,2,7,A,wvwu,0*0B\n",
     "8", "8/1/31"},
    {"8 DAC 200 FI 10 (H)", "!AIVDM,1,1,,B,83aGF=hj2P00000001>hj@QU6SL0,0*73\n", "8", "8/200/10"},
    {"9 (L)", "!AIVDM,1,1,,B,9muc;QvN2`TG6BE76wm;U7u>K>?b,0*64\n", "9", NULL},
    {"10 (L)", "!AIVDM,1,1,,B,:KeoLe9SVU;H,0*6D\n", "10", NULL},
    {"11 (L)", "!AIVDM,1,1,,B,;5NDk68>1pJtJ68HggG88R4fP0GP,0*39\n", "11", NULL},
    {"12 (L)", "!AIVDM,1,1,,B,<NnJ4`u1=C7>qV3?qoRm,0*1E\n", "12", NULL},
    {"13 (L)", "!AIVDM,1,1,,A,=nq@w7AlOpV<,0*7C\n", "13", NULL},
    {"14 (L)", "!AIVDM,1,1,,B,>IgoUswo3Q6?Ah,4*22\n", "14", NULL},
    {"15 (L)", "!AIVDM,1,1,,B,?w>DNkiVT>Qp8eMvd@,4*00\n", "15", NULL},
    {"16 (L)", "!AIVDM,1,1,,A,@TFtghNJ4G5?C7mV,0*3D\n", NULL, NULL},
    {"17 (L)", "!AIVDM,1,1,,B,AwoiGRg:tOw>>9n5f9u>rOvwkraEe6ON,0*34\n", "17", NULL},
    {"18 (L)", "!AIVDM,1,1,,B,B5MiOp0006g4up6:EV403wr5oP06,0*38\n", "18", NULL},
    {"19 (D)", "!AIVDM,1,1,,,C>kuL5h034wnk<0T5jRrwwS04bNkKQQg1111111111jd0000002P,0*27\n", "19", NULL},
    {"20 (L)", "!AIVDM,1,1,,B,DD2r994wluqiIJv<ah,4*63\n", "20", NULL},
    {"21 (L)", "!AIVDM,1,1,5,B,E<eNSpRtjkGoqmIsgm`>ekv92?KN9R<Man9UV;cwLhuFLh,4*62\n", "21", NULL},
    {"21 with name extension (G)",
     "!AIVDM,2,1,5,B,E1mg=5J1T4W0h97aRh6ba84<h2d;W:Te=eLvH50```q,0*46\n"
     "!AIVDM,2,2,5,B,:D44QDlp0C1DU00,2*36\n",
     "21", NULL},
    {"22 broadcast (L)", "!AIVDM,1,1,,B,F030p>R2N2P6jIA`2eTjS@520000,0*1B\n", "22", NULL},
    {"22 addressed (G)", "!AIVDM,1,1,,A,F@@W>gOP00PH=JrN9l000?wB2HH;,0*44\n", "22addressed", NULL},
    {"23 (L)", "!AIVDM,1,1,,A,G<U;5jqWt?Moo=qw958B4dkOC;T,2*5B\n", "23", NULL},
    {"24 part A (L)", "!AIVDM,1,1,,B,H5MiOp1:uJ0MDhJ0<P4hhDpLE80,2*33\n", "24A", NULL},
    {"24 part B (V)", "!ABVDM,1,1,,A,H8uJGD4lDBE5847JBPnkhp1H@640,0*3A\n", "24B", NULL},
    {"24 part B, auxiliary craft (W)", "!AIVDM,1,1,,B,H>cSnNTU7B=40058qpmjhh000004,0*31\n", "24Baux", NULL},
    {"25 broadcast unstructured (G)", "!AIVDM,1,1,,A,I6SWVNP001a3P8FEKNf=Qb0@00S8,0*6B\n", "25", NULL},
    {"25 broadcast structured (G)", "!AIVDM,1,1,,A,I8IRGB40QPPa0:<HP::V=gwv0l48,0*0E\n", "25s", NULL},
    {"25 addressed unstructured (L)", "!AIVDM,1,1,,B,I;=w>`IRvRwqhWd,2*23\n", "25a", NULL},
    {"25 addressed structured (P)", "!AIVDM,1,1,,A,I2NR@fuurGsPBQWgsh,4*4D\n", "25as", NULL},
    {"26 broadcast unstructured (G)", "!AIVDM,1,1,,A,J0@00@370>t0Lh3P0000200H:2rN92,4*14\n", "26", NULL},
    {"26 broadcast structured (G)", "!AIVDM,1,1,,B,JaL0mr5P000DtRDMddr@0?vF06iD,0*75\n", "26s", NULL},
    {"26 addressed unstructured (G)", "!AIVDM,1,1,,A,J1@@0IK70PGgT740000000000@000?D0ih1e00006JlPC9C3,0*6B\n", "26a",
     NULL},
    {"26 addressed structured (L)", "!AIVDM,1,1,,A,J?Amrcw9LwuO7b9nHgeD?SVS5U8doUvtuwAQ,0*52\n", "26as", NULL},
    {"27 (L)", "!AIVDM,1,1,,A,KvQ:1o`7EBrBQ`?w,0*37\n", "27", NULL},
};

/* Decode text that must hold exactly one message; returns its JSON (malloc'd). */
static char *decode_one(const char *text, const lo_message **keep, tu_run **run)
{
    tu_run *r = tu_decode_text(text);
    if (r->nmsgs != 1 || r->nrejects != 0) {
        print_error("%s: %u messages, %u rejects (first %s)\n", text, r->nmsgs, r->nrejects,
                    r->nrejects ? lo_reject_key(r->rejects[0]) : "-");
        fail();
    }
    char *json = strdup(tu_json(&r->msgs[0]));
    *keep = &r->msgs[0];
    *run = r;
    return json;
}

/* JSON -> bits -> sentences (with these options) -> the decoder. */
static char *encode_text(const char *json, const lo_encode_opts *eo, const lo_nmea_opts *no)
{
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits = 0;
    char err[256];
    int rc = lo_encode_json(json, strlen(json), eo, bits, &nbits, NULL, err, sizeof err);
    if (rc) {
        print_error("%s\n  -> %s (%s)\n", json, err, lo_strerror(rc));
        fail();
    }
    char *out = malloc(LO_MAX_NMEA_OUT);
    int n = lo_encode_nmea(bits, nbits, no, out, LO_MAX_NMEA_OUT);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(out));
    return out;
}

static void round_trip_every_type(void **state)
{
    (void)state;
    unsigned seen_types = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const sample *s = &samples[i];
        const lo_message *m1, *m2;
        tu_run *r1, *r2;
        char *json1 = decode_one(s->nmea, &m1, &r1);
        if ((s->layout && strcmp(m1->layout->name, s->layout)) ||
            (s->app && (!m1->app || strcmp(m1->app->name, s->app)))) {
            print_error("%s: decoded as %s / %s\n", s->what, m1->layout->name, m1->app ? m1->app->name : "-");
            fail();
        }
        lo_nmea_opts no = {.channel = 'A'};
        char *text = encode_text(json1, NULL, &no);
        char *json2 = decode_one(text, &m2, &r2);
        if (strcmp(json1, json2)) {
            print_error("%s:\n  in:  %s\n  out: %s\n  via: %s", s->what, json1, json2, text);
            fail();
        }
        assert_ptr_equal(m1->layout, m2->layout);
        assert_ptr_equal(m1->app, m2->app);
        seen_types |= 1u << m1->type;
        free(json1);
        free(json2);
        free(text);
        tu_free(r1);
        tu_free(r2);
    }
    assert_int_equal(seen_types, 0x0FFFFFFEu); /* types 1-27 */
}

/* Every layout fixes the bits it carries: a re-encoded message is bit-identical
 * to the original wherever the original's spare bits were zero. Check a few whose
 * senders zero their spares. */
static void bit_identical(void **state)
{
    (void)state;
    static const char *const same[] = {
        "!AIVDM,1,1,,A,15N1u<PP1FJuvSRHOE6QIwwh0HQ6,0*30\n",
        "!AIVDM,1,1,,A,403Ovl@000Htt<tSF0l4Q@100`Pq,0*28\n",
        "!AIVDM,1,1,,A,=nq@w7AlOpV<,0*7C\n",
        "!AIVDM,1,1,,A,603Owlh0>5Q@04000000,0*01\n",
        "!AIVDM,1,1,,B,B5MiOp0006g4up6:EV403wr5oP06,0*38\n",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const lo_message *m;
        tu_run *r;
        char *json = decode_one(same[i], &m, &r);
        lo_nmea_opts no = {.channel = same[i][12]};
        char *text = encode_text(json, NULL, &no);
        assert_string_equal(text, same[i]);
        free(json);
        free(text);
        tu_free(r);
    }
}

static bool checksum_ok(const char *line, size_t len)
{
    const char *star = memchr(line, '*', len);
    if (!star || star + 3 > line + len)
        return false;
    unsigned want;
    if (sscanf(star + 1, "%2X", &want) != 1)
        return false;
    return lo_nmea_checksum(line + 1, (size_t)(star - line - 1)) == want;
}

static void type5_fragments(void **state)
{
    (void)state;
    const char *json = "{\"class\":\"AIS\",\"type\":5,\"repeat\":0,\"mmsi\":249190000,\"scaled\":false,\"ais_version\":0,"
                       "\"imo\":9383663,\"callsign\":\"9HMQ9\",\"shipname\":\"RUTH THERESA\",\"shiptype\":80,"
                       "\"to_bow\":78,\"to_stern\":23,\"to_port\":1,\"to_starboard\":17,\"epfd\":1,"
                       "\"eta\":\"12-30T16:30Z\",\"draught\":78,\"destination\":\"BOSTON,USA\",\"dte\":0}";
    lo_nmea_opts no = {.channel = 'B', .seq_id = 3};
    char *text = encode_text(json, NULL, &no);
    /* 424 bits: 71 characters, 60 + 11, 2 fill bits in the second sentence. */
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    size_t len1 = (size_t)(nl - text);
    assert_int_equal(strncmp(text, "!AIVDM,2,1,3,B,", 15), 0);
    assert_int_equal(len1, 15 + 60 + 5);
    assert_int_equal(strncmp(nl - 5, ",0*", 3), 0);
    assert_true(checksum_ok(text, len1));
    char *second = nl + 1;
    char *nl2 = strchr(second, '\n');
    assert_non_null(nl2);
    assert_int_equal(strncmp(second, "!AIVDM,2,2,3,B,", 15), 0);
    assert_int_equal((size_t)(nl2 - second), 15 + 11 + 5);
    assert_int_equal(strncmp(nl2 - 5, ",2*", 3), 0);
    assert_true(checksum_ok(second, (size_t)(nl2 - second)));
    assert_string_equal(nl2 + 1, "");
    assert_int_equal(lo_nmea_sentences(424, 0), 2);
    /* And the decoder puts it back together. */
    const lo_message *m;
    tu_run *r;
    char *back = decode_one(text, &m, &r);
    assert_int_equal(m->nbits, 424);
    assert_int_equal(m->meta.fragments, 2);
    assert_non_null(strstr(back, "\"eta\":\"12-30T16:30Z\""));
    assert_non_null(strstr(back, "\"destination\":\"BOSTON,USA\""));
    free(back);
    free(text);
    tu_free(r);
}

static void sentence_options(void **state)
{
    (void)state;
    uint8_t bits[LO_MAX_PAYLOAD_BYTES] = {0};
    uint32_t nbits;
    const char *json = "{\"type\":1,\"mmsi\":366053209}";
    assert_int_equal(lo_encode_json(json, strlen(json), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 168);
    char out[LO_MAX_NMEA_OUT];
    lo_nmea_opts o = {.talker = "AB", .own_ship = true, .channel = '2', .max_payload = 10, .seq_id = 7, .crlf = true};
    int n = lo_encode_nmea(bits, nbits, &o, out, sizeof out);
    assert_true(n > 0);
    /* 28 characters in sentences of 10: 3 sentences. */
    assert_int_equal(strncmp(out, "!ABVDO,3,1,7,2,", 15), 0);
    assert_non_null(strstr(out, "\r\n!ABVDO,3,2,7,2,"));
    assert_non_null(strstr(out, "\r\n!ABVDO,3,3,7,2,"));
    /* Own-ship sentences decode too. */
    tu_run *r = tu_decode_text(out);
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.own_ship);
    assert_int_equal(r->msgs[0].meta.channel, '2');
    tu_free(r);
    /* Limits: at most 9 sentences, a two-character talker, a real channel, room. */
    o = (lo_nmea_opts){.max_payload = 1};
    assert_int_equal(lo_encode_nmea(bits, nbits, &o, out, sizeof out), LO_E_INVAL);
    o = (lo_nmea_opts){.talker = "A"};
    assert_int_equal(lo_encode_nmea(bits, nbits, &o, out, sizeof out), LO_E_INVAL);
    o = (lo_nmea_opts){.channel = 'C'};
    assert_int_equal(lo_encode_nmea(bits, nbits, &o, out, sizeof out), LO_E_INVAL);
    o = (lo_nmea_opts){.tag_block = true, .station = "a,b"};
    assert_int_equal(lo_encode_nmea(bits, nbits, &o, out, sizeof out), LO_E_INVAL);
    assert_int_equal(lo_encode_nmea(bits, nbits, NULL, out, 20), LO_E_NOSPACE);
    assert_string_equal(out, "");
    /* Defaults: AI, VDM, empty channel, one sentence. */
    assert_int_equal(lo_encode_nmea(bits, nbits, NULL, out, sizeof out), 13 + 28 + 6);
    assert_int_equal(strncmp(out, "!AIVDM,1,1,,,1", 14), 0);
    assert_true(checksum_ok(out, strlen(out)));
}

static void tag_blocks(void **state)
{
    (void)state;
    const char *json = "{\"type\":18,\"mmsi\":366764000,\"channel\":\"B\",\"rx_time\":\"2012-01-01T05:03:56.250Z\","
                       "\"station\":\"003669946\"}";
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    lo_meta meta;
    assert_int_equal(lo_encode_json(json, strlen(json), NULL, bits, &nbits, &meta, NULL, 0), 0);
    assert_int_equal(meta.channel, 'B');
    assert_true(meta.rx_time_ms == 1325394236250LL);
    assert_string_equal(meta.station, "003669946");
    char out[LO_MAX_NMEA_OUT];
    lo_nmea_opts o = {.channel = meta.channel, .tag_block = true, .time_ms = meta.rx_time_ms,
                      .station = meta.station};
    assert_true(lo_encode_nmea(bits, nbits, &o, out, sizeof out) > 0);
    /* \s:003669946,c:1325394236*hh\ : the checksum covers what lies between the
     * backslash and the star. */
    assert_int_equal(strncmp(out, "\\s:003669946,c:1325394236*", 26), 0);
    unsigned cs;
    assert_int_equal(sscanf(out + 26, "%2X", &cs), 1);
    assert_int_equal(lo_nmea_checksum(out + 1, 24), cs);
    assert_int_equal(out[28], '\\');
    assert_int_equal(out[29], '!');
    tu_run *r = tu_decode_text(out);
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(r->nrejects, 0);
    assert_true(r->msgs[0].meta.rx_time_ms == 1325394236000LL);
    assert_string_equal(r->msgs[0].meta.station, "003669946");
    tu_free(r);
    /* A damaged tag block checksum is caught by the decoder, which then keeps
     * the sentence without the block's time and station. */
    out[27] = out[27] == '0' ? '1' : '0';
    r = tu_decode_text(out);
    assert_int_equal(r->nrejects, 1);
    assert_int_equal(r->rejects[0], LO_REJECT_TAG_BLOCK_CHECKSUM);
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.rx_time_ms == LO_TIME_NONE);
    tu_free(r);

    /* Multi-sentence: g: on each, s: and c: on the first. */
    const char *json5 = "{\"type\":5,\"mmsi\":249190000,\"shipname\":\"RUTH THERESA\",\"rx_time\":\"2012-01-01T05:01:05Z\","
                        "\"station\":\"rS1\"}";
    assert_int_equal(lo_encode_json(json5, strlen(json5), NULL, bits, &nbits, &meta, NULL, 0), 0);
    o = (lo_nmea_opts){.channel = 'A', .tag_block = true, .time_ms = meta.rx_time_ms, .station = meta.station,
                       .group_id = 42, .seq_id = 9};
    assert_true(lo_encode_nmea(bits, nbits, &o, out, sizeof out) > 0);
    assert_int_equal(strncmp(out, "\\g:1-2-42,s:rS1,c:1325394065*", 29), 0);
    assert_non_null(strstr(out, "\n\\g:2-2-42*"));
    r = tu_decode_text(out);
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(r->nrejects, 0);
    assert_true(r->msgs[0].meta.rx_time_ms == 1325394065000LL);
    assert_string_equal(r->msgs[0].meta.station, "rS1");
    tu_free(r);
    /* No tag block when there is nothing to say. */
    o = (lo_nmea_opts){.tag_block = true};
    const char *json1 = "{\"type\":1}";
    assert_int_equal(lo_encode_json(json1, strlen(json1), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_true(lo_encode_nmea(bits, nbits, &o, out, sizeof out) > 0);
    assert_int_equal(out[0], '!');
}

/* Missing fields take their "not available" values, else 0. */
static void defaults(void **state)
{
    (void)state;
    lo_nmea_opts no = {.channel = 'A'};
    char *text = encode_text("{\"type\":1,\"mmsi\":366053209}", NULL, &no);
    const lo_message *m;
    tu_run *r;
    char *json = decode_one(text, &m, &r);
    assert_int_equal(m->nbits, 168);
    assert_int_equal(lo_message_int(m, "lat", 0), 54600000);
    assert_int_equal(lo_message_int(m, "lon", 0), 108600000);
    assert_int_equal(lo_message_int(m, "heading", 0), 511);
    assert_int_equal(lo_message_int(m, "speed", 0), 1023);
    assert_int_equal(lo_message_int(m, "course", 0), 3600);
    assert_int_equal(lo_message_int(m, "turn", 0), -128);
    assert_int_equal(lo_message_int(m, "second", 0), 60);
    assert_int_equal(lo_message_int(m, "status", 0), 15);
    assert_int_equal(lo_message_int(m, "radio", 1), 0);
    free(json);
    free(text);
    tu_free(r);

    /* A message that lacks only its last fields is sent without them (as the
     * decoder reports short messages), unless full_length is set. */
    const char *no_radio = "{\"type\":1,\"mmsi\":1,\"status\":0,\"turn\":0,\"speed\":0,\"accuracy\":false,\"lon\":0,"
                           "\"lat\":0,\"course\":0,\"heading\":0,\"second\":0,\"maneuver\":0,\"raim\":false}";
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    assert_int_equal(lo_encode_json(no_radio, strlen(no_radio), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 149);
    lo_encode_opts full = {.full_length = true};
    assert_int_equal(lo_encode_json(no_radio, strlen(no_radio), &full, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 168);
    /* ... but never shorter than the type allows. */
    const char *few = "{\"type\":5,\"mmsi\":1,\"callsign\":\"AB\"}";
    assert_int_equal(lo_encode_json(few, strlen(few), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 424);
    /* Lists (types 7, 13, 15, 16, 20) end after their last entry, on a byte. */
    const char *ack = "{\"type\":7,\"mmsi\":1,\"mmsi1\":2,\"mmsiseq1\":0,\"mmsi2\":0,\"mmsiseq2\":0}";
    assert_int_equal(lo_encode_json(ack, strlen(ack), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 72);
    /* Text messages end on a byte boundary. */
    const char *txt = "{\"type\":14,\"mmsi\":1,\"text\":\"hello\"}";
    assert_int_equal(lo_encode_json(txt, strlen(txt), NULL, bits, &nbits, NULL, NULL, 0), 0);
    assert_int_equal(nbits, 72);
    text = encode_text(txt, NULL, &no);
    json = decode_one(text, &m, &r);
    assert_non_null(strstr(json, "\"text\":\"HELLO\""));
    free(json);
    free(text);
    tu_free(r);
}

static void variants_from_values(void **state)
{
    (void)state;
    static const struct {
        const char *json, *layout, *app;
    } cases[] = {
        {"{\"type\":24,\"mmsi\":366764000,\"part\":\"A\",\"shipname\":\"R/V GULF CHALLENGER\"}", "24A", NULL},
        {"{\"type\":24,\"mmsi\":366764000,\"part\":\"B\",\"callsign\":\"WDE4178\",\"to_bow\":5}", "24B", NULL},
        {"{\"type\":24,\"mmsi\":982345678,\"part\":\"B\",\"mothership_mmsi\":232001000}", "24Baux", NULL},
        {"{\"type\":22,\"mmsi\":3160122,\"addressed\":true,\"dest1\":244000000,\"dest2\":244000001}",
         "22addressed", NULL},
        {"{\"type\":22,\"mmsi\":3160122,\"ne_lon\":-39734,\"ne_lat\":26634}", "22", NULL},
        {"{\"type\":16,\"mmsi\":1,\"mmsi1\":2,\"offset1\":3,\"increment1\":4,\"mmsi2\":0}", "16one", NULL},
        {"{\"type\":16,\"mmsi\":1,\"mmsi1\":2,\"offset1\":3,\"increment1\":4,\"mmsi2\":5}", "16", NULL},
        {"{\"type\":25,\"mmsi\":1,\"addressed\":true,\"structured\":true,\"dest_mmsi\":2,\"app_id\":3,"
         "\"data\":\"12:abc0\"}",
         "25as", NULL},
        {"{\"type\":26,\"mmsi\":1,\"structured\":true,\"app_id\":3,\"data\":\"4:f0\",\"radio\":5}", "26s", NULL},
        {"{\"type\":6,\"mmsi\":1,\"dest_mmsi\":2,\"dac\":200,\"fid\":55,\"crew\":3,\"passengers\":12,"
         "\"personnel\":1}",
         "6", "6/200/55"},
        {"{\"type\":6,\"mmsi\":1,\"dest_mmsi\":2,\"dac\":200,\"fid\":55,\"data\":\"8:ff\"}", "6", "data"},
        {"{\"type\":8,\"mmsi\":1,\"dac\":999,\"fid\":1,\"data\":\"16:0280\"}", "8", "data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lo_nmea_opts no = {.channel = 'A'};
        char *text = encode_text(cases[i].json, NULL, &no);
        const lo_message *m;
        tu_run *r;
        char *json = decode_one(text, &m, &r);
        if (strcmp(m->layout->name, cases[i].layout) ||
            (cases[i].app && (!m->app || strcmp(m->app->name, cases[i].app)))) {
            print_error("%s: decoded as %s / %s\n", cases[i].json, m->layout->name, m->app ? m->app->name : "-");
            fail();
        }
        /* Every value given comes back. */
        const char *p = cases[i].json + 1;
        while (*p && *p != '}') {
            const char *end = p;
            int depth = 0;
            while (*end && (depth || (*end != ',' && *end != '}'))) {
                depth += *end == '[' || *end == '{';
                depth -= *end == ']' || *end == '}';
                end++;
            }
            char item[128];
            snprintf(item, sizeof item, "%.*s", (int)(end - p), p);
            if (!strstr(json, item)) {
                print_error("%s: %s missing from %s\n", cases[i].json, item, json);
                fail();
            }
            p = *end == ',' ? end + 1 : end;
        }
        free(json);
        free(text);
        tu_free(r);
    }
}

static void scaled_input(void **state)
{
    (void)state;
    const char *json = "{\"type\":1,\"scaled\":true,\"mmsi\":371798000,\"lon\":-123.395383,\"lat\":48.381633,"
                       "\"speed\":12.3,\"course\":224.0,\"turn\":-2.9,\"heading\":215}";
    lo_nmea_opts no = {.channel = 'A'};
    char *text = encode_text(json, NULL, &no);
    const lo_message *m;
    tu_run *r;
    char *back = decode_one(text, &m, &r);
    assert_int_equal(lo_message_int(m, "lon", 0), -74037230);
    assert_int_equal(lo_message_int(m, "lat", 0), 29028980);
    assert_int_equal(lo_message_int(m, "speed", 0), 123);
    assert_int_equal(lo_message_int(m, "course", 0), 2240);
    assert_int_equal(lo_message_int(m, "turn", 0), -8);
    assert_int_equal(lo_message_int(m, "heading", 0), 215);
    free(back);
    free(text);
    tu_free(r);
    /* Without "scaled", degrees are an error, not a silent truncation. */
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits;
    char err[256];
    const char *raw = "{\"type\":1,\"lat\":48.38}";
    assert_int_equal(lo_encode_json(raw, strlen(raw), NULL, bits, &nbits, NULL, err, sizeof err), LO_E_INVAL);
    assert_non_null(strstr(err, "field 'lat'"));
    assert_non_null(strstr(err, "scaled"));
}

static void expect_error(const char *json, int rc, const char *needle)
{
    uint8_t bits[LO_MAX_PAYLOAD_BYTES];
    uint32_t nbits = 0;
    char err[256];
    int got = lo_encode_json(json, strlen(json), NULL, bits, &nbits, NULL, err, sizeof err);
    if (got != rc || !strstr(err, needle)) {
        print_error("%s\n  -> %d '%s', wanted %d '%s'\n", json, got, err, rc, needle);
        fail();
    }
}

static void errors(void **state)
{
    (void)state;
    /* Values out of range for their width name the field. */
    expect_error("{\"type\":1,\"lat\":99999999}", LO_E_RANGE, "field 'lat': 99999999 does not fit in 27 signed bits");
    expect_error("{\"type\":1,\"mmsi\":1073741824}", LO_E_RANGE, "field 'mmsi'");
    expect_error("{\"type\":1,\"heading\":-1}", LO_E_RANGE, "field 'heading'");
    expect_error("{\"type\":1,\"raim\":2}", LO_E_RANGE, "field 'raim'");
    expect_error("{\"type\":28}", LO_E_RANGE, "field 'type'");
    expect_error("{\"mmsi\":1}", LO_E_INVAL, "field 'type': missing");
    /* Text longer than its field, or not six-bit. */
    expect_error("{\"type\":5,\"shipname\":\"ABCDEFGHIJKLMNOPQRSTU\"}", LO_E_RANGE,
                 "field 'shipname': 21 characters, at most 20 fit");
    expect_error("{\"type\":5,\"callsign\":\"caf\\u00e9\"}", LO_E_INVAL, "field 'callsign': character code 195");
    expect_error("{\"type\":5,\"callsign\":\"a{b\"}", LO_E_INVAL, "character '{' cannot be sent");
    /* Composite times. */
    expect_error("{\"type\":5,\"eta\":\"13/30\"}", LO_E_INVAL, "field 'eta': expected a time like \"MM-DDTHH:MMZ\"");
    expect_error("{\"type\":5,\"eta\":\"16-30T16:30Z\"}", LO_E_RANGE, "field 'eta': part 1");
    expect_error("{\"type\":4,\"timestamp\":\"2012-01-01T05:01\"}", LO_E_INVAL, "field 'timestamp'");
    /* Data. */
    expect_error("{\"type\":8,\"dac\":1,\"fid\":22,\"data\":\"16:02\"}", LO_E_INVAL, "16 bits need 4 hex digits");
    expect_error("{\"type\":8,\"data\":\"8:zz\"}", LO_E_INVAL, "not a hex digit");
    char big[400];
    int n = snprintf(big, sizeof big, "{\"type\":26,\"data\":\"1100:");
    for (int i = 0; i < 276; i++)
        big[n++] = 'a';
    snprintf(big + n, sizeof big - (size_t)n, "\"}");
    expect_error(big, LO_E_RANGE, "field 'data': the message is 1160 bits; 26 takes 60..1064");
    expect_error("{\"type\":25,\"dest_mmsi\":5}", LO_E_RANGE,
                 "field 'dest_mmsi': 5, but message 25 does not carry this field");
    /* Names and types. */
    expect_error("{\"type\":1,\"lattitude\":1}", LO_E_UNKNOWN_FIELD, "field 'lattitude': not a field of message 1");
    expect_error("{\"type\":8,\"dac\":999,\"fid\":1,\"wind\":1}", LO_E_UNKNOWN_FIELD, "give its bits as \"data\"");
    expect_error("{\"type\":1,\"speed\":\"fast\"}", LO_E_INVAL, "field 'speed': expected an integer");
    expect_error("{\"type\":24,\"part\":\"C\"}", LO_E_INVAL, "field 'part'");
    expect_error("{\"type\":24,\"part\":3}", LO_E_INVAL, "no message variant");
    expect_error("{\"type\":1,\"channel\":\"C\"}", LO_E_INVAL, "field 'channel'");
    expect_error("{\"type\":1,\"rx_time\":\"yesterday\"}", LO_E_INVAL, "field 'rx_time'");
    expect_error("{\"class\":\"TPV\",\"type\":1}", LO_E_INVAL, "field 'class'");
    expect_error("{\"type\":1,", LO_E_INVAL, "not JSON");
    expect_error("[1]", LO_E_INVAL, "expected a JSON object");
    expect_error("{\"type\":1,\"type\":2}", LO_E_INVAL, "not JSON");
    /* Type 24 B: the 7-character vendor id and model/serial share bits. */
    expect_error("{\"type\":24,\"part\":\"B\",\"vendorid\":\"TRUEHDG\",\"model\":0}", LO_E_INVAL,
                 "field 'model': disagrees with 'vendorid'");
    /* An NMEA option that cannot be met. */
    uint8_t bits[LO_MAX_PAYLOAD_BYTES] = {0};
    char out[64];
    assert_int_equal(lo_encode_nmea(bits, 0, NULL, out, sizeof out), LO_E_INVAL);
    assert_int_equal(lo_encode_nmea(bits, LO_MAX_PAYLOAD_BITS + 1, NULL, out, sizeof out), LO_E_INVAL);
}

static void type24_vendor(void **state)
{
    (void)state;
    /* M.1371-5 style: a 3-character manufacturer, then model and serial. */
    const char *json = "{\"type\":24,\"mmsi\":1,\"part\":\"B\",\"vendorid\":\"ABC\",\"model\":1,\"serial\":12345}";
    lo_nmea_opts no = {.channel = 'A'};
    char *text = encode_text(json, NULL, &no);
    const lo_message *m;
    tu_run *r;
    char *back = decode_one(text, &m, &r);
    assert_int_equal(lo_message_int(m, "model", 0), 1);
    assert_int_equal(lo_message_int(m, "serial", 0), 12345);
    free(back);
    free(text);
    tu_free(r);
    /* The older 7-character vendor id alone. */
    text = encode_text("{\"type\":24,\"mmsi\":1,\"part\":\"B\",\"vendorid\":\"TRUEHDG\"}", NULL, &no);
    back = decode_one(text, &m, &r);
    assert_non_null(strstr(back, "\"vendorid\":\"TRUEHDG\""));
    free(back);
    free(text);
    tu_free(r);
}

static void type21_name_extension(void **state)
{
    (void)state;
    /* A name longer than 20 characters goes on in the name extension. */
    const char *json = "{\"type\":21,\"mmsi\":993672085,\"name\":\"CHANNEL STBD SPAR BUOY NO.11\"}";
    lo_nmea_opts no = {.channel = 'A'};
    char *text = encode_text(json, NULL, &no);
    const lo_message *m;
    tu_run *r;
    char *back = decode_one(text, &m, &r);
    assert_non_null(strstr(back, "\"name\":\"CHANNEL STBD SPAR BUOY NO.11\""));
    assert_int_equal(m->nbits, 272 + 48); /* 8 characters, on a byte boundary */
    free(back);
    free(text);
    tu_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_type),
        cmocka_unit_test(bit_identical),
        cmocka_unit_test(type5_fragments),
        cmocka_unit_test(sentence_options),
        cmocka_unit_test(tag_blocks),
        cmocka_unit_test(defaults),
        cmocka_unit_test(variants_from_values),
        cmocka_unit_test(scaled_input),
        cmocka_unit_test(errors),
        cmocka_unit_test(type24_vendor),
        cmocka_unit_test(type21_name_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
