package io.pulse.gateway;

import io.pulse.model.HistoryQuery;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
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
 * verticle's event loop, read from every stream loop: each ring takes its own lock for an append or a copy.
 */
final class RecentHistory {

  /** The tier named in answers from here: the in-memory tier, as the persist role names its own ring. */
  static final String TIER = "memory";

  private final int capacity;
  /** Series, then resolution (sorted: the finest first) to its ring. */
  private final Map<String, ConcurrentSkipListMap<Long, Ring>> rings = new ConcurrentHashMap<>();

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
      .computeIfAbsent(resolution.longValue(), k -> new Ring(capacity))
      .put(start.longValue(), json);
    return json;
  }

  /** The finest resolution held for a series, 0 when none: a query naming none gets it, as on the persist role. */
  long finestResolution(String series) {
    ConcurrentSkipListMap<Long, Ring> bySeries = rings.get(series);
    Map.Entry<Long, Ring> finest = bySeries == null ? null : bySeries.firstEntry();
    return finest == null ? 0 : finest.getKey();
  }

  /**
   * The whole reply, shaped as the persist role's ({@code series, resolution, from, to, step, tier, tiers,
   * complete, results}) when this gateway holds the query's range; null when it does not.
   */
  Buffer answer(HistoryQuery q) {
    Map<Long, Ring> bySeries = q.downsampled() ? null : rings.get(q.series());
    Ring ring = bySeries == null ? null : bySeries.get(q.resolution());
    String[] rows = ring == null ? null : ring.slice(q.from(), q.to());
    if (rows == null) {
      return null;
    }
    String head = q.describe().put("tier", TIER)
      .put("tiers", new JsonArray().add(new JsonObject().put("tier", TIER).put("from", q.from()).put("to", q.to())
        .put("count", rows.length).put("node", "gateway")))
      .put("complete", true).encode();
    int size = head.length() + 16;
    for (String row : rows) {
      size += row.length() + 1;
    }
    Buffer out = Buffer.buffer(size).appendString(head.substring(0, head.length() - 1)).appendString(",\"results\":[");
    for (int i = 0; i < rows.length; i++) {
      if (i > 0) {
        out.appendString(",");
      }
      out.appendString(rows[i]);
    }
    return out.appendString("]}");
  }

  /**
   * Window starts and their results' JSON in start order, the oldest overwritten first. Results come in window
   * order; a rewrite of a window held (a late revision, a partition's results sent again after a hand-over)
   * replaces it, a late window between held ones is put in its place, and one older than all held is left to the
   * persist role.
   */
  static final class Ring {
    private final long[] starts;
    private final String[] json;
    /** Index of the oldest entry, and how many are held. */
    private int head;
    private int size;

    Ring(int capacity) {
      starts = new long[capacity];
      json = new String[capacity];
    }

    synchronized void put(long start, String result) {
      int at = search(start);
      if (at >= 0) {
        json[index(at)] = result;
        return;
      }
      int insert = -at - 1;
      if (insert == 0 && size > 0) {
        // older than everything held: kept, it would claim the windows between it and the oldest were all seen
        return;
      }
      if (size == starts.length) {
        head = (head + 1) % starts.length;
        size--;
        insert--;
      }
      for (int i = size; i > insert; i--) {
        starts[index(i)] = starts[index(i - 1)];
        json[index(i)] = json[index(i - 1)];
      }
      starts[index(insert)] = start;
      json[index(insert)] = result;
      size++;
    }

    /** The results whose window starts in [from, to), or null when {@code from} is before the oldest held. */
    synchronized String[] slice(long from, long to) {
      if (size == 0 || from < starts[head]) {
        return null;
      }
      int lo = search(from);
      lo = lo >= 0 ? lo : -lo - 1;
      int hi = search(to);
      hi = hi >= 0 ? hi : -hi - 1;
      String[] out = new String[Math.max(0, hi - lo)];
      for (int i = 0; i < out.length; i++) {
        out[i] = json[index(lo + i)];
      }
      return out;
    }

    /** Position (0: oldest) of {@code start}, or {@code -(insertion position) - 1}, as {@link Arrays#binarySearch}. */
    private int search(long start) {
      int lo = 0;
      int hi = size - 1;
      // results come in order: the newest is the usual place
      if (size > 0 && starts[index(hi)] < start) {
        return -size - 1;
      }
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        long v = starts[index(mid)];
        if (v < start) {
          lo = mid + 1;
        } else if (v > start) {
          hi = mid - 1;
        } else {
          return mid;
        }
      }
      return -lo - 1;
    }

    private int index(int position) {
      return (head + position) % starts.length;
    }
  }
}
