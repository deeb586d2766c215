package io.pulse.ingest;

import io.pulse.model.Sample;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers samples that arrive one or a few at a time (socket messages, file rows) into batches for the
 * {@link BatchSender}: a batch leaves when it is full or after {@link #FLUSH_MS}. The buffer is bounded:
 * {@link #hasCapacity()} turns false when the sender is held back and the buffer holds a full batch, and
 * sources stop reading until it turns true again.
 */
final class SampleFunnel {

  static final long FLUSH_MS = 20;

  private final String source;
  private final BatchSender sender;
  private final SourceMetrics metrics;
  private final int batchSize;
  private final long timerId;
  private final Vertx vertx;
  private List<Sample> buffer;

  SampleFunnel(Vertx vertx, String source, BatchSender sender, SourceMetrics metrics, int batchSize) {
    this.vertx = vertx;
    this.source = source;
    this.sender = sender;
    this.metrics = metrics;
    this.batchSize = batchSize;
    this.buffer = new ArrayList<>(batchSize);
    this.timerId = vertx.setPeriodic(FLUSH_MS, id -> flush());
  }

  void add(Sample sample) {
    buffer.add(sample);
    if (buffer.size() >= batchSize && sender.hasCapacity()) {
      flush();
    }
  }

  /** True while a source may add more: the sender takes batches, or the buffer is below one batch. */
  boolean hasCapacity() {
    return sender.hasCapacity() || buffer.size() < batchSize;
  }

  /** Samples buffered here plus batches the sender holds: zero means all handed over is acknowledged. */
  boolean drained() {
    return buffer.isEmpty() && sender.pending() == 0;
  }

  void flush() {
    if (buffer.isEmpty() || !sender.hasCapacity()) {
      return;
    }
    List<Sample> out = buffer;
    buffer = new ArrayList<>(batchSize);
    metrics.samplesIn(source, out.size());
    sender.submit(out);
  }

  void close() {
    vertx.cancelTimer(timerId);
    if (!buffer.isEmpty()) {
      // hand over what is buffered; the sender keeps it until acknowledged or the node stops
      List<Sample> out = buffer;
      buffer = new ArrayList<>();
      metrics.samplesIn(source, out.size());
      sender.submit(out);
    }
  }
}
