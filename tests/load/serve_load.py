#!/usr/bin/env python3
"""serve_load.py - load and abuse test of `lookout serve` (loopback only, bounded in time).

While a C sender (lookout_udp_send) pushes real sentences from tests/data over
UDP at --rate sentences/s for --duration s:
- --sse readers follow /api/stream and --stalled more connect and never read;
- --loris slow-loris HTTP connections dribble a header byte every few seconds;
- on the TCP listen port: garbage feeders, slow-loris feeders (no line end
  ever), and silent feeders (closed by --feeder-idle);
- /api/stats is fetched every second (its latency is recorded) and the
  server's RSS sampled from /proc;
- optionally (--probes N) a position with a fresh, 8-digit (invalid) MMSI is
  sent now and then, and the time until its `position` record and its
  `mmsi_invalid` event arrive on the stream is measured (p50, p99).

Then: the queue drains; per source received = decoded + rejected + other +
dropped (+ pending); the sender's count = received + the kernel's counted UDP
drops; RSS is flat over the last third; SIGTERM exits 0 with a sound store.
Prints one JSON summary line (for BENCHMARKS.md) and exits 1 on a failure.

usage: serve_load.py --lookout PATH --sender PATH --data DIR --work DIR
                     [--duration 60] [--rate 50000] [--sse 100] [--stalled 20]
                     [--loris 20] [--probes 0] [--no-abuse] [--rss-check]
"""
import argparse
import json
import os
import random
import re
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--lookout", required=True)
ap.add_argument("--sender", required=True)
ap.add_argument("--data", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--duration", type=float, default=60)
ap.add_argument("--rate", type=float, default=50000)
ap.add_argument("--sse", type=int, default=100, help="stream clients in all (readers + stalled)")
ap.add_argument("--stalled", type=int, default=20, help="of which never read")
ap.add_argument("--loris", type=int, default=20)
ap.add_argument("--probes", type=int, default=0)
ap.add_argument("--no-abuse", action="store_true", help="no garbage, loris or stalled clients (rate search)")
ap.add_argument("--rss-check", action="store_true", help="fail when RSS grows over the last third")
ap.add_argument("--no-detect", action="store_true", help="run the service without detectors")
ap.add_argument("--serve-arg", action="append", default=[], help="one more lookout serve option (--serve-arg=--cache-mb=64)")
a = ap.parse_args()

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, file=sys.stderr)
    if not cond:
        failures.append(what)


os.makedirs(a.work, exist_ok=True)
db = os.path.join(a.work, "load.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
err_path = os.path.join(a.work, "serve.stderr")
errf = open(err_path, "w")
srv = subprocess.Popen([a.lookout, "serve", "--udp", "0", "--name", "load", "--tcp-listen", "0", "--http", "0",
                        "--db", db, "--no-geo", "--feeder-idle", "5", "--http-conns", "512",
                        *(["--no-detect"] if a.no_detect else []), *a.serve_arg],
                       stdout=subprocess.DEVNULL, stderr=errf)
errf.close()


def find_port():
    deadline = time.time() + 60
    while time.time() < deadline and srv.poll() is None:
        m = re.search(r"serving http://[^:]+:(\d+)/", open(err_path).read())
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    raise SystemExit("server did not start: " + open(err_path).read())


HTTP = find_port()


def get(path, timeout=30):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (HTTP, path), timeout=timeout) as r:
        return json.loads(r.read())


st = get("/api/stats")
UDP = st["sources"][0]["port"]
TCP = st["sources"][1]["port"]
stop = threading.Event()

# ---- stream clients ----
sse_bytes = [0]
sse_closed = [0]


def sse_open(read=True):
    s = socket.create_connection(("127.0.0.1", HTTP))
    if not read:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: load\r\n\r\n")
    return s


def sse_readers(socks):
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    buf = bytearray(1 << 20)
    while not stop.is_set():
        for key, _ in sel.select(0.2):
            try:
                n = key.fileobj.recv_into(buf)
            except BlockingIOError:
                continue
            except OSError:
                n = 0
            if n == 0:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                sse_closed[0] += 1
            sse_bytes[0] += n
    for key in list(sel.get_map().values()):
        key.fileobj.close()


readers = [] if a.no_abuse and a.sse == 0 else [sse_open() for _ in range(max(0, a.sse - (0 if a.no_abuse else a.stalled)))]
stalled = [] if a.no_abuse else [sse_open(read=False) for _ in range(a.stalled)]
threading.Thread(target=sse_readers, args=(readers,), daemon=True).start()

# ---- abuse: slow loris on HTTP, garbage / loris / silent feeders on TCP ----
abuse = []


def dribble(socks, payload_fn, every):
    i = 0
    while not stop.is_set():
        for s in list(socks):
            try:
                s.sendall(payload_fn(i))
            except OSError:
                socks.remove(s)
        i += 1
        stop.wait(every)


