package io.pulse.ingest;

/**
 * What a source is doing, shown by {@link SourceMetrics#state}: in the ingest stats as one gauge per state,
 * {@code <source>.state.<state>}, exactly one of them 1 ({@code /api/status} then reads, for example,
 * {@code exchange.state.reconnecting: 1}), and in Prometheus as {@code pulse_ingest_source_state{source,state}}.
 */
enum SourceState {
  /** started, not yet connected */
  STARTING,
  /** receiving (or ready to receive) and handing samples on */
  CONNECTED,
  /** connected but held back: aggregation does not acknowledge fast enough */
  LAGGING,
  /** the connection was lost or refused; waiting to try again */
  RECONNECTING,
  /** a fault that needs the operator (missing topic, unreadable file); retried where retrying can help */
  ERROR,
  /** a finite source (file replay) reached its end */
  FINISHED;

  /** The name in stats and metric labels, for example {@code reconnecting}. */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
