package io.pulse.ingest;

import io.pulse.model.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Counts refused input per source and reason (see {@link SourceMetrics#rejected}) and
 * publishes a sample of it on {@link Addresses#DEADLETTER}: at most {@code perSecond} a second for the
 * whole node, so a flood of garbage costs counters, not the event bus.
 */
final class Rejects {

  private static final int MAX_INPUT_CHARS = 512;

  private final Vertx vertx;
  private final SourceMetrics metrics;
  private final String node;
  private final long perSecond;
  private long windowStart;
  private long publishedInWindow;

  Rejects(Vertx vertx, SourceMetrics metrics, String node, long perSecond) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.node = node;
    this.perSecond = perSecond;
  }

  void reject(String source, Checked checked, Object input) {
    reject(source, checked.reason(), checked.detail(), input);
  }

  void reject(String source, RejectReason reason, String detail, Object input) {
    metrics.rejected(source, reason, 1);
    long now = System.currentTimeMillis();
    if (now - windowStart >= 1000) {
      windowStart = now;
      publishedInWindow = 0;
    }
    if (publishedInWindow >= perSecond) {
      return;
    }
    publishedInWindow++;
    String text = input == null ? "" : String.valueOf(input);
    if (text.length() > MAX_INPUT_CHARS) {
      text = text.substring(0, MAX_INPUT_CHARS) + "...(" + text.length() + " chars)";
    }
    vertx.eventBus().publish(Addresses.DEADLETTER, new JsonObject().put("node", node).put("source", source)
      .put("reason", reason.code()).put("detail", detail).put("input", text).put("at", now));
  }
}
