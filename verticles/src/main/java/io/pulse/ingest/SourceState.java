package io.pulse.ingest;

import io.pulse.model.RoleStats;

/**
 * What a source is doing, shown in the ingest stats as one gauge per state, {@code <source>.state.<state>},
 * exactly one of them 1: {@code /api/status} then reads, for example, {@code exchange.state.reconnecting: 1}.
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

  /** Sets {@code state} as the current state of {@code source}. */
  static void show(RoleStats stats, String source, SourceState state) {
    for (SourceState s : values()) {
      stats.set(source + ".state." + s.name().toLowerCase(), s == state ? 1 : 0);
    }
  }
}
