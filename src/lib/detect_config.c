/* detect_config.c - the detectors' parameters: the defaults (each from the
 * published method docs/detect.md cites) and the "key = value" file that
 * changes them (data/detect.conf lists every key with its default). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/detect.h"
#include "util.h"

void lo_detect_config_default(lo_detect_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < LO_EV_COUNT; i++)
        c->enable[i] = true;
    c->gap_min_h = 6;
    c->disabling_min_h = 12;
    c->disabling_shore_nm = 50;
    c->disabling_min_reports = 14;
    c->disabling_before_h = 12;
    c->encounter_max_m = 500;
    c->encounter_min_h = 2;
    c->encounter_max_median_kn = 2;
    c->encounter_port_km = 10;
    c->rendezvous_max_m = 250;
    c->rendezvous_min_h = 0.5;
    c->pair_max_age_min = 20;
    c->encounter_break_h = 1;
    c->loiter_max_kn = 2;
    c->loiter_min_h = 4;
    c->loiter_shore_nm = 20;
    c->imo_shared_window_h = 24;
    c->mmsi_shared_min_km = 20;
    c->mmsi_shared_min_alternations = 4;
    c->mmsi_shared_window_h = 6;
    c->handover_window_h = 6;
    c->handover_min_nm = 3;
    c->handover_max_kn = 25;
    c->handover_min_reports = 10;
    c->handover_new_min_reports = 3;
    c->handover_confirm_min = 30;
    c->handover_port_km = 10;
    c->handover_shore_nm = 1;
    c->handover_best_ratio = 0.5;
    c->handover_max_queue = 1000000;
    c->jump_min_kn = 40;
    c->jump_min_nm = 2;
    c->jump_hsc_kn = 70;
    c->jump_return_h = 6;
    c->land_margin_m = 2000;
    c->cluster_min_vessels = 5;
    c->cluster_radius_m = 100;
    c->cluster_window_min = 30;
    c->circle_min_vessels = 5;
    c->circle_max_radius_km = 10;
    c->circle_tolerance_m = 100;
    c->mismatch_min_kn = 10;
    c->mismatch_min_h = 1;
    c->evidence_max = LO_EVENT_MAX_EVIDENCE;
    c->max_open_pairs = 100000;
}

typedef enum { K_DBL, K_U32 } key_kind;

typedef struct key_def {
    const char *key; /* section.name */
    key_kind kind;
    size_t offset;
    double min, max;
} key_def;

