#!/bin/sh
# write_errors.sh LOOKOUT DATA_DIR - every command that writes to standard
# output fails (exit status not 0, a message on stderr) when the output cannot
# be written (/dev/full: "No space left on device"), instead of exiting 0 with
# the output lost.
set -u
lookout=$1
data=$2
if [ ! -w /dev/full ]; then
    echo "SKIP: no /dev/full"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
expect_failure() { # name, then the command
    name=$1
    shift
    if "$@" >/dev/full 2>"$tmp/err"; then
        echo "FAIL: $name exited 0 writing to /dev/full"
        fail=$((fail + 1))
    elif ! grep -qi "error\|cannot write" "$tmp/err"; then
        echo "FAIL: $name failed without saying why: $(cat "$tmp/err")"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}
sample=$data/gpsd-sample.aivdm
"$lookout" ingest -q --db "$tmp/db" "$sample" >/dev/null 2>&1 || "$lookout" ingest --db "$tmp/db" "$sample" >/dev/null
"$lookout" decode "$sample" >"$tmp/json"
expect_failure "decode" "$lookout" decode "$sample"
expect_failure "decode --threads 1 -f csv" "$lookout" decode --threads 1 -f csv "$sample"
expect_failure "encode" sh -c "\"$lookout\" encode <\"$tmp/json\""
expect_failure "layouts" "$lookout" layouts
expect_failure "vessels" "$lookout" vessels --db "$tmp/db"
expect_failure "vessels --format geojson" "$lookout" vessels --db "$tmp/db" --format geojson
expect_failure "positions" "$lookout" positions --db "$tmp/db"
expect_failure "detect" "$lookout" detect --no-geo "$data/aishub-nmea-sample.txt"
expect_failure "detect --json -" "$lookout" detect --no-geo --json - "$data/aishub-nmea-sample.txt"
expect_failure "sim" "$lookout" sim "$data/../../data/scenarios/sts.txt"
expect_failure "help" "$lookout" --help
expect_failure "decode --help" "$lookout" decode --help
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
