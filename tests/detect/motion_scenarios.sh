#!/bin/sh
# The motion detectors (gaps and suspected disabling, encounters and
# rendezvous, loitering) on scripted scenarios merged into real traffic,
# checked strictly against the ground truth by motion_check.py: every scripted
# event found as the alert it asks for, with its vessels and times within the
# sampling tolerance, and nothing else of these types on any scripted ship.
#   motion_scenarios.sh LOOKOUT WORKDIR [SCENARIO...]
# Default scenarios: data/scenarios/{sts,dark,loiter,dprk-sts-*}.txt and
# tests/detect/motion/*.txt. Each is merged into the AISHub sample (no times:
# spread over the scenario's first 10 minutes) and, when the shared data is
# there ($LOOKOUT_SHARED_DATA, default ../shared/data beside the repository),
# into the DMA feed sample (its own $PGHP times; the scenario moved to them
# with --start log).
set -eu
lookout=$1
work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -eq 0 ]; then
    set -- "$root"/data/scenarios/sts.txt "$root"/data/scenarios/dark.txt "$root"/data/scenarios/loiter.txt \
        "$root"/data/scenarios/dprk-sts-2018-*.txt "$here"/motion/*.txt
fi
mkdir -p "$work"
status=0
dma="${LOOKOUT_SHARED_DATA:-$root/../shared/data}/ais/dma-aisabnormal/ais-sample.txt"
for sc in "$@"; do
    name=$(basename "$sc" .txt)
    for real in aishub dma; do
        out="$work/$name-$real"
        case $real in
        aishub) merge="--merge $root/tests/data/aishub-nmea-sample.txt --merge-span 10m" ;;
        dma)
            [ -f "$dma" ] || { echo "== $name + dma: SKIP (no shared data: $dma)"; continue; }
            merge="--merge $dma --start log" ;;
        esac
        # shellcheck disable=SC2086
        "$lookout" sim "$sc" $merge -o "$out.nmea" --truth "$out.truth.jsonl" 2>"$out.sim.log" || {
            echo "$name: lookout sim failed:"; cat "$out.sim.log"; status=1; continue; }
        "$lookout" detect -q --dark-at-end --type gap,disabling,encounter,rendezvous,loitering \
            --json "$out.alerts.jsonl" "$out.nmea" 2>"$out.detect.log" || {
            echo "$name: lookout detect failed:"; cat "$out.detect.log"; status=1; continue; }
        echo "== $name + $real"
        python3 "$here/motion_check.py" "$sc" "$out.truth.jsonl" "$out.alerts.jsonl" || status=1
    done
done
exit $status
