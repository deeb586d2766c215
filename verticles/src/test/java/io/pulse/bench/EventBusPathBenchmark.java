package io.pulse.bench;

import static io.pulse.bench.BenchStats.*;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.Partitions;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The event-bus path ingest -> aggregation: batches of samples sent to their partition's owner with a bounded
 * number in flight (as the ingest role sends them) until the aggregate role acknowledged every one. Measured on one
 * node (sender and aggregator in one Vert.x) and across two clustered nodes over loopback.
 *
 * <p>Arguments: samples runs outputJson
 */
public final class EventBusPathBenchmark {

  private static final int BATCH = 500;
  private static final int IN_FLIGHT = 32;
  private static final int PARTITIONS = ((Number) io.pulse.model.ConfigKeys.AGGREGATE_PARTITIONS.defaultValue()).intValue();

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/eventbus-path.json");
    List<Addressed> batches = batches(n);

    double[] local = new double[runs];
    PulseNode node = TestNodes.start(TestNodes.config("--node.roles=aggregate", "--node.drain-ms=0"));
    send(node.vertx(), batches); // warm-up
    for (int r = 0; r < runs; r++) {
      local[r] = n / (send(node.vertx(), batches) / 1e9);
      System.out.printf("one node, run %d: %,.0f samples/s%n", r + 1, local[r]);
    }
    TestNodes.stop(node);

    int portA = TestNodes.freePort();
    int portB = TestNodes.freePort();
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    PulseNode aggregator = TestNodes.start(TestNodes.config("--node.roles=aggregate", "--cluster.enabled=true",
      "--cluster.port=" + portA, "--cluster.members=" + members, "--node.drain-ms=0"));
    PulseNode sender = TestNodes.start(TestNodes.config("--node.roles=persist", "--cluster.enabled=true",
      "--cluster.port=" + portB, "--cluster.members=" + members, "--node.drain-ms=0"));
    double[] clustered = new double[runs];
    try {
      Thread.sleep(2000); // subscriptions propagate
      send(sender.vertx(), batches);
      for (int r = 0; r < runs; r++) {
        clustered[r] = n / (send(sender.vertx(), batches) / 1e9);
        System.out.printf("two clustered nodes, run %d: %,.0f samples/s%n", r + 1, clustered[r]);
      }
    } finally {
      TestNodes.stop(sender);
      TestNodes.stop(aggregator);
    }
    System.out.printf("event-bus path ingest -> aggregation, %,d samples in batches of %d, %d in flight:%n", n, BATCH, IN_FLIGHT);
    System.out.printf("  one node:            median %,.0f samples/s (min %,.0f, max %,.0f)%n", median(local), min(local), max(local));
    System.out.printf("  two clustered nodes: median %,.0f samples/s (min %,.0f, max %,.0f)%n", median(clustered), min(clustered), max(clustered));
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject().put("benchmark", "eventbus-path").put("samples", n).put("batch", BATCH)
      .put("inFlight", IN_FLIGHT).put("oneNode", stats(local, "samples/s")).put("twoNodes", stats(clustered, "samples/s")).encodePrettily());
  }

  /** Batches as the ingest role makes them: the samples of one partition each, addressed to its owner. */
  private static List<Addressed> batches(int n) {
    BenchInput input = new BenchInput(n, 10_000, Math.max(10, n / 200_000), 11);
    List<Addressed> batches = new ArrayList<>();
    List<List<Sample>> open = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      open.add(new ArrayList<>(BATCH));
    }
    for (int i = 0; i < n; i++) {
      String series = input.seriesNames[input.series[i]];
      int p = Partitions.of(series, PARTITIONS);
      List<Sample> current = open.get(p);
      current.add(new Sample(series, input.timestamps[i], input.values[i], input.volumes[i], Map.of()));
      if (current.size() == BATCH) {
        batches.add(new Addressed(Partitions.address(p), new SampleBatch("bench", current)));
        open.set(p, new ArrayList<>(BATCH));
      }
    }
    for (int p = 0; p < PARTITIONS; p++) {
      if (!open.get(p).isEmpty()) {
        batches.add(new Addressed(Partitions.address(p), new SampleBatch("bench", open.get(p))));
      }
    }
    return batches;
  }

  private record Addressed(String address, SampleBatch batch) {
  }

  /** Sends every batch with at most IN_FLIGHT unacknowledged; returns ns until the last acknowledgement. */
  private static long send(Vertx vertx, List<Addressed> batches) {
    Codecs.register(vertx.eventBus());
    Promise<Long> done = Promise.promise();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(30_000);
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      int[] next = {0};
      int[] acked = {0};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (next[0] < batches.size() && next[0] - acked[0] < IN_FLIGHT) {
          Addressed next1 = batches.get(next[0]++);
          vertx.eventBus().request(next1.address(), next1.batch(), options).onComplete(ar -> {
            if (ar.failed()) {
              done.tryFail(ar.cause());
              return;
            }
            if (++acked[0] == batches.size()) {
              done.tryComplete(System.nanoTime() - start);
            } else {
              pump[0].run();
            }
          });
        }
      };
      pump[0].run();
    });
    return TestNodes.await(done.future(), 300);
  }
}
