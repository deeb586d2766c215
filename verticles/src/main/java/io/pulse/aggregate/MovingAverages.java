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

  /** Whether a closed window was recorded yet. */
  boolean isEmpty() {
    return size == 0;
  }

  /** Writes the state, for a hand-over to another node (N is the same there: the hand-over checks the settings). */
  void writeTo(io.vertx.core.buffer.Buffer out) {
    out.appendInt(size).appendInt(next).appendDouble(sum).appendDouble(ema);
    for (double v : ring) {
      out.appendDouble(v);
    }
  }

  /** Becomes the state {@link #writeTo} wrote. */
  void readFrom(StateReader in) {
    size = in.readInt();
    next = in.readInt();
    sum = in.readDouble();
    ema = in.readDouble();
    for (int i = 0; i < ring.length; i++) {
      ring[i] = in.readDouble();
    }
  }

  double ema() {
    return ema;
  }
}
