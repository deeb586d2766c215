package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import static io.pulse.model.ConfigKeys.*;

/**
 * What every source of one ingest verticle shares: Vert.x, configuration, stats (source-specific counters), the
 * per-source metrics (samples, rejects, state), the validator, rejects.
 */
record IngestContext(Vertx vertx, JsonObject conf, RoleStats stats, SourceMetrics metrics, SampleValidator validator,
                     Rejects rejects) {

  /** A sender of its own for {@code source}, so one source's backlog never holds another back. */
  BatchSender sender(String source) {
    return new BatchSender(vertx, source, INGEST_BATCH_SIZE.intIn(conf), AGGREGATE_PARTITIONS.intIn(conf),
      INGEST_MAX_IN_FLIGHT.intIn(conf), INGEST_ACK_TIMEOUT_MS.longIn(conf), stats);
  }

  SampleFunnel funnel(String source) {
    return new SampleFunnel(vertx, source, sender(source), metrics, INGEST_BATCH_SIZE.intIn(conf));
  }
}
