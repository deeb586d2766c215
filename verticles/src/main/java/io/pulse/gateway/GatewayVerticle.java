package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;

import java.util.Map;
import java.util.TreeMap;

import static io.pulse.model.ConfigKeys.*;

/**
 * The gateway role, Pulse's only door to the outside: the dashboard, REST, the SSE stream and the SockJS
 * event-bus bridge. It learns everything from the event bus.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final DeliveryOptions QUERY_TIMEOUT = new DeliveryOptions().setSendTimeout(5000);

  private final Map<String, JsonObject> latest = new TreeMap<>();
  private final ClusterView cluster = new ClusterView();
  private RoleStats stats;
  private SseHub sse;
  private HttpServer server;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    stats = new RoleStats(NODE_ID.stringIn(conf), "gateway");
    sse = new SseHub(vertx, GATEWAY_SSE_HEARTBEAT_MS.longIn(conf), stats);
    stats.publishEverySecond(vertx);
    var results = vertx.eventBus().<JsonObject>consumer(Addresses.RESULTS, m -> onResult(m.body()));
    var reports = vertx.eventBus().<JsonObject>consumer(Addresses.STATS, m -> cluster.onStats(m.body()));
    server = vertx.createHttpServer().requestHandler(router());
    return Future.all(results.completion(), reports.completion())
      .compose(v -> server.listen(HTTP_PORT.intIn(conf), HTTP_HOST.stringIn(conf)));
  }

  /** The port the gateway listens on (useful when {@code http.port} is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void onResult(JsonObject result) {
    latest.put(result.getString("series"), result);
    stats.increment("resultsIn");
    sse.broadcast(result);
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.get("/api/status").handler(this::status);
    router.get("/api/latest").handler(this::latest);
    new HistoryRoutes(vertx).mount(router);
    router.get("/api/stream").handler(sse::handle);
    AlertRoutes.mount(router, vertx);
    router.route("/eventbus/*").subRouter(bridge());
    router.route().handler(StaticHandler.create("webroot"));
    return router;
  }

  private Router bridge() {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.RESULTS))
      .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ALERTS));
    return SockJSHandler.create(vertx).bridge(options, event -> {
      stats.increment("bridge." + event.type().name().toLowerCase());
      event.complete(true);
    });
  }

  private void status(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.NODE_INFO, null, QUERY_TIMEOUT)
      .map(reply -> reply.body().copy())
      .otherwise(new JsonObject().put("node", NODE_ID.stringIn(config())))
      .onSuccess(info -> json(ctx, 200, info.put("nodes", cluster.nodes(System.currentTimeMillis()))));
  }

  private void latest(RoutingContext ctx) {
    SeriesFilter filter = SeriesFilter.parse(ctx.request().getParam("series"));
    JsonArray out = new JsonArray();
    latest.forEach((series, result) -> {
      if (filter.matches(series)) {
        out.add(result);
      }
    });
    json(ctx, 200, new JsonObject().put("results", out));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
