package io.pulse.gateway;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-series update budget: at most N provisional results in any second, with explicit times. */
class SendTimesTest {

  @Test
  @DisplayName("4 per second: a fifth update in the same second waits until the first is a second old, less 25 ms")
  void slidingSecond() {
    SendTimes times = new SendTimes(4);
    for (long at : new long[]{0, 250, 499, 748}) {
      assertThat(times.allows(at, at)).isTrue();
      times.record(at, at);
    }
    assertThat(times.allows(974, 974)).as("a fifth within the second, more than the slack early").isFalse();
    assertThat(times.nextAllowed()).isEqualTo(975);
    assertThat(times.allows(975, 975)).as("a tenth of the interval early is on time").isTrue();
    times.record(975, 975);
    assertThat(times.allows(1224, 1224)).as("the second update of the window is still within a second").isFalse();
    assertThat(times.allows(1225, 1225)).isTrue();
  }

  @Test
  @DisplayName("a cadence of exactly 4 per second with 1 ms of jitter early is never held back")
  void jitterAtTheLimit() {
    SendTimes times = new SendTimes(4);
    long at = 0;
    for (int i = 0; i < 40; i++) {
      at += i % 2 == 0 ? 251 : 249;
      assertThat(times.allows(at, at)).as("update " + i + " at " + at).isTrue();
      times.record(at, at);
    }
  }

  @Test
  @DisplayName("budgets above the kept times keep the same average rate over a shorter window")
  void largeBudget() {
    SendTimes times = new SendTimes(80);
    for (int i = 0; i < SendTimes.MAX_KEPT; i++) {
      times.record(i, i);
    }
    assertThat(times.allows(98, 98)).isFalse();
    assertThat(times.allows(99, 99)).as("8 per 100 ms is 80 per second (less 1 ms of slack)").isTrue();
  }

  @Test
  @DisplayName("a cadence of exactly 4 per second with a few ms of jitter is never held, so it cannot ratchet behind")
  void jitterDoesNotRatchet() {
    // as the hub does: an update the budget holds goes when its due timer fires, a millisecond late, and that send
    // time counts in the window; with no slack about two thirds of these updates were held and the stream then
    // fell about 125 ms behind for good
    SendTimes times = new SendTimes(4);
    java.util.Random random = new java.util.Random(7);
    int held = 0;
    for (int i = 0; i < 4000; i++) {
      long arrival = 250L * i + random.nextInt(7) - 3;
      long sentAt = arrival;
      if (!times.allows(arrival, arrival)) {
        held++;
        sentAt = times.nextAllowed() + 1;
      }
      times.record(sentAt, sentAt);
    }
    assertThat(held).as("updates held back of 4000").isZero();
  }

  @Test
  @DisplayName("the results one tick made of a series count once: the aggregator's 1 s cadence (the closing and the "
    + "new window in one tick, the second sent a few ms after the first) is never held, even with jitter")
  void oneTickCountsOnce() {
    SendTimes times = new SendTimes(4);
    java.util.Random random = new java.util.Random(11);
    int held = 0;
    for (int k = 0; k < 4000; k++) {
      long tick = 250L * k + random.nextInt(7) - 3;
      int results = k % 4 == 0 ? 2 : 1;
      for (int r = 0; r < results; r++) {
        // a tick's results can reach the gateway in two bursts, so the second goes in a later pass
        long now = tick + 1 + r * random.nextInt(9);
        if (!times.allows(now, tick)) {
          held++;
        }
        times.record(now, tick);
      }
    }
    assertThat(held).as("results held back of 5000").isZero();
  }

  @Test
  @DisplayName("an update that already went does not open the budget for the next: with the second used up, it waits")
  void sameUpdateOnly() {
    SendTimes times = new SendTimes(4);
    for (long at : new long[]{0, 250, 500, 750}) {
      times.record(at, at);
      times.record(at + 5, at);
    }
    assertThat(times.allows(760, 750)).as("another result of the update made at 750").isTrue();
    assertThat(times.allows(760, 760)).as("a new update within the second").isFalse();
    assertThat(times.nextAllowed()).isEqualTo(975);
  }
}
