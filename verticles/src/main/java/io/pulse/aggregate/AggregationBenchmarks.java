package io.pulse.aggregate;

import java.util.SplittableRandom;

/**
 * Drives an {@link AggregationEngine} with synthetic samples for the JMH benchmark (which lives with the tests
 * and cannot reach the engine's package-private settings). Not used by a running node.
 */
public final class AggregationBenchmarks {

  /** Samples applied per benchmark invocation. */
  public static final int BATCH = 10_000;

  private AggregationBenchmarks() {
  }

  public static Driver driver(int seriesCount, boolean percentiles) {
    return new Driver(seriesCount, percentiles);
  }

  /** Pre-computed keys and values; each batch walks event time forward, 1,000 samples per series per second. */
  public static final class Driver {
    private final String[] keys;
    private final double[] values = new double[4096];
    private final long[] jitter = new long[4096];
    private final AggregationEngine engine;
    private long sink;
    private long applied;
    private final String[] batchKeys = new String[BATCH];
    private final long[] batchTs = new long[BATCH];
    private final double[] batchValues = new double[BATCH];
    private final double[] batchVolumes = new double[BATCH];
    private final AggregationEngine.BatchOutcome outcome = new AggregationEngine.BatchOutcome();
    private int nextSeries;
    private int sampleNo;
    private long time = 1_700_000_000_000L;

    Driver(int seriesCount, boolean percentiles) {
      keys = new String[seriesCount];
      for (int i = 0; i < seriesCount; i++) {
        keys[i] = "bench.series." + i;
      }
      SplittableRandom random = new SplittableRandom(1);
      for (int i = 0; i < values.length; i++) {
        values[i] = Math.exp(3.5 + random.nextDouble() * 2) ;
        jitter[i] = random.nextInt(50);
      }
      EngineSettings settings = EngineSettings.of(new long[]{1000, 10_000, 60_000, 3_600_000}, 250, percentiles);
      engine = new AggregationEngine(settings, r -> sink += r.count());
      java.util.Arrays.fill(batchVolumes, Double.NaN);
    }

    /** Samples applied so far. */
    public long samplesApplied() {
      return applied;
    }

    /** Applies one batch; returns something the JIT cannot discard. */
    public long applyBatch() {
      int n = keys.length;
      for (int i = 0; i < BATCH; i++) {
        // counters instead of a modulo per sample: the driver should cost little next to the engine
        int k = nextSeries;
        nextSeries = k + 1 == n ? 0 : k + 1;
        if (k == 0) {
          time++; // every series gets one sample per ms of event time
        }
        int j = sampleNo++ & 4095;
        batchKeys[i] = keys[k];
        batchTs[i] = time - jitter[j];
        batchValues[i] = values[j];
      }
      // as the aggregate verticle does with a batch from ingest
      engine.addAll(batchKeys, batchTs, batchValues, batchVolumes, 0, BATCH, 0, outcome);
      applied += BATCH;
      return sink;
    }
  }
}
