package io.pulse.ingest;

import io.vertx.core.Future;

/**
 * One feed of the ingest role. Every source hands its samples to aggregation through its own
 * {@link BatchSender} (directly or through a {@link SampleFunnel}), checks input with the shared
 * {@link SampleValidator}, and shows its {@link SourceState} in the stats.
 */
interface IngestSource {

  /** The name used in stats counters and batch metadata, for example {@code exchange}. */
  String name();

  /** Starts the source; the future completes when it is ready (a listening port, a subscription). */
  Future<Void> start();

  /** Stops reading and hands over what is buffered; the future completes when the source is closed. */
  Future<Void> stop();
}
