/* fuzz_detect.c - bytes -> lo_stream -> lo_decode -> lo_report_clock ->
 * lo_tracker -> lo_detector -> events (JSON and GeoJSON).
 *
 * The input is an NMEA log. The detector runs with a small synthetic world built
 * in memory once: land (squares beside the shipped scenarios' tracks, one with a
 * lake, one across the antimeridian), zones (boxes of the scenarios, a polygon
 * across the antimeridian, one in 0..360 degrees), a small watch list (a CSV
 * written once to a temporary file, since the watch list has no in-memory
 * loader) and no ports (no in-memory loader either). Its thresholds are minutes
 * instead of hours, so that every detector fires on a few KB of input. The
 * tracker holds few vessels, so that eviction happens. Some settings (report
 * clock start, tracker size, evidence_max, pair cap, advancing the detector's
 * clock with every message as the live server does) are chosen by the input's
 * hash.
 *
 * Checked for every event: its JSON and GeoJSON parse (no duplicate keys) and
 * agree with the struct; an exact-size buffer gives the same text and one byte
 * less gives LO_E_NOSPACE; type, severity and state are known values; start <=
 * end; times lie within the data's; nvessels <= vessels_total and <=
 * LO_EVENT_MAX_VESSELS; nevidence <= evidence_max; positions are in range; text
 * fields are NUL-terminated. Over the run: an event once closed or ongoing is
 * not opened again, and none is left open after lo_detect_finish; the stats
 * agree with what the callbacks saw; the whole run twice gives the same events
 * (digest of their JSON) and stats. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "lookout/detect.h"
#include "lookout/geo.h"
#include "lookout/stream.h"
#include "lookout/tracker.h"
#include "render.h"

/* ---- the world, built once ---------------------------------------------------------- */

/* Land: squares where the scenarios' tracks pass (a jumped position lands on
 * the first), one with a lake, an island across the antimeridian. */
