package io.pulse.ingest;

import io.pulse.model.Addresses;
import io.pulse.model.WindowResult;
import io.pulse.node.PulseNode;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listens on a node's event bus the way an operator would look at it: final window results, the ingest
 * role's stats report and the dead-letter address.
 */
final class IngestProbe {

  final Map<String, WindowResult> finals = new ConcurrentHashMap<>();
  final List<JsonObject> deadLetters = new CopyOnWriteArrayList<>();
  private volatile JsonObject ingestCounters = new JsonObject();

  IngestProbe(PulseNode node) {
    var bus = node.vertx().eventBus();
    bus.<JsonObject>consumer(Addresses.RESULTS, m -> {
      WindowResult r = WindowResult.fromJson(m.body());
      // the finest default resolution only: coarser windows share start times and would be added in
      if (r.isFinal() && r.resolution() == 1000 && !r.isCorrection()) {
        finals.merge(r.series() + "@" + r.start(), r, IngestProbe::combine);
      }
    });
    bus.<JsonObject>consumer(Addresses.STATS, m -> {
      if ("ingest".equals(m.body().getString("role")) && node.nodeId().equals(m.body().getString("node"))) {
        ingestCounters = m.body().getJsonObject("counters");
      }
    });
    bus.<JsonObject>consumer(Addresses.DEADLETTER, m -> deadLetters.add(m.body()));
  }

  /** Two final results for one window (from two aggregate nodes) add up. */
  static WindowResult combine(WindowResult a, WindowResult b) {
    return new WindowResult(a.series(), a.resolution(), a.start(), a.count() + b.count(), a.sum() + b.sum(),
      Math.min(a.min(), b.min()), Math.max(a.max(), b.max()), a.first(), b.last(), a.volume() + b.volume(),
      Double.NaN, true);
  }

  long counter(String name) {
    return ingestCounters.getLong(name, 0L);
  }

  /** Sum of counts of the final results of one series. */
  long count(String series) {
    return finals.values().stream().filter(r -> r.series().equals(series)).mapToLong(WindowResult::count).sum();
  }

  double sum(String series) {
    return finals.values().stream().filter(r -> r.series().equals(series)).mapToDouble(WindowResult::sum).sum();
  }

  double volume(String series) {
    return finals.values().stream().filter(r -> r.series().equals(series)).mapToDouble(WindowResult::volume).sum();
  }
}
