package io.pulse.aggregate;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A real standalone node with every role: alert rules from config and REST, events on pulse.public.alerts. */
class AlertsRestTest {

  private PulseNode node;

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("rules from config and from POST /api/alerts are listed, fire on the simulated feed, and DELETE removes one")
  void restAndEvents() {
    node = TestNodes.start(TestNodes.config("--node.id=alerts", "--http.port=0", "--simulator.seed=9",
      "--simulator.start-time=1700000000000", "--simulator.rate=4000", "--simulator.max-samples=12000",
      "--aggregate.alert-rules=svc.*.latency count > 0"));
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    node.vertx().eventBus().<JsonObject>consumer(Addresses.ALERTS, m -> events.add(m.body()));
    WebClient client = WebClient.create(node.vertx());
    int port = node.httpPort();

    HttpResponse<Buffer> created = TestNodes.await(client.post(port, "localhost", "/api/alerts")
      .sendJsonObject(new JsonObject().put("rule", "trade.* count >= 1 for 2s")), 10);
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> bad = TestNodes.await(client.post(port, "localhost", "/api/alerts")
      .sendBuffer(Buffer.buffer("p42 > 1")), 10);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("error")).contains("unknown aggregate");

    JsonObject listed = TestNodes.await(client.get(port, "localhost", "/api/alerts").send(), 10).bodyAsJsonObject();
    assertThat(listed.getJsonArray("rules").stream().map(r -> ((JsonObject) r).getString("id")))
      .containsExactlyInAnyOrder("config-1", id);

    TestNodes.waitUntil("both rules fire", 30_000, () ->
      events.stream().anyMatch(e -> e.getString("id").equals("config-1") && e.getString("state").equals("firing"))
        && events.stream().anyMatch(e -> e.getString("id").equals(id) && e.getString("state").equals("firing")));

    assertThat(TestNodes.await(client.delete(port, "localhost", "/api/alerts/" + id).send(), 10).statusCode())
      .isEqualTo(200);
    assertThat(TestNodes.await(client.delete(port, "localhost", "/api/alerts/" + id).send(), 10).statusCode())
      .isEqualTo(404);
    JsonObject after = TestNodes.await(client.get(port, "localhost", "/api/alerts").send(), 10).bodyAsJsonObject();
    assertThat(after.getJsonArray("rules")).hasSize(1);
    // closed here, so it stays reachable while its requests run (an unreachable client is shut down by its cleaner)
    client.close();
  }
}
