// Pulse dashboard (first page): live window results through the SockJS event-bus bridge.
'use strict';

const RESULTS = 'pulse.public.results';
const rows = new Map();
const tbody = document.querySelector('#results tbody');
const connection = document.getElementById('connection');
let pending = new Map();
let frameRequested = false;
let retryDelay = 500;

function fmt(v) {
  if (typeof v !== 'number' || !isFinite(v)) return '';
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(5);
}

function setState(state) {
  connection.textContent = state;
  connection.dataset.state = state;
  connection.className = 'state ' + state;
}

function render() {
  frameRequested = false;
  for (const [series, r] of pending) {
    let tr = rows.get(series);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.series = series;
      for (let i = 0; i < 9; i++) tr.appendChild(document.createElement('td'));
      rows.set(series, tr);
      const after = [...rows.keys()].sort().find(k => k > series);
      tbody.insertBefore(tr, after ? rows.get(after) : null);
    }
    const cells = tr.children;
    cells[0].textContent = series;
    cells[1].textContent = new Date(r.start).toLocaleTimeString();
    cells[2].textContent = r.count;
    cells[3].textContent = fmt(r.mean);
    cells[4].textContent = fmt(r.min);
    cells[5].textContent = fmt(r.max);
    cells[6].textContent = fmt(r.first);
    cells[7].textContent = fmt(r.last);
    cells[8].textContent = fmt(r.sum);
  }
  pending = new Map();
  document.getElementById('empty').hidden = rows.size > 0;
}

function onResult(result) {
  pending.set(result.series, result);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function connect() {
  const eb = new EventBus(location.origin + '/eventbus');
  eb.enableReconnect(false);
  eb.onopen = () => {
    retryDelay = 500;
    setState('connected');
    eb.registerHandler(RESULTS, (err, msg) => { if (!err) onResult(msg.body); });
  };
  eb.onclose = () => {
    setState('disconnected');
    // full jitter, capped: many dashboards reconnecting after a restart do not arrive together
    const delay = Math.random() * retryDelay;
    retryDelay = Math.min(retryDelay * 2, 10000);
    setTimeout(connect, delay);
  };
}

fetch('api/status').then(r => r.json()).then(s => {
  document.getElementById('node').textContent = 'node ' + s.node;
}).catch(() => {});
connect();
