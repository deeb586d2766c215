package io.pulse.aggregate;

import java.util.Arrays;

/**
 * A mergeable percentile sketch of one window: a log-linear histogram, the bucketing of HdrHistogram applied to
 * the bits of the double itself. A value's bucket is its binary exponent and the top {@value #SUB_BITS} bits of
 * its mantissa, so every power of two is cut into 128 equal buckets, each at most 1/128 of its lower edge wide.
 * Positive values and the magnitudes of negative values are counted apart and zeros on their own, so any finite
 * double is accepted, with no range to configure and nothing out of range.
 *
 * <p>Error bound: a reported percentile is the middle of the bucket that holds the nearest-rank value, so it is
 * within 0.4% (2^-8) of that value, clamped to the window's exact min and max. Merging adds bucket counts: it is
 * exact (a merged sketch equals the sketch of all the values). Memory: one int per bucket between the smallest
 * and the largest non-zero magnitude seen, 512 bytes per power of two of range (a window of values between 30
 * and 250: about 2 KB; between 0.001 and 1000: about 10 KB).
 *
 * <p>Recording costs a shift and an increment, which matters: the engine records every sample.
 */
final class QuantileSketch extends SketchBuckets {

  static final int SUB_BITS = 7;
  private static final int SHIFT = 52 - SUB_BITS;

  /** this sketch's own buckets count the positive values (one indirection less on the hot path) */
  private final SketchBuckets positive = this;
  private SketchBuckets negative;
  private long zeros;

  void record(double value) {
    if (value > 0) {
      add(index(value), 1);
    } else if (value < 0) {
      if (negative == null) {
        negative = new SketchBuckets();
      }
      negative.add(index(value), 1);
    } else {
      zeros++; // 0 and -0 (NaN never reaches a sketch)
    }
  }

  /** Adds everything another sketch recorded (windows merge, nodes merge): exact. */
  void merge(QuantileSketch other) {
    zeros += other.zeros;
    positive.addAll(other.positive);
    if (other.negative != null && other.negative.total > 0) {
      if (negative == null) {
        negative = new SketchBuckets();
      }
      negative.addAll(other.negative);
    }
  }

  /** Writes everything recorded, for a hand-over to another node. */
  void writeTo(io.vertx.core.buffer.Buffer out) {
    out.appendLong(zeros);
    positive.writeBuckets(out);
    boolean hasNegative = negative != null && negative.total > 0;
    StateReader.writeBoolean(out, hasNegative);
    if (hasNegative) {
      negative.writeBuckets(out);
    }
  }

  /** Replaces the content with what {@link #writeTo} wrote. */
  void readFrom(StateReader in) {
    reset();
    zeros = in.readLong();
    positive.readBuckets(in);
    if (in.readBoolean()) {
      if (negative == null) {
        negative = new SketchBuckets();
      }
      negative.readBuckets(in);
    }
  }

  void reset() {
    zeros = 0;
    positive.clear();
    if (negative != null) {
      negative.clear();
    }
  }

  long count() {
    return positive.total + zeros + (negative == null ? 0 : negative.total);
  }

  /**
   * The nearest-rank values at the given quantiles (ascending, in (0, 1]): the value of rank ceil(q * n) in
   * sorted order, each clamped to [min, max]. NaN when nothing was recorded.
   */
  double[] quantiles(double[] qs, double min, double max) {
    double[] out = new double[qs.length];
    long n = count();
    if (n == 0) {
      Arrays.fill(out, Double.NaN);
      return out;
    }
    long negatives = negative == null ? 0 : negative.total;
    for (int i = 0; i < qs.length; i++) {
      long rank = Math.max(1, (long) Math.ceil(qs[i] * n - 1e-9));
      double v;
      if (rank <= negatives) {
        // rank r among the negatives is rank negatives - r + 1 among their magnitudes, largest first
        v = -negative.valueAtRank(negatives - rank + 1);
      } else if (rank <= negatives + zeros) {
        v = 0;
      } else {
        v = positive.valueAtRank(rank - negatives - zeros);
      }
      out[i] = Math.min(max, Math.max(min, v));
    }
    return out;
  }

  /** The bucket of a value's magnitude: exponent and top mantissa bits, monotone in the magnitude. */
  static int index(double value) {
    return (int) ((Double.doubleToRawLongBits(value) & Long.MAX_VALUE) >>> SHIFT);
  }

  /** The middle of a bucket (its lower edge for the last finite bucket). */
  static double middle(int index) {
    double low = Double.longBitsToDouble((long) index << SHIFT);
    double high = Double.longBitsToDouble((long) (index + 1) << SHIFT);
    return Double.isFinite(high) ? low + (high - low) / 2 : low;
  }
}
