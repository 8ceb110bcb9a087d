#!/bin/sh
# demo.sh - the main job on bundled real data: install, build (release), decode
# the AISHub sample (85,194 real sentences) to JSON lines and print a summary.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" >/dev/null
mkdir -p out
echo "== lookout decode tests/data/aishub-nmea-sample.txt -> out/aishub.jsonl"
./build/release/lookout decode --stats --rejects out/aishub.rejects.txt -o out/aishub.jsonl \
    tests/data/aishub-nmea-sample.txt
echo
echo "== first three messages"
head -n 3 out/aishub.jsonl
echo
echo "== the same as CSV (first five rows): out/aishub.csv"
./build/release/lookout decode --format csv --scaled -o out/aishub.csv tests/data/aishub-nmea-sample.txt
head -n 5 out/aishub.csv
echo
echo "== rejected lines, each with file, line and reason: out/aishub.rejects.txt"
head -n 3 out/aishub.rejects.txt
