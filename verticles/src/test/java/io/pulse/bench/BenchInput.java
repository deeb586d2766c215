package io.pulse.bench;

import java.util.SplittableRandom;

/**
 * The generated input every aggregation benchmark reads, Pulse's and its peers': {@code n} samples over
 * {@code seriesCount} series, event times advancing evenly over {@code seconds}, a little out of order
 * (up to 50 ms back), random-walk values and trade volumes. Columns, so that no benchmark pays for building
 * objects it would not build in production.
 */
public final class BenchInput {

  public static final long START = 1_700_000_000_000L;
  public static final long LATENESS_MS = 100;

  public final String[] seriesNames;
  public final int[] series;
  public final long[] timestamps;
  public final double[] values;
  public final double[] volumes;

  public BenchInput(int n, int seriesCount, int seconds, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    seriesNames = new String[seriesCount];
    double[] level = new double[seriesCount];
    for (int s = 0; s < seriesCount; s++) {
      seriesNames[s] = "bench.series." + s;
      level[s] = 100 + random.nextDouble() * 900;
    }
    series = new int[n];
    timestamps = new long[n];
    values = new double[n];
    volumes = new double[n];
    double step = seconds * 1000.0 / n;
    for (int i = 0; i < n; i++) {
      int s = random.nextInt(seriesCount);
      level[s] *= 1 + (random.nextDouble() - 0.5) * 0.001;
      series[i] = s;
      timestamps[i] = START + (long) (i * step) - random.nextInt(50);
      values[i] = level[s];
      volumes[i] = random.nextDouble() * 2;
    }
  }

  public int size() {
    return series.length;
  }
}
