package io.pulse.node;

import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class NodeLifecycleTest {

  private final HttpClient http = HttpClient.newHttpClient();

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

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
      HttpResponse.BodyHandlers.ofString());
  }
}
