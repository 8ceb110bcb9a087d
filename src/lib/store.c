/* store.c - vessels and tracks -> SQLite. The schema, its indexes and the
 * reasons for them are in docs/store.md; in short:
 *
 *   positions         WITHOUT ROWID, primary key (mmsi, time, lat, lon): one
 *                     B-tree that is at once the duplicate guard (INSERT OR
 *                     IGNORE) and the clustered index of track queries.
 *   position_cells    the time + grid index: one row (period, cell, mmsi) for
 *                     every 1-degree cell a vessel was in during a 6-hour
 *                     period. Area and time queries read the periods and
 *                     cells they cover, then only those vessel-periods from
 *                     positions.
 *   vessels           one row per MMSI: latest state and identity.
 *   identity_history  every change (and first value) of name, call sign, IMO,
 *                     ship type, dimensions, with its time.
 *   events            for the detectors (issue #4).
 *
 * Writing has two sides. The caller's side (the tracker's callbacks) only
 * fills a batch in memory: positions, index entries, the vessels changed,
 * identity changes. When the batch is full (or on lo_store_commit) it is
 * sorted and handed to a writer thread, which inserts it in key order (a
 * B-tree filled in order touches each page once) in one transaction while the
 * caller fills the next batch. The caller reads the database only through its
 * own connection (WAL: it sees what is committed). */
#define _POSIX_C_SOURCE 200809L
#include "lookout/store.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/sentence.h"

#define SCHEMA_VERSION 2 /* 2: events keyed by the detectors' stable ids */
#define DEFAULT_BATCH_ROWS 50000
#define DEFAULT_CACHE_KIB 65536
#define PERIOD_MS (6 * 3600000LL) /* index granularity in time ... */
#define CELL_UDEG 1000000         /* ... and in space: 1-degree cells */
#define CELL_COLS 360
#define MAX_MMSI ((1u << 30) - 1) /* the field's 30 bits: garbage MMSIs are stored as heard */
/* A WAL of up to 64 MiB before it is copied into the database: pages written
 * in several batches are copied once. */
#define WAL_PAGES 16384

/* ---- a small open-addressing map: 64-bit key -> 32-bit index ---- */

typedef struct slot {
    uint64_t key; /* key + 1; 0 = empty */
    uint32_t idx;
} slot;

typedef struct umap {
    slot *slots;
    uint32_t cap, used; /* cap a power of two */
} umap;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static slot *umap_find(const umap *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1, i = (uint32_t)mix64(key) & mask;
    for (;;) {
        slot *s = &m->slots[i];
        if (s->key == key + 1)
            return s;
        if (!s->key)
            return NULL;
        i = (i + 1) & mask;
    }
}

static int umap_grow(umap *m)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 1024;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return LO_E_NOMEM;
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        uint32_t j = (uint32_t)mix64(m->slots[i].key - 1) & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

static int umap_put(umap *m, uint64_t key, uint32_t idx)
{
    if ((m->used + 1) * 4 > m->cap * 3) {
        int rc = umap_grow(m);
        if (rc)
            return rc;
    }
    uint32_t mask = m->cap - 1, i = (uint32_t)mix64(key) & mask;
    while (m->slots[i].key && m->slots[i].key != key + 1)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i].key = key + 1;
    m->slots[i].idx = idx;
    return 0;
}

/* ---- the store ---- */

/* What this run knows of a vessel that the database held before. */
typedef struct vstate {
    uint32_t mmsi;
    bool existed;        /* a row in vessels when this run first met the MMSI */
    bool base_known;     /* segment mapping decided (at the first point) */
    bool continued;      /* this run's segment 1 continues the stored last one */
    bool older;          /* first point not after the stored last: keep numbers */
    bool evicted;        /* the tracker forgot it: reload before the next event */
    int32_t pending;     /* index into the filling batch's vessels, -1 when none */
    uint32_t stored_segments, stored_segment;
    int64_t stored_pos_time;
    int32_t stored_lat, stored_lon;
} vstate;

/* A position waiting for its batch. */
typedef struct prow {
    int64_t time;
    int32_t period;
    uint32_t mmsi;
    int32_t lat, lon;
    uint32_t segment;
    uint16_t speed, course, heading;
    uint8_t status, type;
    bool accuracy;
    char station[LO_MAX_STATION];
} prow;

/* An index entry: the vessel was in this cell during this period. */
typedef struct cellkey {
    int32_t period;
    uint16_t cell;
    uint32_t mmsi;
} cellkey;

/* An identity change waiting for its batch. */
typedef struct irow {
    uint32_t mmsi;
    int64_t time;
    lo_identity_field field;
    char old_value[40], new_value[40];
} irow;

typedef struct batch {
    prow *rows;
    uint32_t nrows, rcap;
    cellkey *cells;
    uint32_t ncells, ccap;
    lo_vessel *vessels;
    uint32_t nvessels, vcap;
    irow *idents;
    uint32_t nidents, icap;
} batch;

/* What the writer counts (read under the lock). */
typedef struct wstats {
    uint64_t points_new, identity_new, vessel_writes, cell_writes, commits;
} wstats;

/* Rows are inserted ROWS_PER_INSERT to a statement (multi-row VALUES halves
 * SQLite's work per row); the last few of a batch one at a time. */
#define ROWS_PER_INSERT 32
enum { ST_VESSEL, ST_VESSELS, ST_IDENTITY, ST_POINT, ST_POINTS, ST_CELL, ST_CELLS, ST_COUNT };
#define VESSELS_PER_INSERT 16
#define POINT_INSERT "INSERT OR IGNORE INTO positions(period, mmsi, time, lat, lon, motion, segment, station) VALUES "
#define POINT_PARAMS 8
#define CELL_INSERT "INSERT OR IGNORE INTO position_cells(period, cell, mmsi) VALUES "
#define CELL_PARAMS 3

struct lo_store {
    sqlite3 *db;               /* writer connection (the writer thread's) */
    sqlite3 *rdb;              /* the caller's connection: reads, queries */
    lo_store_config cfg;
    sqlite3_stmt *st[ST_COUNT]; /* writer's */
    sqlite3_stmt *vget;         /* caller's: a vessel's stored state */
    int err;                   /* first error seen by a callback */
    /* the caller's side */
    umap vmap;                 /* mmsi -> vstates[] */
    vstate *vstates;
    uint32_t nv, vcap;
    batch b[2];
    batch *fill;               /* being filled */
    uint32_t batch_rows;       /* rows in the filling batch */
    cellkey *cell_cache;       /* index entries written or queued (direct-mapped) */
    lo_store_stats stats;
    char errmsg[256];
    /* the writer */
    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *work;               /* handed over, NULL when the writer is idle */
    bool stop;
    int werr;                  /* the writer's first error (sticky) */
    char werrmsg[256];
    wstats ws;
};

