package io.pulse.aggregate;

import io.pulse.model.WindowResult;

/**
 * The running aggregates of one series in one window. First and last follow event time, not arrival (among
 * equal times the first to arrive is first, the last to arrive is last). Reused after its window is done.
 *
 * <p>Every aggregate merges: a window's aggregates can be those of its samples or those of finer windows that
 * partition it, merged ({@link #merge}). Sums then add in another order, which can change the last bits of
 * {@code sum} (never the count, min, max, first, last or the percentile sketch, which merges losslessly).
 */
final class WindowAccumulator {

  private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  long start;
  long end;
  private long count;
  private double sum;
  private double min;
  private double max;
  private long firstTs;
  private double first;
  private long lastTs;
  private double last;
  private double volume;
  private double valueTimesVolume;
  private final QuantileSketch sketch;
  /** changed since its last published result */
  boolean dirty;
  /** final results published so far (the first one, then corrections) */
  int finals;
  /** moving averages as of its first final result, repeated in corrections */
  double sma = Double.NaN;
  double ema = Double.NaN;

  WindowAccumulator(boolean percentiles) {
    this.sketch = percentiles ? new QuantileSketch() : null;
  }

  WindowAccumulator open(long start, long resolution) {
    this.start = start;
    this.end = start + resolution;
    count = 0;
    sum = 0;
    min = Double.POSITIVE_INFINITY;
    max = Double.NEGATIVE_INFINITY;
    firstTs = Long.MAX_VALUE;
    lastTs = Long.MIN_VALUE;
    volume = 0;
    valueTimesVolume = 0;
    dirty = false;
    finals = 0;
    sma = Double.NaN;
    ema = Double.NaN;
    if (sketch != null) {
      sketch.reset();
    }
    return this;
  }

  /** Applies a sample. */
  void add(long ts, double v, double vol) {
    count++;
    sum += v;
    if (v < min) {
      min = v;
    }
    if (v > max) {
      max = v;
    }
    if (ts < firstTs) {
      firstTs = ts;
      first = v;
    }
    if (ts >= lastTs) {
      lastTs = ts;
      last = v;
    }
    if (vol == vol) { // not NaN: the sample carries a volume
      volume += vol;
      valueTimesVolume += v * vol;
    }
    if (sketch != null) {
      sketch.record(v);
    }
    dirty = true;
  }

  long count() {
    return count;
  }

  double mean() {
    return sum / count;
  }

  /**
   * Adds the aggregates of another window whose samples all arrived before any of this window's samples of the
   * same event times (a finer window inside this one), and marks this window changed.
   */
  void merge(WindowAccumulator other) {
    if (other.count == 0) {
      return;
    }
    count += other.count;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    if (other.firstTs < firstTs) {
      firstTs = other.firstTs;
      first = other.first;
    }
    if (other.lastTs >= lastTs) {
      lastTs = other.lastTs;
      last = other.last;
    }
    volume += other.volume;
    valueTimesVolume += other.valueTimesVolume;
    if (sketch != null) {
      sketch.merge(other.sketch);
    }
    dirty = true;
  }

  /** Writes the whole window, for a hand-over to another node. */
  void writeTo(io.vertx.core.buffer.Buffer out) {
    out.appendLong(start).appendLong(end).appendLong(count).appendDouble(sum).appendDouble(min).appendDouble(max)
      .appendLong(firstTs).appendDouble(first).appendLong(lastTs).appendDouble(last).appendDouble(volume)
      .appendDouble(valueTimesVolume).appendInt(finals).appendDouble(sma).appendDouble(ema);
    StateReader.writeBoolean(out, dirty);
    if (sketch != null) { // both ends have percentiles on or off alike: the hand-over checks the settings first
      sketch.writeTo(out);
    }
  }

  /** Becomes the window {@link #writeTo} wrote. */
  WindowAccumulator readFrom(StateReader in) {
    start = in.readLong();
    end = in.readLong();
    count = in.readLong();
    sum = in.readDouble();
    min = in.readDouble();
    max = in.readDouble();
    firstTs = in.readLong();
    first = in.readDouble();
    lastTs = in.readLong();
    last = in.readDouble();
    volume = in.readDouble();
    valueTimesVolume = in.readDouble();
    finals = in.readInt();
    sma = in.readDouble();
    ema = in.readDouble();
    dirty = in.readBoolean();
    if (sketch != null) {
      sketch.readFrom(in);
    }
    return this;
  }

  /** The result, with percentiles from the sketch when there is one. */
  WindowResult result(String series, long resolution, boolean isFinal, double sma, double ema, long late,
                      int revision) {
    QuantileSketch percentiles = sketch;
    double vwap = volume > 0 ? valueTimesVolume / volume : Double.NaN;
    double p50 = Double.NaN;
    double p90 = Double.NaN;
    double p99 = Double.NaN;
    double p999 = Double.NaN;
    if (percentiles != null) {
      double[] q = percentiles.quantiles(QUANTILES, min, max);
      p50 = q[0];
      p90 = q[1];
      p99 = q[2];
      p999 = q[3];
    }
    return new WindowResult(series, resolution, start, count, sum, min, max, first, last, volume, vwap, isFinal,
      p50, p90, p99, p999, sma, ema, late, revision);
  }
}
