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
 * that is not JSON; and answers a recent range it holds itself. A gateway-only node, with a stand-in for the persist
 * role on the query address.
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

  @Test
  @DisplayName("a recent range this gateway holds is answered by it, with no persist node at all; an older or a "
    + "downsampled range still goes to the persist role")
  void recentRangeAnsweredHere() throws Exception {
    long first = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    for (int i = 0; i < 10; i++) {
      node.vertx().eventBus().publish(Addresses.RESULTS,
        RecentHistoryTest.result("ring.a", 1000, first + i * 1000L, true, i));
    }
    node.vertx().eventBus().publish(Addresses.RESULTS,
      RecentHistoryTest.result("ring.a", 1000, first + 10_000, false, 10));
    String range = "/api/history?series=ring.a&from=" + first + "&to=" + (first + 30_000);
    TestNodes.waitUntil("the gateway holds the 10 results", 10_000, () -> {
      HttpResponse<String> r = get(range);
      return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("results").size() == 10;
    });
    JsonObject here = new JsonObject(get(range).body());
    assertThat(here.getString("tier")).isEqualTo("memory");
    assertThat(here.getLong("resolution")).as("the finest held, as none was asked").isEqualTo(1000);
    assertThat(here.getJsonArray("tiers").getJsonObject(0).getString("node")).isEqualTo("gateway");
    for (int i = 0; i < 10; i++) {
      JsonObject r = here.getJsonArray("results").getJsonObject(i);
      assertThat(r.getLong("start")).isEqualTo(first + i * 1000L);
      assertThat(r.getBoolean("final")).isTrue();
      assertThat(r.containsKey("published")).as("the gateway's delivery stamp is not history").isFalse();
    }
    HttpResponse<String> bad = get("/api/history?series=ring.a&from=5&to=1");
    assertThat(bad.statusCode()).as("checked here, as the persist role checks it").isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("'from' (5) is after 'to' (1)");
    assertThat(get("/api/history?series=ring.a&from=" + (first - 1000) + "&to=" + (first + 30_000)).statusCode())
      .as("no persist node for the part before the ring").isEqualTo(503);
    JsonObject fromPersist = new JsonObject().put("series", "from persist").put("results", new io.vertx.core.json.JsonArray());
    assertThat(new JsonObject(historyWhilePersist(m -> m.reply(fromPersist),
      "/api/history?series=ring.a&from=" + (first - 1000) + "&to=" + (first + 30_000)).body()).getString("series"))
      .isEqualTo("from persist");
    assertThat(new JsonObject(historyWhilePersist(m -> m.reply(fromPersist),
      range + "&step=2000").body()).getString("series")).isEqualTo("from persist");
  }

  private static HttpResponse<String> get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + path + " failed: " + e, e);
    }
  }

  private static HttpResponse<String> historyWhilePersist(Consumer<Message<Object>> persist) throws Exception {
    return historyWhilePersist(persist, "/api/history?series=a&from=0&to=1000");
  }

  /** GET {@code path} while {@code persist} answers the queries; 15 s at most (the gateway's own limit is 10 s). */
  private static HttpResponse<String> historyWhilePersist(Consumer<Message<Object>> persist, String path)
    throws Exception {
    MessageConsumer<Object> consumer = node.vertx().eventBus().consumer(Addresses.HISTORY_QUERY, persist::accept);
    TestNodes.await(consumer.completion(), 10);
    try {
      return get(path);
    } finally {
      TestNodes.await(consumer.unregister(), 10);
    }
  }
}
