package io.pulse.model;

import io.vertx.core.json.JsonObject;

/**
 * The aggregates of one series over one event-time window [start, end).
 * Published on {@link Addresses#RESULTS} as JSON (see {@link #toJson()}) so browsers and bridge clients
 * read it without a codec.
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
 * @param isFinal    {@code true} once the window has closed and will not change any more
 */
public record WindowResult(String series, long resolution, long start, long count, double sum, double min,
                           double max, double first, double last, double volume, double vwap, boolean isFinal) {

  public long end() {
    return start + resolution;
  }

  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
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
      .put("final", isFinal);
    if (volume > 0) {
      json.put("volume", volume).put("vwap", vwap);
    }
    return json;
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
      json.getBoolean("final", false));
  }
}
