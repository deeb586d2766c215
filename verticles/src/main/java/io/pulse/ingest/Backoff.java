package io.pulse.ingest;

import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the n-th delay in a row is uniform in {@code [0, min(max, initial *
 * 2^n))}. The randomness spreads the reconnects of many nodes after an exchange outage instead of
 * synchronising them into a storm.
 */
final class Backoff {

  private final long initialMs;
  private final long maxMs;
  private final DoubleSupplier random;
  private int failures;

  Backoff(long initialMs, long maxMs, DoubleSupplier random) {
    this.initialMs = initialMs;
    this.maxMs = Math.max(initialMs, maxMs);
    this.random = random;
  }

  /** The ceiling of the n-th delay (n from 0). */
  long ceiling(int n) {
    return n >= 30 ? maxMs : Math.min(maxMs, initialMs << n);
  }

  /** The delay before the next attempt; every call counts one more failure in a row. */
  long nextDelay() {
    long ceiling = ceiling(failures++);
    return (long) (random.getAsDouble() * ceiling);
  }

  int failures() {
    return failures;
  }

  /** After a healthy connection, delays start small again. */
  void reset() {
    failures = 0;
  }
}
