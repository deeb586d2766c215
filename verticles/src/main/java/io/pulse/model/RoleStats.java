package io.pulse.model;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Counters and gauges of one verticle, published every second on {@link Addresses#STATS}, the counters also as
 * per-second rates, so any gateway can show the whole cluster's activity (a gauge has no rate: the change of a heap
 * size or of a connection count per second means nothing to an operator). Synchronized, so a role serving from
 * several event loops (the gateway's stream loops) can share one; the hot paths add their counts in bulk.
 */
public final class RoleStats {

  private static final long PERIOD_MS = 1000;

  private final String node;
  private final String role;
  private final Map<String, long[]> counters = new LinkedHashMap<>();
  private final Map<String, Long> previous = new LinkedHashMap<>();
  private final Set<String> gauges = new HashSet<>();
  /** Facts about the verticle itself (a gateway's URL, start time, readiness), sent as they are in every report. */
  private final JsonObject facts = new JsonObject();
  private long previousAt = System.nanoTime();

  public RoleStats(String node, String role) {
    this.node = node;
    this.role = role;
  }

  public synchronized void add(String counter, long delta) {
    counters.computeIfAbsent(counter, k -> new long[1])[0] += delta;
  }

  /** Sets a gauge (a count of something held, like connected clients) rather than adding to it. */
  public synchronized void set(String counter, long value) {
    counters.computeIfAbsent(counter, k -> new long[1])[0] = value;
    gauges.add(counter);
  }

  /** Sets a fact sent at the top level of every report (not a counter: no rate is computed for it). */
  public synchronized void describe(String key, Object value) {
    facts.put(key, value);
  }

  public void increment(String counter) {
    add(counter, 1);
  }

  public synchronized long get(String counter) {
    long[] c = counters.get(counter);
    return c == null ? 0 : c[0];
  }

  /** Starts the periodic report; returns the timer id so the verticle can cancel it on stop. */
  public long publishEverySecond(Vertx vertx) {
    return vertx.setPeriodic(PERIOD_MS, id -> vertx.eventBus().publish(Addresses.STATS, snapshot()));
  }

  public synchronized JsonObject snapshot() {
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - previousAt) / 1e9);
    JsonObject counts = new JsonObject();
    JsonObject rates = new JsonObject();
    counters.forEach((name, value) -> {
      counts.put(name, value[0]);
      if (gauges.contains(name)) {
        return;
      }
      long before = previous.getOrDefault(name, 0L);
      rates.put(name, Math.round((value[0] - before) / seconds * 10) / 10.0);
      previous.put(name, value[0]);
    });
    previousAt = now;
    return facts.copy().put("node", node).put("role", role).put("at", System.currentTimeMillis())
      .put("counters", counts).put("rates", rates);
  }
}