static int fail(lo_store *s, sqlite3 *db, char *msg, const char *what)
{
    snprintf(msg, 256, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
    (void)s;
    return LO_E_STORE;
}

/* Errors on the caller's connection, and on the writer's. */
static int rfail(lo_store *s, const char *what) { return fail(s, s->rdb, s->errmsg, what); }
static int wfail(lo_store *s, const char *what) { return fail(s, s->db, s->werrmsg, what); }

static int exec_on(sqlite3 *db, char *msg, const char *sql)
{
    char *m = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &m) != SQLITE_OK) {
        snprintf(msg, 256, "%s", m ? m : sqlite3_errmsg(db));
        sqlite3_free(m);
        return LO_E_STORE;
    }
    return 0;
}

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS vessels(\n"
    "  mmsi INTEGER PRIMARY KEY,\n"
    "  kind TEXT, flag TEXT,\n"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, types_seen INTEGER NOT NULL DEFAULT 0,\n"
    "  pos_time INTEGER, lat INTEGER, lon INTEGER, speed INTEGER, course INTEGER, heading INTEGER,\n"
    "  status INTEGER, type INTEGER, accuracy INTEGER, segment INTEGER, station TEXT,\n"
    "  segments INTEGER NOT NULL DEFAULT 0,\n"
    "  imo INTEGER, name TEXT, callsign TEXT, ship_type INTEGER,\n"
    "  to_bow INTEGER, to_stern INTEGER, to_port INTEGER, to_starboard INTEGER,\n"
    "  draught INTEGER, destination TEXT, eta INTEGER, mothership INTEGER,\n"
    "  aid_type INTEGER, virtual_aid INTEGER);\n"
    /* Clustered by period first: the rows a batch adds are close together
     * (in a key led by the MMSI every vessel's newest rows sit on their own
     * page, and a batch rewrites one page per vessel). */
    /* The small values of a report are packed into one integer, motion
     * (speed 10 bits, course 12, heading 9, status 4, accuracy 1, message
     * type 6); the virtual columns after it give them back to SQL. */
    "CREATE TABLE IF NOT EXISTS positions(\n"
    "  period INTEGER NOT NULL, mmsi INTEGER NOT NULL, time INTEGER NOT NULL,\n"
    "  lat INTEGER NOT NULL, lon INTEGER NOT NULL,\n"
    "  motion INTEGER NOT NULL, segment INTEGER NOT NULL, station TEXT,\n"
    "  speed INTEGER GENERATED ALWAYS AS (nullif(motion & 1023, 1023)) VIRTUAL,\n"
    "  course INTEGER GENERATED ALWAYS AS (CASE WHEN (motion >> 10 & 4095) < 3600"
    " THEN motion >> 10 & 4095 END) VIRTUAL,\n"
    "  heading INTEGER GENERATED ALWAYS AS (nullif(motion >> 22 & 511, 511)) VIRTUAL,\n"
    "  status INTEGER GENERATED ALWAYS AS (motion >> 31 & 15) VIRTUAL,\n"
    "  accuracy INTEGER GENERATED ALWAYS AS (motion >> 35 & 1) VIRTUAL,\n"
    "  type INTEGER GENERATED ALWAYS AS (motion >> 36 & 63) VIRTUAL,\n"
    "  PRIMARY KEY(period, mmsi, time, lat, lon)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS position_cells(\n"
    "  period INTEGER NOT NULL, cell INTEGER NOT NULL, mmsi INTEGER NOT NULL,\n"
    "  PRIMARY KEY(period, cell, mmsi)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS position_cells_mmsi ON position_cells(mmsi, period);\n"
    /* Key columns first: SQLite 3.40's integrity_check wrongly reports NULLs in
     * a NOT NULL column declared before a key column of a WITHOUT ROWID table. */
    "CREATE TABLE IF NOT EXISTS identity_history(\n"
    "  mmsi INTEGER NOT NULL, field TEXT NOT NULL, time INTEGER NOT NULL, new_value TEXT NOT NULL,\n"
    "  old_value TEXT NOT NULL,\n"
    "  PRIMARY KEY(mmsi, field, time, new_value)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS events(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  type TEXT NOT NULL, severity INTEGER NOT NULL,\n"
    "  start INTEGER NOT NULL, \"end\" INTEGER,\n"
    "  vessels TEXT NOT NULL CHECK (json_valid(vessels)),\n"
    "  geometry TEXT CHECK (geometry IS NULL OR json_valid(geometry)),\n"
    "  parameters TEXT CHECK (parameters IS NULL OR json_valid(parameters)),\n"
    "  evidence TEXT CHECK (evidence IS NULL OR json_valid(evidence)));\n"
    "CREATE INDEX IF NOT EXISTS events_start ON events(start);\n"
    "CREATE TABLE IF NOT EXISTS event_vessels(\n"
    "  mmsi INTEGER NOT NULL, event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,\n"
    "  PRIMARY KEY(mmsi, event_id)) WITHOUT ROWID;\n"
    /* Human units for people who query the file with sqlite3 or QGIS. */
    "CREATE VIEW IF NOT EXISTS positions_view AS SELECT mmsi,\n"
    "  strftime('%Y-%m-%dT%H:%M:%fZ', time / 1000.0, 'unixepoch') AS time,\n"
    "  lat / 1e6 AS lat, lon / 1e6 AS lon, speed / 10.0 AS speed_kn, course / 10.0 AS course,\n"
    "  heading, status, type, segment, station FROM positions;\n"
    "CREATE VIEW IF NOT EXISTS vessels_view AS SELECT mmsi, kind, flag, name, callsign, imo, ship_type,\n"
    "  to_bow + to_stern AS length, to_port + to_starboard AS width, draught / 10.0 AS draught,\n"
    "  destination, strftime('%Y-%m-%dT%H:%M:%fZ', first_seen / 1000.0, 'unixepoch') AS first_seen,\n"
    "  strftime('%Y-%m-%dT%H:%M:%fZ', last_seen / 1000.0, 'unixepoch') AS last_seen,\n"
    "  lat / 1e6 AS lat, lon / 1e6 AS lon, speed / 10.0 AS speed_kn, course / 10.0 AS course, heading,\n"
    "  status, segments FROM vessels;\n";

/* A position newer than the stored one replaces it; equal time does not, so
 * that reading a file again changes nothing. */
#define NEWPOS "excluded.pos_time IS NOT NULL AND (pos_time IS NULL OR excluded.pos_time > pos_time)"
#define POSCOL(c) #c " = CASE WHEN " NEWPOS " THEN excluded." #c " ELSE " #c " END, "
/* A known value replaces the stored one when it is newer or nothing is stored. */
#define IDCOL(c) \
    #c " = CASE WHEN excluded." #c " IS NOT NULL AND (" #c " IS NULL OR excluded.last_seen >= last_seen) THEN excluded." #c " ELSE " #c " END, "
#define DIMCOL(c) \
    #c " = CASE WHEN excluded.to_bow IS NOT NULL AND (to_bow IS NULL OR excluded.last_seen >= last_seen) THEN excluded." #c " ELSE " #c " END, "

#define VESSEL_INSERT                                                                                             \
    "INSERT INTO vessels(mmsi, kind, flag, first_seen, last_seen, types_seen, pos_time, lat, lon, speed,"         \
    " course, heading, status, type, accuracy, segment, station, segments, imo, name, callsign, ship_type,"      \
    " to_bow, to_stern, to_port, to_starboard, draught, destination, eta, mothership, aid_type, virtual_aid)"   \
    " VALUES "
#define VESSEL_PARAMS 32
static const char vessel_upsert[] =
    " ON CONFLICT(mmsi) DO UPDATE SET kind = excluded.kind, flag = excluded.flag,"
    " " POSCOL(lat) POSCOL(lon) POSCOL(speed) POSCOL(course) POSCOL(heading) POSCOL(status) POSCOL(type)
        POSCOL(accuracy) POSCOL(segment) POSCOL(station) POSCOL(pos_time)
    IDCOL(imo) IDCOL(name) IDCOL(callsign) IDCOL(ship_type) DIMCOL(to_bow) DIMCOL(to_stern) DIMCOL(to_port)
        DIMCOL(to_starboard) IDCOL(draught) IDCOL(destination) IDCOL(eta) IDCOL(mothership) IDCOL(aid_type)
            IDCOL(virtual_aid)
    " types_seen = types_seen | excluded.types_seen,"
    " segments = max(segments, excluded.segments),"
    " first_seen = min(first_seen, excluded.first_seen),"
    " last_seen = max(last_seen, excluded.last_seen)";

static const char *const stmt_sql[ST_COUNT] = {
    [ST_IDENTITY] = "INSERT OR IGNORE INTO identity_history(mmsi, field, time, old_value, new_value)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* The caller's look at a vessel's stored state. */
static const char vget_sql[] = "SELECT segments, segment, pos_time, lat, lon, last_seen, name, callsign, imo,"
                               " ship_type, to_bow, to_stern, to_port, to_starboard FROM vessels WHERE mmsi = ?1";

static int check_schema(lo_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rdb, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL) !=
        SQLITE_OK)
        return rfail(s, "not a lookout database");
    int rc = sqlite3_step(st);
    int version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rfail(s, "reading the schema version");
    if (version != SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg, "schema version %d, this lookout reads version %d", version,
                 SCHEMA_VERSION);
        return LO_E_STORE;
    }
    return 0;
}

static void copy_msg(char *dst, size_t cap, const char *src)
{
    if (cap)
        snprintf(dst, cap, "%s", src ? src : "");
}

static int open_db(const char *path, int flags, sqlite3 **db, char *msg, int64_t cache_kib)
{
    if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(msg, 256, "%s", *db ? sqlite3_errmsg(*db) : "cannot open");
        return LO_E_STORE;
    }
    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, 10000);
    char pragmas[192];
    /* mmap: pages are read without a copy (256 MiB of the file at most) */
    snprintf(pragmas, sizeof pragmas, "PRAGMA cache_size = -%lld; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = %d;",
             (long long)cache_kib, 256 << 20);
    return exec_on(*db, msg, pragmas);
}

static void *writer_main(void *arg);

/* "INSERT ... VALUES (?,?,?),(?,?,?) TAIL": rows groups of n parameters. */
static char *values_sql(const char *insert, int n, int rows, const char *tail)
{
    size_t len = strlen(insert), cap = len + (size_t)rows * ((size_t)n * 2 + 3) + strlen(tail) + 1;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    memcpy(sql, insert, len);
    for (int r = 0; r < rows; r++) {
        if (r)
            sql[len++] = ',';
        sql[len++] = '(';
        for (int i = 0; i < n; i++) {
            if (i)
                sql[len++] = ',';
            sql[len++] = '?';
        }
        sql[len++] = ')';
    }
    memcpy(sql + len, tail, strlen(tail) + 1);
    return sql;
}

static void free_batch(batch *b)
{
    free(b->rows);
    free(b->cells);
    free(b->vessels);
    free(b->idents);
}

