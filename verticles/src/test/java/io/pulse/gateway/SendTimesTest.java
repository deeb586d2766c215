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
      assertThat(times.allows(at)).isTrue();
      times.record(at);
    }
    assertThat(times.allows(974)).as("a fifth within the second, more than the slack early").isFalse();
    assertThat(times.nextAllowed()).isEqualTo(975);
    assertThat(times.allows(975)).as("a tenth of the interval early is on time").isTrue();
    times.record(975);
    assertThat(times.allows(1224)).as("the second update of the window is still within a second").isFalse();
    assertThat(times.allows(1225)).isTrue();
  }

  @Test
  @DisplayName("a cadence of exactly 4 per second with 1 ms of jitter early is never held back")
  void jitterAtTheLimit() {
    SendTimes times = new SendTimes(4);
    long at = 0;
    for (int i = 0; i < 40; i++) {
      at += i % 2 == 0 ? 251 : 249;
      assertThat(times.allows(at)).as("update " + i + " at " + at).isTrue();
      times.record(at);
    }
  }

  @Test
  @DisplayName("budgets above the kept times keep the same average rate over a shorter window")
  void largeBudget() {
    SendTimes times = new SendTimes(80);
    for (int i = 0; i < SendTimes.MAX_KEPT; i++) {
      times.record(0);
    }
    assertThat(times.allows(98)).isFalse();
    assertThat(times.allows(99)).as("8 per 100 ms is 80 per second (less 1 ms of slack)").isTrue();
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
      if (!times.allows(arrival)) {
        held++;
        sentAt = times.nextAllowed() + 1;
      }
      times.record(sentAt);
    }
    assertThat(held).as("updates held back of 4000").isZero();
  }
}
