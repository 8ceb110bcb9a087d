/* render.c - decoded-message invariants and output checks shared by fuzz_decode and
 * fuzz_stream. Output buffers are heap blocks of exactly the capacity passed, so
 * AddressSanitizer sees any byte written past it. */
#include "render.h"

#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "lookout/output.h"

/* output.h: "16 KiB always suffices". */
#define JSON_CAP 16384

uint64_t fuzz_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* As FUZZ_CHECK, naming the layout, field and value. */
#define FIELD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "layout %s field %s (kind %u, %u bits) value %lld:\n", L->name,        \
                    f->name ? f->name : "(spare)", (unsigned)f->kind, (unsigned)f->bits, (long long)v); \
            FUZZ_CHECK(cond);                                                                      \
        }                                                                                          \
    } while (0)

/* Walk the values of layout L from slot vi as the decoder stored them; returns the
 * slot after them. */
static unsigned check_values(const lo_message *m, const lo_layout *L, unsigned vi, uint32_t nbits)
{
    for (unsigned fi = 0; fi < L->nfields; fi++) {
        const lo_field *f = &L->fields[fi];
        FUZZ_CHECK(vi < m->nvalues);
        int64_t v = m->v[vi++];
        if (f->kind == LO_K_ARRAY) {
            FIELD_CHECK(v >= 0 && v <= f->bits);
            for (int64_t i = 0; i < v; i++)
                vi = check_values(m, f->element, vi, nbits);
            continue;
        }
        if (v == LO_ABSENT)
            continue;
        switch ((lo_kind)f->kind) {
        case LO_K_TEXT:
        case LO_K_TEXT_REST:
        case LO_K_TEXT_TAIL: {
            FIELD_CHECK(v >= 0);
            uint64_t off = (uint64_t)v >> 16, len = (uint64_t)v & 0xFFFF;
            FIELD_CHECK(off + len < m->ntext);
            /* After the trimmed length only the trimmed blanks, then NUL. */
            uint64_t end = off + len;
            while (end < m->ntext && m->text[end] == ' ')
                end++;
            FIELD_CHECK(end < m->ntext && m->text[end] == '\0');
            FIELD_CHECK(memchr(m->text + off, '\0', len) == NULL);
            break;
        }
        case LO_K_DATA: {
            FIELD_CHECK(v >= 0);
            uint64_t pos = (uint64_t)v >> 16, len = (uint64_t)v & 0xFFFF;
            FIELD_CHECK(pos + len <= nbits);
            break;
        }
        case LO_K_BOOL:
            FIELD_CHECK(v == 0 || v == 1);
            break;
        case LO_K_UINT:
            FIELD_CHECK(f->bits <= 63 && v >= 0 && v < ((int64_t)1 << f->bits));
            break;
        case LO_K_INT:
            FIELD_CHECK(f->bits <= 63 && v >= -((int64_t)1 << (f->bits ? f->bits - 1 : 0)) &&
                        v < ((int64_t)1 << (f->bits ? f->bits - 1 : 0)));
            break;
        case LO_K_SPARE: /* never output; may be wider than 64 bits (8/1/19 has 102) */
        default:
            break;
        }
    }
    return vi;
}

static void check_message(const lo_message *m, uint32_t nbits)
{
    FUZZ_CHECK(m->nbits == nbits);
    FUZZ_CHECK(m->type >= 1 && m->type <= 27);
    FUZZ_CHECK(m->layout != NULL);
    FUZZ_CHECK(nbits >= m->layout->min_bits && nbits <= m->layout->max_bits);
    FUZZ_CHECK(m->nvalues <= LO_MAX_VALUES);
    FUZZ_CHECK(m->ntext <= LO_MAX_TEXT);
    FUZZ_CHECK((m->app != NULL) == (m->type == 6 || m->type == 8));
    unsigned vi = check_values(m, m->layout, 0, nbits);
    if (m->app)
        vi = check_values(m, m->app, vi, nbits);
    FUZZ_CHECK(vi == m->nvalues);
    FUZZ_CHECK(m->v[0] == m->type && m->v[2] == (int64_t)m->mmsi);
    /* Every top-level name is found where the value walk put it. */
    const lo_layout *parts[2] = {m->layout, m->app};
    for (int p = 0; p < 2 && parts[p]; p++)
        for (unsigned i = 0; i < parts[p]->nfields; i++)
            if (parts[p]->fields[i].name) {
                int k = lo_message_find(m, parts[p]->fields[i].name);
                FUZZ_CHECK(k >= 0 && k < m->nvalues);
                (void)lo_message_int(m, parts[p]->fields[i].name, -1);
            }
    FUZZ_CHECK(lo_message_find(m, "no_such_field") == -1);
}