int lo_store_open(const char *path, const lo_store_config *cfg, lo_store **out, char *errmsg, size_t errlen)
{
    if (!out || !path) {
        copy_msg(errmsg, errlen, "no path");
        return LO_E_INVAL;
    }
    *out = NULL;
    lo_store *s = calloc(1, sizeof *s);
    if (!s) {
        copy_msg(errmsg, errlen, "out of memory");
        return LO_E_NOMEM;
    }
    if (cfg)
        s->cfg = *cfg;
    if (!s->cfg.batch_rows)
        s->cfg.batch_rows = DEFAULT_BATCH_ROWS;
    if (s->cfg.batch_rows > LO_STORE_MAX_BATCH)
        s->cfg.batch_rows = LO_STORE_MAX_BATCH;
    if (!s->cfg.cache_kib)
        s->cfg.cache_kib = DEFAULT_CACHE_KIB;
    if (s->cfg.max_speed_kn <= 0)
        s->cfg.max_speed_kn = 25;
    if (s->cfg.noise_m == 0)
        s->cfg.noise_m = 1852;
    if (s->cfg.noise_m < 0)
        s->cfg.noise_m = 0;
    if (!s->cfg.max_gap_ms)
        s->cfg.max_gap_ms = 24 * 3600000LL;
    s->fill = &s->b[0];
    int rc = 0;
    if (!s->cfg.read_only) {
        /* The writer's connection creates the file and the schema. WAL: readers
         * do not block the writer; synchronous NORMAL: a commit survives a
         * crash of the process (kill -9) and the file is never damaged; a
         * power cut may lose the last commits, not more. */
        if ((rc = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s->db, s->errmsg, s->cfg.cache_kib)))
            goto fail;
        char sql[160];
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = %d;"
                 " PRAGMA journal_size_limit = %d;",
                 WAL_PAGES, WAL_PAGES * 4096);
        if ((rc = exec_on(s->db, s->errmsg, sql)) || (rc = exec_on(s->db, s->errmsg, "BEGIN IMMEDIATE")))
            goto fail;
        rc = exec_on(s->db, s->errmsg, schema_sql);
        if (!rc) {
            snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO meta VALUES ('schema_version', %d)", SCHEMA_VERSION);
            rc = exec_on(s->db, s->errmsg, sql);
        }
        if (rc) {
            exec_on(s->db, s->werrmsg, "ROLLBACK");
            goto fail;
        }
        if ((rc = exec_on(s->db, s->errmsg, "COMMIT")))
            goto fail;
    }
    if ((rc = open_db(path, s->cfg.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, &s->rdb, s->errmsg,
                      s->cfg.read_only ? s->cfg.cache_kib : 8192)))
        goto fail;
    if ((rc = check_schema(s)))
        goto fail;
    if (!s->cfg.read_only) {
        exec_on(s->db, s->errmsg, "PRAGMA foreign_keys = ON");
        for (int i = 0; i < ST_COUNT; i++) {
            char *sql = NULL;
            switch (i) {
            case ST_VESSEL: sql = values_sql(VESSEL_INSERT, VESSEL_PARAMS, 1, vessel_upsert); break;
            case ST_VESSELS: sql = values_sql(VESSEL_INSERT, VESSEL_PARAMS, VESSELS_PER_INSERT, vessel_upsert); break;
            case ST_POINT: sql = values_sql(POINT_INSERT, POINT_PARAMS, 1, ""); break;
            case ST_POINTS: sql = values_sql(POINT_INSERT, POINT_PARAMS, ROWS_PER_INSERT, ""); break;
            case ST_CELL: sql = values_sql(CELL_INSERT, CELL_PARAMS, 1, ""); break;
            case ST_CELLS: sql = values_sql(CELL_INSERT, CELL_PARAMS, ROWS_PER_INSERT, ""); break;
            default: break;
            }
            int prc = sql || stmt_sql[i] ? sqlite3_prepare_v3(s->db, sql ? sql : stmt_sql[i], -1,
                                                              SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL)
                                         : SQLITE_NOMEM;
            free(sql);
            if (prc != SQLITE_OK) {
                rc = fail(s, s->db, s->errmsg, "prepare");
                goto fail;
            }
        }
        if (sqlite3_prepare_v3(s->rdb, vget_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->vget, NULL) != SQLITE_OK) {
            rc = rfail(s, "prepare");
            goto fail;
        }
        if (!(s->cell_cache = calloc(LO_STORE_CELL_CACHE, sizeof *s->cell_cache))) {
            rc = LO_E_NOMEM;
            copy_msg(s->errmsg, sizeof s->errmsg, "out of memory");
            goto fail;
        }
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        /* Without a thread the caller writes each batch itself. */
        s->threaded = !s->cfg.sync_writes && pthread_create(&s->thread, NULL, writer_main, s) == 0;
    }
    *out = s;
    return 0;
fail:
    copy_msg(errmsg, errlen, s->errmsg);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_finalize(s->vget);
    sqlite3_close(s->rdb);
    sqlite3_close(s->db);
    free(s->cell_cache);
    free(s);
    return rc;
}

const char *lo_store_errmsg(const lo_store *s) { return s ? s->errmsg : "no store"; }

int lo_store_error(const lo_store *s) { return s ? s->err : LO_E_INVAL; }

const lo_store_stats *lo_store_get_stats(lo_store *s)
{
    if (!s->cfg.read_only) {
        pthread_mutex_lock(&s->mu);
        s->stats.points_new = s->ws.points_new;
        s->stats.identity_new = s->ws.identity_new;
        s->stats.vessel_writes = s->ws.vessel_writes;
        s->stats.cell_writes = s->ws.cell_writes;
        s->stats.commits = s->ws.commits;
        pthread_mutex_unlock(&s->mu);
    }
    return &s->stats;
}

/* ---- the writer: one batch, one transaction ---- */

/* Text stays where it is until the statement has run (SQLITE_STATIC). */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
    if (t && *t)
        sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int64_t v, bool known)
{
    if (known)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static int step_done(lo_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : wfail(s, what);
}

static const char *field_name(lo_identity_field f)
{
    switch (f) {
    case LO_ID_NAME: return "name";
    case LO_ID_CALLSIGN: return "callsign";
    case LO_ID_IMO: return "imo";
    case LO_ID_SHIP_TYPE: return "ship_type";
    case LO_ID_DIMENSIONS: return "dimensions";
    }
    return "unknown";
}

/* The 32 values of a vessel row, from parameter o + 1 on. */
static void bind_vessel(sqlite3_stmt *st, int o, const lo_vessel *v)
{
    const lo_track_point *p = &v->last;
    const lo_identity *id = &v->id;
    bool pos = v->has_position;
    bool dims = id->to_bow || id->to_stern || id->to_port || id->to_starboard;
    sqlite3_bind_int64(st, o + 1, v->mmsi);
    sqlite3_bind_text(st, o + 2, lo_station_kind_name(v->kind), -1, SQLITE_STATIC);
    bind_text_or_null(st, o + 3, v->flag_iso2);
    sqlite3_bind_int64(st, o + 4, v->first_seen_ms);
    sqlite3_bind_int64(st, o + 5, v->last_seen_ms);
    sqlite3_bind_int64(st, o + 6, v->types_seen);
    bind_int_or_null(st, o + 7, p->time_ms, pos);
    bind_int_or_null(st, o + 8, p->lat_udeg, pos);
    bind_int_or_null(st, o + 9, p->lon_udeg, pos);
    bind_int_or_null(st, o + 10, p->speed, pos && p->speed != 1023);
    bind_int_or_null(st, o + 11, p->course, pos && p->course < 3600);
    bind_int_or_null(st, o + 12, p->heading, pos && p->heading != 511);
    bind_int_or_null(st, o + 13, p->status, pos);
    bind_int_or_null(st, o + 14, p->type, pos);
    bind_int_or_null(st, o + 15, p->accuracy, pos);
    bind_int_or_null(st, o + 16, p->segment, pos);
    if (pos)
        bind_text_or_null(st, o + 17, p->station);
    else
        sqlite3_bind_null(st, 17);
    sqlite3_bind_int64(st, o + 18, v->segments);
    bind_int_or_null(st, o + 19, id->imo, id->imo != 0);
    bind_text_or_null(st, o + 20, id->name);
    bind_text_or_null(st, o + 21, id->callsign);
    bind_int_or_null(st, o + 22, id->ship_type, id->ship_type != 0);
    bind_int_or_null(st, o + 23, id->to_bow, dims);
    bind_int_or_null(st, o + 24, id->to_stern, dims);
    bind_int_or_null(st, o + 25, id->to_port, dims);
    bind_int_or_null(st, o + 26, id->to_starboard, dims);
    bind_int_or_null(st, o + 27, id->draught, id->draught != 0);
    bind_text_or_null(st, o + 28, id->destination);
    bind_int_or_null(st, o + 29, id->eta, id->eta != 0);
    bind_int_or_null(st, o + 30, id->mothership, id->mothership != 0);
    bind_int_or_null(st, o + 31, v->aid_type, v->kind == LO_STATION_ATON || v->aid_type != 0);
    bind_int_or_null(st, o + 32, v->virtual_aid, v->kind == LO_STATION_ATON);
}

/* The motion column: speed 10 bits, course 12, heading 9, status 4,
 * accuracy 1, message type 6 (read_point unpacks it). */
static int64_t pack_motion(const prow *p)
{
    return (int64_t)(p->speed & 1023) | (int64_t)(p->course & 4095) << 10 | (int64_t)(p->heading & 511) << 22 |
           (int64_t)(p->status & 15) << 31 | (int64_t)(p->accuracy ? 1 : 0) << 35 | (int64_t)(p->type & 63) << 36;
}

/* Write one (sorted) batch in one transaction. Runs in the writer thread, or
 * in the caller's when there is none. */
static int write_batch(lo_store *s, batch *b, wstats *ws)
{
    int rc = exec_on(s->db, s->werrmsg, "BEGIN IMMEDIATE");
    sqlite3_stmt *st;
    for (uint32_t i = 0; !rc && i < b->nrows;) {
        uint32_t n = b->nrows - i >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1;
        st = s->st[n > 1 ? ST_POINTS : ST_POINT];
        for (uint32_t k = 0; k < n; k++) {
            const prow *p = &b->rows[i + k];
            int o = (int)k * POINT_PARAMS;
            sqlite3_bind_int(st, o + 1, p->period);
            sqlite3_bind_int64(st, o + 2, p->mmsi);
            sqlite3_bind_int64(st, o + 3, p->time);
            sqlite3_bind_int(st, o + 4, p->lat);
            sqlite3_bind_int(st, o + 5, p->lon);
            sqlite3_bind_int64(st, o + 6, pack_motion(p));
            sqlite3_bind_int64(st, o + 7, p->segment);
            if (p->station[0])
                sqlite3_bind_text(st, o + 8, p->station, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, o + 8);
        }
        if (!(rc = step_done(s, st, "writing positions")))
            ws->points_new += (uint64_t)sqlite3_changes(s->db);
        i += n;
    }
    for (uint32_t i = 0; !rc && i < b->ncells;) {
        uint32_t n = b->ncells - i >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1;
        st = s->st[n > 1 ? ST_CELLS : ST_CELL];
        for (uint32_t k = 0; k < n; k++) {
            const cellkey *c = &b->cells[i + k];
            int o = (int)k * CELL_PARAMS;
            sqlite3_bind_int(st, o + 1, c->period);
            sqlite3_bind_int(st, o + 2, c->cell);
            sqlite3_bind_int64(st, o + 3, c->mmsi);
        }
        if (!(rc = step_done(s, st, "writing the position index")))
            ws->cell_writes += n;
        i += n;
    }
    st = s->st[ST_IDENTITY];
    for (uint32_t i = 0; !rc && i < b->nidents; i++) {
        const irow *c = &b->idents[i];
        sqlite3_bind_int64(st, 1, c->mmsi);
        sqlite3_bind_text(st, 2, field_name(c->field), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, c->time);
        sqlite3_bind_text(st, 4, c->old_value, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, c->new_value, -1, SQLITE_STATIC);
        if (!(rc = step_done(s, st, "writing an identity change")) && sqlite3_changes(s->db) > 0)
            ws->identity_new++;
    }
    for (uint32_t i = 0; !rc && i < b->nvessels;) {
        uint32_t n = b->nvessels - i >= VESSELS_PER_INSERT ? VESSELS_PER_INSERT : 1;
        st = s->st[n > 1 ? ST_VESSELS : ST_VESSEL];
        for (uint32_t k = 0; k < n; k++)
            bind_vessel(st, (int)k * VESSEL_PARAMS, &b->vessels[i + k]);
        if (!(rc = step_done(s, st, "writing vessels")))
            ws->vessel_writes += n;
        i += n;
    }
    if (!rc)
        rc = exec_on(s->db, s->werrmsg, "COMMIT");
    if (rc)
        exec_on(s->db, s->werrmsg + 128, "ROLLBACK"); /* keep the first message */
    else
        ws->commits++;
    b->nrows = b->ncells = b->nvessels = b->nidents = 0;
    return rc;
}

static void *writer_main(void *arg)
{
    lo_store *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->work && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!s->work)
            break;
        batch *b = s->work;
        bool skip = s->werr != 0;
        wstats ws = s->ws;
        pthread_mutex_unlock(&s->mu);
        int rc = skip ? 0 : write_batch(s, b, &ws);
        if (skip)
            b->nrows = b->ncells = b->nvessels = b->nidents = 0;
        pthread_mutex_lock(&s->mu);
        s->ws = ws;
        if (rc && !s->werr)
            s->werr = rc;
        s->work = NULL;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- the caller's side ---- */

static int cmp_row(const void *a, const void *b)
{
    const prow *x = a, *y = b;
    if (x->period != y->period)
        return x->period < y->period ? -1 : 1;
    if (x->mmsi != y->mmsi)
        return x->mmsi < y->mmsi ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->lat != y->lat)
        return x->lat < y->lat ? -1 : 1;
    return x->lon < y->lon ? -1 : x->lon > y->lon;
}

