#!/bin/sh
# demo.sh - the main job on bundled real data: install, build (release), then
#  1. simulate a day and a half of scripted security events in the Gulf of Oman
#     (data/scenarios/demo.txt) and merge them into real traffic (the AISHub
#     snapshot, tests/data/aishub-nmea-sample.txt: 85,194 real sentences);
#  2. decode, track and screen the result with every detector, printing the
#     alerts as a table and writing them as JSON lines, GeoJSON and SQLite;
#  3. check them against the scenario's ground truth.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" >/dev/null
lookout=./build/release/lookout
mkdir -p out
rm -f out/demo.db out/demo.db-wal out/demo.db-shm
echo "== lookout sim data/scenarios/demo.txt, merged into the real AISHub sample -> out/demo.nmea"
$lookout sim data/scenarios/demo.txt --merge tests/data/aishub-nmea-sample.txt --merge-span 10m \
    -o out/demo.nmea --truth out/demo.truth.jsonl 2>/dev/null
echo "   $(wc -l < out/demo.nmea) lines, $(wc -l < out/demo.truth.jsonl) scripted events"
echo
echo "== lookout detect: decode, track, screen (zones: Strait of Hormuz watch box; watch list: OFAC SDN vessels)"
$lookout detect --table --stats \
    --zones data/zones/hormuz-watch.geojson \
    --watchlist data/watchlist/ofac_sdn_vessels_2024-05-03.csv \
    --json out/demo.alerts.jsonl --geojson out/demo.alerts.geojson --db out/demo.db \
    out/demo.nmea > out/demo.alerts.txt
# The table, most severe first: the scripted events, then what the real
# traffic itself shows (bad MMSIs and IMO numbers, position outliers, ...).
head -n 41 out/demo.alerts.txt | cut -c1-200
echo "   ... (the whole table: out/demo.alerts.txt)"
tail -n 3 out/demo.alerts.txt
echo
echo "   alerts: out/demo.alerts.txt (table), out/demo.alerts.jsonl (JSON lines),"
echo "           out/demo.alerts.geojson (GeoJSON), out/demo.db (SQLite: vessels, tracks, events)"
echo
echo "== the alerts against the scenario's ground truth (tests/detect/compare_truth.py)"
python3 tests/detect/compare_truth.py out/demo.truth.jsonl out/demo.alerts.jsonl \
    --watchlist data/watchlist/ofac_sdn_vessels_2024-05-03.csv
