/* stream.c - bytes -> lines -> sentences -> complete message payloads.
 * Framing, tag-block context and multi-sentence reassembly. All state is
 * bounded: one line buffer, a fixed table of reassembly slots. */
#include "lookout/stream.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lookout/bits.h"

#define SLOT_RAW 2048 /* sentence text kept per slot for the rejects report */

typedef struct slot {
    bool used;
    uint16_t list_pos;    /* index in the stream's used list */
    bool by_group;        /* keyed by tag-block group id rather than station */
    char channel;
    int8_t seq;
    uint8_t total;
    uint16_t have;        /* bit n-1 set when fragment n is here */
    uint32_t group_id;
    uint64_t born;        /* stream sentence counter when the slot was opened */
    char station[LO_MAX_STATION];
    lo_meta meta;
    uint8_t fill[LO_MAX_FRAGMENTS]; /* fill bits each fragment declared */
    uint16_t len[LO_MAX_FRAGMENTS];
    char part[LO_MAX_FRAGMENTS][LO_MAX_PAYLOAD_CHARS];
    uint16_t raw_len;
    char raw[SLOT_RAW];
} slot;

struct lo_stream {
    lo_stream_callbacks cb;
    char *source;
    lo_stats stats;
    uint64_t sentence_no;
    /* Partial line carried between lo_stream_feed calls. */
    size_t line_len;
    bool overlong;
    bool cr_pending; /* the last read ended with CR: skip a first LF */
    char line[LO_MAX_LINE + 1];
    /* Context from a tag block alone on a line or a $PGHP header: applies to the
     * next AIS sentence. */
    bool have_pending;
    lo_tagblock pending;
    uint8_t bits[LO_MAX_PAYLOAD_BYTES + 8];
    /* Slots in use and slots free, so that a fragment looks only at the few
     * messages in progress, not at every slot. */
    uint16_t nused, nfree;
    uint16_t used[LO_REASSEMBLY_SLOTS];
    uint16_t free_list[LO_REASSEMBLY_SLOTS];
    slot slots[LO_REASSEMBLY_SLOTS];
};

static slot *slot_take(lo_stream *s)
{
    if (s->nfree == 0)
        return NULL;
    uint16_t i = s->free_list[--s->nfree];
    slot *sl = &s->slots[i];
    sl->used = true;
    sl->list_pos = s->nused;
    s->used[s->nused++] = i;
    return sl;
}

static void slot_release(lo_stream *s, slot *sl)
{
    uint16_t i = (uint16_t)(sl - s->slots);
    uint16_t last = s->used[--s->nused];
    s->used[sl->list_pos] = last;
    s->slots[last].list_pos = sl->list_pos;
    sl->used = false;
    s->free_list[s->nfree++] = i;
}

static const lo_tagblock empty_tb = {.time_ms = LO_TIME_NONE};

lo_stream *lo_stream_create(const lo_stream_callbacks *cb, const char *source)
{
    lo_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cb)
        s->cb = *cb;
    for (unsigned i = 0; i < LO_REASSEMBLY_SLOTS; i++)
        s->free_list[s->nfree++] = (uint16_t)(LO_REASSEMBLY_SLOTS - 1 - i);
    if (source) {
        s->source = strdup(source);
        if (!s->source) {
            free(s);
            return NULL;
        }
    }
    return s;
}

void lo_stream_destroy(lo_stream *s)
{
    if (!s)
        return;
    free(s->source);
    free(s);
}

const lo_stats *lo_stream_stats(const lo_stream *s) { return &s->stats; }

void lo_stream_count_reject(lo_stream *s, lo_reject why)
{
    s->stats.reject[why]++;
    s->stats.rejects++;
}

void lo_stats_count_armour_reject(lo_stats *st)
{
    if (st->payloads)
        st->payloads--;
    st->reject[LO_REJECT_BAD_PAYLOAD_CHAR]++;
    st->rejects++;
}

void lo_stream_count_armour_reject(lo_stream *s) { lo_stats_count_armour_reject(&s->stats); }

void lo_stream_count_decoded(lo_stream *s, unsigned type)
{
    s->stats.decoded++;
    if (type < 28)
        s->stats.by_type[type]++;
}

static void reject(lo_stream *s, lo_reject why, const char *raw, size_t len, uint64_t line)
{
    lo_stream_count_reject(s, why);
    if (s->cb.on_reject)
        s->cb.on_reject(s->cb.ctx, why, raw, len, line);
}

