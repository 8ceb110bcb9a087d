#!/bin/sh
# The zone, watch-list and identity detectors on scripted scenarios merged into
# real traffic, checked strictly by zonewatch_check.py: every scripted zone
# crossing an entry and an exit at the right reports, every identity change
# under one MMSI found at its time, every expected alert of the scenario's
# .expect file there (or absent when it says so), nothing else of these types
# on a scripted vessel.
#   zonewatch_scenarios.sh LOOKOUT WORKDIR [SCENARIO...]
# Default scenarios: data/scenarios/{zone,identity,watch-zone,hms-defender-2021}.txt and
# tests/detect/zonewatch/*.txt. A scenario's detect options (config, watch
# list) are in tests/detect/zonewatch/NAME.args (@ROOT@ = the repository), its
# extra expectations in NAME.expect; its zones are the boxes of its zone events.
# Each is merged into the AISHub sample (spread over the first 10 minutes) and,
# when ../shared/data is there, into the DMA sample (--start log).
set -eu
lookout=$1
work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -eq 0 ]; then
    set -- "$root"/data/scenarios/zone.txt "$root"/data/scenarios/identity.txt \
        "$root"/data/scenarios/watch-zone.txt "$root"/data/scenarios/hms-defender-2021.txt "$here"/zonewatch/*.txt
fi
mkdir -p "$work"
status=0
dma="$root/../shared/data/ais/dma-aisabnormal/ais-sample.txt"
types=zone_entry,zone_exit,zone_dwell,watchlist,mmsi_invalid,imo_invalid,identity_change,imo_shared
for sc in "$@"; do
    name=$(basename "$sc" .txt)
    args=""
    [ -f "$here/zonewatch/$name.args" ] && args=$(sed "s|@ROOT@|$root|g" "$here/zonewatch/$name.args")
    expect=""
    [ -f "$here/zonewatch/$name.expect" ] && expect="$here/zonewatch/$name.expect"
    for real in aishub dma; do
        out="$work/$name-$real"
        case $real in
        aishub) merge="--merge $root/tests/data/aishub-nmea-sample.txt --merge-span 10m" ;;
        dma)
            [ -f "$dma" ] || { echo "== $name + dma: SKIP (no ../shared/data)"; continue; }
            merge="--merge $dma --start log" ;;
        esac
        # shellcheck disable=SC2086
        "$lookout" sim "$sc" $merge -o "$out.nmea" --truth "$out.truth.jsonl" 2>"$out.sim.log" || {
            echo "$name: lookout sim failed:"; cat "$out.sim.log"; status=1; continue; }
        zones=""
        if python3 "$here/compare_truth.py" --zones-from-truth "$out.zones.geojson" "$out.truth.jsonl" |
            grep -qv '^0 zones'; then
            zones="--zones $out.zones.geojson"
        fi
        # shellcheck disable=SC2086
        "$lookout" detect -q --open --type $types $zones $args --json "$out.alerts.jsonl" "$out.nmea" \
            2>"$out.detect.log" || { echo "$name: lookout detect failed:"; cat "$out.detect.log"; status=1; continue; }
        echo "== $name + $real"
        # Expected times are relative to the scenario's start, which --start log moves:
        # the shift is the same event's start here and in the scenario run alone.
        "$lookout" sim "$sc" -o /dev/null --truth "$out.alone.truth.jsonl" 2>/dev/null
        origin=$(python3 -c '
import datetime, json, re, sys
sc, alone, moved = sys.argv[1:]
start = next(re.match(r"\s*start\s+(\S+)", l).group(1) for l in open(sc) if re.match(r"\s*start\s", l))
ms = int(datetime.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp() * 1000)
a = [json.loads(l) for l in open(alone) if l.strip()]
m = [json.loads(l) for l in open(moved) if l.strip()]
print(ms + (m[0]["start_ms"] - a[0]["start_ms"] if a and m else 0))' "$sc" "$out.alone.truth.jsonl" "$out.truth.jsonl")
        # shellcheck disable=SC2086
        python3 "$here/zonewatch_check.py" "$out.truth.jsonl" "$out.alerts.jsonl" $expect --origin "$origin" || status=1
    done
done
exit $status
