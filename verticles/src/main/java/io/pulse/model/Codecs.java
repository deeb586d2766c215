package io.pulse.model;

import io.vertx.core.eventbus.EventBus;

/**
 * Registers Pulse's event-bus codecs. Every verticle calls it in {@code start()} so that it can be
 * deployed on any node by itself; registering twice is harmless.
 */
public final class Codecs {

  private Codecs() {
  }

  public static void register(EventBus bus) {
    synchronized (bus) {
      try {
        bus.registerDefaultCodec(SampleBatch.class, new SampleBatchCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // another verticle of this node registered it first
      }
      try {
        bus.registerDefaultCodec(ResultBatch.class, new ResultBatchCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // as above
      }
    }
  }
}