static void emit(lo_stream *s, uint32_t nbits, const lo_meta *meta, const char *raw, size_t raw_len)
{
    s->stats.payloads++;
    if (!s->cb.on_payload)
        return;
    lo_payload p = {.bits = s->bits, .nbits = nbits, .meta = *meta, .raw = raw, .raw_len = raw_len};
    s->cb.on_payload(s->cb.ctx, &p);
}

static void drop_slot(lo_stream *s, slot *sl, lo_reject why)
{
    reject(s, why, sl->raw, sl->raw_len, sl->meta.line);
    slot_release(s, sl);
}

/* Slots always start with fragment 1, so an expired slot is an incomplete message. */
static lo_reject expiry_reason(const slot *sl)
{
    (void)sl;
    return LO_REJECT_INCOMPLETE;
}

static void fill_meta(lo_stream *s, lo_meta *m, const lo_sentence *st, const lo_tagblock *tb)
{
    m->rx_time_ms = tb->time_ms;
    memcpy(m->station, tb->station, sizeof m->station);
    m->channel = st->channel;
    memcpy(m->talker, st->talker, sizeof m->talker);
    m->own_ship = st->own_ship;
    m->fragments = st->total;
    m->line = s->stats.lines;
    m->source = s->source;
}

static void single(lo_stream *s, const lo_sentence *st, const lo_tagblock *tb, const char *raw,
                   size_t raw_len)
{
    uint32_t nbits = 0;
    bool defer = s->cb.defer_armour;
    /* Deferred: the caller checks the characters as it decodes them (lo_payload). */
    if (defer)
        nbits = (uint32_t)st->payload_len * 6;
    else if (lo_armour_decode(st->payload, st->payload_len, s->bits, &nbits) != 0) {
        reject(s, LO_REJECT_BAD_PAYLOAD_CHAR, raw, raw_len, s->stats.lines);
        return;
    }
    /* The meta is filled in place (emit would copy it). */
    s->stats.payloads++;
    if (!s->cb.on_payload)
        return;
    lo_payload p = {.bits = defer ? NULL : s->bits, .nbits = nbits - st->fill, .raw = raw, .raw_len = raw_len};
    if (defer) {
        p.armour = st->payload;
        p.armour_len = (uint32_t)st->payload_len;
    }
    fill_meta(s, &p.meta, st, tb);
    s->cb.on_payload(s->cb.ctx, &p);
}

static bool slot_matches(const slot *sl, const lo_sentence *st, const lo_tagblock *tb)
{
    if (!sl->used || sl->channel != st->channel || sl->seq != st->seq)
        return false;
    if (tb->has_group)
        return sl->by_group && sl->group_id == tb->group_id;
    return !sl->by_group && strcmp(sl->station, tb->station) == 0;
}

static void slot_add_raw(slot *sl, const char *raw, size_t n)
{
    if (sl->raw_len && sl->raw_len < SLOT_RAW)
        sl->raw[sl->raw_len++] = '\n';
    size_t room = SLOT_RAW - sl->raw_len;
    if (n > room)
        n = room;
    memcpy(sl->raw + sl->raw_len, raw, n);
    sl->raw_len = (uint16_t)(sl->raw_len + n);
}

static void complete(lo_stream *s, slot *sl)
{
    uint32_t nbits = 0;
    size_t chars = 0;
    for (unsigned i = 0; i < sl->total; i++)
        chars += sl->len[i];
    if (chars > LO_MAX_PAYLOAD_CHARS) {
        drop_slot(s, sl, LO_REJECT_PAYLOAD_TOO_LONG);
        return;
    }
    /* Fill bits are normally declared on the last fragment only; some base
     * stations pad every fragment and say so, and those bits are padding too
     * (as gpsd reads them): the next fragment's bits follow on directly. */
    for (unsigned i = 0; i < sl->total; i++) {
        if (lo_armour_decode(sl->part[i], sl->len[i], s->bits, &nbits)) {
            drop_slot(s, sl, LO_REJECT_BAD_PAYLOAD_CHAR);
            return;
        }
        nbits -= sl->fill[i];
    }
    slot_release(s, sl);
    emit(s, nbits, &sl->meta, sl->raw, sl->raw_len);
}

