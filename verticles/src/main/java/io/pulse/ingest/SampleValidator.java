package io.pulse.ingest;

import io.pulse.model.Sample;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The one gate every source's input passes before it becomes a sample: shape (required fields and their
 * types), values (finite numbers, volume not negative, a well-formed series key) and event time (within
 * the configured distance from now). Every source uses the same instance, so the same input is judged
 * the same way whatever way it arrived.
 */
final class SampleValidator {

  /** Series keys: dotted words, like {@code trade.BTCUSDT} or {@code svc.checkout.latency}. */
  private static final Pattern SERIES = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:\\-]{0,199}");

  private final long maxFutureMs;
  private final long maxPastMs;
  private final LongSupplier clock;

  /**
   * @param maxFutureMs samples later than now plus this are refused
   * @param maxPastMs   samples earlier than now minus this are refused; 0 means no bound
   * @param clock       wall clock in epoch ms
   */
  SampleValidator(long maxFutureMs, long maxPastMs, LongSupplier clock) {
    this.maxFutureMs = maxFutureMs;
    this.maxPastMs = maxPastMs;
    this.clock = clock;
  }

  /** A sample given as JSON {@code {series, timestamp, value[, volume]}}; timestamp is epoch ms or ISO-8601. */
  Checked fromJson(Object input) {
    if (!(input instanceof JsonObject json)) {
      return Checked.rejected(RejectReason.NOT_AN_OBJECT, "expected a JSON object {series, timestamp, value}");
    }
    Object series = json.getValue("series");
    Object timestamp = json.getValue("timestamp");
    Object value = json.getValue("value");
    Object volume = json.getValue("volume");
    if (series == null || timestamp == null || value == null) {
      return Checked.rejected(RejectReason.MISSING_FIELD, "series, timestamp and value are required, got fields "
        + json.fieldNames());
    }
    if (!(series instanceof String s)) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "series must be a string");
    }
    Long ts = epochMillis(timestamp);
    if (ts == null) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "timestamp must be epoch milliseconds or an ISO-8601 instant");
    }
    if (!(value instanceof Number v)) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "value must be a number");
    }
    if (volume != null && !(volume instanceof Number)) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "volume must be a number");
    }
    double vol = volume == null ? Double.NaN : ((Number) volume).doubleValue();
    return check(s, ts, v.doubleValue(), vol, volume != null);
  }

  /** The checks on values and time; {@code hasVolume} false means the series carries no volume. */
  Checked check(String series, long timestamp, double value, double volume, boolean hasVolume) {
    if (!SERIES.matcher(series).matches()) {
      return Checked.rejected(RejectReason.BAD_SERIES, "series must be 1-200 characters of letters, digits and _.:-");
    }
    if (!Double.isFinite(value)) {
      return Checked.rejected(RejectReason.NOT_FINITE, "value of " + series + " is " + value);
    }
    if (hasVolume && !Double.isFinite(volume)) {
      return Checked.rejected(RejectReason.NOT_FINITE, "volume of " + series + " is " + volume);
    }
    if (hasVolume && volume < 0) {
      return Checked.rejected(RejectReason.NEGATIVE_VOLUME, "volume of " + series + " is " + volume);
    }
    long now = clock.getAsLong();
    if (timestamp > now + maxFutureMs) {
      return Checked.rejected(RejectReason.TOO_FAR_FUTURE, "timestamp " + timestamp + " is " + (timestamp - now)
        + " ms ahead of this node's clock (ingest.max-future-ms " + maxFutureMs + ")");
    }
    if (maxPastMs > 0 && timestamp < now - maxPastMs) {
      return Checked.rejected(RejectReason.TOO_FAR_PAST, "timestamp " + timestamp + " is " + (now - timestamp)
        + " ms old (ingest.max-past-ms " + maxPastMs + ")");
    }
    return Checked.ok(new Sample(series, timestamp, value, hasVolume ? volume : Double.NaN, Map.of()));
  }

  /** Epoch ms from a whole number or an ISO-8601 instant, null when it is neither. */
  static Long epochMillis(Object timestamp) {
    if (timestamp instanceof Number n) {
      double d = n.doubleValue();
      return Double.isFinite(d) && d == Math.rint(d) ? Long.valueOf(n.longValue()) : null;
    }
    if (timestamp instanceof String s) {
      try {
        return Instant.parse(s).toEpochMilli();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }
}
