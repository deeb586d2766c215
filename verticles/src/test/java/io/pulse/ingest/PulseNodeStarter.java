package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/** Starts a node expected to fail; returns the failure's message (or stops the node and fails). */
final class PulseNodeStarter {

  private PulseNodeStarter() {
  }

  static String tryStart(JsonObject config) {
    try {
      PulseNode node = PulseNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("the node started, but it should have refused");
    } catch (java.util.concurrent.ExecutionException e) {
      return String.valueOf(e.getCause().getMessage());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