static void fragment(lo_stream *s, const lo_sentence *st, const lo_tagblock *tb, const char *raw,
                     size_t raw_len)
{
    /* Validate the armour now so that one bad fragment cannot spoil a message. */
    for (unsigned i = 0; i < st->payload_len; i++) {
        if (lo_armour_value[(unsigned char)st->payload[i]] == 0xFF) {
            reject(s, LO_REJECT_BAD_PAYLOAD_CHAR, raw, raw_len, s->stats.lines);
            return;
        }
    }
    slot *match = NULL, *oldest = NULL;
    /* Backwards, so that dropping an expired slot (swap-remove) skips nothing. */
    for (unsigned k = s->nused; k-- > 0;) {
        slot *sl = &s->slots[s->used[k]];
        if (s->sentence_no - sl->born > LO_REASSEMBLY_MAX_AGE) {
            drop_slot(s, sl, expiry_reason(sl));
            continue;
        }
        if (!match && slot_matches(sl, st, tb))
            match = sl;
    }
    for (unsigned k = 0; k < s->nused; k++) {
        slot *sl = &s->slots[s->used[k]];
        if (!oldest || sl->born < oldest->born)
            oldest = sl;
    }
    /* Fragments must arrive in order (1, 2, ...): a fragment that does not
     * continue its slot is an orphan, never glued onto an unrelated message. */
    unsigned bit = 1u << (st->num - 1);
    if (match && (match->have & bit)) {
        const unsigned k = st->num - 1u;
        if (match->total == st->total && match->len[k] == st->payload_len &&
            !memcmp(match->part[k], st->payload, st->payload_len)) {
            reject(s, LO_REJECT_DUPLICATE_PART, raw, raw_len, s->stats.lines);
            return;
        }
    }
    if (st->num == 1) {
        if (match) {
            drop_slot(s, match, LO_REJECT_SEQUENCE_REUSED);
            match = NULL;
        }
    } else {
        bool continues = match && match->total == st->total && match->have == bit - 1u;
        if (!continues) {
            if (match)
                drop_slot(s, match, LO_REJECT_INCOMPLETE);
            reject(s, LO_REJECT_ORPHAN_PART, raw, raw_len, s->stats.lines);
            return;
        }
    }
    slot *sl = match;
    if (!sl) {
        sl = slot_take(s);
        if (!sl) { /* table full: the oldest message in progress gives way */
            drop_slot(s, oldest, LO_REJECT_SLOTS_FULL);
            sl = slot_take(s);
        }
        sl->by_group = tb->has_group;
        sl->group_id = tb->group_id;
        sl->channel = st->channel;
        sl->seq = st->seq;
        sl->total = st->total;
        sl->have = 0;
        sl->born = s->sentence_no;
        memcpy(sl->station, tb->station, sizeof sl->station);
        fill_meta(s, &sl->meta, st, tb);
        sl->raw_len = 0;
    } else {
        /* The first fragment that carries a time or station speaks for the message. */
        if (sl->meta.rx_time_ms == LO_TIME_NONE)
            sl->meta.rx_time_ms = tb->time_ms;
        if (!sl->meta.station[0])
            memcpy(sl->meta.station, tb->station, sizeof sl->meta.station);
        sl->meta.line = s->stats.lines;
    }
    unsigned k = st->num - 1u;
    memcpy(sl->part[k], st->payload, st->payload_len);
    sl->len[k] = st->payload_len;
    sl->have |= (uint16_t)bit;
    sl->fill[k] = st->fill;
    slot_add_raw(sl, raw, raw_len);
    if (sl->have == (1u << sl->total) - 1u)
        complete(s, sl);
}

/* Any byte outside printable ASCII (tab allowed)? Eight bytes at a time. */
static bool has_bad_bytes(const char *line, size_t len)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, line + i, 8);
        /* high bit set, below 0x20, or exactly 0x7F */
        uint64_t low = (w - ones * 0x20) & ~w & highs;
        uint64_t del = ((w ^ (ones * 0x7F)) - ones) & ~(w ^ (ones * 0x7F)) & highs;
        if ((w & highs) | low | del)
            break;
    }
    if (i == len)
        return false;
    if (len - i < 8 && len >= 8) { /* no bad word so far: the tail as one overlapping word */
        uint64_t w;
        memcpy(&w, line + len - 8, 8);
        uint64_t low = (w - ones * 0x20) & ~w & highs;
        uint64_t del = ((w ^ (ones * 0x7F)) - ones) & ~(w ^ (ones * 0x7F)) & highs;
        if (!((w & highs) | low | del))
            return false;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7F)
            return true;
    }
    return false;
}