static const char LAND[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
    /* Arabian Sea, under the demo's jump (22.81 N 60.67 E) */
    "[[[60.5,22.7],[60.8,22.7],[60.8,22.9],[60.5,22.9],[60.5,22.7]]],"
    /* East China Sea, beside the DPRK transfers */
    "[[[124.3,32.0],[124.8,32.0],[124.8,32.5],[124.3,32.5],[124.3,32.0]]],"
    /* Black Sea, south of the zone box, with a lake */
    "[[[30.0,42.0],[31.0,42.0],[31.0,43.0],[30.0,43.0],[30.0,42.0]],"
    "[[30.4,42.4],[30.6,42.4],[30.6,42.6],[30.4,42.6],[30.4,42.4]]],"
    /* across the antimeridian, as world-atlas files draw it */
    "[[[179.5,-17.5],[-179.5,-17.5],[-179.5,-16.5],[179.5,-16.5],[179.5,-17.5]]]"
    "]}},"
    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    /* a triangle at 0 N 0 E, where receivers without a fix put ships */
    "[[[-0.5,-0.5],[0.5,-0.5],[0.0,0.5],[-0.5,-0.5]]]}}"
    "]}";

static const char ZONES[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"HORMUZ_WATCH\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[56.0,26.0],[57.0,26.0],[57.0,26.8],[56.0,26.8],[56.0,26.0]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"NW_BOX\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[31.6,43.6],[32.8,43.6],[32.8,44.3],[31.6,44.3],[31.6,43.6]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"STS \\\"AREA\\\" \\\\ 1\"},\"geometry\":{\"type\":"
    "\"Polygon\",\"coordinates\":[[[60.6,23.2],[61.4,23.2],[61.4,24.0],[60.6,24.0],[60.6,23.2]]]}},"
    /* a polygon across the antimeridian (edges jump by more than 180 degrees) */
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"DATELINE\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[170.0,-20.0],[-170.0,-20.0],[-175.0,0.0],[-170.0,20.0],[170.0,20.0],[175.0,0.0],"
    "[170.0,-20.0]]]}},"
    /* the same convention problem the other way: 0..360 degrees */
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"PACIFIC_360\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[175.0,30.0],[190.0,30.0],[190.0,40.0],[175.0,40.0],[175.0,30.0]]]}},"
    /* the East China Sea transfers, two parts */
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"ECS_STS\"},\"geometry\":{\"type\":\"MultiPolygon\","
    "\"coordinates\":[[[[123.5,30.5],[125.0,30.5],[125.0,31.5],[123.5,31.5],[123.5,30.5]]],"
    "[[[123.0,33.0],[125.0,33.0],[125.0,34.0],[123.0,34.0],[123.0,33.0]]]]}}"
    "]}";

/* OFAC's columns; names and fields that need quoting and JSON escaping. */
static const char WATCH[] =
    "ofac_ent_num,name,programs,call_sign,vessel_type,tonnage,grt,flag,owner,imo,mmsi,aliases,remarks\n"
    "37932,SUMMER 5,IRAN-EO13846,3FLY5,Chemical/Oil Tanker,,,Panama,,9204805,356746000,,\n"
    "90001,OCEAN GLORY,TEST,,Tanker,,,,,9688714,,GLORY STAR;OLD GLORY,\n"
    "90002,ORIENT PEARL,TEST,3EPQ2,Tanker,,,,,,,PEARL ONE,\n"
    "90003,\"BACK\\SLASH \"\"Q\"\"\",\"TAB\tPROG\",,Cargo,,,,,,227006760,\"A, B;C\",\n"
    "90004,KOTA PHOENIX,TEST,VRPX7,Cargo,,,,,9511181,477225600,,\n"
    "90005,NO IMO,TEST,,,,,,,,366999999,,\n";

/* Thresholds in minutes; rules for the zones above. */
static const char CONFIG[] =
    "[gap]\nmin_h = 0.1\n"
    "[disabling]\nmin_h = 0.2\nshore_nm = 5\nmin_reports = 3\nbefore_h = 0.5\n"
    "[encounter]\nmax_m = 800\nmin_h = 0.05\nmax_median_kn = 3\nport_km = 10\npair_max_age_min = 5\n"
    "break_h = 0.05\n"
    "[rendezvous]\nmax_m = 400\nmin_h = 0.02\n"
    "[loitering]\nmax_kn = 3\nmin_h = 0.05\nshore_nm = 2\n"
    "[identity]\nimo_shared_window_h = 1\nmmsi_shared_min_km = 2\nmmsi_shared_min_alternations = 2\n"
    "mmsi_shared_window_h = 0.5\n"
    "[handover]\nwindow_h = 1\nmin_nm = 2\nmax_kn = 40\nmin_reports = 2\nnew_min_reports = 1\n"
    "confirm_min = 0.5\nport_km = 10\nbest_ratio = 0.8\nmax_queue = 1024\n"
    "[spoofing]\njump_min_kn = 40\njump_min_nm = 0.5\njump_hsc_kn = 70\njump_return_h = 0.5\n"
    "land_margin_m = 200\ncluster_min_vessels = 2\ncluster_radius_m = 200\ncluster_window_min = 10\n"
    "circle_min_vessels = 2\ncircle_max_radius_km = 5\ncircle_tolerance_m = 200\n"
    "mismatch_min_kn = 5\nmismatch_min_h = 0.05\n"
    "[zone_rule]\nzones = HORMUZ*\nclasses = all\nentry = yes\nexit = yes\ndwell_h = 0.05\nseverity = high\n"
    "[zone_rule]\nzones = *STS*\nclasses = tanker, cargo\ndwell_h = 0.02\nseverity = medium\n"
    "[zone_rule]\nzones = *\nclasses = all\nentry = yes\nexit = no\ndwell_h = 0.1\nseverity = low\n";

static struct world {
    bool ready;
    lo_land *land;
    lo_zones *zones;
    lo_watchlist *watch;
    lo_detect_config cfg;
    bool verbose; /* FUZZ_DETECT_VERBOSE set: every event's JSON on stderr */
    /* FUZZ_DETECT_KNOWN=open:gap,open:<type>...: tolerate events of these types
     * left open or listing no vessel (findings in docs/fuzzing.md) to fuzz on
     * while they are not fixed */
    bool known_open[LO_EV_COUNT];
    bool known_again[LO_EV_COUNT]; /* again:<type>: may come again after it ended */
} W;

static void world_init(void)
{
    if (W.ready)
        return;
    lo_geo_error gerr = {0};
    FUZZ_CHECK(lo_land_from_geojson(&W.land, LAND, sizeof LAND - 1, NULL, &gerr) == 0);
    W.zones = lo_zones_create();
    FUZZ_CHECK(W.zones != NULL);
    FUZZ_CHECK(lo_zones_add_geojson(W.zones, ZONES, sizeof ZONES - 1, "fuzz-zones.geojson", NULL, &gerr) == 6);

    char path[] = "/tmp/fuzz_detect_watch_XXXXXX";
    int fd = mkstemp(path);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, WATCH, sizeof WATCH - 1) == (ssize_t)(sizeof WATCH - 1));
    close(fd);
    lo_detect_error derr = {0};
    int rc = lo_watchlist_load(&W.watch, path, &derr);
    unlink(path);
    if (rc)
        fprintf(stderr, "fuzz_detect: watch list: line %ld: %s\n", derr.line, derr.text);
    FUZZ_CHECK(rc == 0 && lo_watchlist_count(W.watch) == 6);

    lo_detect_config_default(&W.cfg);
    rc = lo_detect_config_parse(&W.cfg, CONFIG, sizeof CONFIG - 1, &derr);
    if (rc)
        fprintf(stderr, "fuzz_detect: config: line %ld: %s\n", derr.line, derr.text);
    FUZZ_CHECK(rc == 0 && W.cfg.nzone_rules == 3);
    W.verbose = getenv("FUZZ_DETECT_VERBOSE") != NULL;
    const char *known = getenv("FUZZ_DETECT_KNOWN");
    for (int i = 0; known && i < LO_EV_COUNT; i++) {
        char k[40];
        snprintf(k, sizeof k, "open:%s", lo_event_type_key((lo_event_type)i));
        const char *at = strstr(known, k);
        W.known_open[i] = at && (at[strlen(k)] == ',' || at[strlen(k)] == '\0');
        snprintf(k, sizeof k, "again:%s", lo_event_type_key((lo_event_type)i));
        at = strstr(known, k);
        W.known_again[i] = at && (at[strlen(k)] == ',' || at[strlen(k)] == '\0');
    }
    W.ready = true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    world_init();
    return 0;
}

