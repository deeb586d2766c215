package io.pulse.persist;

import io.pulse.model.HistoryQuery;
import io.pulse.model.ResultRing;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Answers history queries from the warmest tier that holds the range: the in-memory ring for the newest part, then
 * Redis, then PostgreSQL for what is older, stitched into one ordered list (each tier answers only the part the
 * warmer tiers do not hold). A tier that fails or is behind on writes is skipped for the next colder one; the reply
 * names the tiers that answered and says whether the answer is complete.
 */
final class QueryService {

  /** A durable tier as the query path sees it: the store, and whether it holds everything written so far. */
  record Tier(ResultStore store, StoreWriter writer) {
    boolean usable() {
      return writer.isCaughtUp();
    }
  }

  private final Map<String, Map<Long, ResultRing>> rings;
  private final Function<String, Tier> tiers;

  /** {@code tiers} gives "redis" and "postgres" (null when not configured or not attached). */
  QueryService(Map<String, Map<Long, ResultRing>> rings, Function<String, Tier> tiers) {
    this.rings = rings;
    this.tiers = tiers;
  }

  /** The finest resolution held in memory for a series, or 0 when none. */
  long finestResolution(String series) {
    Map<Long, ResultRing> bySeries = rings.get(series);
    return bySeries == null || bySeries.isEmpty() ? 0 : bySeries.keySet().stream().min(Long::compare).orElse(0L);
  }

  Future<Answer> answer(HistoryQuery q) {
    Answer answer = new Answer(q);
    Map<Long, ResultRing> bySeries = rings.get(q.series());
    ResultRing ring = bySeries == null ? null : bySeries.get(q.resolution());
    if (ring != null) {
      long lo = Math.max(q.from(), ring.oldestStart());
      if (lo < q.to()) {
        List<ResultStore.Raw> rows = new ArrayList<>();
        ring.range(lo, q.to(), (start, json) -> rows.add(new ResultStore.Raw(start, json)));
        answer.add("memory", lo, q.to(), rows);
      }
    }
    return ask(answer, "redis").compose(v -> ask(answer, "postgres")).map(v -> answer);
  }

  /** Asks a durable tier for what is still missing: [from, cut). */
  private Future<Void> ask(Answer answer, String name) {
    HistoryQuery q = answer.query;
    if (answer.cut <= q.from()) {
      return Future.succeededFuture();
    }
    Tier tier = tiers.apply(name);
    if (tier == null) {
      return Future.succeededFuture();
    }
    if (tier.store() == null) {
      answer.missing(name + " is not available (starting, or failed to start: see the persist log)");
      return Future.succeededFuture();
    }
    if (!tier.usable()) {
      answer.missing(name + " is down or still writing its backlog");
      return Future.succeededFuture();
    }
    long cut = answer.cut;
    return tier.store().range(q.series(), q.resolution(), q.from(), cut, HistoryQuery.MAX_ROWS)
      .map(slice -> {
        long lo = Math.max(q.from(), Math.min(cut, slice.coversFrom()));
        List<ResultStore.Raw> rows = slice.results().stream().filter(r -> r.start() >= lo).toList();
        if (lo < cut) {
          answer.add(name, lo, cut, rows);
        }
        answer.truncated |= slice.results().size() >= HistoryQuery.MAX_ROWS;
        return (Void) null;
      })
      .recover(err -> {
        answer.missing(name + " failed: " + err.getMessage());
        return Future.succeededFuture();
      });
  }

  Future<JsonObject> seriesNames() {
    Set<String> names = new TreeSet<>(rings.keySet());
    JsonArray errors = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (String name : List.of("redis", "postgres")) {
      Tier tier = tiers.apply(name);
      if (tier != null && tier.store() != null) {
        chain = chain.compose(v -> tier.store().seriesNames()
          .map(found -> {
            names.addAll(found);
            return (Void) null;
          })
          .recover(err -> {
            errors.add(name + " failed: " + err.getMessage());
            return Future.succeededFuture();
          }));
      }
    }
    return chain.map(v -> {
      JsonObject reply = new JsonObject().put("series", new JsonArray(List.copyOf(names)));
      return errors.isEmpty() ? reply : reply.put("errors", errors);
    });
  }

