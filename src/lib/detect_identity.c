/* detect_identity.c - identity fraud: MMSIs no station may use, IMO numbers
 * that fail their check digit, a vessel changing what it says it is, and one
 * IMO number sent by several MMSIs.
 *
 * Everything here runs on the tracker's identity and static-data callbacks or
 * once per vessel, never per position beyond one flag test. Real feeds are
 * full of benign changes (a typo corrected, class B units toggling between two
 * names, a ship type refined from 80 to 84), so a change back to a value the
 * vessel sent just before is not raised again, a name that differs only in
 * punctuation or spacing is no change, and small edits are LOW.
 * docs/detect.md, "Identity". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"

/* ---- helpers --------------------------------------------------------------------------- */

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h ? h : 1;
}

static uint32_t parse_u32(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if ((v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
            return 0;
    return (uint32_t)v;
}

/* Edit distance of two short strings (names: at most 34 characters). */
static unsigned edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return 99;
    unsigned row[64];
    for (size_t j = 0; j <= m; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

static lo_severity sev_max(lo_severity a, lo_severity b) { return a > b ? a : b; }

/* The position to place an event at: the vessel's latest, or none. */
static void where(const lo_vessel *v, int32_t *lat, int32_t *lon)
{
    *lat = v && v->has_position ? v->last.lat_udeg : LO_UDEG_NONE;
    *lon = v && v->has_position ? v->last.lon_udeg : LO_UDEG_NONE;
}

/* ---- MMSI -------------------------------------------------------------------------------- */

/* Kinds that carry a MID (the three SAR devices do not). */
static bool kind_has_mid(lo_station_kind k)
{
    return k == LO_STATION_VESSEL || k == LO_STATION_GROUP || k == LO_STATION_BASE || k == LO_STATION_SAR ||
           k == LO_STATION_ATON || k == LO_STATION_AUXILIARY || k == LO_STATION_DIVER;
}

static bool vessel_msg(uint8_t type)
{
    return type == 1 || type == 2 || type == 3 || type == 18 || type == 19 || type == 27 || type == 5 ||
           type == 24;
}

static void check_mmsi(lo_detector *d, dvessel *dv, const lo_vessel *v, uint8_t type, int64_t t)
{
    uint32_t mmsi = v->mmsi;
    if (!mmsi) {
        /* MMSI 0 has no vessel record of its own (the core's table keys on
         * it): one report for the whole input. */
        if (d->ident.zero_reported)
            return;
        d->ident.zero_reported = 1;
    }
    dv->ident.mmsi_checked = 1;
    lo_station_kind k = lo_station_kind_of(mmsi);
    unsigned mid = lo_mmsi_mid(mmsi);
    const char *reason;
    if (k == LO_STATION_INVALID)
        reason = mmsi < 100000000u || mmsi > 999999999u ? "not nine digits" : "no station uses this pattern";
    else if (kind_has_mid(k) && !lo_mid_iso2(mid))
        reason = "MID not allocated";
    else if (k == LO_STATION_VESSEL && mmsi % 1000000u == 0)
        reason = "MID and six zeros: a default number"; /* 413000000: shared by many Chinese craft */
    else
        return;
    dv->ident.mmsi_bad = 1;
    /* A class A transponder (type 5 or 1-3) is a SOLAS ship's: a bad MMSI there
     * matters more than on a class B set or a net buoy. */
    bool class_a = type <= 5 || (v->types_seen & ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 5)));
    int32_t lat, lon;
    where(v, &lat, &lon);
    lo_event *e = det_event_begin(d, LO_EV_MMSI_INVALID, class_a ? LO_SEV_MEDIUM : LO_SEV_LOW, t, t, lat, lon);
    det_event_vessel(e, dv);
    if (v->has_position) {
        det_point p = det_point_of(&v->last);
        det_event_evidence(e, mmsi, &p, "first position");
    }
    det_param_str(e, "reason", reason);
    det_param_str(e, "kind", lo_station_kind_name(k));
    if (mid)
        det_param_int(e, "mid", mid);
    det_param_int(e, "msg_type", type);
    det_param_bool(e, "class_a", class_a);
    det_event_summary(e, "MMSI %09u (%s): %s", mmsi, v->id.name[0] ? v->id.name : "no name", reason);
    det_event_emit(d, e, LO_EVENT_CLOSED, 0);
}

/* ---- IMO numbers: check digit and sharing -------------------------------------------- */

/* Numbers that pass the check digit but are what an installer types when he
 * has none (seen on real feeds). */
static bool imo_placeholder(uint32_t imo) { return imo == 1234567; }

static void check_imo(lo_detector *d, dvessel *dv, const lo_vessel *v, uint32_t imo, int64_t t)
{
    if (!imo || (det_imo_valid(imo) && !imo_placeholder(imo)) || imo == dv->ident.bad_imo)
        return;
    dv->ident.bad_imo = imo;
    bool seven = imo >= 1000000 && imo <= 9999999;
    bool is_mmsi = imo == v->mmsi;
    /* A seven-digit number with a wrong check digit looks like an IMO number
     * made up or mistyped; anything else is a set never configured. */
    bool placeholder = imo_placeholder(imo);
    /* MEDIUM only where an IMO number is due and looks real: a cargo ship or
     * tanker sending seven digits that fail. Elsewhere the field holds other
     * numbers (US documentation numbers, Dutch ENI numbers without their
     * leading 0, the MMSI) on real feeds. */
    lo_shipclass cls = lo_shipclass_of(v->id.ship_type);
    bool merchant = cls == LO_SHIPCLASS_CARGO || cls == LO_SHIPCLASS_TANKER;
    lo_severity sev = seven && !is_mmsi && !placeholder && merchant ? LO_SEV_MEDIUM : LO_SEV_LOW;
    const char *reason = placeholder ? "placeholder number" : !seven ? "not seven digits" : "check digit fails";
    int32_t lat, lon;
    where(v, &lat, &lon);
    lo_event *e = det_event_begin(d, LO_EV_IMO_INVALID, sev, t, t, lat, lon);
    det_event_vessel(e, dv);
    det_param_int(e, "imo", imo);
    det_param_str(e, "reason", reason);
    if (is_mmsi)
        det_param_str(e, "note", "the MMSI sent as IMO");
    det_event_summary(e, "%s (MMSI %09u) sends IMO %u: %s", v->id.name[0] ? v->id.name : "no name", v->mmsi, imo,
                      reason);
    det_event_emit(d, e, LO_EVENT_CLOSED, imo);
}

#define IMO_TAB_MIN 1024u
#define IMO_TAB_MAX (1u << 22)

static uint32_t imo_slot(const det_identity_global *g, uint32_t imo)
{
    uint32_t h = imo * 0x9e3779b1u;
    uint32_t i = (h ^ (h >> 15)) & (g->cap - 1);
    while (g->imo[i].imo && g->imo[i].imo != imo)
        i = (i + 1) & (g->cap - 1);
    return i;
}

/* Rebuild at new_cap, keeping entries heard at or after keep_after. */
static int imo_rehash(det_identity_global *g, uint32_t new_cap, int64_t keep_after)
{
    det_identity_imo *old = g->imo;
    uint32_t old_cap = g->cap;
    det_identity_imo *t = calloc(new_cap, sizeof *t);
    if (!t)
        return LO_E_NOMEM;
    g->imo = t;
    g->cap = new_cap;
    g->count = 0;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].imo && old[i].t >= keep_after) {
            g->imo[imo_slot(g, old[i].imo)] = old[i];
            g->count++;
        }
    free(old);
    return 0;
}

