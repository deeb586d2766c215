package io.pulse.ingest;

import io.pulse.model.Partitions;
import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hands samples to aggregation in batches and keeps every batch until aggregation acknowledges it. Each batch
 * holds the series of one partition and goes straight to that partition's owner ({@code pulse.samples.<p>}, see
 * {@link Partitions}), so a batch that fails (its partition is moving between aggregate nodes) is sent again
 * without touching the other partitions' samples, which were applied once.
 * At most {@code maxInFlight} batches are unacknowledged or waiting; sources ask {@link #hasCapacity()} before they
 * produce more, which is how backpressure reaches them. A failed or timed-out batch is sent again after a
 * capped exponential backoff, so delivery is at-least-once.
 *
 * <p>Each partition waits on its own: while one partition's owner does not answer (a partition hand-over takes
 * from milliseconds to a second or so), only that partition's batches wait, in order, and the others keep
 * flowing. Samples for a waiting partition join its last waiting batch (up to the batch size), so a partition that
 * waits for a while holds few batches and does not use up {@code maxInFlight}, which would hold back every source.
 */
final class BatchSender {

  private static final Logger LOG = LoggerFactory.getLogger(BatchSender.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5000;

  private final Vertx vertx;
  private final String source;
  private final int batchSize;
  private final int partitions;
  private final int maxInFlight;
  private final DeliveryOptions delivery;
  private final RoleStats stats;
  private final Map<Integer, Lane> lanes = new HashMap<>();
  private long nextSeq;
  private int inFlight;
  /** batches made and not sent (or sent, failed, and waiting to be sent again), over every lane */
  private int waiting;
  private boolean outageLogged;

  BatchSender(Vertx vertx, String source, int batchSize, int partitions, int maxInFlight, long ackTimeoutMs,
              RoleStats stats) {
    this.vertx = vertx;
    this.source = source;
    this.batchSize = batchSize;
    this.partitions = partitions;
    this.maxInFlight = maxInFlight;
    this.delivery = new DeliveryOptions().setSendTimeout(ackTimeoutMs);
    this.stats = stats;
  }

  /** True while fewer than {@code maxInFlight} batches wait for an acknowledgement or to be sent. */
  boolean hasCapacity() {
    return inFlight + waiting < maxInFlight;
  }

  /** Batches handed over and not yet acknowledged. */
  int pending() {
    return inFlight + waiting;
  }

  void submit(List<Sample> samples) {
    // by partition, each in arrival order: a series' samples keep their order
    Map<Integer, List<Sample>> byPartition = new TreeMap<>();
    for (Sample s : samples) {
      byPartition.computeIfAbsent(Partitions.of(s.series(), partitions), p -> new ArrayList<>()).add(s);
    }
    byPartition.forEach((partition, part) -> {
      Lane lane = lanes.computeIfAbsent(partition, Lane::new);
      int from = 0;
      Map.Entry<Long, List<Sample>> last = lane.waiting.lastEntry();
      if (last != null && last.getValue().size() < batchSize) {
        // the lane waits: these samples come after everything in it, so they may join its last batch
        from = Math.min(part.size(), batchSize - last.getValue().size());
        last.getValue().addAll(part.subList(0, from));
      }
      for (; from < part.size(); from += batchSize) {
        lane.waiting.put(nextSeq++, new ArrayList<>(part.subList(from, Math.min(part.size(), from + batchSize))));
        waiting++;
      }
    });
    pump();
  }

  /** One partition's batches: those waiting, by sequence number, and its backoff. */
  private final class Lane {
    final String address;
    final TreeMap<Long, List<Sample>> waiting = new TreeMap<>();
    long backoffMs;
    boolean paused;

    Lane(int partition) {
      this.address = Partitions.address(partition);
    }
  }

  /** Sends the oldest waiting batches of the lanes that are not paused, oldest first, while there is room. */
  private void pump() {
    while (inFlight < maxInFlight) {
      Lane next = null;
      long nextKey = Long.MAX_VALUE;
      for (Lane lane : lanes.values()) {
        if (!lane.paused && !lane.waiting.isEmpty() && lane.waiting.firstKey() < nextKey) {
          next = lane;
          nextKey = lane.waiting.firstKey();
        }
      }
      if (next == null) {
        return;
      }
      send(next, nextKey, next.waiting.remove(nextKey));
    }
  }

  private void send(Lane lane, long seq, List<Sample> samples) {
    waiting--;
    inFlight++;
    SampleBatch batch = new SampleBatch(source, samples);
    vertx.eventBus().request(lane.address, batch, delivery).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        acknowledged(lane, batch);
      } else {
        failed(lane, seq, samples, ar.cause());
      }
      pump();
    });
  }

  private void acknowledged(Lane lane, SampleBatch batch) {
    stats.add("samplesAcked", batch.size());
    stats.increment("batchesAcked");
    lane.backoffMs = 0;
    if (outageLogged && lanes.values().stream().noneMatch(l -> l.paused)) {
      LOG.info("aggregation acknowledges batches again; {} batches still pending", pending());
      outageLogged = false;
    }
  }

  private void failed(Lane lane, long seq, List<Sample> samples, Throwable cause) {
    stats.increment("batchRetries");
    // a copy: the sent batch may still be read on another node or thread (a timeout is no proof it was not)
    lane.waiting.put(seq, new ArrayList<>(samples));
    waiting++;
    lane.backoffMs = lane.backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, lane.backoffMs * 2);
    if (!outageLogged) {
      LOG.warn("aggregation did not acknowledge a batch of {} samples from {} on {} ({}); keeping it and retrying "
          + "with backoff up to {} ms (the other partitions go on). Is a node with the aggregate role running and in "
          + "the cluster?", samples.size(), source, lane.address, describe(cause), MAX_BACKOFF_MS);
      outageLogged = true;
    }
    if (!lane.paused) {
      lane.paused = true;
      vertx.setTimer(lane.backoffMs, id -> {
        lane.paused = false;
        pump();
      });
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ReplyException re) {
      return re.failureType() + (re.getMessage() == null ? "" : ": " + re.getMessage());
    }
    return String.valueOf(cause);
  }
}
