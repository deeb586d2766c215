package io.pulse.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * The node's own liveness and readiness endpoints, served whatever the node's roles, so an orchestrator can
 * probe an ingest-only or aggregate-only node too. {@code /health}: the process answers. {@code /ready}: every
 * role is deployed, the cluster is joined, and the node is not draining.
 */
final class NodeHealthServer {

  private final Vertx vertx;
  private final Supplier<JsonObject> readiness;
  private HttpServer server;

  NodeHealthServer(Vertx vertx, Supplier<JsonObject> readiness) {
    this.vertx = vertx;
    this.readiness = readiness;
  }

  Future<Integer> listen(String host, int port) {
    server = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/health" -> req.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}");
        case "/ready" -> {
          JsonObject state = readiness.get();
          req.response().setStatusCode(state.getBoolean("ready") ? 200 : 503)
            .putHeader("Content-Type", "application/json").end(state.encode());
        }
        default -> req.response().setStatusCode(404).end();
      }
    });
    return server.listen(port, host).map(HttpServer::actualPort);
  }
}
