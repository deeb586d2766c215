package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that stops reading must not hold up the others, and is dropped after the configured time behind. */
class SlowClientTest {

  private static PulseNode node;
  private static Vertx client;
  private static HttpClient http;
  /** Held in a field: a Vert.x 5 client no longer reachable is shut down by its cleaner, its connections with it. */
  private static WebSocketClient wsClient;

  @BeforeAll
  static void startNode() {
    // the gateway alone: the test publishes the results itself
    node = TestNodes.start(TestNodes.config("--node.roles=gateway", "--http.port=0",
      "--gateway.slow-client-timeout-ms=1500", "--gateway.client-queue=8"));
    client = Vertx.vertx();
    // a connection per request: a kept-alive connection reused after a response left unread can hang the next
    // request in the client (seen here under load), which is the client's fault, not the gateway's
    http = client.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    wsClient = client.createWebSocketClient();
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(client.close(), 10);
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("a client that never reads is disconnected after gateway.slow-client-timeout-ms while a reading "
    + "client receives every final result in order")
  void slowClientDropped() throws Exception {
    long dropsBefore = counter("slowDisconnects");
    SseTestClient fast = SseTestClient.connect(http, node.httpPort(), "/api/stream?series=load.*", null);
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new java.net.InetSocketAddress("127.0.0.1", node.httpPort()));
      OutputStream out = slow.getOutputStream();
      out.write(("GET /api/stream?series=load.* HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      TestNodes.waitUntil("both clients are connected", 5_000, () -> clients().getInteger("sse") == 2);

      // 4 KB results, 16 series, about 1,000 a second (4 MB/s): the slow socket's buffers fill within a second,
      // while the reading client keeps up even on a loaded machine (a burst of all 4,000 at once made the reading
      // client itself fall 8 results behind there, so it rightly got latest values instead of every result)
      String pad = "x".repeat(4096);
      int total = 4000;
      long startedAt = System.currentTimeMillis();
      for (int i = 0; i < total; i++) {
        JsonObject result = new JsonObject().put("series", "load." + (i % 16)).put("resolution", 1000)
          .put("start", (long) i * 1000).put("final", true).put("seq", i).put("pad", pad);
        node.vertx().eventBus().publish(Addresses.RESULTS, result);
        if (i % 20 == 0) {
          Thread.sleep(20);
        }
      }
      TestNodes.waitUntil("the reading client receives every result", 30_000, () -> fast.events.size() >= total);
      long fastDoneMs = System.currentTimeMillis() - startedAt;
      TestNodes.waitUntil("the slow client is disconnected", 15_000, () -> clients().getInteger("sse") == 1);
      assertThat(fast.events.stream().mapToInt(e -> e.data().getInteger("seq")).toArray())
        .as("in order, none missing").isSorted().hasSize(total);
      JsonObject counters = gatewayCounters();
      assertThat(counters.getLong("slowDisconnects")).isEqualTo(dropsBefore + 1);
      assertThat(counters.getLong("coalesced", 0L) + counters.getLong("queueDrops", 0L))
        .as("the slow client got latest values, not a backlog").isPositive();
      org.slf4j.LoggerFactory.getLogger(SlowClientTest.class)
        .info("reading client received {} results in {} ms while the other stalled", total, fastDoneMs);
    }
    fast.close();
  }

  @Test
  @DisplayName("a WebSocket that never reads is disconnected after gateway.slow-client-timeout-ms (its frames fill the "
    + "socket's channel, past Vert.x's write queue) while a reading WebSocket receives every final result in order")
  void slowWebSocketDropped() throws Exception {
    long dropsBefore = counter("slowDisconnects");
    List<Integer> seqs = new CopyOnWriteArrayList<>();
    WebSocket fast = TestNodes.await(wsClient.connect(new WebSocketConnectOptions()
      .setHost("127.0.0.1").setPort(node.httpPort()).setURI("/api/ws")), 10);
    fast.textMessageHandler(text -> {
      JsonObject m = new JsonObject(text);
      if ("result".equals(m.getString("type"))) {
        seqs.add(m.getJsonObject("data").getInteger("seq"));
      }
    });
    String subscribe = "{\"op\":\"subscribe\",\"series\":[\"wsload.*\"]}";
    fast.writeTextMessage(subscribe);
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new java.net.InetSocketAddress("127.0.0.1", node.httpPort()));
      OutputStream out = slow.getOutputStream();
      out.write(("GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHead(slow.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 101");
      out.write(maskedText(subscribe));
      out.flush();
      TestNodes.waitUntil("both sockets are connected", 5_000, () -> clients().getInteger("ws") == 2);
      TestNodes.waitUntil("both sockets subscribed", 5_000, () -> {
        node.vertx().eventBus().publish(Addresses.RESULTS, new JsonObject().put("series", "wsload.probe")
          .put("resolution", 1000).put("start", 0L).put("final", true).put("seq", -1));
        return seqs.contains(-1);
      });
      // from here on the slow socket never reads: 4 KB results, about 1,000 a second
      String pad = "x".repeat(4096);
      int total = 4000;
      for (int i = 0; i < total; i++) {
        node.vertx().eventBus().publish(Addresses.RESULTS, new JsonObject().put("series", "wsload." + (i % 16))
          .put("resolution", 1000).put("start", (long) i * 1000 + 1000).put("final", true).put("seq", i).put("pad", pad));
        if (i % 20 == 0) {
          Thread.sleep(20);
        }
      }
      TestNodes.waitUntil("the reading socket receives every result", 30_000,
        () -> seqs.stream().filter(seq -> seq >= 0).count() >= total);
      TestNodes.waitUntil("the slow socket is disconnected", 15_000, () -> clients().getInteger("ws") == 1);
      assertThat(seqs.subList(seqs.lastIndexOf(-1) + 1, seqs.size())).as("in order, none missing").isSorted().hasSize(total);
      assertThat(counter("slowDisconnects")).isEqualTo(dropsBefore + 1);
    }
    fast.close();
  }

  /** The HTTP response head, read byte by byte so nothing after it is taken from the socket. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** A client's text frame: masked, as RFC 6455 requires of clients (a payload under 126 bytes). */
  private static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  /** A gateway counter as /api/status shows it now, 0 before it was ever counted. */
  private static long counter(String name) {
    for (Object n : status().getJsonArray("nodes")) {
      JsonObject gw = ((JsonObject) n).getJsonObject("counters").getJsonObject("gateway");
      if (gw != null) {
        return gw.getLong(name, 0L);
      }
    }
    return 0;
  }

  private static JsonObject clients() {
    return status().getJsonObject("clients");
  }

  private static JsonObject status() {
    return TestNodes.await(http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/api/status")
      .compose(req -> req.send().compose(HttpClientResponse::body)), 10).toJsonObject();
  }

  private static JsonObject gatewayCounters() {
    JsonObject[] out = new JsonObject[1];
    TestNodes.waitUntil("the gateway reports its slow-client counters", 30_000, () -> {
      JsonObject status;
      try {
        status = status();
      } catch (AssertionError slow) {
        System.err.println("SlowClientTest: /api/status did not answer (" + slow.getMessage() + "), asking again");
        return false;
      }
      for (Object n : status.getJsonArray("nodes")) {
        JsonObject gw = ((JsonObject) n).getJsonObject("counters").getJsonObject("gateway");
        if (gw != null && gw.containsKey("slowDisconnects")) {
          out[0] = gw;
          return true;
        }
      }
      return false;
    });
    return out[0];
  }
}
