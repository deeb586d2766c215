// Pulse dashboard: live results over the SockJS bridge, history from /api/history, uPlot charts, overview with
// sparklines, alerts and cluster panels. Every DOM update happens once per animation frame.
import { Connection } from './bus.js';
import { Series, valueOf, MAX_POINTS } from './store.js';
import { Chart } from './charts.js';

const $ = id => document.getElementById(id);
const store = new Map();
const charts = new Map();
const overviewRows = new Map();
const prefs = JSON.parse(localStorage.getItem('pulse.prefs') || '{}');
const state = {
  resolution: prefs.resolution || 1000,
  range: 'live',
  picked: new Set(prefs.picked || []),
  pinned: new Set(prefs.pinned || []),
  search: '',
};
const stats = { frames: 0, lastFrameMs: 0, totalFrameMs: 0, maxFrameMs: 0, updates: 0, historyRequests: 0,
  historyLoaded: 0, connects: 0, reconnects: 0, alerts: 0, rowsDrawn: 0, rowsSkipped: 0 };
let pending = [];
let frameRequested = false;
let listDirty = true;
const MAX_ALERTS = 100;

function savePrefs() {
  localStorage.setItem('pulse.prefs', JSON.stringify({ resolution: state.resolution,
    picked: [...state.picked], pinned: [...state.pinned] }));
}

function fmt(v) {
  if (typeof v !== 'number' || !isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(1) : a >= 1 ? v.toPrecision(5) : v.toPrecision(3);
}

function series(name) {
  let s = store.get(name);
  if (!s) {
    s = new Series(name);
    store.set(name, s);
    listDirty = true;
  }
  return s;
}

function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(frame);
  }
}

function onResult(r) {
  if (!r || typeof r.series !== 'string') return;
  pending.push(r);
  schedule();
}

// ---- one frame: apply the pending results, then touch only what changed -------------------------------
function frame() {
  frameRequested = false;
  const t0 = performance.now();
  const changed = new Set();
  for (const r of pending) {
    if (r.resolution !== state.resolution) {
      series(r.series); // known, even when not at this resolution
      continue;
    }
    series(r.series).upsert(r);
    changed.add(r.series);
  }
  stats.updates += pending.length;
  pending = [];
  if (listDirty) renderList();
  for (const name of changed) renderOverviewRow(store.get(name));
  for (const [name, chart] of charts) {
    if (changed.has(name) || chart.drawnVersion !== chart.series.version) {
      chart.update();
      renderChartValue(name);
    }
  }
  $('empty').hidden = overviewRows.size > 0;
  const ms = performance.now() - t0;
  stats.frames++;
  stats.lastFrameMs = ms;
  stats.totalFrameMs += ms;
  stats.maxFrameMs = Math.max(stats.maxFrameMs, ms);
}

// ---- series browser ---------------------------------------------------------------------------------------
function renderList() {
  listDirty = false;
  const ul = $('series-list');
  const q = state.search.toLowerCase();
  const names = [...store.keys()].filter(n => !q || n.toLowerCase().includes(q))
    .sort((a, b) => (state.pinned.has(b) - state.pinned.has(a)) || a.localeCompare(b));
  ul.replaceChildren(...names.map(name => {
    const li = document.createElement('li');
    li.dataset.series = name;
    li.classList.toggle('picked', state.picked.has(name));
    const pin = document.createElement('button');
    pin.className = 'pin' + (state.pinned.has(name) ? ' on' : '');
    pin.textContent = '★';
    pin.title = 'pin to the top';
    pin.onclick = () => { togglePin(name); };
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = state.picked.has(name);
    box.onchange = () => togglePick(name, box.checked);
    label.append(box, ' ', name);
    li.append(pin, label);
    return li;
  }));
}

function togglePin(name) {
  if (state.pinned.has(name)) state.pinned.delete(name); else state.pinned.add(name);
  savePrefs();
  listDirty = true;
  const row = overviewRows.get(name);
  if (row) placeRow(name, row);
  schedule();
}

