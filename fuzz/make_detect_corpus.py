#!/usr/bin/env python3
"""make_detect_corpus.py - seeds for fuzz_detect: short excerpts of the shipped
scenarios as `lookout sim` writes them, and of the permissively licensed real logs
in tests/data (AISHub via pyais, MIT; gpsd, BSD-2-Clause).

    python3 fuzz/make_detect_corpus.py LOOKOUT_BINARY OUT_DIR [--max-seed BYTES]

fuzz_detect runs the detectors with thresholds of minutes (fuzz/fuzz_detect.c), so an
excerpt of a few KB fires them if it keeps the right messages. For every scripted
event of every scenario (its truth file) a seed keeps, from a window round the event,
the messages of the event's vessels (for a circle: of every vessel within 30 km of its
centre), thinned to an even spread of positions plus a few consecutive reports at
the event's start and end (jumps and meetings are seen between neighbouring
reports) and each distinct static report once. Also: the first lines of each
simulation, a thinned slice of every vessel of a scenario, and slices of the real
logs (which have no receive times: the harness gives most inputs a clock start).
Lines are kept verbatim (tag block with the c: time, checksums valid). The seeds are
then fuzzed and minimised with -merge=1 into fuzz/corpus/fuzz_detect (docs/fuzzing.md).
"""
import glob
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SENT = re.compile(rb"!AIVD[MO],(\d),(\d),(\d?),([AB12]?),([^,]*),(\d)\*")
TIME = re.compile(rb"c:(\d+)")


def sixbits(payload):
    out = []
    for ch in payload:
        v = ch - 48
        if v > 40:
            v -= 8
        out.append(v & 63)
    return out


def field(bits6, start, width, signed=False):
    v = 0
    for i in range(start, start + width):
        k = i // 6
        b = (bits6[k] >> (5 - i % 6)) & 1 if k < len(bits6) else 0
        v = (v << 1) | b
    if signed and v >> (width - 1):
        v -= 1 << width
    return v


def parse(lines):
    """Messages: dict(t, mmsi, type, lines, lat, lon); fragments joined."""
    msgs, pend = [], None
    for line in lines:
        m = SENT.search(line)
        if not m:
            continue
        tm = TIME.search(line)
        t = int(tm.group(1)) if tm else None
        total, num = int(m.group(1)), int(m.group(2))
        if num == 1:
            pend = {"t": t, "lines": [line], "payload": m.group(5)}
        elif pend is not None:
            pend["lines"].append(line)
            pend["payload"] += m.group(5)
        else:
            continue
        if num == total:
            b = sixbits(pend["payload"])
            mt, mmsi = field(b, 0, 6), field(b, 8, 30)
            lat = lon = None
            if mt in (1, 2, 3) and len(b) * 6 >= 116:
                lon, lat = field(b, 61, 28, True) / 600000.0, field(b, 89, 27, True) / 600000.0
            elif mt in (18, 19) and len(b) * 6 >= 112:
                lon, lat = field(b, 57, 28, True) / 600000.0, field(b, 85, 27, True) / 600000.0
            msgs.append({"t": pend["t"], "mmsi": mmsi, "type": mt, "lines": pend["lines"], "lat": lat,
                         "lon": lon, "payload": pend["payload"]})
            pend = None
    return msgs


def near(m, lat, lon, km):
    if m["lat"] is None:
        return False
    dlat = (m["lat"] - lat) * 111.2
    dlon = (m["lon"] - lon) * 111.2 * 0.8
    return dlat * dlat + dlon * dlon <= km * km


