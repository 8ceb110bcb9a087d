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
const CHROMIUM = args.chromium || process.env.LOOKOUT_CHROMIUM || '/usr/bin/chromium';
const out = path.resolve(args.out || '.');
fs.mkdirSync(out, { recursive: true });

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  process.stdout.write(`${ok ? 'ok' : 'FAIL'} - ${name}${detail != null ? `: ${detail}` : ''}\n`);
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

// Start the server on the replay and wait until the replay is in: the vessel
// count stops changing.
async function startServer() {
  for (const [k, what] of [['lookout', 'the lookout binary'], ['web', 'the built page'], ['data', 'the replay file']])
    if (!args[k] || !fs.existsSync(args[k])) throw new Error(`--${k}: ${what} not found (${args[k]})`);
  const port = await freePort();
  const db = path.join(out, 'map-test.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const argv = ['serve', '--replay', args.data, '--speed', '0', '--http', `127.0.0.1:${port}`,
    '--no-udp', '--web', args.web, '--db', db];
  const log = fs.openSync(path.join(out, 'map-test-server.log'), 'w');
  const child = spawn(args.lookout, argv, { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, sig) => { exited = `exit ${code} ${sig || ''}`; });
  const base = `http://127.0.0.1:${port}/`;
  let last = -1, stable = 0;
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`lookout serve ended early (${exited}); see ${path.join(out, 'map-test-server.log')}`);
    try {
      const fc = await getJson(`${base}api/vessels.geojson`);
      const n = fc.features.length;
      if (n > 0 && n === last) { if (++stable >= 3) return { base, child, argv }; } else stable = 0;
      last = n;
    } catch { /* not listening yet */ }
    await sleep(300);
  }
  child.kill('SIGTERM');
  throw new Error('lookout serve did not settle within 60 s');
}

async function main() {
  let server = null;
  let base = args.url;
  if (!base) {
    // Until `lookout serve` lands there is nothing to test the page against.
    const { spawnSync } = require('node:child_process');
    const help = spawnSync(args.lookout, ['serve', '--help'], { encoding: 'utf8' });
    if (/unknown command/.test(`${help.stderr}${help.stdout}`)) skip('this lookout has no serve command');
    server = await startServer();
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
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const origin = new URL(base).origin;
    page.on('request', (r) => { const u = r.url(); if (!u.startsWith(origin) && !u.startsWith('data:')) outside.push(u); });

    await page.goto(base);
    await page.waitForSelector('body[data-loaded]', { timeout: 30000 });
    check('page loaded its data', (await page.getAttribute('body', 'data-loaded')) === 'true');
    await page.waitForFunction(() => document.body.dataset.stream === 'connected', null, { timeout: 15000 })
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

    // Click a vessel on the map: one with a name, zoomed in so it stands alone.
    const named = positioned.filter((f) => f.properties.name);
    const target = named[Math.floor(named.length / 2)] || positioned[0];
    const mmsi = target.properties.mmsi;
    const detail = await getJson(`${base}api/vessels/${mmsi}`);
    await page.evaluate(([lat, lon]) => window.lookout.map.setView([lat, lon], 15, { animate: false }), [target.geometry.coordinates[1], target.geometry.coordinates[0]]);
    await page.waitForTimeout(300);
    const pt = await page.evaluate(([lat, lon]) => {
      const p = window.lookout.map.latLngToContainerPoint([lat, lon]);
      const r = window.lookout.map.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, [target.geometry.coordinates[1], target.geometry.coordinates[0]]);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('#card:not([hidden]) [data-field="mmsi"]', { timeout: 10000 });
    await page.waitForFunction((m) => document.querySelector('#card').dataset.mmsi === String(m) &&
      document.querySelector('#card h4'), mmsi, { timeout: 10000 }).catch(() => {});
    const cardMmsi = await page.textContent('#card [data-field="mmsi"]');
    const cardName = await page.textContent('#card-name');
    check('clicked vessel card shows its MMSI', cardMmsi === String(mmsi), `${cardMmsi} (API ${mmsi})`);
    check('clicked vessel card shows its name', cardName === (detail.name || '(no name)'), `"${cardName}" (API "${detail.name}")`);
    const tracked = await page.evaluate(() => { let n = 0; window.lookout.map.eachLayer((l) => { if (l instanceof L.Polyline) n++; }); return n; });
    check('its track is drawn', tracked > 0, `${tracked} lines`);
    await page.screenshot({ path: path.join(out, 'map-vessel.png') });

    // The event list: one entry per event (up to what the page lists), newest first.
    const items = await page.$$eval('#event-list li.event', (li) => li.map((x) => x.dataset.id));
    const listed = Math.min(evs.events.length, 500);
    check('event list renders the API events', items.length === listed && (listed > 0 || (await page.$('#event-list li.empty')) !== null),
      `${items.length} listed, ${evs.events.length} from the API`);
    if (items.length) {
      await page.click('#event-list li.event >> nth=0');
      await page.waitForSelector('#event-list li.event.selected');
      const sel = await page.evaluate(() => { let n = 0; window.lookout.map.eachLayer((l) => { if (l instanceof L.CircleMarker) n++; }); return { id: window.lookout.state.selectedEvent, marks: n }; });
      check('clicking an event highlights it on the map', sel.id === items[0] && sel.marks > 0, `event ${sel.id}, ${sel.marks} marks`);
      await page.screenshot({ path: path.join(out, 'map-event.png') });
    }

    // Back to the world for the README's picture.
    await page.click('#card-close');
    await page.evaluate(() => { window.lookout.map.setView([46, -2], 4, { animate: false }); });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(out, 'map.png') });

    check('no script errors', errors.length === 0, errors.slice(0, 5).join(' | '));
    check('nothing fetched from outside the server', outside.length === 0, outside.slice(0, 5).join(' '));
  } finally {
    await browser.close();
    if (server) {
      server.child.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { server.child.kill('SIGKILL'); r(); }, 10000); server.child.on('exit', () => { clearTimeout(t); r(); }); });
    }
  }
}

main().then(() => {
  process.stdout.write(`# screenshots in ${out}\n${passed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}, (err) => {
  process.stdout.write(`FAIL - ${err.stack || err}\n${passed} passed, ${failed + 1} failed\n`);
  process.exit(1);
});
