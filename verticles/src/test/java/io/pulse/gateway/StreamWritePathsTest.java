package io.pulse.gateway;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both write paths of each stream kind: the bytes built once and shared by every connection
 * ({@code gateway.sse-shared-chunks}, {@code gateway.ws-shared-frames}, the default) and Vert.x's own write path
 * (both {@code false}). Either way an SSE and a WebSocket client see the same events under the same ids, and the SSE
 * response stays a well-formed chunked HTTP/1.1 stream (the client's HTTP parser would fail on a broken chunk).
 */
class StreamWritePathsTest {

  @ParameterizedTest(name = "shared bytes: {0}")
  @ValueSource(booleans = {true, false})
  @DisplayName("an SSE and a WebSocket client receive the same events under the same ids, on either write path")
  void sameEventsOnEitherPath(boolean shared) {
    PulseNode node = startNode("--gateway.sse-shared-chunks=" + shared, "--gateway.ws-shared-frames=" + shared);
    Vertx client = Vertx.vertx();
    // both clients stay reachable to the end (see finally): a Vert.x 5 client no longer reachable is shut down by its
    // cleaner at the next garbage collection, and its connections with it
    HttpClient http = client.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    WebSocketClient wsClient = client.createWebSocketClient();
    try {
      SseTestClient sse = SseTestClient.connect(http, node.httpPort(), "/api/stream?series=trade.*&resolution=100ms",
        null);
      List<JsonObject> wsMessages = new CopyOnWriteArrayList<>();
      WebSocket ws = TestNodes.await(wsClient.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(node.httpPort()).setURI("/api/ws"))
        .onSuccess(s -> s.textMessageHandler(t -> wsMessages.add(new JsonObject(t)))), 10);
      ws.writeTextMessage(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*"))
        .put("resolution", "100ms").encode());

      TestNodes.waitUntil("both clients receive 20 events", 15_000,
        () -> sse.events.size() >= 20 && wsMessages.stream().filter(m -> "result".equals(m.getString("type"))).count() >= 20);
      sse.close();
      ws.close();

      Map<Long, JsonObject> bySse = new TreeMap<>();
      sse.events.forEach(e -> bySse.put(e.id(), e.data()));
      Map<Long, JsonObject> byWs = new TreeMap<>();
      wsMessages.stream().filter(m -> "result".equals(m.getString("type")))
        .forEach(m -> byWs.put(m.getLong("id"), m.getJsonObject("data")));
      List<Long> common = bySse.keySet().stream().filter(byWs::containsKey).toList();
      assertThat(common).as("ids both clients saw").hasSizeGreaterThanOrEqualTo(10);
      for (Long id : common) {
        assertThat(bySse.get(id)).as("event %d", id).isEqualTo(byWs.get(id));
      }
      List<Long> sseIds = sse.events.stream().map(SseTestClient.Event::id).toList();
      assertThat(sseIds).as("SSE ids strictly increase").isSorted().doesNotHaveDuplicates();
      assertThat(sse.events).allSatisfy(e -> assertThat(e.data().getString("series")).startsWith("trade."));
    } finally {
      Reference.reachabilityFence(http);
      Reference.reachabilityFence(wsClient);
      TestNodes.await(client.close(), 10);
      TestNodes.stop(node);
    }
  }

  @Test
  @DisplayName("an HTTP/1.0 SSE client, which has no chunked encoding, gets the plain event stream with no chunk framing")
  void http10StreamHasNoChunkFraming() {
    PulseNode node = startNode();
    Vertx client = Vertx.vertx();
    NetClient net = client.createNetClient();
    try {
      Buffer received = Buffer.buffer();
      NetSocket socket = TestNodes.await(net.connect(node.httpPort(), "127.0.0.1"), 10);
      socket.handler(b -> {
        synchronized (received) {
          received.appendBuffer(b);
        }
      });
      socket.write("GET /api/stream?series=trade.*&resolution=100ms HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
      TestNodes.waitUntil("ten events arrive", 15_000, () -> {
        synchronized (received) {
          return received.toString().split("\nid: ", -1).length > 10;
        }
      });
      socket.close();
      String text;
      synchronized (received) {
        text = received.toString();
      }
      assertThat(text).startsWith("HTTP/1.0 200").doesNotContainIgnoringCase("transfer-encoding");
      String body = text.substring(text.indexOf("\r\n\r\n") + 4);
      assertThat(body).as("no chunk-size lines in the body").doesNotContainPattern(Pattern.compile("(?m)^[0-9a-f]+\r$"));
      assertThat(body).doesNotContain("\r");
    } finally {
      Reference.reachabilityFence(net);
      TestNodes.await(client.close(), 10);
      TestNodes.stop(node);
    }
  }

  /** A node with every role whose simulator publishes 100 ms results of two symbols, plus the given settings. */
  private static PulseNode startNode(String... settings) {
    List<String> options = new ArrayList<>(List.of("--http.port=0", "--simulator.rate=400",
      "--aggregate.resolutions=100", "--aggregate.allowed-lateness-ms=20", "--simulator.symbols=BTCUSDT,ETHUSDT",
      "--simulator.services=checkout"));
    options.addAll(List.of(settings));
    return TestNodes.start(TestNodes.config(options.toArray(String[]::new)));
  }
}
