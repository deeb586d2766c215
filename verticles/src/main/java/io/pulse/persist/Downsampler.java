package io.pulse.persist;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Merges window results into coarser buckets of {@code step} ms, aligned to the epoch. count, sum, min, max,
 * first, last, volume (and so mean and vwap) merge exactly. Percentiles ({@code p50}, {@code p999}...) cannot be
 * merged from their values: the bucket takes the largest (an upper bound) and names them in {@code approximate};
 * any other number takes the bucket's last value and is named there too.
 */
final class Downsampler {

  private static final Pattern PERCENTILE = Pattern.compile("p\\d+");
  private static final Set<String> EXACT = Set.of("series", "resolution", "start", "end", "count", "sum", "min", "max",
    "mean", "first", "last", "final", "volume", "vwap");

  private Downsampler() {
  }

  /** Results sorted by start, merged per bucket; {@code approximate} collects the names merged approximately. */
  static List<JsonObject> downsample(List<JsonObject> sorted, long step, Set<String> approximate) {
    List<JsonObject> out = new ArrayList<>();
    Bucket bucket = null;
    for (JsonObject r : sorted) {
      long start = Math.floorDiv(r.getLong("start"), step) * step;
      if (bucket == null || bucket.start != start) {
        if (bucket != null) {
          out.add(bucket.toJson());
        }
        bucket = new Bucket(start, step);
      }
      bucket.add(r, approximate);
    }
    if (bucket != null) {
      out.add(bucket.toJson());
    }
    return out;
  }

  private static final class Bucket {
    final long start;
    final long step;
    final JsonObject other = new JsonObject();
    String series;
    long count;
    long windows;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    Double first;
    double last;
    double volume;
    double vwapVolume;
    boolean allFinal = true;

    Bucket(long start, long step) {
      this.start = start;
      this.step = step;
    }

    void add(JsonObject r, Set<String> approximate) {
      series = r.getString("series");
      windows++;
      count += number(r, "count", 0);
      sum += number(r, "sum", 0);
      min = Math.min(min, number(r, "min", Double.POSITIVE_INFINITY));
      max = Math.max(max, number(r, "max", Double.NEGATIVE_INFINITY));
      if (first == null && r.getValue("first") instanceof Number) {
        first = number(r, "first", Double.NaN);
      }
      if (r.getValue("last") instanceof Number) {
        last = number(r, "last", Double.NaN);
      }
      double v = number(r, "volume", 0);
      volume += v;
      if (v > 0 && r.getValue("vwap") instanceof Number) {
        vwapVolume += number(r, "vwap", 0) * v;
      }
      allFinal &= r.getBoolean("final", false);
      for (String key : r.fieldNames()) {
        Object value = r.getValue(key);
        if (EXACT.contains(key) || !(value instanceof Number n)) {
          continue;
        }
        approximate.add(key);
        if (PERCENTILE.matcher(key).matches()) {
          Object previous = other.getValue(key);
          double prev = previous instanceof Number p ? p.doubleValue() : Double.NEGATIVE_INFINITY;
          other.put(key, Math.max(prev, n.doubleValue()));
        } else {
          other.put(key, value);
        }
      }
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject()
        .put("series", series)
        .put("resolution", step)
        .put("start", start)
        .put("end", start + step)
        .put("count", count)
        .put("sum", sum)
        .put("min", min)
        .put("max", max)
        .put("mean", count == 0 ? null : sum / count)
        .put("first", first)
        .put("last", last)
        .put("final", allFinal)
        .put("windows", windows);
      if (volume > 0) {
        json.put("volume", volume).put("vwap", vwapVolume / volume);
      }
      other.forEach(e -> json.put(e.getKey(), e.getValue()));
      return json;
    }

    private static double number(JsonObject r, String key, double otherwise) {
      return r.getValue(key) instanceof Number n ? n.doubleValue() : otherwise;
    }
  }
}