static int cmp_cell(const void *a, const void *b)
{
    const cellkey *x = a, *y = b;
    if (x->period != y->period)
        return x->period < y->period ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->mmsi < y->mmsi ? -1 : x->mmsi > y->mmsi;
}

static int cmp_vessel(const void *a, const void *b)
{
    const lo_vessel *x = a, *y = b;
    return x->mmsi < y->mmsi ? -1 : x->mmsi > y->mmsi;
}

/* Wait until the writer is idle; returns its error (copied for the caller). */
static int wait_idle(lo_store *s)
{
    if (!s->threaded)
        return s->werr;
    pthread_mutex_lock(&s->mu);
    while (s->work)
        pthread_cond_wait(&s->cv, &s->mu);
    int rc = s->werr;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int writer_error(lo_store *s, int rc)
{
    if (rc) {
        pthread_mutex_lock(&s->mu);
        copy_msg(s->errmsg, sizeof s->errmsg, s->werrmsg);
        pthread_mutex_unlock(&s->mu);
    }
    return rc;
}

/* Sort the filling batch and give it to the writer (waiting for the one
 * before); the caller goes on with the other buffer. */
static int hand_off(lo_store *s)
{
    batch *b = s->fill;
    for (uint32_t i = 0; i < b->nvessels; i++) {
        slot *sl = umap_find(&s->vmap, b->vessels[i].mmsi);
        if (sl && s->vstates[sl->idx].pending == (int32_t)i)
            s->vstates[sl->idx].pending = -1;
    }
    s->batch_rows = 0;
    if (!b->nrows && !b->ncells && !b->nvessels && !b->nidents)
        return writer_error(s, wait_idle(s));
    /* (qsort wants a non-NULL array even for 0 items: a batch may hold only vessels) */
    if (b->nrows)
        qsort(b->rows, b->nrows, sizeof *b->rows, cmp_row);
    if (b->ncells)
        qsort(b->cells, b->ncells, sizeof *b->cells, cmp_cell);
    uint32_t w = 0; /* the same entry queued twice (a cache collision) */
    for (uint32_t i = 0; i < b->ncells; i++)
        if (!w || cmp_cell(&b->cells[i], &b->cells[w - 1]))
            b->cells[w++] = b->cells[i];
    b->ncells = w;
    if (b->nvessels)
        qsort(b->vessels, b->nvessels, sizeof *b->vessels, cmp_vessel);
    if (!s->threaded) {
        int rc = s->werr ? s->werr : write_batch(s, b, &s->ws);
        if (rc && !s->werr)
            s->werr = rc;
        return writer_error(s, rc);
    }
    pthread_mutex_lock(&s->mu);
    while (s->work)
        pthread_cond_wait(&s->cv, &s->mu);
    int rc = s->werr;
    if (!rc) {
        s->work = b;
        s->fill = b == &s->b[0] ? &s->b[1] : &s->b[0];
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (rc) /* the writer failed: what is queued will never be written */
        b->nrows = b->ncells = b->nvessels = b->nidents = 0;
    return writer_error(s, rc);
}

int lo_store_commit(lo_store *s)
{
    if (!s)
        return LO_E_INVAL;
    if (s->cfg.read_only)
        return 0;
    return hand_off(s);
}

int lo_store_sync(lo_store *s)
{
    if (!s)
        return LO_E_INVAL;
    if (s->cfg.read_only)
        return 0;
    int rc = hand_off(s);
    return rc ? rc : writer_error(s, wait_idle(s));
}

int lo_store_close(lo_store *s)
{
    if (!s)
        return 0;
    int rc = lo_store_sync(s);
    if (!s->cfg.read_only) {
        if (s->threaded) {
            pthread_mutex_lock(&s->mu);
            s->stop = true;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            pthread_join(s->thread, NULL);
        }
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_finalize(s->vget);
    sqlite3_close(s->rdb);
    if (s->db && rc == 0)
        sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
    sqlite3_close(s->db);
    free(s->vmap.slots);
    free(s->vstates);
    free_batch(&s->b[0]);
    free_batch(&s->b[1]);
    free(s->cell_cache);
    free(s);
    return rc;
}

static int grow(void **p, uint32_t *cap, size_t size)
{
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    void *np = realloc(*p, (size_t)ncap * size);
    if (!np)
        return LO_E_NOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

static int count_row(lo_store *s)
{
    if (++s->batch_rows >= s->cfg.batch_rows)
        return lo_store_commit(s);
    return 0;
}

/* What the database holds for v's MMSI (what is committed). */
static int vstate_load(lo_store *s, vstate *v)
{
    v->existed = v->base_known = v->continued = v->older = v->evicted = false;
    v->stored_segments = v->stored_segment = 0;
    v->stored_pos_time = LO_TIME_NONE;
    sqlite3_stmt *st = s->vget;
    sqlite3_bind_int64(st, 1, v->mmsi);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        v->existed = true;
        v->stored_segments = (uint32_t)sqlite3_column_int64(st, 0);
        v->stored_segment = (uint32_t)sqlite3_column_int64(st, 1);
        v->stored_pos_time = sqlite3_column_type(st, 2) == SQLITE_NULL ? LO_TIME_NONE : sqlite3_column_int64(st, 2);
        v->stored_lat = sqlite3_column_int(st, 3);
        v->stored_lon = sqlite3_column_int(st, 4);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rfail(s, "reading a vessel");
    return 0;
}

static int vstate_get(lo_store *s, uint32_t mmsi, vstate **out)
{
    slot *sl = umap_find(&s->vmap, mmsi);
    int rc;
    if (sl) {
        vstate *v = &s->vstates[sl->idx];
        if (v->evicted) {
            /* Back after the tracker forgot it: what was written of it must
             * be committed before its state is read again. */
            if ((rc = lo_store_sync(s)) || (rc = vstate_load(s, v)))
                return rc;
            v->pending = -1;
        }
        *out = v;
        return 0;
    }
    if (s->nv == s->vcap && (rc = grow((void **)&s->vstates, &s->vcap, sizeof *s->vstates)))
        return rc;
    vstate *v = &s->vstates[s->nv];
    memset(v, 0, sizeof *v);
    v->mmsi = mmsi;
    v->pending = -1;
    if ((rc = vstate_load(s, v)) || (rc = umap_put(&s->vmap, mmsi, s->nv)))
        return rc;
    *out = &s->vstates[s->nv++];
    return 0;
}

static double dist_m(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
    const double r = 6371008.8, k = M_PI / 180e6;
    int64_t dlon = (int64_t)lon2 - lon1;
    if (dlon > 180000000)
        dlon -= 360000000;
    else if (dlon < -180000000)
        dlon += 360000000;
    double p1 = lat1 * k, p2 = lat2 * k, dp = (double)(lat2 - lat1) * k, dl = (double)dlon * k;
    double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * r * asin(sqrt(a < 1 ? a : 1));
}

/* Decide at a vessel's first point of this run how its segments are numbered. */
static void decide_base(lo_store *s, vstate *v, const lo_track_point *p)
{
    v->base_known = true;
    if (!v->existed || v->stored_pos_time == LO_TIME_NONE)
        return;
    if (p->time_ms <= v->stored_pos_time) {
        v->older = true;
        return;
    }
    int64_t gap = p->time_ms - v->stored_pos_time;
    double d = dist_m(v->stored_lat, v->stored_lon, p->lat_udeg, p->lon_udeg);
    v->continued =
        gap <= s->cfg.max_gap_ms && d <= s->cfg.noise_m + s->cfg.max_speed_kn * 1852.0 * (double)gap / 3.6e6;
}

static uint32_t map_segment(const vstate *v, uint32_t seg)
{
    if (!v->existed || v->older || v->stored_pos_time == LO_TIME_NONE || !seg)
        return seg;
    if (v->continued)
        return seg == 1 ? v->stored_segment : v->stored_segments + seg - 1;
    return v->stored_segments + seg;
}

static int keep_pending(lo_store *s, vstate *vs, const lo_vessel *v)
{
    batch *b = s->fill;
    if (vs->pending < 0) {
        int rc;
        if (b->nvessels == b->vcap && (rc = grow((void **)&b->vessels, &b->vcap, sizeof *b->vessels)))
            return rc;
        vs->pending = (int32_t)b->nvessels++;
    }
    lo_vessel *pv = &b->vessels[vs->pending];
    *pv = *v;
    if (v->has_position)
        pv->last.segment = map_segment(vs, v->last.segment);
    /* the highest segment number this run has given (the upsert keeps the
     * larger of it and the stored count) */
    pv->segments = map_segment(vs, v->segments);
    return 0;
}

static uint16_t cell_of(int32_t lat, int32_t lon)
{
    int row = (lat + 90000000) / CELL_UDEG, col = (lon + 180000000) / CELL_UDEG;
    if (row > 179) /* the pole and the antimeridian belong to the last cell */
        row = 179;
    if (col > CELL_COLS - 1)
        col = CELL_COLS - 1;
    return (uint16_t)(row * CELL_COLS + col);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

static int add_cell(lo_store *s, uint32_t mmsi, int64_t time_ms, int32_t lat, int32_t lon)
{
    cellkey k = {.period = (int32_t)(time_ms / PERIOD_MS), .cell = cell_of(lat, lon), .mmsi = mmsi};
    uint32_t h = (uint32_t)mix64((uint64_t)k.period << 48 ^ (uint64_t)k.cell << 32 ^ mmsi);
    cellkey *c = &s->cell_cache[h & (LO_STORE_CELL_CACHE - 1)];
    if (c->mmsi == mmsi && c->period == k.period && c->cell == k.cell && mmsi)
        return 0; /* written already, or queued */
    *c = k;
    batch *b = s->fill;
    if (b->ncells == b->ccap && grow((void **)&b->cells, &b->ccap, sizeof *b->cells))
        return LO_E_NOMEM;
    b->cells[b->ncells++] = k;
    return 0;
}

static bool valid_point(const lo_track_point *p)
{
    return p->time_ms >= 0 && p->time_ms < (INT64_C(1) << 50) && p->lat_udeg >= -90000000 &&
           p->lat_udeg <= 90000000 && p->lon_udeg >= -180000000 && p->lon_udeg <= 180000000 &&
           p->mmsi <= MAX_MMSI;
}

int lo_store_point(lo_store *s, const lo_vessel *v, const lo_track_point *p)
{
    if (!s || !v || !p || s->cfg.read_only)
        return LO_E_INVAL;
    if (!valid_point(p))
        return LO_E_RANGE;
    vstate *vs;
    int rc = vstate_get(s, p->mmsi, &vs);
    if (rc)
        return rc;
    if (!vs->base_known)
        decide_base(s, vs, p);
    batch *b = s->fill;
    if (b->nrows == b->rcap && (rc = grow((void **)&b->rows, &b->rcap, sizeof *b->rows)))
        return rc;
    prow *r = &b->rows[b->nrows++];
    r->period = (int32_t)(p->time_ms / PERIOD_MS);
    r->mmsi = p->mmsi;
    r->time = p->time_ms;
    r->lat = p->lat_udeg;
    r->lon = p->lon_udeg;
    r->segment = map_segment(vs, p->segment);
    r->speed = p->speed;
    r->course = p->course;
    r->heading = p->heading;
    r->status = p->status;
    r->type = p->type;
    r->accuracy = p->accuracy;
    size_t n = strnlen(p->station, sizeof p->station - 1);
    memcpy(r->station, p->station, n);
    r->station[n] = '\0';
    s->stats.points++;
    if ((rc = add_cell(s, p->mmsi, p->time_ms, p->lat_udeg, p->lon_udeg)))
        return rc;
    if (v->mmsi == p->mmsi && (rc = keep_pending(s, vs, v)))
        return rc;
    return count_row(s);
}

int lo_store_vessel(lo_store *s, const lo_vessel *v)
{
    if (!s || !v || s->cfg.read_only)
        return LO_E_INVAL;
    if (v->mmsi > MAX_MMSI || v->first_seen_ms < 0)
        return LO_E_RANGE;
    vstate *vs;
    int rc = vstate_get(s, v->mmsi, &vs);
    return rc ? rc : keep_pending(s, vs, v);
}

/* The stored value of one identity field, as text the way the tracker writes
 * it, and the vessel's stored last_seen. */
static int stored_identity(lo_store *s, uint32_t mmsi, lo_identity_field f, char *out, size_t cap, int64_t *last_seen)
{
    sqlite3_stmt *st = s->vget;
    out[0] = '\0';
    *last_seen = LO_TIME_NONE;
    sqlite3_bind_int64(st, 1, mmsi);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *last_seen = sqlite3_column_int64(st, 5);
        switch (f) {
        case LO_ID_NAME:
        case LO_ID_CALLSIGN: {
            const unsigned char *t = sqlite3_column_text(st, f == LO_ID_NAME ? 6 : 7);
            snprintf(out, cap, "%s", t ? (const char *)t : "");
            break;
        }
        case LO_ID_IMO:
        case LO_ID_SHIP_TYPE: {
            int col = f == LO_ID_IMO ? 8 : 9;
            if (sqlite3_column_type(st, col) != SQLITE_NULL)
                snprintf(out, cap, "%lld", (long long)sqlite3_column_int64(st, col));
            break;
        }
        case LO_ID_DIMENSIONS:
            if (sqlite3_column_type(st, 10) != SQLITE_NULL)
                snprintf(out, cap, "%d/%d/%d/%d", sqlite3_column_int(st, 10), sqlite3_column_int(st, 11),
                         sqlite3_column_int(st, 12), sqlite3_column_int(st, 13));
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rfail(s, "reading a vessel's identity");
    return 0;
}

int lo_store_identity(lo_store *s, const lo_vessel *v, const lo_identity_change *c)
{
    if (!s || !c || s->cfg.read_only)
        return LO_E_INVAL;
    if (c->mmsi > MAX_MMSI || c->time_ms < 0)
        return LO_E_RANGE;
    vstate *vs;
    int rc = vstate_get(s, c->mmsi, &vs);
    if (rc)
        return rc;
    batch *b = s->fill;
    if (b->nidents == b->icap && (rc = grow((void **)&b->idents, &b->icap, sizeof *b->idents)))
        return rc;
    irow *r = &b->idents[b->nidents];
    r->mmsi = c->mmsi;
    r->time = c->time_ms;
    r->field = c->field;
    snprintf(r->old_value, sizeof r->old_value, "%s", c->old_value);
    snprintf(r->new_value, sizeof r->new_value, "%s", c->new_value);
    if (!r->old_value[0] && vs->existed) {
        /* A first value in this run: against what earlier runs stored (this
         * run has written no value of this field). */
        int64_t stored_seen;
        if ((rc = stored_identity(s, c->mmsi, c->field, r->old_value, sizeof r->old_value, &stored_seen)))
            return rc;
        if (!strcmp(r->old_value, r->new_value))
            return 0; /* known already */
        if (r->old_value[0] && stored_seen > c->time_ms)
            return 0; /* the stored value is newer: older data does not change it */
    }
    b->nidents++;
    if (v && v->mmsi == c->mmsi && (rc = keep_pending(s, vs, v)))
        return rc;
    return count_row(s);
}

/* ---- tracker callbacks ---- */

/* Values the store refuses (a time before 1970) are counted and skipped;
 * database errors stop the writing. */
static void keep_err(lo_store *s, int rc)
{
    if (rc == LO_E_RANGE || rc == LO_E_INVAL)
        s->stats.refused++;
    else if (rc)
        s->err = rc;
}

static void cb_point(void *ctx, const lo_vessel *v, const lo_track_point *p)
{
    lo_store *s = ctx;
    if (!s->err)
        keep_err(s, lo_store_point(s, v, p));
}

static void cb_identity(void *ctx, const lo_vessel *v, const lo_identity_change *c)
{
    lo_store *s = ctx;
    if (!s->err)
        keep_err(s, lo_store_identity(s, v, c));
}

static void cb_vessel(void *ctx, const lo_vessel *v)
{
    lo_store *s = ctx;
    if (!s->err)
        keep_err(s, lo_store_vessel(s, v));
}

/* The tracker forgets an evicted vessel and numbers its segments from 1 again
 * when it comes back: its last record is written with the batch, and its
 * state is read afresh from the database at its next event. */
static void cb_evict(void *ctx, const lo_vessel *v)
{
    lo_store *s = ctx;
    slot *sl = umap_find(&s->vmap, v->mmsi);
    if (s->err || !sl)
        return;
    vstate *vs = &s->vstates[sl->idx];
    if (vs->pending >= 0)
        keep_err(s, keep_pending(s, vs, v));
    vs->pending = -1; /* its row stays in the batch; a return gets a new one */
    vs->evicted = true;
}

void lo_store_callbacks(lo_store *s, lo_tracker_callbacks *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->ctx = s;
    cb->on_point = cb_point;
    cb->on_identity = cb_identity;
    cb->on_vessel = cb_vessel;
    cb->on_evict = cb_evict;
}

/* ---- events ---- */

static bool json_ok(lo_store *s, const char *text)
{
    if (!text)
        return true;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rdb, "SELECT json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return ok;
}

/* Events are few: written at once, on the writer's connection while the
 * writer is idle (after everything queued before them is committed). */
/* Without the detector's id: one from the type, start and vessels (FNV-1a),
 * so that reporting the same event again updates its row. */
static uint64_t event_key(const lo_event_record *e, const char *vessels)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = e->type; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint64_t)((e->start_ms >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
    for (const char *p = vessels; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return h ? h : 1;
}

int lo_store_event(lo_store *s, const lo_event_record *e, int64_t *id)
{
    if (!s || !e || !e->type || !*e->type || (e->nmmsi && !e->mmsi) || s->cfg.read_only)
        return LO_E_INVAL;
    if (!json_ok(s, e->geometry) || !json_ok(s, e->parameters) || !json_ok(s, e->evidence))
        return LO_E_INVAL;
    int rc = lo_store_sync(s);
    if (rc)
        return rc;
    size_t cap = 2 + e->nmmsi * 11;
    char *vessels = malloc(cap + 1);
    if (!vessels)
        return LO_E_NOMEM;
    size_t n = 0;
    vessels[n++] = '[';
    for (size_t i = 0; i < e->nmmsi; i++)
        n += (size_t)snprintf(vessels + n, cap + 1 - n, "%s%u", i ? "," : "", (unsigned)e->mmsi[i]);
    vessels[n++] = ']';
    vessels[n] = '\0';
    sqlite3_stmt *st = NULL;
    int64_t rowid = 0;
    rc = exec_on(s->db, s->errmsg, "BEGIN IMMEDIATE");
    if (!rc && sqlite3_prepare_v2(s->db,
                                  "INSERT INTO events(id, type, severity, start, \"end\", vessels, geometry, parameters,"
                                  " evidence) VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id)"
                                  " DO UPDATE SET type = excluded.type, severity = excluded.severity,"
                                  " start = excluded.start, \"end\" = excluded.\"end\", vessels = excluded.vessels,"
                                  " geometry = excluded.geometry, parameters = excluded.parameters,"
                                  " evidence = excluded.evidence RETURNING id",
                                  -1, &st, NULL) != SQLITE_OK)
        rc = fail(s, s->db, s->errmsg, "writing an event");
    if (!rc) {
        sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, e->severity);
        sqlite3_bind_int64(st, 3, e->start_ms);
        bind_int_or_null(st, 4, e->end_ms, e->end_ms != LO_TIME_NONE);
        sqlite3_bind_text(st, 5, vessels, (int)n, SQLITE_STATIC);
        bind_text_or_null(st, 6, e->geometry);
        bind_text_or_null(st, 7, e->parameters);
        bind_text_or_null(st, 8, e->evidence);
        sqlite3_bind_int64(st, 9, (int64_t)(e->key ? e->key : event_key(e, vessels)));
        if (sqlite3_step(st) == SQLITE_ROW) {
            rowid = sqlite3_column_int64(st, 0);
            while (sqlite3_step(st) == SQLITE_ROW)
                ;
        } else {
            rc = fail(s, s->db, s->errmsg, "writing an event");
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!rc && e->nmmsi) {
        if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO event_vessels(mmsi, event_id) VALUES (?1, ?2)", -1, &st,
                               NULL) != SQLITE_OK)
            rc = fail(s, s->db, s->errmsg, "writing an event's vessels");
        for (size_t i = 0; !rc && i < e->nmmsi; i++) {
            sqlite3_bind_int64(st, 1, e->mmsi[i]);
            sqlite3_bind_int64(st, 2, rowid);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = fail(s, s->db, s->errmsg, "writing an event's vessels");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    free(vessels);
    if (!rc)
        rc = exec_on(s->db, s->errmsg, "COMMIT");
    if (rc)
        exec_on(s->db, s->werrmsg, "ROLLBACK");
    else if (id)
        *id = rowid;
    return rc;
}

/* ---- queries ---- */

static int count_table(lo_store *s, const char *sql, uint64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rdb, sql, -1, &st, NULL) != SQLITE_OK)
        return rfail(s, "count");
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rfail(s, "count");
}

int lo_store_count(lo_store *s, lo_store_counts *c)
{
    if (!s || !c)
        return LO_E_INVAL;
    int rc = lo_store_sync(s);
    if (!rc)
        rc = count_table(s, "SELECT count(*) FROM vessels", &c->vessels);
    if (!rc)
        rc = count_table(s, "SELECT count(*) FROM positions", &c->positions);
    if (!rc)
        rc = count_table(s, "SELECT count(*) FROM identity_history", &c->identity_changes);
    if (!rc)
        rc = count_table(s, "SELECT count(*) FROM events", &c->events);
    if (!rc)
        rc = count_table(s, "SELECT count(*) FROM position_cells", &c->cells);
    return rc;
}

int64_t lo_store_last_time(lo_store *s)
{
    sqlite3_stmt *st;
    int64_t t = LO_TIME_NONE;
    if (!s || lo_store_sync(s) ||
        sqlite3_prepare_v2(s->rdb, "SELECT max(pos_time) FROM vessels", -1, &st, NULL) != SQLITE_OK)
        return t;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        t = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return t;
}

#define POINT_COLS "mmsi, time, lat, lon, motion, segment, station"

static void read_point(sqlite3_stmt *st, int c, lo_track_point *p)
{
    memset(p, 0, sizeof *p);
    p->mmsi = (uint32_t)sqlite3_column_int64(st, c + 0);
    p->time_ms = sqlite3_column_int64(st, c + 1);
    p->lat_udeg = sqlite3_column_int(st, c + 2);
    p->lon_udeg = sqlite3_column_int(st, c + 3);
    int64_t m = sqlite3_column_int64(st, c + 4);
    p->speed = (uint16_t)(m & 1023);
    p->course = (uint16_t)(m >> 10 & 4095);
    p->heading = (uint16_t)(m >> 22 & 511);
    p->status = (uint8_t)(m >> 31 & 15);
    p->accuracy = (m >> 35 & 1) != 0;
    p->type = (uint8_t)(m >> 36 & 63);
    p->segment = (uint32_t)sqlite3_column_int64(st, c + 5);
    const unsigned char *t = sqlite3_column_text(st, c + 6);
    if (t)
        snprintf(p->station, sizeof p->station, "%s", (const char *)t);
}

/* The periods in which a vessel has positions, between two times: the
 * positions of one vessel are read period by period (the key leads with it). */
#define VESSEL_PERIODS "SELECT period FROM position_cells WHERE mmsi = ?1 AND period BETWEEN ?2 AND ?3"

/* Rows of one vessel between two times, in key order (period, then time):
 * no sort. */
#define TRACK_WHERE                                                                                          \
    " FROM positions WHERE period IN (" VESSEL_PERIODS ") AND mmsi = ?1 AND time >= ?4 AND time < ?5"

static int track_prepare(lo_store *s, const char *sql, uint32_t mmsi, int64_t from, int64_t to, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->rdb, sql, -1, st, NULL) != SQLITE_OK)
        return rfail(s, "track query");
    sqlite3_bind_int64(*st, 1, mmsi);
    sqlite3_bind_int64(*st, 2, floor_div(from, PERIOD_MS));
    sqlite3_bind_int64(*st, 3, to == INT64_MAX ? INT32_MAX : floor_div(to - 1, PERIOD_MS));
    sqlite3_bind_int64(*st, 4, from);
    sqlite3_bind_int64(*st, 5, to);
    return 0;
}

static int track_query(lo_store *s, uint32_t mmsi, int64_t from_ms, int64_t to_ms, lo_point_fn fn, void *ctx)
{
    int64_t from = from_ms == LO_TIME_NONE ? 0 : from_ms, to = to_ms == LO_TIME_NONE ? INT64_MAX : to_ms;
    if (from >= to)
        return 0;
    /* Segment order is time order when the segment numbers never go down in
     * time (one transmitter: nearly always). A first pass over the segment
     * column says whether they do; only then does SQLite have to sort. */
    sqlite3_stmt *st;
    int rc = track_prepare(s, "SELECT segment" TRACK_WHERE " ORDER BY period, time, lat, lon", mmsi, from, to, &st);
    if (rc)
        return rc;
    bool in_order = true;
    int64_t prev = INT64_MIN;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seg = sqlite3_column_int64(st, 0);
        if (seg < prev) {
            in_order = false;
            break;
        }
        prev = seg;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rfail(s, "track query");
    if ((rc = track_prepare(s,
                            in_order ? "SELECT " POINT_COLS TRACK_WHERE " ORDER BY period, time, lat, lon"
                                     : "SELECT " POINT_COLS TRACK_WHERE " ORDER BY segment, time, lat, lon",
                            mmsi, from, to, &st)))
        return rc;
    int out = 0;
    lo_track_point p;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_point(st, 0, &p);
        if ((out = fn(ctx, &p)) != 0)
            break;
    }
    if (!out && rc != SQLITE_DONE)
        out = rfail(s, "track query");
    sqlite3_finalize(st);
    return out;
}

/* Longitude ranges of a bbox: one, or two across the antimeridian. */
static int lon_ranges(const lo_bbox *b, int32_t lo[2], int32_t hi[2])
{
    if (b->west <= b->east) {
        lo[0] = b->west;
        hi[0] = b->east;
        return 1;
    }
    lo[0] = b->west;
    hi[0] = 180000000;
    lo[1] = -180000000;
    hi[1] = b->east;
    return 2;
}

static bool in_bbox(const lo_bbox *b, int32_t lat, int32_t lon)
{
    if (!b)
        return true;
    if (lat < b->south || lat > b->north)
        return false;
    return b->west <= b->east ? (lon >= b->west && lon <= b->east) : (lon >= b->west || lon <= b->east);
}

typedef struct idvec {
    uint64_t *v;
    size_t n, cap;
} idvec;

static int idvec_push(idvec *iv, uint64_t x)
{
    if (iv->n == iv->cap) {
        size_t ncap = iv->cap ? iv->cap * 2 : 256;
        uint64_t *nv = realloc(iv->v, ncap * sizeof *nv);
        if (!nv)
            return LO_E_NOMEM;
        iv->v = nv;
        iv->cap = ncap;
    }
    iv->v[iv->n++] = x;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Index entries of the periods [h0, h1] in cells meeting bbox (NULL: any), as
 * keys mmsi << 32 | period, sorted, without repeats. */
static int find_cells(lo_store *s, const lo_bbox *bbox, int64_t h0, int64_t h1, idvec *out)
{
    sqlite3_stmt *st;
    int rc = 0;
    /* the periods present bound an open range */
    /* (two subqueries: min and max in one SELECT would scan the table) */
    if (sqlite3_prepare_v2(s->rdb,
                           "SELECT (SELECT min(period) FROM position_cells), (SELECT max(period) FROM position_cells)",
                           -1, &st, NULL) != SQLITE_OK)
        return rfail(s, "area query");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
        if (h0 < lo)
            h0 = lo;
        if (h1 > hi)
            h1 = hi;
    } else {
        h1 = h0 - 1; /* nothing stored */
    }
    sqlite3_finalize(st);
    if (h0 > h1)
        return 0;
    /* Cell ranges: for each row of cells, one or two column ranges. */
    int32_t lo[2] = {-180000000, 0}, hi[2] = {180000000, 0};
    int nr = bbox ? lon_ranges(bbox, lo, hi) : 1;
    int row0 = cell_of(bbox ? bbox->south : -90000000, 0) / CELL_COLS;
    int row1 = cell_of(bbox ? bbox->north : 90000000, 0) / CELL_COLS;
    bool all_cells = !bbox || (row0 == 0 && row1 == 179 && nr == 1 && lo[0] <= -180000000 && hi[0] >= 180000000);
    /* Seek each (period, row of cells) when there are not too many, else scan the periods. */
    bool seek = !all_cells && (h1 - h0 + 1) * (int64_t)(row1 - row0 + 1) * nr <= 200000;
    const char *sql = seek ? "SELECT mmsi FROM position_cells WHERE period = ?1 AND cell BETWEEN ?2 AND ?3"
                           : "SELECT period, cell, mmsi FROM position_cells WHERE period BETWEEN ?1 AND ?2";
    if (sqlite3_prepare_v2(s->rdb, sql, -1, &st, NULL) != SQLITE_OK)
        return rfail(s, "area query");
    int step = SQLITE_DONE;
    if (seek) {
        for (int64_t h = h0; h <= h1 && !rc; h++)
            for (int row = row0; row <= row1 && !rc; row++)
                for (int r = 0; r < nr && !rc; r++) {
                    int c0 = cell_of(row * CELL_UDEG - 90000000, lo[r]);
                    int c1 = cell_of(row * CELL_UDEG - 90000000, hi[r]);
                    sqlite3_bind_int64(st, 1, h);
                    sqlite3_bind_int(st, 2, c0);
                    sqlite3_bind_int(st, 3, c1);
                    while ((step = sqlite3_step(st)) == SQLITE_ROW)
                        if ((rc = idvec_push(out, (uint64_t)sqlite3_column_int64(st, 0) << 32 | (uint64_t)h)))
                            break;
                    if (!rc && step != SQLITE_DONE)
                        rc = rfail(s, "area query");
                    sqlite3_reset(st);
                }
    } else {
        sqlite3_bind_int64(st, 1, h0);
        sqlite3_bind_int64(st, 2, h1);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            uint64_t h = (uint64_t)sqlite3_column_int64(st, 0);
            int cell = sqlite3_column_int(st, 1), row = cell / CELL_COLS, col = cell % CELL_COLS;
            if (!all_cells) {
                bool in = false;
                for (int r = 0; r < nr; r++)
                    in |= col >= cell_of(0, lo[r]) % CELL_COLS && col <= cell_of(0, hi[r]) % CELL_COLS;
                if (!in || row < row0 || row > row1)
                    continue;
            }
            if ((rc = idvec_push(out, (uint64_t)sqlite3_column_int64(st, 2) << 32 | h)))
                break;
        }
        if (!rc && step != SQLITE_DONE)
            rc = rfail(s, "area query");
    }
    sqlite3_finalize(st);
    if (!rc && out->n) {
        qsort(out->v, out->n, sizeof *out->v, cmp_u64);
        size_t w = 1; /* a vessel-period found in several cells */
        for (size_t i = 1; i < out->n; i++)
            if (out->v[i] != out->v[w - 1])
                out->v[w++] = out->v[i];
        out->n = w;
    }
    return rc;
}

static int positions_query(lo_store *s, const lo_bbox *bbox, int64_t from_ms, int64_t to_ms, lo_point_fn fn,
                           void *ctx)
{
    int rc = 0;
    int64_t from = from_ms == LO_TIME_NONE ? 0 : from_ms, to = to_ms == LO_TIME_NONE ? INT64_MAX : to_ms;
    if (from >= to)
        return 0;
    idvec cells = {0};
    rc = find_cells(s, bbox, floor_div(from, PERIOD_MS), to == INT64_MAX ? INT64_MAX : floor_div(to - 1, PERIOD_MS),
                    &cells);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(s->rdb,
                                  "SELECT " POINT_COLS " FROM positions WHERE period = ?6 AND mmsi = ?1"
                                  " AND time >= ?2 AND time < ?3 AND lat BETWEEN ?4 AND ?5 ORDER BY time, lat, lon",
                                  -1, &st, NULL) != SQLITE_OK)
        rc = rfail(s, "area query");
    for (size_t i = 0; !rc && i < cells.n; i++) {
        int64_t period = (int64_t)(cells.v[i] & 0xffffffffu);
        int64_t b0 = period * PERIOD_MS, b1 = b0 + PERIOD_MS;
        sqlite3_bind_int64(st, 1, (int64_t)(cells.v[i] >> 32));
        sqlite3_bind_int64(st, 2, b0 > from ? b0 : from);
        sqlite3_bind_int64(st, 3, b1 < to ? b1 : to);
        sqlite3_bind_int(st, 4, bbox ? bbox->south : -90000000);
        sqlite3_bind_int(st, 5, bbox ? bbox->north : 90000000);
        sqlite3_bind_int64(st, 6, period);
        int step;
        lo_track_point p;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            read_point(st, 0, &p);
            if (!in_bbox(bbox, p.lat_udeg, p.lon_udeg))
                continue;
            if ((rc = fn(ctx, &p)) != 0)
                break;
        }
        if (!rc && step != SQLITE_DONE)
            rc = rfail(s, "area query");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    free(cells.v);
    return rc;
}

