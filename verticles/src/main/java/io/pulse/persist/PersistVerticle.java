package io.pulse.persist;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.pulse.model.ConfigKeys.NODE_ID;
import static io.pulse.model.ConfigKeys.PERSIST_RING_SIZE;

/**
 * The persist role: keeps final window results and answers history queries over the event bus.
 * This first tier is an in-memory ring per series; durable tiers come behind the same query address.
 */
public final class PersistVerticle extends VerticleBase {

  private final Map<String, ResultRing> rings = new HashMap<>();
  private int ringSize;
  private RoleStats stats;

  @Override
  public Future<?> start() {
    ringSize = PERSIST_RING_SIZE.intIn(config());
    stats = new RoleStats(NODE_ID.stringIn(config()), "persist");
    stats.publishEverySecond(vertx);
    MessageConsumer<JsonObject> results = vertx.eventBus().consumer(Addresses.RESULTS, this::store);
    MessageConsumer<JsonObject> queries = vertx.eventBus().consumer(Addresses.HISTORY_QUERY, this::query);
    return Future.all(results.completion(), queries.completion());
  }

  private void store(Message<JsonObject> message) {
    JsonObject result = message.body();
    if (!result.getBoolean("final", false)) {
      return;
    }
    rings.computeIfAbsent(result.getString("series"), k -> new ResultRing(ringSize)).add(result);
    stats.increment("resultsStored");
  }

  private void query(Message<JsonObject> message) {
    JsonObject q = message.body();
    String series = q == null ? null : q.getString("series");
    if (series == null || series.isBlank()) {
      message.fail(400, "a history query needs 'series'");
      return;
    }
    Long from;
    Long to;
    try {
      from = q.getLong("from", 0L);
      to = q.getLong("to", Long.MAX_VALUE);
    } catch (ClassCastException e) {
      message.fail(400, "'from' and 'to' must be epoch milliseconds");
      return;
    }
    if (from > to) {
      message.fail(400, "'from' (" + from + ") is after 'to' (" + to + ")");
      return;
    }
    ResultRing ring = rings.get(series);
    List<JsonObject> found = ring == null ? List.of() : ring.range(from, to);
    stats.increment("queries");
    message.reply(new JsonObject().put("series", series).put("tier", "memory").put("results", new JsonArray(found)));
  }
}
