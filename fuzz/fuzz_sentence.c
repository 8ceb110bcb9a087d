/* fuzz_sentence.c - one line -> lo_sentence_parse, lo_tagblock_parse,
 * lo_trailer_parse, lo_pghp_parse, lo_prefix_time_parse: the stateless parsers of
 * sentence.h, on the whole input and at every place a sentence or tag block could
 * start (with the text before it as a logger's time prefix), checking that what
 * they return points inside the input and is in range. */
#include <string.h>

#include "fuzz.h"
#include "lookout/output.h"
#include "lookout/sentence.h"

static const lo_tagblock empty_tb = {.time_ms = LO_TIME_NONE};

static void check_time(int64_t t)
{
    if (t != LO_TIME_NONE) {
        char out[32];
        lo_format_time(t, out);
        FUZZ_CHECK(memchr(out, '\0', sizeof out) != NULL);
    }
}

static void check_tagblock(const lo_tagblock *tb)
{
    FUZZ_CHECK(memchr(tb->station, '\0', sizeof tb->station) != NULL);
    if (tb->has_group) {
        FUZZ_CHECK(tb->group_total >= 1 && tb->group_total <= 99);
        FUZZ_CHECK(tb->group_num >= 1 && tb->group_num <= tb->group_total);
    }
    check_time(tb->time_ms);
}

/* A sentence at s (n bytes to the end of the input); returns bytes consumed or 0. */
static size_t sentence_at(const char *s, size_t n, lo_tagblock *tb)
{
    lo_sentence st;
    lo_reject why = LO_REJECT_NONE;
    size_t used = 0;
    int rc = lo_sentence_parse(s, n, &st, &why, &used);
    if (rc != 0) {
        FUZZ_CHECK(rc == LO_E_REJECTED);
        FUZZ_CHECK(why > LO_REJECT_NONE && why < LO_REJECT_COUNT);
        return 0;
    }
    FUZZ_CHECK(used >= 1 && used <= n);
    FUZZ_CHECK(s[used - 3] == '*');
    FUZZ_CHECK(st.talker[2] == '\0');
    FUZZ_CHECK(st.total >= 1 && st.total <= LO_MAX_FRAGMENTS);
    FUZZ_CHECK(st.num >= 1 && st.num <= st.total);
    FUZZ_CHECK(st.seq >= -1 && st.seq <= 9);
    FUZZ_CHECK(st.channel == 0 || strchr("AB12", st.channel));
    FUZZ_CHECK(st.fill <= 5 && st.fill <= st.payload_len * 6u);
    FUZZ_CHECK(st.payload_len >= 1 && st.payload_len <= LO_MAX_PAYLOAD_CHARS);
    FUZZ_CHECK(st.payload > s && st.payload + st.payload_len <= s + used);
    /* What follows the checksum is a receiver trailer. */
    lo_trailer_parse(s + used, n - used, tb);
    check_tagblock(tb);
    return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;

    FUZZ_CHECK(lo_nmea_checksum(s, size) == lo_nmea_checksum(s, size));

    /* The whole input, and every '!', '$' or '\\' as a possible start (bounded). */
    unsigned starts = 0;
    for (size_t i = 0; i < size && starts < 16; i++) {
        if (i > 0 && s[i] != '!' && s[i] != '$' && s[i] != '\\')
            continue;
        starts++;
        check_time(lo_prefix_time_parse(s, i));
        const char *p = s + i;
        size_t n = size - i;
        lo_tagblock tb = empty_tb;
        if (p[0] == '\\') {
            lo_reject why = LO_REJECT_NONE;
            size_t used = 0;
            int rc = lo_tagblock_parse(p, n, &tb, &why, &used);
            FUZZ_CHECK(used <= n);
            if (rc != 0) {
                FUZZ_CHECK(rc == LO_E_REJECTED);
                FUZZ_CHECK(why == LO_REJECT_BAD_TAG_BLOCK || why == LO_REJECT_TAG_BLOCK_CHECKSUM);
                tb = empty_tb;
            } else {
                FUZZ_CHECK(used >= 2 && p[used - 1] == '\\');
            }
            check_tagblock(&tb);
            p += used;
            n -= used;
        }
        sentence_at(p, n, &tb);
        lo_tagblock g = empty_tb;
        if (lo_pghp_parse(p, n, &g) == 0)
            FUZZ_CHECK(g.time_ms != LO_TIME_NONE);
        check_tagblock(&g);
    }

    lo_tagblock tb = empty_tb;
    lo_trailer_parse(s, size, &tb);
    check_tagblock(&tb);
    check_time(lo_prefix_time_parse(s, size));
    return 0;
}
