package io.pulse.model;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The aggregates of one series over one event-time window [start, end).
 * Published on {@link Addresses#RESULTS} as JSON (see {@link #toJson()}) so browsers and bridge clients
 * read it without a codec. Percentiles come from a mergeable HdrHistogram sketch (relative error below 1%);
 * {@code NaN} fields (no percentiles, no moving average) are left out of the JSON.
 *
 * @param series     series key
 * @param resolution window length in milliseconds
 * @param start      window start, epoch ms, inclusive
 * @param count      number of samples
 * @param sum        sum of values
 * @param min        smallest value
 * @param max        largest value
 * @param first      value with the earliest event time (the open, for prices)
 * @param last       value with the latest event time (the close, for prices)
 * @param volume     summed volume, {@code 0} when the series carries none
 * @param vwap       volume-weighted average value, {@code NaN} when there is no volume
 * @param isFinal    {@code true} once the window has closed; a later correction (see {@code revision}) may
 *                   still replace it when {@code aggregate.late-policy} is {@code correct}
 * @param p50        median, {@code NaN} when percentiles are off
 * @param p90        90th percentile
 * @param p99        99th percentile
 * @param p999       99.9th percentile
 * @param sma        simple moving average of the means of this and the previous windows (up to
 *                   {@code aggregate.moving-average-windows} of them), {@code NaN} when off
 * @param ema        exponential moving average of the window means, alpha = 2 / (N + 1)
 * @param late       samples of this series refused or corrected as late at this resolution so far (a counter)
 * @param revision   0 for the first final (or a provisional) result; 1, 2, .. for corrections of a final window
 */
public record WindowResult(String series, long resolution, long start, long count, double sum, double min,
                           double max, double first, double last, double volume, double vwap, boolean isFinal,
                           double p50, double p90, double p99, double p999, double sma, double ema, long late,
                           int revision) {

  /** The plain aggregates only, without percentiles, moving averages or lateness. */
  public WindowResult(String series, long resolution, long start, long count, double sum, double min,
                      double max, double first, double last, double volume, double vwap, boolean isFinal) {
    this(series, resolution, start, count, sum, min, max, first, last, volume, vwap, isFinal,
      Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0);
  }

  public long end() {
    return start + resolution;
  }

  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  /** Samples per second of event time over the window. */
  public double rate() {
    return count * 1000.0 / resolution;
  }

  /** True for a re-issued final result that includes late samples. */
  public boolean isCorrection() {
    return revision > 0;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("series", series)
      .put("resolution", resolution)
      .put("start", start)
      .put("end", end())
      .put("count", count)
      .put("sum", sum)
      .put("min", min)
      .put("max", max)
      .put("mean", mean())
      .put("first", first)
      .put("last", last)
      .put("rate", rate())
      .put("final", isFinal);
    if (volume > 0) {
      json.put("volume", volume).put("vwap", vwap);
    }
    putIfNumber(json, "p50", p50);
    putIfNumber(json, "p90", p90);
    putIfNumber(json, "p99", p99);
    putIfNumber(json, "p999", p999);
    putIfNumber(json, "sma", sma);
    putIfNumber(json, "ema", ema);
    if (late > 0) {
      json.put("late", late);
    }
    if (revision > 0) {
      json.put("correction", true).put("revision", revision);
    }
    return json;
  }

  /**
   * {@link #toJson()} as JSON text, written straight into a string: the same fields and values, without building the
   * map and walking it with Jackson (several times cheaper; the persist role encodes every final result once).
   * Numbers print as Java prints them, as Jackson does; a required number that is not finite is written as a string
   * ({@code "NaN"}), as Jackson does by default.
   */
  public String encode() {
    StringBuilder sb = new StringBuilder(320);
    sb.append("{\"series\":");
    quote(sb, series);
    sb.append(",\"resolution\":").append(resolution)
      .append(",\"start\":").append(start)
      .append(",\"end\":").append(end())
      .append(",\"count\":").append(count);
    number(sb, "sum", sum);
    number(sb, "min", min);
    number(sb, "max", max);
    number(sb, "mean", mean());
    number(sb, "first", first);
    number(sb, "last", last);
    number(sb, "rate", rate());
    sb.append(",\"final\":").append(isFinal);
    if (volume > 0) {
      number(sb, "volume", volume);
      number(sb, "vwap", vwap);
    }
    numberIfFinite(sb, "p50", p50);
    numberIfFinite(sb, "p90", p90);
    numberIfFinite(sb, "p99", p99);
    numberIfFinite(sb, "p999", p999);
    numberIfFinite(sb, "sma", sma);
    numberIfFinite(sb, "ema", ema);
    if (late > 0) {
      sb.append(",\"late\":").append(late);
    }
    if (revision > 0) {
      sb.append(",\"correction\":true,\"revision\":").append(revision);
    }
    return sb.append('}').toString();
  }

  private static void number(StringBuilder sb, String name, double value) {
    sb.append(",\"").append(name).append("\":");
    if (Double.isFinite(value)) {
      sb.append(value);
    } else {
      sb.append('"').append(value).append('"');
    }
  }

  private static void numberIfFinite(StringBuilder sb, String name, double value) {
    if (Double.isFinite(value)) {
      sb.append(",\"").append(name).append("\":").append(value);
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  public static WindowResult fromJson(JsonObject json) {
    return new WindowResult(
      json.getString("series"),
      json.getLong("resolution"),
      json.getLong("start"),
      json.getLong("count"),
      json.getDouble("sum"),
      json.getDouble("min"),
      json.getDouble("max"),
      json.getDouble("first"),
      json.getDouble("last"),
      json.getDouble("volume", 0.0),
      json.getDouble("vwap", Double.NaN),
      json.getBoolean("final", false),
      json.getDouble("p50", Double.NaN),
      json.getDouble("p90", Double.NaN),
      json.getDouble("p99", Double.NaN),
      json.getDouble("p999", Double.NaN),
      json.getDouble("sma", Double.NaN),
      json.getDouble("ema", Double.NaN),
      json.getLong("late", 0L),
      json.getInteger("revision", 0));
  }

  /** The value of an aggregate by its JSON name ({@code p99}, {@code mean}, {@code rate}..), for alert rules. */
  public double get(String aggregate) {
    return switch (aggregate) {
      case "count" -> count;
      case "sum" -> sum;
      case "min" -> min;
      case "max" -> max;
      case "mean" -> mean();
      case "first" -> first;
      case "last" -> last;
      case "volume" -> volume;
      case "vwap" -> vwap;
      case "rate" -> rate();
      case "p50" -> p50;
      case "p90" -> p90;
      case "p99" -> p99;
      case "p999" -> p999;
      case "sma" -> sma;
      case "ema" -> ema;
      default -> throw new IllegalArgumentException("unknown aggregate \"" + aggregate + "\"; one of " + AGGREGATES);
    };
  }

  /** The names {@link #get(String)} knows. */
  public static final List<String> AGGREGATES = List.of("count", "sum", "min", "max", "mean",
    "first", "last", "volume", "vwap", "rate", "p50", "p90", "p99", "p999", "sma", "ema");

  private static void putIfNumber(JsonObject json, String name, double value) {
    // JSON has no NaN or Infinity: an absent field means "not computed"
    if (Double.isFinite(value)) {
      json.put(name, value);
    }
  }
}
