package io.pulse.gateway;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, readiness, Prometheus metrics, the OpenAPI description and CORS, as an operator's tools see them. */
class OperationsTest {

  private static PulseNode node;
  private static Vertx client;
  private static HttpClient http;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.config("--http.port=0", "--simulator.rate=300", "--aggregate.resolutions=200",
      "--aggregate.allowed-lateness-ms=50", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout",
      "--gateway.cors-origins=https://dash.example.org"));
    client = Vertx.vertx();
    // a connection per request. Kept-alive calls hung here now and then: that was the Vert.x 5.0.7 client dropping a
    // response's end when body() was chained after send() (see TestNodes.awaitAnswer), which the calls below no longer do
    http = client.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(client.close(), 10);
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("/health answers up and /ready reports the roles deployed")
  void healthAndReadiness() {
    assertThat(get("/health", null).getKey()).isEqualTo(200);
    Map.Entry<Integer, Buffer> ready = get("/ready", null);
    assertThat(ready.getKey()).isEqualTo(200);
    JsonObject body = ready.getValue().toJsonObject();
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getBoolean("rolesDeployed")).isTrue();
    assertThat(body.getJsonArray("roles")).hasSize(4);
  }

  @Test
  @DisplayName("/metrics speaks Prometheus: Vert.x event-bus and HTTP metrics, stream clients by kind, every role's counters")
  void metrics() {
    SseTestClient sse = SseTestClient.connect(http, node.httpPort(), "/api/stream", null);
    TestNodes.waitUntil("every role has reported", 10_000,
      () -> get("/metrics", null).getValue().toString().contains("role=\"ingest\""));
    String text = get("/metrics", null).getValue().toString();
    assertThat(text).contains("vertx_eventbus_").contains("vertx_http_server_")
      .containsPattern("pulse_gateway_clients\\{kind=\"sse\",node=\"[^\"]+\"} 1\\.0")
      .containsPattern("pulse_counter\\{node=\"[^\"]+\",role=\"ingest\",counter=\"samplesIn\"} \\d+")
      .containsPattern("pulse_counter\\{node=\"[^\"]+\",role=\"gateway\",counter=\"resultsIn\"} \\d+");
    sse.close();
  }

  @Test
  @DisplayName("/api/openapi.yaml describes every route the gateway serves")
  void openApiCoversEveryRoute() {
    String yaml = get("/api/openapi.yaml", null).getValue().toString();
    assertThat(yaml).startsWith("openapi: 3");
    AtomicReference<GatewayVerticle> gateway = new AtomicReference<>();
    Vertx vertx = Vertx.vertx();
    try {
      GatewayVerticle verticle = new GatewayVerticle();
      TestNodes.await(vertx.deployVerticle(verticle, new io.vertx.core.DeploymentOptions()
        .setConfig(TestNodes.config("--http.port=0", "--node.id=openapi-test"))), 20);
      gateway.set(verticle);
      assertThat(verticle.routePaths()).isNotEmpty().allSatisfy(path -> {
        // Vert.x path parameters (:id) are OpenAPI templates ({id})
        String templated = path.replaceAll(":(\\w+)", "{$1}");
        String described = templated.endsWith("/") && templated.length() > 1 ? templated + "*" : templated;
        assertThat(yaml).as("OpenAPI paths include %s", path).contains("  " + described + ":");
      });
    } finally {
      TestNodes.await(vertx.close(), 10);
    }
  }

  @Test
  @DisplayName("CORS headers are sent to configured origins only")
  void cors() {
    RequestOptions allowed = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.httpPort())
      .setURI("/api/latest").putHeader("Origin", "https://dash.example.org");
    String header = TestNodes.awaitAnswer(() -> http.request(allowed).compose(req -> req.send()
      .compose(resp -> resp.body().map(body -> resp.getHeader("Access-Control-Allow-Origin")))), 10);
    assertThat(header).isEqualTo("https://dash.example.org");
    RequestOptions other = new RequestOptions(allowed).putHeader("Origin", "https://evil.example.com");
    Map.Entry<Integer, Buffer> refused = TestNodes.awaitAnswer(() -> http.request(other).compose(req -> req.send()
      .compose(resp -> resp.body().map(body -> Map.entry(resp.statusCode(), body)))), 10);
    assertThat(refused.getKey()).isEqualTo(403);
    assertThat(refused.getValue().toJsonObject().getString("error"))
      .isEqualTo("origin https://evil.example.com is not one of gateway.cors-origins");
  }

  private static Map.Entry<Integer, Buffer> get(String uri, String origin) {
    return TestNodes.awaitAnswer(() -> http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", uri)
      .compose(req -> req.send().compose(resp -> resp.body().map(b -> Map.entry(resp.statusCode(), b)))), 10);
  }
}