/* The table entry of imo, created when missing (NULL when out of room). */
static det_identity_imo *imo_get(lo_detector *d, uint32_t imo, int64_t now)
{
    det_identity_global *g = &d->ident;
    if ((g->count + 1) * 2 > g->cap) {
        if (g->cap < IMO_TAB_MAX) {
            if (imo_rehash(g, g->cap * 2, INT64_MIN) < 0)
                return NULL;
        } else {
            /* Full at its cap: forget IMOs not heard within the window. */
            g->purges++;
            int64_t keep = now - (int64_t)(d->cfg.imo_shared_window_h * 3600000.0);
            if (imo_rehash(g, g->cap, keep) < 0 || (g->count + 1) * 2 > g->cap)
                return NULL;
        }
    }
    uint32_t i = imo_slot(g, imo);
    if (!g->imo[i].imo) {
        g->imo[i].imo = imo;
        g->count++;
    }
    return &g->imo[i];
}

static void check_shared(lo_detector *d, dvessel *dv, const lo_vessel *v, uint32_t imo, int64_t t)
{
    if (!imo || !det_imo_valid(imo) || imo_placeholder(imo))
        return; /* junk numbers (1234567, 0000000) are shared by many: IMO_INVALID covers them */
    det_identity_imo *x = imo_get(d, imo, t);
    if (!x)
        return;
    uint32_t other = x->mmsi;
    int64_t t_other = x->t;
    x->mmsi = v->mmsi;
    x->t = t;
    if (!other || other == v->mmsi)
        return;
    dvessel *dvo = det_vessel_find(d, other);
    if (dvo && dvo->who.imo == imo && dvo->has_prev && dvo->prev.t > t_other)
        t_other = dvo->prev.t; /* still sending it: heard then */
    double window_ms = d->cfg.imo_shared_window_h * 3600000.0;
    if ((double)(t - t_other) > window_ms)
        return;
    if (dv->ident.shared_imo == imo && dv->ident.shared_with == other)
        return;
    dv->ident.shared_imo = imo;
    dv->ident.shared_with = other;
    /* Both on the air within the hour, far apart: one hull cannot be both. A
     * handover (the other silent for hours first) is a re-flag or new MMSI. */
    double silent_h = (double)(t - t_other) / 3600000.0;
    bool both = silent_h < 1.0;
    double km = -1;
    if (dvo && dvo->has_prev && v->has_position)
        km = det_dist_m(dvo->prev.lat, dvo->prev.lon, v->last.lat_udeg, v->last.lon_udeg) / 1000.0;
    lo_severity sev = both && km > 50 ? LO_SEV_HIGH : both ? LO_SEV_MEDIUM : LO_SEV_LOW;
    int32_t lat, lon;
    where(v, &lat, &lon);
    lo_event *e = det_event_begin(d, LO_EV_IMO_SHARED, sev, t, t, lat, lon);
    det_event_vessel(e, dv);
    if (dvo) {
        det_event_vessel(e, dvo);
    } else if (e->nvessels < LO_EVENT_MAX_VESSELS) {
        lo_event_vessel *o = &e->vessels[e->nvessels++];
        memset(o, 0, sizeof *o);
        o->mmsi = other;
        o->imo = imo;
        o->kind = lo_station_kind_of(other);
        o->flag = lo_mid_iso2(lo_mmsi_mid(other));
        o->watch = -1;
        e->vessels_total++;
    }
    if (v->has_position) {
        det_point p = det_point_of(&v->last);
        det_event_evidence(e, v->mmsi, &p, "sender now");
    }
    if (dvo && dvo->has_prev)
        det_event_evidence(e, other, &dvo->prev, "other sender");
    det_param_int(e, "imo", imo);
    det_param_int(e, "other_mmsi", other);
    det_param_num(e, "other_silent_h", silent_h, 2);
    if (km >= 0)
        det_param_num(e, "distance_km", km, 1);
    det_param_num(e, "window_h", d->cfg.imo_shared_window_h, 1);
    det_param_str(e, "kind", both ? "both on air" : "handover");
    det_event_summary(e, "IMO %u sent by MMSI %09u and by %09u %.1f h before%s", imo, v->mmsi, other, silent_h,
                      both ? " (both on air)" : " (handover: re-flag?)");
    det_event_emit(d, e, LO_EVENT_CLOSED, other);
}

