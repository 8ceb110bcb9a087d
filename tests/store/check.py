#!/usr/bin/env python3
"""check.py - checks of `lookout ingest` databases and of the query commands'
output, for tests/store/run.sh. Each subcommand exits 0 when the check holds and
prints what differs otherwise.

  counts DB                      the row count of every table (one line)
  consistent DB                  integrity_check is ok; every position has its
                                 vessel row and its index entry
  csv LOOKOUT DB FILE...         the positions stored equal the rows of the
                                 MarineCadastre / DMA CSV files
  queries LOOKOUT DB N           N random area, time, picture and track queries
                                 against a brute-force filter over the table
  geojson FILE...                RFC 7946 structure of GeoJSON files
  wait-count DB N SECONDS        wait until the database holds N positions
"""
import csv
import datetime
import json
import math
import random
import sqlite3
import subprocess
import sys
import time

PERIOD_MS = 6 * 3600 * 1000


def connect(db):
    return sqlite3.connect("file:%s?mode=ro" % db, uri=True)


def counts(db):
    c = connect(db)
    out = []
    for t in ("vessels", "positions", "position_cells", "identity_history", "events"):
        out.append("%s=%d" % (t, c.execute("SELECT count(*) FROM %s" % t).fetchone()[0]))
    print(" ".join(out))
    return 0


def consistent(db):
    c = connect(db)
    ic = c.execute("PRAGMA integrity_check").fetchall()
    bad = 0
    if ic != [("ok",)]:
        print("integrity_check:", ic[:5])
        bad += 1
    n = c.execute("SELECT count(*) FROM (SELECT DISTINCT mmsi FROM positions) p "
                  "WHERE NOT EXISTS (SELECT 1 FROM vessels v WHERE v.mmsi = p.mmsi)").fetchone()[0]
    if n:
        print("%d MMSIs have positions but no vessel row" % n)
        bad += 1
    n = c.execute("SELECT count(*) FROM positions p WHERE NOT EXISTS (SELECT 1 FROM position_cells c "
                  "WHERE c.period = p.period AND c.mmsi = p.mmsi AND c.cell = "
                  "min((p.lat + 90000000) / 1000000, 179) * 360 + min((p.lon + 180000000) / 1000000, 359))"
                  ).fetchone()[0]
    if n:
        print("%d positions without their index entry" % n)
        bad += 1
    n = c.execute("SELECT count(*) FROM positions WHERE period != time / %d" % PERIOD_MS).fetchone()[0]
    if n:
        print("%d positions in the wrong period" % n)
        bad += 1
    return 1 if bad else 0


