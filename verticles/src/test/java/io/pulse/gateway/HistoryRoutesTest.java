package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/history} answers the client whatever the persist role replies: a result, a failure, or something
 * that is not JSON. A gateway-only node, with a stand-in for the persist role on the query address.
 */
class HistoryRoutesTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static PulseNode node;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.config("--node.roles=gateway", "--http.port=0", "--simulator.enabled=false",
      "--node.drain-ms=0"));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("a persist reply that is not JSON is answered 502, naming what came, instead of never")
  void unexpectedReply() throws Exception {
    HttpResponse<String> response = historyWhilePersist(m -> m.reply("SELECT 1"));
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(response.body()).getString("error")).contains("String", "same version");
  }

  @Test
  @DisplayName("a failed persist reply is answered 503 with its reason; a rejected query 400")
  void failedReply() throws Exception {
    HttpResponse<String> failed = historyWhilePersist(m -> m.fail(500, "history query failed: disk full"));
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(failed.body()).getString("error")).contains("no persist node answered", "disk full");
    HttpResponse<String> rejected = historyWhilePersist(m -> m.fail(400, "'to' must be after 'from'"));
    assertThat(rejected.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(rejected.body()).getString("error")).isEqualTo("'to' must be after 'from'");
  }

  @Test
  @DisplayName("a JSON reply (a persist node of an older version) is passed on as it is")
  void jsonReply() throws Exception {
    HttpResponse<String> response = historyWhilePersist(m -> m.reply(new JsonObject().put("series", "a")
      .put("results", new io.vertx.core.json.JsonArray())));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("series")).isEqualTo("a");
  }

  /** GET /api/history while {@code persist} answers the queries; 15 s at most (the gateway's own limit is 10 s). */
  private static HttpResponse<String> historyWhilePersist(Consumer<Message<Object>> persist) throws Exception {
    MessageConsumer<Object> consumer = node.vertx().eventBus().consumer(Addresses.HISTORY_QUERY, persist::accept);
    TestNodes.await(consumer.completion(), 10);
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
        + "/api/history?series=a&from=0&to=1000")).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
    } finally {
      TestNodes.await(consumer.unregister(), 10);
    }
  }
}
