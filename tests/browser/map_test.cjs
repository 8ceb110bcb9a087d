// map_test.cjs - the web map in a real browser: headless Chromium (Debian's
// /usr/bin/chromium) driven by playwright-core against `lookout serve` fed by
// a replay of the bundled AISHub log.
//
//   node map_test.cjs --lookout BIN --web DIR --modules DIR --data FILE --out DIR
//   node map_test.cjs --url http://127.0.0.1:PORT/ --modules DIR --out DIR   (a server already running)
//
// It checks that the page loads with no script error and fetches nothing from
// outside the server, that every vessel the API lists with a position is drawn
// (the count on the canvas equals the API's count in view), that clicking a
// vessel on the map opens its card with the MMSI and name the API gives, that
// its track is drawn, that the event list shows the API's events and a click
// on one highlights it, and that the stream connects. Screenshots go to --out.
// Exit 0 pass, 1 fail, 77 skip (no Chromium or no playwright-core).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['lookout', 'web', 'data', 'modules']) if (args[k]) args[k] = path.resolve(args[k]);
const CHROMIUM = args.chromium || process.env.LOOKOUT_CHROMIUM || '/usr/bin/chromium';
const out = path.resolve(args.out || '.');
fs.mkdirSync(out, { recursive: true });

let passed = 0, failed = 0;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  process.stdout.write(`${ok ? 'ok' : 'FAIL'} - ${name}${detail != null ? `: ${detail}` : ''} [${elapsed()}]\n`);
}
function skip(why) {
  process.stdout.write(`SKIP: ${why}\n`);
  process.exit(77);
}

if (!fs.existsSync(CHROMIUM)) skip(`no Chromium at ${CHROMIUM} (scripts/setup.sh installs it)`);
let playwright;
try {
  playwright = require(path.join(path.resolve(args.modules || 'node_modules'), 'playwright-core'));
} catch (err) {
  skip(`no playwright-core in ${args.modules} (the web build's npm ci installs it): ${err.message}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// Start the server (on the replay, the first time; again on the same ports
// and store without it, for the reconnection) and wait until it is settled:
// /api/stats says every replay is done and the queue empty, and the
// picture's vessel count held still over two looks (the pipeline may still be
// on its last block). Generous: ctest runs tests side by side.
async function startServer(again) {
  for (const [k, what] of [['lookout', 'the lookout binary'], ['web', 'the built page'], ['data', 'the replay file']])
    if (!args[k] || !fs.existsSync(args[k])) throw new Error(`--${k}: ${what} not found (${args[k]})`);
  const port = again ? again.port : await freePort();
  const udpPort = again ? again.udpPort : await freePort(); // a TCP port free now is almost surely free for UDP too
  const db = path.join(out, 'map-test.db');
  if (!again) for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const argv = ['serve', ...(again ? [] : ['--replay', args.data, '--speed', '0']), '--udp', `127.0.0.1:${udpPort}`,
    '--http', `127.0.0.1:${port}`, '--web', args.web, '--db', db];
  const logFile = path.join(out, again ? 'map-test-server-2.log' : 'map-test-server.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(args.lookout, argv, { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, sig) => { exited = `exit ${code} ${sig || ''}`; });
  const base = `http://127.0.0.1:${port}/`;
  let last = -1;
  const deadline = Date.now() + 240000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`lookout serve ended early (${exited}); see ${logFile}`);
    try {
      const st = await getJson(`${base}api/stats`);
      const done = st.sources.every((x) => x.kind !== 'replay' || x.done) && st.queue.used_bytes === 0;
      const n = st.picture.vessels;
      if (done && n > 0 && n === last) return { base, child, argv, port, udpPort };
      last = done ? n : -1;
    } catch { /* not listening yet */ }
    await sleep(500);
  }
  child.kill('SIGTERM');
  throw new Error('lookout serve did not settle within 240 s');
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  await new Promise((r) => {
    const t = setTimeout(() => { server.child.kill('SIGKILL'); r(); }, 20000);
    server.child.on('exit', () => { clearTimeout(t); r(); });
    server.child.kill('SIGTERM');
  });
}

