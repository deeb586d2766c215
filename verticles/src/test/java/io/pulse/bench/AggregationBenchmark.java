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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The aggregation engine on one thread: 10,000 series, 4 resolutions (1 s, 10 s, 1 min, 1 h), 1,000 samples per
 * series per second of event time, slightly out of order. Score = samples per second ({@code ops/s} is samples,
 * one invocation applies {@link AggregationBenchmarks#BATCH} samples). Run: {@code scripts/bench-aggregate}.
 *
 * <p>On a shared machine the benchmark thread waits for a core much of the time, which the wall-clock score
 * counts. Each iteration also measures the thread's own CPU time and the trial prints the median of samples per
 * CPU-second: what one core would do if the thread had it to itself (still slowed by the other processes'
 * use of the caches).
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

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private AggregationBenchmarks.Driver driver;
  private final List<Double> perCpuSecond = new ArrayList<>();
  private boolean measuring;
  private long cpuAtStart;
  private long samplesAtStart;

  @Setup(Level.Trial)
  public void setUp() {
    driver = AggregationBenchmarks.driver(10_000, percentiles);
  }

  @Setup(Level.Iteration)
  public void startIteration(IterationParams iteration) {
    measuring = iteration.getType() == IterationType.MEASUREMENT;
    cpuAtStart = THREADS.getCurrentThreadCpuTime();
    samplesAtStart = driver.samplesApplied();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
    double rate = (driver.samplesApplied() - samplesAtStart) * 1e9 / cpu;
    if (measuring) {
      perCpuSecond.add(rate);
    }
    System.out.printf("  [percentiles=%s: %.2f M samples per CPU-second of the benchmark thread]%n", percentiles,
      rate / 1e6);
  }

  @TearDown(Level.Trial)
  public void report() {
    List<Double> measured = new ArrayList<>(perCpuSecond);
    measured.sort(null);
    System.out.printf("%nCPU-time figure, percentiles=%s: median %.2f M samples per CPU-second over %d iterations%n",
      percentiles, measured.get(measured.size() / 2) / 1e6, measured.size());
  }

  @Benchmark
  @OperationsPerInvocation(AggregationBenchmarks.BATCH)
  public long aggregate() {
    return driver.applyBatch();
  }
}
