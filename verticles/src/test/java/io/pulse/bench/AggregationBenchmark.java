package io.pulse.bench;

import io.pulse.aggregate.AggregationBenchmarks;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The aggregation engine on one thread: 10,000 series, 4 resolutions (1 s, 10 s, 1 min, 1 h), 1,000 samples per
 * series per second of event time, slightly out of order. Score = samples per second ({@code ops/s} is samples,
 * one invocation applies {@link AggregationBenchmarks#BATCH} samples). Run: {@code scripts/bench-aggregate}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Threads(1)
public class AggregationBenchmark {

  @Param({"false", "true"})
  public boolean percentiles;

  private AggregationBenchmarks.Driver driver;

  @Setup(Level.Trial)
  public void setUp() {
    driver = AggregationBenchmarks.driver(10_000, percentiles);
  }

  @Benchmark
  @OperationsPerInvocation(AggregationBenchmarks.BATCH)
  public long aggregate() {
    return driver.applyBatch();
  }
}