function togglePick(name, on) {
  if (on) {
    state.picked.add(name);
    addChart(name);
    loadHistory([name]);
  } else {
    state.picked.delete(name);
    const chart = charts.get(name);
    if (chart) { chart.destroy(); chart.container.remove(); charts.delete(name); }
  }
  $('charts-empty').hidden = charts.size > 0;
  savePrefs();
  listDirty = true;
  schedule();
}

// ---- charts -----------------------------------------------------------------------------------------------
function addChart(name) {
  if (charts.has(name)) return;
  const box = document.createElement('div');
  box.className = 'chart';
  box.dataset.series = name;
  const h = document.createElement('h3');
  const title = document.createElement('span');
  title.textContent = name;
  const value = document.createElement('span');
  value.className = 'value';
  h.append(title, value);
  box.append(h);
  $('charts').append(box);
  charts.set(name, new Chart(box, series(name)));
  $('charts-empty').hidden = true;
}

function renderChartValue(name) {
  const s = store.get(name);
  const chart = charts.get(name);
  if (!s || !chart || !s.latest) return;
  chart.container.querySelector('.value').textContent = fmt(valueOf(s.kind, s.latest));
}

function rebuildCharts() {
  for (const [name, chart] of charts) {
    chart.destroy();
    chart.container.remove();
    charts.delete(name);
  }
  for (const name of state.picked) addChart(name);
  $('charts-empty').hidden = charts.size > 0;
}

// ---- overview ---------------------------------------------------------------------------------------------
function placeRow(name, tr) {
  const body = $('overview-rows');
  const key = n => (state.pinned.has(n) ? '0' : '1') + n;
  const mine = key(name);
  let before = null;
  for (const other of body.children) {
    if (other !== tr && key(other.dataset.series) > mine) { before = other; break; }
  }
  body.insertBefore(tr, before);
}

// Rows off screen are not drawn: with hundreds of series most of the overview is scrolled away, and text and
// sparkline changes there would still cost layout and paint every frame. They are drawn when they scroll into view.
const visibleRows = new Set();
const staleRows = new Set();
const rowObserver = new IntersectionObserver(entries => {
  for (const e of entries) {
    const name = e.target.dataset.series;
    if (e.isIntersecting) {
      visibleRows.add(name);
      if (staleRows.delete(name)) renderOverviewRow(store.get(name), true);
    } else {
      visibleRows.delete(name);
    }
  }
}, { rootMargin: '200px 0px' });

function renderOverviewRow(s, force = false) {
  let tr = overviewRows.get(s.name);
  if (tr && !force && !visibleRows.has(s.name)) {
    staleRows.add(s.name);
    stats.rowsSkipped++;
    return;
  }
  if (!tr) {
    tr = document.createElement('tr');
    tr.dataset.series = s.name;
    const name = document.createElement('td');
    name.textContent = s.name;
    name.title = 'chart this series';
    name.onclick = () => { if (!state.picked.has(s.name)) togglePick(s.name, true); };
    const spark = document.createElement('canvas');
    spark.className = 'spark';
    spark.width = 100;
    spark.height = 22;
    const sparkCell = document.createElement('td');
    sparkCell.append(spark);
    tr.append(name, document.createElement('td'), document.createElement('td'), sparkCell);
    overviewRows.set(s.name, tr);
    placeRow(s.name, tr);
    rowObserver.observe(tr);
  }
  stats.rowsDrawn++;
  if (!s.latest) return;
  const v = valueOf(s.kind, s.latest);
  tr.children[1].textContent = fmt(v);
  tr.dataset.value = String(v);
  const c = s.change();
  tr.children[2].textContent = c === null ? (s.previousFinal ? '–' : '')
    : (c >= 0 ? '+' : '') + (c * 100).toFixed(2) + '%';
  tr.children[2].className = c === null ? '' : c >= 0 ? 'up' : 'down';
  drawSpark(tr.children[3].firstChild, s.spark);
}

let sparkColor = null; // read once per theme: getComputedStyle per sparkline would force a style pass each time

function drawSpark(canvas, values) {
  if (!sparkColor) sparkColor = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#888';
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (values.length < 2) return;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1;
  ctx.strokeStyle = sparkColor;
  ctx.lineWidth = 1;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / (values.length - 1)) * (canvas.width - 2) + 1;
    const y = canvas.height - 2 - ((v - lo) / span) * (canvas.height - 4);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

