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
  public static final ConfigKey INGEST_REPLAY_ENABLED = new ConfigKey("ingest.replay.enabled", BOOLEAN, false,
    "replay a CSV file of samples (timestamp,series,value[,volume])");
  public static final ConfigKey INGEST_REPLAY_PATH = new ConfigKey("ingest.replay.path", STRING, "",
    "the CSV file to replay");
  public static final ConfigKey INGEST_REPLAY_SPEED = new ConfigKey("ingest.replay.speed", NON_NEGATIVE_LONG, 1L,
    "1: real speed, N: N times faster, 0: as fast as aggregation takes it");
  public static final ConfigKey INGEST_REPLAY_REBASE_TIME = new ConfigKey("ingest.replay.rebase-time", BOOLEAN, true,
    "true: event times move to now (first row = start, scaled by speed); false: the file's own times (back-testing)");

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

  // Each area lists its keys here; ALL is their concatenation (the order of conf/pulse.json and the README).
  public static final List<ConfigKey> NODE = List.of(NODE_ROLES, NODE_ID, HTTP_HOST, HTTP_PORT);
  public static final List<ConfigKey> CLUSTER = List.of(
    CLUSTER_ENABLED, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, CLUSTER_CONFIG, CLUSTER_JOIN_TIMEOUT_MS);
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
    INGEST_KAFKA_EVENT_TOPICS, INGEST_KAFKA_SAMPLE_TOPICS, INGEST_KAFKA_RETRY_MS, INGEST_REPLAY_ENABLED,
    INGEST_REPLAY_PATH, INGEST_REPLAY_SPEED, INGEST_REPLAY_REBASE_TIME);
  public static final List<ConfigKey> AGGREGATE = List.of(
    AGGREGATE_WINDOW_MS, AGGREGATE_LATENESS_MS, AGGREGATE_IDLE_FLUSH_MS);
  public static final List<ConfigKey> PERSIST = List.of(
    PERSIST_RING_SIZE);
  public static final List<ConfigKey> GATEWAY = List.of(
    GATEWAY_SSE_HEARTBEAT_MS);

  public static final List<ConfigKey> ALL = Stream.of(NODE, CLUSTER, SIMULATOR, INGEST, AGGREGATE, PERSIST, GATEWAY)
    .flatMap(List::stream).toList();

  public static final Map<String, ConfigKey> BY_NAME =
    ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));
}
