#!/usr/bin/env bash
# bench/detect.sh - speed and memory of the full pipeline of `lookout detect`
# (read, frame, decode, track, every detector) on simulated traffic.
#
# Usage: bench/detect.sh [--vessels N] [--messages N] [--runs N] [--no-geo]
#
#   --vessels N   background vessels (default 50,000)
#   --messages N  messages (default 10,000,000)
#   --runs N      timed runs, best and median kept (default 3)
#   --no-geo      also time a run without land and ports (shore rules off)
#
# Environment: LOOKOUT=PATH benchmarks this binary instead of building
# build/release/lookout.
#
# Input: bench/out/detect-input.nmea, made once by `lookout sim --vessels N
# --messages M` (background traffic on shipping lanes and fishing grounds for
# a day: docs/sim.md), kept for later runs. Every run: `lookout detect --stats
# -q` with the shipped land and ports, output to /dev/null; wall time, CPU time
# and peak RSS by /usr/bin/time. A row for `lookout ingest`-less decoding
# (`lookout decode -f none --threads 1`) gives the decoder's share, and the
# detector's memory is read from --stats. Prints a Markdown table and writes it
# to bench/out/detect-results.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
vessels=50000
messages=10000000
runs=3
nogeo=0
while [ $# -gt 0 ]; do
    case "$1" in
        --vessels) shift; vessels=${1:?--vessels needs a number} ;;
        --messages) shift; messages=${1:?--messages needs a number} ;;
        --runs) shift; runs=${1:?--runs needs a number} ;;
        --no-geo) nogeo=1 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "detect.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
mkdir -p "$out"
if [ -z "${LOOKOUT:-}" ]; then
    (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
    LOOKOUT="$root/build/release/lookout"
fi
input="$out/detect-input-$vessels-$messages.nmea"
if [ ! -s "$input" ]; then
    echo "making $input (lookout sim --vessels $vessels --messages $messages)" >&2
    "$LOOKOUT" sim --vessels "$vessels" --messages "$messages" -o "$input"
fi
lines=$(wc -l < "$input")

# run NAME CMD...: time one command $runs times; print best and median rows.
results=()
run() {
    local name=$1; shift
    local walls=() cpus=() rss=0 w c m
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/detect-stats.txt"
        read -r w u s m < "$out/time.txt"
        walls+=("$w"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    local sorted best median bi
    sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
    best=$(echo "$sorted" | head -1)
    median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
    for bi in "${!walls[@]}"; do [ "${walls[$bi]}" = "$best" ] && break; done
    results+=("| $name | $best | $median | ${cpus[$bi]} | $(awk -v n="$messages" -v t="$best" 'BEGIN { printf "%.0f", n / t }') | $(awk -v n="$messages" -v t="$median" 'BEGIN { printf "%.0f", n / t }') | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') |")
}
run "lookout detect (all detectors, land and ports)" "$LOOKOUT" detect -q --stats --json /dev/null "$input"
cp "$out/detect-stats.txt" "$out/detect-stats-geo.txt"
[ "$nogeo" = 1 ] && run "lookout detect --no-geo" "$LOOKOUT" detect -q --no-geo --json /dev/null "$input"
run "lookout decode -f none --threads 1 (decoding alone)" "$LOOKOUT" decode -f none --threads 1 "$input"
{
    echo "Input: $input ($lines lines, $messages messages, $vessels vessels), $runs runs each, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    echo
    echo "| Command | Best wall (s) | Median wall (s) | CPU of best (s) | Messages/s (best) | Messages/s (median) | Peak RSS (MiB) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${results[@]}"
    echo
    echo "lookout detect --stats of the last run with land and ports:"
    echo '```'
    cat "$out/detect-stats-geo.txt"
    echo '```'
} | tee "$out/detect-results.md"
