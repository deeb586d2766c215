package io.pulse.node;

import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class NodeLifecycleTest {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  @DisplayName("a node without a gateway answers /health and /ready on its health port; on stop it turns not-ready first, "
    + "then stops")
  void readinessTurnsFalseBeforeStop() throws Exception {
    int healthPort = TestNodes.freePort();
    PulseNode node = TestNodes.start(TestNodes.config("--node.roles=ingest,aggregate", "--node.health-port=" + healthPort,
      "--node.drain-ms=1500"));
    assertThat(node.healthPort()).isEqualTo(healthPort);
    assertThat(get(healthPort, "/health").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(healthPort, "/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"ready\":true", "\"deployed\":true");

    AtomicBoolean stopped = new AtomicBoolean();
    Future<Void> stopping = node.stop().onComplete(ar -> stopped.set(true));
    HttpResponse<String> draining = get(healthPort, "/ready");
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.body()).contains("\"draining\":true");
    assertThat(stopped).as("the node still drains").isFalse();
    assertThat(get(healthPort, "/health").statusCode()).as("alive while draining").isEqualTo(200);
    TestNodes.await(stopping, 30);
  }

  @Test
  @DisplayName("a stopping gateway tells its stream clients to reconnect elsewhere: SSE gets an event: reconnect with a "
    + "retry hint and the stream ends; WebSocket gets {type: reconnect} and close code 1001")
  void stoppingGatewayTellsClientsToReconnect() throws Exception {
    PulseNode node = TestNodes.start(TestNodes.config("--node.roles=gateway", "--http.port=0", "--node.drain-ms=0",
      "--simulator.enabled=false"));
    int port = node.httpPort();
    List<String> sseLines = new CopyOnWriteArrayList<>();
    AtomicBoolean sseEnded = new AtomicBoolean();
    Thread sse = new Thread(() -> {
      try {
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stream")).build(),
          HttpResponse.BodyHandlers.ofLines()).body().forEach(sseLines::add);
        sseEnded.set(true);
      } catch (Exception e) {
        sseLines.add("error: " + e);
      }
    });
    sse.setDaemon(true);
    sse.start();
    List<String> wsMessages = new CopyOnWriteArrayList<>();
    AtomicInteger wsClose = new AtomicInteger();
    http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/ws"), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        wsMessages.add(data.toString());
        ws.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        wsClose.set(statusCode);
        return null;
      }
    }).get(10, TimeUnit.SECONDS);
    TestNodes.waitUntil("both clients connected", 10_000, () -> sseLines.contains(": connected")
      && wsMessages.stream().anyMatch(m -> m.contains("\"hello\"")));

    TestNodes.stop(node);

    TestNodes.waitUntil("the SSE stream ends", 10_000, sseEnded::get);
    int at = sseLines.indexOf("event: reconnect");
    assertThat(at).as("SSE lines %s", sseLines).isGreaterThanOrEqualTo(0);
    assertThat(sseLines.get(at + 1)).startsWith("data: {").contains("\"retryMs\":1000")
      .as("a lone gateway knows no other").contains("\"gateways\":[]");
    assertThat(sseLines.get(at + 2)).isEqualTo("retry: 1000");
    TestNodes.waitUntil("the WebSocket closes", 10_000, () -> wsClose.get() != 0);
    assertThat(wsMessages).anyMatch(m -> m.contains("\"type\":\"reconnect\"") && m.contains("\"retryMs\":1000")
      && m.contains("\"gateways\":[]"));
    assertThat(wsClose.get()).as("close code").isEqualTo(1001);
  }

  @Test
  @DisplayName("a draining gateway sends its stream clients to the other ready gateways, youngest first: SSE and "
    + "WebSocket reconnect notices name their URLs")
  void drainingGatewayNamesTheOthers() throws Exception {
    int[] clusterPorts = {TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort()};
    String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1] + ",127.0.0.1:" + clusterPorts[2];
    PulseNode[] nodes = new PulseNode[3];
    try {
      for (int i = 0; i < 3; i++) {
        nodes[i] = TestNodes.start(TestNodes.config("--node.id=gw" + i, "--node.roles=gateway", "--http.port=0",
          "--node.drain-ms=0", "--simulator.enabled=false", "--cluster.enabled=true", "--cluster.port=" + clusterPorts[i],
          "--cluster.members=" + members));
        Thread.sleep(20); // distinct start times
      }
      String gw1 = "http://127.0.0.1:" + nodes[1].httpPort();
      String gw2 = "http://127.0.0.1:" + nodes[2].httpPort();
      int port = nodes[0].httpPort();
      TestNodes.waitUntil("gw0 sees gw1 and gw2 ready", 20_000, () -> {
        try {
          var ready = new io.vertx.core.json.JsonObject(get(port, "/api/status").body()).getJsonArray("nodes").stream()
            .map(n -> ((io.vertx.core.json.JsonObject) n).getJsonObject("gateway"))
            .filter(g -> g != null && g.getBoolean("ready")).map(g -> g.getString("url")).toList();
          return ready.contains(gw1) && ready.contains(gw2);
        } catch (Exception e) {
          return false;
        }
      });
      List<String> sseLines = new CopyOnWriteArrayList<>();
      Thread sse = new Thread(() -> {
        try {
          http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stream")).build(),
            HttpResponse.BodyHandlers.ofLines()).body().forEach(sseLines::add);
        } catch (Exception e) {
          sseLines.add("error: " + e);
        }
      });
      sse.setDaemon(true);
      sse.start();
      List<String> wsMessages = new CopyOnWriteArrayList<>();
      http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/ws"), new WebSocket.Listener() {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
          wsMessages.add(data.toString());
          ws.request(1);
          return null;
        }
      }).get(10, TimeUnit.SECONDS);
      TestNodes.waitUntil("both clients connected", 10_000, () -> sseLines.contains(": connected")
        && wsMessages.stream().anyMatch(m -> m.contains("\"hello\"")));

      TestNodes.stop(nodes[0]);
      nodes[0] = null;

      String hint = "\"gateways\":[\"" + gw2 + "\",\"" + gw1 + "\"]";
      TestNodes.waitUntil("the SSE client is told to reconnect", 10_000, () -> sseLines.contains("event: reconnect"));
      assertThat(sseLines.get(sseLines.indexOf("event: reconnect") + 1)).contains(hint);
      TestNodes.waitUntil("the WebSocket client is told to reconnect", 10_000,
        () -> wsMessages.stream().anyMatch(m -> m.contains("\"reconnect\"")));
      assertThat(wsMessages).anyMatch(m -> m.contains("\"type\":\"reconnect\"") && m.contains(hint));
    } finally {
      for (PulseNode node : nodes) {
        TestNodes.stop(node);
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
      HttpResponse.BodyHandlers.ofString());
  }
}
