package io.pulse.persist;

import io.pulse.model.WindowResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A final result as the persist role keeps it: the result, and its JSON encoded once at intake for every tier
 * (PostgreSQL's {@code result} column, the Redis members, the journal lines). Building a JsonObject per result and
 * encoding it again in each store was most of the persist role's own work per result.
 *
 * @param result the result
 * @param json   {@code result} as JSON text ({@link WindowResult#encode()})
 */
record Stored(WindowResult result, String json) {

  static Stored of(WindowResult result) {
    return new Stored(result, result.encode());
  }

  static Stored of(JsonObject json) {
    return new Stored(WindowResult.fromJson(json), json.encode());
  }

  /** A journal line back into a result. */
  static Stored parse(String line) {
    return new Stored(WindowResult.fromJson(new JsonObject(line)), line);
  }

  static List<Stored> all(List<JsonObject> results) {
    List<Stored> out = new ArrayList<>(results.size());
    results.forEach(r -> out.add(of(r)));
    return out;
  }
}
