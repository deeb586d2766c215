// Window results per series, bounded: each series keeps at most MAX_POINTS points; beyond that adjacent windows
// are merged (decimation), so memory stays flat however long the page runs.
export const MAX_POINTS = 1200;
const SPARK_POINTS = 60;

export function kindOf(name) {
  if (name.startsWith('trade.')) return 'trade';
  if (name.startsWith('svc.') && name.endsWith('.latency')) return 'latency';
  if (name.startsWith('svc.') && name.endsWith('.error')) return 'errors';
  return 'plain';
}

/** The number a series shows as its "value": the close for trades, p99 (or mean) for latencies, else the mean. */
export function valueOf(kind, r) {
  if (kind === 'trade') return r.last;
  if (kind === 'latency') return r.p99 ?? r.mean;
  return r.mean;
}

function merge(a, b) {
  const count = (a.count || 0) + (b.count || 0);
  const sum = (a.sum || 0) + (b.sum || 0);
  const m = { ...b, start: a.start, end: b.end, count, sum, first: a.first, last: b.last,
    min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), mean: count ? sum / count : b.mean };
  if (a.volume !== undefined || b.volume !== undefined) {
    m.volume = (a.volume || 0) + (b.volume || 0);
  }
  for (const p of ['p50', 'p90', 'p99', 'p999']) {
    if (a[p] !== undefined && b[p] !== undefined) m[p] = Math.max(a[p], b[p]);
  }
  m.resolution = (b.end - a.start);
  return m;
}

/** Halves a list of results by merging neighbours until it fits in max. */
export function decimate(points, max = MAX_POINTS) {
  while (points.length > max) {
    const out = [];
    for (let i = 0; i + 1 < points.length; i += 2) out.push(merge(points[i], points[i + 1]));
    if (points.length % 2) out.push(points[points.length - 1]);
    points = out;
  }
  return points;
}

export class Series {
  constructor(name) {
    this.name = name;
    this.kind = kindOf(name);
    this.points = [];
    this.latest = null;
    this.previousFinal = null;
    this.lastFinal = null;
    this.spark = [];
    this.version = 0;
  }

  /** Adds or replaces (same window start: a provisional result updated or made final) one result. */
  upsert(r) {
    const pts = this.points;
    const last = pts[pts.length - 1];
    if (!last || r.start > last.start) {
      pts.push(r);
    } else if (r.start === last.start) {
      pts[pts.length - 1] = r;
    } else {
      // an older window (history filling a gap): insert in order, replacing a window with the same start
      let lo = 0, hi = pts.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (pts[mid].start < r.start) lo = mid + 1; else hi = mid; }
      if (pts[lo] && pts[lo].start === r.start) pts[lo] = r; else pts.splice(lo, 0, r);
    }
    if (pts.length > MAX_POINTS) this.points = decimate(pts, MAX_POINTS / 2 + MAX_POINTS / 4);
    if (!this.latest || r.start >= this.latest.start) this.latest = r;
    // a window's final result comes after the next window's first provisional one (it waits for the allowed
    // lateness), so finals are tracked on their own, not only when they are the latest result
    if (r.final !== false && (!this.lastFinal || r.start > this.lastFinal.start)) {
      this.previousFinal = this.lastFinal;
      this.lastFinal = r;
      this.spark.push(valueOf(this.kind, r));
      if (this.spark.length > SPARK_POINTS) this.spark.shift();
    }
    this.version++;
  }

  replace(results) {
    this.points = [];
    for (const r of decimate(results.slice().sort((a, b) => a.start - b.start))) this.upsert(r);
  }

  /** Fraction of change of the latest final value against the previous one, or null. */
  change() {
    if (!this.lastFinal || !this.previousFinal) return null;
    const a = valueOf(this.kind, this.previousFinal), b = valueOf(this.kind, this.lastFinal);
    if (a === 0) return b === 0 ? 0 : null; // from zero: no meaningful fraction (shown as a dash)
    return (b - a) / Math.abs(a);
  }
}
