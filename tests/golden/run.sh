#!/bin/sh
# run.sh - golden round trip of the encoder over the bundled samples (tests/data):
#
#   lookout decode FILE | lookout encode | lookout decode   gives the same JSON
#   as lookout decode FILE, in three ways:
#     raw       raw values, without lookout's extras
#     tagblock  with the extras: channel, and rx_time and station carried in
#               NMEA 4.10 tag blocks (rx_time to the second: c: is in seconds)
#     scaled    --scaled values (degrees, knots) fed back to the encoder
#   "device" (the input's name) is the only field left out of the comparison.
#   raw covers each whole file; tagblock and scaled its first 3000 lines (they
#   add the extras and the unit conversions, not more message kinds), to keep
#   the test quick under the sanitizers.
#
# usage: sh tests/golden/run.sh LOOKOUT_BINARY [tests/golden]
# Prints one line per failure and "N passed, M failed"; exits 1 on any failure.
set -u
LOOKOUT=${1:?usage: run.sh LOOKOUT_BINARY [GOLDEN_DIR]}
GOLDEN=${2:-$(dirname "$0")}
DATA=$GOLDEN/../data

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0

# Drop "device"; rx_time to the second.
normalise() {
    sed -e 's/"device":"[^"]*",//' -e 's/\("rx_time":"[^".]*\)\.[0-9]*Z"/\1.000Z"/' "$1"
}

# check NAME FILE DECODE_OPTS ENCODE_OPTS
check() {
    name=$1 file=$2 dopts=$3 eopts=$4
    # shellcheck disable=SC2086
    if ! "$LOOKOUT" decode $dopts "$file" >"$tmp/first.json" 2>"$tmp/err"; then
        echo "FAIL $name: decode failed: $(head -1 "$tmp/err")"
        fail=$((fail + 1))
        return
    fi
    # shellcheck disable=SC2086
    if ! "$LOOKOUT" encode $eopts "$tmp/first.json" >"$tmp/nmea" 2>"$tmp/err"; then
        echo "FAIL $name: encode failed:"
        head -5 "$tmp/err" | sed 's/^/    /'
        fail=$((fail + 1))
        return
    fi
    # shellcheck disable=SC2086
    "$LOOKOUT" decode $dopts "$tmp/nmea" >"$tmp/second.json" 2>/dev/null
    normalise "$tmp/first.json" >"$tmp/a"
    normalise "$tmp/second.json" >"$tmp/b"
    n=$(wc -l <"$tmp/a" | tr -d ' ')
    if [ "$n" -eq 0 ]; then
        echo "FAIL $name: no messages decoded"
        fail=$((fail + 1))
    elif cmp -s "$tmp/a" "$tmp/b"; then
        pass=$((pass + 1))
    else
        ndiff=$(diff "$tmp/a" "$tmp/b" | grep -c '^<')
        echo "FAIL $name: $ndiff of $n messages differ after the round trip; first:"
        diff "$tmp/a" "$tmp/b" | sed -n '2p;4p' | cut -c1-400 | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

found=0
for f in "$DATA"/*; do
    [ -f "$f" ] || continue
    case $f in
    *.md | *.json | *.jsonl | *.geojson | *.csv | *.tsv | *.db) continue ;;
    esac
    found=1
    base=$(basename "$f")
    head -n 3000 "$f" >"$tmp/head"
    check "$base raw" "$f" "--no-extras" ""
    check "$base tagblock" "$tmp/head" "" "--tagblock"
    check "$base scaled" "$tmp/head" "--scaled --no-extras" ""
done
if [ "$found" -eq 0 ]; then
    echo "FAIL no samples in $DATA"
    fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
