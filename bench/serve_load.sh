#!/bin/sh
# bench/serve_load.sh - `lookout serve` under load, on loopback only (issue #5):
#   1. the load run: UDP at 50,000 sentences/s for 60 s (the AISHub sample's
#      real sentences, repeated, one per datagram), 100 stream clients of which
#      20 never read, 20 slow-loris HTTP connections, garbage, slow-loris and
#      silent feeders on the TCP listen port; counts reconcile, RSS flat over
#      the last third, SIGTERM exits 0 with a sound store;
#   2. the highest UDP rate with no drop (10 s runs, no stream clients, no
#      abuse): neither the queue nor the kernel's socket buffer dropped a line;
#   3. latency from a UDP datagram leaving the sender to its `position` record
#      and its `mmsi_invalid` event arriving at a stream client (p50, p99),
#      with 10 stream clients reading, under 20,000 sentences/s of background.
# Each run prints one JSON line (tests/load/serve_load.py); all go to
# bench/out/serve_load.jsonl. BENCHMARKS.md has the results.
#
# usage: sh bench/serve_load.sh [BUILD_DIR]   (default build/serve-bench: Release, built here)
set -eu
cd "$(dirname "$0")/.."
B=${1:-build/serve-bench}
if [ ! -x "$B/lookout" ] || [ ! -x "$B/lookout_udp_send" ]; then
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DLOOKOUT_WERROR=OFF \
        -DLOOKOUT_TESTS=OFF >/dev/null
    cmake --build "$B" --target lookout lookout_udp_send -j 2 >/dev/null
fi
OUT=bench/out/serve_load.jsonl
mkdir -p bench/out
: > "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
run() { python3 tests/load/serve_load.py --lookout "$B/lookout" --sender "$B/lookout_udp_send" --data tests/data \
        --work "$W" "$@" | tee -a "$OUT"; }

echo "== 1. load: 50,000 sentences/s for 60 s, 100 stream clients (20 stalled), abuse" >&2
run --duration 60 --rate 50000 --sse 100 --stalled 20 --loris 20 --rss-check

echo "== 2. highest UDP rate the service keeps up with (30 s each, no stream clients, no abuse)" >&2
# kept up: nothing dropped, and when the sender stops less than one second of
# input is still queued (a 10 s burst would fit the 64 MiB queue at any rate)
search() { # label, rates..., [--no-detect via NODETECT]
    label=$1; shift; best=0
    for rate in "$@"; do
        line=$(run --duration 30 --rate "$rate" --sse 0 --stalled 0 --loris 0 --no-abuse $NODETECT) || true
        ok=$(printf '%s' "$line" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(int(d["queue_dropped"]+d["kernel_dropped"]==0 and d["backlog_at_end"]<d["rate_asked"]))')
        echo "rate $rate ($label): kept up $ok" >&2
        [ "$ok" = 1 ] && best=$rate
    done
    echo "highest rate kept up with ($label): $best sentences/s" >&2
}
NODETECT="" search "detectors on" 20000 25000 30000 40000 50000
NODETECT="--no-detect" search "detectors off" 30000 40000 50000 60000 80000

echo "== 3. latency UDP -> stream (300 probes under 20,000 sentences/s, 10 stream clients)" >&2
run --duration 30 --rate 20000 --sse 10 --stalled 0 --loris 0 --no-abuse --probes 300
