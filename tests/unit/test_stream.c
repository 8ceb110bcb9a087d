/* test_stream.c - framing, tag blocks and reassembly, and every class of bad
 * input: each is rejected with its own reason, and a good sentence next to it
 * still decodes. Sentences are real (gpsd's sample.aivdm, libais typeexamples)
 * unless a case needs a broken one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/output.h"
#include "lookout/bits.h"
#include "testutil.h"

/* gpsd sample.aivdm: type 1, MMSI 371798000, lat 29028980, lon -74037230. */
#define GOOD "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
#define GOOD_BODY "AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"
/* gpsd sample.aivdm: type 5, MMSI 369190000 (MT.MITCHELL, per gpsdecode), two fragments. */
#define T5_1 "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E"
#define T5_2 "!AIVDM,2,2,3,B,1@0000000000000,2*55"

static void assert_good_decoded(const tu_run *r)
{
    unsigned found = 0;
    for (unsigned i = 0; i < r->nmsgs; i++)
        if (r->msgs[i].mmsi == 371798000)
            found++;
    assert_int_equal(found, 1);
}

/* The bad line is rejected for `why` and the good line after it still decodes. */
static void check_reject(const char *bad, lo_reject why)
{
    char text[4096];
    snprintf(text, sizeof text, "%s\n%s\n", bad, GOOD);
    tu_run *r = tu_decode_text(text);
    if (tu_count(r, why) != 1)
        fail_msg("'%s': expected 1 x %s, got %u (first reject %s)", bad, lo_reject_key(why), tu_count(r, why),
                 r->nrejects ? lo_reject_key(r->rejects[0]) : "none");
    assert_good_decoded(r);
    tu_free(r);
}

static void good_sentence(void **state)
{
    (void)state;
    tu_run *r = tu_decode_text(GOOD "\n");
    assert_int_equal(r->nmsgs, 1);
    assert_string_equal(tu_json(&r->msgs[0]),
                        "{\"class\":\"AIS\",\"device\":\"stdin\",\"type\":1,\"repeat\":0,\"mmsi\":371798000,"
                        "\"scaled\":false,\"status\":0,\"status_text\":\"Under way using engine\",\"turn\":-127,"
                        "\"speed\":123,\"accuracy\":true,\"lon\":-74037230,\"lat\":29028980,\"course\":2240,"
                        "\"heading\":215,\"second\":33,\"maneuver\":0,\"raim\":false,\"radio\":34017}");
    assert_int_equal(r->stats.sentences, 1);
    assert_int_equal(r->nrejects, 0);
    tu_free(r);
}

static void checksums(void **state)
{
    (void)state;
    check_reject("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0", LO_REJECT_NO_CHECKSUM);
    check_reject("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B", LO_REJECT_BAD_CHECKSUM);
    check_reject("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*G1", LO_REJECT_NO_CHECKSUM);
    /* Lower-case hex is accepted. */
    tu_run *r = tu_decode_text("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4a\n");
    assert_int_equal(r->nmsgs, 1);
    tu_free(r);
}

