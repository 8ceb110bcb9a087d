#!/usr/bin/env python3
"""Compare lookout's alerts with a simulator's ground truth.

    compare_truth.py TRUTH.jsonl ALERTS.jsonl [--report FILE]
    compare_truth.py --zones-from-truth OUT.geojson TRUTH.jsonl...

Every scripted event in TRUTH (written by `lookout sim --truth`) must be found
among the ALERTS (written by `lookout detect`) with the right vessels, and
start (and end, for events that last) within a tolerance of the scripted
times. Every alert that names a scripted vessel must be explained by a
scripted event: the event itself, or a consequence docs/sim.md lists (an sts
of 4 h or more is also loitering; a swap is a jump and an identity change;
a dark period of 12 h or more far out is a suspected disabling; a fake track
or a circle shows jumps at its ends; a new MMSI leaves the old one silent).
A new MMSI taken at sea (an identity event with an mmsi change) must be found
as an identity_handover naming the old and the new MMSI, starting at the old
one's last report (within 10 minutes of the change); a dark period that ends
under a new MMSI is no gap (the old MMSI never reports again).
Exit status 0 when all are found and nothing is unexplained, 1 otherwise.

--watchlist FILE (a watch-list CSV as lookout detect reads it): a watchlist
alert on a scripted vessel is explained when the vessel's scripted IMO or
MMSI is on that list (a scenario may give a ship a listed identity).

--zones-from-truth writes the boxes of the scenarios' zone events as GeoJSON
polygons named as in the scenario, for `lookout detect --zones`.
"""
import json
import sys

MIN = 60_000
HOUR = 3_600_000

# truth type -> (alert types that find it, start tolerance, end tolerance or None)
FINDS = {
    "sts": ({"encounter"}, 30 * MIN, 60 * MIN),
    "dark": ({"gap", "disabling"}, 10 * MIN, 10 * MIN),
    "loiter": ({"loitering"}, 45 * MIN, 45 * MIN),
    "zone": ({"zone_entry"}, 10 * MIN, None),
    "jump": ({"jump"}, 10 * MIN, None),
    "identity": ({"identity_change"}, 10 * MIN, None),
    "swap": ({"jump", "identity_change"}, 10 * MIN, None),
    "circle": ({"circle", "position_cluster"}, 30 * MIN, None),
}

# Alerts on a scripted vessel that a scripted event explains besides its own.
CONSEQUENCES = {
    "sts": {"loitering", "encounter"},
    "dark": {"gap", "disabling"},
    "loiter": {"loitering"},
    "zone": {"zone_entry", "zone_exit", "zone_dwell"},
    "jump": {"jump", "speed_mismatch", "on_land", "mmsi_shared"},
    "identity": {"identity_change", "gap", "imo_shared", "identity_handover"},
    "swap": {"jump", "identity_change", "speed_mismatch", "imo_shared"},
    "circle": {"circle", "position_cluster", "jump", "speed_mismatch", "on_land"},
}


def load(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: not JSON: {e}")
    return out


def fmt(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def truth_mmsis(t):
    """Every MMSI the scripted event's vessels use: before and after changes."""
    m = {v["mmsi"] for v in t.get("vessels", [])}
    p = t.get("parameters", {})
    ch = p.get("changes", {})
    if "mmsi" in ch:
        m.update(ch["mmsi"])
    m.update(p.get("mmsis", []))
    return m


def alert_mmsis(a):
    return {v["mmsi"] for v in a.get("vessels", [])}


def needed(t):
    """(alert type set, mmsi set the alert must hold, how many alerts) for one truth event."""
    ty = t["type"]
    vessels = [v["mmsi"] for v in t["vessels"]]
    if ty == "sts":
        return [(FINDS[ty][0], set(vessels))]
    if ty == "swap":
        # Each MMSI jumps to the other's place and its static data changes.
        return [({"jump"}, {m}) for m in vessels] + [({"identity_change"}, {m}) for m in vessels]
    if ty == "identity":
        ch = t["parameters"].get("changes", {})
        if "mmsi" in ch:
            # A new MMSI is a new vessel: nothing changes under one MMSI, but the
            # old one falls silent where the new one starts (docs/detect.md).
            return [({"identity_handover"}, set(ch["mmsi"]))]
        return [({"identity_change"}, {vessels[0]})]
    if ty == "dark" and renamed_during(t, truth_all):
        return []  # it comes back under another MMSI: the old one's gap never ends
    if ty == "circle":
        return [(FINDS[ty][0], set(vessels))]
    if ty == "jump" and "track" in t["parameters"] and not fake_track_seen(t, truth_all):
        return []  # a fake track from and back to the ship's real place breaks no rule of motion
    return [(FINDS[ty][0], {m}) for m in vessels]


def renamed_during(t, truth):
    """Does the dark vessel take a new MMSI while dark (or as it ends)?"""
    m = t["vessels"][0]["mmsi"]
    return any(o["type"] == "identity" and o["vessels"][0]["mmsi"] == m and
               "mmsi" in o["parameters"].get("changes", {}) and
               t["start_ms"] <= o["start_ms"] <= t["end_ms"] for o in truth)


def _nm(a, b):
    import math
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h)) / 1852.0