/* ---- the picture ---- */

#define VESSEL_COLS                                                                                            \
    "mmsi, kind, first_seen, last_seen, types_seen, pos_time, lat, lon, speed, course, heading, status, type," \
    " accuracy, segment, station, segments, imo, name, callsign, ship_type, to_bow, to_stern, to_port,"       \
    " to_starboard, draught, destination, eta, mothership, aid_type, virtual_aid"

static lo_station_kind kind_of_name(const char *name)
{
    for (int k = LO_STATION_INVALID; k <= LO_STATION_DIVER; k++) {
        const char *n = lo_station_kind_name((lo_station_kind)k);
        if (n && name && !strcmp(n, name))
            return (lo_station_kind)k;
    }
    return LO_STATION_INVALID;
}

static void col_text(sqlite3_stmt *st, int c, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void read_vessel(sqlite3_stmt *st, lo_vessel *v)
{
    memset(v, 0, sizeof *v);
    v->mmsi = (uint32_t)sqlite3_column_int64(st, 0);
    const unsigned char *kind = sqlite3_column_text(st, 1);
    v->kind = kind ? kind_of_name((const char *)kind) : lo_station_kind_of(v->mmsi);
    v->flag_iso2 = lo_mid_iso2(lo_mmsi_mid(v->mmsi));
    v->first_seen_ms = sqlite3_column_int64(st, 2);
    v->last_seen_ms = sqlite3_column_int64(st, 3);
    v->types_seen = (uint32_t)sqlite3_column_int64(st, 4);
    v->has_position = sqlite3_column_type(st, 5) != SQLITE_NULL;
    if (v->has_position) {
        lo_track_point *p = &v->last;
        p->mmsi = v->mmsi;
        p->time_ms = sqlite3_column_int64(st, 5);
        p->lat_udeg = sqlite3_column_int(st, 6);
        p->lon_udeg = sqlite3_column_int(st, 7);
        p->speed = sqlite3_column_type(st, 8) == SQLITE_NULL ? 1023 : (uint16_t)sqlite3_column_int(st, 8);
        p->course = sqlite3_column_type(st, 9) == SQLITE_NULL ? 3600 : (uint16_t)sqlite3_column_int(st, 9);
        p->heading = sqlite3_column_type(st, 10) == SQLITE_NULL ? 511 : (uint16_t)sqlite3_column_int(st, 10);
        p->status = sqlite3_column_type(st, 11) == SQLITE_NULL ? 15 : (uint8_t)sqlite3_column_int(st, 11);
        p->type = (uint8_t)sqlite3_column_int(st, 12);
        p->accuracy = sqlite3_column_int(st, 13) != 0;
        p->segment = (uint32_t)sqlite3_column_int64(st, 14);
        col_text(st, 15, p->station, sizeof p->station);
    }
    v->segments = (uint32_t)sqlite3_column_int64(st, 16);
    lo_identity *id = &v->id;
    id->imo = (uint32_t)sqlite3_column_int64(st, 17);
    col_text(st, 18, id->name, sizeof id->name);
    col_text(st, 19, id->callsign, sizeof id->callsign);
    id->ship_type = (uint8_t)sqlite3_column_int(st, 20);
    id->to_bow = (uint16_t)sqlite3_column_int(st, 21);
    id->to_stern = (uint16_t)sqlite3_column_int(st, 22);
    id->to_port = (uint8_t)sqlite3_column_int(st, 23);
    id->to_starboard = (uint8_t)sqlite3_column_int(st, 24);
    id->draught = (uint8_t)sqlite3_column_int(st, 25);
    col_text(st, 26, id->destination, sizeof id->destination);
    id->eta = (uint32_t)sqlite3_column_int64(st, 27);
    id->mothership = (uint32_t)sqlite3_column_int64(st, 28);
    v->aid_type = (uint8_t)sqlite3_column_int(st, 29);
    v->virtual_aid = sqlite3_column_int(st, 30) != 0;
}

static bool wanted(const lo_picture_query *q, const lo_vessel *v)
{
    if (q->kinds && !(q->kinds & (1u << v->kind)))
        return false;
    if (q->ship_types && !(q->ship_types[v->id.ship_type / 64] >> (v->id.ship_type % 64) & 1))
        return false;
    return true;
}

/* Parse "a/b/c/d" into the four dimensions; false when it is not that. */
static bool parse_dims(const char *t, lo_identity *id)
{
    unsigned v[4] = {0};
    int k = 0;
    for (const char *p = t; k < 4; p++) {
        if (*p >= '0' && *p <= '9') {
            v[k] = v[k] * 10 + (unsigned)(*p - '0');
            if (v[k] > 1023)
                return false;
        } else if (*p == '/' || !*p) {
            k++;
            if (!*p)
                break;
        } else {
            return false;
        }
    }
    if (k != 4)
        return false;
    id->to_bow = (uint16_t)v[0];
    id->to_stern = (uint16_t)v[1];
    id->to_port = (uint8_t)v[2];
    id->to_starboard = (uint8_t)v[3];
    return true;
}

static unsigned long long parse_ull(const char *t)
{
    unsigned long long v = 0;
    for (; *t >= '0' && *t <= '9'; t++)
        v = v * 10 + (unsigned)(*t - '0');
    return v;
}

/* The identity the vessel had at time at: each field's value before its
 * first change after at, when there is one. */
static int identity_at(lo_store *s, sqlite3_stmt *st, lo_vessel *v, int64_t at)
{
    /* rows by field, then time: the first of each field is the one wanted */
    sqlite3_bind_int64(st, 1, v->mmsi);
    sqlite3_bind_int64(st, 2, at);
    char done[16] = "";
    int rc;
    lo_identity *id = &v->id;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(st, 0);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        if (!f || !strcmp(f, done))
            continue;
        snprintf(done, sizeof done, "%s", f);
        if (!t)
            t = "";
        if (!strcmp(f, "name"))
            snprintf(id->name, sizeof id->name, "%s", t);
        else if (!strcmp(f, "callsign"))
            snprintf(id->callsign, sizeof id->callsign, "%s", t);
        else if (!strcmp(f, "imo"))
            id->imo = (uint32_t)parse_ull(t);
        else if (!strcmp(f, "ship_type"))
            id->ship_type = (uint8_t)parse_ull(t);
        else if (!strcmp(f, "dimensions") && !parse_dims(t, id))
            id->to_bow = id->to_stern = id->to_port = id->to_starboard = 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rfail(s, "identity query");
}

static int picture_latest(lo_store *s, const lo_picture_query *q, lo_vessel_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    const lo_bbox *b = q->bbox;
    const char *sql = b ? "SELECT " VESSEL_COLS " FROM vessels WHERE lat BETWEEN ?1 AND ?2 ORDER BY mmsi"
                        : "SELECT " VESSEL_COLS " FROM vessels ORDER BY mmsi";
    if (sqlite3_prepare_v2(s->rdb, sql, -1, &st, NULL) != SQLITE_OK)
        return rfail(s, "vessel query");
    if (b) {
        sqlite3_bind_int(st, 1, b->south);
        sqlite3_bind_int(st, 2, b->north);
    }
    int rc, out = 0;
    lo_vessel v;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_vessel(st, &v);
        if (b && (!v.has_position || !in_bbox(b, v.last.lat_udeg, v.last.lon_udeg)))
            continue;
        if (!wanted(q, &v))
            continue;
        if ((out = fn(ctx, &v)) != 0)
            break;
    }
    if (!out && rc != SQLITE_DONE)
        out = rfail(s, "vessel query");
    sqlite3_finalize(st);
    return out;
}