/* ---- one run -------------------------------------------------------------------------- */

#define JSON_CAP (64u * 1024u)

typedef struct life {
    uint64_t key;
    uint64_t evicts; /* evictions when last seen */
    uint64_t summary; /* FNV of the summary last seen */
    uint8_t state; /* last state seen; 0 = free slot */
    uint8_t type;
} life;

typedef struct run {
    const lo_detect_config *cfg;
    lo_stream *s;
    lo_tracker *t;
    lo_detector *d;
    lo_report_clock clock;
    bool serve;                      /* advance the detector with every message */
    lo_message msg;
    int64_t tmin, tmax;              /* times given to the tracker */
    uint64_t points, identities, vessels, evicts;
    uint64_t opened, ended[LO_EV_COUNT];
    uint64_t digest;
    char *json;                      /* JSON_CAP bytes */
    life *lives;
    uint32_t nlives, lives_cap;
} run;

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The event's identity over its life: its id, except that a suspected
 * disabling replaces the gap notice of the same vessel and start. */
static uint64_t life_key(const lo_event *e)
{
    if (e->type != LO_EV_GAP && e->type != LO_EV_DISABLING)
        return e->id;
    uint64_t h = mix64((uint64_t)LO_EV_GAP ^ 0xd15ab1eULL);
    h = mix64(h ^ (e->nvessels ? e->vessels[0].mmsi : 0));
    return mix64(h ^ (uint64_t)e->start_ms);
}

