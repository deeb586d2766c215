package io.pulse.aggregate;

import io.pulse.model.Sample;
import io.pulse.model.WindowResult;

/** The running aggregates of one series in one window. First and last follow event time, not arrival. */
final class WindowAccumulator {

  final String series;
  final long start;
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private long firstTs = Long.MAX_VALUE;
  private double first;
  private long lastTs = Long.MIN_VALUE;
  private double last;
  private double volume;
  private double valueTimesVolume;

  WindowAccumulator(String series, long start) {
    this.series = series;
    this.start = start;
  }

  void add(Sample s) {
    double v = s.value();
    count++;
    sum += v;
    if (v < min) {
      min = v;
    }
    if (v > max) {
      max = v;
    }
    long ts = s.timestamp();
    if (ts < firstTs) {
      firstTs = ts;
      first = v;
    }
    if (ts >= lastTs) {
      lastTs = ts;
      last = v;
    }
    if (s.hasVolume()) {
      volume += s.volume();
      valueTimesVolume += v * s.volume();
    }
  }

  WindowResult result(long resolution, boolean isFinal) {
    double vwap = volume > 0 ? valueTimesVolume / volume : Double.NaN;
    return new WindowResult(series, resolution, start, count, sum, min, max, first, last, volume, vwap, isFinal);
  }
}
