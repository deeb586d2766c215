package io.pulse.gateway;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterViewTest {

  private static final long NOW = 1_800_000_000_000L;

  private static JsonObject gateway(String node, String url, long startedAt, boolean ready, long at) {
    return new JsonObject().put("node", node).put("role", "gateway").put("at", at).put("url", url)
      .put("startedAt", startedAt).put("ready", ready).put("counters", new JsonObject()).put("rates", new JsonObject());
  }

  @Test
  @DisplayName("a draining gateway names the other ready gateways youngest first; itself, not-ready and silent "
    + "gateways are left out")
  void otherReadyGatewaysYoungestFirst() {
    ClusterView view = new ClusterView();
    view.onStats(gateway("self", "http://10.0.0.1:8080", NOW - 1000, true, NOW));
    view.onStats(gateway("old", "http://10.0.0.2:8080", NOW - 90_000, true, NOW));
    view.onStats(gateway("young", "http://10.0.0.3:8080", NOW - 5_000, true, NOW));
    view.onStats(gateway("middle", "http://10.0.0.4:8080", NOW - 30_000, true, NOW));
    view.onStats(gateway("draining", "http://10.0.0.5:8080", NOW - 2_000, false, NOW));
    view.onStats(gateway("gone", "http://10.0.0.6:8080", NOW - 500, true, NOW - ClusterView.STALE_MS - 1));
    view.onStats(new JsonObject().put("node", "worker").put("role", "aggregate").put("at", NOW));

    assertThat(view.otherReadyGateways("self", NOW))
      .containsExactly("http://10.0.0.3:8080", "http://10.0.0.4:8080", "http://10.0.0.2:8080");
  }

  @Test
  @DisplayName("/api/status shows each gateway's URL, start time and readiness")
  void nodesShowGatewayFacts() {
    ClusterView view = new ClusterView();
    view.onStats(gateway("g1", "http://10.0.0.1:8080", NOW - 1000, true, NOW));
    JsonObject entry = view.nodes(NOW).getJsonObject(0);
    assertThat(entry.getJsonObject("gateway").getMap())
      .containsEntry("url", "http://10.0.0.1:8080").containsEntry("startedAt", NOW - 1000).containsEntry("ready", true);
  }
}
