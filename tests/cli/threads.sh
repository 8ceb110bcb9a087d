#!/bin/sh
# threads.sh LOOKOUT DATA_DIR - `lookout decode` gives byte-identical output,
# stats and rejects with one thread and with 2, 3 and 5 (a reader and 1, 2 or
# 4 decoding workers that write in turn), over several files at once, in JSON
# and CSV.
set -u
lookout=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # name, then the decode arguments
    name=$1
    shift
    "$lookout" decode --threads 1 --stats --rejects "$tmp/r1" "$@" <"${STDIN:-/dev/null}" >"$tmp/o1" 2>"$tmp/s1"
    for n in 2 3 5; do
        "$lookout" decode --threads $n --stats --rejects "$tmp/r$n" "$@" <"${STDIN:-/dev/null}" >"$tmp/o$n" 2>"$tmp/s$n"
        # (something to compare: stats, rejects, and output unless decode-only)
        if cmp -s "$tmp/o1" "$tmp/o$n" && cmp -s "$tmp/s1" "$tmp/s$n" && cmp -s "$tmp/r1" "$tmp/r$n" &&
            grep -q '^decoded  *[1-9]' "$tmp/s1" && [ -s "$tmp/r1" ] && { [ -s "$tmp/o1" ] || [ "$1" = -f ]; }; then
            pass=$((pass + 1))
        else
            echo "FAIL: $name differs between --threads 1 and $n"
            fail=$((fail + 1))
        fi
    done
}
check json "$data/aishub-nmea-sample.txt" "$data/gpsd-sample.aivdm"
check csv -f csv "$data/gpsd-sample.aivdm" "$data/aishub-nmea-sample.txt"
STDIN="$data/aishub-nmea-sample.txt" check stdin -
# Decode-only leaves the armour of one-sentence messages to the decoding
# threads, which check it as they decode: sentences with characters outside the
# armour (tests/cli/bad-payload.nmea) are the same rejects, counted the same.
bad=$(dirname "$0")/bad-payload.nmea
check decode-only -f none "$data/aishub-nmea-sample.txt" "$bad" "$data/aishub-nmea-sample.txt" "$bad"
check json-bad "$bad" "$data/aishub-nmea-sample.txt" "$bad"
# The reading thread writes out whole batches when the other falls behind,
# which depends on timing: force every other batch so that path is compared too
# (with rejects between runs of its text: the sample has bad lines).
export LOOKOUT_TEST_RENDER_ALTERNATE=1
check json-render "$data/aishub-nmea-sample.txt" "$data/gpsd-sample.aivdm" "$data/aishub-nmea-sample.txt"
check csv-render -f csv "$data/aishub-nmea-sample.txt" "$data/gpsd-sample.aivdm"
unset LOOKOUT_TEST_RENDER_ALTERNATE
# A full disk is an error, with any number of threads, for the output and for
# the rejects file alike.
if [ -w /dev/full ]; then
    for n in 1 2 3; do
        if "$lookout" decode --threads $n "$data/aishub-nmea-sample.txt" >/dev/full 2>"$tmp/err" ||
            ! grep -q "write error" "$tmp/err"; then
            echo "FAIL: output to /dev/full with --threads $n did not fail"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
        if "$lookout" decode --threads $n --rejects /dev/full "$data/aishub-nmea-sample.txt" >/dev/null 2>"$tmp/err" ||
            ! grep -q "/dev/full: write error" "$tmp/err"; then
            echo "FAIL: rejects to /dev/full with --threads $n did not fail"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
