package io.pulse.ingest;

import io.pulse.model.Codecs;
import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.pulse.model.ConfigKeys.*;

/**
 * The ingest role: turns feeds into samples and hands them to aggregation in batches. Today's source is
 * the built-in simulator; outside feeds plug into the same {@link BatchSender}.
 */
public final class IngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(IngestVerticle.class);
  private static final long TICK_MS = 20;

  private RoleStats stats;
  private BatchSender sender;
  private FeedSimulator simulator;
  private long maxSamples;
  private long rate;
  private double owed;
  private long lastTick;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    Codecs.register(vertx.eventBus());
    stats = new RoleStats(NODE_ID.stringIn(conf), "ingest");
    sender = new BatchSender(vertx, "simulator", INGEST_BATCH_SIZE.intIn(conf), AGGREGATE_PARTITIONS.intIn(conf),
      INGEST_MAX_IN_FLIGHT.intIn(conf), INGEST_ACK_TIMEOUT_MS.longIn(conf), stats);
    stats.publishEverySecond(vertx);
    if (SIMULATOR_ENABLED.booleanIn(conf)) {
      startSimulator(conf);
    }
    return Future.succeededFuture();
  }

  private void startSimulator(JsonObject conf) {
    long seed = SIMULATOR_SEED.longIn(conf);
    if (seed == 0) {
      seed = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }
    rate = SIMULATOR_RATE.longIn(conf);
    maxSamples = SIMULATOR_MAX_SAMPLES.longIn(conf);
    simulator = new FeedSimulator(seed, SIMULATOR_SYMBOLS.listIn(conf), SIMULATOR_SERVICES.listIn(conf), rate,
      SIMULATOR_START_TIME.longIn(conf));
    lastTick = System.nanoTime();
    vertx.setPeriodic(TICK_MS, id -> tick());
    LOG.info("feed simulator started: {} samples/s, seed {}{}", rate, seed,
      maxSamples > 0 ? ", stopping after " + maxSamples + " samples" : "");
  }

  private void tick() {
    long now = System.nanoTime();
    owed = Math.min(owed + rate * (now - lastTick) / 1e9, rate);
    lastTick = now;
    if (!sender.hasCapacity()) {
      stats.increment("simulatorHeldBack");
      return;
    }
    List<Sample> out = new ArrayList<>((int) owed + 2);
    long wallClock = System.currentTimeMillis();
    while (owed >= 1 && !finished()) {
      owed -= simulator.next(wallClock, out);
    }
    if (!out.isEmpty()) {
      stats.add("samplesIn", out.size());
      sender.submit(out);
    }
  }

  private boolean finished() {
    return maxSamples > 0 && simulator.emitted() >= maxSamples;
  }
}
