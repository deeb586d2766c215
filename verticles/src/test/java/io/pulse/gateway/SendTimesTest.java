package io.pulse.gateway;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-series update budget: at most N provisional results in any second, with explicit times. */
class SendTimesTest {

  @Test
  @DisplayName("4 per second: a fifth update in the same second waits until the first is a second old")
  void slidingSecond() {
    SendTimes times = new SendTimes(4);
    for (long at : new long[]{0, 250, 499, 748}) {
      assertThat(times.allows(at)).isTrue();
      times.record(at);
    }
    assertThat(times.allows(999)).as("a fifth within the second").isFalse();
    assertThat(times.nextAllowed()).isEqualTo(1000);
    assertThat(times.allows(1000)).isTrue();
    times.record(1000);
    assertThat(times.allows(1249)).as("the second update of the window is still within a second").isFalse();
    assertThat(times.allows(1250)).isTrue();
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
    assertThat(times.allows(99)).isFalse();
    assertThat(times.allows(100)).as("8 per 100 ms is 80 per second").isTrue();
  }
}
