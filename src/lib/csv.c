/* csv.c - messages as CSV rows with user-chosen columns (RFC 4180 quoting).
 * Columns are gpsd field names looked up in each message's layout, plus the
 * receive context (rx_time, station, channel, source, line). */
#include <stdlib.h>

#include "format.h"
#include "lookout/output.h"

#define MAX_COLUMNS 64
#define DEFAULT_COLUMNS                                                                         \
    "rx_time,station,channel,type,repeat,mmsi,status,speed,lon,lat,course,heading,second,imo,callsign," \
    "shipname,shiptype,to_bow,to_stern,to_port,to_starboard,draught,destination,eta"

struct lo_csv {
    bool scaled;
    unsigned n;
    char *names[MAX_COLUMNS];
    char *storage;
};

lo_csv *lo_csv_create(const char *columns, bool scaled)
{
    if (!columns)
        columns = DEFAULT_COLUMNS;
    lo_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->scaled = scaled;
    c->storage = strdup(columns);
    if (!c->storage) {
        free(c);
        return NULL;
    }
    char *p = c->storage;
    while (*p && c->n < MAX_COLUMNS) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            c->names[c->n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (c->n == 0) {
        lo_csv_destroy(c);
        return NULL;
    }
    return c;
}

void lo_csv_destroy(lo_csv *c)
{
    if (!c)
        return;
    free(c->storage);
    free(c);
}

int lo_csv_header(const lo_csv *c, char *buf, size_t cap)
{
    strbuf b = {.p = buf, .cap = cap};
    for (unsigned i = 0; i < c->n; i++) {
        if (i)
            sb_putc(&b, ',');
        lo_fmt_text(&b, c->names[i], strlen(c->names[i]), FMT_CSV);
    }
    return b.overflow ? LO_E_NOSPACE : (int)b.len;
}

/* Field description for a value index (top-level fields only). */
static const lo_field *field_at(const lo_message *m, const char *name)
{
    const lo_layout *parts[2] = {m->layout, m->app};
    for (int p = 0; p < 2 && parts[p]; p++)
        for (unsigned i = 0; i < parts[p]->nfields; i++)
            if (parts[p]->fields[i].name && !strcmp(parts[p]->fields[i].name, name))
                return &parts[p]->fields[i];
    return NULL;
}

static void context_column(strbuf *b, const lo_message *m, const char *name)
{
    if (!strcmp(name, "rx_time")) {
        if (m->meta.rx_time_ms != LO_TIME_NONE) {
            char t[32];
            lo_format_time(m->meta.rx_time_ms, t);
            sb_puts(b, t);
        }
    } else if (!strcmp(name, "station")) {
        lo_fmt_text(b, m->meta.station, strlen(m->meta.station), FMT_CSV);
    } else if (!strcmp(name, "channel")) {
        if (m->meta.channel)
            sb_putc(b, m->meta.channel);
    } else if (!strcmp(name, "source")) {
        if (m->meta.source)
            lo_fmt_text(b, m->meta.source, strlen(m->meta.source), FMT_CSV);
    } else if (!strcmp(name, "line")) {
        sb_u64(b, m->meta.line);
    }
}

int lo_csv_write(const lo_csv *c, const lo_message *m, char *buf, size_t cap)
{
    strbuf b = {.p = buf, .cap = cap};
    for (unsigned i = 0; i < c->n; i++) {
        if (i)
            sb_putc(&b, ',');
        const char *name = c->names[i];
        int vi = lo_message_find(m, name);
        const lo_field *f = vi >= 0 ? field_at(m, name) : NULL;
        if (f)
            lo_fmt_value(&b, m, f, m->v[vi], c->scaled, FMT_CSV);
        else
            context_column(&b, m, name);
    }
    return b.overflow ? LO_E_NOSPACE : (int)b.len;
}