/* A vessel's last position with oldest <= time <= at: the periods it has
 * positions in, newest first, until one has such a position. */
static int last_position(lo_store *s, sqlite3_stmt *per, sqlite3_stmt *pos, uint64_t mmsi, int64_t at,
                         int64_t oldest, lo_track_point *p, bool *found)
{
    int rc = 0, step;
    *found = false;
    sqlite3_bind_int64(per, 1, (int64_t)mmsi);
    sqlite3_bind_int64(per, 2, oldest == INT64_MIN ? INT32_MIN : floor_div(oldest, PERIOD_MS));
    sqlite3_bind_int64(per, 3, floor_div(at, PERIOD_MS));
    int64_t prev = INT64_MIN;
    while (!*found && (step = sqlite3_step(per)) == SQLITE_ROW) {
        int64_t period = sqlite3_column_int64(per, 0);
        if (period == prev) /* one row per cell */
            continue;
        prev = period;
        sqlite3_bind_int64(pos, 1, (int64_t)mmsi);
        sqlite3_bind_int64(pos, 2, at);
        sqlite3_bind_int64(pos, 3, oldest);
        sqlite3_bind_int64(pos, 4, period);
        int ps = sqlite3_step(pos);
        if (ps == SQLITE_ROW) {
            read_point(pos, 0, p);
            *found = true;
        } else if (ps != SQLITE_DONE) {
            rc = rfail(s, "vessel query");
        }
        sqlite3_reset(pos);
        if (rc)
            break;
    }
    if (!rc && !*found && step != SQLITE_DONE)
        rc = rfail(s, "vessel query");
    sqlite3_reset(per);
    return rc;
}