/* ---- identity changes --------------------------------------------------------------------- */

static int field_index(lo_identity_field f)
{
    switch (f) {
    case LO_ID_NAME: return 0;
    case LO_ID_CALLSIGN: return 1;
    case LO_ID_IMO: return 2;
    case LO_ID_SHIP_TYPE: return 3;
    default: return -1;
    }
}

static const char *field_key(lo_identity_field f)
{
    switch (f) {
    case LO_ID_NAME: return "name";
    case LO_ID_CALLSIGN: return "callsign";
    case LO_ID_IMO: return "imo";
    case LO_ID_SHIP_TYPE: return "ship_type";
    default: return "dimensions";
    }
}

/* The value as compared: names normalised (punctuation and spacing are no
 * change), others as sent. */
static uint32_t value_hash(lo_identity_field f, const char *s)
{
    if (f == LO_ID_NAME) {
        /* Normalised and without spaces: "MINGYANGZHOU 9" is "MING YANG ZHOU 9". */
        char norm[64], tight[64];
        lo_ship_name_norm(s, norm, sizeof norm);
        size_t k = 0;
        for (const char *p = norm; *p; p++)
            if (*p != ' ')
                tight[k++] = *p;
        tight[k] = '\0';
        return fnv(tight);
    }
    return fnv(s);
}