async function main() {
  let server = null;
  let base = args.url;
  if (!base) {
    server = await startServer(null);
    base = server.base;
    process.stdout.write(`# lookout ${server.argv.join(' ')}\n`);
  }
  const fc = await getJson(`${base}api/vessels.geojson`);
  const evs = await getJson(`${base}api/events?limit=1000`);
  const positioned = fc.features.filter((f) => f.geometry && f.geometry.type === 'Point');
  process.stdout.write(`# API: ${fc.features.length} vessels (${positioned.length} with a position), ${evs.events.length} events\n`);
  check('the replay gives vessels', positioned.length > 1000, positioned.length);

  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const errors = [], outside = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    let restarting = false; // while the server is down, the stream's failed retries are expected
    page.on('console', (m) => { if (m.type() === 'error' && !(restarting && /net::ERR_|EventSource/.test(m.text()))) errors.push(m.text()); });
    const origin = new URL(base).origin;
    page.on('request', (r) => { const u = r.url(); if (!u.startsWith(origin) && !u.startsWith('data:')) outside.push(u); });

    await page.goto(base);
    await page.waitForSelector('body[data-loaded]', { timeout: 120000 });
    check('page loaded its data', (await page.getAttribute('body', 'data-loaded')) === 'true');
    await page.waitForFunction(() => document.body.dataset.stream === 'connected', null, { timeout: 30000 })
      .catch(() => {});
    check('stream connected', (await page.getAttribute('body', 'data-stream')) === 'connected',
      await page.textContent('#status'));

    // Every vessel with a position, and the count drawn equals the API's count in view.
    const inPage = await page.evaluate(() => {
      const s = window.lookout.state;
      let withPos = 0;
      for (const v of s.vessels.values()) if (v.lat != null && v.lon != null) withPos++;
      const b = window.lookout.map.getBounds();
      return { total: s.vessels.size, withPos, bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
    });
    check('the page holds every vessel of the API', inPage.total === fc.features.length, `${inPage.total} / ${fc.features.length}`);
    check('every vessel with a position is placed', inPage.withPos === positioned.length, `${inPage.withPos} / ${positioned.length}`);
    await page.evaluate(() => window.lookout.vessels.draw());
    const drawn = Number(await page.getAttribute('body', 'data-vessels-drawn'));
    const [w, s, e, n] = inPage.bounds;
    // The canvas reaches 10 % past each edge of the view and marks stick out a few pixels more.
    const inView = positioned.filter((f) => { const [x, y] = f.geometry.coordinates; return x >= w && x <= e && y >= s && y <= n; }).length;
    check('vessels drawn on the map', drawn >= inView && drawn <= positioned.length && drawn > 1000, `${drawn} drawn, ${inView} of the API's in view`);
    const status = await page.textContent('#status');
    check('status line counts the vessels', status.includes(`${fc.features.length.toLocaleString('en')} vessels`), status);
    await page.screenshot({ path: path.join(out, 'map-world.png') });

    // Live: a position sent to the server's UDP port reaches the page over
    // the stream, for a vessel the replay does not have.
    if (server) {
      const live = { mmsi: 235099999, lat: 47.123, lon: -3.456, heading: 123 };
      const json = JSON.stringify({ class: 'AIS', type: 1, repeat: 0, mmsi: live.mmsi, status: 0, turn: 0, speed: 105, accuracy: true,
        lon: Math.round(live.lon * 600000), lat: Math.round(live.lat * 600000), course: 1230, heading: live.heading, second: 10,
        maneuver: 0, raim: false, radio: 0 });
      const enc = require('node:child_process').spawnSync(args.lookout, ['encode'], { input: `${json}\n`, encoding: 'utf8' });
      const sentence = enc.stdout.trim();
      check('lookout encode made the live sentence', enc.status === 0 && sentence.startsWith('!AIVDM'), sentence || enc.stderr);
      // With a receive time just after the log's last (a tag block c:), so the
      // detectors' data clock does not leap 14 years to now (every vessel of
      // the replay would then be reported dark).
      const tag = `c:${Math.floor(Date.parse('2012-03-14T11:35:00Z') / 1000)}`;
      let ck = 0;
      for (const ch of tag) ck ^= ch.charCodeAt(0);
      const line = `\\${tag}*${ck.toString(16).toUpperCase().padStart(2, '0')}\\${sentence}`;
      const sock = require('node:dgram').createSocket('udp4');
      await new Promise((r) => sock.send(`${line}\r\n`, server.udpPort, '127.0.0.1', r));
      sock.close();
      const got = await page.waitForFunction((m) => {
        const v = window.lookout.state.vessels.get(m);
        return v && v.lat != null ? { lat: v.lat, lon: v.lon, heading: v.heading } : null;
      }, live.mmsi, { timeout: 30000 }).then((h) => h.jsonValue(), () => null);
      check('a live position reaches the page over the stream', got && Math.abs(got.lat - live.lat) < 1e-4 &&
        Math.abs(got.lon - live.lon) < 1e-4 && got.heading === live.heading, JSON.stringify(got));
      await page.waitForFunction((n) => document.querySelector('#status-vessels').textContent.startsWith(n), (fc.features.length + 1).toLocaleString('en'), { timeout: 10000 }).catch(() => {});
      check('the status line counts it', (await page.textContent('#status-vessels')) === `${(fc.features.length + 1).toLocaleString('en')} vessels`,
        await page.textContent('#status-vessels'));
    }

    // Click a vessel on the map: one with a name, zoomed in so it stands alone.
    // A named ship under way in the Strait of Dover when there is one (its
    // track shows, and at sea: Natural Earth's land has no rivers or canals).
    const named = positioned.filter((f) => f.properties.name);
    const within = ([x0, y0, x1, y1]) => named.filter((f) => f.properties.speed >= 8 && f.properties.ship_class !== 'unknown' &&
      f.geometry.coordinates[0] > x0 && f.geometry.coordinates[0] < x1 && f.geometry.coordinates[1] > y0 && f.geometry.coordinates[1] < y1);
    const moving = [within([1.0, 50.7, 2.0, 51.2]), within([-6, 49, 9, 56]), named].find((l) => l.length) || positioned;
    const target = moving[Math.floor(moving.length / 2)];
    const mmsi = target.properties.mmsi;
    const got = await getJson(`${base}api/vessels/${mmsi}`);
    const detail = got.vessel || got; // {"vessel":{...},"events":[...]}
    // (in braces: an arrow that returned the map would have playwright serialize all of it)
    await page.evaluate(([lat, lon]) => { window.lookout.map.setView([lat, lon], 15, { animate: false }); }, [target.geometry.coordinates[1], target.geometry.coordinates[0]]);
    await page.waitForTimeout(300);
    const pt = await page.evaluate(([lat, lon]) => {
      const p = window.lookout.map.latLngToContainerPoint([lat, lon]);
      const r = window.lookout.map.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, [target.geometry.coordinates[1], target.geometry.coordinates[0]]);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('#card:not([hidden]) [data-field="mmsi"]', { timeout: 30000 });
    await page.waitForFunction((m) => document.querySelector('#card').dataset.mmsi === String(m) &&
      document.querySelector('#card h4'), mmsi, { timeout: 30000 }).catch(() => {});
    const cardMmsi = await page.textContent('#card [data-field="mmsi"]');
    const cardName = await page.textContent('#card-name');
    check('clicked vessel card shows its MMSI', cardMmsi === String(mmsi), `${cardMmsi} (API ${mmsi})`);
    check('clicked vessel card shows its name', cardName === (detail.name || '(no name)'), `"${cardName}" (API "${detail.name}")`);
    const track = await getJson(`${base}api/vessels/${mmsi}/track.geojson`);
    const apiPoints = track.features.reduce((n, f) => n + (f.geometry.type === 'LineString' ? f.geometry.coordinates.length : 1), 0);
    await page.waitForFunction(() => window.lookout.trackLayer.getLayers().length > 0, null, { timeout: 30000 }).catch(() => {});
    const drawnPoints = await page.evaluate(() => {
      let n = 0;
      window.lookout.trackLayer.eachLayer((g) => g.eachLayer((l) => { n += l.getLatLngs ? l.getLatLngs().flat(Infinity).length : 1; }));
      return n;
    });
    check('its track is drawn', drawnPoints > 1 && drawnPoints === apiPoints, `${drawnPoints} points drawn, ${apiPoints} from the API`);
    await page.screenshot({ path: path.join(out, 'map-vessel.png') });

    // The search box: a call sign finds its vessel.
    // (a nine-digit MMSI: /api/vessels/{mmsi} refuses 0, which the picture may list)
    const other = named.find((f) => f.properties.callsign && f.properties.mmsi !== mmsi && f.properties.mmsi >= 100000000 &&
      named.filter((g) => g.properties.callsign === f.properties.callsign).length === 1);
    if (other) {
      await page.fill('#search-box', other.properties.callsign);
      await page.press('#search-box', 'Enter');
      await page.waitForFunction((m) => document.querySelector('#card').dataset.mmsi === String(m), other.properties.mmsi, { timeout: 30000 }).catch(() => {});
      check('the search box finds a vessel by call sign', (await page.textContent('#card [data-field="mmsi"]')) === String(other.properties.mmsi),
        `${other.properties.callsign} -> ${await page.textContent('#card [data-field="mmsi"]')} (API ${other.properties.mmsi})`);
    }

    // The event list: one entry per event (up to what the page lists), newest first.
    const evsNow = await getJson(`${base}api/events?limit=1000`);
    if (evsNow.events.length !== evs.events.length)
      process.stdout.write(`# events: ${evs.events.length} at the start, ${evsNow.events.length} now\n`);
    evs.events = evsNow.events;
    const items = await page.$$eval('#event-list li.event', (li) => li.map((x) => x.dataset.id));
    // One entry per event id: an event that changed state (open, then closed) is one event.
    const ids = new Set(evs.events.map((e) => String(e.id)));
    const listed = Math.min(ids.size, 500);
    check('event list renders the API events', items.length === listed && (listed > 0 || (await page.$('#event-list li.empty')) !== null),
      `${items.length} listed, ${evs.events.length} from the API (${ids.size} ids)`);
    if (items.length > 1) {
      const starts = await page.evaluate((list) => list.map((id) => window.lookout.state.events.get(id).start_ms), items);
      check('events newest first', starts.every((t, i) => i === 0 || t <= starts[i - 1]));
    }
    // The severity filter: 'medium and up' lists exactly the API's medium and high events.
    const sevIds = new Set(evs.events.filter((e) => e.severity === 'medium' || e.severity === 'high').map((e) => String(e.id)));
    await page.selectOption('#event-severity', 'medium');
    const filtered = await page.$$eval('#event-list li.event', (li) => li.map((x) => x.dataset.id));
    check('the severity filter lists the medium and high events', filtered.length === Math.min(sevIds.size, 500) &&
      filtered.every((id) => sevIds.has(id)), `${filtered.length} listed, ${sevIds.size} from the API`);
    await page.selectOption('#event-severity', 'info');
    if (items.length) {
      await page.click('#event-list li.event >> nth=0');
      await page.waitForSelector('#event-list li.event.selected');
      const sel = await page.evaluate(() => ({ id: window.lookout.state.selectedEvent, marks: window.lookout.highlightLayer.getLayers().length,
        card: document.querySelector('#card').dataset.event }));
      const ev0 = evs.events.find((e) => String(e.id) === items[0]);
      const want = (ev0.evidence || []).filter((x) => x.lat != null).length + (ev0.where && ev0.where.lat != null ? 1 : 0);
      check('clicking an event highlights it on the map', sel.id === items[0] && sel.card === items[0] && sel.marks >= want && want > 0,
        `event ${sel.id}: ${sel.marks} marks for ${want} evidence and place points`);
      await page.screenshot({ path: path.join(out, 'map-event.png') });
    }

    // The README's picture: the clicked ship's card among its neighbours.
    await page.click('#card-close');
    await page.fill('#search-box', '');
    await page.evaluate(([m, lat, lon]) => { window.lookout.selectVessel(m); window.lookout.map.setView([lat, lon], 9, { animate: false }); },
      [mmsi, target.geometry.coordinates[1], target.geometry.coordinates[0]]);
    await page.waitForFunction(() => window.lookout.trackLayer.getLayers().length > 0 && document.querySelector('#card h4'), null, { timeout: 30000 }).catch(() => {});
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(out, 'map.png') });

    // The stream goes with the server and comes back with it: stop it, start
    // it again on the same ports and store (it resumes the picture from the
    // store), and the page reconnects by itself and fetches the picture again.
    if (server) {
      restarting = true;
      await stopServer(server);
      await page.waitForFunction(() => document.body.dataset.stream !== 'connected', null, { timeout: 30000 }).catch(() => {});
      check('the page shows the stream gone', (await page.getAttribute('body', 'data-stream')) !== 'connected', await page.textContent('#status-stream'));
      server = await startServer(server);
      const fc2 = await getJson(`${base}api/vessels.geojson`);
      await page.waitForFunction(() => document.body.dataset.stream === 'connected', null, { timeout: 90000 }).catch(() => {});
      check('the page reconnects to the restarted server', (await page.getAttribute('body', 'data-stream')) === 'connected', await page.textContent('#status'));
      // Sent while the page was away: a reconnection fetches the picture again.
      await page.waitForFunction((n) => window.lookout.state.vessels.size === n, fc2.features.length, { timeout: 30000 }).catch(() => {});
      const n2 = await page.evaluate(() => window.lookout.state.vessels.size);
      restarting = false;
      check('after reconnecting the page holds the restarted server\'s vessels', n2 === fc2.features.length, `${n2} / ${fc2.features.length}`);
    }

    check('no script errors', errors.length === 0, errors.slice(0, 5).join(' | '));
    check('nothing fetched from outside the server', outside.length === 0, outside.slice(0, 5).join(' '));
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

main().then(() => {
  process.stdout.write(`# screenshots in ${out}\n${passed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}, (err) => {
  process.stdout.write(`FAIL - ${err.stack || err}\n${passed} passed, ${failed + 1} failed\n`);
  process.exit(1);
});
