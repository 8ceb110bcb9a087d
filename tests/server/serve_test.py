#!/usr/bin/env python3
"""serve_test.py - `lookout serve` end to end, on real data.

Starts the service on a replay of the bundled AISHub log (plus a UDP and a TCP
listener source on free ports), and checks against `lookout ingest` +
`lookout vessels` / `lookout track` of the same file:

- every vessel of the batch picture is in /api/vessels with the same identity
  and last position; bbox and type filters equal the batch filters;
- a known vessel's name, its card (/api/vessels/{mmsi}) and its track from the
  store (/api/vessels/{mmsi}/track, .geojson);
- /api/stats reconciles per source: received = decoded + rejected + other +
  dropped once the replay is done (and equals the file's lines); /metrics
  says the same in Prometheus text;
- events are lo_event_json objects; the GeoJSON variants are FeatureCollections;
- the live stream delivers a position sent over UDP, and lines sent over TCP
  are counted (garbage rejected);
- bad requests get a 4xx JSON error (and the server stays up);
- SIGTERM exits 0 with a sound store (integrity_check ok);
- a restart on the same database resumes the picture (and a --token run
  refuses requests without it);
- SIGTERM in the middle of a replay while requests go on: exit 0, sound store;
- a --tcp-connect feed: lines accounted over two connections, reconnect, back-off;
- replay pacing by the data's own times (--speed) and at --rate without times.

usage: serve_test.py LOOKOUT DATA_DIR WORK_DIR
"""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

LOOKOUT, DATA, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
LOG = os.path.join(DATA, "aishub-nmea-sample.txt")
KNOWN_MMSI = None  # picked from the batch picture: a vessel with a name and a track
failures = []


def check(cond, what):
    if cond:
        print("ok  ", what)
    else:
        print("FAIL", what)
        failures.append(what)


def run(*args):
    return subprocess.run([LOOKOUT, *args], check=True, capture_output=True, text=True).stdout


class Server:
    def __init__(self, args, name):
        self.err_path = os.path.join(WORK, name + ".stderr")
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen([LOOKOUT, "serve", *args], stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and self.p.poll() is None:
            m = re.search(r"serving http://[^:]+:(\d+)/", open(self.err_path).read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.1)
        if not self.port:
            print(open(self.err_path).read())
            raise SystemExit("FAIL the server did not start")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path, headers=None, raw=False, method="GET"):
        req = urllib.request.Request(self.url(path), headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = r.read()
                if not raw:
                    try:
                        body = json.loads(body)
                    except ValueError:
                        pass
                return r.status, body, r.headers
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                body = json.loads(body)
            except ValueError:
                pass
            return e.code, body, e.headers

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=120)
        self.err.close()
        return rc


def batch_picture(db):
    return [json.loads(line) for line in run("vessels", "--db", db, "--format", "json").splitlines() if line]