#define D_(k, f, lo, hi) {k, K_DBL, offsetof(lo_detect_config, f), lo, hi}
#define U_(k, f, lo, hi) {k, K_U32, offsetof(lo_detect_config, f), lo, hi}
static const key_def keys[] = {
    D_("gap.min_h", gap_min_h, 0.01, 8760),
    D_("disabling.min_h", disabling_min_h, 0.01, 8760),
    D_("disabling.shore_nm", disabling_shore_nm, 0, 20000),
    U_("disabling.min_reports", disabling_min_reports, 0, 16), /* DET_GAP_RECENT: the ring of report times */
    D_("disabling.before_h", disabling_before_h, 0, 8760),
    D_("encounter.max_m", encounter_max_m, 1, 100000),
    D_("encounter.min_h", encounter_min_h, 0, 8760),
    D_("encounter.max_median_kn", encounter_max_median_kn, 0, 100),
    D_("encounter.port_km", encounter_port_km, 0, 20000),
    D_("encounter.pair_max_age_min", pair_max_age_min, 0.1, 1440),
    D_("encounter.break_h", encounter_break_h, 0.01, 8760),
    U_("encounter.max_open_pairs", max_open_pairs, 1, 1e8),
    D_("rendezvous.max_m", rendezvous_max_m, 1, 100000),
    D_("rendezvous.min_h", rendezvous_min_h, 0, 8760),
    D_("loitering.max_kn", loiter_max_kn, 0, 100),
    D_("loitering.min_h", loiter_min_h, 0, 8760),
    D_("loitering.shore_nm", loiter_shore_nm, 0, 20000),
    D_("identity.imo_shared_window_h", imo_shared_window_h, 0, 8760),
    D_("identity.mmsi_shared_min_km", mmsi_shared_min_km, 0, 20000),
    U_("identity.mmsi_shared_min_alternations", mmsi_shared_min_alternations, 1, 1e6),
    D_("identity.mmsi_shared_window_h", mmsi_shared_window_h, 0.01, 8760),
    D_("handover.window_h", handover_window_h, 0, 168),
    D_("handover.min_nm", handover_min_nm, 0, 1000),
    D_("handover.max_kn", handover_max_kn, 0, 1000),
    U_("handover.min_reports", handover_min_reports, 1, 1e6),
    U_("handover.new_min_reports", handover_new_min_reports, 1, 1e6),
    D_("handover.confirm_min", handover_confirm_min, 0.1, 1440),
    D_("handover.port_km", handover_port_km, 0, 20000),
    D_("handover.shore_nm", handover_shore_nm, 0, 1000),
    D_("handover.best_ratio", handover_best_ratio, 0, 1),
    U_("handover.max_queue", handover_max_queue, 1024, 1e8),
    D_("spoofing.jump_min_kn", jump_min_kn, 1, 1e5),
    D_("spoofing.jump_min_nm", jump_min_nm, 0, 20000),
    D_("spoofing.jump_hsc_kn", jump_hsc_kn, 1, 1e5),
    D_("spoofing.jump_return_h", jump_return_h, 0, 8760),
    D_("spoofing.land_margin_m", land_margin_m, 0, 1e6),
    U_("spoofing.cluster_min_vessels", cluster_min_vessels, 2, 1e6),
    D_("spoofing.cluster_radius_m", cluster_radius_m, 1, 1e5),
    D_("spoofing.cluster_window_min", cluster_window_min, 0.1, 1e5),
    U_("spoofing.circle_min_vessels", circle_min_vessels, 2, 1e6),
    D_("spoofing.circle_max_radius_km", circle_max_radius_km, 0.01, 1000),
    D_("spoofing.circle_tolerance_m", circle_tolerance_m, 1, 1e5),
    D_("spoofing.mismatch_min_kn", mismatch_min_kn, 0.1, 1000),
    D_("spoofing.mismatch_min_h", mismatch_min_h, 0.01, 8760),
    U_("output.evidence_max", evidence_max, 2, LO_EVENT_MAX_EVIDENCE),
};
#undef D_
#undef U_

__attribute__((format(printf, 3, 4))) static int fail(lo_detect_error *err, long line, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->line = line;
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return LO_E_INVAL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        *out = true;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        *out = false;
    else
        return -1;
    return 0;
}

static int parse_double(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

static int parse_severity(const char *v, lo_severity *out)
{
    for (int s = LO_SEV_INFO; s <= LO_SEV_HIGH; s++)
        if (!strcmp(v, lo_severity_key((lo_severity)s))) {
            *out = (lo_severity)s;
            return 0;
        }
    return -1;
}

/* "tanker, cargo" or "all" -> bit set; -1 for an unknown class. */
static long parse_classes(const char *v)
{
    if (!strcmp(v, "all") || !strcmp(v, "*"))
        return LO_SHIPCLASS_ALL;
    long bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int c = 0;
        while (c < LO_SHIPCLASS_COUNT && strcmp(t, lo_shipclass_key((lo_shipclass)c)))
            c++;
        if (c == LO_SHIPCLASS_COUNT)
            return -1;
        bits |= 1L << c;
    }
    return bits ? bits : -1;
}

static int set_zone_rule(lo_zone_rule *r, const char *name, const char *v, lo_detect_error *err, long line)
{
    if (!strcmp(name, "zones")) {
        if (strlen(v) >= sizeof r->zones)
            return fail(err, line, "zone pattern too long: %s%s", v, "");
        snprintf(r->zones, sizeof r->zones, "%s", v);
    } else if (!strcmp(name, "classes")) {
        long b = parse_classes(v);
        if (b < 0)
            return fail(err, line, "unknown ship class in '%s' (classes: fishing tug military pleasure hsc "
                                   "special passenger cargo tanker other unknown, or all)%s", v, "");
        r->classes = (uint32_t)b;
    } else if (!strcmp(name, "entry") || !strcmp(name, "exit")) {
        if (parse_bool(v, !strcmp(name, "entry") ? &r->entry : &r->exit) < 0)
            return fail(err, line, "'%s' wants yes or no, not '%s'", name, v);
    } else if (!strcmp(name, "dwell_h")) {
        if (parse_double(v, &r->dwell_h) < 0 || r->dwell_h < 0)
            return fail(err, line, "'%s' wants hours >= 0, not '%s'", name, v);
    } else if (!strcmp(name, "severity")) {
        if (parse_severity(v, &r->severity) < 0)
            return fail(err, line, "'%s' wants info, low, medium or high, not '%s'", name, v);
    } else {
        return fail(err, line, "unknown key '%s' in [zone_rule] (zones, classes, entry, exit, dwell_h, severity)%s",
                    name, "");
    }
    return 0;
}

