#!/usr/bin/env python3
"""check_spoof.py - the spoof detector against the simulator's ground truth.

For each scenario: `lookout sim` (optionally --merge into a recorded log),
`lookout detect --json`, then every scripted event that a spoofing rule must
see is looked for among the alerts of the spoofing types (jump, on_land,
position_cluster, circle, speed_mismatch, mmsi_shared), with the right
vessels and times, and every alert of those types on a simulated vessel must
be explained by the script. Alerts on the recorded log's own vessels are
counted and listed (the reviewer's business, docs/detect.md).

    check_spoof.py LOOKOUT SCENARIO... [--merge LOG] [--start-log] [-v]
    check_spoof.py LOOKOUT --shared DIR   (mmsi-shared-b.txt merged into mmsi-shared-a.txt's output)

What each scripted event implies (docs/detect.md, "Spoofing"):
  jump (to/by)        a jump at the start, back at the end: one jump event
  jump (track)        a fake track that ends away from where the ship really
                      is: one jump event (its start found from the ship's
                      stay, or the jump back at the end); a fake track that
                      starts and ends at the ship's real place: nothing
  swap                a jump for both MMSIs at the start
  circle (circle)     one circle event of >= 5 of its vessels; each vessel may
                      also show a jump (in and out) and on_land
  circle (point)      one position_cluster event; jump and on_land likewise
  identity with mmsi  nothing (the old MMSI falls silent, the new one starts);
                      when the recorded log sends the new MMSI too: mmsi_shared
                      from the change on (data/scenarios/mmsi-shared-*.txt)
  anything else       nothing of these types
Exit status 0 when everything matches, 1 otherwise.
"""
import json
import os
import subprocess
import sys
import tempfile

TYPES = "jump,on_land,position_cluster,circle,speed_mismatch,mmsi_shared"
MIN = 60000


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr))
    return r


def dist_nm(a, b):
    import math
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h)) / 1852.0


def expectations(truth):
    """-> (expected: list of dicts, allowed: set of (type, mmsi))"""
    exp, allowed = [], set()
    by_vessel_jumps = {}
    for t in truth:
        if t["type"] == "jump":
            by_vessel_jumps.setdefault(t["vessels"][0]["mmsi"], []).append(t)
    for t in truth:
        mm = [v["mmsi"] for v in t["vessels"]]
        p = t["parameters"]
        tol = max(p.get("report_interval_s", 0) * 1000, 3 * MIN) + 10000
        if t["type"] == "jump":
            if "track" not in p:
                exp.append(dict(type="jump", mmsi=mm[0], start=t["start_ms"], end=t["end_ms"], tol=tol, id=t["id"]))
                continue
            where = (t["where"]["lat"], t["where"]["lon"])
            first, last = p["track"][0], p["track"][-1]
            contiguous_after = any(o["start_ms"] == t["end_ms"] for o in by_vessel_jumps[mm[0]] if o is not t)
            contiguous_before = any(o["end_ms"] == t["start_ms"] for o in by_vessel_jumps[mm[0]] if o is not t)
            starts_away = dist_nm(where, first) > 2 and not contiguous_before
            ends_away = dist_nm(where, last) > 2 and not contiguous_after
            if starts_away or ends_away:
                exp.append(dict(type="jump", mmsi=mm[0], start=t["start_ms"], end=t["end_ms"], tol=tol, id=t["id"]))
        elif t["type"] == "swap":
            for m in mm:
                exp.append(dict(type="jump", mmsi=m, start=t["start_ms"], end=None, tol=tol, id=t["id"]))
        elif t["type"] == "circle":
            kind = "circle" if p["shape"] == "circle" else "position_cluster"
            exp.append(dict(type=kind, mmsis=set(mm), start=t["start_ms"], end=t["end_ms"], tol=20 * MIN, id=t["id"]))
            for m in mm:
                allowed.add(("jump", m))
                allowed.add(("on_land", m))
    return exp, allowed


LOG_MMSIS = {}


def log_mmsis(lookout, log):
    """MMSIs the recorded log itself sends (a scripted MMSI among them is a real collision)."""
    if log not in LOG_MMSIS:
        import re
        out = run([lookout, "decode", log]).stdout
        LOG_MMSIS[log] = set(int(m) for m in re.findall(r'"mmsi":(\d+)', out))
    return LOG_MMSIS[log]


