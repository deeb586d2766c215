package io.pulse.aggregate;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.pulse.model.WindowResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;

import static io.pulse.model.ConfigKeys.*;

/**
 * The aggregate role: applies sample batches to event-time windows, acknowledges each batch once applied,
 * and publishes every closed window's final result on {@link Addresses#RESULTS}.
 */
public final class AggregateVerticle extends VerticleBase {

  private static final long CLOSE_TICK_MS = 50;

  private TumblingWindows windows;
  private RoleStats stats;
  private long idleFlushMs;
  private long lastSampleAt;
  private MessageConsumer<SampleBatch> consumer;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    EventBus bus = vertx.eventBus();
    Codecs.register(bus);
    windows = new TumblingWindows(AGGREGATE_WINDOW_MS.longIn(conf), AGGREGATE_LATENESS_MS.longIn(conf));
    idleFlushMs = AGGREGATE_IDLE_FLUSH_MS.longIn(conf);
    stats = new RoleStats(NODE_ID.stringIn(conf), "aggregate");
    stats.publishEverySecond(vertx);
    vertx.setPeriodic(CLOSE_TICK_MS, id -> closeWindows());
    consumer = bus.consumer(Addresses.SAMPLES, this::onBatch);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    // Flush what is open so a graceful stop publishes every window it has seen samples for.
    publish(windows.closeAll());
    return consumer.unregister();
  }

  private void onBatch(Message<SampleBatch> message) {
    List<Sample> samples = message.body().samples();
    long late = 0;
    for (Sample s : samples) {
      if (!windows.add(s)) {
        late++;
      }
    }
    stats.add("samplesIn", samples.size() - late);
    if (late > 0) {
      stats.add("samplesLate", late);
    }
    lastSampleAt = System.currentTimeMillis();
    message.reply(null);
  }

  private void closeWindows() {
    boolean idle = System.currentTimeMillis() - lastSampleAt >= idleFlushMs;
    publish(idle ? windows.closeAll() : windows.closeReady());
  }

  private void publish(List<WindowResult> results) {
    EventBus bus = vertx.eventBus();
    for (WindowResult r : results) {
      bus.publish(Addresses.RESULTS, r.toJson());
    }
    stats.add("windowsClosed", results.size());
  }
}
