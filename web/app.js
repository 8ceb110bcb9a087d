// app.js - lookout's live map: land from Natural Earth (no tiles), every vessel
// drawn on one canvas by ship class with its heading, the vessel card with its
// track, the event list with each event shown on the map, and live updates over
// the server-sent event stream. Plain JavaScript on Leaflet; everything comes
// from the lookout server that served this page.
//
// Names, call signs and summaries come off the radio: they are always set as
// text (textContent), never as HTML.
'use strict';

(function () {
  // ---- the server ---------------------------------------------------------------

  const query = new URLSearchParams(location.search);
  const token = query.get('token'); // optional bearer token, passed on to the API

  function apiUrl(path, params) {
    const u = new URL(path, location.href);
    if (params) for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    if (token) u.searchParams.set('token', token);
    return u.toString();
  }
  async function api(path, params) {
    const r = await fetch(apiUrl(path, params), { headers: { Accept: 'application/json' } });
    if (r.status === 401) throw new Error(token ? 'the server refused the token' : 'the server wants a token: open the page as /?token=…');
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r.json();
  }

  // ---- ship classes (the same classes as lo_shipclass in detect.h) ---------------

  const CLASSES = [
    ['cargo', '#3f9b3a', 'cargo'],
    ['tanker', '#d23b2f', 'tanker'],
    ['passenger', '#2f6fd0', 'passenger'],
    ['hsc', '#e2b400', 'high-speed craft'],
    ['fishing', '#f08a5d', 'fishing'],
    ['tug', '#16a2b0', 'tug, pilot, port'],
    ['special', '#7b4fb5', 'special craft'],
    ['pleasure', '#d63384', 'pleasure, sailing'],
    ['military', '#4e5b31', 'military, law'],
    ['other', '#6b7280', 'other'],
    ['unknown', '#9aa1a9', 'type unknown'],
    ['station', '#30343a', 'base station, AtoN'],
  ];
  const CLASS_COLOUR = Object.fromEntries(CLASSES.map(([k, c]) => [k, c]));
  const DRAW_ORDER = ['station', 'unknown', 'other', 'pleasure', 'fishing', 'tug', 'special', 'military', 'hsc',
    'passenger', 'cargo', 'tanker'];

  function classOfType(t) {
    if (t == null || t === 0) return 'unknown';
    if (t === 30) return 'fishing';
    if (t === 31 || t === 32 || t === 52) return 'tug';
    if (t === 35) return 'military';
    if (t === 36 || t === 37) return 'pleasure';
    if (t >= 40 && t <= 49) return 'hsc';
    if (t === 33 || t === 34 || t === 50 || t === 51 || (t >= 53 && t <= 59)) return 'special';
    if (t >= 60 && t <= 69) return 'passenger';
    if (t >= 70 && t <= 79) return 'cargo';
    if (t >= 80 && t <= 89) return 'tanker';
    return 'other';
  }
  // Class used for drawing: fixed stations get their own shape and colour.
  function drawClass(v) {
    if (v.kind && v.kind !== 'vessel' && v.kind !== 'invalid' && v.kind !== 'sar') return 'station';
    return v.ship_class && CLASS_COLOUR[v.ship_class] ? v.ship_class : classOfType(v.ship_type);
  }

  const NAV_STATUS = ['under way using engine', 'at anchor', 'not under command', 'restricted manoeuvrability',
    'constrained by her draught', 'moored', 'aground', 'engaged in fishing', 'under way sailing',
    'reserved (HSC)', 'reserved (WIG)', 'towing astern', 'pushing ahead or towing alongside', 'reserved',
    'AIS-SART active', 'not defined'];

  // ---- formatting ----------------------------------------------------------------

  const fmtTime = (iso) => (iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
  function fmtAge(ms, now) {
    if (ms == null || now == null) return '';
    const s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 90) return `${s} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${Math.round(s / 86400)} d`;
  }
  function fmtPos(lat, lon) {
    if (lat == null || lon == null) return '—';
    return `${Math.abs(lat).toFixed(5)}° ${lat < 0 ? 'S' : 'N'}, ${Math.abs(lon).toFixed(5)}° ${lon < 0 ? 'W' : 'E'}`;
  }
  const fmtNum = (x, unit, digits = 1) => (x == null ? '—' : `${Number(x).toFixed(digits)}${unit}`);
  const fmtDur = (ms) => {
    if (ms == null || ms <= 0) return '';
    const m = Math.round(ms / 60000);
    return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
  };

  // el('div', {class: 'x'}, 'text', child) - DOM built as nodes, text as text.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids) if (k != null && k !== false) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  const vesselLabel = (v) => (v && v.name ? v.name : `MMSI ${v ? v.mmsi : '?'}`);

  // ---- state ---------------------------------------------------------------------

  const state = {
    vessels: new Map(),   // mmsi -> vessel object as the API gives it (plus lat, lon)
    events: new Map(),    // id (string) -> event
    dataTime: null,       // latest report time seen (ms): the data's clock, not the wall's
    selectedMmsi: null,
    selectedEvent: null,
    stream: 'connecting',
    hidden: new Set(),    // classes switched off in the legend
    loaded: false,
    error: null,
  };

  function putVessel(v) {
    if (v == null || v.mmsi == null) return v;
    const old = state.vessels.get(v.mmsi);
    const nv = old ? Object.assign(old, v) : v;
    nv._cls = drawClass(nv);
    nv._px = null; // projected position is stale
    nv._sp = null; // and so may its sprite be (class, heading)
    state.vessels.set(nv.mmsi, nv);
    if (nv.time_ms != null && (state.dataTime == null || nv.time_ms > state.dataTime)) state.dataTime = nv.time_ms;
    return nv;
  }
  function fromFeature(f) {
    const p = Object.assign({}, f.properties);
    if (f.geometry && f.geometry.type === 'Point') {
      if (p.lon == null) p.lon = f.geometry.coordinates[0];
      if (p.lat == null) p.lat = f.geometry.coordinates[1];
    }
    if (p.time_ms == null && p.time) p.time_ms = Date.parse(p.time);
    return p;
  }
  const evKey = (e) => String(e.id);
  function putEvent(e) {
    if (!e || e.id == null) return;
    if (e.start_ms == null && e.start) e.start_ms = Date.parse(e.start);
    if (e.end_ms == null && e.end) e.end_ms = Date.parse(e.end);
    state.events.set(evKey(e), e);
    const t = e.end_ms != null ? e.end_ms : e.start_ms;
    if (t != null && (state.dataTime == null || t > state.dataTime)) state.dataTime = t;
  }

  // ---- the map -------------------------------------------------------------------

  const map = L.map('map', { preferCanvas: true, minZoom: 2, maxZoom: 15, worldCopyJump: false, zoomSnap: 0.5 })
    .setView([30, 0], 2);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('Land: Natural Earth via world-atlas · Leaflet');

  // Land, drawn on its own canvas below everything. 1:50m for the world,
  // 1:10m (fetched the first time it is needed) once zoomed in.
  map.createPane('land').style.zIndex = 200;
  const landRenderer = L.canvas({ pane: 'land', padding: 0.2 });
  const landStyle = { renderer: landRenderer, pane: 'land', interactive: false, stroke: true,
    color: '#b9b2a2', weight: 0.7, fillColor: '#f1eee6', fillOpacity: 1 };
  const land = { '50m': null, '10m': null, shown: null, loading: {} };
  function landUpdate() {
    const want = map.getZoom() >= 6 ? '10m' : '50m';
    if (!land[want]) {
      if (!land.loading[want]) {
        land.loading[want] = fetch(`static/land-${want}.geojson`).then((r) => r.json()).then((gj) => {
          land[want] = L.geoJSON(gj, { style: () => landStyle, interactive: false });
          landUpdate();
        }).catch((err) => console.error('land', want, err));
      }
      return; // the scale shown stays until the wanted one is here
    }
    if (land.shown === want) return;
    if (land.shown) map.removeLayer(land[land.shown]);
    land[want].addTo(map);
    land.shown = want;
  }
  map.on('zoomend', landUpdate);
  landUpdate();

  // Tracks and highlights above land, below vessels.
  map.createPane('track').style.zIndex = 380;
  const overlayRenderer = L.canvas({ pane: 'track', padding: 0.2 });
  const trackLayer = L.layerGroup().addTo(map);
  const highlightLayer = L.layerGroup().addTo(map);

  // ---- vessels: one canvas for all of them ----------------------------------------
  // Leaflet's own markers (one DOM node or path each) slow down in the
  // thousands; this layer projects each vessel once per zoom, stamps a
  // ready-drawn sprite per vessel into one pixel buffer (below), and finds the
  // vessel under the pointer through a grid of the drawn points.

  map.createPane('vessels').style.zIndex = 450;
  const CELL = 16;
  const VesselLayer = L.Renderer.extend({
    options: { padding: 0.1, pane: 'vessels' },
    initialize(options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._grid = new Map();
      this.drawn = 0;
    },
    _initContainer() {
      this._container = document.createElement('canvas');
      this._container.className = 'vessel-canvas';
      this._ctx = this._container.getContext('2d');
    },
    _update() {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      const b = this._bounds, size = b.getSize(), m = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(this._container, b.min);
      this._container.width = Math.round(m * size.x);
      this._container.height = Math.round(m * size.y);
      this._container.style.width = `${size.x}px`;
      this._container.style.height = `${size.y}px`;
      this._m = m;
      this.draw();
    },
    _updatePaths() {},
    // Drawn again at most once a frame, however many updates arrive.
    redraw() {
      if (this._raf || !this._map) return;
      this._raf = requestAnimationFrame(() => { this._raf = 0; this.draw(); });
    },
    // For the live stream: at most four times a second, so a busy feed
    // leaves the browser time for the user.
    redrawSoon() {
      if (this._soon || !this._map) return;
      this._soon = setTimeout(() => { this._soon = 0; this.redraw(); }, 250);
    },
    draw() {
      if (!this._map || !this._bounds) return;
      const map = this._map, ctx = this._ctx, m = this._m, zoom = map.getZoom();
      const origin = this._bounds.min.add(map.getPixelOrigin()); // canvas (0,0) in world pixels
      const w = this._bounds.max.x - this._bounds.min.x, h = this._bounds.max.y - this._bounds.min.y;
      ctx.setTransform(m, 0, 0, m, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const size = zoom >= 11 ? 9 : zoom >= 7 ? 7 : zoom >= 4 ? 5 : 3.5;
      const outline = zoom >= 6; // outlines only when vessels stand apart; at world scale they turn clusters black
      const byClass = new Map();
      const grid = new Map();
      let drawn = 0;
      for (const v of state.vessels.values()) {
        if (v.lat == null || v.lon == null || state.hidden.has(v._cls)) continue;
        if (!v._px || v._pz !== zoom) { v._px = map.project([v.lat, v.lon], zoom); v._pz = zoom; }
        const x = v._px.x - origin.x, y = v._px.y - origin.y;
        if (x < -10 || y < -10 || x > w + 10 || y > h + 10) continue;
        let list = byClass.get(v._cls);
        if (!list) byClass.set(v._cls, (list = []));
        list.push(v, x, y);
        const key = ((x / CELL) | 0) * 65536 + ((y / CELL) | 0);
        const cell = grid.get(key);
        if (cell) cell.push(v, x, y); else grid.set(key, [v, x, y]);
        drawn++;
      }
      // Fixed stations and untyped vessels first, so ships of known type stay
      // on top where they crowd; a fixed order, so colours never swap places.
      // Each mark is a sprite stamped into one pixel buffer: browsers without
      // GPU raster (headless, many VMs) take ~0.5 s to fill 10,000 triangles
      // as canvas paths and ~60 ms as drawImage calls, but ~10 ms this way.
      const W = this._container.width, H = this._container.height;
      if (!this._img || this._img.width !== W || this._img.height !== H) {
        this._img = ctx.createImageData(W, H);
        this._buf = new Uint32Array(this._img.data.buffer);
      }
      const buf = this._buf;
      buf.fill(0);
      const spk = size * m * 2 + (outline ? 1 : 0); // which sprite set a vessel's cached sprite is from
      for (const cls of DRAW_ORDER) {
        const list = byClass.get(cls);
        if (!list) continue;
        for (let i = 0; i < list.length; i += 3) {
          const v = list[i];
          const sp = v._sp && v._spk === spk ? v._sp : ((v._spk = spk), (v._sp = sprite(v, size * m, outline)));
          stamp(buf, W, H, sp, Math.round(list[i + 1] * m) - sp.c, Math.round(list[i + 2] * m) - sp.c);
        }
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.putImageData(this._img, 0, 0);
      ctx.setTransform(m, 0, 0, m, 0, 0);
      // Rings: the selected vessel and the vessels of the selected event.
      const ring = (v, colour, r) => {
        if (!v || v.lat == null || !v._px || v._pz !== zoom) return;
        const x = v._px.x - origin.x, y = v._px.y - origin.y;
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.lineWidth = 2.5; ctx.strokeStyle = '#fff'; ctx.stroke();
        ctx.lineWidth = 1.5; ctx.strokeStyle = colour; ctx.stroke();
      };
      const ev = state.selectedEvent && state.events.get(state.selectedEvent);
      if (ev) for (const ve of ev.vessels || []) ring(state.vessels.get(ve.mmsi), sevColour(ev.severity), size + 5);
      if (state.selectedMmsi != null) ring(state.vessels.get(state.selectedMmsi), '#111', size + 3);
      this._grid = grid;
      this._origin = origin;
      this.drawn = drawn;
      document.body.dataset.vesselsDrawn = String(drawn);
    },
    // The vessel drawn nearest to a container point, within `tol` pixels.
    vesselAt(containerPoint, tol = 8) {
      if (!this._origin) return null;
      const lp = this._map.containerPointToLayerPoint(containerPoint).add(this._map.getPixelOrigin());
      const x = lp.x - this._origin.x, y = lp.y - this._origin.y;
      let best = null, bestD = tol * tol;
      const cx = (x / CELL) | 0, cy = (y / CELL) | 0;
      for (let i = cx - 1; i <= cx + 1; i++) for (let j = cy - 1; j <= cy + 1; j++) {
        const cell = this._grid.get(i * 65536 + j);
        if (!cell) continue;
        for (let k = 0; k < cell.length; k += 3) {
          const d = (cell[k + 1] - x) ** 2 + (cell[k + 2] - y) ** 2;
          if (d <= bestD) { bestD = d; best = cell[k]; }
        }
      }
      return best;
    },
  });

  // A pointed triangle along the heading (or, when the heading is not sent,
  // the course over ground while under way); a dot when neither is known; a
  // small square for a fixed station.
  function markOf(v) {
    if (v._cls === 'station') return 'station';
    let dir = v.heading;
    if (dir == null && v.course != null && v.speed != null && v.speed >= 1) dir = v.course;
    if (dir == null || !(dir >= 0 && dir < 360)) return 'dot';
    return Math.round(dir / 5) % 72; // 5-degree steps: 72 sprites a class
  }
  function shape(ctx, mark, x, y, s) {
    if (mark === 'station') { ctx.rect(x - s * 0.4, y - s * 0.4, s * 0.8, s * 0.8); return; }
    if (mark === 'dot') { ctx.moveTo(x + s * 0.55, y); ctx.arc(x, y, s * 0.55, 0, 2 * Math.PI); return; }
    const a = (mark * 5 * Math.PI) / 180, sin = Math.sin(a), cos = Math.cos(a);
    // bow at (0,-1.3s), stern corners at (+-0.65s, +0.8s), turned clockwise
    const pt = (px, py) => [x + px * cos - py * sin, y + px * sin + py * cos];
    const [x0, y0] = pt(0, -1.3 * s), [x1, y1] = pt(0.65 * s, 0.8 * s), [x2, y2] = pt(-0.65 * s, 0.8 * s);
    ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.lineTo(x2, y2); ctx.closePath();
  }

  // Sprites: each (class, mark, size, outline) drawn once with the canvas's
  // antialiasing, kept as its non-transparent pixels.
  const sprites = new Map();
  function sprite(v, s, outline) {
    const mark = markOf(v);
    const key = `${v._cls}|${mark}|${s}|${outline ? 1 : 0}`;
    let sp = sprites.get(key);
    if (sp) return sp;
    const c = Math.ceil(s * 1.5) + 2, n = 2 * c + 1;
    const cv = document.createElement('canvas');
    cv.width = cv.height = n;
    const g = cv.getContext('2d');
    g.beginPath();
    shape(g, mark, c + 0.5, c + 0.5, s);
    if (mark === 'station') {
      g.fillStyle = '#fff'; g.fill();
      g.lineWidth = 1; g.strokeStyle = CLASS_COLOUR.station; g.stroke();
    } else {
      g.fillStyle = CLASS_COLOUR[v._cls]; g.fill();
      if (outline) { g.lineWidth = 0.6; g.strokeStyle = 'rgba(0,0,0,.55)'; g.stroke(); }
    }
    const px = new Uint32Array(g.getImageData(0, 0, n, n).data.buffer);
    let count = 0;
    for (let i = 0; i < px.length; i++) if (px[i] >>> 24) count++;
    sp = { c, n, dx: new Int16Array(count), dy: new Int16Array(count), px: new Uint32Array(count) };
    for (let i = 0, k = 0; i < px.length; i++) {
      if (!(px[i] >>> 24)) continue;
      sp.dx[k] = i % n; sp.dy[k] = (i / n) | 0; sp.px[k] = px[i]; k++;
    }
    sprites.set(key, sp);
    return sp;
  }
  // Source-over of a sprite onto the buffer at (x0, y0) (non-premultiplied
  // RGBA, as ImageData holds it).
  function stamp(buf, W, H, sp, x0, y0) {
    const inside = x0 >= 0 && y0 >= 0 && x0 + sp.n <= W && y0 + sp.n <= H;
    if (!inside && (x0 + sp.n <= 0 || y0 + sp.n <= 0 || x0 >= W || y0 >= H)) return;
    const { dx, dy, px } = sp;
    for (let k = 0; k < px.length; k++) {
      const x = x0 + dx[k], y = y0 + dy[k];
      if (!inside && (x < 0 || y < 0 || x >= W || y >= H)) continue;
      const o = y * W + x, src = px[k], sa = src >>> 24;
      const dst = buf[o];
      if (sa === 255 || dst === 0) { buf[o] = src; continue; }
      const f = ((dst >>> 24) * (255 - sa)) / 255, oa = sa + f, k1 = sa / oa, k2 = f / oa;
      const r = ((src & 255) * k1 + (dst & 255) * k2 + 0.5) | 0;
      const gr = (((src >>> 8) & 255) * k1 + ((dst >>> 8) & 255) * k2 + 0.5) | 0;
      const bl = (((src >>> 16) & 255) * k1 + ((dst >>> 16) & 255) * k2 + 0.5) | 0;
      buf[o] = ((((oa + 0.5) | 0) << 24) | (bl << 16) | (gr << 8) | r) >>> 0;
    }
  }

  const vessels = new VesselLayer();
  map.addLayer(vessels);

  // Hover: name under the pointer; click: the vessel card.
  const tip = L.tooltip({ direction: 'top', offset: [0, -8], className: 'vessel-tip', opacity: 0.95 });
  let hoverMmsi = null;
  map.on('mousemove', (e) => {
    const v = vessels.vesselAt(e.containerPoint);
    map.getContainer().style.cursor = v ? 'pointer' : '';
    if (!v) { if (hoverMmsi != null) { map.closeTooltip(tip); hoverMmsi = null; } return; }
    if (v.mmsi !== hoverMmsi) {
      hoverMmsi = v.mmsi;
      tip.setContent(`${escapeText(vesselLabel(v))} · ${v.mmsi}`);
    }
    tip.setLatLng([v.lat, v.lon]);
    if (!map.hasLayer(tip)) map.openTooltip(tip);
  });
  map.on('mouseout', () => { map.closeTooltip(tip); hoverMmsi = null; });
  map.on('click', (e) => {
    const v = vessels.vesselAt(e.containerPoint);
    if (v) selectVessel(v.mmsi);
  });
  function escapeText(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // Legend: colour per class; a click hides or shows that class.
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => {
    const div = el('div', { class: 'legend' });
    for (const [cls, colour, label] of CLASSES) {
      const swatch = cls === 'station' ? `background:#fff;box-shadow:inset 0 0 0 1.5px ${colour}` : `background:${colour}`;
      const row = el('div', { 'data-class': cls, title: 'show or hide' }, el('span', { class: 'swatch', style: swatch }), label);
      row.addEventListener('click', () => {
        if (state.hidden.has(cls)) state.hidden.delete(cls); else state.hidden.add(cls);
        row.classList.toggle('off', state.hidden.has(cls));
        vessels.redraw();
        renderStatus();
      });
      div.append(row);
    }
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  L.control.scale({ imperial: false, position: 'bottomright' }).addTo(map);

  // ---- status line -----------------------------------------------------------------

  const statusEl = document.getElementById('status');
  function renderStatus() {
    const parts = [];
    parts.push(el('span', { id: 'status-vessels' }, `${state.vessels.size.toLocaleString('en')} vessels`));
    parts.push(' · ');
    parts.push(el('span', { id: 'status-events' }, `${state.events.size.toLocaleString('en')} events`));
    parts.push(' · ');
    const up = state.stream === 'connected';
    parts.push(el('span', { id: 'status-stream', class: up ? 'up' : 'down' }, `stream ${state.stream}`));
    if (state.dataTime != null) parts.push(` · data ${fmtTime(new Date(state.dataTime).toISOString())}`);
    if (state.error) parts.push(el('span', { class: 'down' }, ` · ${state.error}`));
    statusEl.replaceChildren(...parts);
    document.body.dataset.stream = state.stream;
  }
  let statusTimer = 0;
  const statusSoon = () => { if (!statusTimer) statusTimer = setTimeout(() => { statusTimer = 0; renderStatus(); }, 250); };

  // ---- the vessel card ---------------------------------------------------------------

  const card = document.getElementById('card');
  const cardBody = document.getElementById('card-body');
  document.getElementById('card-close').addEventListener('click', () => {
    card.hidden = true;
    state.selectedMmsi = null;
    state.selectedEvent = null;
    delete card.dataset.event;
    trackLayer.clearLayers();
    highlightLayer.clearLayers();
    for (const li of document.querySelectorAll('.event.selected')) li.classList.remove('selected');
    vessels.redraw();
  });

  document.addEventListener('keydown', (k) => {
    if (k.key === 'Escape' && !card.hidden && document.activeElement !== document.getElementById('search-box')) document.getElementById('card-close').click();
  });

  function dl(rows) {
    const d = el('dl');
    for (const [k, v, id] of rows) d.append(el('dt', null, k), el('dd', id ? { 'data-field': id } : null, v == null || v === '' ? '—' : v));
    return d;
  }

  let cardSeq = 0;
  async function selectVessel(mmsi, opts = {}) {
    const seq = ++cardSeq;
    state.selectedMmsi = mmsi;
    delete card.dataset.event;
    vessels.redraw();
    const known = state.vessels.get(mmsi);
    renderVesselCard(known || { mmsi }, null);
    let detail = null, track = null;
    try {
      [detail, track] = await Promise.all([
        api(`api/vessels/${mmsi}`),
        api(`api/vessels/${mmsi}/track.geojson`).catch((err) => { console.warn(err); return null; }),
      ]);
    } catch (err) {
      console.warn(err); // shown on the card
      if (seq === cardSeq) renderVesselCard(known || { mmsi }, null, String(err.message || err));
      return;
    }
    if (seq !== cardSeq) return; // another vessel was clicked meanwhile
    // {"vessel": {...}, "events": [...]} (docs/server.md)
    const vd = detail.vessel || detail;
    if (vd.lat != null) putVessel(Object.assign({}, vd));
    renderVesselCard(Object.assign({}, known, vd), detail.events || []);
    trackLayer.clearLayers();
    if (track && track.features && track.features.length) {
      const line = L.geoJSON(track, {
        style: () => ({ renderer: overlayRenderer, pane: 'track', color: '#1b1f24', weight: 2, opacity: 0.8 }),
        pointToLayer: (f, ll) => L.circleMarker(ll, { renderer: overlayRenderer, pane: 'track', radius: 2 }),
        interactive: false,
      });
      trackLayer.addLayer(line);
      if (opts.fit) map.fitBounds(line.getBounds().pad(0.2), { maxZoom: 12 });
    } else if (opts.fit && known && known.lat != null) {
      map.setView([known.lat, known.lon], Math.max(map.getZoom(), 9));
    }
    vessels.redraw();
  }

  function renderVesselCard(v, events, error) {
    card.hidden = false;
    card.dataset.mmsi = String(v.mmsi);
    const cls = v._cls || drawClass(v);
    const typeText = v.ship_type != null ? `${v.ship_class || classOfType(v.ship_type)} (${v.ship_type})` : (v.ship_class || null);
    const kids = [
      el('h3', { id: 'card-name' }, v.name || '(no name)'),
      el('div', { class: 'sub' }, el('span', { class: 'swatch', style: `background:${CLASS_COLOUR[cls]}` }),
        `MMSI ${v.mmsi}${v.kind && v.kind !== 'vessel' ? ` · ${v.kind}` : ''}${v.watch ? ' · on the watch list' : ''}`),
      dl([
        ['MMSI', String(v.mmsi), 'mmsi'],
        ['IMO', v.imo, 'imo'],
        ['Call sign', v.callsign, 'callsign'],
        ['Flag', v.flag, 'flag'],
        ['Type', typeText, 'type'],
        ['Last report', v.time ? `${fmtTime(v.time)}${state.dataTime != null && v.time_ms != null ? ` (${fmtAge(v.time_ms, state.dataTime)} before the latest)` : ''}` : null, 'time'],
        ['Position', fmtPos(v.lat, v.lon), 'position'],
        ['Speed', fmtNum(v.speed, ' kn'), 'speed'],
        ['Course', fmtNum(v.course, '°'), 'course'],
        ['Heading', v.heading == null ? null : `${v.heading}°`, 'heading'],
        ['Status', v.status != null && v.status < 16 && v.status !== 15 ? NAV_STATUS[v.status] : null, 'status'],
        v.destination ? ['Destination', v.destination, 'destination'] : null,
      ].filter(Boolean)),
    ];
    if (error) kids.push(el('div', { class: 'none' }, `could not load: ${error}`));
    if (events) {
      kids.push(el('h4', null, `Events (${events.length})`));
      if (!events.length) kids.push(el('div', { class: 'none' }, 'none'));
      const ol = el('ol', { class: 'card-events', style: 'list-style:none;margin:0;padding:0' });
      for (const e of events.slice().sort(byNewest)) { putEvent(e); ol.append(eventItem(e)); }
      kids.push(ol);
    }
    cardBody.replaceChildren(...kids);
  }

  // ---- events ------------------------------------------------------------------------

  const SEV_RANK = { high: 4, medium: 3, low: 2, info: 1 };
  const sevColour = (s) => getComputedStyle(document.documentElement).getPropertyValue(`--sev-${SEV_RANK[s] ? s : 'info'}`).trim() || '#607d8b';
  function byNewest(a, b) {
    const ta = a.start_ms != null ? a.start_ms : Date.parse(a.start || 0);
    const tb = b.start_ms != null ? b.start_ms : Date.parse(b.start || 0);
    if (tb !== ta) return tb - ta;
    return String(b.id).localeCompare(String(a.id));
  }

  const listEl = document.getElementById('event-list');
  const countEl = document.getElementById('event-count');
  const MAX_LISTED = 500; // the list shows the newest; the map and API have all

  function eventItem(e) {
    const sev = SEV_RANK[e.severity] ? e.severity : 'info';
    const names = (e.vessels || []).slice(0, 3).map(vesselLabel).join(', ') + ((e.vessels || []).length > 3 ? ` +${e.vessels.length - 3}` : '');
    const dur = e.end_ms != null && e.start_ms != null ? fmtDur(e.end_ms - e.start_ms) : '';
    const li = el('li', { class: `event sev-${sev}${state.selectedEvent === evKey(e) ? ' selected' : ''}`, 'data-id': evKey(e), tabindex: '0' },
      el('div', { class: 'top' }, el('span', { class: `sev sev-${sev}` }, sev), el('span', { class: 'type' }, (e.type || '').replace(/_/g, ' ')),
        e.state && e.state !== 'closed' ? el('span', { class: 'state' }, e.state) : null,
        el('span', { class: 'when', title: `${fmtTime(e.start)} – ${fmtTime(e.end)}` }, `${fmtTime(e.start)}${dur ? ` · ${dur}` : ''}`)),
      el('div', { class: 'summary' }, e.summary || names),
      e.summary && names ? el('div', { class: 'state' }, names) : null);
    li.addEventListener('click', () => selectEvent(evKey(e), true));
    li.addEventListener('keydown', (k) => { if (k.key === 'Enter') selectEvent(evKey(e), true); });
    return li;
  }

  const sevSelect = document.getElementById('event-severity');
  sevSelect.addEventListener('change', () => renderEvents());
  function renderEvents() {
    const min = SEV_RANK[sevSelect.value] || 1;
    const total = state.events.size;
    const all = Array.from(state.events.values()).filter((e) => (SEV_RANK[e.severity] || 1) >= min).sort(byNewest);
    const shown = all.length < total ? `${all.length.toLocaleString('en')} of ${total.toLocaleString('en')}` : total.toLocaleString('en');
    countEl.textContent = total ? `(${shown}${all.length > MAX_LISTED ? `, newest ${MAX_LISTED} listed` : ''})` : '';
    if (!all.length) { listEl.replaceChildren(el('li', { class: 'empty' }, total ? 'None of this severity.' : 'No events yet.')); return; }
    listEl.replaceChildren(...all.slice(0, MAX_LISTED).map(eventItem));
  }
  let eventsTimer = 0;
  const eventsSoon = () => { if (!eventsTimer) eventsTimer = setTimeout(() => { eventsTimer = 0; renderEvents(); }, 300); };

  // Show an event: its place and evidence on the map, its vessels ringed, its card.
  function selectEvent(id, fit) {
    const e = state.events.get(id);
    if (!e) return;
    state.selectedEvent = id;
    for (const li of document.querySelectorAll('.event.selected')) li.classList.remove('selected');
    for (const li of document.querySelectorAll(`.event[data-id="${CSS.escape(id)}"]`)) li.classList.add('selected');
    highlightLayer.clearLayers();
    const colour = sevColour(e.severity);
    const pts = [];
    const byVessel = new Map();
    for (const ev of e.evidence || []) {
      if (ev.lat == null || ev.lon == null) continue;
      const ll = [ev.lat, ev.lon];
      pts.push(ll);
      if (!byVessel.has(ev.mmsi)) byVessel.set(ev.mmsi, []);
      byVessel.get(ev.mmsi).push(ev);
      highlightLayer.addLayer(L.circleMarker(ll, { renderer: overlayRenderer, pane: 'track', radius: 4, color: '#fff', weight: 1.5, fillColor: colour, fillOpacity: 1 })
        .bindTooltip(`${escapeText(ev.note || 'evidence')} · ${ev.mmsi} · ${escapeText(fmtTime(ev.time))}`));
    }
    for (const list of byVessel.values()) {
      if (list.length < 2) continue;
      list.sort((a, b) => (a.time_ms || 0) - (b.time_ms || 0));
      highlightLayer.addLayer(L.polyline(list.map((p) => [p.lat, p.lon]), { renderer: overlayRenderer, pane: 'track', color: colour, weight: 2, dashArray: '4 4', interactive: false }));
    }
    const where = e.where && e.where.lat != null ? [e.where.lat, e.where.lon] : null;
    if (where) {
      pts.push(where);
      highlightLayer.addLayer(L.circleMarker(where, { renderer: overlayRenderer, pane: 'track', radius: 11, color: colour, weight: 3, fill: false, interactive: false }));
    }
    for (const ve of e.vessels || []) {
      const v = state.vessels.get(ve.mmsi);
      if (v && v.lat != null) pts.push([v.lat, v.lon]);
    }
    if (fit && pts.length) {
      const b = L.latLngBounds(pts);
      if (b.getNorthEast().distanceTo(b.getSouthWest()) < 2000) map.setView(b.getCenter(), 13);
      else map.fitBounds(b.pad(0.3), { maxZoom: 13 });
    }
    renderEventCard(e);
    vessels.redraw();
  }

  function renderEventCard(e) {
    card.hidden = false;
    delete card.dataset.mmsi;
    card.dataset.event = evKey(e);
    state.selectedMmsi = null;
    trackLayer.clearLayers();
    const sev = SEV_RANK[e.severity] ? e.severity : 'info';
    const vl = el('ul', { style: 'margin:0;padding-left:16px' });
    for (const ve of e.vessels || []) {
      vl.append(el('li', null, el('a', { class: 'vessel-link', onclick: () => selectVessel(ve.mmsi, { fit: true }) }, vesselLabel(ve)),
        ` · MMSI ${ve.mmsi}${ve.imo ? ` · IMO ${ve.imo}` : ''}${ve.callsign ? ` · ${ve.callsign}` : ''}${ve.flag ? ` · ${ve.flag}` : ''}${ve.ship_type != null ? ` · ${ve.ship_class || classOfType(ve.ship_type)} (${ve.ship_type})` : ''}`,
        ve.watchlist ? el('div', { class: 'sev sev-high' }, `listed: ${ve.watchlist.name || ''}${ve.watchlist.program ? ` (${ve.watchlist.program})` : ''}`) : null));
    }
    const params = e.parameters || e.params || {};
    cardBody.replaceChildren(
      el('h3', null, el('span', { class: `sev sev-${sev}` }, sev), ' ', (e.type || '').replace(/_/g, ' ')),
      el('div', { class: 'sub' }, e.summary || ''),
      dl([
        ['State', e.state],
        ['Family', e.family],
        ['Start', fmtTime(e.start)],
        ['End', fmtTime(e.end)],
        ['Where', e.where ? fmtPos(e.where.lat, e.where.lon) : null],
        e.zone ? ['Zone', e.zone] : null,
        ['Evidence', `${(e.evidence || []).length} positions`],
      ].filter(Boolean)),
      el('h4', null, `Vessels (${(e.vessels || []).length})`), vl,
      Object.keys(params).length ? el('h4', null, 'Parameters') : null,
      Object.keys(params).length ? dl(Object.entries(params).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])) : null,
    );
  }

  // ---- live stream -------------------------------------------------------------------

  let source = null, retry = 1000, retryTimer = 0;
  function connect() {
    if (source) source.close();
    state.stream = 'connecting';
    renderStatus();
    source = new EventSource(apiUrl('api/stream'));
    source.addEventListener('open', () => {
      const again = state.stream === 'reconnecting';
      state.stream = 'connected';
      retry = 1000;
      renderStatus();
      if (again || state.error) load(); // catch up on what passed while we were away
    });
    source.addEventListener('position', (m) => {
      let v;
      try { v = JSON.parse(m.data); } catch { return; }
      if (v.type === 'Feature') v = fromFeature(v);
      putVessel(v);
      vessels.redrawSoon();
      if (v.mmsi === state.selectedMmsi && !card.hidden) refreshCardPosition(state.vessels.get(v.mmsi));
      statusSoon();
    });
    source.addEventListener('event', (m) => {
      let e;
      try { e = JSON.parse(m.data); } catch { return; }
      putEvent(e);
      eventsSoon();
      statusSoon();
    });
    source.addEventListener('error', () => {
      // EventSource retries by itself while the state is CONNECTING; once it
      // gives up (CLOSED: an HTTP error, a server gone) we retry with back-off.
      state.stream = 'reconnecting';
      renderStatus();
      if (source.readyState === EventSource.CLOSED && !retryTimer) {
        retryTimer = setTimeout(() => { retryTimer = 0; connect(); }, retry);
        retry = Math.min(retry * 2, 30000);
      }
    });
  }
  function refreshCardPosition(v) {
    const set = (f, t) => { const d = cardBody.querySelector(`[data-field="${f}"]`); if (d) d.textContent = t; };
    set('time', fmtTime(v.time));
    set('position', fmtPos(v.lat, v.lon));
    set('speed', fmtNum(v.speed, ' kn'));
    set('course', fmtNum(v.course, '°'));
    set('heading', v.heading == null ? '—' : `${v.heading}°`);
  }

  // ---- search --------------------------------------------------------------------------
  // MMSI or IMO exactly, else the first name or call sign that starts with
  // the text, else the first that holds it.
  const searchBox = document.getElementById('search-box');
  document.getElementById('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = searchBox.value.trim().toUpperCase();
    if (!q) return;
    let found = null, partial = null;
    const n = /^\d+$/.test(q) ? Number(q) : null;
    if (n != null && state.vessels.has(n)) found = state.vessels.get(n);
    if (!found) for (const v of state.vessels.values()) {
      if (n != null && v.imo === n) { found = v; break; }
      const name = (v.name || '').toUpperCase(), cs = (v.callsign || '').toUpperCase();
      if (name.startsWith(q) || cs === q) { found = v; break; }
      if (!partial && name.includes(q)) partial = v;
    }
    found = found || partial;
    searchBox.classList.toggle('miss', !found);
    if (found) selectVessel(found.mmsi, { fit: true });
  });
  searchBox.addEventListener('input', () => searchBox.classList.remove('miss'));

  // ---- start -------------------------------------------------------------------------

  async function snapshot() {
    const [fc, ev] = await Promise.all([api('api/vessels.geojson'), api('api/events', { limit: 1000 })]);
    const seen = new Set();
    for (const f of fc.features || []) seen.add(putVessel(fromFeature(f)).mmsi);
    // After a reconnection: the server may have dropped vessels meanwhile (its
    // cap evicts the longest silent); the picture is the server's.
    for (const m of Array.from(state.vessels.keys())) if (!seen.has(m) && !fc.truncated) state.vessels.delete(m);
    for (const e of (ev && ev.events) || []) putEvent(e);
    vessels.redraw();
    renderEvents();
    renderStatus();
  }

  renderStatus();
  // For the browser test and the curious at the console.
  window.lookout = { map, vessels, state, trackLayer, highlightLayer, selectVessel, selectEvent, loaded: false };
  // The picture: at the start, and again whenever the stream comes back.
  function load() {
    return snapshot().then(() => {
      state.error = null;
      state.loaded = window.lookout.loaded = true;
      renderStatus();
      document.body.dataset.loaded = 'true';
    }, (err) => {
      console.warn(err); // shown on the status line
      state.error = `could not load: ${err.message || err}`;
      renderStatus();
      renderEvents();
      if (!state.loaded) document.body.dataset.loaded = 'error';
    });
  }
  load();
  connect();
})();
