package io.pulse.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What this gateway knows of every node from their stats reports: roles, per-second rates and, for gateways,
 * where clients reach them and since when. A node that has not reported for {@link #STALE_MS} is dropped from the
 * view. Synchronized: updated on the gateway's event loop, read by every stream loop's REST handlers.
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
    dropStale(now);
    JsonArray out = new JsonArray();
    byNode.forEach((node, roles) -> {
      JsonObject entry = new JsonObject().put("node", node).put("roles", new JsonArray(roles.keySet().stream().toList()));
      JsonObject rates = new JsonObject();
      JsonObject counters = new JsonObject();
      roles.forEach((role, report) -> {
        rates.put(role, report.getJsonObject("rates"));
        counters.put(role, report.getJsonObject("counters"));
      });
      JsonObject gateway = roles.get("gateway");
      if (gateway != null && gateway.containsKey("url")) {
        entry.put("gateway", new JsonObject().put("url", gateway.getString("url"))
          .put("startedAt", gateway.getLong("startedAt", 0L)).put("ready", gateway.getBoolean("ready", false)));
      }
      out.add(entry.put("rates", rates).put("counters", counters));
    });
    return out;
  }

  /**
   * The URLs of the ready gateways other than {@code self}'s, youngest first: during a rolling replacement the most
   * recently started gateway is the one that will not be replaced again, so a client sent there moves only once.
   * A gateway whose node drains reports {@code ready: false} and is left out.
   */
  synchronized List<String> otherReadyGateways(String self, long now) {
    dropStale(now);
    List<JsonObject> gateways = new ArrayList<>();
    byNode.forEach((node, roles) -> {
      JsonObject gateway = roles.get("gateway");
      if (!node.equals(self) && gateway != null && gateway.getBoolean("ready", false)
        && !gateway.getString("url", "").isEmpty()) {
        gateways.add(gateway);
      }
    });
    gateways.sort(Comparator.comparingLong((JsonObject g) -> g.getLong("startedAt", 0L)).reversed());
    return gateways.stream().map(g -> g.getString("url")).toList();
  }

  private void dropStale(long now) {
    byNode.values().forEach(roles -> roles.values().removeIf(r -> now - r.getLong("at", 0L) > STALE_MS));
    byNode.values().removeIf(Map::isEmpty);
  }
}