def check(lookout, scenario, merge, start_log, verbose):
    tmp = tempfile.mkdtemp(prefix="check_spoof.")
    nmea, truthf, events = (os.path.join(tmp, n) for n in ("sim.nmea", "truth.jsonl", "events.jsonl"))
    cmd = [lookout, "sim", scenario, "-o", nmea, "--truth", truthf]
    if merge:
        cmd += ["--merge", merge]
        if start_log:
            cmd += ["--start", "log"]
    run(cmd)
    run([lookout, "detect", nmea, "--type", TYPES, "--json", events])
    truth = [json.loads(l) for l in open(truthf)]
    evs = [json.loads(l) for l in open(events)]
    evs = [e for e in evs if e["state"] != "open"]
    injected = set()
    for t in truth:
        for v in t["vessels"]:
            injected.add(v["mmsi"])
        if t["type"] == "identity" and "mmsi" in t["parameters"].get("changes", {}):
            injected.update(t["parameters"]["changes"]["mmsi"])
    exp, allowed = expectations(truth)
    # A scripted MMSI the log's own ships also send is one MMSI at two places: mmsi_shared
    # and jumps are then right, and its scripted events cannot be told from them.
    collided = injected & log_mmsis(lookout, merge) if merge else set()
    skipped = [x for x in exp if x.get("mmsi") in collided]
    exp = [x for x in exp if x.get("mmsi") not in collided]
    for m in collided:
        allowed.update({("mmsi_shared", m), ("jump", m), ("speed_mismatch", m)})
    for t in truth:
        ch = t["parameters"].get("changes", {}) if t["type"] == "identity" else {}
        if "mmsi" in ch and merge and ch["mmsi"][1] in log_mmsis(lookout, merge):
            # the new MMSI is one the log's own vessel sends: one MMSI at two places from then on
            exp.append(dict(type="mmsi_shared", mmsi=ch["mmsi"][1], start=t["start_ms"], end=None,
                            tol=10 * MIN, id=t["id"]))
    used = set()
    ok = True
    lines = []
    for x in exp:
        found = None
        for i, e in enumerate(evs):
            if i in used or e["type"] != x["type"]:
                continue
            vs = [v["mmsi"] for v in e["vessels"]]
            if "mmsi" in x:
                if vs[0] != x["mmsi"]:
                    continue
                if abs(e["start_ms"] - x["start"]) > x["tol"]:
                    continue
                if x["end"] is not None and e["parameters"].get("returned") and abs(e["end_ms"] - x["end"]) > x["tol"]:
                    continue
            else:
                if not set(vs) <= x["mmsis"] or len(vs) < 5:
                    continue
                if abs(e["start_ms"] - x["start"]) > x["tol"] or abs(e["end_ms"] - x["end"]) > 35 * MIN:
                    continue
            found = i
            break
        if found is None:
            ok = False
            lines.append("  MISSED  %s %s %s" % (x["id"], x["type"], x.get("mmsi", "")))
        else:
            used.add(found)
            e = evs[found]
            extra = ""
            if "mmsis" in x:
                extra = " %d of %d vessels" % (e["vessels_total"], len(x["mmsis"]))
            lines.append("  found   %s %s start %+.0f s end %+.0f s%s" % (
                x["id"], x["type"], (e["start_ms"] - x["start"]) / 1000.0,
                (e["end_ms"] - x["end"]) / 1000.0 if x["end"] else 0, extra))
    implied = unexplained = real = 0
    real_types = {}
    for i, e in enumerate(evs):
        if i in used:
            continue
        vs = [v["mmsi"] for v in e["vessels"]]
        if not set(vs) & injected:
            real += 1
            real_types[e["type"]] = real_types.get(e["type"], 0) + 1
            continue
        if all((e["type"], m) in allowed for m in vs):
            implied += 1
            continue
        unexplained += 1
        ok = False
        lines.append("  UNEXPECTED %s %s" % (e["type"], e["summary"]))
    print("%s%s: %d expected, %d found, %d implied (jump/on_land of spoofed vessels, MMSIs the log sends too), "
          "%d unexplained; %d on the log's own vessels %s%s -> %s" % (
              os.path.basename(scenario), " + " + os.path.basename(merge) if merge else "", len(exp),
              len(used), implied, unexplained, real, json.dumps(real_types, sort_keys=True),
              "; MMSIs also in the log: %s (%d scripted events not checkable)" % (sorted(collided), len(skipped))
              if collided else "", "ok" if ok else "FAIL"))
    if verbose or not ok:
        print("\n".join(lines))
    return ok


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    start_log = "--start-log" in args
    args = [a for a in args if a not in ("-v", "--start-log")]
    merge = None
    if "--merge" in args:
        i = args.index("--merge")
        merge = args[i + 1]
        del args[i:i + 2]
    if "--shared" in args:
        i = args.index("--shared")
        d = args[i + 1]
        a = os.path.join(tempfile.mkdtemp(prefix="check_spoof."), "a.nmea")
        run([args[0], "sim", os.path.join(d, "mmsi-shared-a.txt"), "-o", a])
        sys.exit(0 if check(args[0], os.path.join(d, "mmsi-shared-b.txt"), a, False, verbose) else 1)
    if len(args) < 2:
        sys.exit(__doc__)
    lookout, scenarios = args[0], args[1:]
    ok = all([check(lookout, s, merge, start_log, verbose) for s in scenarios])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
