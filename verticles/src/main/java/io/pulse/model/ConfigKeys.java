package io.pulse.model;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.pulse.model.ConfigKey.Type.*;

/**
 * Every configuration key of Pulse, with its type, default and meaning: the one schema that
 * {@code conf/pulse.json}, the environment and the command line are checked against.
 */
public final class ConfigKeys {

  private ConfigKeys() {
  }

  public static final List<String> ALL_ROLES = List.of("ingest", "aggregate", "persist", "gateway");

  public static final ConfigKey NODE_ROLES = new ConfigKey("node.roles", ROLE_LIST, ALL_ROLES,
    "verticles this node runs: any of ingest, aggregate, persist, gateway");
  public static final ConfigKey NODE_ID = new ConfigKey("node.id", STRING, "",
    "name of this node in status and logs; empty: the cluster member id (or a random id when standalone)");

  public static final ConfigKey HTTP_HOST = new ConfigKey("http.host", STRING, "0.0.0.0",
    "interface the gateway listens on");
  public static final ConfigKey HTTP_PORT = new ConfigKey("http.port", PORT, 8080,
    "gateway HTTP port (dashboard, REST, SSE, SockJS bridge); 0 picks a free port");

  public static final ConfigKey CLUSTER_ENABLED = new ConfigKey("cluster.enabled", BOOLEAN, false,
    "join a Hazelcast cluster (true) or run standalone (false)");
  public static final ConfigKey CLUSTER_HOST = new ConfigKey("cluster.host", STRING, "127.0.0.1",
    "address this node's Hazelcast member and event bus bind to and announce");
  public static final ConfigKey CLUSTER_PORT = new ConfigKey("cluster.port", PORT, 5701,
    "Hazelcast member port (the next free one is taken when busy)");
  public static final ConfigKey CLUSTER_MEMBERS = new ConfigKey("cluster.members", STRING_LIST, List.of("127.0.0.1"),
    "TCP/IP join list: host (ports 5701-5703 probed) or host:port; a node whose own address is not listed "
      + "needs one listed peer to answer");
  public static final ConfigKey CLUSTER_CONFIG = new ConfigKey("cluster.config", STRING, "cluster/hazelcast.xml",
    "Hazelcast XML configuration (file path, else looked up in the jar)");
  public static final ConfigKey CLUSTER_JOIN_TIMEOUT_MS = new ConfigKey("cluster.join-timeout-ms", POSITIVE_LONG, 15000L,
    "how long to wait for a listed peer before giving up");

  public static final ConfigKey SIMULATOR_ENABLED = new ConfigKey("simulator.enabled", BOOLEAN, true,
    "run the built-in feed simulator on ingest nodes");
  public static final ConfigKey SIMULATOR_RATE = new ConfigKey("simulator.rate", POSITIVE_LONG, 2000L,
    "simulated samples per second, over all series");
  public static final ConfigKey SIMULATOR_SYMBOLS = new ConfigKey("simulator.symbols", STRING_LIST,
    List.of("BTCUSDT", "ETHUSDT", "SOLUSDT"), "trading symbols: random-walk prices with trade volumes, series trade.<SYMBOL>");
  public static final ConfigKey SIMULATOR_SERVICES = new ConfigKey("simulator.services", STRING_LIST,
    List.of("checkout", "search", "auth"), "services: series svc.<name>.latency (ms) and svc.<name>.error (0 or 1)");
  public static final ConfigKey SIMULATOR_SEED = new ConfigKey("simulator.seed", NON_NEGATIVE_LONG, 0L,
    "random seed; 0 picks one at start");
  public static final ConfigKey SIMULATOR_START_TIME = new ConfigKey("simulator.start-time", NON_NEGATIVE_LONG, 0L,
    "0: live event times (now); otherwise an epoch-ms start of a replayed, virtual time line (tests, demos)");
  public static final ConfigKey SIMULATOR_MAX_SAMPLES = new ConfigKey("simulator.max-samples", NON_NEGATIVE_LONG, 0L,
    "stop after this many samples; 0: never stop");

  public static final ConfigKey INGEST_BATCH_SIZE = new ConfigKey("ingest.batch-size", POSITIVE_LONG, 500L,
    "samples per event-bus message at most");
  public static final ConfigKey INGEST_MAX_IN_FLIGHT = new ConfigKey("ingest.max-in-flight", POSITIVE_LONG, 16L,
    "batches sent and not yet acknowledged by aggregation; beyond it sources are held back");
  public static final ConfigKey INGEST_ACK_TIMEOUT_MS = new ConfigKey("ingest.ack-timeout-ms", POSITIVE_LONG, 5000L,
    "how long a batch may wait for aggregation's acknowledgement before it is sent again");

  public static final ConfigKey AGGREGATE_WINDOW_MS = new ConfigKey("aggregate.window-ms", POSITIVE_LONG, 1000L,
    "tumbling event-time window length in ms");
  public static final ConfigKey AGGREGATE_LATENESS_MS = new ConfigKey("aggregate.allowed-lateness-ms", NON_NEGATIVE_LONG, 250L,
    "a window closes when the watermark (latest event time seen) passes its end plus this");
  public static final ConfigKey AGGREGATE_IDLE_FLUSH_MS = new ConfigKey("aggregate.idle-flush-ms", POSITIVE_LONG, 2000L,
    "when no sample arrives for this long (wall clock), every open window is closed");

  public static final ConfigKey PERSIST_RING_SIZE = new ConfigKey("persist.ring-size", POSITIVE_LONG, 3600L,
    "final window results kept in memory per series for history queries");

