package io.pulse.model;

import io.vertx.core.json.JsonObject;

/**
 * A checked history query, the body of {@link Addresses#HISTORY_QUERY} and of {@code GET /api/history}: results of
 * {@code series} at {@code resolution} whose window starts in [from, to), merged to buckets of {@code step} ms when
 * step is more than the resolution. Checked in one place for the persist role and for the gateway, which answers
 * recent ranges from its own ring: both refuse a bad query with the same reason.
 */
public record HistoryQuery(String series, long resolution, long from, long to, long step) {

  /** Largest number of results read for one query before downsampling; beyond, the reply says truncated. */
  public static final int MAX_ROWS = 200_000;

  /** Thrown for a query that cannot be answered; the message is the reason given to the client (400). */
  public static final class BadQuery extends RuntimeException {
    BadQuery(String reason) {
      super(reason);
    }
  }

  /** True when the answer merges results into buckets of {@code step}. */
  public boolean downsampled() {
    return step > resolution;
  }

  /**
   * Parses the event-bus body. {@code defaultResolution} is used when the query names none ({@code 0}: unknown,
   * then the query needs one).
   */
  public static HistoryQuery parse(JsonObject body, long defaultResolution) {
    if (body == null) {
      throw new BadQuery("a history query needs a JSON body with 'series'");
    }
    String series = body.getValue("series") instanceof String s ? s : null;
    if (series == null || series.isBlank()) {
      throw new BadQuery("a history query needs 'series'");
    }
    long resolution = number(body, "resolution", defaultResolution);
    long from = number(body, "from", 0L);
    long to = number(body, "to", Long.MAX_VALUE);
    long step = number(body, "step", resolution);
    if (resolution <= 0) {
      throw new BadQuery("'resolution' must be a window length in ms >= 1, got " + resolution);
    }
    if (from < 0 || to < 0) {
      throw new BadQuery("'from' and 'to' must be epoch milliseconds >= 0");
    }
    if (from > to) {
      throw new BadQuery("'from' (" + from + ") is after 'to' (" + to + ")");
    }
    if (step < resolution || step % resolution != 0) {
      throw new BadQuery("'step' (" + step + ") must be a multiple of the resolution (" + resolution + ")");
    }
    return new HistoryQuery(series, resolution, from, to, step);
  }

  private static long number(JsonObject body, String key, long otherwise) {
    Object value = body.getValue(key);
    if (value == null) {
      return otherwise;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new BadQuery("'" + key + "' must be a whole number of milliseconds, got " + value);
  }

  /** The query as the reply header describes it. */
  public JsonObject describe() {
    return new JsonObject().put("series", series).put("resolution", resolution).put("from", from).put("to", to)
      .put("step", step);
  }
}
