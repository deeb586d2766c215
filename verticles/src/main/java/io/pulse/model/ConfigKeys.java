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

  public static final ConfigKey NODE_HEALTH_PORT = new ConfigKey("node.health-port", PORT, 0L,
    "port of the node's own /health and /ready endpoints (every role, for probes); 0: off");
  public static final ConfigKey NODE_DRAIN_MS = new ConfigKey("node.drain-ms", NON_NEGATIVE_LONG, 2000L,
    "on SIGTERM the node reports not-ready for this long before it stops its verticles, so traffic moves away");

  public static final ConfigKey HTTP_HOST = new ConfigKey("http.host", STRING, "0.0.0.0",
    "interface the gateway listens on");
  public static final ConfigKey HTTP_PORT = new ConfigKey("http.port", PORT, 8080,
    "gateway HTTP port (dashboard, REST, SSE, SockJS bridge); 0 picks a free port");

  public static final ConfigKey CLUSTER_ENABLED = new ConfigKey("cluster.enabled", BOOLEAN, false,
    "join a Hazelcast cluster (true) or run standalone (false)");
  public static final ConfigKey CLUSTER_NAME = new ConfigKey("cluster.name", STRING, "pulse",
    "Hazelcast cluster name: only nodes with the same name join each other (keeps clusters on one network apart)");
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

  public static final ConfigKey AGGREGATE_RESOLUTIONS = new ConfigKey("aggregate.resolutions", POSITIVE_LONG_LIST,
    List.of(1000L, 10_000L, 60_000L, 3_600_000L), "tumbling event-time window lengths in ms, all computed at once per series");
  public static final ConfigKey AGGREGATE_LATENESS_MS = new ConfigKey("aggregate.allowed-lateness-ms", NON_NEGATIVE_LONG, 250L,
    "a series' window closes when its watermark (latest event time seen for the series) passes the window's end plus this");
  public static final ConfigKey AGGREGATE_IDLE_FLUSH_MS = new ConfigKey("aggregate.idle-flush-ms", POSITIVE_LONG, 2000L,
    "when a series gets no sample for this long (wall clock), its windows that ended this long ago close");
  public static final ConfigKey AGGREGATE_LATE_POLICY = new ConfigKey("aggregate.late-policy", STRING, "drop",
    "samples for a closed window: drop (count them) or correct (count them and re-issue the window's final result)");
  public static final ConfigKey AGGREGATE_CORRECTION_HORIZON_MS = new ConfigKey("aggregate.correction-horizon-ms",
    NON_NEGATIVE_LONG, 10_000L, "with late-policy correct: how long (event time) closed windows are kept for corrections");
  public static final ConfigKey AGGREGATE_PROVISIONAL_INTERVAL_MS = new ConfigKey("aggregate.provisional-interval-ms",
    NON_NEGATIVE_LONG, 250L, "how often open windows that changed publish a provisional result (final=false); 0: never");
  public static final ConfigKey AGGREGATE_PERCENTILES = new ConfigKey("aggregate.percentiles", BOOLEAN, true,
    "compute p50/p90/p99/p999 with an HdrHistogram sketch (about 1-4 KB per open window)");
  public static final ConfigKey AGGREGATE_MOVING_AVERAGE_WINDOWS = new ConfigKey("aggregate.moving-average-windows",
    POSITIVE_LONG, 60L, "N of the simple and exponential moving averages over the last N window means");
  public static final ConfigKey AGGREGATE_MAX_SERIES = new ConfigKey("aggregate.max-series", POSITIVE_LONG, 100_000L,
    "series one aggregate node holds at most; samples of further series are rejected and counted");
  public static final ConfigKey AGGREGATE_SERIES_EXPIRY_MS = new ConfigKey("aggregate.series-expiry-ms", POSITIVE_LONG,
    600_000L, "a series without samples for this long (wall clock) and without open windows is forgotten");
  public static final ConfigKey AGGREGATE_PARTITIONS = new ConfigKey("aggregate.partitions", POSITIVE_LONG, 64L,
    "series are hashed into this many partitions, each owned by one aggregate node; the same on every node");
  public static final ConfigKey AGGREGATE_ALERT_RULES = new ConfigKey("aggregate.alert-rules", STRING_LIST, List.of(),
    "alert rules like \"svc.*.latency p99 > 250 for 30s\" (see the README); more over REST");

  public static final ConfigKey PERSIST_RING_SIZE = new ConfigKey("persist.ring-size", POSITIVE_LONG, 3600L,
    "final window results kept in memory per series and resolution (the ring tier of history queries)");
  public static final ConfigKey PERSIST_DATA_DIR = new ConfigKey("persist.data-dir", STRING, "data",
    "directory of the write journal and of the embedded PostgreSQL's data (relative to the working directory)");
  public static final ConfigKey PERSIST_PG_ENABLED = new ConfigKey("persist.pg.enabled", BOOLEAN, true,
    "store window results in PostgreSQL (false: ring, Redis and journal only)");
  public static final ConfigKey PERSIST_PG_URL = new ConfigKey("persist.pg.url", STRING, "",
    "PostgreSQL connection URI (postgresql://user@host:port/db); empty: start an embedded PostgreSQL under persist.data-dir");
  public static final ConfigKey PERSIST_PG_POOL_SIZE = new ConfigKey("persist.pg.pool-size", POSITIVE_LONG, 4L,
    "PostgreSQL connections of one persist node (writes and queries)");
  public static final ConfigKey PERSIST_REDIS_URL = new ConfigKey("persist.redis.url", STRING, "",
    "Redis URI (redis://host:port) of the hot tier: last hour per series, latest results, known series; empty: no Redis");
  public static final ConfigKey PERSIST_REDIS_HOT_MS = new ConfigKey("persist.redis.hot-ms", POSITIVE_LONG, 3600000L,
    "how much history Redis keeps per series and resolution, in ms of window time");
  public static final ConfigKey PERSIST_BATCH_SIZE = new ConfigKey("persist.batch-size", POSITIVE_LONG, 5000L,
    "window results per write to a store at most");
  public static final ConfigKey PERSIST_FLUSH_MS = new ConfigKey("persist.flush-ms", POSITIVE_LONG, 200L,
    "a partial batch is written after this long");
  public static final ConfigKey PERSIST_BUFFER_MAX = new ConfigKey("persist.buffer-max", POSITIVE_LONG, 100000L,
    "results held in memory per store while it is down or slow; beyond, they go to the journal file");
  public static final ConfigKey PERSIST_RETRY_MAX_MS = new ConfigKey("persist.retry-max-ms", POSITIVE_LONG, 5000L,
    "longest pause between retries of a store that is down (backoff from 100 ms, doubling)");
  public static final ConfigKey PERSIST_RETENTION = new ConfigKey("persist.retention", STRING_LIST,
    List.of("1s=1d", "1m=30d", "1h=730d", "*=30d"),
    "PostgreSQL retention per resolution, resolution=age with units ms, s, m, h, d; * for any other resolution");

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
  public static final List<ConfigKey> NODE = List.of(NODE_ROLES, NODE_ID, NODE_HEALTH_PORT, NODE_DRAIN_MS,
    HTTP_HOST, HTTP_PORT);
  public static final List<ConfigKey> CLUSTER = List.of(
    CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, CLUSTER_CONFIG, CLUSTER_JOIN_TIMEOUT_MS);
  public static final List<ConfigKey> SIMULATOR = List.of(
    SIMULATOR_ENABLED, SIMULATOR_RATE, SIMULATOR_SYMBOLS, SIMULATOR_SERVICES, SIMULATOR_SEED,
    SIMULATOR_START_TIME, SIMULATOR_MAX_SAMPLES);
  public static final List<ConfigKey> INGEST = List.of(
    INGEST_BATCH_SIZE, INGEST_MAX_IN_FLIGHT, INGEST_ACK_TIMEOUT_MS);
  public static final List<ConfigKey> AGGREGATE = List.of(
    AGGREGATE_RESOLUTIONS, AGGREGATE_LATENESS_MS, AGGREGATE_IDLE_FLUSH_MS, AGGREGATE_LATE_POLICY,
    AGGREGATE_CORRECTION_HORIZON_MS, AGGREGATE_PROVISIONAL_INTERVAL_MS, AGGREGATE_PERCENTILES,
    AGGREGATE_MOVING_AVERAGE_WINDOWS, AGGREGATE_MAX_SERIES, AGGREGATE_SERIES_EXPIRY_MS, AGGREGATE_PARTITIONS,
    AGGREGATE_ALERT_RULES);
  public static final List<ConfigKey> PERSIST = List.of(
    PERSIST_RING_SIZE, PERSIST_DATA_DIR, PERSIST_PG_ENABLED, PERSIST_PG_URL, PERSIST_PG_POOL_SIZE, PERSIST_REDIS_URL,
    PERSIST_REDIS_HOT_MS, PERSIST_BATCH_SIZE, PERSIST_FLUSH_MS, PERSIST_BUFFER_MAX, PERSIST_RETRY_MAX_MS,
    PERSIST_RETENTION);
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