def excerpt(msgs, mmsis, t0, t1, budget, marks=()):
    """Messages of mmsis in [t0, t1]: even spread of positions, bursts at marks,
    every distinct static report once, in time order, within budget bytes."""
    inwin = [m for m in msgs if m["mmsi"] in mmsis and m["t"] is not None and t0 <= m["t"] <= t1]
    statics, seen, keep = [], set(), set()
    for i, m in enumerate(inwin):
        if m["lat"] is None and (m["mmsi"], m["payload"]) not in seen:
            seen.add((m["mmsi"], m["payload"]))
            statics.append(i)
    keep.update(statics[:12])
    pos = [i for i, m in enumerate(inwin) if m["lat"] is not None]
    for mark in marks:  # a few consecutive reports of each vessel round each mark
        for mmsi in mmsis:
            near_mark = [i for i in pos if inwin[i]["mmsi"] == mmsi and inwin[i]["t"] >= mark][:3]
            before = [i for i in pos if inwin[i]["mmsi"] == mmsi and inwin[i]["t"] < mark][-2:]
            keep.update(near_mark + before)
    used = sum(len(l) for i in keep for l in inwin[i]["lines"])
    room = max(0, budget - used)
    avg = (sum(len(inwin[i]["lines"][0]) for i in pos) / len(pos)) if pos else 80
    n = int(room // avg)
    if pos and n > 0:
        step = max(1.0, len(pos) / n)
        k = 0.0
        while int(k) < len(pos):
            keep.add(pos[int(k)])
            k += step
    out, size = [], 0
    for i in sorted(keep):
        chunk = b"".join(inwin[i]["lines"])
        if size + len(chunk) > budget:
            break
        out.append(chunk)
        size += len(chunk)
    return b"".join(out)


def bare_time(line):
    """The line with a tag block of its c: time only (no s: station): shorter."""
    m = re.match(rb"\\([^\\*]*)\*[0-9A-Fa-f]{2}\\(.*)$", line, re.S)
    t = TIME.search(line)
    if not m or not t:
        return line
    body = b"c:" + t.group(1)
    ck = 0
    for ch in body:
        ck ^= ch
    return b"\\" + body + b"*%02X\\" % ck + m.group(2)


def circle_excerpt(msgs, centre, t0, t1, nves, every_s, budget):
    """nves vessels going round near centre, one position each every_s, bare tag blocks."""
    inwin = [m for m in msgs if m["t"] is not None and t0 <= m["t"] <= t1 and m["lat"] is not None and
             near(m, centre[0], centre[1], 5)]
    count = {}
    for m in inwin:
        count[m["mmsi"]] = count.get(m["mmsi"], 0) + 1
    chosen = set(sorted(count, key=lambda k: -count[k])[:nves])
    last, out, size = {}, [], 0
    for m in inwin:
        if m["mmsi"] not in chosen or m["t"] - last.get(m["mmsi"], -10**9) < every_s:
            continue
        last[m["mmsi"]] = m["t"]
        chunk = b"".join(bare_time(l) for l in m["lines"])
        if size + len(chunk) > budget:
            break
        out.append(chunk)
        size += len(chunk)
    return b"".join(out)


def write(outdir, data, seen, label):
    if not data:
        return
    h = hashlib.sha1(data).hexdigest()
    if h in seen:
        return
    seen.add(h)
    with open(os.path.join(outdir, h), "wb") as f:
        f.write(data)
    print("  %-40s %6d bytes" % (label, len(data)))


def simulate(binary, scenario, tmp, merge=None):
    base = os.path.join(tmp, os.path.basename(scenario))
    cmd = [binary, "sim", scenario, "-o", base + ".nmea", "--truth", base + ".truth"]
    if merge:
        cmd += ["--merge", merge]
    subprocess.run(cmd, check=True)
    with open(base + ".nmea", "rb") as f:
        lines = f.read().splitlines(keepends=True)
    truth = []
    if os.path.exists(base + ".truth"):
        with open(base + ".truth") as f:
            truth = [json.loads(l) for l in f if l.strip()]
    return lines, truth, base + ".nmea"


def scenario_seeds(binary, outdir, seen, rng, budget):
    tmp = tempfile.mkdtemp(prefix="fzdet")
    scen = sorted(glob.glob(os.path.join(ROOT, "data", "scenarios", "*.txt")))
    sims = {}
    for s in scen:
        name = os.path.basename(s)
        if name == "mmsi-shared-b.txt":
            continue
        print(name)
        lines, truth, path = simulate(binary, s, tmp)
        sims[name] = path
        if name == "mmsi-shared-a.txt":
            b = s.replace("-a.txt", "-b.txt")
            lines, truth, _ = simulate(binary, b, tmp, merge=path)
        msgs = parse(lines)
        timed = [m for m in msgs if m["t"] is not None]
        if not timed:
            continue
        write(outdir, b"".join(lines)[:budget // 2], seen, name + " first lines")
        # every vessel, thinned, over the first two hours
        t0 = timed[0]["t"]
        allm = {m["mmsi"] for m in timed}
        write(outdir, excerpt(msgs, allm, t0, t0 + 7200, budget), seen, name + " all vessels 2 h")
        for ev in truth:
            mmsis = {v["mmsi"] for v in ev.get("vessels", [])}
            s0, s1 = ev["start_ms"] // 1000, ev["end_ms"] // 1000
            if ev["type"] == "circle":
                w = ev.get("where") or {}
                if "lat" in w:
                    mmsis |= {m["mmsi"] for m in timed if s0 <= m["t"] <= s0 + 1800 and
                              near(m, w["lat"], w["lon"], 30)}
            if ev["type"] == "identity":
                # the new MMSI, if any, is whoever appears with the name at that time
                ch = ev.get("parameters", {}).get("changes", {})
                if "mmsi" in ch:
                    mmsis |= {int(x) for x in ch["mmsi"] if x}
            if ev["type"] == "circle":  # many vessels at once: a short window, densely
                write(outdir, excerpt(msgs, mmsis, s0 + 600, s0 + 1500, budget), seen,
                      "%s %s 15 min" % (name, ev["id"]))
                w = ev.get("where") or {}
                if "lat" in w:  # a few going round for a half turn and more, every 150 m or so
                    for nves in (2, 3):
                        write(outdir, circle_excerpt(msgs, (w["lat"], w["lon"]), s0 + 300, s0 + 3000, nves,
                                                     40, budget), seen,
                              "%s %s %d going round" % (name, ev["id"], nves))
            span = max(s1 - s0, 600)
            pad = min(max(span // 4, 900), 3 * 3600)
            t0, t1 = s0 - pad, s1 + pad
            if t1 - t0 > 10 * 3600:  # long events: both ends, as two seeds and one thinned whole
                write(outdir, excerpt(msgs, mmsis, s0 - 3600, s0 + 3600, budget, (s0,)), seen,
                      "%s %s start" % (name, ev["id"]))
                write(outdir, excerpt(msgs, mmsis, s1 - 3600, s1 + 3600, budget, (s1,)), seen,
                      "%s %s end" % (name, ev["id"]))
            write(outdir, excerpt(msgs, mmsis, t0, t1, budget, (s0, s1)), seen, "%s %s" % (name, ev["id"]))
    return tmp


def real_seeds(outdir, seen, rng, budget):
    for name, n in (("aishub-nmea-sample.txt", 8), ("gpsd-sample.aivdm", 3)):
        with open(os.path.join(ROOT, "tests", "data", name), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        for _ in range(n):
            i = rng.randrange(max(1, len(lines) - 200))
            out, size = [], 0
            for l in lines[i:]:
                if size + len(l) > budget // 2:
                    break
                out.append(l)
                size += len(l)
            write(outdir, b"".join(out), seen, "%s line %d" % (name, i + 1))
        # the same vessels again and again: the AISHub snapshot's busiest MMSIs
        if name.startswith("aishub"):
            msgs = parse(lines)
            count = {}
            for m in msgs:
                count[m["mmsi"]] = count.get(m["mmsi"], 0) + 1
            busy = sorted(count, key=lambda k: -count[k])[:6]
            out = b"".join(b"".join(m["lines"]) for m in msgs if m["mmsi"] in busy)
            write(outdir, out[:budget], seen, name + " busiest vessels")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, out = sys.argv[1], sys.argv[2]
    budget = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--max-seed" else 4096
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261129)
    seen = set()
    tmp = scenario_seeds(binary, out, seen, rng, budget)
    real_seeds(out, seen, rng, budget)
    for f in glob.glob(os.path.join(tmp, "*")):
        os.remove(f)
    os.rmdir(tmp)
    print(len(seen), "seeds in", out)


if __name__ == "__main__":
    main()
