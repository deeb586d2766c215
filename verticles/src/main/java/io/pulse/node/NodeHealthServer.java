package io.pulse.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.function.Supplier;

/**
 * The node's own liveness, readiness and metrics endpoints, served whatever the node's roles, so an orchestrator
 * can probe, and Prometheus scrape, an ingest-only or aggregate-only node too. {@code /health}: the process
 * answers. {@code /ready}: every role is deployed, the cluster is joined, and the node is not draining.
 * {@code /metrics}: this node's registry in Prometheus text (Vert.x and JVM metrics, and the meters the roles
 * register, such as the ingest sources' {@code pulse_ingest_*}), without the cluster-wide {@code pulse_counter}
 * lines that the gateway's {@code /metrics} adds.
 */
final class NodeHealthServer {

  private final Vertx vertx;
  private final Supplier<JsonObject> readiness;
  /** the registry this node's Vert.x set up (null when metrics are off), taken now: the roles register into it */
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  NodeHealthServer(Vertx vertx, Supplier<JsonObject> readiness) {
    this.vertx = vertx;
    this.readiness = readiness;
    MeterRegistry any = BackendRegistries.getDefaultNow();
    this.registry = any instanceof PrometheusMeterRegistry p ? p : null;
  }

  Future<Integer> listen(String host, int port) {
    // HTTP/1.1 only, as Prometheus scrapes: a JDK client's h2c upgrade once left a /metrics scrape unanswered
    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false)).requestHandler(req -> {
      switch (req.path()) {
        case "/health" -> req.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}");
        case "/ready" -> {
          JsonObject state = readiness.get();
          req.response().setStatusCode(state.getBoolean("ready") ? 200 : 503)
            .putHeader("Content-Type", "application/json").end(state.encode());
        }
        case "/metrics" -> req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(registry == null ? "# metrics are off: no Prometheus registry in this node\n" : registry.scrape());
        default -> req.response().setStatusCode(404).end();
      }
    });
    return server.listen(port, host).map(HttpServer::actualPort);
  }
}
