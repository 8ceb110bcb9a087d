#!/usr/bin/env python3
"""sim_sea_check.py - are simulated vessels at sea? Runs `lookout sim` on scenarios,
decodes the output and tests every position report against Natural Earth land
polygons. Positions sent while a jump or circle spoof is active are skipped (they
are meant to be anywhere, airports included).

  scripts/sim_sea_check.py build/lookout ../shared/data/geo/land-10m.geojson \
      data/scenarios/*.txt [--vessels 2000]

Exit status 1 when a vessel is on land. Used to check the built-in shipping lanes
(src/lib/sim_traffic.c: run with --vessels on any scenario) and the scenarios
shipped in data/scenarios."""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

BAND = 0.05  # degrees of latitude per edge bucket


class Land:
    """Even-odd ray casting over the rings' edges, bucketed by latitude."""

    def __init__(self, path):
        with open(path) as f:
            d = json.load(f)
        self.bands = defaultdict(list)
        for feat in d["features"]:
            g = feat["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            for poly in polys:
                for ring in poly:
                    for i in range(len(ring) - 1):
                        (x1, y1), (x2, y2) = ring[i][:2], ring[i + 1][:2]
                        if y1 == y2 or abs(x2 - x1) > 180:  # antimeridian cuts
                            continue
                        for b in range(math.floor(min(y1, y2) / BAND), math.floor(max(y1, y2) / BAND) + 1):
                            self.bands[b].append((x1, y1, x2, y2))

    def on_land(self, lat, lon):
        # The ray goes away from the antimeridian: rings that cross it (Fiji,
        # Chukotka, Antarctica) are cut there and must not be reached from the
        # other side.
        east = lon < 0
        inside = False
        for x1, y1, x2, y2 in self.bands.get(math.floor(lat / BAND), ()):
            if (y1 > lat) != (y2 > lat):
                x = (x2 - x1) * (lat - y1) / (y2 - y1) + x1
                if (lon < x) if east else (lon > x):
                    inside = not inside
        return inside


def spoof_windows(truth_path):
    """(mmsi, start_ms, end_ms) of every jump and circle event."""
    out = []
    with open(truth_path) as f:
        for line in f:
            ev = json.loads(line)
            if ev["type"] in ("jump", "circle"):
                for v in ev["vessels"]:
                    out.append((v["mmsi"], ev["start_ms"], ev["end_ms"] + 1000))
    return out


def iso_ms(s):
    from datetime import datetime, timezone
    return int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)


def check(lookout, land, scenario, vessels, show):
    with tempfile.TemporaryDirectory() as tmp:
        nmea, truth = os.path.join(tmp, "out.nmea"), os.path.join(tmp, "truth.jsonl")
        cmd = [lookout, "sim", "-o", nmea, "--truth", truth]
        if vessels:
            cmd += ["--vessels", str(vessels)]
        if scenario != "-":
            cmd.append(scenario)
        subprocess.run(cmd, check=True)
        windows = spoof_windows(truth)
        dec = subprocess.run([lookout, "decode", "-s", "-t", "1,2,3,18", nmea], check=True,
                             capture_output=True, text=True).stdout
    total = bad = 0
    where = defaultdict(int)
    for line in dec.splitlines():
        m = json.loads(line)
        t = iso_ms(m["rx_time"])
        if any(m["mmsi"] == w[0] and w[1] <= t <= w[2] for w in windows):
            continue
        total += 1
        if land.on_land(m["lat"], m["lon"]):
            bad += 1
            where[(m["mmsi"], round(m["lat"], 2), round(m["lon"], 2))] += 1
    print(f"{scenario}: {total} positions, {bad} on land")
    for (mmsi, lat, lon), n in sorted(where.items())[:show]:
        print(f"  MMSI {mmsi} near {lat} {lon}: {n} reports")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lookout")
    ap.add_argument("land", help="Natural Earth land GeoJSON (land-10m.geojson)")
    ap.add_argument("scenarios", nargs="+", help="scenario files ('-': background traffic only)")
    ap.add_argument("--vessels", type=int, default=0, help="background vessels to add")
    ap.add_argument("--show", type=int, default=10, help="places on land to list per scenario")
    a = ap.parse_args()
    land = Land(a.land)
    bad = sum(check(a.lookout, land, s, a.vessels, a.show) for s in a.scenarios)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
