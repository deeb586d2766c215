package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.pulse.node.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub's fan-out pass, with clients that misbehave inside it. */
class StreamHubTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    TestNodes.await(vertx.close(), 10);
  }

  /** A client that takes every event and records its id; what it does inside a write is up to the test. */
  private static final class Recorder extends StreamClient {
    final List<Long> received = new CopyOnWriteArrayList<>();
    /** Per event received: how long after its publication (ms), and whether it was final. */
    final List<long[]> delays = new CopyOnWriteArrayList<>();
    volatile Runnable duringWrite = () -> { };

    Recorder() {
      this(0);
    }

    Recorder(long updatesPerSecond) {
      super("ws", "127.0.0.1", updatesPerSecond);
    }

    @Override
    boolean wants(StreamEvent event) {
      return true;
    }

    @Override
    String subscription() {
      return "everything";
    }

    @Override
    boolean writeQueueFull() {
      return false;
    }

    @Override
    void write(List<StreamEvent> events, long[] cursors, int count) {
      duringWrite.run();
      long now = System.currentTimeMillis();
      for (int i = 0; i < count; i++) {
        StreamEvent event = events.get(i);
        received.add(event.id);
        delays.add(new long[]{now - event.body.getLong("at", now), event.isFinal ? 1 : 0});
      }
    }

    @Override
    void notice(String type, String text) {
    }

    @Override
    void disconnect() {
    }

    @Override
    void goAway(long retryMs, List<String> gateways) {
    }
  }

  @Test
  @DisplayName("a client removed from inside its own write (a socket whose failure handler runs in the write) leaves "
    + "after the pass: the others of its group get that event and every later one")
  void clientLeavingInsideThePass() throws Exception {
    Context context = vertx.getOrCreateContext();
    Recorder first = new Recorder();
    Recorder failing = new Recorder();
    Recorder last = new Recorder();
    StreamFeed feed = onContext(context, () -> {
      StreamFeed f = new StreamFeed(context, new RoleStats("test", "gateway"), 100, 100, 100);
      StreamHub hub = new StreamHub(vertx, f, new RoleStats("test", "gateway"),
        new StreamHub.Limits(0, 16, 10_000, 60_000), List::of);
      hub.add(first);
      hub.add(failing);
      hub.add(last);
      failing.duringWrite = () -> hub.remove(failing);
      return f;
    });
    for (int i = 0; i < 3; i++) {
      JsonObject result = new JsonObject().put("series", "a").put("resolution", 1000).put("start", i * 1000L)
        .put("final", true);
      onContext(context, () -> {
        feed.publish(StreamEvent.Kind.RESULT, result);
        return null;
      });
      int expected = i + 1;
      TestNodes.waitUntil("result " + expected + " reaches the two clients left", 5_000,
        () -> first.received.size() == expected && last.received.size() == expected);
    }
    assertThat(first.received).isEqualTo(last.received).hasSize(3);
    assertThat(failing.received).as("nothing after it left").hasSizeLessThanOrEqualTo(1);
    assertThat(onContext(context, () -> feed.size("ws"))).isEqualTo(2);
  }

  @Test
  @DisplayName("the aggregator's cadence for a 1 s series (4 ticks a second, the closing and the new window in one "
    + "of them, then the final) fits the default budget of 4 a second: no provisional result is held back, even when "
    + "a tick's results arrive in two bursts")
  void aggregatorCadenceFitsTheBudget() throws Exception {
    // counted result by result this was 5 provisional results a second for a budget of 4: one was held every second
    // and every later one waited behind it, 75-230 ms late for good, with a single client
    Context context = vertx.getOrCreateContext();
    Recorder client = new Recorder(4);
    StreamFeed feed = onContext(context, () -> {
      StreamFeed f = new StreamFeed(context, new RoleStats("test", "gateway"), 100, 100, 1000);
      new StreamHub(vertx, f, new RoleStats("test", "gateway"), new StreamHub.Limits(4, 16, 10_000, 60_000), List::of)
        .add(client);
      return f;
    });
    java.util.concurrent.atomic.AtomicInteger tick = new java.util.concurrent.atomic.AtomicInteger();
    int ticks = 24;
    CompletableFuture<Void> published = new CompletableFuture<>();
    context.runOnContext(v -> vertx.setPeriodic(250, id -> {
      int k = tick.getAndIncrement();
      long window = k / 4 * 1000L;
      long tickAt = System.currentTimeMillis();
      if (k % 4 == 0 && k > 0) {
        // the tick's two results reach the gateway in two bursts, as they can from another event loop or node
        publishResult(feed, window - 1000, false, tickAt);
        vertx.setTimer(5, t -> publishResult(feed, window, false, tickAt));
        vertx.setTimer(60, t -> publishResult(feed, window - 1000, true, System.currentTimeMillis()));
      } else {
        publishResult(feed, window, false, tickAt);
      }
      if (k == ticks - 1) {
        vertx.cancelTimer(id);
        published.complete(null);
      }
    }));
    published.get(30, TimeUnit.SECONDS);
    int provisional = ticks + (ticks - 1) / 4;
    TestNodes.waitUntil("every result reaches the client", 5_000, () -> client.delays.size() >= provisional + 5);
    List<long[]> late = client.delays.stream().filter(d -> d[1] == 0 && d[0] > 100).toList();
    assertThat(client.delays.stream().filter(d -> d[1] == 0).count()).as("provisional results received")
      .isEqualTo(provisional);
    assertThat(late).as("provisional results more than 100 ms after their publication").hasSizeLessThanOrEqualTo(2);
  }

  private static void publishResult(StreamFeed feed, long start, boolean isFinal, long tick) {
    feed.publish(StreamEvent.Kind.RESULT, new JsonObject().put("series", "a").put("resolution", 1000)
      .put("start", start).put("final", isFinal).put("tick", tick).put("at", System.currentTimeMillis()));
  }

  private static <T> T onContext(Context context, java.util.function.Supplier<T> work) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        done.complete(work.get());
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    return done.get(10, TimeUnit.SECONDS);
  }
}
