package io.pulse.persist;

import io.pulse.model.RoleStats;
import io.pulse.model.WindowResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pulse.node.TestNodes.await;
import static io.pulse.node.TestNodes.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

/** StoreWriter with several batches in flight, against a store whose answers the test gives. */
class StoreWriterTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close(), 30);
  }

  /** Takes every batch handed in and answers it when the test says so. */
  static class HeldStore implements ResultStore {
    record Call(List<Stored> batch, Promise<Void> answer) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final int inFlight;

    HeldStore(int inFlight) {
      this.inFlight = inFlight;
    }

    @Override
    public String name() {
      return "held";
    }

    @Override
    public int maxInFlight() {
      return inFlight;
    }

    @Override
    public Future<Void> write(List<Stored> batch) {
      Promise<Void> answer = Promise.promise();
      calls.add(new Call(List.copyOf(batch), answer));
      return answer.future();
    }

    @Override
    public Future<Slice> range(String series, long resolution, long from, long to, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Set<String>> seriesNames() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  /** Version {@code v} of the window of series {@code "s" + (v % 7)} at start 0: the same seven rows rewritten. */
  static Stored version(int v) {
    return Stored.of(new WindowResult("s" + (v % 7), 1000, 0, v, v, v, v, v, v, 0, Double.NaN, true));
  }

  @Test
  @DisplayName("batches in flight count as written in order; a failed one is sent again with every batch after it, "
    + "even those already written, so the newest version of each row is written last")
  void failedBatchIsSentAgainWithTheBatchesAfterIt(@TempDir Path dir) {
    RoleStats stats = new RoleStats("n", "persist");
    HeldStore store = new HeldStore(4);
    Context context = vertx.getOrCreateContext();
    StoreWriter writer = new StoreWriter(vertx, "held", new Journal(dir.resolve("held.journal")), 10, 1000, 100, stats,
      new StoreWriteTimer(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "test", "held"));
    await(call(context, () -> writer.start(50).onSuccess(v -> writer.attach(store))), 30);
    context.runOnContext(v -> {
      for (int i = 0; i < 40; i++) {
        writer.offer(version(i));
      }
    });
    waitUntil("four batches are in flight", 10_000, () -> store.calls.size() == 4);
    // answered out of order: the first is written, the second fails, the fourth and third are written
    context.runOnContext(v -> {
      store.calls.get(0).answer().complete();
      store.calls.get(1).answer().fail("cut");
    });
    waitUntil("the first batch counts as written", 10_000, () -> stats.get("held.written") == 10);
    context.runOnContext(v -> store.calls.get(3).answer().complete());
    context.runOnContext(v -> store.calls.get(2).answer().complete());
    waitUntil("the second, third and fourth batches are sent again", 10_000, () -> store.calls.size() == 7);
    for (int b = 1; b <= 3; b++) {
      assertThat(store.calls.get(b + 3).batch()).isEqualTo(store.calls.get(b).batch());
    }
    assertThat(stats.get("held.written")).isEqualTo(10); // the third and fourth were written, but after a failure
    assertThat(stats.get("held.writeFailures")).isEqualTo(1);
    context.runOnContext(v -> store.calls.subList(4, 7).forEach(c -> c.answer().complete()));
    waitUntil("all 40 results are written", 10_000, () -> stats.get("held.written") == 40);
    assertThat(store.calls).hasSize(7);
    assertThat(writer.backlog()).isZero();
    assertThat(writer.isUp()).isTrue();
    // applied in the order the store was given them (as lanes keep it), the last version of every row is the newest
    int[] last = new int[7];
    for (HeldStore.Call call : store.calls) {
      call.batch().forEach(r -> last[(int) (r.result().count() % 7)] = (int) r.result().count());
    }
    assertThat(last).containsExactly(35, 36, 37, 38, 39, 33, 34);
    await(call(context, () -> writer.stop(1000)), 30);
  }

  @Test
  @DisplayName("a store that takes one batch at a time gets the next only after the answer")
  void oneAtATimeByDefault(@TempDir Path dir) {
    RoleStats stats = new RoleStats("n", "persist");
    HeldStore store = new HeldStore(1);
    Context context = vertx.getOrCreateContext();
    StoreWriter writer = new StoreWriter(vertx, "held", new Journal(dir.resolve("held.journal")), 10, 1000, 100, stats,
      new StoreWriteTimer(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "test", "held"));
    await(call(context, () -> writer.start(50).onSuccess(v -> writer.attach(store))), 30);
    context.runOnContext(v -> {
      for (int i = 0; i < 30; i++) {
        writer.offer(version(i));
      }
    });
    List<Integer> sizes = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      int n = b;
      waitUntil("batch " + n + " is sent", 10_000, () -> store.calls.size() == n + 1);
      assertThat(store.calls).hasSize(n + 1);
      sizes.add(store.calls.get(n).batch().size());
      context.runOnContext(v -> store.calls.get(n).answer().complete());
    }
    waitUntil("all 30 results are written", 10_000, () -> stats.get("held.written") == 30);
    assertThat(sizes).containsExactly(10, 10, 10);
    await(call(context, () -> writer.stop(1000)), 30);
  }

  static <T> Future<T> call(Context context, java.util.function.Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }
}
