// build.mjs - lays out lookout's offline web map in one directory that
// `lookout serve` hands out: index.html at the top, everything else under
// static/ (Leaflet's script, style sheet and images, the land polygons as
// GeoJSON, the page's own script and style). Nothing is fetched from the
// network when the page loads: no tile server, no CDN.
//
//   node build.mjs --out DIR [--modules DIR]
//
// --modules is the node_modules directory that `npm ci` filled (default:
// ./node_modules beside this file). The land comes from world-atlas (Natural
// Earth 1:50m and 1:10m land, as TopoJSON) and is turned into GeoJSON here
// with topojson-client, coordinates rounded to what each scale can show, so
// the page needs no TopoJSON code of its own.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
  if (msg) process.stderr.write(`build.mjs: ${msg}\n`);
  process.stderr.write('usage: node build.mjs --out DIR [--modules DIR]\n');
  process.exit(2);
}

let out = null;
let modules = path.join(here, 'node_modules');
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out' && i + 1 < argv.length) out = path.resolve(argv[++i]);
  else if (argv[i] === '--modules' && i + 1 < argv.length) modules = path.resolve(argv[++i]);
  else usage(`unknown argument ${argv[i]}`);
}
if (!out) usage('--out is required');

const require = createRequire(path.join(modules, 'noop.js'));
const topojson = require('topojson-client');
const pkgDir = (name) => path.dirname(require.resolve(`${name}/package.json`));

const staticDir = path.join(out, 'static');
fs.mkdirSync(path.join(staticDir, 'leaflet', 'images'), { recursive: true });

// Write only when the bytes differ, so a rebuild leaves times alone and a
// running server never sees a half-written file (write aside, then rename).
function put(file, data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  try {
    if (fs.readFileSync(file).equals(buf)) return;
  } catch { /* not there yet */ }
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
}
const copy = (from, to) => put(to, fs.readFileSync(from));

// Leaflet: the minified script, its style sheet and the images the style sheet names.
const leaflet = pkgDir('leaflet');
copy(path.join(leaflet, 'dist', 'leaflet.js'), path.join(staticDir, 'leaflet', 'leaflet.js'));
copy(path.join(leaflet, 'dist', 'leaflet.css'), path.join(staticDir, 'leaflet', 'leaflet.css'));
for (const img of fs.readdirSync(path.join(leaflet, 'dist', 'images')))
  copy(path.join(leaflet, 'dist', 'images', img), path.join(staticDir, 'leaflet', 'images', img));

// Land: TopoJSON -> GeoJSON MultiPolygon. Rounding: 1:50m shows nothing finer
// than ~1 km (0.01 degree), 1:10m nothing finer than ~100 m (0.001 degree).
const atlas = pkgDir('world-atlas');
function land(scale, digits) {
  const topo = JSON.parse(fs.readFileSync(path.join(atlas, `land-${scale}.json`), 'utf8'));
  const geo = topojson.feature(topo, topo.objects.land);
  const f = 10 ** digits;
  const round = (c) => (typeof c[0] === 'number' ? [Math.round(c[0] * f) / f, Math.round(c[1] * f) / f] : c.map(round));
  const feats = geo.type === 'FeatureCollection' ? geo.features : [geo];
  for (const ft of feats) {
    ft.geometry.coordinates = round(ft.geometry.coordinates);
    cutAntimeridian(ft.geometry);
  }
  put(path.join(staticDir, `land-${scale}.geojson`), JSON.stringify(geo.type === 'FeatureCollection' ? geo : { type: 'FeatureCollection', features: feats }));
}
// world-atlas is made for spherical projections: a few rings (Wrangel Island,
// Chukotka, Fiji, Antarctica) jump from +180 to -180 and back, which on a flat
// map draws a line across the world. Such a polygon is made continuous (its
// longitudes may pass 180) and drawn twice, 360 degrees apart; a ring round a
// pole (an odd number of jumps: Antarctica) is closed along the pole instead.
function cutAntimeridian(g) {
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const out = [];
  for (const poly of polys) {
    let crossed = false, wraps = false;
    const rings = poly.map((ring) => {
      let jumps = 0;
      for (let i = 1; i < ring.length; i++) if (Math.abs(ring[i][0] - ring[i - 1][0]) > 180) jumps++;
      if (!jumps) return ring;
      crossed = true;
      const r = [ring[0].slice()];
      for (let i = 1; i < ring.length; i++) {
        let lon = ring[i][0];
        const prev = r[i - 1][0];
        while (lon - prev > 180) lon -= 360;
        while (lon - prev < -180) lon += 360;
        r.push([lon, ring[i][1]]);
      }
      if (jumps % 2) { // round a pole: close along it
        const pole = ring[0][1] < 0 ? -90 : 90;
        r.push([r[r.length - 1][0], pole], [r[0][0], pole], r[0].slice());
        wraps = true;
      }
      return r;
    }).filter((r) => !(r.length > 0 && r.every((c) => Math.abs(c[1]) >= 89.9))); // a ring only along the pole
    out.push(rings);
    if (crossed && !wraps) {
      const min = Math.min(...rings.flat().map((c) => c[0]));
      const max = Math.max(...rings.flat().map((c) => c[0]));
      const shift = max > 180 ? -360 : min < -180 ? 360 : 0;
      if (shift) out.push(rings.map((r) => r.map(([x, y]) => [Math.round((x + shift) * 1000) / 1000, y])));
    }
  }
  g.type = 'MultiPolygon';
  g.coordinates = out;
}

land('50m', 2);
land('10m', 3);

// Licences of what is handed out, beside it.
const lic = (name, file) => `== ${name} ${JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'))).version} ==\n` + fs.readFileSync(path.join(pkgDir(name), file), 'utf8') + '\n';
put(path.join(staticDir, 'LICENSES.txt'),
  'Third-party files in this directory, built from npm packages by web/build.mjs.\n\n' +
  lic('leaflet', 'LICENSE') +
  lic('world-atlas', 'LICENSE') +
  'The land polygons in land-50m.geojson and land-10m.geojson come from world-atlas,\n' +
  'which derives them from Natural Earth (public domain, naturalearthdata.com).\n');

// The page itself. The server lets browsers keep static files for an hour,
// so index.html names the script and style sheet with their content hash:
// a rebuilt page is fetched anew, an unchanged one comes from the cache.
const hash = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
copy(path.join(here, 'app.js'), path.join(staticDir, 'app.js'));
copy(path.join(here, 'style.css'), path.join(staticDir, 'style.css'));
put(path.join(out, 'index.html'), fs.readFileSync(path.join(here, 'index.html'), 'utf8')
  .replace('"static/app.js"', `"static/app.js?v=${hash(path.join(here, 'app.js'))}"`)
  .replace('"static/style.css"', `"static/style.css?v=${hash(path.join(here, 'style.css'))}"`));

process.stdout.write(`web map written to ${out}\n`);
