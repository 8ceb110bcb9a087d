#!/usr/bin/env python3
"""make_dma_sample.py - write tests/data/dma-aisdk-sample.csv: a small file in the Danish
Maritime Authority's CSV format (the aisdk daily files, documented in the DMA's
"!_README_information_CSV_files.txt": "# Timestamp,Type of mobile,MMSI,...,A,B,C,D",
timestamps "31/12/2015 23:59:59"). No DMA CSV file is available to this project,
so the rows are made from real Danish AIS: the DMA's own NMEA sample
(dma-ais/AisAbnormal ais-sample.txt, Danish waters on 2013-11-12, receive times
from its $PGHP headers), decoded by lookout. Each position report becomes one
row carrying the latest static data heard for the MMSI, as the DMA's rows do;
repeats of a report (the same MMSI, second and position heard by several
stations) are written once.

Usage: make_dma_sample.py LOOKOUT AIS_SAMPLE > tests/data/dma-aisdk-sample.csv
"""
import json
import subprocess
import sys

HEADER = ("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,"
          "Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,"
          "ETA,Data source type,A,B,C,D")

SHIP_TYPES = {20: "WIG", 30: "Fishing", 31: "Towing", 32: "Towing long/wide", 33: "Dredging", 34: "Diving",
              35: "Military", 36: "Sailing", 37: "Pleasure", 40: "HSC", 50: "Pilot", 51: "SAR", 52: "Tug",
              53: "Port tender", 54: "Anti-pollution", 55: "Law enforcement", 58: "Medical", 60: "Passenger",
              70: "Cargo", 80: "Tanker", 90: "Other"}
CARGO = {1: "Category X", 2: "Category Y", 3: "Category Z", 4: "Category OS"}
EPFD = {1: "GPS", 2: "GLONASS", 3: "Combined GPS/GLONASS", 4: "Loran-C", 5: "Chayka",
        6: "Integrated navigation system", 7: "Surveyed", 8: "Galileo"}
MOBILE = {1: "Class A", 2: "Class A", 3: "Class A", 18: "Class B", 4: "Base Station", 21: "AtoN"}
PER_MMSI = 8        # rows per station at most
WANT = {"Class A": 7, "Class B": 3, "Base Station": 2, "AtoN": 2}  # stations of each kind


def dmy(iso):
    # "2013-11-12T12:00:00.011Z" -> "12/11/2013 12:00:00"
    return "%s/%s/%s %s" % (iso[8:10], iso[5:7], iso[0:4], iso[11:19])


def ship_type(code):
    if not code:
        return "Undefined", ""
    base = code - code % 10 if code % 10 in CARGO and code - code % 10 in (20, 40, 60, 70, 80, 90) else code
    return SHIP_TYPES.get(base, "Undefined"), CARGO.get(code - base, "") if base != code else ""


def main():
    lookout, sample = sys.argv[1], sys.argv[2]
    out = subprocess.run([lookout, "decode", "--scaled", sample], capture_output=True, text=True,
                         check=True).stdout
    static = {}
    rows = {}
    seen = set()
    kinds = {}
    for line in out.splitlines():
        m = json.loads(line)
        t, mmsi = m["type"], m["mmsi"]
        if "rx_time" not in m:
            continue
        if t == 5:
            static[mmsi] = dict(static.get(mmsi, {}), **m)
            continue
        if t == 24:
            static[mmsi] = dict(static.get(mmsi, {}), **{k: v for k, v in m.items() if k != "type"})
            continue
        if t not in MOBILE or m.get("lat") is None or abs(m["lat"]) > 90 or abs(m["lon"]) > 180:
            continue
        kind = MOBILE[t]
        if mmsi not in kinds:
            if sum(1 for k in kinds.values() if k == kind) >= WANT[kind]:
                continue
            if kind in ("Class A", "Class B") and mmsi not in static:
                continue  # stations whose static data we have heard: rows show it
            kinds[mmsi] = kind
        key = (mmsi, m["rx_time"][:19], m["lat"], m["lon"])
        if key in seen or len(rows.get(mmsi, [])) >= PER_MMSI:
            continue
        seen.add(key)
        st = dict(static.get(mmsi, {}))
        if t == 21:
            st.update(shipname=m.get("name", ""), to_bow=m["to_bow"], to_stern=m["to_stern"],
                      to_port=m["to_port"], to_starboard=m["to_starboard"], epfd=m.get("epfd", 0))
        if t == 4:
            st = {"epfd": m.get("epfd", 0)}
        stype, cargo = ship_type(st.get("shiptype", 0))
        dims = [st.get(k, 0) for k in ("to_bow", "to_stern", "to_port", "to_starboard")]
        has_dims = any(dims)
        turn = m.get("turn")
        rot = "%.1f" % turn if isinstance(turn, (int, float)) and t in (1, 2, 3) and abs(turn) < 127 else ""
        speed = m.get("speed")
        course = m.get("course")
        heading = m.get("heading")
        status = m.get("status_text", "Unknown value") if t in (1, 2, 3) else "Unknown value"
        eta = ""
        if st.get("eta") and not st["eta"].startswith("00-"):
            mo, d, hm = st["eta"][0:2], st["eta"][3:5], st["eta"][6:11]
            eta = "%s/%s/2013 %s:00" % (d, mo, hm)
        row = [
            dmy(m["rx_time"]), kind, str(mmsi), "%.6f" % m["lat"], "%.6f" % m["lon"], status, rot,
            "" if speed is None or t in (4, 21) or speed >= 102.3 else "%.1f" % speed,
            "" if course is None or t in (4, 21) or course >= 360 else "%.1f" % course,
            "" if heading is None or t in (4, 21) or heading == 511 else str(heading),
            str(st["imo"]) if st.get("imo") else "Unknown",
            st.get("callsign") or "Unknown", st.get("shipname", ""), stype, cargo,
            str(dims[2] + dims[3]) if has_dims else "", str(dims[0] + dims[1]) if has_dims else "",
            EPFD.get(st.get("epfd", 0), "Undefined"), "%.1f" % st["draught"] if st.get("draught") else "",
            st.get("destination") or "Unknown", eta, "AIS",
        ] + ([str(x) for x in dims] if has_dims else ["", "", "", ""])
        rows.setdefault(mmsi, []).append((m["rx_time"], row))
    allrows = sorted((r for v in rows.values() for r in v), key=lambda r: (r[0], r[1][2]))
    print(HEADER)
    for _, row in allrows:
        print(",".join('"%s"' % f if "," in f else f for f in row))


if __name__ == "__main__":
    main()