static bool is_ais_sentence(const char *p, size_t n)
{
    return n >= 6 && p[3] == 'V' && p[4] == 'D' && (p[5] == 'M' || p[5] == 'O') && (n == 6 || p[6] == ',');
}

/* One line; bad: whether it has a byte outside printable ASCII and tab, when
 * the caller's scan for its end already knows (-1: not known). */
static void feed_line(lo_stream *s, const char *line, size_t len, int bad)
{
    s->stats.lines++;
    if (len == 0)
        return;
    if (len > LO_MAX_LINE) {
        reject(s, LO_REJECT_LINE_TOO_LONG, line, len, s->stats.lines);
        return;
    }
    if (bad < 0)
        bad = has_bad_bytes(line, len);
    if (bad) {
        reject(s, LO_REJECT_BAD_BYTES, line, len, s->stats.lines);
        return;
    }
    if (line[0] == '#') { /* comment lines in recorded logs */
        s->stats.other_sentences++;
        return;
    }
    if (line[0] == '!' && !s->have_pending && is_ais_sentence(line, len)) {
        /* Most lines: one AIS sentence and nothing else, no context pending. The
         * loop below would do the same with an empty tag block; anything else
         * (a trailer, a second sentence, an error) goes through it. */
        lo_sentence st;
        lo_reject why;
        size_t used = 0;
        if (lo_sentence_parse(line, len, &st, &why, &used) == 0 && used == len) {
            s->stats.sentences++;
            s->sentence_no++;
            if (st.total == 1)
                single(s, &st, &empty_tb, line, len);
            else
                fragment(s, &st, &empty_tb, line, len);
            return;
        }
    }
    size_t pos = 0;
    int64_t prefix_time = LO_TIME_NONE;
    if (line[0] != '!' && line[0] != '$' && line[0] != '\\') {
        /* A logger's receive time before the sentence: "2021-06-01 12:00:00 !AIVDM,...". */
        size_t k = 1;
        while (k < len && k < 64 && line[k] != '!' && line[k] != '\\')
            k++;
        if (k < len && k < 64 && (line[k] == '\\' || is_ais_sentence(line + k, len - k))) {
            prefix_time = lo_prefix_time_parse(line, k);
            pos = k;
        }
    }
    while (pos < len) {
        lo_tagblock tb = empty_tb;
        bool from_pending = false;
        if (s->have_pending) {
            tb = s->pending;
            s->have_pending = false;
            from_pending = true;
        }
        if (prefix_time != LO_TIME_NONE && tb.time_ms == LO_TIME_NONE)
            tb.time_ms = prefix_time;
        if (line[pos] == '\\') {
            size_t used = 0;
            lo_reject why = LO_REJECT_NONE;
            lo_tagblock fresh = empty_tb;
            if (lo_tagblock_parse(line + pos, len - pos, &fresh, &why, &used)) {
                /* The sentence after a broken tag block is still checked on its own
                 * checksum; only the block's context is lost. */
                reject(s, why, line, len, s->stats.lines);
                if (used == 0)
                    return;
            } else {
                tb = fresh;
                from_pending = false;
            }
            pos += used;
            if (pos == len) { /* tag block alone on its line: context for the next */
                s->pending = tb;
                s->have_pending = true;
                return;
            }
        }
        const char *p = line + pos;
        size_t n = len - pos;
        if ((p[0] != '!' && p[0] != '$') || n < 2) {
            reject(s, LO_REJECT_NOT_NMEA, line, len, s->stats.lines);
            return;
        }
        if (!is_ais_sentence(p, n)) {
            if (n > 5 && !memcmp(p, "$PGHP,", 6)) {
                /* A Gatehouse header gives time and station to what follows, but
                 * only when its own checksum holds. */
                lo_reject why;
                if (lo_nmea_verify(p, n, &why)) {
                    reject(s, why, line, len, s->stats.lines);
                    return;
                }
                lo_tagblock g = empty_tb;
                if (lo_pghp_parse(p, n, &g) == 0) {
                    s->pending = g;
                    s->have_pending = true;
                }
            }
            s->stats.other_sentences++;
            return;
        }
        lo_sentence st;
        lo_reject why = LO_REJECT_NONE;
        size_t used = 0;
        if (lo_sentence_parse(p, n, &st, &why, &used)) {
            reject(s, why, line, len, s->stats.lines);
            return;
        }
        pos += used;
        /* Another sentence (maybe tag-blocked) may follow on the same line;
         * otherwise what follows the checksum is a receiver trailer. */
        size_t next = pos;
        while (next < len && line[next] != '\\' && line[next] != '!')
            next++;
        if (next > pos)
            lo_trailer_parse(line + pos, next - pos, &tb);
        s->stats.sentences++;
        s->sentence_no++;
        /* A header line ($PGHP, lone tag block) precedes a whole multi-sentence
         * message: keep its context for the remaining fragments. */
        if (from_pending && st.total > 1 && st.num < st.total) {
            s->pending = tb;
            s->have_pending = true;
        }
        const char *raw = line + (p - line);
        size_t raw_len = next - (size_t)(p - line);
        if (st.total == 1)
            single(s, &st, &tb, line, len);
        else
            fragment(s, &st, &tb, raw, raw_len);
        pos = next;
    }
}

