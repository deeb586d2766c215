package io.pulse.node;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starts real Pulse nodes (each its own Vert.x and, when clustered, its own Hazelcast member) for tests. */
public final class TestNodes {

  /** One Hazelcast cluster name per test JVM, so that nodes of other test runs on the machine never join ours. */
  private static final String CLUSTER_NAME = "pulse-test-" + java.util.UUID.randomUUID();

  private TestNodes() {
  }

  /**
   * The configuration a node would load with these command-line options and no environment, except that PostgreSQL
   * is off unless an option turns it on: tests of other areas neither start an embedded server nor read history
   * left by earlier runs, and the cluster name is this test JVM's own.
   */
  public static JsonObject config(String... options) {
    String[] all = new String[options.length + 2];
    all[0] = "--persist.pg.enabled=false";
    all[1] = "--cluster.name=" + CLUSTER_NAME;
    System.arraycopy(options, 0, all, 2, options.length);
    return ConfigLoader.load(all, Map.of());
  }

  public static PulseNode start(JsonObject config) {
    return await(PulseNode.start(config), 60);
  }

  public static void stop(PulseNode node) {
    if (node != null) {
      await(node.stop(), 30);
    }
  }

  public static <T> T await(Future<T> future, int seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete: " + e, e);
    }
  }

  /**
   * A REST call made again, on a new request, when it is not answered in time; each attempt is logged. With Vert.x
   * 5.0.7 a call written {@code request().compose(req -> req.send()).compose(resp -> resp.body())} leaves about 1 in
   * 2,000-7,000 futures pending for good although the server answered (vert.x issue 6038: the response's end is
   * dropped when {@code body()} is called in a later event-loop task than the response head; see
   * {@code io.pulse.bench.HangProbe}). Write {@code req.send().compose(resp -> resp.body())} inside the first
   * {@code compose}; this retry stays as a net, and a logged attempt is worth a look.
   */
  public static <T> T awaitAnswer(java.util.function.Supplier<Future<T>> call, int seconds) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get().toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (attempt == 3) {
          throw new AssertionError("no answer in 3 attempts of " + seconds + " s", e);
        }
        System.err.println("TestNodes: a request got no answer within " + seconds + " s (attempt " + attempt
          + " of 3); asking again");
      } catch (Exception e) {
        throw new AssertionError("did not complete: " + e, e);
      }
    }
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls until the condition holds; fails with the description after the timeout. */
  public static void waitUntil(String description, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + description);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
