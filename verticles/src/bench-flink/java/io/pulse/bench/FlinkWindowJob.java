package io.pulse.bench;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer of Pulse's window engine: the same input, the same 1-second event-time tumbling windows with the
 * same lateness, the same aggregates (count, sum, min, max, first, last by event time, volume, VWAP), through
 * Flink's DataStream API in a local mini-cluster.
 */
public final class FlinkWindowJob {

  /** The accumulator: a Flink POJO (public fields, no-arg constructor), so no Kryo. */
  public static final class Acc {
    public long count;
    public double sum;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;
    public long firstTs = Long.MAX_VALUE;
    public double first;
    public long lastTs = Long.MIN_VALUE;
    public double last;
    public double volume;
    public double valueTimesVolume;
  }

  static final class WindowAggregates implements AggregateFunction<Tuple4<String, Long, Double, Double>, Acc, Acc> {
    @Override
    public Acc createAccumulator() {
      return new Acc();
    }

    @Override
    public Acc add(Tuple4<String, Long, Double, Double> s, Acc a) {
      double v = s.f2;
      a.count++;
      a.sum += v;
      a.min = Math.min(a.min, v);
      a.max = Math.max(a.max, v);
      if (s.f1 < a.firstTs) {
        a.firstTs = s.f1;
        a.first = v;
      }
      if (s.f1 >= a.lastTs) {
        a.lastTs = s.f1;
        a.last = v;
      }
      a.volume += s.f3;
      a.valueTimesVolume += v * s.f3;
      return a;
    }

    @Override
    public Acc getResult(Acc a) {
      return a;
    }

    @Override
    public Acc merge(Acc a, Acc b) {
      throw new UnsupportedOperationException("tumbling windows do not merge");
    }
  }

  /** Processing time as the job sees it: from the first sample read to the last window result written. */
  static volatile long firstSampleNanos;
  static volatile long lastResultNanos;

  static final class MarkFirst implements MapFunction<Tuple4<String, Long, Double, Double>, Tuple4<String, Long, Double, Double>> {
    private boolean seen;

    @Override
    public Tuple4<String, Long, Double, Double> map(Tuple4<String, Long, Double, Double> s) {
      if (!seen) {
        seen = true;
        firstSampleNanos = System.nanoTime();
      }
      return s;
    }
  }

  static final class MarkLast implements SinkFunction<Acc> {
    @Override
    public void invoke(Acc value, Context context) {
      lastResultNanos = System.nanoTime();
    }
  }

  /** Nanoseconds of the whole job (submission to end) and of its processing (first sample to last result). */
  public record Timing(long jobNanos, long processingNanos) {
  }

  private FlinkWindowJob() {
  }

  /** Runs the job over the input. */
  public static Timing run(BenchInput input, int parallelism) throws Exception {
    List<Tuple4<String, Long, Double, Double>> rows = new ArrayList<>(input.size());
    for (int i = 0; i < input.size(); i++) {
      rows.add(Tuple4.of(input.seriesNames[input.series[i]], input.timestamps[i], input.values[i], input.volumes[i]));
    }
    Configuration conf = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    DataStream<Tuple4<String, Long, Double, Double>> samples = env.fromData(rows).map(new MarkFirst())
      .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple4<String, Long, Double, Double>>forBoundedOutOfOrderness(
          Duration.ofMillis(BenchInput.LATENESS_MS))
        .withTimestampAssigner((s, previous) -> s.f1));
    samples.keyBy(s -> s.f0)
      .window(TumblingEventTimeWindows.of(Duration.ofSeconds(1)))
      .aggregate(new WindowAggregates())
      .addSink(new MarkLast());
    long start = System.nanoTime();
    env.execute("pulse-peer-windows");
    long job = System.nanoTime() - start;
    return new Timing(job, lastResultNanos - firstSampleNanos);
  }
}