static int picture_at(lo_store *s, const lo_picture_query *q, lo_vessel_fn fn, void *ctx)
{
    int64_t at = q->at_ms, oldest = q->max_age_ms > 0 ? at - q->max_age_ms : INT64_MIN;
    idvec cand = {0};
    int rc = 0;
    if (q->max_age_ms > 0) {
        rc = find_cells(s, q->bbox, floor_div(oldest, PERIOD_MS), floor_div(at, PERIOD_MS), &cand);
        for (size_t i = 0; i < cand.n; i++)
            cand.v[i] >>= 32; /* mmsi; sorted, duplicates removed below */
    } else {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->rdb, "SELECT mmsi FROM vessels WHERE first_seen <= ?1 ORDER BY mmsi", -1, &st,
                               NULL) != SQLITE_OK)
            return rfail(s, "vessel query");
        sqlite3_bind_int64(st, 1, at);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
            rc = idvec_push(&cand, (uint64_t)sqlite3_column_int64(st, 0));
        if (!rc && step != SQLITE_DONE)
            rc = rfail(s, "vessel query");
        sqlite3_finalize(st);
    }
    sqlite3_stmt *per = NULL, *pos = NULL, *ves = NULL, *idh = NULL;
    if (!rc && (sqlite3_prepare_v2(s->rdb, VESSEL_PERIODS " ORDER BY period DESC", -1, &per, NULL) != SQLITE_OK ||
                sqlite3_prepare_v2(s->rdb,
                                   "SELECT " POINT_COLS " FROM positions WHERE period = ?4 AND mmsi = ?1"
                                   " AND time <= ?2 AND time >= ?3 ORDER BY time DESC, lat DESC, lon DESC LIMIT 1",
                                   -1, &pos, NULL) != SQLITE_OK ||
                sqlite3_prepare_v2(s->rdb, "SELECT " VESSEL_COLS " FROM vessels WHERE mmsi = ?1", -1, &ves, NULL) !=
                    SQLITE_OK ||
                sqlite3_prepare_v2(s->rdb,
                                   "SELECT field, old_value FROM identity_history WHERE mmsi = ?1 AND time > ?2"
                                   " ORDER BY field, time",
                                   -1, &idh, NULL) != SQLITE_OK))
        rc = rfail(s, "vessel query");
    uint64_t prev = UINT64_MAX;
    for (size_t i = 0; !rc && i < cand.n; i++) {
        if (cand.v[i] == prev)
            continue;
        prev = cand.v[i];
        lo_track_point p;
        bool found = false;
        if ((rc = last_position(s, per, pos, cand.v[i], at, oldest, &p, &found)))
            break;
        if (!found)
            continue;
        int step;
        if (!in_bbox(q->bbox, p.lat_udeg, p.lon_udeg))
            continue;
        lo_vessel v;
        sqlite3_bind_int64(ves, 1, (int64_t)cand.v[i]);
        step = sqlite3_step(ves);
        if (step == SQLITE_ROW)
            read_vessel(ves, &v);
        sqlite3_reset(ves);
        if (step != SQLITE_ROW) {
            if (step != SQLITE_DONE)
                rc = rfail(s, "vessel query");
            continue; /* a position without a vessel row: not written by lookout */
        }
        v.has_position = true;
        v.last = p;
        v.last_seen_ms = p.time_ms;
        if ((rc = identity_at(s, idh, &v, at)))
            break;
        if (!wanted(q, &v))
            continue;
        rc = fn(ctx, &v);
    }
    sqlite3_finalize(per);
    sqlite3_finalize(pos);
    sqlite3_finalize(ves);
    sqlite3_finalize(idh);
    free(cand.v);
    return rc;
}

