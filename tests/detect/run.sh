#!/bin/sh
# Injected scenarios: each shipped scenario is simulated into real traffic
# (the AISHub sample: a snapshot of a few minutes, spread over the scenario's
# first 10 minutes by `lookout sim --merge --merge-span 10m`),
# screened by `lookout detect`, and its alerts compared with the scenario's
# ground truth (compare_truth.py): every scripted event found with the right
# vessels and times, nothing unexplained raised on the scripted vessels.
#   run.sh LOOKOUT WORKDIR SCENARIO...
set -eu
lookout=$1
work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
real="$root/tests/data/aishub-nmea-sample.txt"
mkdir -p "$work"
status=0
# MMSIs the real log sends: a scripted ship on one of them is one MMSI at two places.
# Every detect_<scenario> test writes this file in the same WORKDIR, and ctest -j
# runs them at once: written under another name and renamed, so that a test
# reading it never sees it truncated by one starting.
"$lookout" decode "$real" 2>/dev/null | grep -o '"mmsi":[0-9]*' | cut -d: -f2 | sort -u > "$work/log-mmsis.txt.$$"
mv -f "$work/log-mmsis.txt.$$" "$work/log-mmsis.txt"
for sc in "$@"; do
    name=$(basename "$sc" .txt)
    out="$work/$name"
    "$lookout" sim "$sc" --merge "$real" --merge-span 10m -o "$out.nmea" --truth "$out.truth.jsonl" 2>"$out.sim.log" || {
        echo "$name: lookout sim failed:"; cat "$out.sim.log"; status=1; continue; }
    set --
    if python3 "$here/compare_truth.py" --zones-from-truth "$out.zones.geojson" "$out.truth.jsonl" | grep -qv '^0 zones'; then
        set -- --zones "$out.zones.geojson"
    fi
    extra=""
    [ -f "${sc%.txt}.detect" ] && extra=$(cat "${sc%.txt}.detect")
    # shellcheck disable=SC2086
    "$lookout" detect -q "$@" $extra --json "$out.alerts.jsonl" --table "$out.nmea" > "$out.table.txt" 2>"$out.detect.log" || {
        echo "$name: lookout detect failed:"; cat "$out.detect.log"; status=1; continue; }
    echo "== $name"
    if ! python3 "$here/compare_truth.py" "$out.truth.jsonl" "$out.alerts.jsonl" --log-mmsis "$work/log-mmsis.txt"; then
        status=1
    fi
done
exit $status