/* What changed, as the alert reports it (each field with its old and new
 * value): the salt of an identity_change's id. Two different changes of one
 * vessel in one second (two transmitters on one MMSI sending different static
 * data) are two events; the same change reported twice is one. */
static uint64_t change_salt(const det_identity_pending *pc)
{
    uint64_t h = 14695981039346656037ULL;
    for (uint32_t i = 0; i < pc->nfields; i++) {
        const char *v[2] = {pc->old_value[i], pc->new_value[i]};
        h = (h ^ pc->field[i]) * 1099511628211ULL;
        for (int k = 0; k < 2; k++) {
            for (const unsigned char *p = (const unsigned char *)v[k]; *p; p++)
                h = (h ^ *p) * 1099511628211ULL;
            h = (h ^ 0xffu) * 1099511628211ULL; /* ends the value: "AB","C" is not "A","BC" */
        }
    }
    return h;
}

static void flush_change(lo_detector *d)
{
    det_identity_pending *pc = &d->ident.pending;
    if (!pc->mmsi)
        return;
    uint32_t mmsi = pc->mmsi;
    pc->mmsi = 0;
    dvessel *dv = det_vessel_find(d, mmsi);
    if (!dv || !pc->nfields)
        return;
    lo_event *e = det_event_begin(d, LO_EV_IDENTITY_CHANGE, (lo_severity)pc->sev, pc->t, pc->t,
                                  dv->has_prev ? dv->prev.lat : LO_UDEG_NONE,
                                  dv->has_prev ? dv->prev.lon : LO_UDEG_NONE);
    det_event_vessel(e, dv);
    if (dv->has_prev)
        det_event_evidence(e, mmsi, &dv->prev, "last position");
    char fields[64] = "", text[180] = "";
    size_t fl = 0, tl = 0;
    for (uint32_t i = 0; i < pc->nfields; i++) {
        const char *k = field_key((lo_identity_field)pc->field[i]);
        char key[32];
        snprintf(key, sizeof key, "%s_old", k);
        det_param_str(e, key, pc->old_value[i]);
        snprintf(key, sizeof key, "%s_new", k);
        det_param_str(e, key, pc->new_value[i]);
        if (pc->why[i][0]) {
            snprintf(key, sizeof key, "%s_note", k);
            det_param_str(e, key, pc->why[i]);
        }
        fl += (size_t)snprintf(fields + fl, fl < sizeof fields ? sizeof fields - fl : 0, "%s%s", i ? "," : "", k);
        if (fl >= sizeof fields)
            fl = sizeof fields - 1;
        tl += (size_t)snprintf(text + tl, tl < sizeof text ? sizeof text - tl : 0, "%s%s '%s' -> '%s'",
                               i ? ", " : "", k, pc->old_value[i], pc->new_value[i]);
        if (tl >= sizeof text)
            tl = sizeof text - 1;
    }
    det_param_str(e, "fields", fields);
    det_param_int(e, "changes_before", dv->ident.changes);
    det_event_summary(e, "MMSI %09u changed %s", mmsi, text);
    dv->ident.changes++;
    det_event_emit(d, e, LO_EVENT_CLOSED, change_salt(pc));
}