static life *life_find(run *r, uint64_t key, bool add)
{
    if (add && (r->nlives + 1) * 2 > r->lives_cap) {
        uint32_t cap = r->lives_cap ? r->lives_cap * 2 : 256;
        life *n = calloc(cap, sizeof *n);
        FUZZ_CHECK(n != NULL);
        for (uint32_t i = 0; i < r->lives_cap; i++)
            if (r->lives[i].state) {
                uint32_t j = (uint32_t)mix64(r->lives[i].key) & (cap - 1);
                while (n[j].state)
                    j = (j + 1) & (cap - 1);
                n[j] = r->lives[i];
            }
        free(r->lives);
        r->lives = n;
        r->lives_cap = cap;
    }
    if (!r->lives_cap)
        return NULL;
    uint32_t mask = r->lives_cap - 1;
    for (uint32_t j = (uint32_t)mix64(key) & mask;; j = (j + 1) & mask) {
        if (r->lives[j].state && r->lives[j].key == key)
            return &r->lives[j];
        if (!r->lives[j].state) {
            if (!add)
                return NULL;
            r->lives[j].key = key;
            r->nlives++;
            return &r->lives[j];
        }
    }
}

static bool in_text(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static bool lat_ok(double v) { return isnan(v) || (v >= -90.0 && v <= 90.0); }
static bool lon_ok(double v) { return isnan(v) || (v >= -180.0 && v <= 180.0); }

/* The text again into exact-size heap blocks: the same bytes, and LO_E_NOSPACE one byte short. */
static void check_exact(const lo_event *e, const char *text, int n, bool geo)
{
    char *b = malloc((size_t)n + 1);
    FUZZ_CHECK(b != NULL);
    int m = geo ? lo_event_geojson_feature(e, b, (size_t)n + 1) : lo_event_json(e, b, (size_t)n + 1);
    FUZZ_CHECK(m == n && memcmp(b, text, (size_t)n) == 0 && b[n] == '\0');
    free(b);
    b = malloc((size_t)n);
    FUZZ_CHECK(b != NULL);
    m = geo ? lo_event_geojson_feature(e, b, (size_t)n) : lo_event_json(e, b, (size_t)n);
    FUZZ_CHECK(m == LO_E_NOSPACE);
    free(b);
}

static json_int_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    FUZZ_CHECK(json_is_integer(v));
    return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    FUZZ_CHECK(json_is_string(v));
    return json_string_value(v);
}

/* The fields put_fields writes in both forms. */
static void check_fields(json_t *o, const lo_event *e)
{
    char id[17];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)e->id);
    FUZZ_CHECK(strcmp(jstr(o, "id"), id) == 0);
    FUZZ_CHECK(strcmp(jstr(o, "type"), lo_event_type_key(e->type)) == 0);
    FUZZ_CHECK(strcmp(jstr(o, "family"), lo_event_type_family(e->type)) == 0);
    FUZZ_CHECK(strcmp(jstr(o, "severity"), lo_severity_key(e->severity)) == 0);
    FUZZ_CHECK(strcmp(jstr(o, "state"), lo_event_state_key(e->state)) == 0);
    FUZZ_CHECK(jint(o, "start_ms") == e->start_ms && jint(o, "end_ms") == e->end_ms);
    FUZZ_CHECK(jint(o, "vessels_total") == e->vessels_total);
    json_t *v = json_object_get(o, "vessels");
    FUZZ_CHECK(json_is_array(v) && json_array_size(v) == e->nvessels);
    for (size_t i = 0; i < e->nvessels; i++) {
        json_t *x = json_array_get(v, i);
        FUZZ_CHECK(json_is_object(x) && jint(x, "mmsi") == e->vessels[i].mmsi);
        FUZZ_CHECK(!e->vessels[i].name[0] || json_is_string(json_object_get(x, "name")));
        FUZZ_CHECK(!e->vessels[i].listed || json_is_object(json_object_get(x, "watchlist")));
    }
    FUZZ_CHECK(json_is_object(json_object_get(o, "parameters")));
    FUZZ_CHECK(json_is_object(json_object_get(o, "where")));
    FUZZ_CHECK(json_is_string(json_object_get(o, "summary")));
    FUZZ_CHECK(!e->zone[0] || json_is_string(json_object_get(o, "zone")));
}

