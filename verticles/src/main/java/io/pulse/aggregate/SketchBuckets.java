package io.pulse.aggregate;

import java.util.Arrays;

/**
 * Counts per bucket index of a {@link QuantileSketch}, from {@code base} on; only [lowest, highest] are non-zero.
 * The array grows to cover new indexes.
 */
class SketchBuckets {

  /** buckets per power of two */
  static final int PER_OCTAVE = 1 << QuantileSketch.SUB_BITS;

  private int[] counts;
  private int base;
  private int lowest = Integer.MAX_VALUE;
  private int highest = Integer.MIN_VALUE;
  long total;

  void add(int index, int count) {
    int i = index - base;
    if (counts == null || i < 0 || i >= counts.length) {
      grow(index);
      i = index - base;
    }
    counts[i] += count;
    total += count;
    if (index < lowest) {
      lowest = index;
    }
    if (index > highest) {
      highest = index;
    }
  }

  void addAll(SketchBuckets other) {
    if (other.total == 0) {
      return;
    }
    grow(other.lowest);
    grow(other.highest);
    for (int index = other.lowest; index <= other.highest; index++) {
      int c = other.counts[index - other.base];
      if (c != 0) {
        counts[index - base] += c;
      }
    }
    total += other.total;
    lowest = Math.min(lowest, other.lowest);
    highest = Math.max(highest, other.highest);
  }

  void clear() {
    if (total > 0) {
      Arrays.fill(counts, lowest - base, highest - base + 1, 0);
    }
    total = 0;
    lowest = Integer.MAX_VALUE;
    highest = Integer.MIN_VALUE;
  }

  /** Writes the counts (only the non-empty range) for a hand-over. */
  void writeBuckets(io.vertx.core.buffer.Buffer out) {
    out.appendLong(total);
    if (total > 0) {
      out.appendInt(lowest).appendInt(highest);
      for (int index = lowest; index <= highest; index++) {
        out.appendInt(counts[index - base]);
      }
    }
  }

  /** Replaces the counts with what {@link #writeBuckets} wrote. */
  void readBuckets(StateReader in) {
    clear();
    if (in.readLong() > 0) {
      int low = in.readInt();
      int high = in.readInt();
      for (int index = low; index <= high; index++) {
        int c = in.readInt();
        if (c != 0) {
          add(index, c);
        }
      }
    }
  }

  /** The middle of the bucket holding the value of rank {@code rank} (1-based, ascending). */
  double valueAtRank(long rank) {
    long seen = 0;
    for (int index = lowest; index <= highest; index++) {
      seen += counts[index - base];
      if (seen >= rank) {
        return QuantileSketch.middle(index);
      }
    }
    return QuantileSketch.middle(highest);
  }

  /** Makes room for {@code index}, with slack on the side it grows so that a widening range grows rarely. */
  private void grow(int index) {
    if (counts == null) {
      counts = new int[2 * PER_OCTAVE]; // two powers of two
      base = index - PER_OCTAVE;
      return;
    }
    int i = index - base;
    if (i >= 0 && i < counts.length) {
      return;
    }
    int newBase = i < 0 ? index - counts.length / 2 : base;
    int newLength = i < 0 ? counts.length - i + counts.length / 2 : Math.max(counts.length * 2, i + 1 + counts.length / 2);
    int[] grown = new int[newLength];
    System.arraycopy(counts, 0, grown, base - newBase, counts.length);
    counts = grown;
    base = newBase;
  }
}