def main():
    os.makedirs(WORK, exist_ok=True)
    for f in os.listdir(WORK):
        if f.startswith(("ref.db", "live.db", "feed.db", "index.html")):
            os.remove(os.path.join(WORK, f))
    ref_db, live_db = os.path.join(WORK, "ref.db"), os.path.join(WORK, "live.db")

    # ---- the batch reference ----
    run("ingest", "--db", ref_db, "-q", LOG)
    ref = {v["mmsi"]: v for v in batch_picture(ref_db)}
    named = [v for v in ref.values() if v.get("name") and v.get("lat") is not None]
    global KNOWN_MMSI
    # the named vessel with the most positions in the batch store
    con = sqlite3.connect(ref_db)
    counts = dict(con.execute("SELECT mmsi, count(*) FROM positions GROUP BY mmsi").fetchall())
    con.close()
    known = max(named, key=lambda v: (counts.get(v["mmsi"], 0), v["mmsi"]))
    KNOWN_MMSI = known["mmsi"]
    lines = sum(1 for line in open(LOG, "rb") if line.strip(b"\r\n"))
    print("reference: %d vessels, %d lines; known vessel %d %r" % (len(ref), lines, KNOWN_MMSI, known["name"]))

    # ---- the service on a replay of the same file ----
    s = Server(["--replay", LOG, "--speed", "0", "--udp", "0", "--name", "radio", "--tcp-listen", "0",
                "--http", "0", "--db", live_db, "--no-geo", "--stream-interval", "0", "--web", WORK], "run1")
    deadline = time.time() + 300
    while time.time() < deadline:
        st = s.get("/api/stats")[1]
        rep = st["sources"][0]
        if rep["done"] and rep["queued"] == 0 and rep["pending"] == 0:
            break
        time.sleep(0.5)
    check(rep["done"], "replay finished")
    check(rep["name"] == "replay:aishub-nmea-sample.txt", "replay source named automatically (%s)" % rep["name"])
    check(st["sources"][1]["name"] == "radio", "--name names the UDP source")
    check(rep["received"] == lines, "received %d = lines of the file %d" % (rep["received"], lines))
    total = rep["decoded"] + rep["rejected"] + rep["other"] + rep["dropped"]
    check(rep["received"] == total,
          "received %d = decoded %d + rejected %d + other %d + dropped %d" %
          (rep["received"], rep["decoded"], rep["rejected"], rep["other"], rep["dropped"]))
    check(rep["dropped"] == 0, "a replay drops nothing")
    check(rep["messages"] > 60000, "messages decoded (%d)" % rep["messages"])
    check(sum(rep["rejected_by_reason"].values()) >= rep["rejected"] > 0, "rejects by reason cover rejected lines")

    # picture = batch picture
    code, vs, _ = s.get("/api/vessels?limit=1000000")
    live = {v["mmsi"]: v for v in vs["vessels"]}
    check(code == 200 and vs["count"] == len(live) == vs["matched"], "vessels answer consistent")
    check(set(live) == set(ref), "same vessels as ingest + vessels: %d vs %d" % (len(live), len(ref)))
    # Identity equal; the last position equal, or (two reports of one vessel in
    # the same second: the tracker keeps the last heard, the store's vessel row
    # one of them) a stored position of that same time.
    con = sqlite3.connect(ref_db)
    diff, ties = [], 0
    for m, r in ref.items():
        v = live.get(m)
        if not v:
            continue
        for k in ("name", "callsign", "imo", "ship_type", "flag", "kind", "destination", "time"):
            if (r.get(k) or None) != (v.get(k) or None):
                diff.append((m, k, r.get(k), v.get(k)))
        if any(r.get(k) != v.get(k) for k in ("lat", "lon", "speed", "course", "heading")):
            same_time = con.execute("SELECT count(*) FROM positions_view WHERE mmsi = ? AND time = ? AND "
                                    "abs(lat - ?) < 1e-6 AND abs(lon - ?) < 1e-6",
                                    (m, v["time"], v["lat"], v["lon"])).fetchone()[0]
            if same_time:
                ties += 1
            else:
                diff.append((m, "position", (r["lat"], r["lon"]), (v["lat"], v["lon"])))
    con.close()
    check(not diff, "identity and last position equal the batch picture for every vessel (%d differences%s; "
          "%d same-second ties)" % (len(diff), ": %s" % diff[:5] if diff else "", ties))
    check(live[KNOWN_MMSI]["name"] == known["name"], "known vessel's name %r" % known["name"])
    check(live[KNOWN_MMSI]["station"] == "replay:aishub-nmea-sample.txt", "the source's name travels as station")

    # filters against the batch command
    box = "-10,35,30,60"
    ref_box = {v["mmsi"] for v in (json.loads(x) for x in run("vessels", "--db", ref_db, "--bbox", box).splitlines())}
    got_box = {v["mmsi"] for v in s.get("/api/vessels?limit=1000000&bbox=" + box)[1]["vessels"]}
    check(ref_box == got_box and len(got_box) > 100, "bbox %s: %d vessels as lookout vessels --bbox" % (box, len(got_box)))
    want = {m for m, v in live.items() if v["ship_class"] in ("cargo", "tanker")}
    got = s.get("/api/vessels?limit=1000000&type=cargo,tanker")[1]["vessels"]
    check({v["mmsi"] for v in got} == want and len(want) > 100, "type=cargo,tanker (%d)" % len(want))
    got = s.get("/api/vessels?limit=1000000&type=70")[1]["vessels"]
    check(got and all(v["ship_type"] == 70 for v in got), "type=70 (%d)" % len(got))
    got = s.get("/api/vessels?limit=5")[1]
    check(got["count"] == 5 and got["truncated"] and got["matched"] == len(ref), "limit=5 truncates")
    code, gj, hdr = s.get("/api/vessels.geojson?limit=1000000")
    with_pos = sum(1 for v in live.values() if v["lat"] is not None)
    check(code == 200 and gj["type"] == "FeatureCollection" and len(gj["features"]) == with_pos and
          hdr["Content-Type"].startswith("application/geo+json"), "vessels.geojson: %d points" % with_pos)
    f0 = gj["features"][0]
    check(f0["geometry"]["coordinates"] == [f0["properties"]["lon"], f0["properties"]["lat"]], "GeoJSON lon,lat order")
    check(s.get("/api/vessels?watch=1")[1]["count"] == 0, "watch=1 without a watch list: none")

    # one vessel, its track from the store
    code, card, _ = s.get("/api/vessels/%d" % KNOWN_MMSI)
    check(code == 200 and card["vessel"]["mmsi"] == KNOWN_MMSI and isinstance(card["events"], list), "vessel card")
    ref_track = [json.loads(x) for x in run("track", str(KNOWN_MMSI), "--db", ref_db).splitlines()]
    code, tr, _ = s.get("/api/vessels/%d/track?from=0" % KNOWN_MMSI)
    check(code == 200 and tr["count"] == len(ref_track) > 5 and
          [(p["lat"], p["lon"]) for p in tr["points"]] == [(p["lat"], p["lon"]) for p in ref_track],
          "track from the store = lookout track (%d points)" % len(ref_track))
    code, tg, _ = s.get("/api/vessels/%d/track.geojson?from=0" % KNOWN_MMSI)
    check(code == 200 and tg["type"] == "FeatureCollection" and
          sum(f["properties"]["points"] for f in tg["features"]) == len(ref_track), "track.geojson")
    check(s.get("/api/vessels/%d/track?from=0&limit=2" % KNOWN_MMSI)[1]["truncated"] is True, "track limit")

    # events (detectors without land: identity and spoofing rules fire on this log)
    code, ev, _ = s.get("/api/events?limit=5000")
    check(code == 200 and ev["count"] == len(ev["events"]) > 0, "events listed (%d)" % ev["count"])
    e0 = ev["events"][0]
    check(all(k in e0 for k in ("id", "type", "severity", "state", "vessels")), "event objects as lo_event_json")
    only = s.get("/api/events?type=identity&limit=5000")[1]["events"]
    check(only and all(e["family"] == "identity" for e in only), "events type=identity (a family)")
    check(s.get("/api/events.geojson")[1]["type"] == "FeatureCollection", "events.geojson")

    # metrics
    code, met, hdr = s.get("/metrics", raw=True)
    met = met.decode()
    check(code == 200 and "version=0.0.4" in hdr["Content-Type"], "metrics content type")
    check('lookout_source_received_lines_total{source="replay:aishub-nmea-sample.txt"} %d' % lines in met,
          "metrics: received lines")
    check(re.search(r"^lookout_vessels %d$" % len(ref), met, re.M) is not None, "metrics: vessels")

    # the live stream: a position sent over UDP comes out of /api/stream
    udp_port = st["sources"][1]["port"]
    tcp_port = st["sources"][2]["port"]
    sse = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sse.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"lookout live stream" not in buf:
        buf += sse.recv(65536)
    sentence = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"  # MMSI 371798000, from gpsd's sample
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    got_pos = False
    deadline = time.time() + 15
    while time.time() < deadline and not got_pos:
        u.sendto(sentence + b"\r\n", ("127.0.0.1", udp_port))
        sse.settimeout(1)
        try:
            while True:
                chunk = sse.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if b'event: position\ndata: {"mmsi":371798000,' in buf:
                    got_pos = True
                    break
        except socket.timeout:
            pass
    check(got_pos, "UDP sentence -> event: position on /api/stream")
    sse.close()
    check(s.get("/api/vessels/371798000")[1]["vessel"]["station"] == "radio", "UDP position carries its source name")

    # TCP feeder: good lines, a garbage line, a line too long
    t = socket.create_connection(("127.0.0.1", tcp_port))
    good = [l.rstrip(b"\r\n") for l in open(LOG, "rb").readlines()[2:12]]
    t.sendall(b"\r\n".join(good) + b"\r\n" + b"\x00\xffgarbage\r\n" + b"!" * 5000 + b"\n")
    t.close()
    deadline = time.time() + 10
    while time.time() < deadline:
        tst = s.get("/api/stats")[1]["sources"][2]
        if tst["received"] == 12 and tst["queued"] == 0 and tst["pending"] == 0:
            break
        time.sleep(0.2)
    check(tst["received"] == 12 and tst["rejected"] == 2 and tst["decoded"] + tst["other"] == 10,
          "TCP feeder: 12 lines, 2 rejected (%s)" % json.dumps({k: tst[k] for k in ("received", "decoded",
                                                                  "rejected", "other", "rejected_by_reason")}))
    check(tst["connections"] == 1, "TCP feeder counted")

    # bad requests: 4xx with a JSON error, never a crash
    bad = [
        ("/api/vessels?bbox=1,2", 400), ("/api/vessels?bbox=10,0,0,91", 400), ("/api/vessels?limit=0", 400),
        ("/api/vessels?limit=abc", 400), ("/api/vessels?limit=99999999999999999999", 400),
        ("/api/vessels?type=boats", 400), ("/api/vessels?type=,,", 400), ("/api/vessels?watch=maybe", 400),
        ("/api/vessels?bbox=" + "1" * 600, 400), ("/api/vessels/abc", 400), ("/api/vessels/1234567890", 400),
        ("/api/vessels/%d" % next(m for m in range(100000001, 100001000) if m not in ref), 404), ("/api/vessels/%d/nope" % KNOWN_MMSI, 404),
        ("/api/vessels/%d/track?from=yesterday" % KNOWN_MMSI, 400),
        ("/api/vessels/%d/track?from=2020-01-02&to=2020-01-01" % KNOWN_MMSI, 400),
        ("/api/events?since=never", 400), ("/api/events?type=piracy", 400), ("/api/events?mmsi=x", 400),
        ("/api/nothing", 404), ("/api", 404), ("/../../etc/passwd", 404), ("/static/..%2f..%2fetc/passwd", 404),
        ("/.hidden", 404), ("/nothing.html", 404), ("/", 404),
    ]
    for path, want in bad:
        code, body, _ = s.get(path)
        check(code == want and isinstance(body, dict) and "error" in body, "%s -> %d (%s)" % (path, code, body))
    code, body, hdr = s.get("/api/vessels", method="POST")
    check(code == 405 and "GET" in hdr.get("Allow", ""), "POST -> 405")
    # raw garbage and an oversized header on the HTTP port
    for payload in (b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
                    b"GET /api/vessels HTTP/9.9\r\n\r\n"):
        c = socket.create_connection(("127.0.0.1", s.port))
        try:
            c.sendall(payload)
            c.settimeout(5)
            c.recv(1000)
        except OSError:
            pass
        c.close()
    check(s.get("/api/health")[0] == 200, "still up after bad requests and garbage")
    # the web directory: a file, its type, nothing outside
    with open(os.path.join(WORK, "index.html"), "w") as f:
        f.write("<!doctype html><title>map</title>")
    code, body, hdr = s.get("/", raw=True)
    check(code == 200 and b"map" in body and hdr["Content-Type"].startswith("text/html"), "/ -> index.html")

    rc = s.stop()
    check(rc == 0, "SIGTERM: exit 0 (%s)" % rc)
    check("store flushed" in open(s.err_path).read(), "SIGTERM: store flushed")
    con = sqlite3.connect(live_db)
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store integrity_check ok")
    n_store = con.execute("SELECT count(*) FROM vessels").fetchone()[0]
    n_events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    n_all = len(ref) + (371798000 not in ref)
    check(n_store == n_all, "store holds every vessel (%d = %d + the UDP one)" % (n_store, len(ref)))
    check(n_events > 0, "store holds the events (%d)" % n_events)

    # ---- restart: resumes from the store; the token ----
    # (--web: a directory with no page, whether or not this build has the web map)
    s = Server(["--udp", "0", "--http", "0", "--db", live_db, "--no-detect", "--token", "sekret",
                "--web", os.path.join(WORK, "no-web-here")], "run2")
    code, body, hdr = s.get("/api/vessels")
    check(code == 401 and "Bearer" in hdr.get("WWW-Authenticate", ""), "--token: 401 without it")
    check(s.get("/metrics", raw=True)[0] == 401, "--token: /metrics wants it too")
    auth = {"Authorization": "Bearer sekret"}
    check(s.get("/api/vessels", headers={"Authorization": "Bearer wrong"})[0] == 401, "--token: wrong token 401")
    code, vs, _ = s.get("/api/vessels?limit=1000000", headers=auth)
    check(code == 200 and vs["count"] == n_all, "restart: the picture is back (%d vessels)" % vs["count"])
    check(s.get("/api/vessels/%d?token=sekret" % KNOWN_MMSI)[1]["vessel"]["name"] == known["name"],
          "restart: known vessel with its name (token as ?token=)")
    st = s.get("/api/stats", headers=auth)[1]
    check(st["pipeline"]["seeded_vessels"] == n_all, "restart: seeded from the store")
    check(s.get("/", raw=True)[0] == 404, "the page stays open without the token (404: no web dir here)")
    check(s.stop() == 0, "second SIGTERM: exit 0")

    # ---- SIGTERM in the middle of a replay, with requests going on ----
    s = Server(["--replay", LOG, "--speed", "0", "--udp", "0", "--http", "0", "--db",
                os.path.join(WORK, "live.db"), "--no-geo"], "run3")
    answered = [0, 0]

    def hammer():
        while True:
            try:
                code = s.get("/api/stats")[0]
                s.get("/api/vessels?limit=10")
                answered[0 if code == 200 else 1] += 1
            except OSError:
                return

    import threading
    th = threading.Thread(target=hammer)
    th.start()
    time.sleep(1.5)
    rc = s.stop()
    th.join(timeout=60)
    check(rc == 0 and answered[0] > 0, "SIGTERM mid-replay while requests come: exit %s (%d answered)" %
          (rc, answered[0]))
    con = sqlite3.connect(os.path.join(WORK, "live.db"))
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store sound after a stop mid-replay")
    con.close()

    # ---- a TCP feed we connect to: lines counted, reconnect with back-off ----
    feed = socket.socket()
    feed.bind(("127.0.0.1", 0))
    feed.listen(4)
    feed.settimeout(20)
    fport = feed.getsockname()[1]
    s = Server(["--tcp-connect", "127.0.0.1:%d" % fport, "--name", "feed", "--http", "0", "--db",
                os.path.join(WORK, "feed.db"), "--no-detect"], "run4")
    lines = [l.rstrip(b"\r\n") for l in open(LOG, "rb").readlines()[100:115]]
    c, _ = feed.accept()
    c.sendall(b"\r\n".join(lines[:10]) + b"\r\n")
    c.close()
    c, _ = feed.accept()  # it comes back (after 0.5 s)
    c.sendall(b"\n".join(lines[10:]) + b"\n")
    c.close()
    feed.close()  # now nobody listens: failures, backing off
    time.sleep(4)
    fs = s.get("/api/stats")[1]["sources"][0]
    check(fs["name"] == "feed" and fs["kind"] == "tcp-connect", "TCP client source named")
    check(fs["connections"] == 2, "TCP client reconnected (%d connections)" % fs["connections"])
    check(fs["received"] == 15 and fs["decoded"] + fs["rejected"] + fs["other"] == 15 and fs["pending"] == 0,
          "TCP client: 15 lines, all accounted (%s)" % {k: fs[k] for k in ("received", "decoded", "rejected",
                                                                         "other", "pending")})
    check(1 <= fs["connect_failures"] <= 5, "TCP client backs off (%d failed connects in 4 s)" % fs["connect_failures"])
    check(s.stop() == 0, "TCP client run: SIGTERM exit 0")

    # ---- replay pacing: by the data's own times, or at --rate ----
    ferries = os.path.join(DATA, "dma-two-ferries.txt")  # $PGHP times over 298 s
    t0 = time.time()
    s = Server(["--replay", ferries, "--speed", "20", "--http", "0", "--db", os.path.join(WORK, "feed.db"),
                "--no-detect", "--exit-after-replay"], "run5")
    rc = s.p.wait(timeout=120)
    s.err.close()
    took = time.time() - t0
    check(rc == 0 and 12 <= took <= 25, "replay by its own times: 298 s of data at --speed 20 took %.1f s" % took)
    short = os.path.join(WORK, "short.nmea")
    with open(short, "wb") as f:
        f.writelines(open(LOG, "rb").readlines()[:3000])
    t0 = time.time()
    s = Server(["--replay", short, "--rate", "1000", "--speed", "1", "--http", "0", "--db",
                os.path.join(WORK, "feed.db"), "--no-detect", "--exit-after-replay"], "run6")
    rc = s.p.wait(timeout=120)
    s.err.close()
    took = time.time() - t0
    check(rc == 0 and 2.5 <= took <= 8, "replay without times: 3,000 lines at --rate 1000 took %.1f s" % took)

    if failures:
        print("%d FAILED" % len(failures))
        sys.exit(1)
    print("all passed")


main()
