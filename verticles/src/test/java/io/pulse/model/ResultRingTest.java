package io.pulse.model;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultRingTest {

  @Test
  @DisplayName("a range hands each window once, in start order, with its latest JSON: a rewrite replaces the window")
  void rangeInOrderOnce() {
    ResultRing ring = new ResultRing(3);
    assertThat(ring.oldestStart()).isEqualTo(Long.MAX_VALUE);
    ring.put(1000, "a");
    ring.put(3000, "c");
    ring.put(2000, "b");
    ring.put(3000, "c2");
    ring.put(4000, "d"); // full: 1000 goes
    List<String> seen = new ArrayList<>();
    ring.range(0, 10_000, (start, json) -> seen.add(start + "=" + json));
    assertThat(seen).containsExactly("2000=b", "3000=c2", "4000=d");
    assertThat(ring.oldestStart()).isEqualTo(2000);
    assertThat(ring.slice(2000, 4000)).containsExactly("b", "c2");
    assertThat(ring.slice(1999, 4000)).as("not held whole").isNull();
  }
}
