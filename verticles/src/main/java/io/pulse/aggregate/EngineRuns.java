package io.pulse.aggregate;

/**
 * Runs the engine over column input for the peer benchmark (scripts/bench), which compares it with another
 * stream processor on the same data; the benchmark lives with the tests and cannot reach the engine's
 * package-private settings. Not used by a running node.
 */
public final class EngineRuns {

  private EngineRuns() {
  }

  /**
   * Applies every sample to one-resolution windows with the given lateness, then closes what is open.
   * Returns the number of final window results, so the work cannot be optimised away.
   */
  public static long run(String[] keys, int[] series, long[] timestamps, double[] values, double[] volumes,
                         long resolutionMs, long latenessMs, boolean percentiles) {
    long[] results = new long[1];
    AggregationEngine engine = new AggregationEngine(
      EngineSettings.of(new long[]{resolutionMs}, latenessMs, percentiles), r -> results[0]++);
    for (int i = 0; i < series.length; i++) {
      engine.add(keys[series[i]], timestamps[i], values[i], volumes[i], 0);
    }
    engine.closeAll();
    return results[0];
  }
}
