package io.pulse.aggregate;

/**
 * Simple and exponential moving averages over the means of the last N closed windows of one series at one
 * resolution (windows without samples do not exist and are not counted). EMA uses alpha = 2 / (N + 1) and starts
 * at the first window's mean.
 */
final class MovingAverages {

  private final double[] ring;
  private final double alpha;
  private int size;
  private int next;
  private double sum;
  private double ema = Double.NaN;

  MovingAverages(int n) {
    this.ring = new double[n];
    this.alpha = 2.0 / (n + 1);
  }

  /** The SMA if {@code mean} were the next closed window, without recording it. */
  double peekSma(double mean) {
    if (size < ring.length) {
      return (sum + mean) / (size + 1);
    }
    return (sum - ring[next] + mean) / ring.length;
  }

  double peekEma(double mean) {
    return Double.isNaN(ema) ? mean : ema + alpha * (mean - ema);
  }

  /** Records a closed window's mean. */
  void push(double mean) {
    ema = peekEma(mean);
    if (size == ring.length) {
      sum -= ring[next];
    } else {
      size++;
    }
    ring[next] = mean;
    sum += mean;
    next = (next + 1) % ring.length;
  }

  double ema() {
    return ema;
  }
}
