package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.pulse.model.ConfigKeys.*;

/** The built-in {@link FeedSimulator}, paced to {@code simulator.rate} and held back with its sender. */
final class SimulatorSource implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorSource.class);
  private static final long TICK_MS = 20;

  private final Vertx vertx;
  private final JsonObject conf;
  private final RoleStats stats;
  private final SourceMetrics metrics;
  private final BatchSender sender;
  private FeedSimulator simulator;
  private long maxSamples;
  private long rate;
  private double owed;
  private long lastTick;
  private long timerId = -1;

  SimulatorSource(IngestContext context) {
    this.vertx = context.vertx();
    this.conf = context.conf();
    this.stats = context.stats();
    this.metrics = context.metrics();
    this.sender = context.sender(name());
  }

  @Override
  public String name() {
    return "simulator";
  }

  @Override
  public Future<Void> start() {
    long seed = SIMULATOR_SEED.longIn(conf);
    if (seed == 0) {
      seed = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }
    rate = SIMULATOR_RATE.longIn(conf);
    maxSamples = SIMULATOR_MAX_SAMPLES.longIn(conf);
    simulator = new FeedSimulator(seed, SIMULATOR_SYMBOLS.listIn(conf), SIMULATOR_SERVICES.listIn(conf), rate,
      SIMULATOR_START_TIME.longIn(conf));
    lastTick = System.nanoTime();
    timerId = vertx.setPeriodic(TICK_MS, id -> tick());
    metrics.state(name(), SourceState.CONNECTED);
    LOG.info("feed simulator started: {} samples/s, seed {}{}", rate, seed,
      maxSamples > 0 ? ", stopping after " + maxSamples + " samples" : "");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  private void tick() {
    long now = System.nanoTime();
    owed = Math.min(owed + rate * (now - lastTick) / 1e9, rate);
    lastTick = now;
    if (!sender.hasCapacity()) {
      stats.increment("simulatorHeldBack");
      metrics.state(name(), SourceState.LAGGING);
      return;
    }
    List<Sample> out = new ArrayList<>((int) owed + 2);
    long wallClock = System.currentTimeMillis();
    while (owed >= 1 && !finished()) {
      owed -= simulator.next(wallClock, out);
    }
    if (!out.isEmpty()) {
      metrics.samplesIn(name(), out.size());
      sender.submit(out);
    }
    metrics.state(name(), finished() ? SourceState.FINISHED : SourceState.CONNECTED);
  }

  private boolean finished() {
    return maxSamples > 0 && simulator.emitted() >= maxSamples;
  }
}
