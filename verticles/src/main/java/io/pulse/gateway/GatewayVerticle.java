package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
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
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pulse.model.ConfigKeys.*;

/**
 * The gateway role, Pulse's only door to the outside: the dashboard, REST, SSE and WebSocket streams, the SockJS
 * and TCP event-bus bridges, health, readiness and metrics. It learns everything from the event bus: results and
 * alerts enter the streams through one {@link StreamFeed} (numbered once), and {@code gateway.stream-loops}
 * {@link StreamLoop}s serve HTTP on the same port, each on its own event loop with its own {@link StreamHub}, so
 * the fan-out to thousands of clients uses every core. {@link #router(StreamHub)} is a plain list of mounts; each
 * area's routes live in their own class. What the loops share (latest results, cluster view, stats, feed) is
 * safe across threads.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final DeliveryOptions QUERY_TIMEOUT = new DeliveryOptions().setSendTimeout(5000);
  private static final DeliveryOptions LOCAL_TIMEOUT = new DeliveryOptions().setSendTimeout(2000);
  /** WebSocket frames above this close the socket (1009); below it, oversized messages get an error message. */
  static final int MAX_FRAME_BYTES = 1 << 20;

  private final Map<String, JsonObject> latest = new ConcurrentSkipListMap<>();
  private final ClusterView cluster = new ClusterView();
  private RecentHistory recentHistory;
  private RoleStats stats;
  private StreamFeed feed;
  private StreamHub.Limits limits;
  private MetricsEndpoint metrics;
  private BearerAuth auth;
  private BridgePolicy bridgePolicy;
  private volatile Router router;
  private volatile int httpPort = -1;
  private TcpBridge tcpBridge;
  private int tcpBridgePort = -1;
  private final AtomicInteger sockJsClients = new AtomicInteger();

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    stats = new RoleStats(NODE_ID.stringIn(conf), "gateway");
    recentHistory = new RecentHistory(GATEWAY_HISTORY_RING_SIZE.intIn(conf));
    feed = new StreamFeed(context, stats, GATEWAY_MAX_CONNECTIONS.intIn(conf),
      GATEWAY_MAX_CONNECTIONS_PER_ADDRESS.intIn(conf), GATEWAY_REPLAY_BUFFER.intIn(conf));
    limits = new StreamHub.Limits(GATEWAY_MAX_UPDATES_PER_SECOND.longIn(conf), GATEWAY_CLIENT_QUEUE.intIn(conf),
      GATEWAY_SLOW_CLIENT_TIMEOUT_MS.longIn(conf), GATEWAY_SSE_HEARTBEAT_MS.longIn(conf));
    metrics = new MetricsEndpoint(NODE_ID.stringIn(conf), this::clients, stats,
      () -> cluster.nodes(System.currentTimeMillis()));
    auth = new BearerAuth(vertx, GATEWAY_JWT_SECRET.stringIn(conf));
    bridgePolicy = BridgePolicy.sockJs(stats);
    stats.describe("startedAt", System.currentTimeMillis());
    stats.describe("ready", false);
    stats.publishEverySecond(vertx);
    // connected clients go into every report too, so any node's /api/status and dashboard show every gateway's
    vertx.setPeriodic(1000, id -> MetricsEndpoint.CLIENT_KINDS
      .forEach(kind -> stats.set("clients." + kind, clients(kind))));
    // the other gateways send clients only to ready ones: this node's readiness goes into every report
    vertx.setPeriodic(1000, id -> vertx.eventBus().<JsonObject>request(Addresses.NODE_INFO, null, LOCAL_TIMEOUT)
      .onSuccess(reply -> stats.describe("ready", reply.body().getBoolean("ready", false)))
      .onFailure(err -> stats.describe("ready", false)));
    var results = vertx.eventBus().<JsonObject>consumer(Addresses.RESULTS, m -> onResult(m.body()));
    var alerts = vertx.eventBus().<JsonObject>consumer(Addresses.ALERTS, m -> onAlert(m.body()));
    var reports = vertx.eventBus().<JsonObject>consumer(Addresses.STATS, m -> cluster.onStats(m.body()));
    List<Future<?>> ready = new ArrayList<>(List.of(results.completion(), alerts.completion(), reports.completion()));
    if (GATEWAY_TCP_BRIDGE_ENABLED.booleanIn(conf)) {
      tcpBridge = new TcpBridge(vertx, BridgePolicy.tcp(stats), auth, stats,
        GATEWAY_TCP_BRIDGE_MAX_FRAME_BYTES.longIn(conf));
      ready.add(tcpBridge.listen(HTTP_HOST.stringIn(conf), GATEWAY_TCP_BRIDGE_PORT.intIn(conf))
        .onSuccess(p -> {
          tcpBridgePort = GATEWAY_TCP_BRIDGE_PORT.intIn(conf);
          LOG.info("TCP event-bus bridge listening on {}:{}", HTTP_HOST.stringIn(conf), tcpBridgePort);
        }));
    }
    return Future.all(ready).compose(v -> deployLoops(HTTP_HOST.stringIn(conf), HTTP_PORT.intIn(conf),
      GATEWAY_STREAM_LOOPS.intIn(conf) > 0 ? GATEWAY_STREAM_LOOPS.intIn(conf) : Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Deploys the stream loops (child deployments: undeployed with this verticle), all on one port. Vert.x shares
   * a port between servers of one Vert.x instance; for a free port (0) that takes a negative port number.
   */
  private Future<?> deployLoops(String host, int port, int count) {
    // HTTP/1.1 only: SSE, WebSocket and REST need nothing more, and a client's h2c upgrade once went unanswered
    HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false)
      .setMaxWebSocketFrameSize(MAX_FRAME_BYTES).setMaxWebSocketMessageSize(MAX_FRAME_BYTES);
    int sharedPort = port == 0 ? -1 : port;
    List<StreamLoop> loops = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
      StreamLoop loop = new StreamLoop(this::newHub, this::router, options, host, sharedPort);
      loops.add(loop);
      return loop;
    }, new DeploymentOptions().setInstances(count)).onSuccess(id -> {
      httpPort = loops.get(0).actualPort();
      stats.describe("url", advertisedUrl(config(), httpPort));
      LOG.info("gateway serving HTTP on {}:{} from {} event loop(s) (gateway.stream-loops)", host, httpPort, count);
    });
  }

  /**
   * Where clients reach this gateway: {@code gateway.advertised-url} when set (a proxy or a per-pod name), else the
   * cluster host (an address the other nodes reach this one at, where {@code http.host} may be 0.0.0.0) and port.
   */
  static String advertisedUrl(JsonObject conf, int port) {
    String url = GATEWAY_ADVERTISED_URL.stringIn(conf);
    if (!url.isBlank()) {
      return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
    String host = CLUSTER_HOST.stringIn(conf);
    return "http://" + (host.isBlank() ? "127.0.0.1" : host) + ":" + port;
  }

  /** A hub for the calling stream loop (called on that loop's event loop). */
  private StreamHub newHub() {
    String self = NODE_ID.stringIn(config());
    return new StreamHub(vertx, feed, stats, limits, () -> cluster.otherReadyGateways(self, System.currentTimeMillis()));
  }

  /** Connected clients of a kind in {@link MetricsEndpoint#CLIENT_KINDS}. */
  private int clients(String kind) {
    return switch (kind) {
      case "sockjs" -> sockJsClients.get();
      case "tcp" -> tcpBridge == null ? 0 : tcpBridge.clients();
      default -> feed.size(kind);
    };
  }

  @Override
  public Future<?> stop() {
    metrics.close();
    // the stream loops are child deployments: Vert.x undeploys them (closing their hubs and clients) with this one
    return tcpBridge == null ? Future.succeededFuture() : tcpBridge.close();
  }

  /** The port the gateway listens on (useful when {@code http.port} is 0). */
  public int actualPort() {
    return httpPort;
  }

  /** The paths this gateway routes (the OpenAPI test checks each is described). */
  List<String> routePaths() {
    return router.getRoutes().stream().map(r -> r.getPath()).filter(p -> p != null).distinct().toList();
  }

  private void onResult(JsonObject result) {
    // before the stamp below: history holds results as the aggregator made them
    String kept = recentHistory.add(result);
    // the publish time, so clients and the load tool can measure delivery delay
    String json = kept;
    if (!result.containsKey("published")) {
      long now = System.currentTimeMillis();
      result.put("published", now);
      json = kept == null ? null : StreamEvent.stamped(kept, now);
    }
    latest.put(result.getString("series"), result);
    stats.increment("resultsIn");
    feed.publish(StreamEvent.Kind.RESULT, result, json != null ? json : result.encode());
  }

  private void onAlert(JsonObject alert) {
    stats.increment("alertsIn");
    feed.publish(StreamEvent.Kind.ALERT, alert);
  }

  /** The routes of one stream loop, whose stream clients go to {@code hub} (called on that loop). */
  private Router router(StreamHub hub) {
    Router router = Router.router(vertx);
    JsonObject conf = config();
    HealthRoutes health = new HealthRoutes(vertx);
    SseEndpoint sse = new SseEndpoint(hub, GATEWAY_SSE_SHARED_CHUNKS.booleanIn(conf));
    WsEndpoint ws = new WsEndpoint(hub, stats, GATEWAY_MAX_SUBSCRIPTIONS.intIn(conf), GATEWAY_MAX_MESSAGE_BYTES.intIn(conf),
      GATEWAY_WS_SHARED_FRAMES.booleanIn(conf));
    cors(router, GATEWAY_CORS_ORIGINS.listIn(conf), stats);
    router.get("/health").handler(health::live);
    router.get("/ready").handler(health::ready);
    router.get("/metrics").handler(metrics::handle);
    router.get("/api/openapi.yaml").handler(this::openApi);
    router.get("/api/status").handler(this::status);
    router.get("/api/latest").handler(this::latest);
    new HistoryRoutes(vertx, recentHistory, stats).mount(router);
    AlertRoutes.mount(router, vertx);
    router.get("/api/stream").handler(auth::handle).handler(sse::handle);
    router.get("/api/ws").handler(auth::handle).handler(ws::handle);
    router.route("/eventbus/*").handler(auth::handle);
    router.route("/eventbus/*").subRouter(bridge());
    router.route().handler(StaticHandler.create("webroot"));
    if (this.router == null) {
      this.router = router;
    }
    return router;
  }

  private static void cors(Router router, List<String> origins, RoleStats stats) {
    if (origins.isEmpty()) {
      return;
    }
    CorsHandler cors = CorsHandler.create().allowedMethod(HttpMethod.GET).allowedMethod(HttpMethod.POST)
      .allowedHeader("Authorization").allowedHeader("Content-Type").allowedHeader("Last-Event-ID");
    origins.forEach(cors::addOrigin);
    router.route().handler(cors);
    // a refused origin is the browser's caller's mistake, not the gateway's: a 403 naming it and a counter, where
    // vertx-web would log an error with a stack trace for each such request
    router.route().failureHandler(ctx -> {
      String origin = ctx.request().getHeader("Origin");
      if (ctx.statusCode() != 403 || origin == null || origins.contains(origin)) {
        ctx.next();
        return;
      }
      stats.increment("corsRejected");
      json(ctx, 403, new JsonObject().put("error", "origin " + origin + " is not one of gateway.cors-origins"));
    });
  }

  private Router bridge() {
    SockJSBridgeOptions options = bridgePolicy.permits(new SockJSBridgeOptions());
    return SockJSHandler.create(vertx).bridge(options, event -> {
      stats.increment("bridge." + event.type().name().toLowerCase());
      if (event.type() == BridgeEventType.SOCKET_CREATED) {
        sockJsClients.incrementAndGet();
      } else if (event.type() == BridgeEventType.SOCKET_CLOSED) {
        sockJsClients.decrementAndGet();
      }
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
        .put("clients", clientsByKind())
        .put("tcpBridgePort", tcpBridgePort)
        .put("nodes", cluster.nodes(System.currentTimeMillis()))));
  }

  private JsonObject clientsByKind() {
    JsonObject byKind = new JsonObject();
    MetricsEndpoint.CLIENT_KINDS.forEach(kind -> byKind.put(kind, clients(kind)));
    return byKind;
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