static void on_event(void *ctx, const lo_event *e)
{
    run *r = ctx;
    const lo_detect_config *c = r->cfg;

    if (W.verbose && lo_event_json(e, r->json, JSON_CAP) > 0) /* before any check fails */
        fprintf(stderr, "%s\n", r->json);

    /* the struct */
    FUZZ_CHECK((unsigned)e->type < LO_EV_COUNT);
    FUZZ_CHECK(c->enable[e->type]);
    FUZZ_CHECK(e->severity >= LO_SEV_INFO && e->severity <= LO_SEV_HIGH);
    FUZZ_CHECK(e->state == LO_EVENT_OPEN || e->state == LO_EVENT_CLOSED || e->state == LO_EVENT_ONGOING);
    FUZZ_CHECK(e->start_ms <= e->end_ms);
    FUZZ_CHECK(e->start_ms >= r->tmin && e->end_ms <= r->tmax);
    FUZZ_CHECK(e->nvessels >= 1 || W.known_open[e->type]);
    FUZZ_CHECK(e->nvessels <= e->vessels_total && e->nvessels <= LO_EVENT_MAX_VESSELS);
    FUZZ_CHECK(e->nevidence <= c->evidence_max && e->nevidence <= LO_EVENT_MAX_EVIDENCE);
    FUZZ_CHECK(lat_ok(e->lat) && lon_ok(e->lon));
    FUZZ_CHECK(in_text(e->zone, sizeof e->zone) && in_text(e->summary, sizeof e->summary));
    FUZZ_CHECK(in_text(e->params, sizeof e->params));
    for (uint32_t i = 0; i < e->nvessels; i++) {
        const lo_event_vessel *v = &e->vessels[i];
        FUZZ_CHECK(in_text(v->name, sizeof v->name) && in_text(v->callsign, sizeof v->callsign));
        FUZZ_CHECK((v->watch >= 0) == (v->listed != NULL));
        FUZZ_CHECK(v->watch < (int32_t)lo_watchlist_count(W.watch));
        FUZZ_CHECK(!v->listed || v->listed == lo_watchlist_get(W.watch, (uint32_t)v->watch));
    }
    uint32_t npos = 0;
    for (uint32_t i = 0; i < e->nevidence; i++) {
        const lo_evidence *x = &e->evidence[i];
        FUZZ_CHECK(in_text(x->note, sizeof x->note) && in_text(x->station, sizeof x->station));
        FUZZ_CHECK(x->time_ms >= r->tmin && x->time_ms <= r->tmax);
        if (x->lat_udeg == LO_UDEG_NONE)
            continue;
        npos++;
        FUZZ_CHECK(x->lat_udeg >= -90000000 && x->lat_udeg <= 90000000);
        FUZZ_CHECK(x->lon_udeg >= -180000000 && x->lon_udeg <= 180000000);
    }

    /* JSON */
    int n = lo_event_json(e, r->json, JSON_CAP);
    FUZZ_CHECK(n > 0 && (size_t)n < JSON_CAP && strlen(r->json) == (size_t)n);
    json_error_t err;
    json_t *o = json_loadb(r->json, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!o)
        fprintf(stderr, "event JSON: %s at %d: %.*s\n", err.text, err.position, n, r->json);
    FUZZ_CHECK(json_is_object(o));
    check_fields(o, e);
    json_t *ev = json_object_get(o, "evidence");
    FUZZ_CHECK(json_is_array(ev) && json_array_size(ev) == e->nevidence);
    json_decref(o);
    check_exact(e, r->json, n, false);
    r->digest = fuzz_fnv(r->digest, r->json, (size_t)n);

    /* GeoJSON */
    n = lo_event_geojson_feature(e, r->json, JSON_CAP);
    FUZZ_CHECK(n > 0 && (size_t)n < JSON_CAP && strlen(r->json) == (size_t)n);
    o = json_loadb(r->json, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!o)
        fprintf(stderr, "event GeoJSON: %s at %d: %.*s\n", err.text, err.position, n, r->json);
    FUZZ_CHECK(json_is_object(o));
    FUZZ_CHECK(strcmp(jstr(o, "type"), "Feature") == 0);
    json_t *g = json_object_get(o, "geometry");
    if (npos) {
        FUZZ_CHECK(json_is_object(g) && strcmp(jstr(g, "type"), "MultiPoint") == 0);
        json_t *cs = json_object_get(g, "coordinates");
        FUZZ_CHECK(json_is_array(cs) && json_array_size(cs) == npos);
        for (size_t i = 0; i < npos; i++) {
            json_t *pt = json_array_get(cs, i);
            FUZZ_CHECK(json_is_array(pt) && json_array_size(pt) == 2);
            double lon = json_number_value(json_array_get(pt, 0)), lat = json_number_value(json_array_get(pt, 1));
            FUZZ_CHECK(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90);
        }
    } else if (!isnan(e->lat) && !isnan(e->lon)) {
        FUZZ_CHECK(json_is_object(g) && strcmp(jstr(g, "type"), "Point") == 0);
    } else {
        FUZZ_CHECK(json_is_null(g));
    }
    json_t *props = json_object_get(o, "properties");
    FUZZ_CHECK(json_is_object(props));
    check_fields(props, e);
    json_decref(o);
    check_exact(e, r->json, n, true);
    r->digest = fuzz_fnv(r->digest, r->json, (size_t)n);

    /* life: open ... open, then closed or ongoing, once */
    if (e->state == LO_EVENT_OPEN) {
        r->opened++;
    } else {
        r->ended[e->type]++;
    }
    uint64_t key = life_key(e);
    life *l = life_find(r, key, true);
    /* Ended, it comes no more; unless a vessel was evicted since: the detector
     * forgets evicted vessels, and one heard again may raise the same event
     * again (an invalid MMSI heard again at the same second has the same id).
     * A closed instant event may be reported again only as the same event,
     * with the same summary (an identity change A -> B, then B -> C, C -> A
     * and A -> B again in one second): one id for two different events is
     * what finding 9 was (two changes of one vessel in one second). */
    uint64_t said = fuzz_fnv(FUZZ_FNV_INIT, e->summary, strlen(e->summary));
    bool instant_again = e->state == LO_EVENT_CLOSED && l->state == LO_EVENT_CLOSED && e->start_ms == e->end_ms &&
                         l->summary == said;
    if (l->state && l->state != LO_EVENT_OPEN && r->evicts == l->evicts && !instant_again &&
        !W.known_again[e->type]) {
        fprintf(stderr, "event %016llx (%s) again as %s after %s\n", (unsigned long long)e->id,
                lo_event_type_key(e->type), lo_event_state_key(e->state), lo_event_state_key(l->state));
        FUZZ_CHECK(l->state == LO_EVENT_OPEN);
    }
    l->state = (uint8_t)e->state;
    l->type = (uint8_t)e->type;
    l->evicts = r->evicts;
    l->summary = said;
}

