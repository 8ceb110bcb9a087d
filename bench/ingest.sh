#!/usr/bin/env bash
# bench/ingest.sh - speed of `lookout ingest` into SQLite, and latency of queries
# on the database it makes.
#
# Usage: bench/ingest.sh [--copies N] [--runs N] [--queries N] [--no-install]
#
#   --copies N    copies of the AISHub sample in the input (default 13: 1,075,750
#                 messages)
#   --runs N      timed ingests, best kept (default 3)
#   --queries N   timed runs of each query, median and worst kept (default 20)
#   --no-install  do not apt-get install /usr/bin/time when missing, fail instead
#
# Environment: LOOKOUT=PATH benchmarks this binary instead of building
# build/release/lookout.
#
# Input: bench/out/ingest-input.nmea, the AISHub sample (tests/data/
# aishub-nmea-sample.txt, 82,750 messages over about 3 minutes, no receive
# times) N times. Without receive times lookout places each report's UTC second
# on a running clock (docs/time.md); the ingest is given --start (so that the
# sample's base station times do not move the clock) and each copy's first
# sentence an NMEA tag block with a receive time (c:) one day after the
# previous copy's, which sets that clock. So every copy is the same traffic a
# day later: its reports are new rows, not duplicates (the tracker and the
# store see another day of the same ships).
#
# Timing: each ingest into a fresh database (wall time, CPU time and peak RSS
# from /usr/bin/time); messages/s = decoded messages / wall time, for the best
# and the median run. Also timed: one thread (--threads 1). Queries, on the database of the last ingest, each
# a `lookout` process (so the time includes starting it and opening the file):
#   track 24 h   the ship (MMSI of a vessel) with the most positions in one day,
#                that day (the sample is 3 minutes of traffic: about a hundred)
#   dense 24 h   a day of a ship reporting every 2 s (43,200 positions): made
#                with `lookout encode` (type 1 reports on a straight line at
#                12 kn, tag block times) and ingested after the timed runs;
#                as JSON lines and as GeoJSON
#   bbox 1 h     lookout positions in a 2x2 degree box around the busiest cell,
#                one hour (11:00-12:00, which holds that day's copy)
#   bbox 24 h    the same box, 24 hours
#   picture      lookout vessels --at 12:00 of that day --max-age 1h, same box
# Prints a Markdown table and writes it to bench/out/ingest-results.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
copies=13
runs=3
qruns=20
install=1
while [ $# -gt 0 ]; do
    case "$1" in
        --copies) shift; copies=${1:?--copies needs a number} ;;
        --runs) shift; runs=${1:?--runs needs a number} ;;
        --queries) shift; qruns=${1:?--queries needs a number} ;;
        --no-install) install=0 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ingest.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '%s\n' "$*" >&2; }
die() { log "ingest.sh: $*"; exit 1; }

if [ ! -x /usr/bin/time ]; then
    [ "$install" = 1 ] || die "/usr/bin/time missing (package time); rerun without --no-install, as root"
    [ "$(id -u)" = 0 ] || die "/usr/bin/time missing (package time); install it or run as root"
    log "installing time"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends time >/dev/null
fi
command -v python3 >/dev/null || die "python3 missing"

if [ -n "${LOOKOUT:-}" ]; then
    lookout=$LOOKOUT
else
    lookout="$root/build/release/lookout"
    log "building lookout (release preset)"
    (
        cd "$root"
        [ -f build/release/CMakeCache.txt ] || cmake --preset release >/dev/null
        cmake --build --preset release -j"$(nproc)" >/dev/null
    ) || die "release build failed"
fi
[ -x "$lookout" ] || die "no lookout binary at $lookout"

