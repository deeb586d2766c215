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
    "port of the node's own /health, /ready and /metrics endpoints (every role, for probes and scrapes); 0: off");
  public static final ConfigKey NODE_DRAIN_MS = new ConfigKey("node.drain-ms", NON_NEGATIVE_LONG, 2000L,
    "on SIGTERM the node reports not-ready for this long before it stops its verticles, so traffic moves away");
  public static final ConfigKey NODE_NATIVE_TRANSPORT = new ConfigKey("node.native-transport", BOOLEAN, true,
    "true: sockets on Linux epoll where available (less CPU per socket write than Java NIO); false: Java NIO");

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

  public static final ConfigKey INGEST_MAX_FUTURE_MS = new ConfigKey("ingest.max-future-ms", NON_NEGATIVE_LONG, 60_000L,
    "samples stamped later than now plus this are rejected (too-far-future)");
  public static final ConfigKey INGEST_MAX_PAST_MS = new ConfigKey("ingest.max-past-ms", NON_NEGATIVE_LONG, 86_400_000L,
    "samples stamped earlier than now minus this are rejected (too-far-past); 0: no bound (back-testing)");
  public static final ConfigKey INGEST_DEADLETTER_PER_SECOND = new ConfigKey("ingest.deadletter-per-second",
    NON_NEGATIVE_LONG, 10L, "rejected inputs published to pulse.deadletter per second at most, per node; 0: none");
  public static final ConfigKey INGEST_HTTP_HOST = new ConfigKey("ingest.http.host", STRING, "0.0.0.0",
    "interface of the ingest role's own HTTP server (push endpoints)");
  public static final ConfigKey INGEST_HTTP_PORT = new ConfigKey("ingest.http.port", PORT, 8081,
    "port of the ingest role's own HTTP server (POST /api/ingest, WebSocket /api/ingest/ws); 0 picks a free one");
  public static final ConfigKey INGEST_PUSH_ENABLED = new ConfigKey("ingest.push.enabled", BOOLEAN, false,
    "accept readings pushed by clients over HTTP and WebSocket on ingest.http.port");
  public static final ConfigKey INGEST_PUSH_TOKENS = new ConfigKey("ingest.push.tokens", STRING_LIST, List.of(),
    "client=token entries; when any is set, a pushing client must present one (Bearer header or ?token=)");
  public static final ConfigKey INGEST_PUSH_RATE_LIMIT = new ConfigKey("ingest.push.rate-limit", POSITIVE_LONG, 100L,
    "readings per second one connection may push (burst of the same size); beyond it readings are refused");
  public static final ConfigKey INGEST_PUSH_IDLE_TIMEOUT_MS = new ConfigKey("ingest.push.idle-timeout-ms", POSITIVE_LONG,
    60_000L, "a pushing connection that sends nothing for this long is closed");
  public static final ConfigKey INGEST_PUSH_MAX_MESSAGE_BYTES = new ConfigKey("ingest.push.max-message-bytes",
    POSITIVE_LONG, 262_144L, "largest HTTP body or WebSocket message accepted; larger ones are refused as oversized");
  public static final ConfigKey INGEST_EXCHANGE_ENABLED = new ConfigKey("ingest.exchange.enabled", BOOLEAN, false,
    "consume an exchange trade feed (Binance combined-stream format) over WebSocket");
  public static final ConfigKey INGEST_EXCHANGE_URL = new ConfigKey("ingest.exchange.url", STRING,
    "wss://stream.binance.com:9443/stream", "combined-stream endpoint; ?streams=<symbol>@<kind>/... is appended");
  public static final ConfigKey INGEST_EXCHANGE_SYMBOLS = new ConfigKey("ingest.exchange.symbols", STRING_LIST,
    List.of("BTCUSDT", "ETHUSDT"), "symbols to subscribe; trades of other symbols are rejected (unknown-symbol)");
  public static final ConfigKey INGEST_EXCHANGE_STREAMS = new ConfigKey("ingest.exchange.streams", STRING_LIST,
    List.of("trade"), "stream kinds per symbol: trade and/or aggTrade");
  public static final ConfigKey INGEST_EXCHANGE_BACKOFF_INITIAL_MS = new ConfigKey("ingest.exchange.backoff-initial-ms",
    POSITIVE_LONG, 500L, "reconnect delay ceiling after the first failure; doubles per failure (full jitter)");
  public static final ConfigKey INGEST_EXCHANGE_BACKOFF_MAX_MS = new ConfigKey("ingest.exchange.backoff-max-ms",
    POSITIVE_LONG, 30_000L, "cap of the reconnect delay ceiling");
  public static final ConfigKey INGEST_EXCHANGE_PING_MS = new ConfigKey("ingest.exchange.ping-ms", POSITIVE_LONG,
    20_000L, "interval of the client's WebSocket pings");
  public static final ConfigKey INGEST_EXCHANGE_IDLE_TIMEOUT_MS = new ConfigKey("ingest.exchange.idle-timeout-ms",
    POSITIVE_LONG, 30_000L, "a socket silent (no message, no pong) for this long is dropped and reconnected");
  public static final ConfigKey INGEST_EXCHANGE_MAX_CONNECTION_MS = new ConfigKey("ingest.exchange.max-connection-ms",
    POSITIVE_LONG, 85_800_000L, "reconnect proactively after this long (the exchange cuts connections at 24 h)");
  public static final ConfigKey INGEST_KAFKA_ENABLED = new ConfigKey("ingest.kafka.enabled", BOOLEAN, false,
    "consume Kafka topics of log events and of samples");
  public static final ConfigKey INGEST_KAFKA_BOOTSTRAP_SERVERS = new ConfigKey("ingest.kafka.bootstrap-servers", STRING,
    "127.0.0.1:9092", "Kafka bootstrap servers, host:port[,host:port]");
  public static final ConfigKey INGEST_KAFKA_GROUP_ID = new ConfigKey("ingest.kafka.group-id", STRING, "pulse-ingest",
    "consumer group: ingest nodes in one group share the topics' partitions");
  public static final ConfigKey INGEST_KAFKA_EVENT_TOPICS = new ConfigKey("ingest.kafka.event-topics", STRING_LIST,
    List.of("pulse-events"), "topics of JSON log events {service, endpoint, status, latency_ms, timestamp}");
  public static final ConfigKey INGEST_KAFKA_SAMPLE_TOPICS = new ConfigKey("ingest.kafka.sample-topics", STRING_LIST,
    List.of(), "topics of JSON samples {series, timestamp, value[, volume]}");
  public static final ConfigKey INGEST_KAFKA_RETRY_MS = new ConfigKey("ingest.kafka.retry-ms", POSITIVE_LONG, 5000L,
    "how often a down broker or a missing topic is checked again");
  public static final ConfigKey INGEST_KAFKA_STALL_MS = new ConfigKey("ingest.kafka.stall-ms", POSITIVE_LONG, 30_000L,
    "a consumer whose poll has not completed for this long (at least 5000 and 3 x retry-ms) is shown as error and "
      + "replaced by a new one; also its max.poll.interval.ms, after which Kafka gives its partitions to the group's "
      + "other members");
  public static final ConfigKey INGEST_REPLAY_ENABLED = new ConfigKey("ingest.replay.enabled", BOOLEAN, false,
    "replay a CSV file of samples (timestamp,series,value[,volume])");
  public static final ConfigKey INGEST_REPLAY_PATH = new ConfigKey("ingest.replay.path", STRING, "",
    "the CSV file to replay");
  public static final ConfigKey INGEST_REPLAY_SPEED = new ConfigKey("ingest.replay.speed", NON_NEGATIVE_LONG, 1L,
    "1: real speed, N: N times faster, 0: as fast as aggregation takes it");
  public static final ConfigKey INGEST_REPLAY_REBASE_TIME = new ConfigKey("ingest.replay.rebase-time", BOOLEAN, true,
    "true: event times move to now (first row = start, scaled by speed); false: the file's own times (back-testing)");

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
  public static final ConfigKey PERSIST_PG_IN_FLIGHT = new ConfigKey("persist.pg.in-flight", POSITIVE_LONG, 2L,
    "batches written to PostgreSQL at once (each queued per write lane, so rewrites of a row keep their order)");
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
  public static final ConfigKey GATEWAY_STREAM_LOOPS = new ConfigKey("gateway.stream-loops", NON_NEGATIVE_LONG, 0L,
    "event loops serving HTTP and stream clients (each an HTTP server on the same port with its own share of the clients); 0: one per CPU core");
  public static final ConfigKey GATEWAY_MAX_UPDATES_PER_SECOND = new ConfigKey("gateway.max-updates-per-second", NON_NEGATIVE_LONG, 4L,
    "provisional results sent per series per stream client at most (the latest wins); final results and alerts always go; 0: no limit");
  public static final ConfigKey GATEWAY_REPLAY_BUFFER = new ConfigKey("gateway.replay-buffer", POSITIVE_LONG, 10000L,
    "recent events kept for clients that resume with Last-Event-ID, ?since= or the WebSocket resume");
  public static final ConfigKey GATEWAY_HISTORY_RING_SIZE = new ConfigKey("gateway.history-ring-size", NON_NEGATIVE_LONG, 600L,
    "final results kept per series and resolution by each gateway, to answer recent /api/history ranges itself (about 400 bytes each); 0: every query goes to a persist node");
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
  public static final ConfigKey GATEWAY_WS_SHARED_FRAMES = new ConfigKey("gateway.ws-shared-frames", BOOLEAN, true,
    "each event's WebSocket frame is built once and its bytes written to every socket; false: Vert.x builds and copies"
      + " a frame per socket (about 10-15% slower at 10,000 subscribers)");
  public static final ConfigKey GATEWAY_SSE_SHARED_CHUNKS = new ConfigKey("gateway.sse-shared-chunks", BOOLEAN, true,
    "each event's SSE chunk (chunked transfer framing included) is built once and its bytes written to every stream;"
      + " false: Vert.x frames and copies the event per stream");
  public static final ConfigKey GATEWAY_CORS_ORIGINS = new ConfigKey("gateway.cors-origins", STRING_LIST, List.of(),
    "origins allowed to call the REST API and streams from other sites (\"*\" for any); empty: no CORS headers");
  public static final ConfigKey GATEWAY_JWT_SECRET = new ConfigKey("gateway.auth.jwt-secret", STRING, "",
    "HS256 secret: when set, streams and bridges require a JWT bearer token signed with it; empty: no authentication");
  public static final ConfigKey GATEWAY_TCP_BRIDGE_ENABLED = new ConfigKey("gateway.tcp-bridge.enabled", BOOLEAN, false,
    "open the TCP event-bus bridge (same permitted addresses as the SockJS bridge)");
  public static final ConfigKey GATEWAY_TCP_BRIDGE_PORT = new ConfigKey("gateway.tcp-bridge.port", PORT, 7000,
    "TCP event-bus bridge port; 0 picks a free one");
  public static final ConfigKey GATEWAY_TCP_BRIDGE_MAX_FRAME_BYTES = new ConfigKey("gateway.tcp-bridge.max-frame-bytes",
    POSITIVE_LONG, 1048576L, "largest TCP bridge frame a client may send; a larger length prefix gets an error frame "
      + "and the connection is closed");
  public static final ConfigKey GATEWAY_ADVERTISED_URL = new ConfigKey("gateway.advertised-url", STRING, "",
    "URL clients reach this gateway at, sent to stream clients of a draining gateway as where to reconnect; "
      + "empty: http://<cluster.host>:<http port>");

  // Each area lists its keys here; ALL is their concatenation (the order of conf/pulse.json and the README).
  public static final List<ConfigKey> NODE = List.of(NODE_ROLES, NODE_ID, NODE_HEALTH_PORT, NODE_DRAIN_MS,
    NODE_NATIVE_TRANSPORT, HTTP_HOST, HTTP_PORT);
  public static final List<ConfigKey> CLUSTER = List.of(
    CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, CLUSTER_CONFIG, CLUSTER_JOIN_TIMEOUT_MS);
  public static final List<ConfigKey> SIMULATOR = List.of(
    SIMULATOR_ENABLED, SIMULATOR_RATE, SIMULATOR_SYMBOLS, SIMULATOR_SERVICES, SIMULATOR_SEED,
    SIMULATOR_START_TIME, SIMULATOR_MAX_SAMPLES);
  public static final List<ConfigKey> INGEST = List.of(
    INGEST_BATCH_SIZE, INGEST_MAX_IN_FLIGHT, INGEST_ACK_TIMEOUT_MS, INGEST_MAX_FUTURE_MS, INGEST_MAX_PAST_MS,
    INGEST_DEADLETTER_PER_SECOND, INGEST_HTTP_HOST, INGEST_HTTP_PORT, INGEST_PUSH_ENABLED, INGEST_PUSH_TOKENS,
    INGEST_PUSH_RATE_LIMIT, INGEST_PUSH_IDLE_TIMEOUT_MS, INGEST_PUSH_MAX_MESSAGE_BYTES, INGEST_EXCHANGE_ENABLED,
    INGEST_EXCHANGE_URL, INGEST_EXCHANGE_SYMBOLS, INGEST_EXCHANGE_STREAMS, INGEST_EXCHANGE_BACKOFF_INITIAL_MS,
    INGEST_EXCHANGE_BACKOFF_MAX_MS, INGEST_EXCHANGE_PING_MS, INGEST_EXCHANGE_IDLE_TIMEOUT_MS,
    INGEST_EXCHANGE_MAX_CONNECTION_MS, INGEST_KAFKA_ENABLED, INGEST_KAFKA_BOOTSTRAP_SERVERS, INGEST_KAFKA_GROUP_ID,
    INGEST_KAFKA_EVENT_TOPICS, INGEST_KAFKA_SAMPLE_TOPICS, INGEST_KAFKA_RETRY_MS, INGEST_KAFKA_STALL_MS,
    INGEST_REPLAY_ENABLED, INGEST_REPLAY_PATH, INGEST_REPLAY_SPEED, INGEST_REPLAY_REBASE_TIME);
  public static final List<ConfigKey> AGGREGATE = List.of(
    AGGREGATE_RESOLUTIONS, AGGREGATE_LATENESS_MS, AGGREGATE_IDLE_FLUSH_MS, AGGREGATE_LATE_POLICY,
    AGGREGATE_CORRECTION_HORIZON_MS, AGGREGATE_PROVISIONAL_INTERVAL_MS, AGGREGATE_PERCENTILES,
    AGGREGATE_MOVING_AVERAGE_WINDOWS, AGGREGATE_MAX_SERIES, AGGREGATE_SERIES_EXPIRY_MS, AGGREGATE_PARTITIONS,
    AGGREGATE_ALERT_RULES);
  public static final List<ConfigKey> PERSIST = List.of(
    PERSIST_RING_SIZE, PERSIST_DATA_DIR, PERSIST_PG_ENABLED, PERSIST_PG_URL, PERSIST_PG_POOL_SIZE,
    PERSIST_PG_IN_FLIGHT, PERSIST_REDIS_URL, PERSIST_REDIS_HOT_MS, PERSIST_BATCH_SIZE, PERSIST_FLUSH_MS,
    PERSIST_BUFFER_MAX, PERSIST_RETRY_MAX_MS, PERSIST_RETENTION);
  public static final List<ConfigKey> GATEWAY = List.of(
    GATEWAY_SSE_HEARTBEAT_MS, GATEWAY_STREAM_LOOPS, GATEWAY_MAX_UPDATES_PER_SECOND, GATEWAY_REPLAY_BUFFER,
    GATEWAY_HISTORY_RING_SIZE, GATEWAY_CLIENT_QUEUE, GATEWAY_SLOW_CLIENT_TIMEOUT_MS, GATEWAY_MAX_CONNECTIONS, GATEWAY_MAX_CONNECTIONS_PER_ADDRESS,
    GATEWAY_MAX_SUBSCRIPTIONS, GATEWAY_MAX_MESSAGE_BYTES, GATEWAY_WS_SHARED_FRAMES, GATEWAY_SSE_SHARED_CHUNKS,
    GATEWAY_CORS_ORIGINS, GATEWAY_JWT_SECRET,
    GATEWAY_TCP_BRIDGE_ENABLED, GATEWAY_TCP_BRIDGE_PORT, GATEWAY_TCP_BRIDGE_MAX_FRAME_BYTES, GATEWAY_ADVERTISED_URL);

  public static final List<ConfigKey> ALL = Stream.of(NODE, CLUSTER, SIMULATOR, INGEST, AGGREGATE, PERSIST, GATEWAY)
    .flatMap(List::stream).toList();

  public static final Map<String, ConfigKey> BY_NAME =
    ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));
}
