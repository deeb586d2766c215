package io.pulse.node;

import io.pulse.aggregate.AggregateVerticle;
import io.pulse.gateway.GatewayVerticle;
import io.pulse.ingest.IngestVerticle;
import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.persist.PersistVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Verticle;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static io.pulse.model.ConfigKeys.*;

/**
 * The node launcher, the one class that knows every verticle: it reads the configuration, starts Vert.x
 * standalone or clustered, and deploys the verticles of this node's roles.
 */
public final class PulseNode {

  private static final Logger LOG = LoggerFactory.getLogger(PulseNode.class);
  private static final List<String> START_ORDER = List.of("persist", "aggregate", "gateway", "ingest");
  private static final List<String> STOP_ORDER = List.of("ingest", "gateway", "aggregate", "persist");

  /** Exit codes of {@link #main}. */
  static final int EXIT_CONFIG = 2;
  static final int EXIT_CLUSTER = 3;
  static final int EXIT_START = 4;

  private final Vertx vertx;
  private final JsonObject config;
  private final String nodeId;
  private final Map<String, String> deployments = new ConcurrentHashMap<>();
  private volatile boolean draining;
  private int httpPort = -1;
  private int healthPort = -1;

  private PulseNode(Vertx vertx, JsonObject config, String nodeId) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
  }

  public static void main(String[] args) {
    try {
      JsonObject config = ConfigLoader.load(args, System.getenv());
      PulseNode node = start(config).toCompletionStage().toCompletableFuture().get();
      Runtime.getRuntime().addShutdownHook(new Thread(node::stopAndWait, "pulse-shutdown"));
    } catch (Exception e) {
      Throwable cause = e.getCause() != null && !(e instanceof ConfigException) ? e.getCause() : e;
      if (cause instanceof ConfigException) {
        LOG.error("configuration error: {}", cause.getMessage());
        System.exit(EXIT_CONFIG);
      } else if (cause instanceof ClusterSetup.ClusterJoinException) {
        LOG.error("cannot join the cluster: {}", cause.getMessage());
        System.exit(EXIT_CLUSTER);
      } else {
        LOG.error("node did not start: {}", String.valueOf(cause.getMessage()));
        System.exit(EXIT_START);
      }
    }
  }

  /** Starts a node from a complete configuration (see {@link ConfigLoader}); the future fails with a clear cause. */
  public static Future<PulseNode> start(JsonObject config) {
    return startVertx(config).compose(vertx -> {
      PulseNode node = new PulseNode(vertx, config.copy(), nodeIdOf(vertx, config));
      node.config.put(NODE_ID.name(), node.nodeId);
      return node.deployRoles().map(node).recover(err -> vertx.close().transform(v -> Future.failedFuture(err)));
    });
  }

  public String nodeId() {
    return nodeId;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The gateway's HTTP port, or -1 when this node has no gateway role. */
  public int httpPort() {
    return httpPort;
  }

  /** The port of {@code /health} and {@code /ready}, or -1 when {@code node.health-port} is 0. */
  public int healthPort() {
    return healthPort;
  }

  /**
   * Drains and stops the node: readiness turns false first and stays so for {@code node.drain-ms}; then the
   * verticles stop in data-flow order (ingest hands over what it holds, the gateway tells clients to go,
   * aggregation publishes its open windows, persistence flushes), and the node leaves the cluster.
   */
  public Future<Void> stop() {
    draining = true;
    long drainMs = NODE_DRAIN_MS.longIn(config);
    LOG.info("node {} stopping: not ready from now, stopping verticles in {} ms, then leaving the cluster", nodeId, drainMs);
    Future<Void> chain = drainMs > 0 && !deployments.isEmpty() ? sleep(drainMs) : Future.succeededFuture();
    for (String role : STOP_ORDER) {
      String id = deployments.get(role);
      if (id != null) {
        chain = chain.compose(v -> vertx.undeploy(id)
          .onSuccess(x -> LOG.info("stopped {} verticle", role))
          .otherwise(err -> {
            LOG.warn("the {} verticle did not stop cleanly: {}", role, err.toString());
            return null;
          }));
      }
    }
    return chain.eventually(() -> vertx.close()).onSuccess(v -> LOG.info("node {} stopped", nodeId));
  }

  private Future<Void> sleep(long ms) {
    return Future.future(p -> vertx.setTimer(ms, id -> p.complete()));
  }

  private JsonObject readiness() {
    ClusterManager manager = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    boolean joined = manager == null || manager.getNodes().contains(manager.getNodeId());
    boolean deployed = deployments.keySet().containsAll(NODE_ROLES.listIn(config));
    return new JsonObject().put("ready", deployed && joined && !draining).put("node", nodeId)
      .put("deployed", deployed).put("clusterJoined", joined).put("draining", draining);
  }

  private void stopAndWait() {
    try {
      stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("node {} did not stop cleanly within 30 s: {}", nodeId, e.toString());
    }
  }

  /**
   * Vert.x metrics (HTTP, event bus, pools) into the node's Prometheus registry, where the roles add their own meters;
   * served at /metrics by the gateway and by the health port. Event-bus meters carry the {@code address}, with the
   * per-partition and per-node addresses folded into one value each so the label stays a short list.
   */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .addLabels(Label.EB_ADDRESS)
      .addLabelMatch(addressAlias(Pattern.quote(Addresses.SAMPLES_PARTITION_PREFIX) + "\\d+",
        Addresses.SAMPLES_PARTITION_PREFIX + "<partition>"))
      .addLabelMatch(addressAlias(Pattern.quote(Addresses.AGGREGATE_HANDOVER_PREFIX) + ".+",
        Addresses.AGGREGATE_HANDOVER_PREFIX + "<node>"));
  }

  private static Match addressAlias(String regex, String alias) {
    return new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
      .setType(MatchType.REGEX).setValue(regex).setAlias(alias);
  }

  /**
   * Metrics, and Linux epoll for the sockets when {@code node.native-transport} is true: a write through Java NIO
   * costs more CPU and garbage (a ByteBuffer view per write), which a gateway writing every result to thousands of
   * sockets pays per socket. Without the native library (another OS or CPU) Vert.x keeps NIO; the log says so.
   */
  private static VertxOptions vertxOptions(JsonObject config) {
    return new VertxOptions().setMetricsOptions(metricsOptions())
      .setPreferNativeTransport(NODE_NATIVE_TRANSPORT.booleanIn(config));
  }

  private static Vertx logTransport(Vertx vertx, JsonObject config) {
    if (vertx.isNativeTransportEnabled()) {
      LOG.info("sockets use the native transport (epoll; node.native-transport)");
    } else if (NODE_NATIVE_TRANSPORT.booleanIn(config)) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      LOG.warn("the native transport (epoll) is not available here, sockets use Java NIO: {}",
        cause == null ? "unknown cause" : cause.toString());
    }
    return vertx;
  }

  private static Future<Vertx> startVertx(JsonObject config) {
    return startVertxWith(config).map(vertx -> logTransport(vertx, config));
  }

  private static Future<Vertx> startVertxWith(JsonObject config) {
    if (!CLUSTER_ENABLED.booleanIn(config)) {
      return Future.succeededFuture(Vertx.builder().with(vertxOptions(config)).build());
    }
    ClusterSetup.checkPeersReachable(config);
    String host = CLUSTER_HOST.stringIn(config);
    ClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    VertxOptions options = vertxOptions(config)
      .setEventBusOptions(new EventBusOptions().setHost(host).setClusterPublicHost(host));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
      .recover(err -> Future.failedFuture(new ClusterSetup.ClusterJoinException("Hazelcast on " + host + ":"
        + CLUSTER_PORT.intIn(config) + " failed to start: " + err.getMessage()
        + "; check cluster.host (an address of this machine) and cluster.port")));
  }

  private static String nodeIdOf(Vertx vertx, JsonObject config) {
    String configured = NODE_ID.stringIn(config);
    if (!configured.isBlank()) {
      return configured;
    }
    ClusterManager manager = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    String id = manager != null ? manager.getNodeId() : UUID.randomUUID().toString();
    return "node-" + id.substring(0, 8);
  }

  private Future<Void> deployRoles() {
    Codecs.register(vertx.eventBus());
    List<String> roles = NODE_ROLES.listIn(config);
    vertx.eventBus().localConsumer(Addresses.NODE_INFO, message -> message.reply(info(roles)));
    // consumers first, producers last: ingest starts sending only when aggregation can already listen
    Future<Void> chain = startHealthServer();
    for (String role : START_ORDER) {
      if (roles.contains(role)) {
        chain = chain.compose(v -> deploy(role));
      }
    }
    return chain.onSuccess(v -> LOG.info("node {} ready with roles {}{}", nodeId, roles,
      httpPort > 0 ? "; dashboard at http://localhost:" + httpPort + "/" : ""));
  }

  private Future<Void> startHealthServer() {
    int port = NODE_HEALTH_PORT.intIn(config);
    if (port == 0) {
      return Future.succeededFuture();
    }
    String host = HTTP_HOST.stringIn(config);
    return new NodeHealthServer(vertx, this::readiness).listen(host, port)
      .recover(err -> Future.failedFuture(new RuntimeException(NODE_HEALTH_PORT.name() + ": " + host + ":" + port
        + " cannot be used (" + err.getMessage() + "); choose a free port with --node.health-port=<port>")))
      .map(actual -> {
        healthPort = actual;
        LOG.info("health endpoints at http://localhost:{}/health and /ready", actual);
        return null;
      });
  }

  private Future<Void> deploy(String role) {
    Supplier<Deployable> factory = switch (role) {
      case "ingest" -> IngestVerticle::new;
      case "aggregate" -> AggregateVerticle::new;
      case "persist" -> PersistVerticle::new;
      case "gateway" -> GatewayVerticle::new;
      default -> throw new ConfigException("node.roles: unknown role " + role);
    };
    Deployable verticle = factory.get();
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config))
      .recover(err -> Future.failedFuture(explain(role, err)))
      .map(id -> {
        deployments.put(role, id);
        if (verticle instanceof GatewayVerticle gateway) {
          httpPort = gateway.actualPort();
        }
        LOG.info("deployed {} verticle {} ({})", role, verticle.getClass().getSimpleName(), id);
        return null;
      });
  }

  private Throwable explain(String role, Throwable err) {
    boolean inUse = err instanceof BindException || String.valueOf(err.getMessage()).contains("Address already in use");
    if (role.equals("gateway") && inUse) {
      return new RuntimeException(HTTP_PORT.name() + ": " + HTTP_HOST.stringIn(config) + ":" + HTTP_PORT.intIn(config)
        + " is already in use (another Pulse node?); choose a free port with --http.port=<port> or PULSE_HTTP_PORT");
    }
    return new RuntimeException("the " + role + " verticle failed to start: " + err.getMessage(), err);
  }

  private JsonObject info(List<String> roles) {
    ClusterManager manager = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    JsonArray members = new JsonArray(manager == null ? List.of() : List.copyOf(manager.getNodes()));
    return new JsonObject().put("node", nodeId).put("roles", new JsonArray(roles))
      .put("clustered", manager != null).put("members", members)
      .put("ready", readiness().getBoolean("ready"));
  }
}