def iso_ms(s):
    d = datetime.datetime.strptime(s.rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    ms = int(s.rstrip("Z")[20:23] or 0) if len(s) > 20 else 0
    return int(d.timestamp()) * 1000 + ms


def dec(s, digits):
    """Decimal text -> integer scaled by 10^digits, rounded half away from zero."""
    s = s.strip().replace(",", ".")
    neg = s.startswith("-")
    s = s.lstrip("+-")
    ip, _, fp = s.partition(".")
    fp = fp + "0" * (digits + 1)
    v = int(ip or "0") * 10 ** digits + int(fp[:digits] or "0") + (1 if fp[digits] >= "5" else 0)
    return -v if neg else v


def csv_expected(path):
    """(mmsi, time_ms) -> (lat_udeg, lon_udeg, speed, course, heading) for rows with a position."""
    want = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = [h.strip().lstrip("#").strip() for h in next(rows)]
        col = {h: i for i, h in enumerate(header)}
        dma = "Timestamp" in col
        for r in rows:
            if not r:
                continue
            g = lambda name: r[col[name]].strip() if name in col and col[name] < len(r) else ""
            mmsi = int(g("MMSI"))
            if dma:
                t = datetime.datetime.strptime(g("Timestamp"), "%d/%m/%Y %H:%M:%S")
            else:
                t = datetime.datetime.strptime(g("BaseDateTime"), "%Y-%m-%dT%H:%M:%S")
            ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000
            lat_s, lon_s = g("Latitude" if dma else "LAT"), g("Longitude" if dma else "LON")
            if not lat_s or not lon_s:
                continue
            lat, lon = dec(lat_s, 6), dec(lon_s, 6)
            if abs(lat) > 90000000 or abs(lon) > 180000000 or (lat == 0 and lon == 0):
                continue
            sog, cog, hdg = g("SOG"), g("COG"), g("Heading")
            mobile = g("Type of mobile")
            speed = course = heading = None
            if mobile not in ("Base Station", "AtoN"):
                if sog and 0 <= dec(sog, 1) < 1023:
                    speed = min(dec(sog, 1), 1022)
                if cog and 0 <= dec(cog, 1) < 3600:
                    course = dec(cog, 1)
                if hdg and 0 <= dec(hdg, 0) <= 359:
                    heading = dec(hdg, 0)
            if mobile == "SAR Airborne" and speed is not None:
                speed = (speed + 5) // 10 * 10
            want[(mmsi, ms)] = (lat, lon, speed, course, heading)
    return want


def stored_positions(lookout, db):
    out = subprocess.run([lookout, "positions", "--db", db, "--format", "json"], capture_output=True, text=True,
                         check=True).stdout
    got = {}
    for line in out.splitlines():
        p = json.loads(line)
        key = (p["mmsi"], iso_ms(p["time"]))
        val = (round(p["lat"] * 1e6), round(p["lon"] * 1e6),
               None if p["speed"] is None else round(p["speed"] * 10),
               None if p["course"] is None else round(p["course"] * 10), p["heading"])
        if key in got:
            print("two positions for", key)
        got[key] = val
    return got


def check_csv(lookout, db, files):
    want = {}
    for f in files:
        want.update(csv_expected(f))
    got = stored_positions(lookout, db)
    bad = 0
    for key in sorted(set(want) | set(got)):
        w, g = want.get(key), got.get(key)
        if w is None or g is None:
            print("%s: row %s, stored %s" % (key, w, g))
            bad += 1
            continue
        # DMA's 6 decimals become 1/10000 minute in the message: within 1 microdegree
        if abs(w[0] - g[0]) > 1 or abs(w[1] - g[1]) > 1 or w[2:] != g[2:]:
            print("%s: row %s, stored %s" % (key, w, g))
            bad += 1
    print("%d rows with a position, %d stored, %d differ" % (len(want), len(got), bad))
    return 1 if bad or not want else 0


def in_box(box, lat, lon):
    if box is None:
        return True
    w, s, e, n = box
    if lat < s or lat > n:
        return False
    return w <= lon <= e if w <= e else (lon >= w or lon <= e)


def fmt_deg(v):
    return "%.6f" % (v / 1e6)


def fmt_time(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (ms % 1000)


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        print(" ".join(cmd), "->", out.returncode, out.stderr)
        sys.exit(1)
    return [json.loads(l) for l in out.stdout.splitlines()]


def queries(lookout, db, n):
    rnd = random.Random(20261129)
    c = connect(db)
    rows = c.execute("SELECT mmsi, time, lat, lon, segment FROM positions").fetchall()
    rows.sort()
    by_mmsi = {}
    for r in rows:
        by_mmsi.setdefault(r[0], []).append(r)
    t0, t1 = rows[0][1], max(r[1] for r in rows)
    bad = 0
    for trial in range(n):
        # a box around a random stored position (empty boxes are too easy)
        _, _, clat, clon, _ = rnd.choice(rows)
        hw, hh = rnd.randint(20000, 5000000), rnd.randint(20000, 3000000)
        w, e = clon - hw, clon + hw
        if e > 180000000:
            e -= 360000000
        if w < -180000000:
            w += 360000000
        box = (w, max(clat - hh, -90000000), e, min(clat + hh, 90000000))
        if trial % 8 == 7:
            box = None
        frm = rnd.randint(t0, t1) // 1000 * 1000
        to = frm + rnd.randint(1, 12 * 3600) * 1000
        args = [lookout, "positions", "--db", db, "--from", "@%d" % (frm // 1000), "--to", "@%d" % (to // 1000)]
        if box:
            args += ["--bbox", ",".join(fmt_deg(v) for v in box)]
        got = [(p["mmsi"], iso_ms(p["time"]), round(p["lat"] * 1e6), round(p["lon"] * 1e6)) for p in run_json(args)]
        want = [r[:4] for r in rows if frm <= r[1] < to and in_box(box, r[2], r[3])]
        if got != want:
            print("positions", args[2:], ": %d returned, %d expected" % (len(got), len(want)))
            bad += 1
        # the picture at a time
        at = rnd.randint(t0, t1) // 1000 * 1000
        age = rnd.choice([600, 3600, 6 * 3600, 0])
        args = [lookout, "vessels", "--db", db, "--at", "@%d" % (at // 1000), "--max-age", str(age)]
        if box:
            args += ["--bbox", ",".join(fmt_deg(v) for v in box)]
        got = [(v["mmsi"], iso_ms(v["time"]), round(v["lat"] * 1e6), round(v["lon"] * 1e6)) for v in run_json(args)]
        want = []
        for mmsi, pts in sorted(by_mmsi.items()):
            cand = [p for p in pts if p[1] <= at and (age == 0 or p[1] >= at - age * 1000)]
            if cand:
                last = max(cand, key=lambda p: (p[1], p[2], p[3]))
                if in_box(box, last[2], last[3]):
                    want.append(last[:4])
        if got != want:
            print("vessels", args[2:], ": %d returned, %d expected" % (len(got), len(want)))
            bad += 1
        # a track
        mmsi = rnd.choice(list(by_mmsi))
        args = [lookout, "track", str(mmsi), "--db", db, "--from", "@%d" % (frm // 1000), "--to", "@%d" % (to // 1000)]
        got = [(p["mmsi"], iso_ms(p["time"]), round(p["lat"] * 1e6), round(p["lon"] * 1e6), p["segment"])
               for p in run_json(args)]
        want = sorted((r for r in by_mmsi[mmsi] if frm <= r[1] < to), key=lambda r: (r[4], r[1], r[2], r[3]))
        if got != [tuple(r) for r in want]:
            print("track", args[2:], ": %d returned, %d expected" % (len(got), len(want)))
            bad += 1
    print("%d queries of each kind, %d differ" % (n, bad))
    return 1 if bad else 0


def check_position(where, p, errs):
    if not isinstance(p, list) or len(p) not in (2, 3) or not all(isinstance(x, (int, float)) for x in p):
        errs.append("%s: position %r is not [lon, lat]" % (where, p))
        return
    if not -180 <= p[0] <= 180 or not -90 <= p[1] <= 90:
        errs.append("%s: position %r out of range" % (where, p))


def geojson(files):
    errs = []
    for path in files:
        text = open(path).read()
        try:
            doc = json.loads(text)
        except ValueError as e:
            errs.append("%s: not JSON: %s" % (path, e))
            continue
        if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
            errs.append("%s: not a FeatureCollection with a features array" % path)
            continue
        if "crs" in doc:
            errs.append("%s: has crs (RFC 7946 removed it: coordinates are WGS 84)" % path)
        for i, f in enumerate(doc["features"]):
            where = "%s: feature %d" % (path, i)
            if f.get("type") != "Feature" or "geometry" not in f or "properties" not in f:
                errs.append("%s: not a Feature with geometry and properties" % where)
                continue
            if "id" in f and not isinstance(f["id"], (str, int, float)):
                errs.append("%s: id is neither a string nor a number" % where)
            if f["properties"] is not None and not isinstance(f["properties"], dict):
                errs.append("%s: properties is not an object" % where)
            g = f["geometry"]
            if g is None:
                continue
            t, c = g.get("type"), g.get("coordinates")
            if t == "Point":
                check_position(where, c, errs)
            elif t == "LineString":
                if not isinstance(c, list) or len(c) < 2:
                    errs.append("%s: a LineString needs two or more positions" % where)
                    continue
                for k, p in enumerate(c):
                    check_position(where, p, errs)
                    # RFC 7946 3.1.9: lines are cut at the antimeridian
                    if k and abs(p[0] - c[k - 1][0]) > 180:
                        errs.append("%s: crosses the antimeridian without a cut" % where)
            else:
                errs.append("%s: unexpected geometry %r" % (where, t))
        print("%s: %d features" % (path, len(doc["features"])))
    for e in errs[:20]:
        print(e)
    return 1 if errs else 0


def wait_count(db, n, seconds):
    deadline = time.time() + seconds
    last = -1
    while time.time() < deadline:
        try:
            last = connect(db).execute("SELECT count(*) FROM positions").fetchone()[0]
        except sqlite3.Error:
            last = -1
        if last >= n:
            print(last)
            return 0
        time.sleep(0.05)
    print("only %d positions after %s s (want %d)" % (last, seconds, n))
    return 1


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "counts":
        return counts(args[0])
    if cmd == "consistent":
        return consistent(args[0])
    if cmd == "csv":
        return check_csv(args[0], args[1], args[2:])
    if cmd == "queries":
        return queries(args[0], args[1], int(args[2]))
    if cmd == "geojson":
        return geojson(args)
    if cmd == "wait-count":
        return wait_count(args[0], int(args[1]), float(args[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