/* ---- tracker -> detector, counted ---- */

static void on_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    run *r = ctx;
    r->points++;
    FUZZ_CHECK(v->mmsi == p->mmsi);
    lo_detect_on_point(r->d, v, p);
}

static void on_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    run *r = ctx;
    r->identities++;
    lo_detect_on_identity(r->d, v, c);
}

static void on_vessel(void *ctx, const lo_vessel *v)
{
    run *r = ctx;
    r->vessels++;
    lo_detect_on_vessel(r->d, v);
}

static void on_evict(void *ctx, const lo_vessel *v)
{
    run *r = ctx;
    r->evicts++;
    lo_detect_on_evict(r->d, v);
}

static void on_payload(void *ctx, const lo_payload *p)
{
    run *r = ctx;
    lo_reject why;
    if (lo_decode(p->bits, p->nbits, &r->msg, &why) != 0)
        return;
    r->msg.meta = p->meta;
    int64_t t = lo_report_clock_time(&r->clock, &r->msg);
    if (t == LO_TIME_NONE)
        return;
    /* The bounds the events' times must keep (set before the tracker sees t). */
    if (t < r->tmin)
        r->tmin = t;
    if (t > r->tmax)
        r->tmax = t;
    int rc = lo_tracker_update(r->t, &r->msg, t);
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (r->serve)
        lo_detect_advance(r->d, r->tmax);
}

typedef struct outcome {
    uint64_t digest;
    lo_detect_stats ds;
    lo_tracker_stats ts;
} outcome;

