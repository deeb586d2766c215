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
   * Request/reply, ingest to aggregate. Body: {@link SampleBatch} (binary codec {@link SampleBatchCodec}).
   * Reply: empty body once the batch is applied; a failure reply (or a timeout) means the sender must retry.
   */
  public static final String SAMPLES = "pulse.samples";

  /**
   * Publish, aggregate to everyone. Body: a {@link WindowResult} as JSON ({@link WindowResult#toJson()}).
   * Permitted outbound on the SockJS bridge.
   */
  public static final String RESULTS = "pulse.public.results";

  /**
   * Publish, every verticle every second. Body: JSON {@code {node, role, counters:{..}, rates:{..}}}; the
   * gateway gathers them for {@code /api/status}.
   */
  public static final String STATS = "pulse.stats";

  /**
   * Request/reply, gateway to persist. Body: JSON {@code {series, from, to}} (epoch ms). Reply: JSON
   * {@code {series, tier, results:[WindowResult JSON...]}}; failure code 400 for a bad query.
   */
  public static final String HISTORY_QUERY = "pulse.history.query";

  /**
   * Publish, ingest to whoever listens (operators, tests). Body: JSON {@code {node, source, reason, detail,
   * input, at}}: a rate-limited sample of rejected input ({@code input} truncated), so a bad feed can be
   * inspected without logging every reject. Counts of all rejects are in the ingest stats.
   */
  public static final String DEADLETTER = "pulse.deadletter";

  /**
   * Request/reply, local to one node (registered with {@code localConsumer} by the node launcher). Body: none.
   * Reply: JSON {@code {node, roles, clustered, members:[node ids]}}.
   */
  public static final String NODE_INFO = "pulse.node.info";
}
