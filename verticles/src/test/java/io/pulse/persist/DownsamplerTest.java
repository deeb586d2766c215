package io.pulse.persist;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DownsamplerTest {

  static JsonObject window(String series, long res, long start, double... values) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return new JsonObject().put("series", series).put("resolution", res).put("start", start).put("end", start + res)
      .put("count", values.length).put("sum", sum).put("min", min).put("max", max).put("mean", sum / values.length)
      .put("first", values[0]).put("last", values[values.length - 1]).put("final", true);
  }

  @Test
  @DisplayName("merging 1 s windows into 10 s buckets gives the exact count, sum, min, max, first, last, volume and "
    + "vwap of the samples, and percentiles as their maximum, named approximate")
  void mergesExactly() {
    List<JsonObject> windows = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    double volume = 0;
    double notional = 0;
    for (int i = 0; i < 30; i++) {
      double a = 100 + i;
      double b = 50 + (i * 7) % 13;
      windows.add(window("s", 1000, 1_000_000 + i * 1000L, a, b)
        .put("volume", 2.0 + i).put("vwap", (a + b) / 2).put("p99", (double) i % 5));
      all.add(a);
      all.add(b);
      volume += 2.0 + i;
      notional += (a + b) / 2 * (2.0 + i);
    }
    Set<String> approximate = new TreeSet<>();
    List<JsonObject> out = Downsampler.downsample(windows, 10_000, approximate);

    assertThat(out).hasSize(3);
    JsonObject first = out.get(0);
    assertThat(first.getLong("start")).isEqualTo(1_000_000L);
    assertThat(first.getLong("resolution")).isEqualTo(10_000L);
    assertThat(first.getLong("count")).isEqualTo(20);
    List<Double> bucket = all.subList(0, 20);
    assertThat(first.getDouble("sum")).isCloseTo(bucket.stream().mapToDouble(d -> d).sum(), within(1e-9));
    assertThat(first.getDouble("min")).isEqualTo(bucket.stream().mapToDouble(d -> d).min().orElseThrow());
    assertThat(first.getDouble("max")).isEqualTo(bucket.stream().mapToDouble(d -> d).max().orElseThrow());
    assertThat(first.getDouble("first")).isEqualTo(100.0);
    assertThat(first.getDouble("last")).isEqualTo(windows.get(9).getDouble("last"));
    assertThat(first.getDouble("p99")).isEqualTo(4.0);
    assertThat(first.getLong("windows")).isEqualTo(10);
    double totalVolume = out.stream().mapToDouble(r -> r.getDouble("volume")).sum();
    double totalNotional = out.stream().mapToDouble(r -> r.getDouble("vwap") * r.getDouble("volume")).sum();
    assertThat(totalVolume).isCloseTo(volume, within(1e-9));
    assertThat(totalNotional).isCloseTo(notional, within(1e-6));
    assertThat(approximate).containsExactly("p99");
  }

  @Test
  @DisplayName("buckets align to the epoch, so a bucket is the same whichever range is asked")
  void alignsToEpoch() {
    List<JsonObject> windows = List.of(window("s", 1000, 7000, 1), window("s", 1000, 9000, 2), window("s", 1000, 10_000, 3));
    List<JsonObject> out = Downsampler.downsample(windows, 5000, new TreeSet<>());
    assertThat(out).extracting(r -> r.getLong("start")).containsExactly(5000L, 10_000L);
    assertThat(out.get(0).getLong("count")).isEqualTo(2);
  }
}
