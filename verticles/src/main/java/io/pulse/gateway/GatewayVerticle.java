package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.pulse.model.ConfigKeys.*;

/**
 * The gateway role, Pulse's only door to the outside: the dashboard, REST, SSE and WebSocket streams (through the
 * {@link StreamHub}), the SockJS and TCP event-bus bridges, health, readiness and metrics. It learns everything
 * from the event bus. {@link #router()} is a plain list of mounts; each area's routes live in their own class.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final DeliveryOptions QUERY_TIMEOUT = new DeliveryOptions().setSendTimeout(5000);
  /** WebSocket frames above this close the socket (1009); below it, oversized messages get an error message. */
  private static final int MAX_FRAME_BYTES = 1 << 20;

  private final Map<String, JsonObject> latest = new TreeMap<>();
  private final ClusterView cluster = new ClusterView();
  private RoleStats stats;
  private StreamHub hub;
  private BearerAuth auth;
  private BridgePolicy bridgePolicy;
  private HttpServer server;
  private Router router;
  private TcpBridge tcpBridge;
  private int tcpBridgePort = -1;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    stats = new RoleStats(NODE_ID.stringIn(conf), "gateway");
    hub = new StreamHub(vertx, stats, new StreamHub.Limits(GATEWAY_MAX_UPDATES_PER_SECOND.longIn(conf),
      GATEWAY_CLIENT_QUEUE.intIn(conf), GATEWAY_SLOW_CLIENT_TIMEOUT_MS.longIn(conf), GATEWAY_MAX_CONNECTIONS.intIn(conf),
      GATEWAY_MAX_CONNECTIONS_PER_ADDRESS.intIn(conf), GATEWAY_SSE_HEARTBEAT_MS.longIn(conf)),
      GATEWAY_REPLAY_BUFFER.intIn(conf));
    auth = new BearerAuth(vertx, GATEWAY_JWT_SECRET.stringIn(conf));
    bridgePolicy = new BridgePolicy(stats);
    stats.publishEverySecond(vertx);
    var results = vertx.eventBus().<JsonObject>consumer(Addresses.RESULTS, m -> onResult(m.body()));
    var alerts = vertx.eventBus().<JsonObject>consumer(Addresses.ALERTS, m -> onAlert(m.body()));
    var reports = vertx.eventBus().<JsonObject>consumer(Addresses.STATS, m -> cluster.onStats(m.body()));
    server = vertx.createHttpServer(new HttpServerOptions()
        .setMaxWebSocketFrameSize(MAX_FRAME_BYTES).setMaxWebSocketMessageSize(MAX_FRAME_BYTES))
      .requestHandler(router = router());
    List<Future<?>> ready = new ArrayList<>(List.of(results.completion(), alerts.completion(), reports.completion()));
    if (GATEWAY_TCP_BRIDGE_ENABLED.booleanIn(conf)) {
      tcpBridge = new TcpBridge(vertx, bridgePolicy);
      ready.add(tcpBridge.listen(HTTP_HOST.stringIn(conf), GATEWAY_TCP_BRIDGE_PORT.intIn(conf))
        .onSuccess(p -> {
          tcpBridgePort = GATEWAY_TCP_BRIDGE_PORT.intIn(conf);
          LOG.info("TCP event-bus bridge listening on {}:{}", HTTP_HOST.stringIn(conf), tcpBridgePort);
        }));
    }
    return Future.all(ready)
      .compose(v -> server.listen(HTTP_PORT.intIn(conf), HTTP_HOST.stringIn(conf)));
  }

  @Override
  public Future<?> stop() {
    hub.close();
    return tcpBridge == null ? Future.succeededFuture() : tcpBridge.close();
  }

  /** The port the gateway listens on (useful when {@code http.port} is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The paths this gateway routes (the OpenAPI test checks each is described). */
  List<String> routePaths() {
    return router.getRoutes().stream().map(r -> r.getPath()).filter(p -> p != null).distinct().toList();
  }

  private void onResult(JsonObject result) {
    // the publish time, so clients and the load tool can measure delivery delay
    if (!result.containsKey("published")) {
      result.put("published", System.currentTimeMillis());
    }
    latest.put(result.getString("series"), result);
    stats.increment("resultsIn");
    hub.publish(StreamEvent.Kind.RESULT, result);
  }

  private void onAlert(JsonObject alert) {
    stats.increment("alertsIn");
    hub.publish(StreamEvent.Kind.ALERT, alert);
  }

  private Router router() {
    Router router = Router.router(vertx);
    JsonObject conf = config();
    HealthRoutes health = new HealthRoutes(vertx);
    MetricsEndpoint metrics = new MetricsEndpoint(NODE_ID.stringIn(conf), hub,
      () -> cluster.nodes(System.currentTimeMillis()));
    SseEndpoint sse = new SseEndpoint(hub);
    WsEndpoint ws = new WsEndpoint(hub, stats, GATEWAY_MAX_SUBSCRIPTIONS.intIn(conf), GATEWAY_MAX_MESSAGE_BYTES.intIn(conf));
    cors(router, GATEWAY_CORS_ORIGINS.listIn(conf));
    router.get("/health").handler(health::live);
    router.get("/ready").handler(health::ready);
    router.get("/metrics").handler(metrics::handle);
    router.get("/api/openapi.yaml").handler(this::openApi);
    router.get("/api/status").handler(this::status);
    router.get("/api/latest").handler(this::latest);
    new HistoryRoutes(vertx).mount(router);
    AlertRoutes.mount(router, vertx);
    router.get("/api/stream").handler(auth::handle).handler(sse::handle);
    router.get("/api/ws").handler(auth::handle).handler(ws::handle);
    router.route("/eventbus/*").handler(auth::handle);
    router.route("/eventbus/*").subRouter(bridge());
    router.route().handler(StaticHandler.create("webroot"));
    return router;
  }

  private static void cors(Router router, List<String> origins) {
    if (origins.isEmpty()) {
      return;
    }
    CorsHandler cors = CorsHandler.create().allowedMethod(HttpMethod.GET).allowedMethod(HttpMethod.POST)
      .allowedHeader("Authorization").allowedHeader("Content-Type").allowedHeader("Last-Event-ID");
    origins.forEach(cors::addOrigin);
    router.route().handler(cors);
  }

  private Router bridge() {
    SockJSBridgeOptions options = BridgePolicy.permits(new SockJSBridgeOptions());
    return SockJSHandler.create(vertx).bridge(options, event -> {
      stats.increment("bridge." + event.type().name().toLowerCase());
      event.complete(bridgePolicy.allows(event.type(), event.getRawMessage()));
    });
  }

  private void openApi(RoutingContext ctx) {
    vertx.fileSystem().readFile("openapi.yaml")
      .onSuccess(file -> ctx.response().putHeader("Content-Type", "application/yaml").end(file))
      .onFailure(err -> json(ctx, 500, new JsonObject().put("error", "openapi.yaml missing from the jar")));
  }

  private void status(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.NODE_INFO, null, QUERY_TIMEOUT)
      .map(reply -> reply.body().copy())
      .otherwise(new JsonObject().put("node", NODE_ID.stringIn(config())))
      .onSuccess(info -> json(ctx, 200, info
        .put("clients", new JsonObject().put("sse", hub.size("sse")).put("ws", hub.size("ws")))
        .put("tcpBridgePort", tcpBridgePort)
        .put("nodes", cluster.nodes(System.currentTimeMillis()))));
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

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
