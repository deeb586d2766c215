// uPlot charts per kind of series: trade candles (OHLC) with close, moving averages and volume; latency
// percentiles; plain value lines. Data arrays are rebuilt from the bounded store on update.
import uPlot from '../vendor/uPlot.esm.js';

const SMA_N = 20;

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function sma(values, n) {
  const out = new Array(values.length).fill(null);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= n) sum -= values[i - n];
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

function ema(values, n) {
  const out = new Array(values.length).fill(null);
  const k = 2 / (n + 1);
  let e = null;
  for (let i = 0; i < values.length; i++) {
    e = e === null ? values[i] : values[i] * k + e * (1 - k);
    out[i] = i >= n - 1 ? e : null;
  }
  return out;
}

function candlesPlugin(getOhlc) {
  return {
    hooks: {
      draw: [u => {
        const { open, high, low, close } = getOhlc();
        const xs = u.data[0];
        if (xs.length === 0) return;
        const ctx = u.ctx;
        const span = xs.length > 1 ? (u.valToPos(xs[xs.length - 1], 'x', true) - u.valToPos(xs[0], 'x', true)) / xs.length : 10;
        const w = Math.max(1, Math.min(12, span * 0.6));
        const up = css('--up'), down = css('--down');
        ctx.save();
        for (let i = 0; i < xs.length; i++) {
          if (xs[i] < u.scales.x.min || xs[i] > u.scales.x.max) continue;
          const x = u.valToPos(xs[i], 'x', true);
          const yo = u.valToPos(open[i], 'y', true), yc = u.valToPos(close[i], 'y', true);
          const yh = u.valToPos(high[i], 'y', true), yl = u.valToPos(low[i], 'y', true);
          ctx.strokeStyle = ctx.fillStyle = close[i] >= open[i] ? up : down;
          ctx.beginPath(); ctx.moveTo(x, yh); ctx.lineTo(x, yl); ctx.stroke();
          ctx.fillRect(x - w / 2, Math.min(yo, yc), w, Math.max(1, Math.abs(yc - yo)));
        }
        ctx.restore();
      }],
    },
  };
}

/** A chart of one series in a container; update() redraws from the series' points. */
export class Chart {
  constructor(container, series) {
    this.series = series;
    this.container = container;
    this.drawnVersion = -1;
    this.ohlc = { open: [], high: [], low: [], close: [] };
    const accent = css('--accent'), warn = css('--warn'), bad = css('--bad'), muted = css('--muted'), fg = css('--fg');
    const grid = { stroke: css('--line'), width: 1 };
    const axes = [{ stroke: fg, grid }, { stroke: fg, grid, size: 60 }];
    let lines;
    const scales = { x: { time: true } };
    const plugins = [];
    if (series.kind === 'trade') {
      lines = [
        { label: 'close', stroke: fg, width: 1 },
        { label: 'SMA ' + SMA_N, stroke: accent, width: 1.5 },
        { label: 'EMA ' + SMA_N, stroke: warn, width: 1.5 },
        { label: 'volume', scale: 'vol', stroke: muted, fill: muted + '55', paths: uPlot.paths.bars({ size: [0.6, 12] }) },
      ];
      scales.vol = { range: (u, min, max) => [0, (max || 1) * 4] };
      scales.y = { range: (u, min, max) => {
        const lo = Math.min(...this.ohlc.low.filter(Number.isFinite), min ?? Infinity);
        const hi = Math.max(...this.ohlc.high.filter(Number.isFinite), max ?? -Infinity);
        const pad = (hi - lo) * 0.05 || 1;
        return [lo - pad, hi + pad];
      } };
      plugins.push(candlesPlugin(() => this.ohlc));
    } else if (series.kind === 'latency') {
      lines = [
        { label: 'p50', stroke: accent, width: 1.5 },
        { label: 'p90', stroke: warn, width: 1.5 },
        { label: 'p99', stroke: bad, width: 1.5 },
        { label: 'req/s', scale: 'rate', stroke: muted, width: 1, dash: [4, 4] },
      ];
      axes.push({ scale: 'rate', side: 1, stroke: muted, grid: { show: false }, size: 50 });
    } else if (series.kind === 'errors') {
      lines = [
        { label: 'error rate', stroke: bad, width: 1.5, value: (u, v) => v == null ? '--' : (v * 100).toFixed(2) + '%' },
        { label: 'req/s', scale: 'rate', stroke: muted, width: 1, dash: [4, 4] },
      ];
      axes[1] = { ...axes[1], values: (u, vals) => vals.map(v => (v * 100).toFixed(1) + '%') };
      axes.push({ scale: 'rate', side: 1, stroke: muted, grid: { show: false }, size: 50 });
    } else {
      lines = [{ label: 'mean', stroke: accent, width: 1.5 }, { label: 'max', stroke: muted, width: 1, dash: [4, 4] }];
    }
    const width = Math.max(200, container.clientWidth - 16);
    this.plot = new uPlot({ width, height: 200, series: [{}, ...lines], axes, scales, plugins,
      legend: { live: true }, cursor: { drag: { x: true, y: false } } }, this.data(), container);
    this.resize = new ResizeObserver(() => {
      const w = Math.max(200, container.clientWidth - 16);
      if (Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: 200 });
    });
    this.resize.observe(container);
  }

  data() {
    const pts = this.series.points;
    const xs = pts.map(p => p.start / 1000);
    const s = this.series;
    if (s.kind === 'trade') {
      const close = pts.map(p => p.last);
      this.ohlc = { open: pts.map(p => p.first), high: pts.map(p => p.max), low: pts.map(p => p.min), close };
      const smaLine = pts.every(p => p.sma !== undefined) ? pts.map(p => p.sma) : sma(close, SMA_N);
      const emaLine = pts.every(p => p.ema !== undefined) ? pts.map(p => p.ema) : ema(close, SMA_N);
      return [xs, close, smaLine, emaLine, pts.map(p => p.volume ?? 0)];
    }
    // requests per second from the count and the window's span: right for merged (decimated) windows too
    const perSecond = p => (p.end > p.start ? p.count / ((p.end - p.start) / 1000) : null);
    if (s.kind === 'latency') {
      return [xs, pts.map(p => p.p50 ?? p.mean), pts.map(p => p.p90 ?? null), pts.map(p => p.p99 ?? p.max),
        pts.map(perSecond)];
    }
    if (s.kind === 'errors') {
      return [xs, pts.map(p => p.mean), pts.map(perSecond)];
    }
    return [xs, pts.map(p => p.mean), pts.map(p => p.max)];
  }

  update() {
    if (this.drawnVersion === this.series.version) return false;
    this.drawnVersion = this.series.version;
    this.plot.setData(this.data());
    this.container.dataset.points = String(this.series.points.length);
    return true;
  }

  destroy() {
    this.resize.disconnect();
    this.plot.destroy();
  }
}
