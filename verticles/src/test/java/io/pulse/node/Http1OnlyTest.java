package io.pulse.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pulse's HTTP ports speak HTTP/1.1 only: a client asking for an h2c upgrade, as the JDK client does by default on
 * every plain-HTTP request, is answered in HTTP/1.1 on the gateway, the node's health port and the ingest push port.
 * (With h2c on, such an upgrade once left a /metrics scrape unanswered for good.)
 */
class Http1OnlyTest {

  private static final int ROUNDS = 50;
  /** Not a speed limit: an answer this late means the request was left unanswered. */
  private static final Duration UNANSWERED = Duration.ofSeconds(20);

  private static PulseNode node;
  private static int pushPort;
  private static int healthPort;
  // HTTP_2 is the JDK client's default: each plain-HTTP request carries Upgrade: h2c
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
    .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startNode() {
    pushPort = TestNodes.freePort();
    healthPort = TestNodes.freePort();
    node = TestNodes.start(TestNodes.config("--http.port=0", "--node.health-port=" + healthPort,
      "--simulator.rate=100", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout",
      "--ingest.push.enabled=true", "--ingest.http.host=127.0.0.1", "--ingest.http.port=" + pushPort));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("the gateway answers h2c-upgrade requests in HTTP/1.1")
  void gateway() throws Exception {
    for (int i = 0; i < ROUNDS; i++) {
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(node.httpPort(), "/health")));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    }
  }

  @Test
  @DisplayName("the node health port answers /metrics scrapes asking for h2c in HTTP/1.1")
  void healthPortMetrics() throws Exception {
    for (int i = 0; i < ROUNDS; i++) {
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(healthPort, "/metrics")));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(response.body()).contains("# TYPE");
    }
  }

  @Test
  @DisplayName("the ingest push port answers pushes asking for h2c in HTTP/1.1")
  void ingestPush() throws Exception {
    for (int i = 0; i < ROUNDS; i++) {
      String reading = new JsonObject().put("series", "h2c.probe").put("timestamp", System.currentTimeMillis())
        .put("value", i).encode();
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(pushPort, "/api/ingest"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(reading)));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(new JsonObject(response.body()).getInteger("accepted")).isEqualTo(1);
    }
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    try {
      return HTTP.send(request.timeout(UNANSWERED).build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new AssertionError(request.build().uri() + " left unanswered for " + UNANSWERED.toSeconds() + " s", e);
    }
  }
}