static void run_once(const uint8_t *data, size_t size, uint64_t h, outcome *out)
{
    static lo_detect_config cfg;
    static char *json;
    if (!json) {
        json = malloc(JSON_CAP);
        FUZZ_CHECK(json != NULL);
    }
    cfg = W.cfg;
    static const uint32_t evidence[4] = {2, 3, 16, LO_EVENT_MAX_EVIDENCE};
    cfg.evidence_max = evidence[(h >> 4) & 3];
    cfg.max_open_pairs = (h >> 6) & 1 ? 2 : 1000;

    run r;
    memset(&r, 0, sizeof r);
    r.cfg = &cfg;
    r.json = json;
    r.serve = (h >> 7) & 1;
    r.tmin = INT64_MAX;
    r.tmax = INT64_MIN;
    r.digest = FUZZ_FNV_INIT;
    /* Most inputs get a start, so that logs without times are timed too. */
    lo_report_clock_init(&r.clock, (h & 3) ? 1715299200000LL : LO_TIME_NONE);

    lo_detect_env env = {.land = W.land, .ports = NULL, .zones = W.zones, .watch = W.watch};
    lo_detect_callbacks dcb = {.ctx = &r, .on_event = on_event};
    r.d = lo_detect_create(&cfg, &env, &dcb);
    FUZZ_CHECK(r.d != NULL);
    lo_tracker_config tcfg = {.max_vessels = (h >> 2) & 3 ? 64 : 8, .hash_seed = 12345};
    lo_tracker_callbacks tcb = {.ctx = &r, .on_point = on_point, .on_identity = on_identity,
                                .on_vessel = on_vessel, .on_evict = on_evict};
    r.t = lo_tracker_create(&tcfg, &tcb);
    FUZZ_CHECK(r.t != NULL);
    lo_stream_callbacks scb = {.ctx = &r, .on_payload = on_payload};
    r.s = lo_stream_create(&scb, NULL);
    FUZZ_CHECK(r.s != NULL);

    lo_stream_feed(r.s, (const char *)data, size);
    lo_stream_finish(r.s);
    lo_detect_finish(r.d);

    /* nothing left open */
    for (uint32_t i = 0; i < r.lives_cap; i++)
        if (r.lives[i].state == LO_EVENT_OPEN && !W.known_open[r.lives[i].type]) {
            fprintf(stderr, "a %s event was opened and never closed\n", lo_event_type_key(r.lives[i].type));
            FUZZ_CHECK(r.lives[i].state != LO_EVENT_OPEN);
        }

    /* stats */
    const lo_detect_stats *st = lo_detect_get_stats(r.d);
    const lo_tracker_stats *ts = lo_tracker_get_stats(r.t);
    FUZZ_CHECK(st->points == r.points && st->identities == r.identities && st->vessels == r.vessels);
    FUZZ_CHECK(ts->points == r.points && ts->evicted == r.evicts && ts->identity_changes == r.identities);
    FUZZ_CHECK(st->opened == r.opened);
    for (int i = 0; i < LO_EV_COUNT; i++)
        FUZZ_CHECK(st->events[i] == r.ended[i]);
    /* one record per vessel the tracker holds */
    FUZZ_CHECK(st->tracked_vessels == ts->vessels);
    FUZZ_CHECK(st->open_pairs <= st->peak_open_pairs && st->peak_open_pairs <= cfg.max_open_pairs);
    FUZZ_CHECK(st->port_lookups == 0);
    FUZZ_CHECK(ts->vessels <= tcfg.max_vessels);

    memset(out, 0, sizeof *out);
    out->digest = r.digest;
    memcpy(&out->ds, st, sizeof out->ds);
    memcpy(&out->ts, ts, sizeof out->ts);

    lo_stream_destroy(r.s);
    lo_tracker_destroy(r.t);
    lo_detect_destroy(r.d);
    free(r.lives);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    world_init();
    uint64_t h = fuzz_fnv(FUZZ_FNV_INIT, data, size);
    outcome a, b;
    run_once(data, size, h, &a);
    run_once(data, size, h, &b);
    FUZZ_CHECK(a.digest == b.digest);
    FUZZ_CHECK(memcmp(&a.ds, &b.ds, sizeof a.ds) == 0);
    FUZZ_CHECK(memcmp(&a.ts, &b.ts, sizeof a.ts) == 0);
    return 0;
}
