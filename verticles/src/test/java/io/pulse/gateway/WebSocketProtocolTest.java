package io.pulse.gateway;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The /api/ws JSON protocol, from hello to resume, and what happens to clients that misbehave. */
class WebSocketProtocolTest {

  private static PulseNode node;
  private static Vertx client;
  private static WebSocketClient wsClient;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.config("--http.port=0", "--simulator.rate=400", "--aggregate.resolutions=100",
      "--aggregate.allowed-lateness-ms=20", "--simulator.symbols=BTCUSDT,ETHUSDT", "--simulator.services=checkout"));
    client = Vertx.vertx();
    wsClient = client.createWebSocketClient();
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(client.close(), 10);
    TestNodes.stop(node);
  }

  private record Socket(WebSocket ws, List<JsonObject> messages) {
    void send(Object message) {
      ws.writeTextMessage(message instanceof JsonObject j ? j.encode() : message.toString());
    }

    List<JsonObject> ofType(String type) {
      return messages.stream().filter(m -> type.equals(m.getString("type"))).toList();
    }

    long lastEventId() {
      return ofType("result").stream().mapToLong(m -> m.getLong("id")).max().orElse(-1);
    }
  }

  private static Socket open() {
    return open(wsClient);
  }

  private static Socket open(WebSocketClient wsClient) {
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    WebSocket ws = TestNodes.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(node.httpPort()).setURI("/api/ws")).onSuccess(s -> s.textMessageHandler(t -> messages.add(new JsonObject(t)))), 10);
    Socket socket = new Socket(ws, messages);
    TestNodes.waitUntil("hello arrives", 5_000, () -> !socket.ofType("hello").isEmpty());
    return socket;
  }

  @Test
  @DisplayName("hello, subscribe with patterns and resolution, results, ping/pong, unsubscribe, then resume from an id "
    + "replays exactly the missed events")
  void wholeProtocol() {
    Socket s = open();
    assertThat(s.ofType("hello").get(0).getInteger("maxSubscriptions")).isEqualTo(100);
    s.send(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*").add("svc.nothing.here"))
      .put("resolution", "100ms"));
    TestNodes.waitUntil("subscribed and three results", 15_000,
      () -> !s.ofType("subscribed").isEmpty() && s.ofType("result").size() >= 3);
    JsonObject subscribed = s.ofType("subscribed").get(0);
    assertThat(subscribed.getJsonArray("series")).containsExactly("trade.*", "svc.nothing.here");
    assertThat(subscribed.getJsonArray("unknown")).containsExactly("svc.nothing.here");
    assertThat(s.ofType("result")).allSatisfy(m -> {
      assertThat(m.getJsonObject("data").getString("series")).startsWith("trade.");
      assertThat(m.getJsonObject("data").getLong("resolution")).isEqualTo(100);
    });
    s.send(new JsonObject().put("op", "ping").put("id", 42));
    TestNodes.waitUntil("pong", 5_000, () -> !s.ofType("pong").isEmpty());
    assertThat(s.ofType("pong").get(0).getInteger("id")).isEqualTo(42);

    s.send(new JsonObject().put("op", "unsubscribe"));
    TestNodes.waitUntil("unsubscribed", 5_000, () -> !s.ofType("unsubscribed").isEmpty());
    long lastSeen = s.lastEventId();
    int resultsAtUnsubscribe = s.ofType("result").size();
    // another socket watches the stream meanwhile, to know what was missed
    Socket watcher = open();
    watcher.send(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*")).put("resolution", 100));
    TestNodes.waitUntil("results flow while the first socket is unsubscribed", 15_000, () -> watcher.ofType("result").size() >= 5);
    List<JsonObject> afterUnsubscribe = s.ofType("result").subList(resultsAtUnsubscribe, s.ofType("result").size());
    assertThat(afterUnsubscribe.size()).as("at most what was in flight").isLessThanOrEqualTo(2);

    s.send(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*")).put("after", lastSeen));
    TestNodes.waitUntil("resumed", 10_000, () -> !s.ofType("resumed").isEmpty());
    JsonObject resumed = s.ofType("resumed").get(0);
    assertThat(resumed.getBoolean("complete")).isTrue();
    assertThat(resumed.getInteger("replayed")).isGreaterThanOrEqualTo(5);
    List<Long> ids = s.ofType("result").stream().map(m -> m.getLong("id")).toList();
    assertThat(ids).doesNotHaveDuplicates();
    List<String> windows = s.ofType("result").stream()
      .map(m -> m.getJsonObject("data").getString("series") + "@" + m.getJsonObject("data").getLong("start")
        + m.getJsonObject("data").getBoolean("final")).toList();
    assertThat(windows).doesNotHaveDuplicates();
    List<Long> watcherIds = watcher.ofType("result").stream().map(m -> m.getLong("id")).toList();
    assertThat(ids).containsAll(watcherIds.stream().filter(id -> id <= ids.get(ids.size() - 1)).toList());
    s.ws.close();
    watcher.ws.close();
  }

  @Test
  @DisplayName("a client that negotiated permessage-deflate and one that did not get the same results, with the same "
    + "ids, and both talk the protocol (the shared frames go out uncompressed, which the extension allows)")
  void compressionNegotiated() {
    WebSocketClient deflating = client.createWebSocketClient(new WebSocketClientOptions().setTryUsePerMessageCompression(true));
    Socket compressed = open(deflating);
    assertThat(compressed.ws.headers().get("sec-websocket-extensions")).as("the extension was agreed")
      .contains("permessage-deflate");
    Socket plain = open();
    JsonObject subscribe = new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*"))
      .put("resolution", 100);
    compressed.send(subscribe);
    plain.send(subscribe);
    TestNodes.waitUntil("both sockets have 20 results", 15_000,
      () -> compressed.ofType("result").size() >= 20 && plain.ofType("result").size() >= 20);
    // from the first id both have, each result comes to both, the same
    long from = Math.max(compressed.ofType("result").get(0).getLong("id"), plain.ofType("result").get(0).getLong("id"));
    long to = Math.min(compressed.lastEventId(), plain.lastEventId());
    assertThat(to - from).isGreaterThan(5);
    assertThat(inRange(compressed, from, to)).isEqualTo(inRange(plain, from, to)).isNotEmpty();
    compressed.send(new JsonObject().put("op", "ping").put("id", 7));
    TestNodes.waitUntil("pong over the compressed socket", 5_000, () -> !compressed.ofType("pong").isEmpty());
    compressed.ws.close();
    plain.ws.close();
    TestNodes.await(deflating.close(), 10);
  }

  private static List<JsonObject> inRange(Socket socket, long from, long to) {
    return socket.ofType("result").stream().filter(m -> m.getLong("id") >= from && m.getLong("id") <= to).toList();
  }

  @Test
  @DisplayName("malformed messages, bad patterns, huge frames and thousands of subscriptions get error messages; "
    + "the socket stays open and usable")
  void badInput() {
    Socket s = open();
    List<Object> bad = List.of("not json", "[1,2,3]", "{}", new JsonObject().put("op", 7),
      new JsonObject().put("op", "fly"), new JsonObject().put("op", "subscribe"),
      new JsonObject().put("op", "subscribe").put("series", "trade.*"),
      new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("bad pattern!")),
      new JsonObject().put("op", "subscribe").put("series", new JsonArray().add(12)),
      new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("a*b")),
      new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("x")).put("resolution", "fast"),
      new JsonObject().put("op", "resume").put("after", "yesterday"),
      new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("x".repeat(300_000))));
    bad.forEach(s::send);
    TestNodes.waitUntil("an error per bad message", 10_000, () -> s.ofType("error").size() >= bad.size());
    assertThat(s.ofType("error")).allSatisfy(e -> assertThat(e.getString("error")).isNotBlank());
    assertThat(s.ofType("error").get(bad.size() - 1).getString("error")).contains("gateway.max-message-bytes");

    JsonArray thousands = new JsonArray();
    IntStream.range(0, 2500).forEach(i -> thousands.add("svc.s" + i + ".latency"));
    s.send(new JsonObject().put("op", "subscribe").put("series", thousands));
    for (int i = 0; i < 2000; i++) {
      s.send(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("m.s" + i)));
    }
    s.send(new JsonObject().put("op", "ping").put("id", "after-flood"));
    TestNodes.waitUntil("the flood is answered and the socket still answers pings", 20_000,
      () -> s.ofType("pong").stream().anyMatch(p -> "after-flood".equals(p.getString("id"))));
    assertThat(s.ofType("subscribed")).hasSize(100);
    assertThat(s.ofType("error").stream().filter(e -> e.getString("error").contains("gateway.max-subscriptions")))
      .hasSize(1 + 1900);
    // the socket still streams once it subscribes to something that exists
    s.send(new JsonObject().put("op", "unsubscribe"));
    s.send(new JsonObject().put("op", "subscribe").put("series", new JsonArray().add("trade.*")));
    TestNodes.waitUntil("results flow on the same socket", 15_000, () -> !s.ofType("result").isEmpty());
    s.ws.close();
  }
}
