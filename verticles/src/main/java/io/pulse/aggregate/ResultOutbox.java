package io.pulse.aggregate;

import io.pulse.model.WindowResult;
import io.vertx.core.Context;

import java.util.ArrayDeque;
import java.util.function.ObjLongConsumer;

/**
 * Publishes the engine's results in order, a slice per event-loop turn, so that a burst never holds the event loop.
 * Clustered, every published result costs a JSON encoding and a socket write per receiving node: a tick of 10,000
 * series at 4 resolutions (their provisional results, or, once the input stops, their final results by idle flush)
 * held the loop for seconds, and sample batches and acknowledgements waited behind it. Between slices the loop
 * takes sample batches as usual.
 *
 * <p>Results go out in the order the engine made them (a window's provisional results before its final one). While
 * more than a slice is still waiting at a tick, the caller skips that tick's provisional results ({@link #busy()}):
 * under overload provisional results thin out; final results are never dropped.
 *
 * <p>Each result keeps the time of the tick that made it (its {@code tick} on the bus): a tick's results may go
 * out over several slices, and a gateway counts one tick's results of a series as one update.
 */
final class ResultOutbox {

  static final int SLICE = 256;

  private final Context context;
  private final ObjLongConsumer<WindowResult> publish;
  private final ArrayDeque<Made> queue = new ArrayDeque<>();
  private boolean scheduled;

  /** A result and the tick that made it. */
  private record Made(WindowResult result, long tick) {
  }

  ResultOutbox(Context context, ObjLongConsumer<WindowResult> publish) {
    this.context = context;
    this.publish = publish;
  }

  /** Whether more than a slice still waits: the next tick had better add no provisional results. */
  boolean busy() {
    return queue.size() > SLICE;
  }

  int waiting() {
    return queue.size();
  }

  /** Queues a result made at {@code tick} (epoch ms); it goes out from the next event-loop turn on. */
  void add(WindowResult result, long tick) {
    queue.add(new Made(result, tick));
    if (!scheduled) {
      scheduled = true;
      context.runOnContext(v -> slice());
    }
  }

  /** Publishes every waiting final result now and drops the provisional ones: the verticle stops. */
  void drainFinals() {
    Made m;
    while ((m = queue.poll()) != null) {
      if (m.result().isFinal()) {
        publish.accept(m.result(), m.tick());
      }
    }
  }

  private void slice() {
    scheduled = false;
    for (int i = 0; i < SLICE && !queue.isEmpty(); i++) {
      Made m = queue.poll();
      publish.accept(m.result(), m.tick());
    }
    if (!queue.isEmpty()) {
      scheduled = true;
      context.runOnContext(v -> slice());
    }
  }
}
