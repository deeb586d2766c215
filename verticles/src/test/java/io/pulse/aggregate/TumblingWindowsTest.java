package io.pulse.aggregate;

import io.pulse.model.Sample;
import io.pulse.model.WindowResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TumblingWindowsTest {

  @RepeatedTest(5)
  @DisplayName("random out-of-order input gives the same aggregates as a plain reference computation")
  void matchesReference(org.junit.jupiter.api.RepetitionInfo info) {
    Random random = new Random(1000 + info.getCurrentRepetition());
    long windowMs = 1000;
    long lateness = 300;
    TumblingWindows windows = new TumblingWindows(windowMs, lateness);
    List<Sample> accepted = new ArrayList<>();
    List<WindowResult> closed = new ArrayList<>();
    long t = 1_700_000_000_000L;
    for (int i = 0; i < 20_000; i++) {
      t += random.nextInt(3);
      // jitter up to 250 ms back keeps samples within the lateness; a few land exactly on window edges
      long ts = random.nextInt(10) == 0 ? t - Math.floorMod(t, windowMs) : t - random.nextInt(250);
      Sample s = new Sample("s" + random.nextInt(7), ts, Math.round(random.nextGaussian() * 1000) / 10.0,
        random.nextBoolean() ? random.nextDouble() : Double.NaN, Map.of());
      assertThat(windows.add(s)).as("sample within lateness is accepted").isTrue();
      accepted.add(s);
      if (i % 97 == 0) {
        closed.addAll(windows.closeReady());
      }
    }
    closed.addAll(windows.closeAll());
    assertThat(windows.openWindows()).isZero();

    Map<String, WindowResult> expected = reference(accepted, windowMs);
    assertThat(closed).hasSize(expected.size());
    for (WindowResult actual : closed) {
      WindowResult want = expected.get(actual.series() + "@" + actual.start());
      assertThat(want).as("window %s@%d exists in the reference", actual.series(), actual.start()).isNotNull();
      assertThat(actual.count()).isEqualTo(want.count());
      assertThat(actual.sum()).isCloseTo(want.sum(), within(1e-6));
      assertThat(actual.min()).isEqualTo(want.min());
      assertThat(actual.max()).isEqualTo(want.max());
      assertThat(actual.first()).isEqualTo(want.first());
      assertThat(actual.last()).isEqualTo(want.last());
      assertThat(actual.volume()).isCloseTo(want.volume(), within(1e-9));
      if (want.volume() > 0) {
        assertThat(actual.vwap()).isCloseTo(want.vwap(), within(1e-9));
      }
      assertThat(actual.isFinal()).isTrue();
    }
  }

  @Test
  @DisplayName("a window closes when the watermark passes its end plus lateness, and later samples for it are refused")
  void closesOnWatermarkAndRefusesLate() {
    TumblingWindows windows = new TumblingWindows(1000, 200);
    assertThat(windows.add(Sample.of("a", 10_000, 1))).isTrue();
    assertThat(windows.add(Sample.of("a", 10_999, 2))).isTrue();
    assertThat(windows.add(Sample.of("a", 11_100, 3))).isTrue();
    assertThat(windows.closeReady()).as("watermark 10,900 has not reached 11,000").isEmpty();
    assertThat(windows.add(Sample.of("a", 11_199, 4))).isTrue();
    assertThat(windows.closeReady()).as("watermark 10,999").isEmpty();
    assertThat(windows.add(Sample.of("a", 11_200, 5))).isTrue();
    List<WindowResult> closed = windows.closeReady();
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).start()).isEqualTo(10_000);
    assertThat(closed.get(0).count()).isEqualTo(2);
    assertThat(closed.get(0).sum()).isEqualTo(3);
    assertThat(windows.add(Sample.of("a", 10_500, 9))).as("its window closed").isFalse();
    assertThat(windows.add(Sample.of("a", 11_000, 6))).as("window edge belongs to the next window").isTrue();
    assertThat(windows.closeAll()).singleElement().satisfies(r -> {
      assertThat(r.start()).isEqualTo(11_000);
      assertThat(r.count()).isEqualTo(4);
      assertThat(r.first()).isEqualTo(6);
      assertThat(r.last()).isEqualTo(5);
    });
  }

  static Map<String, WindowResult> reference(List<Sample> samples, long windowMs) {
    Map<String, List<Sample>> groups = new TreeMap<>();
    for (Sample s : samples) {
      long start = Math.floorDiv(s.timestamp(), windowMs) * windowMs;
      groups.computeIfAbsent(s.series() + "@" + start, k -> new ArrayList<>()).add(s);
    }
    Map<String, WindowResult> out = new TreeMap<>();
    groups.forEach((key, list) -> {
      // stable sort by event time: among equal times the first to arrive is first, the last to arrive last
      List<Sample> byTime = new ArrayList<>(list);
      byTime.sort(Comparator.comparingLong(Sample::timestamp));
      double sum = 0;
      double volume = 0;
      double pv = 0;
      double min = Double.MAX_VALUE;
      double max = -Double.MAX_VALUE;
      for (Sample s : list) {
        sum += s.value();
        min = Math.min(min, s.value());
        max = Math.max(max, s.value());
        if (s.hasVolume()) {
          volume += s.volume();
          pv += s.value() * s.volume();
        }
      }
      Sample first = byTime.get(0);
      Sample last = byTime.get(byTime.size() - 1);
      long start = Long.parseLong(key.substring(key.indexOf('@') + 1));
      out.put(key, new WindowResult(first.series(), windowMs, start, list.size(), sum, min, max, first.value(),
        last.value(), volume, volume > 0 ? pv / volume : Double.NaN, true));
    });
    return out;
  }
}
