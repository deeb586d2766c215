package io.pulse.ingest;

import io.pulse.model.Codecs;
import io.pulse.model.Partitions;
import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.pulse.node.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The ingest sender against real event-bus consumers standing in for aggregate nodes. */
class BatchSenderTest {

  private static final int PARTITIONS = 4;
  private final Vertx vertx = Vertx.vertx();
  /** the sender's event loop, as in the ingest verticle: every call to it runs here */
  private final Context loop = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    TestNodes.await(vertx.close(), 10);
  }

  @Test
  @DisplayName("while one partition's owner refuses batches (a hand-over), the other partitions keep flowing, the waiting "
    + "partition's samples join few batches instead of using up max-in-flight, and arrive once each, in order")
  void aWaitingPartitionHoldsBackOnlyItself() {
    Codecs.register(vertx.eventBus());
    String stuck = seriesIn(0);
    String flowing = seriesIn(1);
    AtomicBoolean refusing = new AtomicBoolean(true);
    List<Long> stuckApplied = new CopyOnWriteArrayList<>();
    List<Long> flowingApplied = new CopyOnWriteArrayList<>();
    vertx.eventBus().<SampleBatch>consumer(Partitions.address(0), m -> {
      if (refusing.get()) {
        m.fail(503, "partition moving");
      } else {
        m.body().samples().forEach(s -> stuckApplied.add(s.timestamp()));
        m.reply(null);
      }
    });
    vertx.eventBus().<SampleBatch>consumer(Partitions.address(1), m -> {
      m.body().samples().forEach(s -> flowingApplied.add(s.timestamp()));
      m.reply(null);
    });
    RoleStats stats = new RoleStats("n", "ingest");
    int maxInFlight = 4;
    AtomicReference<BatchSender> sender = new AtomicReference<>();
    // the sender lives on an event loop, as in the ingest verticle
    TestNodes.await(Future.<Void>future(p -> loop.runOnContext(v -> {
      sender.set(new BatchSender(vertx, "test", 10, PARTITIONS, maxInFlight, 2000, stats));
      p.complete();
    })), 10);

    // 20 submissions (as 20 ticks of a source), each one sample of each series, waiting for room like a source
    for (int t = 0; t < 20; t++) {
      long ts = t;
      TestNodes.waitUntil("room in the sender", 10_000, () -> onLoop(() -> sender.get().hasCapacity()));
      onLoop(() -> {
        sender.get().submit(List.of(Sample.of(stuck, ts, 1), Sample.of(flowing, ts, 1)));
        return true;
      });
    }
    TestNodes.waitUntil("the flowing partition got every sample", 10_000, () -> flowingApplied.size() == 20);
    assertThat(stuckApplied).as("nothing reaches the refusing owner").isEmpty();
    // 20 samples in batches of 10 (a third when a retry was in flight as samples came): room is left for the others
    assertThat(onLoop(() -> sender.get().pending())).as("batches the waiting partition holds").isBetween(2, 3);

    refusing.set(false);
    TestNodes.waitUntil("the waiting partition's samples arrive", 20_000, () -> stuckApplied.size() == 20);
    assertThat(stuckApplied).containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> (long) i).toList());
    assertThat(flowingApplied).containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> (long) i).toList());
    assertThat(stats.get("batchRetries")).isPositive();
  }

  private <T> T onLoop(java.util.function.Supplier<T> call) {
    return TestNodes.await(Future.<T>future(p -> loop.runOnContext(v -> p.complete(call.get()))), 10);
  }

  /** A series name of the given partition. */
  private static String seriesIn(int partition) {
    List<String> names = new ArrayList<>();
    for (int i = 0; names.isEmpty(); i++) {
      if (Partitions.of("s" + i, PARTITIONS) == partition) {
        names.add("s" + i);
      }
    }
    return names.get(0);
  }
}