static void field_errors(void **state)
{
    (void)state;
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ"), LO_REJECT_FIELD_COUNT);
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0,0"), LO_REJECT_FIELD_COUNT);
    check_reject(tu_nmea("AIVDM,0,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_FRAGMENT_COUNT);
    check_reject(tu_nmea("AIVDM,10,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_FRAGMENT_COUNT);
    check_reject(tu_nmea("AIVDM,x,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_FRAGMENT_COUNT);
    check_reject(tu_nmea("AIVDM,1,2,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_FRAGMENT_NUMBER);
    check_reject(tu_nmea("AIVDM,2,0,1,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_FRAGMENT_NUMBER);
    check_reject(tu_nmea("AIVDM,2,1,x,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_SEQUENCE_ID);
    check_reject(tu_nmea("AIVDM,2,1,12,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_SEQUENCE_ID);
    check_reject(tu_nmea("AIVDM,1,1,,C,15RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_CHANNEL);
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,6"), LO_REJECT_BAD_FILL_BITS);
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,9"), LO_REJECT_BAD_FILL_BITS);
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208C~,0"), LO_REJECT_BAD_PAYLOAD_CHAR);
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8hXg208CQ,0"), LO_REJECT_BAD_PAYLOAD_CHAR);
    check_reject(tu_nmea("AIVDM,1,1,,A,,0"), LO_REJECT_EMPTY_PAYLOAD);
    check_reject("hello world", LO_REJECT_NOT_NMEA);
}

static void length_and_type(void **state)
{
    (void)state;
    /* Type 1 cut to 20 characters (120 bits). */
    check_reject(tu_nmea("AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8,0"), LO_REJECT_TOO_SHORT);
    /* Type 5 part 1 alone, sent as a single sentence: 336 bits < 420. */
    check_reject(tu_nmea("AIVDM,1,1,,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0"), LO_REJECT_TOO_SHORT);
    /* Type 0 and type 28 do not exist ('0' = 0, 'L' = 28). */
    check_reject(tu_nmea("AIVDM,1,1,,A,05RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_TYPE);
    check_reject(tu_nmea("AIVDM,1,1,,A,L5RTgt0PAso;90TKcjM8h6g208CQ,0"), LO_REJECT_BAD_TYPE);
    /* Type 26 is at most 5 slots (1064 bits): 200 characters (1200 bits) is too long. */
    char t26[256] = "AIVDM,1,1,,A,J";
    memset(t26 + 14, '0', 199);
    strcpy(t26 + 14 + 199, ",0");
    check_reject(tu_nmea(t26), LO_REJECT_TOO_LONG);
    /* More characters than any message may have. */
    char body[600];
    memset(body, '1', sizeof body);
    memcpy(body, "AIVDM,1,1,,A,", 13);
    memcpy(body + 13 + 400, ",0", 3);
    check_reject(tu_nmea(body), LO_REJECT_PAYLOAD_TOO_LONG);
}

static void multi_sentence(void **state)
{
    (void)state;
    tu_run *r = tu_decode_text(T5_1 "\n" T5_2 "\n");
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(r->msgs[0].type, 5);
    assert_int_equal(r->msgs[0].mmsi, 369190000);
    assert_non_null(strstr(tu_json(&r->msgs[0]), "\"shipname\":\"MT.MITCHELL\""));
    assert_non_null(strstr(tu_json(&r->msgs[0]), "\"eta\":\"01-02T08:00Z\",\"draught\":60,\"destination\":\"SEATTLE\",\"dte\":0"));
    assert_int_equal(r->msgs[0].nbits, 424);
    assert_int_equal(r->msgs[0].meta.fragments, 2);
    tu_free(r);
    check_reject(T5_2, LO_REJECT_ORPHAN_PART);
    /* A duplicate fragment is dropped, the message still completes. */
    r = tu_decode_text(T5_1 "\n" T5_1 "\n" T5_2 "\n");
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(tu_count(r, LO_REJECT_DUPLICATE_PART), 1);
    tu_free(r);
    /* Never completed: counted at end of input. */
    r = tu_decode_text(T5_1 "\n" GOOD "\n");
    assert_int_equal(tu_count(r, LO_REJECT_INCOMPLETE), 1);
    assert_good_decoded(r);
    tu_free(r);
    /* The same sequence id starts a different message before the first completed. */
    char text[1024];
    snprintf(text, sizeof text, "%s\n%s\n%s\n", T5_1,
             tu_nmea("AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E54,0"), T5_2);
    r = tu_decode_text(text);
    assert_int_equal(tu_count(r, LO_REJECT_SEQUENCE_REUSED), 1);
    assert_int_equal(r->nmsgs, 1);
    tu_free(r);
    /* Interleaved across channels, sources and other NMEA sentences. */
    char interleaved[2048];
    snprintf(interleaved, sizeof interleaved,
             "\\s:north,c:1325394000*XX\\" T5_1 "\n"
             "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n"
             "%s\n"
             "\\s:south,c:1325394001*XX\\" T5_1 "\n" GOOD "\n"
             "%s\n"
             "\\s:south*XX\\" T5_2 "\n"
             "\\s:north*XX\\" T5_2 "\n",
             tu_nmea("AIVDM,2,1,3,A,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0"),
             tu_nmea("AIVDM,2,2,3,A,1@0000000000000,2"));
    /* Fill in the tag-block checksums. */
    char buf[2048];
    strcpy(buf, interleaved);
    for (char *p = buf; (p = strstr(p, "*XX\\")) != NULL; p += 4) {
        char *start = p - 1;
        while (*start != '\\')
            start--;
        uint8_t x = lo_nmea_checksum(start + 1, (size_t)(p - start - 1));
        char hex[3];
        snprintf(hex, sizeof hex, "%02X", x);
        p[1] = hex[0];
        p[2] = hex[1];
    }
    r = tu_decode_buf(buf, strlen(buf));
    for (unsigned i = 0; i < r->nrejects; i++)
        print_message("unexpected reject %s at line %llu\n", lo_reject_key(r->rejects[i]),
                      (unsigned long long)r->reject_lines[i]);
    assert_int_equal(r->nrejects, 0);
    assert_int_equal(r->nmsgs, 4);
    assert_int_equal(r->stats.other_sentences, 1);
    unsigned t5 = 0, south = 0, north = 0;
    for (unsigned i = 0; i < r->nmsgs; i++) {
        if (r->msgs[i].type != 5)
            continue;
        t5++;
        south += !strcmp(r->msgs[i].meta.station, "south");
        north += !strcmp(r->msgs[i].meta.station, "north");
        if (!strcmp(r->msgs[i].meta.station, "north"))
            assert_true(r->msgs[i].meta.rx_time_ms == 1325394000000LL);
    }
    assert_int_equal(t5, 3);
    assert_int_equal(south, 1);
    assert_int_equal(north, 1);
    tu_free(r);
}

static void fill_bits_on_every_fragment(void **state)
{
    (void)state;
    /* AISHub sample lines 4028-4029: a base station pads both fragments and says
     * so. gpsd 3.22 decodes the name as "PLATFORM L9         Y&". */
    tu_run *r = tu_decode_text("!AIVDM,2,1,6,2,E02E381`60b37a6h6Lh@@@@@@@@0;FdI?Ede`00003v000,4*7F\n"
                               "!AIVDM,2,2,6,2,IV1,4*49\n");
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(r->msgs[0].nbits, 286);
    assert_non_null(strstr(tu_json(&r->msgs[0]), "\"name\":\"PLATFORM L9         Y&\""));
    tu_free(r);
}

static void tag_blocks(void **state)
{
    (void)state;
    /* libais tagblock.nmea: receive time in seconds, source station. */
    tu_run *r = tu_decode_text("\\s:42809,c:1635731889,t:1635731965*6A\\!AIVDM,1,1,,,403t>B1vFhQr5`NonbBw?>G00<0n,0*7B\n");
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.rx_time_ms == 1635731889000LL);
    assert_string_equal(r->msgs[0].meta.station, "42809");
    tu_free(r);
    /* Milliseconds; a tag block alone on its line applies to the next sentence. */
    char text[512];
    snprintf(text, sizeof text, "\\c:1635731889123*%02X\\\n%s\n%s\n",
             lo_nmea_checksum("c:1635731889123", 15), GOOD, GOOD);
    r = tu_decode_text(text);
    assert_int_equal(r->nmsgs, 2);
    assert_true(r->msgs[0].meta.rx_time_ms == 1635731889123LL);
    assert_true(r->msgs[1].meta.rx_time_ms == LO_TIME_NONE);
    tu_free(r);
    /* gfw-ais-tools ee-multiline.nmea: two tag-blocked sentences on one line, grouped. */
    r = tu_decode_text("\\g:1-2-1278,s:66,c:1661782369*43\\!AIVDM,2,1,3,A,56=nR7D00003A<I@E=@TmDh637OS60mA:222220N1@6427?P00888888,0*66\n"
                       "\\g:2-2-1278*51\\!AIVDM,2,2,3,A,888888888888880,2*27\\s:66,c:1661782475*37\\!AIVDM,1,1,,A,13VPgj0viKV8dtr3Fc7:m`e000SA,0*16\n");
    assert_int_equal(r->nrejects, 0);
    assert_int_equal(r->nmsgs, 2);
    assert_int_equal(r->msgs[0].type, 5);
    assert_string_equal(r->msgs[0].meta.station, "66");
    assert_true(r->msgs[1].meta.rx_time_ms == 1661782475000LL);
    tu_free(r);
    /* A tag block with a bad checksum is counted; the sentence still decodes. */
    r = tu_decode_text("\\s:42809,c:1635731889*00\\" GOOD "\n");
    assert_int_equal(tu_count(r, LO_REJECT_TAG_BLOCK_CHECKSUM), 1);
    assert_int_equal(r->nmsgs, 1);
    assert_string_equal(r->msgs[0].meta.station, "");
    tu_free(r);
    check_reject("\\s:42809,c:1635731889*00" GOOD, LO_REJECT_BAD_TAG_BLOCK);
    snprintf(text, sizeof text, "\\c:soon*%02X\\%s", lo_nmea_checksum("c:soon", 6), GOOD);
    r = tu_decode_text(text);
    assert_int_equal(tu_count(r, LO_REJECT_BAD_TAG_BLOCK), 1);
    assert_int_equal(r->nmsgs, 1); /* the sentence after the broken block is sound */
    tu_free(r);
}

static void trailers_and_headers(void **state)
{
    (void)state;
    /* libais typeexamples.nmea: USCG trailer with station and time. */
    tu_run *r = tu_decode_text("!AIVDM,1,1,,A,15N1u<PP1FJuvSRHOE6QIwwh0HQ6,0*30,d-080,S2118,t050056.00,T56.4837741,r003669946,1325394060,1325394001\n");
    assert_int_equal(r->nmsgs, 1);
    assert_string_equal(r->msgs[0].meta.station, "003669946");
    assert_true(r->msgs[0].meta.rx_time_ms == 1325394060000LL);
    tu_free(r);
    /* aduvenhage test_ais_data.log: Unix time after the checksum. */
    r = tu_decode_text("!ABVDM,1,1,,A,14`ai400221sEs7dWPmahorh0404,0*45,1485907262\n");
    assert_int_equal(r->nmsgs, 1);
    assert_string_equal(r->msgs[0].meta.talker, "AB");
    assert_true(r->msgs[0].meta.rx_time_ms == 1485907262000LL);
    tu_free(r);
    /* Loggers that put an ISO time after the sentence, after a blank or a comma;
     * a number that is no plausible time (a counter) is not one. */
    r = tu_decode_text(GOOD " 2021-06-01T12:00:00Z\n" GOOD ",2021-06-01 12:00:01.5\n" GOOD ",123456789\n");
    assert_int_equal(r->nmsgs, 3);
    assert_int_equal(r->nrejects, 0);
    assert_true(r->msgs[0].meta.rx_time_ms == 1622548800000LL);
    assert_true(r->msgs[1].meta.rx_time_ms == 1622548801500LL);
    assert_true(r->msgs[2].meta.rx_time_ms == LO_TIME_NONE);
    tu_free(r);
    /* pyais gatehouse.nmea: $PGHP header gives the time (2008-05-09 00:00:00.010). */
    r = tu_decode_text("$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17\n!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09\n");
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.rx_time_ms == 1210291200010LL);
    assert_int_equal(r->stats.other_sentences, 1);
    tu_free(r);
    /* pyais gatehouse.nmea also holds a header whose checksum is wrong (2009 for
     * 2008): it is rejected and gives nothing to the next sentence. */
    r = tu_decode_text("$PGHP,1,2009,5,9,0,0,0,10,338,2,,1,09*17\n!AIVDM,1,1,,A,16:=?;0P00`SstvFnFbeGH6L088h,0*44\n");
    assert_int_equal(tu_count(r, LO_REJECT_BAD_CHECKSUM), 1);
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.rx_time_ms == LO_TIME_NONE);
    tu_free(r);
    lo_reject why = LO_REJECT_NONE;
    assert_int_equal(lo_nmea_verify("$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17", 40, &why), 0);
    assert_int_equal(lo_nmea_verify("$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09* 7", 40, &why), LO_E_REJECTED);
    assert_int_equal(why, LO_REJECT_NO_CHECKSUM);
    assert_int_equal(lo_nmea_verify("$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09", 37, &why), LO_E_REJECTED);
    assert_int_equal(why, LO_REJECT_NO_CHECKSUM);
    /* A year no receiver writes is not a time (fuzz_sentence: int64 overflow). */
    lo_tagblock tb = {.time_ms = LO_TIME_NONE};
    const char *huge = "$PGHP,1,999999999,5,9,0,0,0,10,338,2,,1,09*00";
    assert_int_equal(lo_pghp_parse(huge, strlen(huge), &tb), -1);
}

static void line_framing(void **state)
{
    (void)state;
    /* CR, LF, CRLF and a last line without a terminator all work. */
    tu_run *r = tu_decode_text(GOOD "\r" GOOD "\r\n" GOOD "\n" GOOD);
    assert_int_equal(r->nmsgs, 4);
    assert_int_equal(r->nrejects, 0);
    tu_free(r);
    /* A line over 1 KiB is rejected whole, never truncated into a sentence. */
    char *big = malloc(3000);
    memset(big, 'A', 1100);
    strcpy(big + 1100, GOOD);
    check_reject(big, LO_REJECT_LINE_TOO_LONG);
    free(big);
    /* NUL and non-UTF-8 bytes. */
    static const char nul[] = "!AIVDM,1,1,,A,15RTgt0P\0so;90TKcjM8h6g208CQ,0*4A\n" GOOD "\n";
    r = tu_decode_buf(nul, sizeof nul - 1);
    assert_int_equal(tu_count(r, LO_REJECT_BAD_BYTES), 1);
    assert_good_decoded(r);
    tu_free(r);
    check_reject("!AIVDM,1,1,,A,15RTgt0P\xff\xfeo;90TKcjM8h6g208CQ,0*4A", LO_REJECT_BAD_BYTES);
    /* Fed one byte at a time, the stream gives the same result. */
    lo_stats st;
    unsigned n = 0;
    {
        static const char two[] = T5_1 "\r\n" T5_2 "\r\n" GOOD "\n";
        tu_run *acc = calloc(1, sizeof *acc);
        (void)acc;
        free(acc);
        lo_stream *s = lo_stream_create(NULL, "bytes");
        for (size_t i = 0; i < sizeof two - 1; i++)
            lo_stream_feed(s, two + i, 1);
        lo_stream_finish(s);
        st = *lo_stream_stats(s);
        n = (unsigned)st.payloads;
        lo_stream_destroy(s);
    }
    assert_int_equal(n, 2);
    assert_int_equal(st.rejects, 0);
}

static void logger_prefixes(void **state)
{
    (void)state;
    /* Loggers often write the receive time before the sentence. */
    tu_run *r = tu_decode_text("2021-06-01T12:00:00.250Z " GOOD "\n"
                               "2021-06-01 12:00:01," GOOD "\n"
                               "1622548802.5\t" GOOD "\n"
                               "1622548803000;" GOOD "\n"
                               "17 " GOOD "\n"); /* a counter, not a time */
    assert_int_equal(r->nrejects, 0);
    assert_int_equal(r->nmsgs, 5);
    assert_true(r->msgs[0].meta.rx_time_ms == 1622548800250LL);
    assert_true(r->msgs[1].meta.rx_time_ms == 1622548801000LL);
    assert_true(r->msgs[2].meta.rx_time_ms == 1622548802500LL);
    assert_true(r->msgs[3].meta.rx_time_ms == 1622548803000LL);
    assert_true(r->msgs[4].meta.rx_time_ms == LO_TIME_NONE);
    tu_free(r);
    /* Text that is not a sentence stays a reject. */
    check_reject("hello !world", LO_REJECT_NOT_NMEA);
    /* Offsets from UTC (ISO 8601), and times in brackets. */
    const int64_t noon = 1622548800000LL;
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00+02:00", 25) == noon - 2 * 3600000LL);
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00-0500", 24) == noon + 5 * 3600000LL);
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00+05:30 ", 26) == noon - 330 * 60000LL);
    assert_true(lo_prefix_time_parse("2021-06-01 12:00:00+02", 22) == noon - 2 * 3600000LL);
    assert_true(lo_prefix_time_parse("[2021-06-01 12:00:04] ", 22) == noon + 4000);
    assert_true(lo_prefix_time_parse("(1622548805) ", 13) == noon + 5000);
    assert_true(lo_prefix_time_parse("2021-06-01 12:00:06: ", 21) == noon + 6000);
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00+2:00", 24) == LO_TIME_NONE);
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00+15:00", 25) == LO_TIME_NONE);
    assert_true(lo_prefix_time_parse("2021-06-01T12:00:00+02:0", 24) == LO_TIME_NONE);
    assert_true(lo_prefix_time_parse("[2021-06-01 12:00:04", 20) == LO_TIME_NONE);
    r = tu_decode_text("[2021-06-01 12:00:07] " GOOD "\n");
    assert_int_equal(r->nmsgs, 1);
    assert_true(r->msgs[0].meta.rx_time_ms == noon + 7000);
    tu_free(r);
}

static void crlf_split_between_reads(void **state)
{
    (void)state;
    /* Line numbers stay right when a CRLF is cut between two reads. */
    lo_stream *s = lo_stream_create(NULL, "split");
    const char *a = GOOD "\r", *b = "\nbad line\n";
    lo_stream_feed(s, a, strlen(a));
    lo_stream_feed(s, b, strlen(b));
    lo_stream_finish(s);
    assert_int_equal(lo_stream_stats(s)->lines, 2);
    lo_stream_destroy(s);
}

static void sentinels_and_escaping(void **state)
{
    (void)state;
    /* libais typeexamples.nmea type 4: position not available (lon 181, lat 91). */
    tu_run *r = tu_decode_text("!AIVDM,1,1,,A,403Ovl@000Htt<tSF0l4Q@100`Pq,0*28\n");
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(lo_message_int(&r->msgs[0], "lon", 0), 108600000);
    assert_int_equal(lo_message_int(&r->msgs[0], "lat", 0), 54600000);
    char buf[4096];
    lo_json_opts scaled = {.scaled = true, .no_extras = true};
    int n = lo_json_write(&r->msgs[0], &scaled, buf, sizeof buf);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"lon\":181.000000,\"lat\":91.000000"));
    tu_free(r);
    /* Type 1 from the AISHub sample with speed 1023, course 3600, heading 511, turn -128. */
    r = tu_decode_text("!AIVDM,1,1,,A,16:=?;0P00`SstvFnFbeGH6L088h,0*44\n");
    assert_int_equal(r->nmsgs, 1);
    tu_free(r);
    /* Six-bit text can hold '"' and '\\': JSON escapes them, CSV quotes them.
     * Type 14 from MMSI 1 with text: A"B\C (built bit by bit). */
    uint8_t bits[16] = {0};
    lo_bits_put(bits, 0, 6, 14);
    lo_bits_put(bits, 8, 30, 1);
    const unsigned text[] = {1, 34, 2, 28, 3};
    for (unsigned i = 0; i < 5; i++)
        lo_bits_put(bits, 40 + 6 * i, 6, text[i]);
    lo_message m;
    lo_reject why;
    assert_int_equal(lo_decode(bits, 70, &m, &why), 0);
    m.meta.source = NULL;
    m.meta.channel = 0;
    m.meta.rx_time_ms = LO_TIME_NONE;
    m.meta.station[0] = 0;
    assert_non_null(strstr(tu_json(&m), "\"text\":\"A\\\"B\\\\C\""));
    lo_csv *csv = lo_csv_create("mmsi,text", false);
    n = lo_csv_write(csv, &m, buf, sizeof buf);
    buf[n] = '\0';
    assert_string_equal(buf, "1,\"A\"\"B\\C\"");
    lo_csv_destroy(csv);
    /* MMSI 0 decodes as 0. */
    memset(bits, 0, sizeof bits);
    lo_bits_put(bits, 0, 6, 14);
    assert_int_equal(lo_decode(bits, 40, &m, &why), 0);
    assert_int_equal(m.mmsi, 0);
}

static void reassembly_is_bounded(void **state)
{
    (void)state;
    /* Many never-completed first fragments from distinct sources: the table
     * stays bounded and the oldest are dropped and counted. */
    size_t cap = 600 * 120, len = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 600; i++) {
        char body[128];
        snprintf(body, sizeof body, "s:st%d", i);
        len += (size_t)snprintf(text + len, cap - len, "\\%s*%02X\\%s\n", body, lo_nmea_checksum(body, strlen(body)),
                                T5_1);
    }
    tu_run *r = tu_decode_buf(text, len);
    uint64_t dropped = r->stats.reject[LO_REJECT_SLOTS_FULL] + r->stats.reject[LO_REJECT_INCOMPLETE];
    assert_int_equal(dropped, 600);
    assert_true(r->stats.reject[LO_REJECT_SLOTS_FULL] >= 600 - LO_REASSEMBLY_SLOTS);
    tu_free(r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_sentence),        cmocka_unit_test(checksums),
        cmocka_unit_test(field_errors),         cmocka_unit_test(length_and_type),
        cmocka_unit_test(multi_sentence),       cmocka_unit_test(tag_blocks),
        cmocka_unit_test(trailers_and_headers), cmocka_unit_test(line_framing),
        cmocka_unit_test(sentinels_and_escaping), cmocka_unit_test(reassembly_is_bounded),
        cmocka_unit_test(logger_prefixes),      cmocka_unit_test(crlf_split_between_reads),
        cmocka_unit_test(fill_bits_on_every_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