  /**
   * The parts found so far, from the newest (memory) down; {@code cut} is where the next tier must answer up to. Once
   * complete, the reply: {@link #toBuffer()} encoded with every result's JSON copied in as the tier holds it (the
   * REST gateway's way: no result is parsed or encoded again), or {@link #toJson()}.
   */
  static final class Answer {
    final HistoryQuery query;
    final List<List<ResultStore.Raw>> parts = new ArrayList<>();
    final JsonArray tiers = new JsonArray();
    final JsonArray errors = new JsonArray();
    long cut;
    boolean truncated;

    Answer(HistoryQuery query) {
      this.query = query;
      this.cut = query.to();
    }

    void add(String tier, long from, long to, List<ResultStore.Raw> rows) {
      parts.add(0, rows);
      tiers.add(new JsonObject().put("tier", tier).put("from", from).put("to", to).put("count", rows.size()));
      cut = from;
    }

    void missing(String reason) {
      errors.add(reason);
    }

    /** The reply as JSON (every result parsed). */
    JsonObject toJson() {
      Set<String> approximate = new TreeSet<>();
      List<JsonObject> results = downsampled() ? downsample(approximate) : new ArrayList<>();
      if (!downsampled()) {
        parts.forEach(part -> part.forEach(r -> results.add(r.toJson())));
      }
      return header(approximate).put("results", new JsonArray(new ArrayList<>(results)));
    }

    /** The reply encoded: the results' JSON copied in as stored, unless they are downsampled. */
    Buffer toBuffer() {
      Set<String> approximate = new TreeSet<>();
      List<JsonObject> merged = downsampled() ? downsample(approximate) : null;
      String head = header(approximate).encode(); // never empty: it always describes the query
      int size = head.length() + 16;
      for (List<ResultStore.Raw> part : parts) {
        for (ResultStore.Raw r : part) {
          size += r.json().length() + 1;
        }
      }
      Buffer out = Buffer.buffer(size).appendString(head.substring(0, head.length() - 1)).appendString(",\"results\":[");
      boolean first = true;
      if (merged != null) {
        for (JsonObject r : merged) {
          out.appendString(first ? "" : ",").appendString(r.encode());
          first = false;
        }
      } else {
        for (List<ResultStore.Raw> part : parts) {
          for (ResultStore.Raw r : part) {
            out.appendString(first ? "" : ",").appendString(r.json());
            first = false;
          }
        }
      }
      return out.appendString("]}");
    }

    private boolean downsampled() {
      return query.downsampled();
    }

    private List<JsonObject> downsample(Set<String> approximate) {
      List<JsonObject> rows = new ArrayList<>();
      parts.forEach(part -> part.forEach(r -> rows.add(r.toJson())));
      return Downsampler.downsample(rows, query.step(), approximate);
    }

    /** Everything but the results. */
    private JsonObject header(Set<String> approximate) {
      List<String> answered = new ArrayList<>();
      for (int i = 0; i < tiers.size(); i++) {
        JsonObject t = tiers.getJsonObject(i);
        if (t.getInteger("count") > 0) {
          answered.add(0, t.getString("tier"));
        }
      }
      JsonObject reply = query.describe()
        .put("tier", answered.isEmpty() ? (tiers.isEmpty() ? "none" : tiers.getJsonObject(0).getString("tier"))
          : String.join("+", answered))
        .put("tiers", tiers)
        .put("complete", (cut <= query.from() || errors.isEmpty()) && !truncated);
      if (!errors.isEmpty()) {
        reply.put("errors", errors);
      }
      if (truncated) {
        reply.put("truncated", true);
      }
      if (!approximate.isEmpty()) {
        reply.put("approximate", new JsonArray(List.copyOf(approximate)));
      }
      return reply;
    }
  }
}
