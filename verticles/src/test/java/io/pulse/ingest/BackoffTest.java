package io.pulse.ingest;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

  @Test
  @DisplayName("delay ceilings double from the initial delay up to the cap, and each delay is a random point below its ceiling")
  void exponentialWithFullJitter() {
    SplittableRandom random = new SplittableRandom(7);
    Backoff backoff = new Backoff(100, 3000, random::nextDouble);
    assertThat(List.of(backoff.ceiling(0), backoff.ceiling(1), backoff.ceiling(2), backoff.ceiling(5), backoff.ceiling(40)))
      .containsExactly(100L, 200L, 400L, 3000L, 3000L);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      long d = backoff.nextDelay();
      assertThat(d).isBetween(0L, backoff.ceiling(i) - 1);
      delays.add(d);
    }
    assertThat(new HashSet<>(delays)).as("jittered, not one fixed schedule").hasSizeGreaterThan(8);
    assertThat(delays.subList(6, 12).stream().mapToLong(Long::longValue).average().orElse(0))
      .as("later delays are larger on average").isGreaterThan(delays.subList(0, 3).stream().mapToLong(Long::longValue).average().orElse(0));
    backoff.reset();
    assertThat(backoff.nextDelay()).isLessThan(100);
  }

  @Test
  @DisplayName("many nodes reconnecting after the same outage spread their attempts instead of arriving together")
  void jitterSpreadsAStorm() {
    SplittableRandom seeds = new SplittableRandom(1);
    List<Long> thirdAttempts = new ArrayList<>();
    for (int node = 0; node < 200; node++) {
      SplittableRandom r = seeds.split();
      Backoff b = new Backoff(500, 30_000, r::nextDouble);
      thirdAttempts.add(b.nextDelay() + b.nextDelay() + b.nextDelay());
    }
    long inAnyHundredMs = thirdAttempts.stream().mapToLong(t -> t / 100).boxed()
      .collect(java.util.stream.Collectors.groupingBy(t -> t, java.util.stream.Collectors.counting()))
      .values().stream().mapToLong(Long::longValue).max().orElse(0);
    assertThat(inAnyHundredMs).as("no 100 ms slot takes more than a tenth of the nodes").isLessThan(20);
  }
}
