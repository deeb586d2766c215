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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Hands samples to aggregation in batches and keeps every batch until aggregation acknowledges it. Each batch
 * holds the series of one partition and goes straight to that partition's owner ({@code pulse.samples.<p>}, see
 * {@link Partitions}), so a batch that fails (its partition is moving between aggregate nodes) is sent again
 * without touching the other partitions' samples, which were applied once.
 * At most {@code maxInFlight} batches are unacknowledged; sources ask {@link #hasCapacity()} before they
 * produce more, which is how backpressure reaches them. A failed or timed-out batch is sent again after a
 * capped exponential backoff, so delivery is at-least-once.
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
  /** Waiting batches in the order they were made: a batch sent again goes before every later one. */
  private final PriorityQueue<Numbered> queue = new PriorityQueue<>(Comparator.comparingLong(Numbered::seq));
  private long nextSeq;
  private int inFlight;
  private long backoffMs;
  private boolean waitingToRetry;
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

  /** True while fewer than {@code maxInFlight} batches wait for an acknowledgement or in the queue. */
  boolean hasCapacity() {
    return inFlight + queue.size() < maxInFlight;
  }

  /** Batches handed over and not yet acknowledged. */
  int pending() {
    return inFlight + queue.size();
  }

  void submit(List<Sample> samples) {
    // by partition, each in arrival order: a series' samples keep their order
    Map<Integer, List<Sample>> byPartition = new TreeMap<>();
    for (Sample s : samples) {
      byPartition.computeIfAbsent(Partitions.of(s.series(), partitions), p -> new ArrayList<>()).add(s);
    }
    byPartition.forEach((partition, part) -> {
      for (int from = 0; from < part.size(); from += batchSize) {
        SampleBatch batch = new SampleBatch(source, part.subList(from, Math.min(part.size(), from + batchSize)));
        queue.add(new Numbered(nextSeq++, Partitions.address(partition), batch));
      }
    });
    pump();
  }

  private record Numbered(long seq, String address, SampleBatch batch) {
  }

  private void pump() {
    while (!waitingToRetry && inFlight < maxInFlight && !queue.isEmpty()) {
      send(queue.poll());
    }
  }

  private void send(Numbered numbered) {
    inFlight++;
    vertx.eventBus().request(numbered.address(), numbered.batch(), delivery).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        acknowledged(numbered.batch());
      } else {
        failed(numbered, ar.cause());
      }
      pump();
    });
  }

  private void acknowledged(SampleBatch batch) {
    stats.add("samplesAcked", batch.size());
    stats.increment("batchesAcked");
    backoffMs = 0;
    if (outageLogged) {
      LOG.info("aggregation acknowledges batches again; {} batches still pending", pending());
      outageLogged = false;
    }
  }

  private void failed(Numbered numbered, Throwable cause) {
    SampleBatch batch = numbered.batch();
    stats.increment("batchRetries");
    queue.add(numbered);
    backoffMs = backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    if (!outageLogged) {
      LOG.warn("aggregation did not acknowledge a batch of {} samples from {} on {} ({}); keeping it and retrying "
          + "with backoff up to {} ms. Is a node with the aggregate role running and in the cluster?",
        batch.size(), source, numbered.address(), describe(cause), MAX_BACKOFF_MS);
      outageLogged = true;
    }
    if (!waitingToRetry) {
      waitingToRetry = true;
      vertx.setTimer(backoffMs, id -> {
        waitingToRetry = false;
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