if not a.no_abuse:
    loris = []
    for _ in range(a.loris):
        s = socket.create_connection(("127.0.0.1", HTTP))
        s.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        loris.append(s)
    threading.Thread(target=dribble, args=(loris, lambda i: b"a", 3), daemon=True).start()
    garbage = [socket.create_connection(("127.0.0.1", TCP)) for _ in range(10)]
    rnd = random.Random(7)
    threading.Thread(target=dribble, args=(garbage, lambda i: bytes(rnd.getrandbits(8) for _ in range(2000)) +
                                           b"\n!AIVDM,garbage*00\r\n", 0.05), daemon=True).start()
    tloris = [socket.create_connection(("127.0.0.1", TCP)) for _ in range(10)]
    threading.Thread(target=dribble, args=(tloris, lambda i: b"!", 2), daemon=True).start()
    silent = [socket.create_connection(("127.0.0.1", TCP)) for _ in range(5)]
    abuse = loris + garbage + tloris + silent

# ---- probes: UDP -> stream latency ----
lat_pos, lat_ev = [], []


def armour(bits):
    bits += "0" * (-len(bits) % 6)
    out = ""
    for i in range(0, len(bits), 6):
        v = int(bits[i:i + 6], 2)
        out += chr(v + 48 if v < 40 else v + 56)
    return out


def type1(mmsi, lat, lon):
    f = [(1, 6), (0, 2), (mmsi, 30), (0, 4), (128, 8), (100, 10), (1, 1), (int(lon * 600000) & (2**28 - 1), 28),
         (int(lat * 600000) & (2**27 - 1), 27), (900, 12), (90, 9), (60, 6), (0, 2), (0, 3), (0, 1), (0, 19)]
    bits = "".join(format(v, "0%db" % n) for v, n in f)
    body = "AIVDM,1,1,,A,%s,0" % armour(bits)
    cs = 0
    for ch in body:
        cs ^= ord(ch)
    return ("!%s*%02X\r\n" % (body, cs)).encode()


def probe_thread():
    s = socket.create_connection(("127.0.0.1", HTTP))
    s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: probe\r\n\r\n")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    buf = b""
    s.settimeout(0.05)
    sent = {}
    k = 0
    global probes_sent
    interval = max(0.02, a.duration * 0.8 / max(1, a.probes))
    next_t = time.time() + 1
    while not stop.is_set():
        now = time.time()
        if k < a.probes and now >= next_t:
            mmsi = 10000000 + random.randrange(80000000)  # 8 digits: a fresh, invalid MMSI
            sent[mmsi] = time.perf_counter()
            u.sendto(type1(mmsi, 10 + random.random(), 20 + random.random()), ("127.0.0.1", UDP))
            k += 1
            probes_sent = k
            next_t = now + interval
        try:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
        except socket.timeout:
            continue
        t = time.perf_counter()
        # regular expressions over the raw bytes (the stream carries every
        # vessel's positions: parsing each record in Python would lag behind)
        data = buf + chunk
        for m in POS_RE.finditer(data):
            mm = int(m.group(1))
            if mm in sent and mm not in got_pos:
                got_pos.add(mm)
                lat_pos.append((t - sent[mm]) * 1000)
        for m in EV_RE.finditer(data):
            mm = int(m.group(1))
            if mm in sent and mm not in got_ev:
                got_ev.add(mm)
                lat_ev.append((t - sent[mm]) * 1000)
        buf = data[-4096:]  # a record cut at the chunk's end is matched next time


POS_RE = re.compile(rb'event: position\ndata: \{"mmsi":(\d{8}),')
EV_RE = re.compile(rb'event: event\ndata: \{"id":"[0-9a-f]+","type":"mmsi_invalid"[^\n]*?"vessels":\[\{"mmsi":(\d{8}),')
got_pos, got_ev = set(), set()


probes_sent = 0
if a.probes:
    threading.Thread(target=probe_thread, daemon=True).start()

# ---- the load ----
rss, stats_ms, vmrss = [], [], []


def rss_kb(key="RssAnon:"):
    # RssAnon: the heap, queues, caches. VmRSS also counts the database file's
    # pages SQLite reads through mmap (file-backed, they grow with the file).
    for line in open("/proc/%d/status" % srv.pid):
        if line.startswith(key):
            return int(line.split()[1])
    return 0


sender = subprocess.Popen([a.sender, "127.0.0.1", str(UDP), os.path.join(a.data, "aishub-nmea-sample.txt"),
                           str(a.rate), str(a.duration)], stdout=subprocess.PIPE, text=True)
t0 = time.time()
while sender.poll() is None:
    t = time.perf_counter()
    try:
        get("/api/stats", timeout=10)
        stats_ms.append((time.perf_counter() - t) * 1000)
    except OSError as e:
        stats_ms.append(10000)
        print("stats request failed: %s" % e, file=sys.stderr)
    rss.append((time.time() - t0, rss_kb()))
    vmrss.append(rss_kb("VmRSS:"))
    time.sleep(max(0, 1 - (time.perf_counter() - t)))
