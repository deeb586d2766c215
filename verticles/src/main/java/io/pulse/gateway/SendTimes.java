package io.pulse.gateway;

/**
 * When the last few provisional results of one series went to one client: the coalescing budget "at most N per
 * second per series". A sliding window, not a minimum interval: the aggregator publishes provisional results
 * every 250 ms, and with a 250 ms minimum interval a result arriving 1 ms early would wait a whole tick; here it
 * goes out unless N already went out in the last second. Above {@link #MAX_KEPT} per second the window shrinks
 * in proportion ({@link #MAX_KEPT} per {@code MAX_KEPT/N} s), so memory stays a few longs per stream and client.
 *
 * <p>An update may come up to a tenth of the budget's interval early ({@link #slackMs}, 25 ms at 4 per second):
 * a steady cadence at exactly the budget arrives with timer jitter, and without the slack every update arriving a
 * millisecond early was held until the window allowed it, by a timer that fires a millisecond or two late; that
 * late send then counted in the window, so the next updates were held too and the whole stream ratcheted to about
 * half an interval (125 ms at 4 per second) behind its source. The average stays within N per second, plus the
 * slack at most (4 per 975 ms).
 *
 * <p>The budget counts updates of the series, not results: the results one aggregator tick made of a series (its
 * {@code tick} on the bus; without one, those sent at the same instant) count once, whichever windows and
 * resolutions they are of and however many writes carry them. Each second the aggregator publishes five provisional
 * results of a 1 s series, the closing window's last and the new window's first in the same tick; counted one by
 * one that was five for a budget of four, so one was held every second and every update after it waited for the
 * window too: a single client saw its provisional results 75-230 ms late, steadily.
 */
final class SendTimes {

  static final int MAX_KEPT = 8;

  private final long[] at;
  private final long windowMs;
  private final long slackMs;
  private int next;
  private int count;
  /** The update the last recorded result belonged to. */
  private long lastUpdate = Long.MIN_VALUE;

  /** A budget of {@code perSecond} updates a second ({@code perSecond} > 0). */
  SendTimes(long perSecond) {
    int kept = (int) Math.min(perSecond, MAX_KEPT);
    this.at = new long[kept];
    this.windowMs = Math.max(1, 1000L * kept / perSecond);
    this.slackMs = windowMs / kept / 10;
  }

  /**
   * Whether a result of update {@code update} (a tick, see above) may go at {@code now}: always when that update
   * already went.
   */
  boolean allows(long now, long update) {
    return update == lastUpdate || count < at.length || now - at[next] >= windowMs - slackMs;
  }

  /** The earliest time one more update may go. */
  long nextAllowed() {
    return count < at.length ? Long.MIN_VALUE : at[next] + windowMs - slackMs;
  }

  /** Records a result of update {@code update} sent at {@code now}; the first of each update counts. */
  void record(long now, long update) {
    if (update == lastUpdate) {
      return;
    }
    lastUpdate = update;
    at[next] = now;
    next = (next + 1) % at.length;
    if (count < at.length) {
      count++;
    }
  }
}
