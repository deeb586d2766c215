package io.pulse.bench;

import static io.pulse.bench.BenchStats.*;

import io.pulse.aggregate.EngineRuns;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pulse's window engine against Apache Flink on the same generated input, in the same run: samples per second
 * of each (median and spread over repeated runs) and the ratio Pulse/Flink. Flink's time includes submitting the
 * job to its local mini-cluster, which is how a Flink job runs; the empty-job time is printed alongside.
 *
 * <p>Arguments: samples series runs flinkParallelism outputJson
 */
public final class AggregationPeerBenchmark {

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    int seriesCount = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int parallelism = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    Path out = Path.of(args.length > 4 ? args[4] : "target/bench/aggregation-peer.json");

    BenchInput input = new BenchInput(n, seriesCount, Math.max(10, n / 200_000), 7);
    // warm-up of both, not measured
    pulseRun(input);
    FlinkWindowJob.run(new BenchInput(100_000, 100, 2, 1), parallelism);
    long emptyJobNs = FlinkWindowJob.run(new BenchInput(1, 1, 1, 1), parallelism).jobNanos();

    double[] pulse = new double[runs];
    double[] flink = new double[runs];
    double[] flinkJob = new double[runs];
    for (int r = 0; r < runs; r++) {
      pulse[r] = n / (pulseRun(input) / 1e9);
      FlinkWindowJob.Timing timing = FlinkWindowJob.run(input, parallelism);
      flink[r] = n / (timing.processingNanos() / 1e9);
      flinkJob[r] = n / (timing.jobNanos() / 1e9);
      System.out.printf("run %d: pulse %.0f samples/s, flink %.0f samples/s (%.0f counting job start-up)%n",
        r + 1, pulse[r], flink[r], flinkJob[r]);
    }
    double pulseMedian = median(pulse);
    double flinkMedian = median(flink);
    System.out.printf("aggregation, %,d samples, %,d series, 1 s windows, %d runs:%n", n, seriesCount, runs);
    System.out.printf("  Pulse engine (1 thread):          median %,.0f samples/s (min %,.0f, max %,.0f)%n",
      pulseMedian, min(pulse), max(pulse));
    System.out.printf("  Flink DataStream (parallelism %d): median %,.0f samples/s (min %,.0f, max %,.0f), first sample to last result%n",
      parallelism, flinkMedian, min(flink), max(flink));
    System.out.printf("  Flink whole job incl. start-up:   median %,.0f samples/s; an empty job takes %.0f ms%n",
      median(flinkJob), emptyJobNs / 1e6);
    System.out.printf("  ratio Pulse/Flink: %.2f%n", pulseMedian / flinkMedian);

    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject()
      .put("benchmark", "aggregation-peer").put("samples", n).put("series", seriesCount).put("runs", runs)
      .put("flinkParallelism", parallelism).put("flinkEmptyJobMs", emptyJobNs / 1e6)
      .put("pulse", stats(pulse, "samples/s")).put("flink", stats(flink, "samples/s")).put("flinkWholeJob", stats(flinkJob, "samples/s")).put("ratio", pulseMedian / flinkMedian)
      .encodePrettily());
  }

  /** One pass of the engine over the input, windows closing as the watermark passes them; returns ns. */
  static long pulseRun(BenchInput in) {
    long start = System.nanoTime();
    long results = EngineRuns.run(in.seriesNames, in.series, in.timestamps, in.values, in.volumes, 1000,
      BenchInput.LATENESS_MS, false);
    long elapsed = System.nanoTime() - start;
    if (results == 0) {
      throw new IllegalStateException("no window results");
    }
    return elapsed;
  }
}