  public static final ConfigKey GATEWAY_SSE_HEARTBEAT_MS = new ConfigKey("gateway.sse-heartbeat-ms", POSITIVE_LONG, 15000L,
    "interval of the SSE comment heartbeat that keeps proxies from closing idle streams");
  public static final ConfigKey GATEWAY_MAX_UPDATES_PER_SECOND = new ConfigKey("gateway.max-updates-per-second", NON_NEGATIVE_LONG, 4L,
    "provisional results sent per series per stream client at most (the latest wins); final results and alerts always go; 0: no limit");
  public static final ConfigKey GATEWAY_REPLAY_BUFFER = new ConfigKey("gateway.replay-buffer", POSITIVE_LONG, 10000L,
    "recent events kept for clients that resume with Last-Event-ID, ?since= or the WebSocket resume");
  public static final ConfigKey GATEWAY_CLIENT_QUEUE = new ConfigKey("gateway.client-queue", POSITIVE_LONG, 256L,
    "events held per stream client while its socket is full (latest per series; the oldest dropped beyond it)");
  public static final ConfigKey GATEWAY_SLOW_CLIENT_TIMEOUT_MS = new ConfigKey("gateway.slow-client-timeout-ms", POSITIVE_LONG, 10000L,
    "a stream client whose socket stays full this long is disconnected");
  public static final ConfigKey GATEWAY_MAX_CONNECTIONS = new ConfigKey("gateway.max-connections", POSITIVE_LONG, 15000L,
    "SSE and WebSocket stream connections per gateway node at most (a process here may open 20,000 files)");
  public static final ConfigKey GATEWAY_MAX_CONNECTIONS_PER_ADDRESS = new ConfigKey("gateway.max-connections-per-address",
    POSITIVE_LONG, 1000L, "stream connections from one remote IP address at most");
  public static final ConfigKey GATEWAY_MAX_SUBSCRIPTIONS = new ConfigKey("gateway.max-subscriptions", POSITIVE_LONG, 100L,
    "series patterns one WebSocket may subscribe to");
  public static final ConfigKey GATEWAY_MAX_MESSAGE_BYTES = new ConfigKey("gateway.max-message-bytes", POSITIVE_LONG, 65536L,
    "largest WebSocket message a client may send (answered with an error above it; frames above 1 MiB close the socket)");
  public static final ConfigKey GATEWAY_CORS_ORIGINS = new ConfigKey("gateway.cors-origins", STRING_LIST, List.of(),
    "origins allowed to call the REST API and streams from other sites (\"*\" for any); empty: no CORS headers");
  public static final ConfigKey GATEWAY_JWT_SECRET = new ConfigKey("gateway.auth.jwt-secret", STRING, "",
    "HS256 secret: when set, streams and bridges require a JWT bearer token signed with it; empty: no authentication");
  public static final ConfigKey GATEWAY_TCP_BRIDGE_ENABLED = new ConfigKey("gateway.tcp-bridge.enabled", BOOLEAN, false,
    "open the TCP event-bus bridge (same permitted addresses as the SockJS bridge)");
  public static final ConfigKey GATEWAY_TCP_BRIDGE_PORT = new ConfigKey("gateway.tcp-bridge.port", PORT, 7000,
    "TCP event-bus bridge port; 0 picks a free one");

  // Each area lists its keys here; ALL is their concatenation (the order of conf/pulse.json and the README).
  public static final List<ConfigKey> NODE = List.of(NODE_ROLES, NODE_ID, HTTP_HOST, HTTP_PORT);
  public static final List<ConfigKey> CLUSTER = List.of(
    CLUSTER_ENABLED, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, CLUSTER_CONFIG, CLUSTER_JOIN_TIMEOUT_MS);
  public static final List<ConfigKey> SIMULATOR = List.of(
    SIMULATOR_ENABLED, SIMULATOR_RATE, SIMULATOR_SYMBOLS, SIMULATOR_SERVICES, SIMULATOR_SEED,
    SIMULATOR_START_TIME, SIMULATOR_MAX_SAMPLES);
  public static final List<ConfigKey> INGEST = List.of(
    INGEST_BATCH_SIZE, INGEST_MAX_IN_FLIGHT, INGEST_ACK_TIMEOUT_MS);
  public static final List<ConfigKey> AGGREGATE = List.of(
    AGGREGATE_WINDOW_MS, AGGREGATE_LATENESS_MS, AGGREGATE_IDLE_FLUSH_MS);
  public static final List<ConfigKey> PERSIST = List.of(
    PERSIST_RING_SIZE);
  public static final List<ConfigKey> GATEWAY = List.of(
    GATEWAY_SSE_HEARTBEAT_MS, GATEWAY_MAX_UPDATES_PER_SECOND, GATEWAY_REPLAY_BUFFER, GATEWAY_CLIENT_QUEUE,
    GATEWAY_SLOW_CLIENT_TIMEOUT_MS, GATEWAY_MAX_CONNECTIONS, GATEWAY_MAX_CONNECTIONS_PER_ADDRESS,
    GATEWAY_MAX_SUBSCRIPTIONS, GATEWAY_MAX_MESSAGE_BYTES, GATEWAY_CORS_ORIGINS, GATEWAY_JWT_SECRET,
    GATEWAY_TCP_BRIDGE_ENABLED, GATEWAY_TCP_BRIDGE_PORT);

  public static final List<ConfigKey> ALL = Stream.of(NODE, CLUSTER, SIMULATOR, INGEST, AGGREGATE, PERSIST, GATEWAY)
    .flatMap(List::stream).toList();

  public static final Map<String, ConfigKey> BY_NAME =
    ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));
}
