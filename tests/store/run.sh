#!/bin/sh
# run.sh - shell tests of `lookout ingest` and the query commands on real data.
#
# Usage: run.sh LOOKOUT DATA_DIR WORK_DIR TEST
#   reingest  the same inputs ingested twice: no table grows
#   csv       the MarineCadastre and DMA CSV files: stored positions equal their rows
#   crash     kill -9 in the middle of an ingest: the file opens, passes
#             integrity_check, and holds whole batches; everything committed
#             before an idle second survives; ingesting again completes it
#   queries   area, time, picture and track queries equal a brute-force filter
#   geojson   vessels, tracks and positions as GeoJSON have RFC 7946's structure
set -eu
lookout=$1
data=$2
work=$3
test=$4
here=$(cd "$(dirname "$0")" && pwd)
check="python3 $here/check.py"
mc=$data/marinecadastre-noaa-20230101.csv
dma=$data/dma-aisdk-sample.csv
aishub=$data/aishub-nmea-sample.txt
start=2012-03-14T11:30:00Z
mkdir -p "$work"
cd "$work"
rm -f ./*.db ./*.db-wal ./*.db-shm feed

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The AISHub sample N times, each copy a day later (a tag block with a receive
# time on its first sentence; the rest of a copy follows its own UTC seconds;
# ingest it with --start "$start" so that base station times do not move the
# clock back).
copies() {
    python3 - "$aishub" "$1" <<'EOF'
import functools, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
if lines[-1] == b"":
    lines.pop()
out = sys.stdout.buffer
for r in range(int(sys.argv[2])):
    body = b"c:%d" % (1331724600 + r * 86400)
    cs = functools.reduce(lambda a, b: a ^ b, body, 0)
    out.write(b"\\" + body + b"*%02X\\" % cs + lines[0] + b"\n" + b"\n".join(lines[1:]) + b"\n")
EOF
}

case "$test" in
reingest)
    "$lookout" ingest --db a.db "$aishub" "$mc" "$dma" 2>/dev/null
    first=$($check counts a.db)
    "$lookout" ingest --db a.db "$aishub" "$mc" "$dma" 2>/dev/null
    second=$($check counts a.db)
    echo "first:  $first"
    echo "second: $second"
    [ "$first" = "$second" ] || fail "the second ingest changed the tables"
    # in another order, one file at a time, and with a small batch
    "$lookout" ingest --db b.db --batch 1000 "$dma" 2>/dev/null
    "$lookout" ingest --db b.db --batch 1000 "$mc" 2>/dev/null
    "$lookout" ingest --db b.db --batch 1000 "$aishub" 2>/dev/null
    "$lookout" ingest --db b.db --threads 1 "$mc" "$aishub" "$dma" 2>/dev/null
    other=$($check counts b.db)
    echo "other:  $other"
    [ "$(echo "$first" | cut -d' ' -f1-3)" = "$(echo "$other" | cut -d' ' -f1-3)" ] ||
        fail "vessels, positions or index differ with another order"
    $check consistent a.db
    $check consistent b.db
    ;;
csv)
    "$lookout" ingest --db c.db "$mc" "$dma"
    $check csv "$lookout" c.db "$mc" "$dma"
    $check consistent c.db
    # a file without a line end after its last row, with CRLF line ends
    head -n 20 "$mc" | sed 's/$/\r/' > crlf.csv
    printf '%s' "$(tail -n 1 "$mc")" >> crlf.csv
    "$lookout" ingest --db d.db crlf.csv
    $check csv "$lookout" d.db crlf.csv
    ;;
crash)
    copies 4 > big.nmea
    # 1. killed in the middle: whole batches only, the file intact
    "$lookout" ingest --db k.db --start "$start" --batch 20000 big.nmea 2>/dev/null &
    pid=$!
    $check wait-count k.db 20000 120 || { kill -9 $pid 2>/dev/null; fail "no batch committed"; }
    kill -9 $pid 2>/dev/null || fail "the ingest ended before it could be killed"
    wait $pid 2>/dev/null || true
    killed=$($check counts k.db)
    echo "killed: $killed"
    $check consistent k.db || fail "the killed ingest left a damaged or inconsistent file"
    "$lookout" ingest --db full.db --start "$start" big.nmea 2>/dev/null
    full=$($check counts full.db)
    echo "full:   $full"
    [ "$killed" != "$full" ] || fail "the ingest had finished: nothing was killed"
    # ingesting again completes it
    "$lookout" ingest --db k.db --start "$start" big.nmea 2>/dev/null
    again=$($check counts k.db)
    echo "again:  $again"
    [ "$again" = "$full" ] || fail "ingesting after the crash does not give the full database"
    # 2. a feed on a pipe: what came before an idle second is committed, and
    # survives kill -9 (nothing but the open batch can be lost)
    head -n 30000 "$aishub" > part.nmea
    "$lookout" ingest --db part.db part.nmea 2>/dev/null
    want=$($check counts part.db)
    n=$(echo "$want" | sed 's/.*positions=\([0-9]*\).*/\1/')
    mkfifo feed
    "$lookout" ingest --db p.db - < feed 2>/dev/null &
    pid=$!
    # the writer keeps the pipe open (and idle) after the first part
    ( cat part.nmea; sleep 60 ) > feed &
    feeder=$!
    $check wait-count p.db "$n" 60 || { kill -9 $pid $feeder; fail "the first part was not committed"; }
    sleep 1
    kill -9 $pid
    wait $pid 2>/dev/null || true
    kill $feeder 2>/dev/null || true
    got=$($check counts p.db)
    echo "piped:  $got"
    echo "want:   $want"
    [ "$got" = "$want" ] || fail "rows committed before the kill are missing"
    $check consistent p.db
    ;;
queries)
    "$lookout" ingest --db q.db "$aishub" "$mc" "$dma" 2>/dev/null
    $check queries "$lookout" q.db 25
    ;;
geojson)
    "$lookout" ingest --db g.db "$aishub" "$mc" "$dma" 2>/dev/null
    "$lookout" vessels --db g.db --format geojson -o vessels.geojson
    "$lookout" vessels --db g.db --at 2012-03-14T12:00:00Z --max-age 6h --bbox -10,30,40,70 --format geojson \
        -o picture.geojson
    for m in 244660790 219787000 636021061 2190066; do
        "$lookout" track "$m" --db g.db --format geojson -o "track-$m.geojson"
    done
    "$lookout" positions --db g.db --bbox 170,-60,-170,60 --format geojson -o antimeridian.geojson
    "$lookout" positions --db g.db --from 2012-03-14T11:30:00Z --to 2012-03-14T11:32:00Z --format geojson \
        -o minutes.geojson
    $check geojson vessels.geojson picture.geojson track-*.geojson antimeridian.geojson minutes.geojson
    # CSV and JSON lines of the same vessels: one record each
    v=$(python3 -c "import json; print(len(json.load(open('vessels.geojson'))['features']))")
    j=$("$lookout" vessels --db g.db | wc -l)
    c=$("$lookout" vessels --db g.db --format csv | wc -l)
    [ "$v" = "$j" ] && [ "$c" = $((j + 1)) ] || fail "geojson $v, json $j, csv $c lines"
    ;;
*)
    fail "unknown test $test"
    ;;
esac
echo "store $test: ok"
