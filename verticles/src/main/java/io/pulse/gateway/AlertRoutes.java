package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * REST for alert rules, answered by any aggregate node over the event bus:
 * {@code GET /api/alerts} lists, {@code POST /api/alerts} with {@code {"rule": "p99 > 250 for 30s"}} (or the
 * rule as plain text) creates, {@code DELETE /api/alerts/:id} deletes. Firing and resolved events go out on
 * {@link Addresses#ALERTS} (SSE clients and the SockJS bridge see them).
 */
final class AlertRoutes {

  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(5000);
  private static final long MAX_BODY = 4096;

  private final Vertx vertx;

  private AlertRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  static void mount(Router router, Vertx vertx) {
    AlertRoutes routes = new AlertRoutes(vertx);
    router.get("/api/alerts").handler(routes::list);
    router.post("/api/alerts").handler(BodyHandler.create().setBodyLimit(MAX_BODY)).handler(routes::create);
    router.delete("/api/alerts/:id").handler(routes::delete);
  }

  private void list(RoutingContext ctx) {
    ask(ctx, Addresses.ALERTS_LIST, null, 200);
  }

  private void create(RoutingContext ctx) {
    String body = ctx.body().asString();
    String rule = body == null ? "" : body.trim();
    if (rule.startsWith("{")) {
      try {
        rule = String.valueOf(new JsonObject(rule).getValue("rule", ""));
      } catch (DecodeException e) {
        reply(ctx, 400, new JsonObject().put("error", "the body is not JSON: send {\"rule\": \"p99 > 250 for 30s\"}"));
        return;
      }
    }
    ask(ctx, Addresses.ALERTS_CREATE, new JsonObject().put("rule", rule), 201);
  }

  private void delete(RoutingContext ctx) {
    ask(ctx, Addresses.ALERTS_DELETE, new JsonObject().put("id", ctx.pathParam("id")), 200);
  }

  private void ask(RoutingContext ctx, String address, JsonObject body, int okStatus) {
    vertx.eventBus().<JsonObject>request(address, body, TIMEOUT)
      .onSuccess(reply -> reply(ctx, okStatus, reply.body()))
      .onFailure(err -> {
        if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
          reply(ctx, re.failureCode() > 0 ? re.failureCode() : 500, new JsonObject().put("error", re.getMessage()));
        } else {
          reply(ctx, 503, new JsonObject().put("error", "no aggregate node answered (" + err.getMessage()
            + "); alert rules live on nodes with the aggregate role"));
        }
      });
  }

  private static void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
