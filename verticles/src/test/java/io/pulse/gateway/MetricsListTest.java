package io.pulse.gateway;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.pulse.persist.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric family the README lists for /metrics, read from a real scrape of a one-node run (all roles,
 * PostgreSQL and Redis, the simulator feeding) with a client of each kind connected: each family is there, and
 * where the traffic makes it so, it has a sample above zero.
 */
class MetricsListTest {

  @TempDir
  static Path dataDir;
  private static Vertx client;
  private static String pgUrl;
  private static PulseNode node;
  private static HttpClient http;
  private static int pushPort;
  private static int tcpPort;

  @BeforeAll
  static void startNode() {
    client = Vertx.vertx();
    pgUrl = TestServers.freshDatabase(client);
    pushPort = TestNodes.freePort();
    tcpPort = TestNodes.freePort();
    node = TestNodes.start(TestNodes.config("--http.port=0", "--simulator.rate=300", "--aggregate.resolutions=200",
      "--aggregate.allowed-lateness-ms=50", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout",
      "--persist.pg.enabled=true", "--persist.pg.url=" + pgUrl, "--persist.redis.url=redis://127.0.0.1:6379/9",
      "--persist.data-dir=" + dataDir, "--persist.flush-ms=50",
      "--ingest.push.enabled=true", "--ingest.http.host=127.0.0.1", "--ingest.http.port=" + pushPort,
      "--gateway.tcp-bridge.enabled=true", "--gateway.tcp-bridge.port=" + tcpPort));
    http = client.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
    if (pgUrl != null) {
      TestServers.dropDatabase(client, pgUrl);
    }
    TestNodes.await(client.close(), 10);
  }

