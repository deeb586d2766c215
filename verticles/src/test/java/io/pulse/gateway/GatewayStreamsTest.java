package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** One node with every role and the simulator; the streams and REST as an outside client sees them. */
class GatewayStreamsTest {

  private static PulseNode node;
  private static Vertx client;
  private static HttpClient http;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.config("--http.port=0", "--simulator.rate=500", "--aggregate.resolutions=200",
      "--aggregate.allowed-lateness-ms=50", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout"));
    client = Vertx.vertx();
    // a connection per request: a kept-alive connection reused after a response left unread can hang the next
    // request in the client (seen here under load), which is the client's fault, not the gateway's
    http = client.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(client.close(), 10);
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("GET /api/stream delivers window results as server-sent events with ids, filtered by series")
  void sseStream() {
    List<String> events = new CopyOnWriteArrayList<>();
    StringBuilder text = new StringBuilder();
    HttpClientResponse response = TestNodes.await(http.request(new RequestOptions().setMethod(HttpMethod.GET)
      .setHost("127.0.0.1").setPort(node.httpPort()).setURI("/api/stream?series=trade.*"))
      .compose(req -> req.send()), 10);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/event-stream");
    response.handler(chunk -> {
      synchronized (text) {
        text.append(chunk.toString());
        int end;
        while ((end = text.indexOf("\n\n")) >= 0) {
          events.add(text.substring(0, end));
          text.delete(0, end + 2);
        }
      }
    });
    TestNodes.waitUntil("three result events arrive", 15_000,
      () -> events.stream().filter(e -> e.contains("event: result")).count() >= 3);
    response.request().connection().close();

    List<String> results = events.stream().filter(e -> e.contains("event: result")).toList();
    long previousId = 0;
    for (String event : results) {
      String id = event.lines().filter(l -> l.startsWith("id: ")).findFirst().orElseThrow().substring(4);
      assertThat(Long.parseLong(id)).as("ids increase").isGreaterThan(previousId);
      previousId = Long.parseLong(id);
      String data = event.lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow().substring(6);
      JsonObject result = new JsonObject(data);
      assertThat(result.getString("series")).isEqualTo("trade.BTCUSDT");
      assertThat(result.getLong("count")).isPositive();
      assertThat(result.getDouble("min")).isLessThanOrEqualTo(result.getDouble("max"));
      assertThat(result.getLong("end") - result.getLong("start")).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("the SockJS bridge delivers results on the public address and refuses every other address")
  void sockJsBridge() {
    WebSocketClient wsClient = client.createWebSocketClient();
    WebSocket ws = TestNodes.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(node.httpPort()).setURI("/eventbus/000/pulsetest/websocket")), 10);
    List<JsonObject> frames = new CopyOnWriteArrayList<>();
    ws.textMessageHandler(text -> {
      // SockJS framing: "o" open, "h" heartbeat, a["json", ...] messages
      if (text.startsWith("a")) {
        new JsonArray(text.substring(1)).forEach(m -> frames.add(new JsonObject((String) m)));
      }
    });
    sendFrame(ws, new JsonObject().put("type", "register").put("address", Addresses.SAMPLES));
    sendFrame(ws, new JsonObject().put("type", "send").put("address", Addresses.STATS)
      .put("body", new JsonObject().put("series", "x")).put("replyAddress", "r1"));
    sendFrame(ws, new JsonObject().put("type", "publish").put("address", Addresses.RESULTS)
      .put("body", new JsonObject().put("series", "forged")));
    sendFrame(ws, new JsonObject().put("type", "register").put("address", Addresses.RESULTS));

    TestNodes.waitUntil("a result arrives on the permitted address", 15_000,
      () -> frames.stream().anyMatch(f -> "rec".equals(f.getString("type"))));
    TestNodes.waitUntil("three refusals arrive", 5_000,
      () -> frames.stream().filter(f -> "err".equals(f.getString("type"))).count() >= 3);
    assertThat(frames.stream().filter(f -> "err".equals(f.getString("type"))))
      .allSatisfy(f -> assertThat(f.getString("body")).isEqualTo("access_denied"));
    assertThat(frames.stream().filter(f -> "rec".equals(f.getString("type"))))
      .allSatisfy(f -> {
        assertThat(f.getString("address")).isEqualTo(Addresses.RESULTS);
        assertThat(f.getJsonObject("body").getString("series")).isNotEqualTo("forged");
      });
    ws.close();
    // closed here, so it stays reachable while its socket is used (an unreachable client is shut down by its cleaner)
    wsClient.close();
  }

  @Test
  @DisplayName("REST: /api/status names the node and its roles, /api/latest and /api/history return results, "
    + "a bad history query is a 400 with the reason")
  void rest() {
    TestNodes.waitUntil("latest results exist", 15_000, () -> get("/api/latest").getJsonArray("results").size() >= 2);
    JsonObject status = get("/api/status");
    assertThat(status.getString("node")).startsWith("node-");
    assertThat(status.getJsonArray("roles")).containsExactlyInAnyOrder("ingest", "aggregate", "persist", "gateway");
    TestNodes.waitUntil("stats from every role arrive", 5_000,
      () -> get("/api/status").getJsonArray("nodes").size() == 1
        && get("/api/status").getJsonArray("nodes").getJsonObject(0).getJsonArray("roles").size() == 4);
    JsonObject ingestRates = get("/api/status").getJsonArray("nodes").getJsonObject(0)
      .getJsonObject("rates").getJsonObject("ingest");
    assertThat(ingestRates.getDouble("samplesIn")).isPositive();

    TestNodes.waitUntil("history holds results", 10_000,
      () -> get("/api/history?series=trade.BTCUSDT").getJsonArray("results").size() >= 2);
    JsonObject history = get("/api/history?series=trade.BTCUSDT");
    assertThat(history.getString("tier")).isEqualTo("memory");

    var bad = send("/api/history?series=a&from=yesterday");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).contains("epoch milliseconds");
  }

  @Test
  @DisplayName("the dashboard page and its pinned client libraries are served by the gateway")
  void dashboardServed() {
    for (String path : List.of("/", "/js/app.js", "/vendor/sockjs.min.js", "/vendor/vertx-eventbus.js",
      "/vendor/uPlot.esm.js", "/vendor/uPlot.min.css")) {
      int status = TestNodes.awaitAnswer(() -> http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", path)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp.statusCode()))), 10);
      assertThat(status).as(path).isEqualTo(200);
    }
  }

  private static void sendFrame(WebSocket ws, JsonObject frame) {
    ws.writeTextMessage(new JsonArray().add(frame.encode()).encode());
  }

  /** REST calls go through their own client, so a stream test's connections never hold them up. */
  private static final java.net.http.HttpClient REST = java.net.http.HttpClient.newBuilder()
    .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();

  private static JsonObject get(String uri) {
    return new JsonObject(send(uri).body());
  }

  private static java.net.http.HttpResponse<String> send(String uri) {
    try {
      return REST.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + node.httpPort() + uri)).timeout(java.time.Duration.ofSeconds(30)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + uri + " failed: " + e, e);
    }
  }
}
