package io.pulse.persist;

/**
 * Keeps a failing store from being hammered: after {@code threshold} failures in a row it opens, and lets one
 * trial through after a pause that starts at {@code minPauseMs} and doubles up to {@code maxPauseMs}; a success
 * closes it. Used from one event loop only.
 */
final class CircuitBreaker {

  enum State { CLOSED, OPEN, HALF_OPEN }

  private final int threshold;
  private final long minPauseMs;
  private final long maxPauseMs;
  private State state = State.CLOSED;
  private int failures;
  private long pauseMs;
  private long openUntil;

  CircuitBreaker(int threshold, long minPauseMs, long maxPauseMs) {
    this.threshold = threshold;
    this.minPauseMs = minPauseMs;
    this.maxPauseMs = Math.max(minPauseMs, maxPauseMs);
    this.pauseMs = minPauseMs;
  }

  /** Whether a call may go to the store now; moves an open breaker whose pause is over to half-open. */
  boolean allowRequest(long nowMs) {
    if (state == State.OPEN && nowMs >= openUntil) {
      state = State.HALF_OPEN;
    }
    return state != State.OPEN;
  }

  void onSuccess() {
    state = State.CLOSED;
    failures = 0;
    pauseMs = minPauseMs;
  }

  void onFailure(long nowMs) {
    failures++;
    if (state == State.HALF_OPEN || failures >= threshold) {
      state = State.OPEN;
      openUntil = nowMs + pauseMs;
      pauseMs = Math.min(pauseMs * 2, maxPauseMs);
    }
  }

  State state() {
    return state;
  }
}
