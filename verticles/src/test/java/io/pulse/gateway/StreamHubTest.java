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
    volatile Runnable duringWrite = () -> { };

    Recorder() {
      super("ws", "127.0.0.1", 0);
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
      for (int i = 0; i < count; i++) {
        received.add(events.get(i).id);
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
