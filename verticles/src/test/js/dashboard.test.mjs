// Drives the Pulse dashboard in the system's headless Chromium. Run by DashboardBrowserTest, which starts the node
// and answers this script's "NEED <action>" lines (alert, stop, start) on stdin with "ok".
// Usage: node dashboard.test.mjs <dashboard url> <screenshot path>
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';
import readline from 'node:readline';

const [url, screenshotPath] = process.argv.slice(2);
const input = readline.createInterface({ input: process.stdin });
const queued = [];
let waiting = null;
input.on('line', line => { if (waiting) { const w = waiting; waiting = null; w(line); } else queued.push(line); });
const need = what => {
  console.log('NEED ' + what);
  return new Promise(resolve => (queued.length ? resolve(queued.shift()) : (waiting = resolve)));
};
const step = text => console.log('STEP ' + text);

const executablePath = process.env.CHROMIUM || execSync('command -v chromium').toString().trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const jsErrors = [];
const consoleErrors = [];
let restarting = false;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', e => jsErrors.push(String(e)));
  // /api/series and /api/alerts come with the history and alert services; a gateway without them answers 404,
  // which the page tolerates (it falls back to /api/latest and the live alert feed)
  const optional = /\/api\/(series|alerts)(\?|$)/;
  const missing = [];
  page.on('response', r => { if (r.status() === 404) missing.push(r.url()); });
  page.on('console', m => {
    if (m.type() !== 'error') return;
    if (/status of 404/.test(m.text()) && missing.length && missing.every(u => optional.test(u))) return;
    // while the node is down, the browser itself logs refused connections: expected, not the page's fault
    if (restarting && /ERR_CONNECTION_REFUSED|Failed to load resource|WebSocket|net::/.test(m.text())) return;
    consoleErrors.push(m.text());
  });
  const stats = () => page.evaluate(() => ({ ...window.pulse.stats }));

  await page.goto(url);
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 20000 });
  step('connected');
  // the test node runs without PostgreSQL: the page must say history is memory only
  await page.waitForFunction(() => /memory only/.test(document.querySelector('#storage').textContent), null,
    { timeout: 20000 });
  step('storage state shown: ' + await page.textContent('#storage'));
  // this page is a SockJS client of the node's gateway: the cluster table counts it
  await page.waitForFunction(() => [...document.querySelectorAll('#cluster-rows tr')]
    .some(tr => Number(tr.children[4].textContent) >= 1), null, { timeout: 20000 });
  step('cluster table counts this page among the clients');

  const row = '#overview-rows tr[data-series="trade.BTCUSDT"]';
  await page.waitForSelector(row + '[data-value]', { timeout: 20000 });
  const firstValue = await page.getAttribute(row, 'data-value');
  await page.waitForFunction(([sel, v]) => document.querySelector(sel).dataset.value !== v, [row, firstValue],
    { timeout: 20000 });
  step('live values change');

  await page.check('#series-list li[data-series="trade.BTCUSDT"] input[type="checkbox"]');
  await page.waitForSelector('#series-list li[data-series="svc.checkout.latency"]', { timeout: 20000 });
  await page.check('#series-list li[data-series="svc.checkout.latency"] input[type="checkbox"]');
  await page.check('#series-list li[data-series="svc.checkout.error"] input[type="checkbox"]');
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')]
    .every(c => Number(c.dataset.points || 0) >= 2 && c.querySelector('canvas')), null, { timeout: 20000 });
  const legends = await page.evaluate(() => [...document.querySelectorAll('.chart')].map(c =>
    [c.dataset.series, [...c.querySelectorAll('.u-legend .u-label')].map(l => l.textContent)]));
  for (const [name, want] of [['trade.BTCUSDT', ['close', 'volume']], ['svc.checkout.latency', ['p50', 'p99', 'req/s']],
    ['svc.checkout.error', ['error rate', 'req/s']]]) {
    const got = (legends.find(([n]) => n === name) || [name, []])[1];
    if (!want.every(w => got.includes(w))) throw new Error(`chart of ${name} lacks ${want}: ${JSON.stringify(got)}`);
  }
  step('charts draw points: ' + JSON.stringify(legends));

  const before = await stats();
  await page.click('#ranges button[data-range="3600000"]');
  await page.waitForFunction(n => window.pulse.stats.historyLoaded >= n + 2, before.historyLoaded, { timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')]
    .every(c => Number(c.dataset.points || 0) >= 1), null, { timeout: 20000 });
  step('range 1 h loaded history');

  await need('alert');
  await page.waitForSelector('#alert-list li.firing[data-rule="browser-test-rule"]', { timeout: 20000 });
  step('alert shown');
  // every overview row shows its change once two windows of it are final
  try {
    await page.waitForFunction(() => [...document.querySelectorAll('#overview-rows tr')]
      .every(tr => /%$|^–$/.test(tr.children[2].textContent)), null, { timeout: 20000 });
  } catch (e) {
    throw new Error('overview rows without a change: ' + JSON.stringify(await page.evaluate(() =>
      [...document.querySelectorAll('#overview-rows tr')].map(tr => [tr.dataset.series, tr.children[1].textContent,
        tr.children[2].textContent, window.pulse.store.get(tr.dataset.series).lastFinal?.start,
        window.pulse.store.get(tr.dataset.series).previousFinal?.start]))));
  }
  step('overview shows the change of every series');
  await page.waitForTimeout(1000);
  await page.screenshot({ path: screenshotPath });
  step('screenshot saved');

  // light and dark themes, and a phone's width: one column, nothing wider than the screen
  const themeBefore = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.click('#theme');
  const themeAfter = await page.evaluate(() => document.documentElement.dataset.theme);
  if (themeBefore === themeAfter || !['light', 'dark'].includes(themeAfter)) {
    throw new Error(`the theme toggle did not switch: ${themeBefore} -> ${themeAfter}`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const phone = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth,
    charts: [...document.querySelectorAll('.chart')].map(c => Math.round(c.getBoundingClientRect().width)) }));
  if (phone.scrollWidth > 392 || phone.charts.some(w => w > 390)) {
    throw new Error('the page is wider than a 390 px phone: ' + JSON.stringify(phone));
  }
  step(`themes ${themeBefore} -> ${themeAfter}; phone width 390 px: ` + JSON.stringify(phone));
  await page.click('#theme');
  await page.setViewportSize({ width: 1440, height: 900 });

  restarting = true;
  await need('stop');
  await page.waitForSelector('#connection[data-state="disconnected"]', { timeout: 20000 });
  step('disconnected');
  const beforeRestart = await stats();
  await need('start');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 40000 });
  await page.waitForFunction(n => window.pulse.stats.reconnects >= 1 && window.pulse.stats.historyLoaded > n,
    beforeRestart.historyLoaded, { timeout: 20000 });
  const updatesAtReconnect = (await stats()).updates;
  await page.waitForFunction(n => window.pulse.stats.updates > n + 3, updatesAtReconnect, { timeout: 20000 });
  restarting = false;
  step('reconnected, gap filled from history, live again');

  // update cost with 200 series: 200 results per animation frame, every series in the overview, 4 charted
  const perf = await page.evaluate(async () => {
    const p = window.pulse;
    const res = p.state.resolution;
    const names = Array.from({ length: 200 }, (_, i) => `bench.s${String(i).padStart(3, '0')}`);
    const t0 = Date.now() - 200 * res;
    let frameNo = 0;
    const inject = () => names.forEach((series, i) => {
      const v = 100 + Math.sin(frameNo / 10 + i) * 10;
      p.inject({ series, resolution: res, start: t0 + frameNo * res, end: t0 + (frameNo + 1) * res, count: 10,
        sum: v * 10, min: v - 1, max: v + 1, mean: v, first: v, last: v, final: true });
    });
    for (frameNo = 0; frameNo < 30; frameNo++) { inject(); await new Promise(r => requestAnimationFrame(r)); }
    for (const n of names.slice(0, 4)) {
      document.querySelector(`#series-list li[data-series="${n}"] input`)?.click();
    }
    await new Promise(r => setTimeout(r, 500));
    const startStats = { ...p.stats };
    const costs = [];
    const intervals = [];
    let last = performance.now();
    for (let k = 0; k < 240; k++, frameNo++) {
      inject();
      await new Promise(r => requestAnimationFrame(r));
      const now = performance.now();
      intervals.push(now - last);
      last = now;
      costs.push(p.stats.lastFrameMs);
    }
    const sorted = a => a.slice().sort((x, y) => x - y);
    const q = (a, f) => sorted(a)[Math.min(a.length - 1, Math.floor(a.length * f))];
    return { series: names.length, frames: costs.length, updatesPerFrame: names.length,
      updateCostMsP50: q(costs, 0.5), updateCostMsP95: q(costs, 0.95), updateCostMsMax: q(costs, 1),
      frameIntervalMsP50: q(intervals, 0.5), frameIntervalMsP95: q(intervals, 0.95),
      pointsPerSeriesMax: Math.max(...names.map(n => p.store.get(n).points.length)),
      overviewRows: document.querySelectorAll('#overview-rows tr').length,
      heapMB: performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1048576) : null,
      framesDuring: p.stats.frames - startStats.frames };
  });
  step('measured 200 series, worst case: ' + JSON.stringify(perf));

  // a real feed: every one of the 200 series holding a day of 1-minute history (1,440 windows, decimated to the
  // page's bound) and updated 4 times a second (gateway.max-updates-per-second), for 5 s
  perf.realistic = await page.evaluate(async () => {
    const p = window.pulse;
    const res = p.state.resolution;
    const names = Array.from({ length: 200 }, (_, i) => `bench.s${String(i).padStart(3, '0')}`);
    const t0 = Date.now();
    const dayStart = t0 - 1440 * res;
    for (const [i, name] of names.entries()) {
      p.store.get(name).replace(Array.from({ length: 1440 }, (_, k) => {
        const v = 100 + Math.sin(k / 50 + i) * 10;
        return { series: name, resolution: res, start: dayStart + k * res, end: dayStart + (k + 1) * res, count: 10,
          sum: v * 10, min: v - 1, max: v + 1, mean: v, first: v, last: v, final: true };
      }));
    }
    const historyPoints = Math.max(...names.map(n => p.store.get(n).points.length));
    const intervals = [];
    const costs = [];
    let sent = 0;
    let last = performance.now();
    const begin = last;
    while (performance.now() - begin < 5000) {
      const due = Math.floor((performance.now() - begin) / 1000 * 800);
      for (; sent < due; sent++) {
        const i = sent % 200;
        const tick = Math.floor(sent / 200);
        const v = 100 + Math.sin(tick / 10 + i) * 10;
        const start = t0 + Math.floor(tick / 4) * res;
        p.inject({ series: names[i], resolution: res, start, end: start + res, count: 10, sum: v * 10, min: v - 1,
          max: v + 1, mean: v, first: v, last: v, final: tick % 4 === 3 });
      }
      await new Promise(r => requestAnimationFrame(r));
      const now = performance.now();
      intervals.push(now - last);
      costs.push(p.stats.lastFrameMs);
      last = now;
    }
    const q = (a, f) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * f))];
    return { historyWindows: 1440, historyPoints, resultsPerSecond: 800, results: sent, frames: intervals.length, updateCostMsP50: q(costs, 0.5),
      updateCostMsP95: q(costs, 0.95), frameIntervalMsP50: q(intervals, 0.5), frameIntervalMsP95: q(intervals, 0.95),
      rowsDrawn: p.stats.rowsDrawn, rowsSkipped: p.stats.rowsSkipped };
  });
  step('measured 200 series at 4 updates/s each: ' + JSON.stringify(perf.realistic));

  // an hour of that feed in compressed time (200 series x 4 results/s x 3,600 s = 2.88 M results, 10 s of feed per
  // frame): the JavaScript heap after a forced GC must level off once every series holds its maximum of points
  const cdp = await page.context().newCDPSession(page);
  const heapAfterGc = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  // after what the earlier steps fed, so every result is newer than the points the series hold
  const hourT0 = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
  const feedMinutes = (from, to) => page.evaluate(async ([from, to, t0]) => {
    const p = window.pulse;
    const res = p.state.resolution;
    const names = Array.from({ length: 200 }, (_, i) => `bench.s${String(i).padStart(3, '0')}`);
    for (let sec = from * 60; sec < to * 60; sec += 10) {
      for (let k = sec; k < sec + 10; k++) {
        for (let q = 0; q < 4; q++) {
          for (let i = 0; i < 200; i++) {
            const v = 100 + Math.sin(k / 30 + i) * 10 + q;
            p.inject({ series: names[i], resolution: res, start: t0 + k * res, end: t0 + (k + 1) * res, count: 10,
              sum: v * 10, min: v - 1, max: v + 1, mean: v, first: v, last: v, final: q === 3 });
          }
        }
      }
      await new Promise(r => requestAnimationFrame(r));
    }
    return p.stats.updates;
  }, [from, to, hourT0]);
  const hourStart = Date.now();
  await feedMinutes(0, 25);
  const heapWarm = await heapAfterGc();
  await feedMinutes(25, 60);
  const heapHour = await heapAfterGc();
  const pointsMax = await page.evaluate(() => Math.max(...[...window.pulse.store.values()].map(s => s.points.length)));
  perf.hour = { results: 200 * 4 * 3600, seconds: Math.round((Date.now() - hourStart) / 1000),
    heapAt25MinMB: +(heapWarm / 1048576).toFixed(1), heapAt60MinMB: +(heapHour / 1048576).toFixed(1), pointsMax };
  step('an hour of 200 series in compressed time: ' + JSON.stringify(perf.hour));
  if (heapHour > heapWarm * 1.25 + 4 * 1048576 || pointsMax > (await page.evaluate(() => window.pulse.MAX_POINTS))) {
    throw new Error('the page grows over an hour: ' + JSON.stringify(perf.hour));
  }
  if (jsErrors.length || consoleErrors.length) {
    throw new Error('errors in the page: ' + JSON.stringify({ jsErrors, consoleErrors, missing }));
  }
  console.log('RESULT ' + JSON.stringify(perf));
} catch (e) {
  console.log('FAIL ' + (e && e.message ? e.message : e).toString().split('\n').join(' | '));
  process.exitCode = 1;
} finally {
  await browser.close();
  input.close();
}
