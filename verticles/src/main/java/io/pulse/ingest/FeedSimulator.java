package io.pulse.ingest;

import io.pulse.model.Sample;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic feed: random-walk trade prices with volumes for a few symbols, and request latencies
 * with error flags for a few services. The same seed gives the same samples, which lets tests compute
 * exactly what aggregation must produce.
 *
 * <p>Live mode ({@code startTime == 0}) stamps samples with the wall clock; virtual mode stamps sample
 * {@code i} with {@code startTime + i * 1000 / rate}.
 */
public final class FeedSimulator {

  private final SplittableRandom random;
  private final List<String> tradeSeries = new ArrayList<>();
  private final List<String> serviceNames;
  private final double[] prices;
  private final long startTime;
  private final long rate;
  private long emitted;

  public FeedSimulator(long seed, List<String> symbols, List<String> services, long ratePerSecond, long startTime) {
    this.random = new SplittableRandom(seed);
    symbols.forEach(s -> tradeSeries.add("trade." + s));
    this.serviceNames = List.copyOf(services);
    this.prices = new double[symbols.size()];
    for (int i = 0; i < prices.length; i++) {
      prices[i] = 100 * (i + 1) * (1 + random.nextDouble());
    }
    this.startTime = startTime;
    this.rate = Math.max(1, ratePerSecond);
  }

  /** Samples emitted so far. */
  public long emitted() {
    return emitted;
  }

  /**
   * Appends the next step of the feed to {@code out}: one trade, or a service's latency and error flag
   * (two samples with the same time stamp). Returns how many samples were appended.
   */
  public int next(long wallClockMillis, List<Sample> out) {
    long ts = startTime == 0 ? wallClockMillis : startTime + emitted * 1000 / rate;
    int kinds = tradeSeries.size() + serviceNames.size();
    int pick = random.nextInt(kinds);
    if (pick < tradeSeries.size()) {
      prices[pick] *= Math.exp(random.nextGaussian() * 0.0005);
      double price = Math.round(prices[pick] * 100) / 100.0;
      double quantity = Math.round(Math.exp(random.nextGaussian()) * 1000) / 10000.0 + 0.0001;
      out.add(Sample.trade(tradeSeries.get(pick), ts, price, quantity));
      emitted++;
      return 1;
    }
    String service = serviceNames.get(pick - tradeSeries.size());
    double latency = Math.round(Math.exp(3.5 + random.nextGaussian() * 0.6) * 10) / 10.0;
    boolean error = random.nextDouble() < 0.02;
    out.add(Sample.of("svc." + service + ".latency", ts, latency));
    out.add(Sample.of("svc." + service + ".error", ts, error ? 1 : 0));
    emitted += 2;
    return 2;
  }
}
