#!/usr/bin/env python3
"""The zone, watch-list and identity detectors against a scenario's truth.

    zonewatch_check.py TRUTH.jsonl ALERTS.jsonl [EXPECT.jsonl] [--origin MS]

Strict for this module's alert types (zone_entry, zone_exit, zone_dwell,
watchlist, mmsi_invalid, imo_invalid, identity_change, imo_shared) on the
scripted vessels:

* every scripted zone event is a zone_entry at the first report inside (start
  within the sampling tolerance of the truth's entry) and, when the truth has
  an exit, a zone_exit at the first report outside (start within the tolerance
  of the truth's end), in the scenario's zone;
* every scripted identity change under one MMSI is an identity_change at its
  time; every swap is an identity_change for both MMSIs (and may be an
  imo_shared: each MMSI starts sending the other's IMO);
* every line of EXPECT is an alert that must be there ("present": true, the
  default) or must not ("present": false): its type, its vessels (all of
  "mmsi" among the alert's), and optionally its start ("at_s": seconds after
  the scenario's start, given as --origin MS; "tol_s" default 190), severity, "watch" (the first vessel carries a
  watch-list entry) and "params" (each key with this value);
* nothing else of these types names a scripted vessel, and no alert of these
  types is ever open without being closed or ongoing.

Exit status 0 when everything is found and nothing else raised.
"""
import datetime
import json
import sys

OURS = {"zone_entry", "zone_exit", "zone_dwell", "watchlist", "mmsi_invalid", "imo_invalid",
        "identity_change", "imo_shared"}
TOL_MS = 190_000  # class A at anchor or class B: a report every 3 min (ITU-R M.1371-5), plus 10 s


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def mmsis(a):
    return [v["mmsi"] for v in a.get("vessels", [])]


def main(argv):
    origin = 0
    if "--origin" in argv:
        i = argv.index("--origin")
        origin = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    truth = load(argv[1])
    alerts = [a for a in load(argv[2]) if a["type"] in OURS]
    expect = []
    if len(argv) > 3:
        with open(argv[3], encoding="utf-8") as f:
            expect = [json.loads(line) for line in f if line.strip() and not line.lstrip().startswith("#")]
    final = [a for a in alerts if a.get("state") != "open"]
    report, ok, used = [], True, set()

    def find(pred, label, reuse=False):
        nonlocal ok
        for i, a in enumerate(final):
            if (reuse or i not in used) and pred(a):
                used.add(i)
                report.append(f"found   {label}: {a['type']} {a['id']} {fmt(a['start_ms'])} {a.get('summary', '')}")
                return a
        ok = False
        report.append(f"MISSED  {label}")
        return None

    scripted = set()
    for t in truth:
        for v in t.get("vessels", []):
            scripted.add(v["mmsi"])
        ch = t.get("parameters", {}).get("changes", {})
        scripted.update(ch.get("mmsi", []))
    # Alerts a scripted event explains besides the one it asks for (type, mmsi, from, to).
    allowed = []
    for t in truth:
        ms = [v["mmsi"] for v in t["vessels"]]
        ty, p = t["type"], t.get("parameters", {})
        if ty == "zone":
            m, z = ms[0], p["zone"]
            find(lambda a, m=m, z=z, s=t["start_ms"]: a["type"] == "zone_entry" and a.get("zone") == z and
                 mmsis(a)[:1] == [m] and abs(a["start_ms"] - s) <= TOL_MS,
                 f"{t['id']} zone_entry {m} {z} at {fmt(t['start_ms'])}")
            if p.get("exit"):
                find(lambda a, m=m, z=z, e=t["end_ms"]: a["type"] == "zone_exit" and a.get("zone") == z and
                     mmsis(a)[:1] == [m] and abs(a["start_ms"] - e) <= TOL_MS,
                     f"{t['id']} zone_exit {m} {z} at {fmt(t['end_ms'])}")
            allowed.append(({"zone_dwell"}, m, t["start_ms"] - TOL_MS, t["end_ms"] + TOL_MS))
        elif ty == "identity" and "mmsi" not in p.get("changes", {}):
            m = ms[0]
            find(lambda a, m=m, s=t["start_ms"]: a["type"] == "identity_change" and mmsis(a)[:1] == [m] and
                 abs(a["start_ms"] - s) <= TOL_MS, f"{t['id']} identity_change {m} at {fmt(t['start_ms'])}")
            allowed.append(({"imo_shared", "imo_invalid"}, m, t["start_ms"] - TOL_MS, t["start_ms"] + TOL_MS))
        elif ty == "swap":
            for m in ms:
                find(lambda a, m=m, s=t["start_ms"]: a["type"] == "identity_change" and mmsis(a)[:1] == [m] and
                     abs(a["start_ms"] - s) <= TOL_MS, f"{t['id']} identity_change {m} at {fmt(t['start_ms'])}")
                allowed.append(({"imo_shared"}, m, t["start_ms"] - TOL_MS, t["start_ms"] + TOL_MS))
    for x in expect:
        want = set(x["mmsi"])
        start = origin + int(x["at_s"] * 1000) if "at_s" in x else None
        tol = x.get("tol_s", TOL_MS / 1000) * 1000

        def pred(a, x=x, want=want, start=start, tol=tol):
            if a["type"] != x["type"] or not want <= set(mmsis(a)):
                return False
            if start is not None and abs(a["start_ms"] - start) > tol:
                return False
            if "zone" in x and a.get("zone") != x["zone"]:
                return False
            if "severity" in x and a["severity"] != x["severity"]:
                return False
            if "watch" in x and ("watchlist" in a["vessels"][0]) != x["watch"]:
                return False
            return all(a.get("parameters", {}).get(k) == v for k, v in x.get("params", {}).items())
        label = f"expect {x['type']} {sorted(want)}" + (f" at {fmt(start)}" if start is not None else "")
        if x.get("present", True):
            find(pred, label, reuse=True)  # an expectation may look closer at a truth's alert
        else:
            bad = [a for a in final if pred(a)]
            if bad:
                ok = False
                for a in bad:
                    report.append(f"RAISED  {label} must not be: {a['id']} {a.get('summary', '')}")
            else:
                report.append(f"absent  {label}")
    for i, a in enumerate(final):
        if i in used or not set(mmsis(a)) & scripted:
            continue
        if any(a["type"] in ty and m in mmsis(a) and lo <= a["start_ms"] <= hi for ty, m, lo, hi in allowed):
            continue
        ok = False
        report.append(f"UNEXPLAINED {a['type']} {a['id']} {fmt(a['start_ms'])} {mmsis(a)}: {a.get('summary', '')}")
    ids = {a["id"] for a in final}
    for a in alerts:
        if a.get("state") == "open" and a["id"] not in ids:
            ok = False
            report.append(f"NEVER CLOSED {a['type']} {a['id']}: {a.get('summary', '')}")
    print("\n".join(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
