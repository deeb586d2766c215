package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.HistoryQuery;
import io.pulse.model.RoleStats;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * REST over the persist role's query service: {@code GET /api/history} (series, resolution, from, to, step) and
 * {@code GET /api/series}. Parameters are checked here; a bad one is a 400 naming it, a missing persist node a 503.
 * A recent range this gateway holds whole in its {@link RecentHistory} is answered here, with no event-bus hop.
 */
final class HistoryRoutes {

  private static final DeliveryOptions QUERY_TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);
  /** History replies come encoded: written to the client as they are, never copied or encoded again here. */
  private static final DeliveryOptions HISTORY_OPTIONS = new DeliveryOptions().setSendTimeout(10_000)
    .addHeader(Addresses.REPLY_ENCODED, "true");
  private static final String[] NUMBERS = {"resolution", "from", "to", "step"};

  private final Vertx vertx;
  private final RecentHistory recent;
  private final RoleStats stats;

  HistoryRoutes(Vertx vertx, RecentHistory recent, RoleStats stats) {
    this.vertx = vertx;
    this.recent = recent;
    this.stats = stats;
  }

  /** Adds the routes to the gateway's router. */
  void mount(Router router) {
    router.get("/api/history").handler(this::history);
    router.get("/api/series").handler(this::series);
  }

  private void history(RoutingContext ctx) {
    String series = ctx.request().getParam("series");
    if (series == null || series.isBlank()) {
      json(ctx, 400, new JsonObject().put("error", "'series' is required, e.g. /api/history?series=trade.BTCUSDT"));
      return;
    }
    JsonObject query = new JsonObject().put("series", series);
    for (String name : NUMBERS) {
      String value = ctx.request().getParam(name);
      if (value == null || value.isBlank()) {
        continue;
      }
      try {
        query.put(name, Long.parseLong(value.trim()));
      } catch (NumberFormatException e) {
        String expected = name.equals("from") || name.equals("to") ? "epoch milliseconds" : "a whole number of ms";
        json(ctx, 400, new JsonObject().put("error", "'" + name + "' must be " + expected + ", got \"" + value + "\""));
        return;
      }
    }
    long finest = recent.finestResolution(series);
    if (finest > 0) {
      // a series this gateway holds: checked here as the persist role would, answered here when the ring can
      Buffer local;
      try {
        local = recent.answer(HistoryQuery.parse(query, finest));
      } catch (HistoryQuery.BadQuery e) {
        json(ctx, 400, new JsonObject().put("error", e.getMessage()));
        return;
      }
      if (local != null) {
        stats.increment("historyAnsweredHere");
        ctx.response().putHeader("Content-Type", "application/json").end(local);
        return;
      }
    }
    vertx.eventBus().request(Addresses.HISTORY_QUERY, query, HISTORY_OPTIONS)
      .onSuccess(reply -> {
        if (reply.body() instanceof Buffer encoded) {
          ctx.response().putHeader("Content-Type", "application/json").end(encoded);
        } else if (reply.body() instanceof JsonObject answer) {
          json(ctx, 200, answer); // a persist node of an older version
        } else {
          // answered all the same: a cast failing here would leave the client waiting for good
          json(ctx, 502, new JsonObject().put("error", "the persist node answered with "
            + (reply.body() == null ? "nothing" : "a " + reply.body().getClass().getSimpleName())
            + " instead of JSON: are the gateway and persist nodes of the same version?"));
        }
      })
      .onFailure(err -> fail(ctx, err));
  }

  private void series(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.SERIES_QUERY, null, QUERY_TIMEOUT)
      .onSuccess(reply -> json(ctx, 200, reply.body()))
      .onFailure(err -> fail(ctx, err));
  }

  private static void fail(RoutingContext ctx, Throwable err) {
    int code = err instanceof ReplyException re && re.failureCode() == 400 ? 400 : 503;
    String reason = code == 400 ? err.getMessage() : "no persist node answered: " + err.getMessage();
    json(ctx, code, new JsonObject().put("error", reason));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
