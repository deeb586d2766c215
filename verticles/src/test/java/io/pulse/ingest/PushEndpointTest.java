package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The push endpoints of a real node (ingest and aggregate roles), driven by real HTTP and WebSocket clients. */
class PushEndpointTest {

  private Vertx clientVertx;
  private WebClient http;
  private WebSocketClient ws;
  private PulseNode node;
  private IngestProbe probe;
  private int port;
  private long base;

  @BeforeEach
  void clients() {
    clientVertx = Vertx.vertx();
    // one connection: the rate limit is per connection
    http = WebClient.create(clientVertx, new io.vertx.ext.web.client.WebClientOptions(),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1));
    ws = clientVertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(2000));
    long now = System.currentTimeMillis();
    base = now - now % 1000 - 10_000;
  }

  @AfterEach
  void stop() {
    TestNodes.await(clientVertx.close(), 30);
    TestNodes.stop(node);
  }

  private void startNode(String... extra) {
    port = TestNodes.freePort();
    List<String> options = new ArrayList<>(List.of("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.push.enabled=true", "--ingest.http.host=127.0.0.1", "--ingest.http.port=" + port,
      "--aggregate.idle-flush-ms=500", "--ingest.deadletter-per-second=1000"));
    options.addAll(List.of(extra));
    node = TestNodes.start(TestNodes.config(options.toArray(String[]::new)));
    probe = new IngestProbe(node);
  }

  private HttpResponse<Buffer> post(String body, String... headers) {
    var request = http.post(port, "127.0.0.1", "/api/ingest");
    for (int i = 0; i < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return TestNodes.await(request.sendBuffer(Buffer.buffer(body)), 30);
  }

  private WebSocket open(String path) {
    return TestNodes.await(ws.connect(port, "127.0.0.1", path), 30);
  }

  private String reading(String series, long ts, double value) {
    return new JsonObject().put("series", series).put("timestamp", ts).put("value", value).encode();
  }

  @Test
  @DisplayName("readings pushed as a JSON array, as NDJSON and over a WebSocket all become exact window results")
  void pushedReadingsBecomeWindowResults() {
    startNode();
    HttpResponse<Buffer> array = post("[" + reading("meter.a", base + 100, 1) + "," + reading("meter.a", base + 200, 2) + "]");
    assertThat(array.statusCode()).isEqualTo(200);
    assertThat(array.bodyAsJsonObject().getInteger("accepted")).isEqualTo(2);
    HttpResponse<Buffer> ndjson = post(reading("meter.a", base + 300, 3) + "\n" + reading("meter.a", base + 400, 4) + "\n",
      "Content-Type", "application/x-ndjson");
    assertThat(ndjson.statusCode()).isEqualTo(200);
    assertThat(ndjson.bodyAsJsonObject().getInteger("accepted")).isEqualTo(2);
    WebSocket socket = open(PushEndpoint.WS_PATH);
    socket.writeTextMessage(reading("meter.a", base + 500, 5));
    socket.writeTextMessage("[" + reading("meter.a", base + 600, 6) + ","
      + new JsonObject().put("series", "meter.b").put("timestamp", base + 700).put("value", 7).put("volume", 0.5).encode() + "]");

    TestNodes.waitUntil("the windows of meter.a and meter.b are final", 30_000,
      () -> probe.finals.containsKey("meter.a@" + base) && probe.finals.containsKey("meter.b@" + base));
    assertThat(probe.finals.get("meter.a@" + base).count()).isEqualTo(6);
    assertThat(probe.finals.get("meter.a@" + base).sum()).isEqualTo(21.0);
    assertThat(probe.finals.get("meter.b@" + base).volume()).isEqualTo(0.5);
    TestNodes.waitUntil("push counts its samples", 10_000, () -> probe.counter("push.samplesIn") == 7);
  }

  @Test
  @DisplayName("every kind of bad reading is refused with its reason, counted per reason in the stats and in the node's "
    + "Prometheus /metrics, sampled to the dead-letter address, and the good readings around it still flow")
  void badReadingsAreRefusedAndCounted() {
    // no gateway role: the node's own /metrics on its health port is what Prometheus scrapes
    int healthPort = TestNodes.freePort();
    startNode("--node.health-port=" + healthPort);
    long now = System.currentTimeMillis();
    List<String> lines = List.of(
      reading("good.one", base + 1, 1),
      "{\"series\": \"x\", \"value\": ",                                            // malformed-json
      "[1, 2]",                                                                     // not-an-object
      "{\"series\": \"x\", \"value\": 1}",                                          // missing-field
      "{\"series\": \"x\", \"timestamp\": " + base + ", \"value\": \"12\"}",        // wrong-type
      "{\"series\": 5, \"timestamp\": " + base + ", \"value\": 1}",                 // wrong-type
      "{\"series\": \"x\", \"timestamp\": " + base + ", \"value\": NaN}",           // malformed-json (NaN is not JSON)
      "{\"series\": \"x\", \"timestamp\": " + base + ", \"value\": 1e999}",         // not-finite
      "{\"series\": \"x\", \"timestamp\": " + base + ", \"value\": 1, \"volume\": -2}", // negative-volume
      "{\"series\": \"x\", \"timestamp\": " + (now + 3_600_000) + ", \"value\": 1}", // too-far-future
      "{\"series\": \"x\", \"timestamp\": " + (now - 3 * 86_400_000L) + ", \"value\": 1}", // too-far-past
      "{\"series\": \"bad series!\", \"timestamp\": " + base + ", \"value\": 1}",   // bad-series
      reading("good.one", base + 2, 2));
    HttpResponse<Buffer> response = post(String.join("\n", lines));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getInteger("accepted")).isEqualTo(2);
    assertThat(body.getInteger("rejected")).isEqualTo(11);
    List<String> reasons = body.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("reason")).toList();
    assertThat(reasons).containsExactly("malformed-json", "malformed-json", "not-an-object", "missing-field",
      "wrong-type", "wrong-type", "not-finite", "negative-volume", "too-far-future", "too-far-past", "bad-series");

    assertThat(post("[]").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> allBad = post("[" + reading("x", base, 1).replace("\"value\":1.0", "\"value\":null") + "]");
    assertThat(allBad.statusCode()).as("a request with nothing accepted is a 400").isEqualTo(400);
    assertThat(post("[{\"series\": ").statusCode()).isEqualTo(400);

    WebSocket socket = open(PushEndpoint.WS_PATH);
    List<String> replies = new CopyOnWriteArrayList<>();
    socket.textMessageHandler(replies::add);
    socket.writeTextMessage("not json at all");
    socket.writeBinaryMessage(Buffer.buffer(new byte[]{1, 2, 3}));
    socket.writeTextMessage(reading("good.one", base + 3, 3));
    TestNodes.waitUntil("the socket answered both refusals", 10_000, () -> replies.size() == 2);
    assertThat(replies).anySatisfy(r -> assertThat(r).contains("malformed-json"))
      .anySatisfy(r -> assertThat(r).contains("wrong-type"));

    TestNodes.waitUntil("the good readings made a final window", 30_000, () -> probe.count("good.one") == 3);
    TestNodes.waitUntil("the stats count each reason", 10_000, () -> probe.counter("push.rejected.malformed-json") == 4);
    assertThat(probe.counter("push.rejected.not-an-object")).isEqualTo(1);
    assertThat(probe.counter("push.rejected.missing-field")).isEqualTo(2);
    assertThat(probe.counter("push.rejected.wrong-type")).isEqualTo(3);
    assertThat(probe.counter("push.rejected.not-finite")).isEqualTo(1);
    assertThat(probe.counter("push.rejected.negative-volume")).isEqualTo(1);
    assertThat(probe.counter("push.rejected.too-far-future")).isEqualTo(1);
    assertThat(probe.counter("push.rejected.too-far-past")).isEqualTo(1);
    assertThat(probe.counter("push.rejected.bad-series")).isEqualTo(1);
    assertThat(probe.deadLetters).hasSizeGreaterThanOrEqualTo(15);
    assertThat(probe.deadLetters.get(0).fieldNames()).contains("node", "source", "reason", "detail", "input", "at");
    assertThat(probe.deadLetters).allSatisfy(d -> assertThat(d.getString("source")).isEqualTo("push"));

    Map<String, String> push = Map.of("node", node.nodeId(), "source", "push");
    TestNodes.waitUntil("/metrics counts the good samples", 10_000,
      () -> MetricsScrape.of(healthPort).value("pulse_ingest_samples_total", push) == 3);
    MetricsScrape metrics = MetricsScrape.of(healthPort);
    Map<String, Integer> expected = Map.of("malformed-json", 4, "not-an-object", 1, "missing-field", 2, "wrong-type", 3,
      "not-finite", 1, "negative-volume", 1, "too-far-future", 1, "too-far-past", 1, "bad-series", 1);
    expected.forEach((reason, count) -> assertThat(metrics.value("pulse_ingest_rejects_total",
      Map.of("node", node.nodeId(), "source", "push", "reason", reason))).as("rejects of %s", reason).isEqualTo(count.doubleValue()));
    assertThat(metrics.lines("pulse_ingest_rejects_total", push)).as("no other reason counted").hasSize(expected.size());
    assertThat(metrics.value("pulse_ingest_source_state", Map.of("node", node.nodeId(), "source", "push",
      "state", "connected"))).isEqualTo(1.0);
    assertThat(metrics.lines("pulse_ingest_source_state", push)).as("one line per state, only connected is 1")
      .hasSize(SourceState.values().length).filteredOn(line -> line.endsWith(" 1.0")).hasSize(1);
  }

  @Test
  @DisplayName("an oversized HTTP body gets 413 and an oversized WebSocket message closes that socket; both are counted")
  void oversizedInputIsRefused() {
    startNode("--ingest.push.max-message-bytes=1000");
    String big = "[" + String.join(",", java.util.Collections.nCopies(40, reading("big", base, 1))) + "]";
    assertThat(big.length()).isGreaterThan(1000);
    assertThat(post(big).statusCode()).isEqualTo(413);
    WebSocket socket = open(PushEndpoint.WS_PATH);
    AtomicInteger closed = new AtomicInteger();
    socket.closeHandler(v -> closed.incrementAndGet());
    socket.writeTextMessage(big);
    TestNodes.waitUntil("the socket is closed", 10_000, () -> closed.get() == 1);
    TestNodes.waitUntil("both are counted", 10_000, () -> probe.counter("push.rejected.oversized") == 2);
    assertThat(post(reading("small", base, 1)).statusCode()).as("the endpoint keeps serving").isEqualTo(200);
  }

  @Test
  @DisplayName("with tokens configured, a client without a valid token is refused on both endpoints")
  void tokensAreRequiredWhenConfigured() {
    startNode("--ingest.push.tokens=meter-1=s3cret,meter-2=other");
    assertThat(post(reading("t", base, 1)).statusCode()).isEqualTo(401);
    assertThat(post(reading("t", base, 1), "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(post(reading("t", base, 1), "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
    Future<WebSocket> refused = ws.connect(port, "127.0.0.1", PushEndpoint.WS_PATH);
    TestNodes.waitUntil("the handshake is over", 10_000, refused::isComplete);
    assertThat(refused.failed()).isTrue();
    assertThat(open(PushEndpoint.WS_PATH + "?token=other")).isNotNull();
    TestNodes.waitUntil("refusals are counted", 10_000, () -> probe.counter("push.rejected.unauthorized") == 3);
  }

  @Test
  @DisplayName("a connection over its rate limit is refused the excess: 429 with Retry-After on HTTP, a refusal "
    + "message on the WebSocket")
  void rateLimitPerConnection() {
    startNode("--ingest.push.rate-limit=20");
    List<String> readings = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      readings.add(reading("rl", base + i, 1));
    }
    String body = "[" + String.join(",", readings) + "]";
    assertThat(post(body).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = post(body);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isGreaterThanOrEqualTo(1);

    WebSocket socket = open(PushEndpoint.WS_PATH);
    List<String> replies = new CopyOnWriteArrayList<>();
    socket.textMessageHandler(replies::add);
    for (int i = 0; i < 30; i++) {
      socket.writeTextMessage(reading("rl.ws", base + i, 1));
    }
    TestNodes.waitUntil("the excess is refused", 10_000, () -> replies.size() >= 5);
    assertThat(replies).allSatisfy(r -> assertThat(r).contains("rate-limited"));
    // the 15 readings of the refused POST plus each refused WebSocket message
    TestNodes.waitUntil("refusals are counted", 10_000, () -> probe.counter("push.rejected.rate-limited") == 15 + replies.size());
    TestNodes.waitUntil("the accepted ones are all in final windows", 30_000, () -> probe.count("rl.ws") == 30 - replies.size());
  }

  @Test
  @DisplayName("when aggregation cannot keep up, HTTP pushers get 429 with Retry-After and WebSockets are paused, "
    + "and nothing is dropped once aggregation catches up")
  void backpressure() {
    // no aggregate role: nothing acknowledges, so the sender fills up
    port = TestNodes.freePort();
    node = TestNodes.start(TestNodes.config("--node.roles=ingest", "--simulator.enabled=false",
      "--ingest.push.enabled=true", "--ingest.http.host=127.0.0.1", "--ingest.http.port=" + port,
      "--ingest.batch-size=10", "--ingest.max-in-flight=2", "--ingest.ack-timeout-ms=500",
      "--ingest.push.rate-limit=100000"));
    probe = new IngestProbe(node);
    WebSocket socket = open(PushEndpoint.WS_PATH);
    for (int i = 0; i < 200; i++) {
      socket.writeTextMessage(reading("bp", base + i, 1));
    }
    TestNodes.waitUntil("the socket is paused", 20_000, () -> probe.counter("push.pauses") >= 1);
    String batch = "[" + reading("bp", base, 1) + "]";
    TestNodes.waitUntil("HTTP is told to come back later", 20_000, () -> {
      HttpResponse<Buffer> r = post(batch);
      return r.statusCode() == 429 && "1".equals(r.getHeader("Retry-After"));
    });
    assertThat(probe.counter("push.samplesIn")).as("held back, not taken in unbounded").isLessThan(200);

    // aggregation arrives on the same node: every reading the socket sent and any accepted POST is delivered
    io.pulse.model.Codecs.register(node.vertx().eventBus());
    AtomicInteger delivered = new AtomicInteger();
    // ingest sends each series to its partition's owner: stand in for the owner of every partition
    int partitions = ((Number) io.pulse.model.ConfigKeys.AGGREGATE_PARTITIONS.defaultValue()).intValue();
    for (int p = 0; p < partitions; p++) {
      node.vertx().eventBus().<io.pulse.model.SampleBatch>consumer(io.pulse.model.Partitions.address(p), m -> {
        delivered.addAndGet(m.body().size());
        m.reply(null);
      });
    }
    TestNodes.waitUntil("every pushed reading reaches aggregation", 30_000, () -> delivered.get() >= 200);
  }

  @Test
  @DisplayName("three hundred concurrent WebSocket clients each push readings and every one is counted")
  void manyConcurrentClients() {
    // a loaded machine may pause between writes longer than the short idle flush of the other tests
    startNode("--aggregate.idle-flush-ms=5000");
    int clients = 300;
    int each = 5;
    List<WebSocket> sockets = new ArrayList<>();
    List<Future<WebSocket>> connecting = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      connecting.add(ws.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI(PushEndpoint.WS_PATH)));
    }
    TestNodes.await(Future.all(connecting), 60);
    connecting.forEach(f -> sockets.add(f.result()));
    TestNodes.waitUntil("all clients are held", 10_000, () -> probe.counter("push.clients") == clients);
    for (int i = 0; i < each; i++) {
      for (int c = 0; c < clients; c++) {
        sockets.get(c).writeTextMessage(reading("many." + (c % 10), base + i * 100 + c % 100, c));
      }
    }
    long expectedTotal = (long) clients * each;
    TestNodes.waitUntil("the node took every reading in", 30_000, () -> probe.counter("push.samplesIn") == expectedTotal);
    TestNodes.waitUntil("every reading is in a final window", 30_000,
      () -> probe.finals.values().stream().filter(r -> r.series().startsWith("many.")).mapToLong(r -> r.count()).sum()
        == expectedTotal);
    assertThat(probe.counter("push.samplesIn")).isEqualTo(expectedTotal);
  }

  @Test
  @DisplayName("a socket that sends nothing for the idle timeout is closed by the node")
  void idleSocketsAreClosed() {
    startNode("--ingest.push.idle-timeout-ms=1000");
    AtomicInteger closed = new AtomicInteger();
    WebSocket silent = open(PushEndpoint.WS_PATH);
    silent.closeHandler(v -> closed.incrementAndGet());
    TestNodes.waitUntil("the silent socket is closed by the node", 15_000, () -> closed.get() == 1);
  }
}
