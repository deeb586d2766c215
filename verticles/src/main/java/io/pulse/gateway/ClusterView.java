package io.pulse.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * What this gateway knows of every node from their stats reports: roles and per-second rates.
 * A node that has not reported for {@link #STALE_MS} is dropped from the view. Synchronized: updated on the
 * gateway's event loop, read by every stream loop's REST handlers.
 */
final class ClusterView {

  static final long STALE_MS = 5000;

  private final Map<String, Map<String, JsonObject>> byNode = new TreeMap<>();

  synchronized void onStats(JsonObject report) {
    String node = report.getString("node", "?");
    String role = report.getString("role", "?");
    byNode.computeIfAbsent(node, k -> new TreeMap<>()).put(role, report);
  }

  synchronized JsonArray nodes(long now) {
    byNode.values().forEach(roles -> roles.values().removeIf(r -> now - r.getLong("at", 0L) > STALE_MS));
    byNode.values().removeIf(Map::isEmpty);
    JsonArray out = new JsonArray();
    byNode.forEach((node, roles) -> {
      JsonObject entry = new JsonObject().put("node", node).put("roles", new JsonArray(roles.keySet().stream().toList()));
      JsonObject rates = new JsonObject();
      JsonObject counters = new JsonObject();
      roles.forEach((role, report) -> {
        rates.put(role, report.getJsonObject("rates"));
        counters.put(role, report.getJsonObject("counters"));
      });
      out.add(entry.put("rates", rates).put("counters", counters));
    });
    return out;
  }
}
