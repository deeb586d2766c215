package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health}: liveness (the gateway's event loop answers). {@code /ready}: readiness, from the node
 * launcher's local {@code pulse.node.info}: every role of the node deployed and, when clustered, the cluster
 * joined. 503 with the reason while not ready.
 */
final class HealthRoutes {

  private static final DeliveryOptions LOCAL_TIMEOUT = new DeliveryOptions().setSendTimeout(2000);

  private final Vertx vertx;

  HealthRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void live(RoutingContext ctx) {
    GatewayVerticle.json(ctx, 200, new JsonObject().put("status", "up"));
  }

  void ready(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.NODE_INFO, null, LOCAL_TIMEOUT)
      .onSuccess(reply -> {
        JsonObject info = reply.body();
        boolean deployed = info.getBoolean("ready", false);
        JsonArray members = info.getJsonArray("members", new JsonArray());
        boolean joined = !info.getBoolean("clustered", false) || !members.isEmpty();
        JsonObject body = new JsonObject().put("node", info.getString("node")).put("roles", info.getJsonArray("roles"))
          .put("rolesDeployed", deployed).put("clustered", info.getBoolean("clustered", false))
          .put("clusterJoined", joined).put("members", members.size());
        boolean ready = deployed && joined;
        body.put("status", ready ? "ready" : "not ready");
        GatewayVerticle.json(ctx, ready ? 200 : 503, body);
      })
      .onFailure(err -> GatewayVerticle.json(ctx, 503, new JsonObject().put("status", "not ready")
        .put("error", "the node launcher did not answer on " + Addresses.NODE_INFO + ": " + err.getMessage())));
  }
}
