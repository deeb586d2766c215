package io.pulse.model;

/**
 * Every event-bus address Pulse uses, in one place. The verticles meet only here: ingest, aggregate,
 * persist and gateway never call one another, they send and publish to these addresses.
 *
 * <p>Public addresses (reachable from browsers through the SockJS bridge) start with {@code pulse.public.}.
 */
public final class Addresses {

  private Addresses() {
  }

  /**
   * Request/reply, any producer to aggregate: a batch of any series, split by partition and forwarded to the owners
   * by the aggregate node that receives it (ingest sends to {@link #SAMPLES_PARTITION_PREFIX} instead). Body:
   * {@link SampleBatch} (binary codec {@link SampleBatchCodec}). Reply: empty body once the batch is applied; a
   * failure reply (or a timeout) means the sender must retry.
   */
  public static final String SAMPLES = "pulse.samples";

  /**
   * Publish, aggregate to everyone. Body: a {@link WindowResult} as JSON ({@link WindowResult#toJson()}) plus
   * {@code tick}, when the aggregator tick that made it ran (epoch ms; the results of one tick share it, and a
   * gateway's update budget counts them as one update). Permitted outbound on the SockJS bridge.
   */
  public static final String RESULTS = "pulse.public.results";

  /**
   * Publish, aggregate to persist. Body: a {@link ResultBatch} (binary codec {@link ResultBatchCodec}) of final
   * results only (first finals and corrections, never provisional ones), in the order they were produced. Every
   * final result published on {@link #RESULTS} is also in one of these batches, published within 10 ms or as soon as
   * 1,000 are gathered: the persist role takes in hundreds of results per message instead of one each, and never
   * sees the provisional ones. Not reachable through the bridges.
   */
  public static final String FINAL_RESULTS = "pulse.results.final";

  /**
   * Publish, every verticle every second. Body: JSON {@code {node, role, at, counters:{..}, rates:{..}}}; a
   * gateway adds {@code url} (where clients reach it), {@code startedAt} (epoch ms) and {@code ready} (its node's
   * readiness). The gateways gather them for {@code /api/status} and for the list of gateways a draining gateway
   * sends its stream clients to.
   */
  public static final String STATS = "pulse.stats";

  /**
   * Request/reply, gateway to persist. Body: JSON {@code {series, resolution?, from?, to?, step?}} (ms). Reply: JSON
   * {@code {series, resolution, from, to, step, tier, tiers:[{tier, from, to, count}], complete, results:[..]}};
   * failure code 400 for a bad query. With the header {@link #REPLY_ENCODED} set to {@code true}, the reply is that
   * JSON already encoded, in a Buffer.
   */
  public static final String HISTORY_QUERY = "pulse.history.query";

  /**
   * Header of a {@link #HISTORY_QUERY} request (not an address): {@code true} asks for the reply as encoded JSON in a
   * Buffer. The REST gateway sends it straight to the client: no deep copy of the reply on the bus, no second encoding.
   */
  public static final String REPLY_ENCODED = "reply-encoded";

  /**
   * Request/reply, gateway to persist. Body: none. Reply: JSON {@code {series:[names, sorted]}}, every series
   * a persist node knows from its ring, Redis and PostgreSQL.
   */
  public static final String SERIES_QUERY = "pulse.series.query";

  /**
   * Publish, ingest to whoever listens (operators, tests). Body: JSON {@code {node, source, reason, detail,
   * input, at}}: a rate-limited sample of rejected input ({@code input} truncated), so a bad feed can be
   * inspected without logging every reject. Counts of all rejects are in the ingest stats.
   */
  public static final String DEADLETTER = "pulse.deadletter";

  /**
   * Send (optionally request/reply), outside services to ingest, through the TCP event-bus bridge: the one address a
   * bridge client may send samples to. Body: one sample {@code {series, timestamp, value[, volume]}} or a JSON array of
   * them. The ingest verticle checks them like every other source's input (source name {@code tcp-bridge}: rejects
   * counted as {@code tcp-bridge.rejected.<reason>}, a sample of them on {@link #DEADLETTER}). Reply: JSON
   * {@code {accepted, rejected, errors:[{index, reason, detail}]}}; failure code 503 while aggregation holds ingest
   * back (nothing of that frame was taken: send it again later). Publishing here is refused by the bridge: every ingest
   * node would take the same samples.
   */
  public static final String INGEST_RAW = "pulse.ingest.raw";

  /**
   * Request/reply, local to one node (registered with {@code localConsumer} by the node launcher). Body: none.
   * Reply: JSON {@code {node, roles, clustered, members:[node ids]}}.
   */
  public static final String NODE_INFO = "pulse.node.info";

  /**
   * Request/reply, ingest to the aggregate node owning one partition: {@code pulse.samples.<partition>}
   * (see {@link Partitions#address(int)}). Body and reply as {@link #SAMPLES}: a batch whose series all hash
   * to that partition.
   */
  public static final String SAMPLES_PARTITION_PREFIX = "pulse.samples.";

  /**
   * Request/reply, aggregate to aggregate: {@code pulse.aggregate.handover.<node id>}, registered by each aggregate
   * node. The old owner of a partition that moves (a node draining, or a node joining) sends the whole open state of
   * the partition's series there. Body: a Buffer written by the aggregation engine; headers {@code partition},
   * {@code from} (node id) and {@code format} (the engine's state format, which must match). Reply: empty once the
   * state is merged; failure code 409 for a state format that differs (the sender then publishes the windows as they
   * stand).
   */
  public static final String AGGREGATE_HANDOVER_PREFIX = "pulse.aggregate.handover.";

  /**
   * Request/reply, gateway to aggregate. Body: JSON {@code {rule: "svc.*.latency p99 > 250 for 30s"}}.
   * Reply: the created rule {@code {id, rule, series, aggregate, resolution, comparator, threshold, forMs,
   * hysteresis}}; failure code 400 with the reason for a rule that does not parse.
   */
  public static final String ALERTS_CREATE = "pulse.alerts.create";

  /** Request/reply, gateway to aggregate. Body: none. Reply: JSON {@code {rules: [rule...]}}. */
  public static final String ALERTS_LIST = "pulse.alerts.list";

  /**
   * Request/reply, gateway to aggregate. Body: JSON {@code {id}}. Reply: {@code {id, deleted: true}}; failure
   * code 404 when no rule has that id.
   */
  public static final String ALERTS_DELETE = "pulse.alerts.delete";

  /**
   * Publish, among aggregate nodes. Body: none. The stored alert rules changed: every aggregate node reloads
   * them from the cluster-wide map.
   */
  public static final String ALERTS_CHANGED = "pulse.alerts.changed";

  /**
   * Publish, aggregate to everyone. Body: JSON {@code {rule, id, series, state: "firing"|"resolved", value,
   * threshold, at, since}} ({@code at}: end of the window that changed the state, epoch ms).
   * Permitted outbound on the SockJS and TCP bridges; streamed to SSE and WebSocket clients as {@code alert} events.
   */
  public static final String ALERTS = "pulse.public.alerts";
}
