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
import io.vertx.micrometer.backends.BackendRegistries;
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
 *
 * <p>When partitions move (a node joins, or drains), their open state moves with them ({@link PartitionHandover}):
 * a graceful move loses nothing. A partition this node gained waits for that state before it listens.
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
  /** partitions gained and waiting for their old owner's state: the timer that gives up waiting */
  private final Map<Integer, Long> awaiting = new HashMap<>();
  private PartitionHandover handover;
  private ResultOutbox outbox;
  /** The time of the tick running now (0: none): every result one tick makes carries it. */
  private long tickAt;
  private WindowLatency windowLatency;
  private MessageConsumer<io.vertx.core.buffer.Buffer> handoverConsumer;
  private String nodeId;
  private boolean stopping;
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
    outbox = new ResultOutbox(context, this::publish);
    windowLatency = new WindowLatency(BackendRegistries.getDefaultNow(), NODE_ID.stringIn(conf));
    partitions = AGGREGATE_PARTITIONS.intIn(conf);
    forwardOptions = new DeliveryOptions().setSendTimeout(INGEST_ACK_TIMEOUT_MS.longIn(conf));
    long provisionalMs = AGGREGATE_PROVISIONAL_INTERVAL_MS.longIn(conf);
    long tickMs = provisionalMs > 0 ? provisionalMs : 250;
    timers.add(stats.publishEverySecond(vertx));
    timers.add(vertx.setPeriodic(tickMs, id -> tick(provisionalMs > 0)));
    alertStore = new AlertStore(vertx, settings.resolutions(), alerts);
    nodeId = NODE_ID.stringIn(conf);
    ownership = new PartitionOwnership(vertx, nodeId, partitions, this::ownPartitions);
    handover = new PartitionHandover(vertx, nodeId, engine, alerts, partitions, stats);
    handoverConsumer = bus.consumer(PartitionHandover.addressOf(nodeId), this::onHandover);
    mixedConsumer = bus.consumer(Addresses.SAMPLES, this::onMixedBatch);
    return Future.all(mixedConsumer.completion(), handoverConsumer.completion(),
        alertStore.start(AGGREGATE_ALERT_RULES.listIn(conf)))
      .compose(v -> ownership.start());
  }

  /**
   * Drains: stops taking mixed batches, marks this node leaving, hands each owned partition's open state to its
   * next owner among the remaining members, and only then leaves the members map. Alone (or standalone), it
   * publishes its open windows as they stand instead.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    awaiting.values().forEach(vertx::cancelTimer);
    awaiting.clear();
    return mixedConsumer.unregister().otherwiseEmpty()
      .compose(v -> ownership.leave())
      .recover(err -> {
        LOG.warn("could not mark this node leaving in {} ({}); publishing its open windows as they stand",
          PartitionOwnership.MEMBERS_MAP, err.getMessage());
        return Future.succeededFuture(List.of());
      })
      .compose(rest -> {
        if (rest.isEmpty()) {
          return Future.succeededFuture();
        }
        List<Future<Void>> sent = new ArrayList<>();
        List.copyOf(partitionConsumers.keySet()).forEach(p -> sent.add(giveAway(p, Partitions.owner(p, rest))));
        return Future.join(sent).mapEmpty();
      })
      .eventually(() -> {
        // whatever was not handed over is published as it stands: a graceful stop publishes every window it has seen
        engine.closeAll();
        outbox.drainFinals();
        flushFinals();
        List<Future<?>> closing = new ArrayList<>();
        partitionConsumers.values().forEach(c -> closing.add(c.unregister()));
        partitionConsumers.clear();
        closing.add(handoverConsumer.unregister());
        closing.add(ownership.stop());
        closing.add(alertStore.stop());
        return Future.join(closing);
      })
      .eventually(() -> {
        windowLatency.close();
        return Future.succeededFuture();
      });
  }

  /**
   * Applies a new assignment: partitions lost are handed over to their new owners; partitions gained listen at once,
   * or once their old owner's state came when that owner is still there to send it.
   */
  private void ownPartitions(PartitionOwnership.Assignment assignment) {
    BitSet mine = assignment.mine();
    List.copyOf(partitionConsumers.keySet()).stream().filter(p -> !mine.get(p))
      .forEach(p -> giveAway(p, Partitions.owner(p, assignment.members())));
    List.copyOf(awaiting.keySet()).stream().filter(p -> !mine.get(p))
      .forEach(p -> vertx.cancelTimer(awaiting.remove(p)));
    mine.stream().filter(p -> !partitionConsumers.containsKey(p) && !awaiting.containsKey(p)).forEach(p -> {
      String before = previousOwner(p, assignment);
      if (before != null && !before.equals(nodeId) && assignment.present().contains(before)) {
        awaiting.put(p, vertx.setTimer(PartitionHandover.WAIT_MS, id -> {
          awaiting.remove(p);
          stats.increment("handoverWaitsTimedOut");
          LOG.warn("partition {} came to this node but its old owner {} sent no state within {} ms; taking it "
            + "without (that node's open windows of the partition are lost)", p, before, PartitionHandover.WAIT_MS);
          listen(p);
        }));
      } else {
        listen(p);
      }
    });
    stats.set("partitionsOwned", mine.cardinality());
    stats.set("aggregateMembers", assignment.members().size());
    LOG.info("this node owns {} of {} partitions ({} waiting for their state); aggregate members {}",
      mine.cardinality(), partitions, awaiting.size(), assignment.members());
  }

  /** Who owned {@code p} before: by the previous members, or, on a first assignment, by the others. */
  private String previousOwner(int p, PartitionOwnership.Assignment assignment) {
    List<String> before = assignment.previous();
    if (before.isEmpty()) {
      before = new ArrayList<>(assignment.members());
      before.remove(nodeId);
    }
    return Partitions.owner(p, before);
  }

  /** Stops taking partition {@code p}'s batches, then hands its state over: nothing can slip in between. */
  private Future<Void> giveAway(int p, String target) {
    MessageConsumer<SampleBatch> consumer = partitionConsumers.remove(p);
    if (consumer != null) {
      consumer.unregister();
    }
    return handover.send(p, target);
  }

  private void listen(int p) {
    if (!partitionConsumers.containsKey(p)) {
      partitionConsumers.put(p, vertx.eventBus().consumer(Partitions.address(p), m -> onBatch(p, m)));
    }
  }

  private void onHandover(Message<io.vertx.core.buffer.Buffer> message) {
    if (stopping) {
      message.fail(503, "aggregate node " + nodeId + " is stopping");
      return;
    }
    int p = handover.receive(message);
    if (p >= 0) {
      Long timer = awaiting.remove(p);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
      ownership.adopted(p);
      listen(p);
    }
  }

  private void onBatch(int partition, Message<SampleBatch> message) {
    if (!partitionConsumers.containsKey(partition)) {
      // reached us after the partition moved away: refused, so the sender sends it again to the new owner
      message.fail(503, "partition " + partition + " moved away from aggregate node " + nodeId);
      return;
    }
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
    boolean stillSending = outbox.busy();
    if (provisional && stillSending) {
      stats.increment("provisionalTicksSkipped");
    }
    tickAt = System.currentTimeMillis();
    try {
      engine.tick(tickAt, provisional && !stillSending);
    } finally {
      tickAt = 0;
    }
    stats.set("resultsWaiting", outbox.waiting());
    stats.set("series", engine.seriesCount());
    stats.set("seriesExpired", engine.expired());
    stats.set("openWindows", engine.openWindows());
  }

  /** From the engine: alerts see final results at once; publishing goes through the outbox, in slices. */
  private void onResult(WindowResult r) {
    if (r.isFinal() && !r.isCorrection()) {
      alerts.onResult(r);
    }
    // results made outside a tick (a late sample's correction, a stop) are their own tick
    outbox.add(r, tickAt != 0 ? tickAt : System.currentTimeMillis());
  }

  private void publish(WindowResult r, long tick) {
    vertx.eventBus().publish(Addresses.RESULTS, r.toJson().put("tick", tick));
    windowLatency.published(r, System.currentTimeMillis());
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