sent = json.loads(sender.stdout.read())
# what the pipeline has not caught up with when the sender stops: a rate it
# keeps up with leaves (almost) nothing queued
backlog = get("/api/stats")["sources"][0]["queued"]

# drain: the socket buffer (8 MiB) may still hold datagrams the UDP thread
# has not read, then the queue lines the pipeline has not taken
deadline = time.time() + 180
last = -1
while time.time() < deadline:
    st = get("/api/stats")
    u = st["sources"][0]
    if u["queued"] == 0 and u["datagrams"] == last:
        break
    last = u["datagrams"]
    time.sleep(1.0)
time.sleep(1.0)  # probes in flight
stop.set()
st = get("/api/stats")
u, t_src = st["sources"][0], st["sources"][1]

# ---- checks ----
kd = u["kernel_dropped_datagrams"]
check(sent["sent"] + probes_sent == u["datagrams"] + kd,
      "sent %d (+ %d probes) = datagrams received %d + kernel drops %d" % (sent["sent"], probes_sent, u["datagrams"], kd))
check(u["received"] == u["datagrams"], "one line per datagram: received %d" % u["received"])
for s in (u, t_src):
    total = s["decoded"] + s["rejected"] + s["other"] + s["dropped"] + s["pending"] + s["queued"]
    check(s["received"] == total, "%s: received %d = decoded %d + rejected %d + other %d + dropped %d + pending %d" %
          (s["name"], s["received"], s["decoded"], s["rejected"], s["other"], s["dropped"], s["pending"]))
if not a.no_abuse:
    check(t_src["rejected"] > 0, "garbage on the TCP port rejected (%d lines)" % t_src["rejected"])
    check(t_src["idle_closed"] >= 5, "silent feeders closed (%d)" % t_src["idle_closed"])
    check(len(stats_ms) and max(stats_ms) < 5000, "HTTP answered all along (max %.0f ms)" % max(stats_ms))
# Memory fills its caps first (the queue and stream ring are touched at start;
# SQLite's page cache, 64 MiB, fills as the database grows; the tracker and
# detectors grow with vessels, which stop being new after one pass of the
# sample), then stays: the last third of the run must be flat.
half = [k for t, k in rss if t >= a.duration * 2 / 3]
growth = (max(half) - half[0]) / half[0] if half else 0
if a.rss_check:
    check(growth < 0.05, "RssAnon flat over the last third: %d -> %d kB (%.1f%%)" % (half[0], max(half), growth * 100))
rc = None
srv.send_signal(signal.SIGTERM)
try:
    rc = srv.wait(timeout=120)
except subprocess.TimeoutExpired:
    srv.kill()
check(rc == 0, "SIGTERM: exit %s" % rc)
con = sqlite3.connect(db)
check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store integrity_check ok")
con.close()
for s in abuse + stalled:
    s.close()


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))], 2) if xs else None


summary = {
    "loadavg_1m_at_end": float(open("/proc/loadavg").read().split()[0]), "cpus": os.cpu_count(),
    "rate_asked": a.rate, "duration_s": a.duration, "sent": sent["sent"], "send_rate": sent["rate"],
    "received": u["received"], "kernel_dropped": kd, "backlog_at_end": backlog, "queue_dropped": u["dropped"], "decoded": u["decoded"],
    "rejected": u["rejected"], "messages": u["messages"], "vessels": st["picture"]["vessels"],
    "sse_readers": len(readers), "sse_stalled": len(stalled), "sse_bytes_read": sse_bytes[0],
    "sse_closed_by_server": sse_closed[0], "stream": st["stream"], "queue_peak_bytes": st["queue"]["peak_bytes"],
    "rss_kb_first": rss[0][1] if rss else None, "rss_kb_last_third_start": half[0] if half else None,
    "rss_kb_max": max(k for _, k in rss) if rss else None,
    "rss_anon_mb_every_10s": [round(k / 1024) for t, k in rss[::10]],
    "vmrss_mb_every_10s": [round(k / 1024) for k in vmrss[::10]], "rss_growth_last_third_pct": round(growth * 100, 1),
    "stats_ms_p50": pct(stats_ms, 50), "stats_ms_max": round(max(stats_ms), 1) if stats_ms else None,
    "probes": a.probes, "position_ms_p50": pct(lat_pos, 50), "position_ms_p99": pct(lat_pos, 99),
    "positions_seen": len(lat_pos), "event_ms_p50": pct(lat_ev, 50), "event_ms_p99": pct(lat_ev, 99),
    "events_seen": len(lat_ev), "busy_s": st["pipeline"]["busy_s"], "failures": failures,
}
print(json.dumps(summary))
sys.exit(1 if failures else 0)
