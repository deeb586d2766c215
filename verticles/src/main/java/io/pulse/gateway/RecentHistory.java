package io.pulse.gateway;

import io.pulse.model.HistoryQuery;
import io.pulse.model.ResultRing;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The newest final results of every series and resolution this gateway has taken in from the results stream, so
 * that {@code GET /api/history} for a recent range is answered here: without the request and reply to a persist
 * node (four thread hops on a busy node, most of a recent query's time) and even while no persist node answers.
 *
 * <p>A ring answers only a range it holds whole: every final result published since its oldest one reached this
 * gateway, so [from, to) with {@code from} at or after that oldest start is complete here. Anything else (older,
 * a series or resolution not held, a downsampled query) is the persist role's, as before. Written on the gateway
 * verticle's event loop, read from every stream loop: each {@link ResultRing} takes its own lock.
 */
final class RecentHistory {

  /** The tier named in answers from here: the in-memory tier, as the persist role names its own ring. */
  static final String TIER = "memory";

  private final int capacity;
  /** Series, then resolution (sorted: the finest first) to its ring. */
  private final Map<String, ConcurrentSkipListMap<Long, ResultRing>> rings = new ConcurrentHashMap<>();

  /** {@code capacity}: results kept per series and resolution; 0 keeps none (every query goes to the persist role). */
  RecentHistory(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Keeps a final result, encoded once, here, as the answers copy it; provisional or malformed ones are ignored.
   * Returns the JSON kept, or null when none was.
   */
  String add(JsonObject result) {
    if (capacity == 0 || !Boolean.TRUE.equals(result.getValue("final"))
      || !(result.getValue("series") instanceof String series)
      || !(result.getValue("resolution") instanceof Number resolution)
      || !(result.getValue("start") instanceof Number start)) {
      return null;
    }
    String json = result.encode();
    rings.computeIfAbsent(series, k -> new ConcurrentSkipListMap<>())
      .computeIfAbsent(resolution.longValue(), k -> new ResultRing(capacity))
      .put(start.longValue(), json);
    return json;
  }

  /** The finest resolution held for a series, 0 when none: a query naming none gets it, as on the persist role. */
  long finestResolution(String series) {
    ConcurrentSkipListMap<Long, ResultRing> bySeries = rings.get(series);
    Map.Entry<Long, ResultRing> finest = bySeries == null ? null : bySeries.firstEntry();
    return finest == null ? 0 : finest.getKey();
  }

  /**
   * The whole reply, shaped as the persist role's ({@code series, resolution, from, to, step, tier, tiers,
   * complete, results}) when this gateway holds the query's range; null when it does not.
   */
  Buffer answer(HistoryQuery q) {
    Map<Long, ResultRing> bySeries = q.downsampled() ? null : rings.get(q.series());
    ResultRing ring = bySeries == null ? null : bySeries.get(q.resolution());
    List<String> rows = ring == null ? null : ring.slice(q.from(), q.to());
    if (rows == null) {
      return null;
    }
    String head = q.describe().put("tier", TIER)
      .put("tiers", new JsonArray().add(new JsonObject().put("tier", TIER).put("from", q.from()).put("to", q.to())
        .put("count", rows.size()).put("node", "gateway")))
      .put("complete", true).encode();
    int size = head.length() + 16;
    for (String row : rows) {
      size += row.length() + 1;
    }
    Buffer out = Buffer.buffer(size).appendString(head.substring(0, head.length() - 1)).appendString(",\"results\":[");
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0) {
        out.appendString(",");
      }
      out.appendString(rows.get(i));
    }
    return out.appendString("]}");
  }
}