/* The JSON must be one object, without duplicate keys, naming the message. */
static void check_json(const lo_message *m, const char *buf, int n)
{
    json_error_t err;
    json_t *root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        fprintf(stderr, "invalid JSON (%s at %d): %.*s\n", err.text, err.position, n, buf);
        abort();
    }
    FUZZ_CHECK(json_is_object(root));
    FUZZ_CHECK(json_integer_value(json_object_get(root, "type")) == m->type);
    FUZZ_CHECK(json_integer_value(json_object_get(root, "mmsi")) == (json_int_t)m->mmsi);
    json_decref(root);
}

static void render_json(const lo_message *m, const lo_json_opts *o, uint64_t *digest)
{
    char *buf = malloc(JSON_CAP);
    FUZZ_CHECK(buf);
    int n = lo_json_write(m, o, buf, JSON_CAP);
    FUZZ_CHECK(n > 0 && n < JSON_CAP);
    check_json(m, buf, n);
    *digest = fuzz_fnv(*digest, buf, (size_t)n);
    /* Exactly enough room gives the same text; one byte less is refused whole. */
    char *exact = malloc((size_t)n);
    FUZZ_CHECK(exact);
    FUZZ_CHECK(lo_json_write(m, o, exact, (size_t)n) == n);
    FUZZ_CHECK(memcmp(exact, buf, (size_t)n) == 0);
    FUZZ_CHECK(lo_json_write(m, o, exact, (size_t)n - 1) == LO_E_NOSPACE);
    free(exact);
    free(buf);
}

static void render_csv(const lo_message *m, const char *columns, bool scaled, uint64_t *digest)
{
    lo_csv *c = lo_csv_create(columns, scaled);
    FUZZ_CHECK(c);
    char *buf = malloc(JSON_CAP);
    FUZZ_CHECK(buf);
    int h = lo_csv_header(c, buf, JSON_CAP);
    FUZZ_CHECK(h > 0 && h < JSON_CAP);
    int n = lo_csv_write(c, m, buf, JSON_CAP);
    FUZZ_CHECK(n >= 0 && n < JSON_CAP);
    FUZZ_CHECK(memchr(buf, '\0', (size_t)n) == NULL);
    *digest = fuzz_fnv(*digest, buf, (size_t)n);
    if (n > 0) {
        char *exact = malloc((size_t)n);
        FUZZ_CHECK(exact);
        FUZZ_CHECK(lo_csv_write(c, m, exact, (size_t)n) == n);
        FUZZ_CHECK(memcmp(exact, buf, (size_t)n) == 0);
        FUZZ_CHECK(lo_csv_write(c, m, exact, (size_t)n - 1) == LO_E_NOSPACE);
        free(exact);
    }
    free(buf);
    lo_csv_destroy(c);
}

/* Columns of every value kind and context, plus one no message has. */
static const char all_columns[] =
    "type,repeat,mmsi,status,turn,speed,lon,lat,course,heading,timestamp,eta,draught,shipname,"
    "callsign,destination,name,text,data,dac,fid,part,shiptype,epfd,aid_type,app_id,dest_mmsi,"
    "radio,ne_lon,sw_lat,crew,vendorid,mothership_mmsi,rx_time,station,channel,source,line,"
    "no_such_field";

void fuzz_render(const lo_message *m, uint32_t nbits, bool full, bool scaled, uint64_t *digest)
{
    check_message(m, nbits);
    if (!full) {
        lo_json_opts o = {.scaled = scaled};
        render_json(m, &o, digest);
        render_csv(m, NULL, scaled, digest);
        return;
    }
    lo_json_opts raw = {0}, sc = {.scaled = true}, bare = {.no_extras = true, .device = "fuzz\"\\\x01"};
    render_json(m, &raw, digest);
    render_json(m, &sc, digest);
    render_json(m, &bare, digest);
    render_csv(m, NULL, false, digest);
    render_csv(m, all_columns, true, digest);
}