/* Is this change worth raising, and how high? Returns 0 when not. */
static lo_severity classify(const lo_identity_change *c, char *why, size_t cap)
{
    why[0] = '\0';
    switch (c->field) {
    case LO_ID_NAME: {
        char a[64], b[64];
        lo_ship_name_norm(c->old_value, a, sizeof a);
        lo_ship_name_norm(c->new_value, b, sizeof b);
        size_t digits = strspn(a, "0123456789");
        if (strlen(a) < 3 || digits == strlen(a)) {
            snprintf(why, cap, "placeholder name replaced");
            return LO_SEV_LOW;
        }
        unsigned ed = edit_distance(a, b);
        if (ed <= 2 && strlen(a) >= 4 && strlen(b) >= 4) {
            snprintf(why, cap, "small edit (%u): a correction?", ed);
            return LO_SEV_LOW;
        }
        return LO_SEV_MEDIUM;
    }
    case LO_ID_CALLSIGN:
        return LO_SEV_LOW;
    case LO_ID_IMO: {
        bool was = det_imo_valid(parse_u32(c->old_value)), is = det_imo_valid(parse_u32(c->new_value));
        if (was && is)
            return LO_SEV_HIGH;
        snprintf(why, cap, "%s", was ? "valid IMO made invalid" : "invalid IMO corrected");
        return LO_SEV_LOW;
    }
    case LO_ID_SHIP_TYPE: {
        lo_shipclass a = lo_shipclass_of((uint8_t)parse_u32(c->old_value));
        lo_shipclass b = lo_shipclass_of((uint8_t)parse_u32(c->new_value));
        if (a == b)
            return 0; /* 80 -> 84: the same class refined */
        snprintf(why, cap, "%s -> %s", lo_shipclass_key(a), lo_shipclass_key(b));
        return LO_SEV_LOW;
    }
    default:
        return 0;
    }
}

/* Stations whose identity is a ship's: base stations, aids to navigation and
 * handhelds send names too (type 21 names with garbage extensions), but
 * their changes say nothing about a ship. */
static bool ship_kind(uint32_t mmsi)
{
    lo_station_kind k = lo_station_kind_of(mmsi);
    return mmsi && (k == LO_STATION_VESSEL || k == LO_STATION_AUXILIARY || k == LO_STATION_INVALID);
}

