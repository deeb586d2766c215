package io.pulse.aggregate;

import io.pulse.model.ConfigKeys;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/**
 * What the aggregation engine is told to do, read once from the configuration.
 *
 * @param resolutions         window lengths in ms, ascending, no duplicates
 * @param latenessMs          allowed lateness behind a series' latest event time
 * @param idleFlushMs         wall-clock silence after which a series' ended windows close
 * @param correctLate         true: late samples re-issue the window's final result; false: they are dropped
 * @param correctionHorizonMs how long (event time, after closing) windows are kept for corrections
 * @param percentiles         whether to keep a percentile sketch per window
 * @param movingAverageN      N of the SMA and EMA
 * @param maxSeries           series held at most; samples of further series are rejected
 * @param seriesExpiryMs      wall-clock silence after which a series without open windows is forgotten
 */
record EngineSettings(long[] resolutions, long latenessMs, long idleFlushMs, boolean correctLate,
                      long correctionHorizonMs, boolean percentiles, int movingAverageN, int maxSeries,
                      long seriesExpiryMs) {

  EngineSettings {
    resolutions = Arrays.stream(resolutions).sorted().distinct().toArray();
  }

  static EngineSettings from(JsonObject conf) {
    String policy = ConfigKeys.AGGREGATE_LATE_POLICY.stringIn(conf);
    if (!policy.equals("drop") && !policy.equals("correct")) {
      throw new IllegalArgumentException(ConfigKeys.AGGREGATE_LATE_POLICY.name() + ": expected drop or correct, got \""
        + policy + "\"");
    }
    return new EngineSettings(
      ConfigKeys.AGGREGATE_RESOLUTIONS.longListIn(conf).stream().mapToLong(Long::longValue).toArray(),
      ConfigKeys.AGGREGATE_LATENESS_MS.longIn(conf),
      ConfigKeys.AGGREGATE_IDLE_FLUSH_MS.longIn(conf),
      policy.equals("correct"),
      ConfigKeys.AGGREGATE_CORRECTION_HORIZON_MS.longIn(conf),
      ConfigKeys.AGGREGATE_PERCENTILES.booleanIn(conf),
      ConfigKeys.AGGREGATE_MOVING_AVERAGE_WINDOWS.intIn(conf),
      ConfigKeys.AGGREGATE_MAX_SERIES.intIn(conf),
      ConfigKeys.AGGREGATE_SERIES_EXPIRY_MS.longIn(conf));
  }

  /** Settings for tests and benchmarks: drop late samples, no expiry to speak of. */
  static EngineSettings of(long[] resolutions, long latenessMs, boolean percentiles) {
    return new EngineSettings(resolutions, latenessMs, 2000, false, 10_000, percentiles, 60, 1_000_000,
      600_000);
  }

  EngineSettings withLatePolicy(boolean correct, long horizonMs) {
    return new EngineSettings(resolutions, latenessMs, idleFlushMs, correct, horizonMs, percentiles, movingAverageN,
      maxSeries, seriesExpiryMs);
  }

  EngineSettings withLimits(int maxSeries, long idleFlushMs, long seriesExpiryMs) {
    return new EngineSettings(resolutions, latenessMs, idleFlushMs, correctLate, correctionHorizonMs, percentiles,
      movingAverageN, maxSeries, seriesExpiryMs);
  }
}
