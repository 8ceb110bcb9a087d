#!/usr/bin/env python3
"""Check the motion detectors' alerts (gap, disabling, encounter, rendezvous,
loitering) against a scenario's ground truth, strictly.

    motion_check.py SCENARIO.txt TRUTH.jsonl ALERTS.jsonl

Each scripted sts, dark and loiter event must be found as the alert its id
asks for (the id's prefix: rendezvous-, encounter-, gap-, disabling-, loiter-;
none- means nothing may be raised; default ids: sts -> encounter, dark -> gap
or disabling, loiter -> loitering), with exactly its vessels, its start and
end within the sampling tolerance (end not checked for alerts still going on
when the input ended); an sts of 4 h or more must also be loitering for both
ships (its truth says so under "implies"). Every alert of these types that
names a ship of the scenario (any "mmsi" line of it, in an event or not) must
be one of those, with one allowance, printed as NOTE: a ship that anchors far
out at the end of its route (after all its scripted events) is loitering by
the rule, at severity low, which the simulator's truth does not label. Alerts on the real traffic the scenario was merged into are
counted, not judged. Exit 0 when all is as scripted, 1 otherwise.
"""
import json
import re
import sys

MIN = 60_000
TYPES = {"gap", "disabling", "encounter", "rendezvous", "loitering"}
# truth type -> tolerance of start and end (ms): the ships' report intervals at
# the time (10 s to 3 min), the approach into 500 m, and the data minute.
TOL = {"sts": 10 * MIN, "dark": 3 * MIN, "loiter": 10 * MIN}
DEFAULT = {"sts": {"encounter"}, "dark": {"gap", "disabling"}, "loiter": {"loitering"}}
PREFIX = {"rendezvous": {"rendezvous"}, "encounter": {"encounter"}, "gap": {"gap"},
          "disabling": {"disabling"}, "loiter": {"loitering"}, "none": set()}


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def expected(t):
    prefix = t["id"].split("-")[0]
    if prefix in PREFIX:
        return PREFIX[prefix]
    return DEFAULT[t["type"]]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    scenario, truth, alerts = sys.argv[1:]
    with open(scenario, encoding="utf-8") as f:
        scripted = {int(m) for m in re.findall(r"^\s*mmsi\s+(\d+)", f.read(), re.M)}
    events = [t for t in load(truth) if t["type"] in TOL]
    mine = [a for a in load(alerts) if a["type"] in TYPES and a["state"] != "open"]
    used = set()
    ok = True

    def take(types, mmsis, start, end, tol, label):
        nonlocal ok
        best = None
        for i, a in enumerate(mine):
            if i in used or a["type"] not in types:
                continue
            if {v["mmsi"] for v in a["vessels"]} != mmsis:
                continue
            ds = (a["start_ms"] - start) / 1000
            de = None if a["state"] == "ongoing" else (a["end_ms"] - end) / 1000
            if abs(ds) * 1000 <= tol and (de is None or abs(de) * 1000 <= tol):
                best = (i, a, ds, de)
                break
        if best is None:
            print(f"MISSED  {label:28} {'/'.join(sorted(types)):22} {sorted(mmsis)}")
            ok = False
            return
        i, a, ds, de = best
        used.add(i)
        end_txt = "ongoing" if de is None else f"end {de:+.0f} s"
        print(f"found   {label:28} {a['type']:22} {sorted(mmsis)} start {ds:+.0f} s, {end_txt}")

    for t in events:
        mmsis = {v["mmsi"] for v in t["vessels"]}
        want = expected(t)
        tol = TOL[t["type"]]
        if want:
            take(want, mmsis, t["start_ms"], t["end_ms"], tol, t["id"])
        if want and "loitering" in t.get("implies", []):
            for m in sorted(mmsis):
                take({"loitering"}, {m}, t["start_ms"], t["end_ms"], tol, f"{t['id']} (implied, {m})")
        if not want:
            print(f"none    {t['id']:28} (nothing expected) {sorted(mmsis)}")

    real = {}
    for i, a in enumerate(mine):
        if i in used:
            continue
        names = {v["mmsi"] for v in a["vessels"]}
        ends = [t["end_ms"] for t in events if names & {v["mmsi"] for v in t["vessels"]}]
        if (names & scripted and a["type"] == "loitering" and a["severity"] == "low"
                and a["start_ms"] >= max(ends, default=0)):
            print(f"NOTE    anchored after its script: {a['type']} {a['state']} {a['start']} "
                  f"{sorted(names)}: {a['summary']}")
            continue
        if names & scripted:
            print(f"UNEXPLAINED {a['type']} {a['state']} {a['start']} {sorted(names)}: {a['summary']}")
            ok = False
        else:
            real[a["type"]] = real.get(a["type"], 0) + 1
    if real:
        print("on the real traffic: " + ", ".join(f"{k} {v}" for k, v in sorted(real.items())))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
