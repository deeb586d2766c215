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
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.pulse.model.ConfigKeys.*;

/**
 * The node launcher, the one class that knows every verticle: it reads the configuration, starts Vert.x
 * standalone or clustered, and deploys the verticles of this node's roles.
 */
public final class PulseNode {

  private static final Logger LOG = LoggerFactory.getLogger(PulseNode.class);

  /** Exit codes of {@link #main}. */
  static final int EXIT_CONFIG = 2;
  static final int EXIT_CLUSTER = 3;
  static final int EXIT_START = 4;

  private final Vertx vertx;
  private final JsonObject config;
  private final String nodeId;
  private int httpPort = -1;
  private volatile boolean ready;

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

  /** Undeploys every verticle (each flushes what it holds) and leaves the cluster. */
  public Future<Void> stop() {
    LOG.info("node {} stopping: undeploying verticles and leaving the cluster", nodeId);
    return vertx.close().onSuccess(v -> LOG.info("node {} stopped", nodeId));
  }

  private void stopAndWait() {
    try {
      stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("node {} did not stop cleanly within 30 s: {}", nodeId, e.toString());
    }
  }

  /** Vert.x metrics (HTTP, event bus, pools) into the shared Prometheus registry the gateway serves at /metrics. */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  private static Future<Vertx> startVertx(JsonObject config) {
    if (!CLUSTER_ENABLED.booleanIn(config)) {
      return Future.succeededFuture(Vertx.builder().with(new VertxOptions().setMetricsOptions(metricsOptions())).build());
    }
    ClusterSetup.checkPeersReachable(config);
    String host = CLUSTER_HOST.stringIn(config);
    ClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    VertxOptions options = new VertxOptions().setMetricsOptions(metricsOptions())
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
    Future<Void> chain = Future.succeededFuture();
    for (String role : List.of("persist", "aggregate", "gateway", "ingest")) {
      if (roles.contains(role)) {
        chain = chain.compose(v -> deploy(role));
      }
    }
    return chain.onSuccess(v -> ready = true).onSuccess(v -> LOG.info("node {} ready with roles {}{}", nodeId, roles,
      httpPort > 0 ? "; dashboard at http://localhost:" + httpPort + "/" : ""));
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
      .put("clustered", manager != null).put("members", members).put("ready", ready);
  }
}