// ---- history ----------------------------------------------------------------------------------------------
async function fetchHistory(name, from, to) {
  stats.historyRequests++;
  const url = `api/history?series=${encodeURIComponent(name)}&from=${Math.floor(from)}&to=${Math.ceil(to)}`
    + `&resolution=${state.resolution}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`history of ${name}: HTTP ${response.status}`);
  const body = await response.json();
  stats.historyLoaded++;
  return (body.results || []).filter(r => !r.resolution || r.resolution === state.resolution);
}

/** Loads the selected range for these series, replacing what they hold; live results keep coming meanwhile. */
async function loadHistory(names) {
  const now = Date.now();
  const span = state.range === 'live' ? 5 * 60_000 : Number(state.range);
  await Promise.all(names.map(async name => {
    const chart = charts.get(name);
    chart?.container.classList.add('loading');
    try {
      const results = await fetchHistory(name, now - span, now + 60_000);
      const s = series(name);
      const live = s.points.filter(p => p.start >= now - 5_000);
      s.replace(results.concat(live));
    } catch (e) {
      console.warn(e.message);
    } finally {
      chart?.container.classList.remove('loading');
      schedule();
    }
  }));
}

/** After a reconnect: fetch what the picked series missed while the page was disconnected. */
async function fillGap(downSince) {
  const from = (downSince || Date.now()) - 5_000;
  await Promise.all([...state.picked].map(async name => {
    try {
      for (const r of await fetchHistory(name, from, Date.now() + 60_000)) series(name).upsert(r);
    } catch (e) {
      console.warn(e.message);
    }
  }));
  schedule();
}

// ---- alerts and cluster ---------------------------------------------------------------------------------------
const firing = new Set();

function onAlert(a) {
  if (!a || typeof a !== 'object') return;
  stats.alerts++;
  const list = $('alert-list');
  list.querySelector('.none')?.remove();
  const li = document.createElement('li');
  li.className = a.state === 'firing' ? 'firing' : 'resolved';
  li.dataset.rule = a.rule;
  const when = new Date(a.at || Date.now()).toLocaleTimeString();
  li.textContent = `${when} ${a.state} ${a.rule} on ${a.series}` + (a.value !== undefined ? ` (${fmt(a.value)})` : '');
  list.prepend(li);
  while (list.children.length > MAX_ALERTS) list.lastChild.remove();
  const key = a.rule + '|' + a.series;
  if (a.state === 'firing') firing.add(key); else firing.delete(key);
  const badge = $('alerts-firing');
  badge.hidden = firing.size === 0;
  badge.textContent = String(firing.size);
}

async function loadAlerts() {
  try {
    const response = await fetch('api/alerts');
    if (!response.ok) return;
    const body = await response.json();
    const recent = (body.recent || body.alerts || []).filter(a => a && a.state).slice(-20);
    recent.forEach(onAlert);
  } catch (e) {
    // no alert service on this gateway yet: the live feed still arrives over the bridge
  }
}

async function refreshCluster() {
  if (document.hidden) return;
  try {
    const s = await (await fetch('api/status')).json();
    $('node').textContent = 'node ' + s.node;
    renderStorage(s.nodes || []);
    $('cluster-rows').replaceChildren(...(s.nodes || []).map(n => {
      const tr = document.createElement('tr');
      const rates = n.rates || {}, counters = n.counters || {};
      const gw = counters.gateway || {};
      const rate = v => Math.round(v || 0).toLocaleString('en');
      // every kind the gateway reports as clients.<kind>, so a new kind needs no change here
      const clients = Object.entries(gw).reduce((sum, [k, v]) => sum + (k.startsWith('clients.') ? v : 0), 0);
      const cells = [n.node, (n.roles || []).join(', '), rate(rates.ingest?.samplesIn),
        rate(rates.gateway?.resultsIn), String(clients)];
      for (const c of cells) { const td = document.createElement('td'); td.textContent = c; td.title = c; tr.append(td); }
      return tr;
    }));
  } catch (e) {
    // disconnected: the connection state already says so
  }
}

/**
 * Where history lives right now, from the persist nodes' counters: the operator and the user both need to know
 * when it is memory only, or when a store is down and results wait in the buffer and journal.
 */
export function storageSummary(nodes) {
  const persist = nodes.map(n => (n.counters || {}).persist).filter(Boolean);
  if (persist.length === 0) return { level: 'bad', text: 'history: no persist node' };
  const problems = [];
  let kind = 'PostgreSQL';
  for (const p of persist) {
    if (p['postgres.off']) kind = 'memory only (PostgreSQL off)';
    else if (p['postgres.memoryOnly']) kind = 'memory + journal (PostgreSQL did not start)';
    else if (p['postgres.embedded'] && kind === 'PostgreSQL') kind = 'embedded PostgreSQL';
    for (const store of ['postgres', 'redis']) {
      if (p[store + '.up'] === 0) {
        const waiting = (p[store + '.buffered'] || 0) + (p[store + '.journaled'] || 0);
        problems.push(`${store === 'postgres' ? 'PostgreSQL' : 'Redis'} down, ${waiting} waiting`);
      }
    }
  }
  const memoryOnly = kind.startsWith('memory');
  return { level: problems.length ? 'bad' : memoryOnly ? 'warn' : 'ok',
    text: 'history: ' + [kind, ...problems].join('; ') };
}

function renderStorage(nodes) {
  const el = $('storage');
  const { level, text } = storageSummary(nodes);
  el.textContent = text;
  el.dataset.level = level;
  el.title = level === 'ok' ? 'results are persisted' : 'results are kept in memory and the journal; see the node logs';
}

// ---- controls ---------------------------------------------------------------------------------------------------
function setState(s) {
  const el = $('connection');
  el.dataset.state = s;
  el.textContent = s;
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem('pulse.theme', theme);
}

function setupControls() {
  $('search').oninput = e => { state.search = e.target.value; listDirty = true; schedule(); };
  const res = $('resolution');
  res.value = String(state.resolution);
  res.onchange = () => {
    state.resolution = Number(res.value);
    savePrefs();
    for (const s of store.values()) s.replace([]);
    overviewRows.forEach(tr => { rowObserver.unobserve(tr); tr.remove(); });
    overviewRows.clear();
    visibleRows.clear();
    staleRows.clear();
    loadHistory([...state.picked]);
  };
  for (const b of $('ranges').querySelectorAll('button')) {
    b.onclick = () => {
      $('ranges').querySelectorAll('button').forEach(x => x.classList.toggle('active', x === b));
      state.range = b.dataset.range;
      loadHistory([...state.picked]);
    };
  }
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  applyTheme(localStorage.getItem('pulse.theme') || (dark ? 'dark' : 'light'));
  $('theme').onclick = () => {
    applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark');
    sparkColor = null;
    rebuildCharts();
    for (const s of store.values()) if (s.latest) renderOverviewRow(s);
  };
}

async function loadSeriesNames() {
  for (const path of ['api/series', 'api/latest']) {
    try {
      const response = await fetch(path);
      if (!response.ok) continue;
      const body = await response.json();
      const list = body.series || body.results || [];
      for (const item of list) {
        const name = typeof item === 'string' ? item : item.series || item.name;
        if (name) series(name);
        if (typeof item === 'object' && item.start !== undefined && item.resolution === state.resolution) {
          series(name).upsert(item);
          renderOverviewRow(series(name));
        }
      }
    } catch (e) {
      // the live stream fills the list anyway
    }
  }
  schedule();
}

setupControls();
for (const name of state.picked) addChart(name);
loadSeriesNames().then(() => loadHistory([...state.picked]));
loadAlerts();
refreshCluster();
setInterval(refreshCluster, 2000);
new Connection(location.origin + '/eventbus', {
  onState: setState,
  onResult,
  onAlert: a => { onAlert(a); },
  onOpen: (reconnect, downSince) => {
    stats.connects++;
    if (reconnect) {
      stats.reconnects++;
      fillGap(downSince);
      refreshCluster();
    }
  },
}).start();

// for tests and the curious: counters, the store, and a way to feed synthetic results through the same path
window.pulse = { stats, store, state, inject: onResult, MAX_POINTS };
