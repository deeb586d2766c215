package io.pulse.persist;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * {@code pulse_store_write_seconds{node,store,outcome}} in the node's Prometheus registry: how long each batch write
 * to a store took, {@code outcome} {@code ok} or {@code failed} (a write unanswered in
 * {@link StoreWriter#WRITE_TIMEOUT_MS} counts as failed). Without a registry (metrics off) it records nothing.
 */
final class StoreWriteTimer {

  static final String NAME = "pulse.store.write";

  private final MeterRegistry registry;
  private final Timer ok;
  private final Timer failed;

  StoreWriteTimer(MeterRegistry registry, String node, String store) {
    this.registry = registry;
    this.ok = registry == null ? null : timer(registry, node, store, "ok");
    this.failed = registry == null ? null : timer(registry, node, store, "failed");
  }

  private static Timer timer(MeterRegistry registry, String node, String store, String outcome) {
    return Timer.builder(NAME).description("time of one batch write of results to a store")
      .tag("node", node).tag("store", store).tag("outcome", outcome)
      .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10))
      .register(registry);
  }

  void record(long nanos, boolean succeeded) {
    if (registry != null) {
      (succeeded ? ok : failed).record(Duration.ofNanos(nanos));
    }
  }

  /** Removes the meters, so a stopped persist role leaves no frozen timers behind. */
  void close() {
    if (registry != null) {
      registry.remove(ok);
      registry.remove(failed);
    }
  }
}
