package io.pulse.aggregate;

import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.DoubleHistogramIterationValue;
import org.HdrHistogram.IntCountsHistogram;

/**
 * A mergeable percentile sketch of one window: two auto-ranging HdrHistogram {@link DoubleHistogram}s with 2
 * significant digits, one for values >= 0 and one for the magnitudes of negative values (HdrHistogram takes no
 * negatives). Any finite double is accepted.
 *
 * <p>Error bound: a reported percentile is the middle of the histogram bucket that holds the nearest-rank
 * value, so it is within 0.4% (at most 1%) of that value, clamped to the window's exact min and max. Memory
 * grows with the log of the ratio between the largest and the smallest non-zero value seen (auto-ranging),
 * typically 1-4 KB. A range wider than HdrHistogram can hold (about 1e12:1 with 2 digits here) is counted in
 * {@link #overflows()} and left out of the percentiles, never thrown.
 */
final class QuantileSketch {

  private static final int DIGITS = 2;

  private final DoubleHistogram positive = newHistogram();
  private DoubleHistogram negative;
  private long overflows;

  void record(double value) {
    try {
      if (value >= 0) {
        positive.recordValue(value);
      } else {
        if (negative == null) {
          negative = newHistogram();
        }
        negative.recordValue(-value);
      }
    } catch (ArrayIndexOutOfBoundsException outOfRange) {
      overflows++;
    }
  }

  /** Adds everything another sketch recorded (windows merge, nodes merge). */
  void merge(QuantileSketch other) {
    overflows += other.overflows;
    if (other.positive.getTotalCount() > 0) {
      addInto(positive, other.positive);
    }
    if (other.negative != null && other.negative.getTotalCount() > 0) {
      if (negative == null) {
        negative = newHistogram();
      }
      addInto(negative, other.negative);
    }
  }

  /** Bucket by bucket, so that a bucket out of range is counted as overflow and the rest still merge. */
  private void addInto(DoubleHistogram into, DoubleHistogram from) {
    for (DoubleHistogramIterationValue v : from.recordedValues()) {
      long count = v.getCountAtValueIteratedTo();
      try {
        into.recordValueWithCount(from.lowestEquivalentValue(v.getValueIteratedTo()), count);
      } catch (ArrayIndexOutOfBoundsException outOfRange) {
        overflows += count;
      }
    }
  }

  void reset() {
    positive.reset();
    if (negative != null) {
      negative.reset();
    }
    overflows = 0;
  }

  long count() {
    return positive.getTotalCount() + (negative == null ? 0 : negative.getTotalCount());
  }

  long overflows() {
    return overflows;
  }

  /**
   * The nearest-rank values at the given quantiles (ascending, in (0, 1]): the value of rank ceil(q * n) in
   * sorted order, each clamped to [min, max]. NaN when nothing was recorded.
   */
  double[] quantiles(double[] qs, double min, double max) {
    double[] out = new double[qs.length];
    long n = count();
    if (n == 0) {
      java.util.Arrays.fill(out, Double.NaN);
      return out;
    }
    long negatives = negative == null ? 0 : negative.getTotalCount();
    long[] ranks = new long[qs.length];
    for (int i = 0; i < qs.length; i++) {
      ranks[i] = Math.max(1, (long) Math.ceil(qs[i] * n - 1e-9));
    }
    // negative ranks map to magnitude ranks counted from the largest magnitude
    int split = 0;
    while (split < ranks.length && ranks[split] <= negatives) {
      split++;
    }
    if (split > 0) {
      long[] magnitudeRanks = new long[split];
      for (int i = 0; i < split; i++) {
        magnitudeRanks[split - 1 - i] = negatives - ranks[i] + 1;
      }
      double[] magnitudes = valuesAtRanks(negative, magnitudeRanks);
      for (int i = 0; i < split; i++) {
        out[i] = -magnitudes[split - 1 - i];
      }
    }
    if (split < ranks.length) {
      long[] positiveRanks = new long[ranks.length - split];
      for (int i = split; i < ranks.length; i++) {
        positiveRanks[i - split] = ranks[i] - negatives;
      }
      double[] values = valuesAtRanks(positive, positiveRanks);
      System.arraycopy(values, 0, out, split, values.length);
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.min(max, Math.max(min, out[i]));
    }
    return out;
  }

  /** One pass over the recorded buckets, ranks ascending. */
  private static double[] valuesAtRanks(DoubleHistogram h, long[] ranks) {
    double[] out = new double[ranks.length];
    int next = 0;
    double lastValue = Double.NaN;
    for (DoubleHistogramIterationValue v : h.recordedValues()) {
      lastValue = h.medianEquivalentValue(v.getValueIteratedTo());
      while (next < ranks.length && v.getTotalCountToThisValue() >= ranks[next]) {
        out[next++] = lastValue;
      }
      if (next == ranks.length) {
        break;
      }
    }
    while (next < ranks.length) {
      out[next++] = lastValue;
    }
    return out;
  }

  private static DoubleHistogram newHistogram() {
    // int counts halve the memory of long counts; a window would need 2^31 samples in one bucket to overflow
    return new DoubleHistogram(DIGITS, IntCountsHistogram.class);
  }
}