void lo_stream_feed_line(lo_stream *s, const char *line, size_t len) { feed_line(s, line, len, -1); }

/* The first byte from p on that is below 0x20 or above 0x7E (a line end, a
 * tab or a bad byte), or end: 16 bytes per step with SSE2 (in every x86-64). */
static const char *next_special(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* Signed compare: bytes from 0x80 up are negative, so "below 0x20" takes them too. */
        int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
    }
#endif
    for (; p < end; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F)
            return p;
    return end;
}

/* End of the line starting at p: the first CR or LF, or NULL. One scan finds
 * it and tells whether the bytes before it are all printable (tabs allowed). */
static const char *line_end(const char *p, const char *end, bool *bad)
{
    *bad = false;
    for (const char *q = next_special(p, end); q < end; q = next_special(q + 1, end)) {
        if (*q == '\n' || *q == '\r')
            return q;
        if (*q != '\t')
            *bad = true;
    }
    return NULL;
}

void lo_stream_feed(lo_stream *s, const char *data, size_t len)
{
    s->stats.bytes += len;
    const char *p = data, *end = data + len;
    /* The LF of a CRLF split between two reads ends no new line. */
    if (len == 0)
        return; /* an empty read keeps a pending CR pending */
    if (s->cr_pending && data[0] == '\n')
        p++;
    s->cr_pending = false;
    while (p < end) {
        bool bad;
        const char *q = line_end(p, end, &bad);
        size_t n = (size_t)((q ? q : end) - p);
        if (!q) { /* partial line: keep it for the next call */
            if (s->overlong || s->line_len + n > LO_MAX_LINE) {
                s->overlong = true;
                s->line_len = 0;
            } else {
                memcpy(s->line + s->line_len, p, n);
                s->line_len += n;
            }
            return;
        }
        if (s->overlong) {
            s->overlong = false;
            s->line_len = 0;
            s->stats.lines++;
            reject(s, LO_REJECT_LINE_TOO_LONG, p, n, s->stats.lines);
        } else if (s->line_len) {
            if (s->line_len + n > LO_MAX_LINE) {
                s->line_len = 0;
                s->stats.lines++;
                reject(s, LO_REJECT_LINE_TOO_LONG, p, n, s->stats.lines);
            } else {
                memcpy(s->line + s->line_len, p, n);
                n += s->line_len;
                s->line_len = 0;
                lo_stream_feed_line(s, s->line, n);
            }
        } else if (n > 0 || *q == '\n') {
            feed_line(s, p, n, bad);
        }
        /* CRLF is one terminator; a lone CR or LF is one too. */
        if (*q == '\r' && q + 1 < end && q[1] == '\n')
            q++;
        else if (*q == '\r' && q + 1 == end)
            s->cr_pending = true;
        p = q + 1;
    }
}

void lo_stream_finish(lo_stream *s)
{
    if (s->overlong) {
        s->stats.lines++;
        reject(s, LO_REJECT_LINE_TOO_LONG, "", 0, s->stats.lines);
    } else if (s->line_len) {
        size_t n = s->line_len;
        s->line_len = 0;
        lo_stream_feed_line(s, s->line, n);
    }
    s->overlong = false;
    while (s->nused)
        drop_slot(s, &s->slots[s->used[s->nused - 1]], expiry_reason(&s->slots[s->used[s->nused - 1]]));
}