# ---- input ---------------------------------------------------------------
sample="$root/tests/data/aishub-nmea-sample.txt"
[ -f "$sample" ] || die "AISHub sample not found ($sample)"
mkdir -p "$out"
input="$out/ingest-input.nmea"
stamp="$out/.ingest-input.src"
want_stamp="$(wc -c <"$sample") $copies v2"
if [ ! -f "$input" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
    log "making $input: $copies copies of $sample, a day apart"
    python3 - "$sample" "$copies" >"$input.tmp" <<'EOF'
import functools, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
if lines[-1] == b"":
    lines.pop()
out = sys.stdout.buffer
for r in range(int(sys.argv[2])):
    body = b"c:%d" % (1331724600 + r * 86400)  # 2012-03-14T11:30:00Z + r days
    cs = functools.reduce(lambda a, b: a ^ b, body, 0)
    out.write(b"\\" + body + b"*%02X\\" % cs + lines[0] + b"\n" + b"\n".join(lines[1:]) + b"\n")
EOF
    mv "$input.tmp" "$input"
    printf '%s\n' "$want_stamp" >"$stamp"
fi
bytes=$(wc -c <"$input")

# ---- ingest ----------------------------------------------------------------
now_us() { local t=${EPOCHREALTIME:-}; [ -n "$t" ] || t=$(date +%s.%6N); t=${t/,/.}; REPLY=${t/./}; }
db="$out/ingest.db"
start=2012-03-14T11:30:00Z
declare -A best cpu peak all
ingest_one() { # LABEL EXTRA-ARGS...
    local id=$1 t0 t1 us rss u s
    shift
    rm -f "$db" "$db-wal" "$db-shm"
    now_us; t0=$REPLY
    /usr/bin/time -f '%M %U %S' -o "$out/.time" "$lookout" ingest -q --db "$db" --start "$start" "$@" "$input" ||
        die "ingest failed"
    now_us; t1=$REPLY
    us=$((t1 - t0))
    all[$id]="${all[$id]:-} $us"
    read -r rss u s < <(tail -n 1 "$out/.time")
    if [ -z "${best[$id]:-}" ] || [ "$us" -lt "${best[$id]}" ]; then
        best[$id]=$us
        cpu[$id]=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
    fi
    [ "$rss" -gt "${peak[$id]:-0}" ] && peak[$id]=$rss
    log "  $id: $(awk -v n="$us" 'BEGIN{printf "%.3f", n/1e6}') s wall, $u+$s s CPU, $rss KB"
}
load=$(cut -d' ' -f1 /proc/loadavg)
log "input: $bytes bytes; load average before: $load"
for ((r = 1; r <= runs; r++)); do
    ingest_one threads1 --threads 1
    ingest_one default
done
# counts from an untimed run with --stats (the database is the last timed run's)
stats=$("$lookout" ingest --stats -q --db "$out/stats.db" --start "$start" "$input" 2>&1)
rm -f "$out/stats.db" "$out/stats.db-wal" "$out/stats.db-shm"
msgs=$(echo "$stats" | awk '$1 == "NMEA" {print $3}')
positions=$(echo "$stats" | awk '$1 == "positions" {print $2}')
vessels=$(echo "$stats" | awk '$1 == "vessels" {print $2}')
dbsize=$(stat -c %s "$db")

# ---- queries ---------------------------------------------------------------
read -r mmsi day0 box < <(python3 - "$db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
day = 86400000
mmsi, d, n = c.execute("SELECT mmsi, time / ?1, count(*) AS n FROM positions"
                       " WHERE mmsi IN (SELECT mmsi FROM vessels WHERE kind = 'vessel')"
                       " GROUP BY mmsi, time / ?1 ORDER BY n DESC LIMIT 1", (day,)).fetchone()
# the busiest 1-degree cell: a 2x2 degree box around it
cell = c.execute("SELECT cell, count(*) AS n FROM position_cells GROUP BY cell ORDER BY n DESC LIMIT 1").fetchone()[0]
lat, lon = cell // 360 - 90, cell % 360 - 180
print(mmsi, d * 86400, "%d,%d,%d,%d" % (lon - 0.5, lat - 0.5, lon + 1.5, lat + 1.5))
EOF
)
declare -A qmed qmax qrows qcmd
query() { # ID ARGS...
    local id=$1 i t0 t1
    shift
    qcmd[$id]="lookout $*"
    qrows[$id]=$("$lookout" "$@" | wc -l)
    local times=()
    for ((i = 0; i < qruns; i++)); do
        now_us; t0=$REPLY
        "$lookout" "$@" >/dev/null
        now_us; t1=$REPLY
        times+=($((t1 - t0)))
    done
    read -r qmed[$id] qmax[$id] < <(printf '%s\n' "${times[@]}" | sort -n |
        awk '{a[NR]=$1} END{printf "%.1f %.1f\n", a[int((NR+1)/2)]/1000, a[NR]/1000}')
    log "  $id: median ${qmed[$id]} ms, worst ${qmax[$id]} ms, ${qrows[$id]} lines"
}
# a dense day: one synthetic ship every 2 s, 2012-03-20
dense_mmsi=211000001
dense_day=1332201600
python3 - "$dense_mmsi" "$dense_day" <<'EOF' | "$lookout" encode --tagblock >"$out/dense.nmea"
import datetime, json, sys
mmsi, day = int(sys.argv[1]), int(sys.argv[2])
for i in range(43200):
    t = day + 2 * i
    lat = 54.0 + i * 2 * 12 / 3600 / 60 * 0.6   # about 12 kn north-north-east
    lon = 7.0 + i * 2 * 12 / 3600 / 60 * 0.8
    iso = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    print(json.dumps({"type": 1, "mmsi": mmsi, "status": 0, "speed": 120, "course": 320, "heading": 32,
                      "lat": round(lat * 600000), "lon": round(lon * 600000), "second": t % 60,
                      "rx_time": iso, "channel": "A"}))
EOF
"$lookout" ingest -q --db "$db" "$out/dense.nmea" || die "ingest of the dense day failed"
from=$day0
to=$((day0 + 86400))
hour=$((day0 + 11 * 3600))  # 11:00-12:00, around the copy of that day
query track24 track "$mmsi" --db "$db" --from "@$from" --to "@$to"
query bbox1h positions --db "$db" --bbox "$box" --from "@$hour" --to "@$((hour + 3600))"
query bbox24h positions --db "$db" --bbox "$box" --from "@$from" --to "@$to"
query picture vessels --db "$db" --bbox "$box" --at "@$((hour + 3600))" --max-age 1h
query dense24 track "$dense_mmsi" --db "$db" --from "@$dense_day" --to "@$((dense_day + 86400))"
query dense24geo track "$dense_mmsi" --db "$db" --from "@$dense_day" --to "@$((dense_day + 86400))" --format geojson

# ---- report ----------------------------------------------------------------
rate() { awk -v m="$msgs" -v us="$1" 'BEGIN{printf "%.0f", m / (us / 1e6)}'; }
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
secs() { awk -v us="$1" 'BEGIN{printf "%.2f", us / 1e6}'; }
{
    echo "Input: $copies copies of the AISHub sample a day apart, $bytes bytes, $msgs messages;"
    echo "$positions positions, $vessels vessels stored; database $((dbsize / 1048576)) MB."
    echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM;" \
        "load average before the runs $load. $runs runs each, interleaved."
    echo
    echo "| ingest | best wall s | its CPU s | messages/s (best) | median wall s | messages/s (median) | peak RSS MB |"
    echo "|---|---|---|---|---|---|---|"
    for id in default threads1; do
        label="lookout ingest"
        [ "$id" = threads1 ] && label="lookout ingest --threads 1"
        med=$(median "${all[$id]}")
        echo "| $label | $(secs "${best[$id]}") | ${cpu[$id]} | $(rate "${best[$id]}") | $(secs "$med") |" \
            "$(rate "$med") | $((peak[$id] / 1024)) |"
    done
    echo
    echo "| query ($qruns runs, process start included) | median ms | worst ms | lines out |"
    echo "|---|---|---|---|"
    for id in track24 dense24 dense24geo bbox1h bbox24h picture; do
        echo "| \`${qcmd[$id]//$db/DB}\` | ${qmed[$id]} | ${qmax[$id]} | ${qrows[$id]} |"
    done
    echo
    echo "Targets: ingest >= 300,000 messages/s; queries < 50 ms."
} | tee "$out/ingest-results.md"
