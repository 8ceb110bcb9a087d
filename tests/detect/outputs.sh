#!/bin/sh
# The three outputs of `lookout detect` agree: on a scenario merged into real
# traffic, the JSON lines, the GeoJSON FeatureCollection and the store's events
# table hold the same alerts (same ids, types and vessels); a second run on the
# same input gives byte-identical JSON (time comes from the data) and adds no
# row to the store (events are keyed by type, start and vessels).
#   outputs.sh LOOKOUT WORKDIR
set -eu
lookout=$1
work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
rm -f "$work/o.db" "$work/o.db-wal" "$work/o.db-shm"
"$lookout" sim "$root/data/scenarios/demo.txt" --merge "$root/tests/data/aishub-nmea-sample.txt" --merge-span 10m \
    -o "$work/o.nmea" 2>/dev/null
run() {
    "$lookout" detect -q --zones "$root/data/zones/hormuz-watch.geojson" \
        --watchlist "$root/data/watchlist/ofac_sdn_vessels_2024-05-03.csv" \
        --json "$work/$1.jsonl" --geojson "$work/$1.geojson" --db "$work/o.db" "$work/o.nmea"
}
run a
run b
cmp "$work/a.jsonl" "$work/b.jsonl" || { echo "FAIL: a second run gave other alerts"; exit 1; }
python3 - "$work" <<'PY'
import json, sqlite3, sys
w = sys.argv[1]
alerts = [json.loads(l) for l in open(f"{w}/a.jsonl")]
assert alerts, "no alerts"
gj = json.load(open(f"{w}/a.geojson"))
assert gj["type"] == "FeatureCollection"
feats = gj["features"]
assert len(feats) == len(alerts), (len(feats), len(alerts))
for a, f in zip(alerts, feats):
    assert f["type"] == "Feature" and f["id"] == a["id"], (f.get("id"), a["id"])
    g = f["geometry"]
    assert g is None or g["type"] in ("Point", "MultiPoint"), g
    pts = g["coordinates"] if g and g["type"] == "MultiPoint" else ([g["coordinates"]] if g else [])
    for lon, lat in pts:
        assert -180 <= lon <= 180 and -90 <= lat <= 90, (lon, lat)
    assert f["properties"]["type"] == a["type"]
db = sqlite3.connect(f"{w}/o.db")
rows = db.execute("SELECT type, start, vessels FROM events").fetchall()
assert len(rows) == len(alerts), f"store has {len(rows)} events, JSON {len(alerts)}"
keys = {(t, s, json.dumps(json.loads(v))) for t, s, v in rows}
for a in alerts:
    k = (a["type"], a["start_ms"], json.dumps([v["mmsi"] for v in a["vessels"]]))
    assert k in keys, f"alert {a['id']} {a['type']} not in the store"
n = db.execute("SELECT count(*) FROM event_vessels").fetchone()[0]
assert n >= len(alerts), n
print(f"ok: {len(alerts)} alerts, the same in JSON, GeoJSON and the store; a second run identical")
PY
