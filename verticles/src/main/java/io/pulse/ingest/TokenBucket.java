package io.pulse.ingest;

/**
 * A per-connection rate limit: {@code ratePerSecond} tokens a second, at most one second's worth saved up.
 * One small object per connection and no timer, so tens of thousands of connections cost little.
 */
final class TokenBucket {

  private final double ratePerNano;
  private final double capacity;
  private double tokens;
  private long updatedAt;

  TokenBucket(long ratePerSecond, long nowNanos) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = ratePerSecond;
    this.tokens = capacity;
    this.updatedAt = nowNanos;
  }

  /** Takes {@code n} tokens when there are that many; otherwise takes none. */
  boolean tryTake(int n, long nowNanos) {
    refill(nowNanos);
    if (tokens >= n) {
      tokens -= n;
      return true;
    }
    return false;
  }

  /** Milliseconds until {@code n} tokens are there (at least 1 s when n exceeds a whole second's worth). */
  long millisUntil(int n, long nowNanos) {
    refill(nowNanos);
    double missing = Math.min(n, capacity) - tokens;
    return missing <= 0 ? 0 : (long) Math.ceil(missing / ratePerNano / 1e6);
  }

  private void refill(long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - updatedAt) * ratePerNano);
    updatedAt = nowNanos;
  }
}
