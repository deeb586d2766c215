package io.pulse.model;

import java.util.Map;

/**
 * One observation of one series at one event time.
 *
 * @param series    series key, for example {@code trade.BTCUSDT} or {@code svc.checkout.latency}
 * @param timestamp event time in epoch milliseconds (when it happened, not when it arrived)
 * @param value     the observed value (a trade price, a latency in ms, a meter reading)
 * @param volume    traded quantity for trade series, {@code NaN} when the series has none
 * @param tags      optional labels (never null, usually empty)
 */
public record Sample(String series, long timestamp, double value, double volume, Map<String, String> tags) {

  public Sample {
    tags = tags == null || tags.isEmpty() ? Map.of() : Map.copyOf(tags);
  }

  public static Sample of(String series, long timestamp, double value) {
    return new Sample(series, timestamp, value, Double.NaN, Map.of());
  }

  public static Sample trade(String series, long timestamp, double price, double quantity) {
    return new Sample(series, timestamp, price, quantity, Map.of());
  }

  public boolean hasVolume() {
    return !Double.isNaN(volume);
  }
}
