package io.pulse.aggregate;

import io.pulse.model.Sample;
import io.pulse.model.WindowResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AggregationEngineTest {

  private static final long[] RESOLUTIONS = {1000, 10_000, 60_000};
  private static final long LATENESS = 300;
  private static final long T0 = 1_700_000_000_000L;

  @RepeatedTest(4)
  @DisplayName("random out-of-order and late input gives, at every resolution, the aggregates of a plain reference "
    + "computation: counts, sums, min, max, OHLC, volume, VWAP, rate, percentiles within 1%, SMA and EMA")
  void matchesReference(RepetitionInfo info) {
    Random random = new Random(2000 + info.getCurrentRepetition());
    List<WindowResult> out = new ArrayList<>();
    AggregationEngine engine = new AggregationEngine(EngineSettings.of(RESOLUTIONS, LATENESS, true), out::add);
    List<Sample> input = randomInput(random, 30_000);
    for (Sample s : input) {
      engine.add(s, 0);
    }
    engine.closeAll();
    assertThat(engine.openWindows()).isZero();

    Reference ref = new Reference(input, 5);
    List<WindowResult> finals = out.stream().filter(WindowResult::isFinal).toList();
    assertThat(engine.late()).as("late samples").isEqualTo(ref.lateSamples).isPositive();
    for (long resolution : RESOLUTIONS) {
      Map<String, List<Sample>> expected = ref.windows(resolution);
      List<WindowResult> actual = finals.stream().filter(r -> r.resolution() == resolution).toList();
      assertThat(actual).as("windows at %d ms", resolution).hasSize(expected.size());
      Map<String, double[]> averages = ref.movingAverages(expected, 60);
      for (WindowResult r : actual) {
        String key = r.series() + "@" + r.start();
        List<Sample> samples = expected.get(key);
        assertThat(samples).as("window %s at %d ms exists in the reference", key, resolution).isNotNull();
        assertMatches(r, samples, averages.get(key));
      }
    }
  }

  @Test
  @DisplayName("percentiles handle negative, zero and fractional values and stay within 1% of the nearest-rank value")
  void percentilesOfAnyValues() {
    Random random = new Random(7);
    List<WindowResult> out = new ArrayList<>();
    AggregationEngine engine = new AggregationEngine(EngineSettings.of(new long[]{60_000}, 0, true), out::add);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      double v = switch (i % 4) {
        case 0 -> -Math.exp(random.nextGaussian() * 3);
        case 1 -> 0;
        case 2 -> Math.exp(random.nextGaussian() * 3);
        default -> random.nextGaussian() * 0.001;
      };
      samples.add(Sample.of("x", T0 + i, v));
    }
    samples.forEach(s -> engine.add(s, 0));
    engine.closeAll();
    assertMatches(out.get(0), samples, null);
  }

  @Test
  @DisplayName("a window closes when its series' watermark passes its end plus lateness; later samples for it are "
    + "late there but still count at coarser resolutions still open")
  void closesOnWatermarkAndCountsLate() {
    List<WindowResult> out = new ArrayList<>();
    AggregationEngine engine = new AggregationEngine(EngineSettings.of(new long[]{1000, 10_000}, 200, false), out::add);
    engine.add(Sample.of("a", 10_000, 1), 0);
    engine.add(Sample.of("a", 10_999, 2), 0);
    engine.add(Sample.of("a", 11_199, 4), 0);
    engine.add(Sample.of("b", 50_000, 7), 0);
    assertThat(out).as("watermark of a is 10,999, other series do not move it").isEmpty();
    engine.add(Sample.of("a", 11_200, 5), 0);
    assertThat(out).singleElement().satisfies(r -> {
      assertThat(r.start()).isEqualTo(10_000);
      assertThat(r.count()).isEqualTo(2);
      assertThat(r.isFinal()).isTrue();
    });
    assertThat(engine.add(Sample.of("a", 10_500, 9), 0)).isEqualTo(AggregationEngine.Outcome.LATE);
    assertThat(engine.lateOf("a", 1000)).isEqualTo(1);
    assertThat(engine.lateOf("a", 10_000)).isZero();
    assertThat(engine.add(Sample.of("a", 11_000, 6), 0)).as("window edge belongs to the next window")
      .isEqualTo(AggregationEngine.Outcome.ACCEPTED);
    engine.closeAll();
    WindowResult second = out.stream().filter(r -> r.resolution() == 1000 && r.start() == 11_000).findFirst().orElseThrow();
    assertThat(second.count()).isEqualTo(3);
    assertThat(second.first()).isEqualTo(6);
    assertThat(second.last()).isEqualTo(5);
    assertThat(second.late()).isEqualTo(1);
    WindowResult coarse = out.stream().filter(r -> r.resolution() == 10_000 && r.series().equals("a")).findFirst().orElseThrow();
    assertThat(coarse.count()).as("the late sample still counts in the open 10 s window").isEqualTo(6);
  }

  @Test
  @DisplayName("with late-policy correct, a late sample re-issues its window's final result as a correction that "
    + "equals the reference over all samples; beyond the horizon it is only counted")
  void correctsLateSamples() {
    List<WindowResult> out = new ArrayList<>();
    EngineSettings settings = EngineSettings.of(new long[]{1000}, 100, true).withLatePolicy(true, 3000);
    AggregationEngine engine = new AggregationEngine(settings, out::add);
    engine.add(Sample.of("a", 1000, 1), 0);
    engine.add(Sample.of("a", 1500, 3), 0);
    engine.add(Sample.of("a", 2200, 10), 0);
    assertThat(out).hasSize(1);
    assertThat(engine.add(Sample.of("a", 1999, 8), 0)).isEqualTo(AggregationEngine.Outcome.LATE);
    engine.tick(0, false);
    assertThat(out).hasSize(2);
    WindowResult correction = out.get(1);
    assertThat(correction.isFinal()).isTrue();
    assertThat(correction.isCorrection()).isTrue();
    assertThat(correction.revision()).isEqualTo(1);
    assertThat(correction.count()).isEqualTo(3);
    assertThat(correction.sum()).isEqualTo(12);
    assertThat(correction.last()).isEqualTo(8);
    assertThat(correction.max()).isEqualTo(8);
    assertThat(correction.toJson().getBoolean("correction")).isTrue();
    engine.add(Sample.of("a", 9000, 1), 0);
    assertThat(engine.add(Sample.of("a", 1200, 1), 0)).as("beyond the horizon").isEqualTo(AggregationEngine.Outcome.LATE);
    engine.tick(0, false);
    assertThat(out.stream().filter(WindowResult::isCorrection)).hasSize(1);
    assertThat(engine.lateOf("a", 1000)).isEqualTo(2);
  }

  @Test
  @DisplayName("an open window publishes provisional results (final=false) only when it changed, then its final "
    + "result exactly once")
  void provisionalThenFinalOnce() {
    List<WindowResult> out = new ArrayList<>();
    AggregationEngine engine = new AggregationEngine(EngineSettings.of(new long[]{1000}, 0, false), out::add);
    engine.add(Sample.of("a", 1000, 1), 0);
    engine.tick(0, true);
    engine.tick(0, true);
    engine.add(Sample.of("a", 1100, 2), 0);
    engine.tick(0, true);
    assertThat(out).hasSize(2).allSatisfy(r -> assertThat(r.isFinal()).isFalse());
    assertThat(out.get(1).count()).isEqualTo(2);
    assertThat(out.get(1).toJson().getBoolean("final")).isFalse();
    engine.add(Sample.of("a", 2000, 5), 0);
    engine.tick(0, true);
    engine.closeAll();
    List<WindowResult> finals = out.stream().filter(r -> r.isFinal() && r.start() == 1000).toList();
    assertThat(finals).singleElement().satisfies(r -> assertThat(r.count()).isEqualTo(2));
  }

  @Test
  @DisplayName("series handed over mid-stream (export, then adopt by another engine) continue exactly as on one "
    + "engine: the same final results and corrections, moving averages, late counts and percentiles included")
  void handoverContinuesExactly() {
    List<Sample> input = randomInput(new Random(77), 20_000);
    EngineSettings settings = EngineSettings.of(RESOLUTIONS, LATENESS, true).withLatePolicy(true, 30_000);
    List<WindowResult> whole = new ArrayList<>();
    AggregationEngine one = new AggregationEngine(settings, whole::add);
    input.forEach(s -> one.add(s, 0));
    one.tick(0, false); // corrections go out on ticks
    one.closeAll();

    List<WindowResult> split = new ArrayList<>();
    AggregationEngine first = new AggregationEngine(settings, split::add);
    AggregationEngine second = new AggregationEngine(settings, split::add);
    int half = input.size() / 2;
    input.subList(0, half).forEach(s -> first.add(s, 0));
    assertThat(first.openWindows()).as("windows open at the hand-over").isPositive();
    int held = first.seriesCount();
    assertThat(second.stateFormat()).isEqualTo(first.stateFormat());
    assertThat(second.adopt(first.export(series -> true))).isEqualTo(held);
    assertThat(first.seriesCount()).as("nothing left behind").isZero();
    input.subList(half, input.size()).forEach(s -> second.add(s, 0));
    second.tick(0, false);
    second.closeAll();

    assertThat(split).isEqualTo(whole);
    assertThat(whole.stream().filter(WindowResult::isCorrection)).as("corrections of retained windows").isNotEmpty();
  }

  @Test
  @DisplayName("applying a batch gives the same results and outcomes as applying its samples one by one, "
    + "new series, the series cap and rejected values included")
  void batchEqualsOneByOne() {
    List<Sample> input = new ArrayList<>(randomInput(new Random(5), 5000));
    input.set(100, Sample.of("s1", T0 + 5, Double.NaN));
    for (int i = 0; i < 300; i++) {
      input.add(i * 7, Sample.of("new" + i, T0 + i * 13L, i)); // more series than the cap of 40
    }
    EngineSettings settings = EngineSettings.of(RESOLUTIONS, LATENESS, true).withLimits(40, 2000, 600_000);
    List<WindowResult> one = new ArrayList<>();
    AggregationEngine single = new AggregationEngine(settings, one::add);
    Map<AggregationEngine.Outcome, Long> outcomes = new HashMap<>();
    input.forEach(s -> outcomes.merge(single.add(s, 0), 1L, Long::sum));
    single.closeAll();
    List<WindowResult> batched = new ArrayList<>();
    AggregationEngine batch = new AggregationEngine(settings, batched::add);
    AggregationEngine.BatchOutcome outcome = new AggregationEngine.BatchOutcome();
    for (int from = 0; from < input.size(); from += 700) {
      batch.addAll(input.subList(from, Math.min(input.size(), from + 700)), 0, outcome);
    }
    batch.closeAll();
    assertThat(batched).isEqualTo(one);
    assertThat(outcome.accepted).isEqualTo(outcomes.get(AggregationEngine.Outcome.ACCEPTED));
    assertThat(outcome.late).isEqualTo(outcomes.get(AggregationEngine.Outcome.LATE));
    assertThat(outcome.rejectedValue).isEqualTo(1);
    assertThat(outcome.rejectedSeriesCap).isEqualTo(outcomes.get(AggregationEngine.Outcome.REJECTED_SERIES_CAP))
      .isPositive();
    assertThat(outcome.cappedSeries).startsWith("new");
  }

  @Test
  @DisplayName("a provisional result of a coarse window includes its finer windows still open and those already "
    + "closed, and equals the reference over the samples so far; its final result equals the reference over all")
  void provisionalCoarseWindowsIncludeFinerOnes() {
    Random random = new Random(11);
    List<WindowResult> out = new ArrayList<>();
    AggregationEngine engine = new AggregationEngine(EngineSettings.of(RESOLUTIONS, LATENESS, true), out::add);
    List<Sample> input = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      // 0..3999 ms after T0 - T0 % 60 s: several closed and one or two open 1 s windows inside one 10 s window
      long ts = T0 - Math.floorMod(T0, 60_000) + i - (i % 7 == 0 ? random.nextInt(250) : 0);
      input.add(new Sample("a", Math.max(ts, T0 - Math.floorMod(T0, 60_000)), random.nextGaussian() * 50 + 100,
        Double.NaN, Map.of()));
    }
    input.forEach(s -> engine.add(s, 0));
    engine.tick(0, true);
    for (long resolution : new long[]{10_000, 60_000}) {
      WindowResult provisional = out.stream().filter(r -> !r.isFinal() && r.resolution() == resolution)
        .reduce((a, b) -> b).orElseThrow();
      assertMatches(provisional, input, null);
    }
    engine.closeAll();
    WindowResult coarse = out.stream().filter(r -> r.isFinal() && r.resolution() == 60_000).findFirst().orElseThrow();
    assertMatches(coarse, input, null);
  }

  @Test
  @DisplayName("a silent series closes the windows that ended idle-flush-ms ago, is forgotten after the expiry, and "
    + "the series cap rejects new series with a count")
  void idleExpiryAndCap() {
    List<WindowResult> out = new ArrayList<>();
    EngineSettings settings = EngineSettings.of(new long[]{1000, 3_600_000}, 250, false).withLimits(2, 2000, 10_000);
    AggregationEngine engine = new AggregationEngine(settings, out::add);
    long now = 5_000_000;
    engine.add(Sample.of("a", now - 500, 1), now);
    engine.add(Sample.of("b", now - 500, 1), now);
    assertThat(engine.add(Sample.of("c", now, 1), now)).isEqualTo(AggregationEngine.Outcome.REJECTED_SERIES_CAP);
    assertThat(engine.rejectedSeriesCap()).isEqualTo(1);
    engine.tick(now + 1000, false);
    assertThat(out).isEmpty();
    engine.tick(now + 3000, false);
    assertThat(out).as("the 1 s windows ended 2 s ago and their series are silent").hasSize(2)
      .allSatisfy(r -> assertThat(r.resolution()).isEqualTo(1000));
    assertThat(engine.seriesCount()).as("the hour windows are still open").isEqualTo(2);
    assertThat(engine.add(Sample.of("a", now - 400, 1), now + 3000)).isEqualTo(AggregationEngine.Outcome.LATE);
    engine.tick(now + 3_600_000 + 3000, false);
    engine.tick(now + 3_600_000 + 20_000, false);
    assertThat(engine.seriesCount()).isZero();
    assertThat(engine.expired()).isEqualTo(2);
    assertThat(engine.add(Sample.of("c", now, 1), now)).isEqualTo(AggregationEngine.Outcome.ACCEPTED);
    assertThat(engine.add(Sample.of("c", now, Double.NaN), now)).isEqualTo(AggregationEngine.Outcome.REJECTED_VALUE);
  }

  static List<Sample> randomInput(Random random, int n) {
    List<Sample> input = new ArrayList<>();
    long t = T0;
    for (int i = 0; i < n; i++) {
      t += random.nextInt(4);
      long ts;
      int kind = random.nextInt(20);
      if (kind == 0) {
        ts = t - Math.floorMod(t, 1000); // exactly on a window edge
      } else if (kind == 1) {
        ts = t - 300 - random.nextInt(2000); // mostly late at 1 s
      } else {
        ts = t - random.nextInt(280); // out of order within lateness
      }
      double value = Math.round(random.nextGaussian() * 1000) / 10.0 + (random.nextInt(3) == 0 ? 500 : 0);
      input.add(new Sample("s" + random.nextInt(5), ts, value, random.nextBoolean() ? random.nextDouble() : Double.NaN,
        Map.of()));
    }
    return input;
  }

  static void assertMatches(WindowResult r, List<Sample> samples, double[] smaEma) {
    List<Sample> byTime = new ArrayList<>(samples);
    byTime.sort(Comparator.comparingLong(Sample::timestamp)); // stable: equal times keep arrival order
    double sum = 0;
    double volume = 0;
    double pv = 0;
    double[] values = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      values[i] = s.value();
      sum += s.value();
      if (s.hasVolume()) {
        volume += s.volume();
        pv += s.value() * s.volume();
      }
    }
    java.util.Arrays.sort(values);
    String w = r.series() + "@" + r.start() + "/" + r.resolution();
    assertThat(r.count()).as("count %s", w).isEqualTo(samples.size());
    assertThat(r.sum()).as("sum %s", w).isCloseTo(sum, within(1e-6));
    assertThat(r.mean()).as("mean %s", w).isCloseTo(sum / samples.size(), within(1e-9));
    assertThat(r.min()).as("min %s", w).isEqualTo(values[0]);
    assertThat(r.max()).as("max %s", w).isEqualTo(values[values.length - 1]);
    assertThat(r.first()).as("first %s", w).isEqualTo(byTime.get(0).value());
    assertThat(r.last()).as("last %s", w).isEqualTo(byTime.get(byTime.size() - 1).value());
    assertThat(r.volume()).as("volume %s", w).isCloseTo(volume, within(1e-9));
    if (volume > 0) {
      assertThat(r.vwap()).as("vwap %s", w).isCloseTo(pv / volume, within(1e-9));
    }
    assertThat(r.rate()).as("rate %s", w).isCloseTo(samples.size() * 1000.0 / r.resolution(), within(1e-9));
    double[] qs = {0.5, 0.9, 0.99, 0.999};
    double[] got = {r.p50(), r.p90(), r.p99(), r.p999()};
    for (int i = 0; i < qs.length; i++) {
      int rank = (int) Math.max(1, Math.ceil(qs[i] * values.length - 1e-9));
      double want = values[rank - 1];
      assertThat(got[i]).as("p%s of %s", qs[i] * 100, w).isCloseTo(want, within(Math.abs(want) * 0.01 + 1e-12));
    }
    if (smaEma != null) {
      assertThat(r.sma()).as("sma %s", w).isCloseTo(smaEma[0], within(1e-6));
      assertThat(r.ema()).as("ema %s", w).isCloseTo(smaEma[1], within(1e-6));
    }
  }

  /** The straightforward computation: per-series watermark, accepted samples grouped by window. */
  static final class Reference {
    final Map<Long, Map<String, List<Sample>>> byResolution = new HashMap<>();
    long lateSamples;

    Reference(List<Sample> input, int unused) {
      Map<String, Long> maxTs = new HashMap<>();
      for (Sample s : input) {
        long max = Math.max(maxTs.getOrDefault(s.series(), Long.MIN_VALUE), s.timestamp());
        maxTs.put(s.series(), max);
        boolean late = false;
        for (long res : RESOLUTIONS) {
          long start = Math.floorDiv(s.timestamp(), res) * res;
          if (start + res <= max - LATENESS) {
            late = true;
            continue;
          }
          byResolution.computeIfAbsent(res, k -> new TreeMap<>())
            .computeIfAbsent(s.series() + "@" + start, k -> new ArrayList<>()).add(s);
        }
        if (late) {
          lateSamples++;
        }
      }
    }

    Map<String, List<Sample>> windows(long resolution) {
      return byResolution.getOrDefault(resolution, Map.of());
    }

    /** SMA and EMA of the window means, per series in window order, over the last n windows. */
    Map<String, double[]> movingAverages(Map<String, List<Sample>> windows, int n) {
      Map<String, List<String>> perSeries = new TreeMap<>();
      windows.keySet().forEach(k -> perSeries.computeIfAbsent(k.substring(0, k.indexOf('@')), x -> new ArrayList<>()).add(k));
      Map<String, double[]> out = new HashMap<>();
      perSeries.values().forEach(keys -> {
        keys.sort(Comparator.comparingLong(k -> Long.parseLong(k.substring(k.indexOf('@') + 1))));
        List<Double> means = new ArrayList<>();
        double ema = Double.NaN;
        for (String k : keys) {
          double mean = windows.get(k).stream().mapToDouble(Sample::value).average().orElseThrow();
          means.add(mean);
          ema = Double.isNaN(ema) ? mean : ema + 2.0 / (n + 1) * (mean - ema);
          List<Double> last = means.subList(Math.max(0, means.size() - n), means.size());
          out.put(k, new double[]{last.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), ema});
        }
      });
      return out;
    }
  }
}
