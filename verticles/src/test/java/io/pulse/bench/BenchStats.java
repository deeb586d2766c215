package io.pulse.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/** Median and spread of repeated runs, in the shape scripts/bench's report collects. */
public final class BenchStats {

  private BenchStats() {
  }

  public static JsonObject stats(double[] values, String unit) {
    return new JsonObject().put("unit", unit).put("median", median(values)).put("min", min(values))
      .put("max", max(values)).put("values", new JsonArray(Arrays.stream(values).boxed().toList()));
  }

  public static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  public static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}
