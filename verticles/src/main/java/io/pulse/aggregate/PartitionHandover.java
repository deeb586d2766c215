package io.pulse.aggregate;

import io.pulse.model.Addresses;
import io.pulse.model.Partitions;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the open state of one partition's series from its old owner to its new one, so that a graceful move (a
 * node draining, a node joining) loses nothing and publishes each window once.
 *
 * <p>The protocol, which keeps every sample counted once: the old owner first stops accepting the partition (its
 * consumer goes, and a batch that still reaches it is refused, so ingest sends it again, to the new owner once
 * that one listens); then, in the same event-loop turn, it takes the series out of its engine and sends their
 * state to the new owner's {@link Addresses#AGGREGATE_HANDOVER_PREFIX} address. The new owner does not listen on
 * the partition's address until that state has arrived and been merged (or until {@link #WAIT_MS} passed, when
 * the old owner is gone without handing over), so the samples that follow apply on top of the state, in order.
 * If the hand-over fails, the old owner takes the state back and publishes its windows as they stand: the
 * behaviour without hand-over (windows split between the two owners). The alert state of those series (a streak
 * toward a rule's for-duration, an alert firing) moves with them.
 */
final class PartitionHandover {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionHandover.class);
  /** How long a new owner waits for the old owner's state: its refresh period, its entry's life, and slack. */
  static final long WAIT_MS = PartitionOwnership.TTL_MS + 2 * PartitionOwnership.PERIOD_MS;
  private static final long SEND_TIMEOUT_MS = 10_000;
  static final String PARTITION = "partition";
  static final String FROM = "from";
  static final String FORMAT = "format";
  /** Alert state of the partition's series ({@link AlertEvaluator#export}), as JSON: small, so a header. */
  static final String ALERTS = "alerts";

  private final Vertx vertx;
  private final String nodeId;
  private final AggregationEngine engine;
  private final AlertEvaluator alerts;
  private final int partitions;
  private final RoleStats stats;

  PartitionHandover(Vertx vertx, String nodeId, AggregationEngine engine, AlertEvaluator alerts, int partitions,
      RoleStats stats) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.engine = engine;
    this.alerts = alerts;
    this.partitions = partitions;
    this.stats = stats;
  }

  static String addressOf(String nodeId) {
    return Addresses.AGGREGATE_HANDOVER_PREFIX + nodeId;
  }

  /**
   * Takes partition {@code p}'s series out of the engine and sends them to {@code target}. Call it only once the
   * partition's batches are refused here. Never fails: when the target does not take them, they are published here
   * as they stand.
   */
  Future<Void> send(int p, String target) {
    Buffer state = engine.export(series -> Partitions.of(series, partitions) == p);
    JsonArray alertState = alerts.export(series -> Partitions.of(series, partitions) == p);
    int series = state.getInt(0);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MS)
      .addHeader(PARTITION, Integer.toString(p)).addHeader(FROM, nodeId).addHeader(FORMAT, engine.stateFormat())
      .addHeader(ALERTS, alertState.encode());
    return vertx.eventBus().request(addressOf(target), state, options)
      .<Void>mapEmpty()
      .onSuccess(v -> {
        stats.increment("partitionsHandedOver");
        stats.add("seriesHandedOver", series);
      })
      .recover(err -> {
        stats.increment("handoverFailures");
        LOG.warn("could not hand partition {} ({} series, {} bytes) over to aggregate node {}: {}; publishing its "
            + "open windows here as they stand instead, so the windows open now come out split between the two nodes",
          p, series, state.length(), target, err.getMessage());
        engine.adopt(state);
        alerts.adopt(alertState);
        engine.closeMatching(s -> Partitions.of(s, partitions) == p);
        return Future.succeededFuture();
      });
  }

  /**
   * Merges a partition's state sent by its old owner; returns the partition, or -1 when the message was refused
   * (and failed) because the formats differ.
   */
  int receive(Message<Buffer> message) {
    String format = message.headers().get(FORMAT);
    String from = message.headers().get(FROM);
    if (!engine.stateFormat().equals(format)) {
      LOG.error("aggregate node {} handed over a partition whose state format is {}, this node's is {}: the aggregate "
        + "settings (resolutions, percentiles, moving-average windows, late policy) must be the same on every "
        + "aggregate node; refusing it, so {} publishes those windows itself", from, format, engine.stateFormat(), from);
      message.fail(409, "state format " + engine.stateFormat() + " expected, got " + format);
      return -1;
    }
    int p = Integer.parseInt(message.headers().get(PARTITION));
    long droppedBefore = engine.handoverDropped();
    int series = engine.adopt(message.body());
    String alertState = message.headers().get(ALERTS);
    if (alertState != null) {
      stats.add("alertStatesTakenOver", alerts.adopt(new JsonArray(alertState)));
    }
    long dropped = engine.handoverDropped() - droppedBefore;
    stats.increment("partitionsTakenOver");
    stats.add("seriesTakenOver", series);
    if (dropped > 0) {
      stats.add("handoverWindowsDropped", dropped);
      LOG.warn("partition {} from {} came after this node had closed {} of its windows (the hand-over came after the "
        + "wait of {} ms); their samples on {} are lost", p, from, dropped, WAIT_MS, from);
    }
    LOG.info("took over partition {} from {}: {} series", p, from, series);
    message.reply(null);
    return p;
  }
}