/* Every query is one read transaction: one snapshot, and one lock instead of
 * one per statement. A handle that writes commits first. */
static int read_begin(lo_store *s)
{
    int rc = lo_store_sync(s);
    return rc ? rc : exec_on(s->rdb, s->errmsg, "BEGIN");
}

static int read_end(lo_store *s, int rc)
{
    sqlite3_exec(s->rdb, "COMMIT", NULL, NULL, NULL);
    return rc;
}

int lo_store_vessels(lo_store *s, const lo_picture_query *q, lo_vessel_fn fn, void *ctx)
{
    if (!s || !q || !fn)
        return LO_E_INVAL;
    int rc = read_begin(s);
    if (rc)
        return rc;
    return read_end(s, q->at_ms == LO_TIME_NONE ? picture_latest(s, q, fn, ctx) : picture_at(s, q, fn, ctx));
}

int lo_store_track(lo_store *s, uint32_t mmsi, int64_t from_ms, int64_t to_ms, lo_point_fn fn, void *ctx)
{
    if (!s || !fn)
        return LO_E_INVAL;
    int rc = read_begin(s);
    return rc ? rc : read_end(s, track_query(s, mmsi, from_ms, to_ms, fn, ctx));
}

int lo_store_positions(lo_store *s, const lo_bbox *bbox, int64_t from_ms, int64_t to_ms, lo_point_fn fn,
                       void *ctx)
{
    if (!s || !fn)
        return LO_E_INVAL;
    int rc = read_begin(s);
    return rc ? rc : read_end(s, positions_query(s, bbox, from_ms, to_ms, fn, ctx));
}