def fake_track_seen(t, truth):
    """A fake track shows a jump where it starts or ends away (> 2 nm) from the ship's
    real place, unless another fake track of the same ship goes on from there
    (HMS DEFENDER: out to Sevastopol and back, neither end away; docs/detect.md)."""
    m = t["vessels"][0]["mmsi"]
    where = (t["where"]["lat"], t["where"]["lon"])
    track = t["parameters"]["track"]
    others = [o for o in truth if o is not t and o["type"] == "jump" and o["vessels"][0]["mmsi"] == m]
    before = any(o["end_ms"] == t["start_ms"] for o in others)
    after = any(o["start_ms"] == t["end_ms"] for o in others)
    return (_nm(where, track[0]) > 2 and not before) or (_nm(where, track[-1]) > 2 and not after)


def matches(t, a, types, mmsis):
    if a["type"] not in types:
        return False
    got = alert_mmsis(a)
    if t["type"] == "circle":
        # Most of the ships shown on the circle, and nobody else.
        inter = len(got & mmsis)
        if inter < max(2, (len(mmsis) + 1) // 2):
            return False
    elif not mmsis <= got:
        return False
    _, tol_start, tol_end = FINDS[t["type"]]
    if abs(a["start_ms"] - t["start_ms"]) > tol_start:
        return False
    if t["type"] == "zone" and a.get("zone") != t["parameters"]["zone"]:
        return False
    if tol_end is not None and a.get("state") == "closed" and abs(a["end_ms"] - t["end_ms"]) > tol_end:
        return False
    return True


truth_all = []
collided = set()  # scripted MMSIs the recorded log's own ships send too (--log-mmsis)


def listed_numbers(path):
    """IMO and MMSI numbers of a watch-list CSV (columns found by name)."""
    import csv
    nums = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for k in ("imo", "mmsi"):
                v = (row.get(k) or "").strip()
                if v.isdigit():
                    nums.add(int(v))
    return nums


def compare(truth, alerts, report, listed=frozenset()):
    truth_all[:] = truth
    ok = True
    used = set()
    scripted = set()
    for t in truth:
        scripted |= truth_mmsis(t)
    for t in truth:
        for types, mmsis in needed(t):
            hit = None
            for i, a in enumerate(alerts):
                if matches(t, a, types, mmsis):
                    hit = i
                    break
            label = f"{t['id']:<16} {t['type']:<9} {'/'.join(sorted(types)):<22} {','.join(map(str, sorted(mmsis)))[:40]:<40}"
            if hit is None:
                ok = False
                report.append(f"MISSED  {label} scripted {fmt(t['start_ms'])} - {fmt(t['end_ms'])}")
            else:
                used.add(hit)
                a = alerts[hit]
                ds = (a["start_ms"] - t["start_ms"]) / 1000
                de = (a["end_ms"] - t["end_ms"]) / 1000
                report.append(f"found   {label} {a['type']} {a['id']} start {ds:+.0f} s, end {de:+.0f} s")
    # Every alert on a scripted vessel must be explained.
    for i, a in enumerate(alerts):
        if i in used or a.get("state") == "open":
            continue
        on = alert_mmsis(a) & scripted
        if not on:
            continue
        if on <= collided and a["type"] in ("mmsi_shared", "jump", "speed_mismatch"):
            continue  # one MMSI at two places: the scripted ship and a real one
        explained = False
        if a["type"] == "watchlist":
            for t in truth:
                for v in t.get("vessels", []):
                    if v["mmsi"] in on and (v["mmsi"] in listed or v.get("imo") in listed):
                        explained = True
        for t in truth:
            if not (truth_mmsis(t) & on):
                continue
            allowed = set(CONSEQUENCES[t["type"]])
            # Consequences happen around the event: from an hour before its start
            # (approach) to a day after its end (a gap left by a new MMSI lasts).
            if allowed and a["type"] in allowed and t["start_ms"] - HOUR <= a["end_ms"] and \
                    a["start_ms"] <= t["end_ms"] + 24 * HOUR:
                explained = True
                break
        if not explained:
            ok = False
            report.append(f"UNEXPLAINED {a['type']} {a['id']} {fmt(a['start_ms'])} vessels "
                          f"{sorted(alert_mmsis(a))}: {a.get('summary', '')}")
    return ok


def zones_from_truth(out_path, truth_paths):
    feats = {}
    for p in truth_paths:
        for t in load(p):
            if t["type"] != "zone":
                continue
            z = t["parameters"]["zone"]
            lat1, lon1, lat2, lon2 = t["parameters"]["box"]
            s, n = min(lat1, lat2), max(lat1, lat2)
            w, e = min(lon1, lon2), max(lon1, lon2)
            feats[z] = {"type": "Feature", "properties": {"name": z},
                        "geometry": {"type": "Polygon",
                                     "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": list(feats.values())}, f)
    return len(feats)


def main(argv):
    if len(argv) >= 3 and argv[1] == "--zones-from-truth":
        n = zones_from_truth(argv[2], argv[3:])
        print(f"{n} zones")
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    truth, alerts = load(argv[1]), load(argv[2])
    if "--log-mmsis" in argv:
        with open(argv[argv.index("--log-mmsis") + 1], encoding="utf-8") as f:
            collided.update(int(x) for x in f.read().split())
    listed = listed_numbers(argv[argv.index("--watchlist") + 1]) if "--watchlist" in argv else frozenset()
    report = []
    ok = compare(truth, alerts, report, listed)
    text = "\n".join(report) + "\n"
    sys.stdout.write(text)
    if "--report" in argv:
        with open(argv[argv.index("--report") + 1], "a", encoding="utf-8") as f:
            f.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
