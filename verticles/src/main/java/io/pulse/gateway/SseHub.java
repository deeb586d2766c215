package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.HashSet;
import java.util.Set;

/**
 * Server-sent events: every window result goes to each connected client whose filter matches it.
 * A client whose socket cannot keep up (write queue full) misses events instead of growing memory.
 */
final class SseHub {

  private final Vertx vertx;
  private final long heartbeatMs;
  private final RoleStats stats;
  private final Set<Client> clients = new HashSet<>();
  private long nextId;

  private record Client(HttpServerResponse response, SeriesFilter filter) {
  }

  SseHub(Vertx vertx, long heartbeatMs, RoleStats stats) {
    this.vertx = vertx;
    this.heartbeatMs = heartbeatMs;
    this.stats = stats;
  }

  int size() {
    return clients.size();
  }

  void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response()
      .setChunked(true)
      .putHeader("Content-Type", "text/event-stream; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    Client client = new Client(response, SeriesFilter.parse(ctx.request().getParam("series")));
    clients.add(client);
    stats.set("sseClients", clients.size());
    long heartbeat = vertx.setPeriodic(heartbeatMs, id -> {
      if (!response.writeQueueFull()) {
        response.write(": heartbeat\n\n");
      }
    });
    response.closeHandler(v -> {
      clients.remove(client);
      stats.set("sseClients", clients.size());
      vertx.cancelTimer(heartbeat);
    });
    response.write("retry: 2000\n: connected\n\n");
  }

  void broadcast(JsonObject result) {
    if (clients.isEmpty()) {
      return;
    }
    String series = result.getString("series");
    long id = ++nextId;
    String event = null;
    for (Client client : clients) {
      if (!client.filter().matches(series)) {
        continue;
      }
      if (client.response().writeQueueFull()) {
        stats.increment("sseDropped");
        continue;
      }
      if (event == null) {
        event = "id: " + id + "\nevent: result\ndata: " + result.encode() + "\n\n";
      }
      client.response().write(event);
      stats.increment("sseSent");
    }
  }
}