  @Test
  @DisplayName("/metrics has ingest rates and rejects by reason, window latency, event-bus traffic, clients by kind, "
    + "queue drops and store write latency, with samples where traffic makes them")
  void everyListedFamilyIsScraped() throws Exception {
    SseTestClient sse = SseTestClient.connect(http, node.httpPort(), "/api/stream", null);
    WebSocketClient wsClient = client.createWebSocketClient();
    WebSocket ws = TestNodes.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(node.httpPort()).setURI("/api/ws")), 10);
    WebSocket sockJs = TestNodes.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(node.httpPort()).setURI("/eventbus/000/" + System.nanoTime() + "/websocket")), 10);
    try (Socket tcp = new Socket("127.0.0.1", tcpPort)) {
      String bad = new JsonObject().put("series", "bad series!").put("timestamp", System.currentTimeMillis())
        .put("value", 1).encode();
      int status = TestNodes.await(http.request(HttpMethod.POST, pushPort, "127.0.0.1", "/api/ingest")
        .compose(req -> req.send(Buffer.buffer(bad)).compose(resp -> resp.body().map(b -> resp.statusCode()))), 10);
      assertThat(status).isEqualTo(400);

      String[] text = new String[1];
      TestNodes.waitUntil("every listed family has its samples", 60_000, () -> {
        text[0] = scrape();
        return value(text[0], "pulse_store_write_seconds_count", "store=\"postgres\"", "outcome=\"ok\"") > 0
          && value(text[0], "pulse_store_write_seconds_count", "store=\"redis\"", "outcome=\"ok\"") > 0
          && value(text[0], "pulse_window_latency_seconds_count", "resolution=\"200\"") > 0
          && value(text[0], "pulse_gateway_clients", "kind=\"tcp\"") == 1
          && value(text[0], "pulse_gateway_clients", "kind=\"sockjs\"") == 1
          && value(text[0], "pulse_ingest_rejects_total", "source=\"push\"", "reason=\"bad-series\"") == 1
          && Pattern.compile("role=\"gateway\",counter=\"resultsIn\"} [1-9]").matcher(text[0]).find()
          && text[0].contains("role=\"persist\"") && text[0].contains("role=\"ingest\"")
          && text[0].contains("role=\"aggregate\"");
      });
      String scraped = text[0];
      List<String> missing = new ArrayList<>();
      for (String family : new String[]{"pulse_ingest_samples_total", "pulse_ingest_rejects_total",
        "pulse_ingest_source_state", "pulse_window_latency_seconds_count", "pulse_window_latency_seconds_bucket",
        "pulse_window_latency_seconds_sum", "pulse_store_write_seconds_count", "pulse_store_write_seconds_bucket",
        "pulse_gateway_clients", "pulse_gateway_queue_drops_total", "pulse_gateway_slow_disconnects_total",
        "vertx_eventbus_published_total", "vertx_eventbus_received_total", "vertx_eventbus_handlers",
        "pulse_counter"}) {
        if (!Pattern.compile("(?m)^" + family + "[{ ]").matcher(scraped).find()) {
          missing.add(family);
        }
      }
      assertThat(missing).as("families missing from /metrics").isEmpty();

      assertThat(value(scraped, "pulse_ingest_samples_total", "source=\"simulator\"")).isPositive();
      assertThat(value(scraped, "pulse_ingest_rejects_total", "source=\"push\"", "reason=\"bad-series\"")).isEqualTo(1);
      for (String kind : MetricsEndpoint.CLIENT_KINDS) {
        assertThat(value(scraped, "pulse_gateway_clients", "kind=\"" + kind + "\"")).as(kind + " clients").isEqualTo(1);
      }
      assertThat(value(scraped, "pulse_gateway_queue_drops_total")).isGreaterThanOrEqualTo(0);
      assertThat(value(scraped, "pulse_window_latency_seconds_count", "resolution=\"200\"")).isPositive();
      // a window of 200 ms is published after its lateness of 50 ms: its latency is at least that
      double latencySum = value(scraped, "pulse_window_latency_seconds_sum", "resolution=\"200\"");
      double latencyCount = value(scraped, "pulse_window_latency_seconds_count", "resolution=\"200\"");
      assertThat(latencySum / latencyCount).as("mean window latency, seconds").isGreaterThanOrEqualTo(0.05);
      for (String store : new String[]{"postgres", "redis"}) {
        assertThat(value(scraped, "pulse_store_write_seconds_count", "store=\"" + store + "\"", "outcome=\"ok\""))
          .as(store + " batch writes").isPositive();
        assertThat(value(scraped, "pulse_store_write_seconds_sum", "store=\"" + store + "\"", "outcome=\"ok\""))
          .as(store + " write time").isPositive();
      }
      assertThat(sumOf(scraped, "vertx_eventbus_published_total", "address=\"pulse.public.results\""))
        .as("results published on the event bus").isPositive();
      assertThat(sumOf(scraped, "vertx_eventbus_received_total", "address=\"pulse.samples.<partition>\""))
        .as("sample batches received by the partition owners").isPositive();
      assertThat(scraped).doesNotContainPattern("address=\"pulse\\.samples\\.\\d+\"");
      assertThat(scraped).containsPattern("pulse_counter\\{node=\"[^\"]+\",role=\"gateway\",counter=\"resultsIn\"} [1-9]");
    } finally {
      TestNodes.await(ws.close(), 10);
      TestNodes.await(sockJs.close(), 10);
      // closed here, so it stays reachable while its sockets are used: an unreachable Vert.x 5 client is shut down by
      // its cleaner at the next garbage collection, its connections with it
      TestNodes.await(wsClient.close(), 10);
      sse.close();
    }
  }

  private static String scrape() {
    return TestNodes.awaitAnswer(() -> http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/metrics")
      .compose(req -> req.send().compose(resp -> resp.body())), 10).toString();
  }

  /**
   * The value of the one sample of {@code name} from this test's node whose labels include every one given; -1 when
   * none, fails when several (nodes of other test classes in this JVM share the registry: the node label tells).
   */
  static double value(String text, String name, String... labels) {
    List<String> all = new ArrayList<>(List.of(labels));
    all.add("node=\"" + node.nodeId() + "\"");
    List<Double> found = samples(text, name, all.toArray(String[]::new));
    assertThat(found.size()).as("samples of %s with %s", name, List.of(labels)).isLessThanOrEqualTo(1);
    return found.isEmpty() ? -1 : found.get(0);
  }

  /** The sum of the samples of {@code name} whose labels include every one given. */
  static double sumOf(String text, String name, String... labels) {
    return samples(text, name, labels).stream().mapToDouble(Double::doubleValue).sum();
  }

  private static List<Double> samples(String text, String name, String... labels) {
    List<Double> found = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(text);
    while (m.find()) {
      String labelText = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= labelText.contains(label);
      }
      if (all) {
        found.add(Double.parseDouble(m.group(2)));
      }
    }
    return found;
  }
}
