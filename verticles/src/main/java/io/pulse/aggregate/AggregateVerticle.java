package io.pulse.aggregate;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.Partitions;
import io.pulse.model.ResultBatch;
import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.pulse.model.WindowResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.pulse.model.ConfigKeys.*;

/**
 * The aggregate role: owns some partitions of the series (all of them on a single aggregate node), applies their
 * sample batches to the {@link AggregationEngine}, acknowledges each batch once applied, publishes provisional and
 * final results on {@link Addresses#RESULTS}, the final ones also in batches on {@link Addresses#FINAL_RESULTS} (for
 * persistence), and evaluates alert rules on the final ones.
 *
 * <p>Batches for one partition arrive on {@code pulse.samples.<p>}, registered only by the partition's owner. A
 * batch of mixed series sent to {@link Addresses#SAMPLES} is split by partition and forwarded to the owners; it is
 * acknowledged once every part is.
 */
public final class AggregateVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AggregateVerticle.class);
  private static final long LOG_EVERY_MS = 60_000;
  /** A batch of final results goes out this long after its first result at the latest, */
  private static final long FINALS_FLUSH_MS = 10;
  /** or as soon as it holds this many. */
  private static final int FINALS_MAX = 1000;

  private AggregationEngine engine;
  private AlertEvaluator alerts;
  private AlertStore alertStore;
  private PartitionOwnership ownership;
  private RoleStats stats;
  private int partitions;
  private DeliveryOptions forwardOptions;
  private MessageConsumer<SampleBatch> mixedConsumer;
  private final Map<Integer, MessageConsumer<SampleBatch>> partitionConsumers = new HashMap<>();
  private final List<Long> timers = new ArrayList<>();
  private long capLoggedAt = Long.MIN_VALUE;
  /** Final results gathered for the next {@link Addresses#FINAL_RESULTS} batch, in order of production. */
  private List<WindowResult> finals = new ArrayList<>();
  private boolean finalsFlushPlanned;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    EngineSettings settings;
    try {
      settings = EngineSettings.from(conf);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e.getMessage());
    }
    engine = new AggregationEngine(settings, this::onResult);
    alerts = new AlertEvaluator(event -> {
      stats.increment("alerts." + event.getString("state"));
      bus.publish(Addresses.ALERTS, event);
    });
    stats = new RoleStats(NODE_ID.stringIn(conf), "aggregate");
    partitions = AGGREGATE_PARTITIONS.intIn(conf);
    forwardOptions = new DeliveryOptions().setSendTimeout(INGEST_ACK_TIMEOUT_MS.longIn(conf));
    long provisionalMs = AGGREGATE_PROVISIONAL_INTERVAL_MS.longIn(conf);
    long tickMs = provisionalMs > 0 ? provisionalMs : 250;
    timers.add(stats.publishEverySecond(vertx));
    timers.add(vertx.setPeriodic(tickMs, id -> tick(provisionalMs > 0)));
    alertStore = new AlertStore(vertx, settings.resolutions(), alerts);
    ownership = new PartitionOwnership(vertx, NODE_ID.stringIn(conf), partitions, this::ownPartitions);
    mixedConsumer = bus.consumer(Addresses.SAMPLES, this::onMixedBatch);
    return Future.all(mixedConsumer.completion(), alertStore.start(AGGREGATE_ALERT_RULES.listIn(conf)))
      .compose(v -> ownership.start());
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    List<Future<?>> closing = new ArrayList<>();
    closing.add(mixedConsumer.unregister());
    partitionConsumers.values().forEach(c -> closing.add(c.unregister()));
    closing.add(ownership.stop());
    closing.add(alertStore.stop());
    // Flush what is open so a graceful stop publishes every window it has seen samples for.
    engine.closeAll();
    flushFinals();
    return Future.join(closing);
  }

  /** Registers the partitions this node gained, and for those it lost closes their windows as they stand. */
  private void ownPartitions(BitSet mine) {
    BitSet lost = new BitSet();
    partitionConsumers.keySet().forEach(p -> {
      if (!mine.get(p)) {
        lost.set(p);
      }
    });
    lost.stream().forEach(p -> partitionConsumers.remove(p).unregister());
    if (!lost.isEmpty()) {
      engine.closeMatching(series -> lost.get(Partitions.of(series, partitions)));
    }
    mine.stream().filter(p -> !partitionConsumers.containsKey(p)).forEach(p ->
      partitionConsumers.put(p, vertx.eventBus().consumer(Partitions.address(p), this::onBatch)));
    stats.set("partitionsOwned", mine.cardinality());
    stats.set("aggregateMembers", ownership.members().size());
    LOG.info("this node owns {} of {} partitions; aggregate members {}", mine.cardinality(), partitions,
      ownership.members());
  }

  private void onBatch(Message<SampleBatch> message) {
    apply(message.body().samples());
    message.reply(null);
  }

  private void apply(List<Sample> samples) {
    AggregationEngine.BatchOutcome outcome = new AggregationEngine.BatchOutcome();
    engine.addAll(samples, System.currentTimeMillis(), outcome);
    stats.add("samplesIn", outcome.accepted);
    if (outcome.late > 0) {
      stats.add("samplesLate", outcome.late);
    }
    if (outcome.rejectedValue > 0) {
      stats.add("samplesRejectedValue", outcome.rejectedValue);
    }
    if (outcome.rejectedSeriesCap > 0) {
      rejectedForCap(outcome.rejectedSeriesCap, outcome.cappedSeries);
    }
  }

  private void rejectedForCap(long samples, String example) {
    stats.add("samplesRejectedSeriesCap", samples);
    long now = System.currentTimeMillis();
    if (now - capLoggedAt >= LOG_EVERY_MS) {
      capLoggedAt = now;
      LOG.warn("this aggregate node holds {} series, the limit aggregate.max-series; samples of new series such as "
          + "{} are rejected (counted as samplesRejectedSeriesCap). Raise the limit, add aggregate nodes, or lower "
          + "aggregate.series-expiry-ms so idle series are forgotten sooner", engine.seriesCount(), example);
    }
  }

  /** A batch of any series: split by partition and forwarded to each owner (this node included). */
  private void onMixedBatch(Message<SampleBatch> message) {
    SampleBatch batch = message.body();
    Map<Integer, List<Sample>> parts = new HashMap<>();
    for (Sample s : batch.samples()) {
      parts.computeIfAbsent(Partitions.of(s.series(), partitions), k -> new ArrayList<>()).add(s);
    }
    List<Future<?>> sent = new ArrayList<>();
    parts.forEach((p, samples) -> {
      if (partitionConsumers.containsKey(p)) {
        apply(samples);
      } else {
        sent.add(vertx.eventBus().request(Partitions.address(p), new SampleBatch(batch.source(), samples),
          forwardOptions));
      }
    });
    Future.all(sent).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(null);
      } else {
        stats.increment("forwardFailures");
        message.fail(503, "a partition owner did not acknowledge: " + ar.cause().getMessage());
      }
    });
  }

  private void tick(boolean provisional) {
    engine.tick(System.currentTimeMillis(), provisional);
    stats.set("series", engine.seriesCount());
    stats.set("seriesExpired", engine.expired());
    stats.set("openWindows", engine.openWindows());
  }

  private void onResult(WindowResult r) {
    vertx.eventBus().publish(Addresses.RESULTS, r.toJson());
    if (r.isFinal()) {
      finals.add(r);
      if (finals.size() >= FINALS_MAX) {
        flushFinals();
      } else if (!finalsFlushPlanned) {
        finalsFlushPlanned = true;
        vertx.setTimer(FINALS_FLUSH_MS, id -> {
          finalsFlushPlanned = false;
          flushFinals();
        });
      }
    }
    if (r.isCorrection()) {
      stats.increment("windowsCorrected");
    } else if (r.isFinal()) {
      stats.increment("windowsClosed");
      alerts.onResult(r);
    } else {
      stats.increment("windowsProvisional");
    }
  }

  /** Publishes the final results gathered so far as one batch: persistence takes them in per batch, not one by one. */
  private void flushFinals() {
    if (!finals.isEmpty()) {
      vertx.eventBus().publish(Addresses.FINAL_RESULTS, new ResultBatch(finals));
      finals = new ArrayList<>();
    }
  }
}