static void on_change(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    det_identity_pending *pc = &d->ident.pending;
    if (pc->mmsi && (pc->mmsi != c->mmsi || pc->t != c->time_ms))
        flush_change(d);
    if (!ship_kind(c->mmsi))
        return;
    int f = field_index(c->field);
    if (f < 0)
        return;
    if (c->field == LO_ID_IMO) {
        uint32_t imo = parse_u32(c->new_value), old = parse_u32(c->old_value);
        if (old && det_imo_valid(old)) {
            /* It stops sending the old number now: the table keeps when. */
            det_identity_global *g = &d->ident;
            if (g->cap) {
                uint32_t i = imo_slot(g, old);
                if (g->imo[i].imo == old && g->imo[i].mmsi == v->mmsi)
                    g->imo[i].t = c->time_ms;
            }
        }
        check_imo(d, dv, v, imo, c->time_ms);
        check_shared(d, dv, v, imo, c->time_ms);
    }
    uint32_t *r = dv->ident.recent[f];
    uint32_t h = value_hash(c->field, c->new_value);
    if (!r[0] && c->old_value[0])
        r[0] = value_hash(c->field, c->old_value); /* the detector started after the first value */
    if (!c->old_value[0] || !r[0]) {
        r[0] = h; /* the first value: no change */
        return;
    }
    bool known = false;
    for (int i = 0; i < DET_ID_RECENT; i++)
        known |= r[i] == h;
    bool same = r[0] == h;
    if (!same) {
        int i = 0;
        while (i < DET_ID_RECENT - 1 && r[i] != h)
            i++;
        for (; i > 0; i--)
            r[i] = r[i - 1];
        r[0] = h;
    }
    if (known) {
        if (!same)
            dv->ident.flips++;
        d->ident.suppressed++;
        return; /* no change after normalising, or back to the value before */
    }
    char why[32];
    lo_severity sev = classify(c, why, sizeof why);
    /* An MMSI no station may use (123456789, 413000000) is shared by many
     * sets: its "changes" are other ships. The first is raised, LOW. */
    unsigned cap = DET_ID_MAX_CHANGES;
    if (dv->ident.mmsi_bad) {
        cap = 1;
        sev = sev ? LO_SEV_LOW : sev;
        snprintf(why, sizeof why, "invalid MMSI: shared?");
    }
    if (!sev || dv->ident.changes >= cap) {
        d->ident.suppressed++;
        return;
    }
    if (!pc->mmsi) {
        pc->mmsi = c->mmsi;
        pc->t = c->time_ms;
        pc->nfields = 0;
        pc->sev = 0;
    }
    if (pc->nfields < DET_ID_FIELDS) {
        uint32_t k = pc->nfields++;
        pc->field[k] = (uint8_t)c->field;
        snprintf(pc->old_value[k], sizeof pc->old_value[k], "%s", c->old_value);
        snprintf(pc->new_value[k], sizeof pc->new_value[k], "%s", c->new_value);
        snprintf(pc->why[k], sizeof pc->why[k], "%s", why);
        pc->sev = (uint8_t)sev_max((lo_severity)pc->sev, sev);
    }
}

/* ---- hooks ------------------------------------------------------------------------------ */

int det_identity_init(lo_detector *d)
{
    memset(&d->ident, 0, sizeof d->ident);
    d->ident.cap = IMO_TAB_MIN;
    d->ident.imo = calloc(d->ident.cap, sizeof *d->ident.imo);
    return d->ident.imo ? 0 : LO_E_NOMEM;
}

void det_identity_free(lo_detector *d)
{
    free(d->ident.imo);
    d->ident.imo = NULL;
}

void det_identity_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    if (d->ident.pending.mmsi)
        flush_change(d);
    /* The MMSI is checked when the vessel is first heard (the static hook);
     * a station first heard by other messages (a base station's type 4) is
     * checked at its first few positions. v is the tracker's record, hot in
     * the cache: most positions never touch dv->ident. */
    if (v->reports <= 4 && !dv->ident.mmsi_checked && vessel_msg(p->type))
        check_mmsi(d, dv, v, p->type, p->time_ms);
}

void det_identity_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    on_change(d, dv, v, c);
}

void det_identity_static(lo_detector *d, dvessel *dv, const lo_vessel *v)
{
    if (d->ident.pending.mmsi)
        flush_change(d);
    static const uint8_t order[] = {1, 2, 3, 18, 19, 27, 5, 24};
    if (!dv->ident.mmsi_checked)
        for (size_t i = 0; i < sizeof order; i++)
            if (v->types_seen & (1u << order[i])) {
                check_mmsi(d, dv, v, order[i], v->last_seen_ms);
                break;
            }
}

void det_identity_evict(lo_detector *d, dvessel *dv)
{
    (void)dv;
    if (d->ident.pending.mmsi)
        flush_change(d);
}

void det_identity_advance(lo_detector *d, int64_t now)
{
    (void)now;
    if (d->ident.pending.mmsi)
        flush_change(d);
}

void det_identity_finish(lo_detector *d)
{
    if (d->ident.pending.mmsi)
        flush_change(d);
}
