package io.pulse.aggregate;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pulse.model.WindowResult;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code pulse_window_latency_seconds{node,resolution}} in the node's Prometheus registry: for each first final
 * result, the time from the end of its window (event time) to its publication, which is the allowed lateness plus
 * whatever the node adds. {@code resolution} is the window length in milliseconds. Replayed or back-dated input
 * shows as large values: the delay is measured against event time. Without a registry (metrics off) it records
 * nothing.
 */
final class WindowLatency {

  static final String NAME = "pulse.window.latency";

  private final MeterRegistry registry;
  private final String node;
  private final Map<Long, Timer> timers = new ConcurrentHashMap<>();

  WindowLatency(MeterRegistry registry, String node) {
    this.registry = registry;
    this.node = node;
  }

  /** Records a published result when it is a window's first final result (corrections and provisionals are not). */
  void published(WindowResult result, long nowMs) {
    if (registry == null || !result.isFinal() || result.isCorrection()) {
      return;
    }
    timers.computeIfAbsent(result.resolution(), this::timer).record(Duration.ofMillis(Math.max(0, nowMs - result.end())));
  }

  private Timer timer(long resolution) {
    return Timer.builder(NAME).description("time from a window's end (event time) to the publication of its final result")
      .tag("node", node).tag("resolution", String.valueOf(resolution))
      .serviceLevelObjectives(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60))
      .register(registry);
  }

  /** Removes the meters, so a stopped aggregate role leaves no frozen timers behind. */
  void close() {
    if (registry != null) {
      timers.values().forEach(registry::remove);
    }
    timers.clear();
  }
}
