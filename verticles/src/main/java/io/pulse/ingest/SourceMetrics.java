package io.pulse.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pulse.model.RoleStats;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every source reports about itself — samples taken in, input refused per reason, its {@link SourceState} —
 * kept in two places: the ingest role's stats (published on {@code pulse.stats}, read in {@code /api/status}) and
 * labelled Micrometer meters in the node's registry, which Prometheus scrapes from the gateway's {@code /metrics}
 * and from {@code /metrics} on {@code node.health-port} of any node:
 * <ul>
 *   <li>{@code pulse_ingest_samples_total{node,source}}: samples handed to aggregation;</li>
 *   <li>{@code pulse_ingest_rejects_total{node,source,reason}}: refused input;</li>
 *   <li>{@code pulse_ingest_source_state{node,source,state}}: 1 for the source's current state, 0 for the others.</li>
 * </ul>
 * The {@code node} label tells nodes apart where several share one registry (nodes started in one JVM by tests).
 * Without a registry (metrics off) only the stats are kept.
 */
final class SourceMetrics {

  /** Micrometer names; the Prometheus registry writes them with underscores and {@code _total} for counters. */
  static final String SAMPLES = "pulse.ingest.samples";
  static final String REJECTS = "pulse.ingest.rejects";
  static final String STATE = "pulse.ingest.source.state";

  private final RoleStats stats;
  private final MeterRegistry registry;
  private final String node;
  private final Map<String, Counter> samples = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejects = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<SourceState>> states = new ConcurrentHashMap<>();
  private final List<Meter> registered = new CopyOnWriteArrayList<>();

  /** {@code registry} may be null: Vert.x metrics are off, only the stats count. */
  SourceMetrics(RoleStats stats, MeterRegistry registry, String node) {
    this.stats = stats;
    this.registry = registry;
    this.node = node;
  }

  void samplesIn(String source, long count) {
    stats.add("samplesIn", count);
    stats.add(source + ".samplesIn", count);
    if (registry != null) {
      samples.computeIfAbsent(source, this::samplesCounter).increment(count);
    }
  }

  void rejected(String source, RejectReason reason, long count) {
    if (count <= 0) {
      return;
    }
    stats.add(source + ".rejected." + reason.code(), count);
    stats.add(source + ".rejected", count);
    if (registry != null) {
      rejects.computeIfAbsent(source + '\n' + reason.code(), k -> remember(Counter.builder(REJECTS)
        .description("input an ingest source refused, by reason")
        .tag("node", node).tag("source", source).tag("reason", reason.code()).register(registry))).increment(count);
    }
  }

  /** Sets {@code state} as the current state of {@code source}: exactly one state gauge of a source is 1. */
  void state(String source, SourceState state) {
    for (SourceState s : SourceState.values()) {
      stats.set(source + ".state." + s.label(), s == state ? 1 : 0);
    }
    states.computeIfAbsent(source, this::stateGauges).set(state);
  }

  /** Removes this verticle's meters, so a stopped ingest role leaves no frozen gauges behind. */
  void close() {
    if (registry != null) {
      registered.forEach(registry::remove);
    }
    registered.clear();
  }

  private Counter samplesCounter(String source) {
    return remember(Counter.builder(SAMPLES).description("samples an ingest source handed to aggregation")
      .tag("node", node).tag("source", source).register(registry));
  }

  private AtomicReference<SourceState> stateGauges(String source) {
    AtomicReference<SourceState> current = new AtomicReference<>();
    if (registry != null) {
      for (SourceState s : SourceState.values()) {
        remember(Gauge.builder(STATE, current, c -> c.get() == s ? 1 : 0)
          .description("1 for the ingest source's current state, 0 for the others")
          .tag("node", node).tag("source", source).tag("state", s.label()).strongReference(true).register(registry));
      }
      // a source that has a state but took nothing in yet still shows its counter, at 0
      samples.computeIfAbsent(source, this::samplesCounter);
    }
    return current;
  }

  private <M extends Meter> M remember(M meter) {
    registered.add(meter);
    return meter;
  }
}
