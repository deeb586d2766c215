package io.pulse.ingest;

import io.pulse.model.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Samples that services in any language send through the gateway's TCP event-bus bridge to
 * {@link Addresses#INGEST_RAW}.
 * The gateway only lets the address through (and checks the token); the samples are judged here, by the same
 * {@link SampleValidator} as every other source, so the same input is accepted or refused whichever door it used.
 *
 * <p>Pushing back instead of buffering: while aggregation holds this source back, a whole frame is refused with
 * failure code 503 and nothing of it is taken, so a client that asked for a reply knows to send it again.
 */
final class BridgeSamples implements IngestSource {

  /** The errors listed in one reply; the counters have them all. */
  private static final int MAX_ERRORS_REPORTED = 20;

  private final IngestContext context;
  private final SourceMetrics metrics;
  private final SampleValidator validator;
  private final Rejects rejects;
  private SampleFunnel funnel;
  private MessageConsumer<Object> consumer;

  BridgeSamples(IngestContext context) {
    this.context = context;
    this.metrics = context.metrics();
    this.validator = context.validator();
    this.rejects = context.rejects();
  }

  @Override
  public String name() {
    return "tcp-bridge";
  }

  @Override
  public Future<Void> start() {
    funnel = context.funnel(name());
    metrics.state(name(), SourceState.STARTING);
    consumer = context.vertx().eventBus().consumer(Addresses.INGEST_RAW, this::onFrame);
    return consumer.completion().onSuccess(v -> metrics.state(name(), SourceState.CONNECTED));
  }

  @Override
  public Future<Void> stop() {
    funnel.close();
    return consumer.unregister();
  }

  private void onFrame(Message<Object> message) {
    Object body = message.body();
    List<Object> inputs = new ArrayList<>();
    if (body instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        inputs.add(array.getValue(i)); // getValue wraps nested maps as JsonObject
      }
    } else {
      inputs.add(body);
    }
    if (!funnel.hasCapacity()) {
      metrics.state(name(), SourceState.LAGGING);
      for (Object input : inputs) {
        rejects.reject(name(), RejectReason.BACKPRESSURE, "aggregation holds ingest back; send the frame again later",
          input);
      }
      message.fail(503, "ingest is held back by aggregation: none of the " + inputs.size()
        + " sample(s) was taken; send them again later");
      return;
    }
    metrics.state(name(), SourceState.CONNECTED);
    int accepted = 0;
    JsonArray errors = new JsonArray();
    for (int i = 0; i < inputs.size(); i++) {
      Object input = inputs.get(i);
      Checked checked = validator.fromJson(input);
      if (checked.isOk()) {
        funnel.add(checked.sample());
        accepted++;
      } else {
        rejects.reject(name(), checked, input);
        if (errors.size() < MAX_ERRORS_REPORTED) {
          errors.add(new JsonObject().put("index", i).put("reason", checked.reason().code())
            .put("detail", checked.detail()));
        }
      }
    }
    if (message.replyAddress() != null) {
      message.reply(new JsonObject().put("accepted", accepted).put("rejected", inputs.size() - accepted)
        .put("errors", errors));
    }
  }
}