int lo_detect_config_parse(lo_detect_config *c, const char *text, size_t len, lo_detect_error *err)
{
    if (!c || (!text && len))
        return LO_E_INVAL;
    char section[64] = "";
    long lineno = 0;
    lo_zone_rule *rule = NULL;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        char line[512];
        if (end - pos >= sizeof line)
            return fail(err, lineno, "line longer than %s bytes%s", "511", "");
        size_t n = end - pos;
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (strlen(line) != n)
            return fail(err, lineno, "NUL byte in the line%s%s", "", "");
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1])
                return fail(err, lineno, "malformed section header '%s'%s", s, "");
            *close = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            rule = NULL;
            if (!strcmp(section, "zone_rule")) {
                if (c->nzone_rules >= LO_DETECT_MAX_ZONE_RULES)
                    return fail(err, lineno, "more than %s [zone_rule] sections%s", "32", "");
                rule = &c->zone_rules[c->nzone_rules++];
                memset(rule, 0, sizeof *rule);
                snprintf(rule->zones, sizeof rule->zones, "*");
                rule->classes = LO_SHIPCLASS_ALL;
                rule->entry = rule->exit = true;
                rule->severity = LO_SEV_LOW;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return fail(err, lineno, "expected 'key = value', got '%s'%s", s, "");
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        if (!*value)
            return fail(err, lineno, "'%s' has no value%s", name, "");
        if (rule) {
            int rc = set_zone_rule(rule, name, value, err, lineno);
            if (rc < 0)
                return rc;
            continue;
        }
        if (!strcmp(section, "enable")) {
            int t = lo_event_type_from_key(name);
            if (t < 0)
                return fail(err, lineno, "unknown event type '%s' in [enable]%s", name, "");
            if (parse_bool(value, &c->enable[t]) < 0)
                return fail(err, lineno, "'%s' wants yes or no, not '%s'", name, value);
            continue;
        }
        char full[160];
        if (section[0] && !strchr(name, '.'))
            snprintf(full, sizeof full, "%s.%s", section, name);
        else
            snprintf(full, sizeof full, "%s", name);
        const key_def *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (!strcmp(keys[i].key, full))
                k = &keys[i];
        if (!k)
            return fail(err, lineno, "unknown setting '%s' (data/detect.conf lists them all)%s", full, "");
        double x;
        if (parse_double(value, &x) < 0 || x < k->min || x > k->max || (k->kind == K_U32 && x != floor(x))) {
            return fail(err, lineno, "'%.60s' wants a number %g to %g%s, not '%.60s'", full, k->min, k->max,
                        k->kind == K_U32 ? ", whole" : "", value);
        }
        char *field = (char *)c + k->offset;
        if (k->kind == K_DBL)
            memcpy(field, &x, sizeof x);
        else {
            uint32_t u = (uint32_t)x;
            memcpy(field, &u, sizeof u);
        }
    }
    return 0;
}

int lo_detect_config_load(lo_detect_config *c, const char *path, lo_detect_error *err)
{
    char *buf, why[160];
    size_t len;
    int rc = util_read_file(path, 1u << 20, &buf, &len, why, sizeof why); /* a config file, not a dataset */
    if (rc) {
        if (err) {
            err->line = -1;
            snprintf(err->text, sizeof err->text, "%.100s: %.90s", path, why);
        }
        return rc == LO_E_RANGE ? LO_E_INVAL : rc;
    }
    rc = lo_detect_config_parse(c, buf, len, err);
    free(buf);
    return rc;
}
