package io.pulse.persist;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Redis hot tier: per series and resolution a sorted set {@code pulse:h:<resolution>:<series>} (score = window
 * start, member = result JSON) trimmed to the last {@code hotMs} of window time and expiring when idle; the hash
 * {@code pulse:latest} (field {@code <series>@<resolution>}, the newest result); the set {@code pulse:series}.
 * A batch is one pipeline of a few commands per series; a rewrite replaces the member of the same start.
 */
final class RedisStore implements ResultStore {

  static final String SERIES_KEY = "pulse:series";
  static final String LATEST_KEY = "pulse:latest";
  /** Commands per pipeline, well below the client's waiting-queue limit. */
  private static final int PIPELINE = 1000;
  /** Members per ZADD: a command stays a bounded size however large the batch. */
  private static final int ZADD_MEMBERS = 1000;

  private final Redis redis;
  private final long hotMs;

  RedisStore(Vertx vertx, String url, long hotMs) {
    this.redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxWaitingHandlers(4096)
      .setMaxPoolSize(4).setMaxPoolWaiting(256));
    this.hotMs = hotMs;
  }

  static String historyKey(String series, long resolution) {
    return "pulse:h:" + resolution + ":" + series;
  }

  @Override
  public String name() {
    return "redis";
  }

  /** The results of one sorted set in a batch, by window start (a later duplicate replaces an earlier one). */
  private static final class KeyBatch {
    final long resolution;
    final TreeMap<Long, String> byStart = new TreeMap<>();

    KeyBatch(long resolution) {
      this.resolution = resolution;
    }
  }

  /**
   * Per sorted set: one {@code ZREMRANGEBYSCORE} per run of consecutive windows (removing what a rewrite replaces:
   * windows are aligned, so nothing else lies in a run) and one variadic {@code ZADD}, instead of two commands per
   * result: Redis work per batch grows with the series touched, not with the results.
   */
  @Override
  public Future<Void> write(List<Stored> batch) {
    Map<String, KeyBatch> byKey = new LinkedHashMap<>();
    Map<String, Stored> latest = new HashMap<>();
    Set<String> series = new TreeSet<>();
    for (Stored r : batch) {
      String s = r.result().series();
      long res = r.result().resolution();
      long start = r.result().start();
      byKey.computeIfAbsent(historyKey(s, res), k -> new KeyBatch(res)).byStart.put(start, r.json());
      latest.merge(s + "@" + res, r, (a, b) -> b.result().start() >= a.result().start() ? b : a);
      series.add(s);
    }
    List<Request> requests = new ArrayList<>(byKey.size() * 4 + 2);
    byKey.forEach((key, kb) -> {
      long runFrom = Long.MIN_VALUE;
      long previous = Long.MIN_VALUE;
      for (long start : kb.byStart.keySet()) {
        if (runFrom != Long.MIN_VALUE && start != previous + kb.resolution) {
          requests.add(Request.cmd(Command.ZREMRANGEBYSCORE).arg(key).arg(runFrom).arg(previous));
          runFrom = Long.MIN_VALUE;
        }
        if (runFrom == Long.MIN_VALUE) {
          runFrom = start;
        }
        previous = start;
      }
      requests.add(Request.cmd(Command.ZREMRANGEBYSCORE).arg(key).arg(runFrom).arg(previous));
      Request zadd = null;
      int members = 0;
      for (Map.Entry<Long, String> e : kb.byStart.entrySet()) {
        if (zadd == null || members == ZADD_MEMBERS) {
          zadd = Request.cmd(Command.ZADD).arg(key);
          requests.add(zadd);
          members = 0;
        }
        zadd.arg(e.getKey()).arg(e.getValue());
        members++;
      }
      requests.add(Request.cmd(Command.ZREMRANGEBYSCORE).arg(key).arg("-inf").arg("(" + (previous - hotMs)));
      requests.add(Request.cmd(Command.PEXPIRE).arg(key).arg(hotMs));
    });
    if (!latest.isEmpty()) {
      Request hset = Request.cmd(Command.HSET).arg(LATEST_KEY);
      latest.forEach((field, r) -> hset.arg(field).arg(r.json()));
      requests.add(hset);
      Request sadd = Request.cmd(Command.SADD).arg(SERIES_KEY);
      series.forEach(sadd::arg);
      requests.add(sadd);
    }
    // one pipeline per chunk: the client counts every command of a batch against its waiting queue
    Future<?> chain = Future.succeededFuture();
    for (int from = 0; from < requests.size(); from += PIPELINE) {
      List<Request> chunk = requests.subList(from, Math.min(requests.size(), from + PIPELINE));
      chain = chain.compose(v -> redis.batch(chunk));
    }
    return chain.mapEmpty();
  }

  @Override
  public Future<Slice> range(String series, long resolution, long from, long to, int limit) {
    String key = historyKey(series, resolution);
    // with their scores (the window starts): no member is parsed, the answer copies their JSON as stored
    return redis.batch(List.of(
        Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(0).arg("WITHSCORES"),
        Request.cmd(Command.ZRANGEBYSCORE).arg(key).arg(from).arg("(" + to).arg("WITHSCORES").arg("LIMIT").arg(0)
          .arg(limit)))
      .map(replies -> {
        List<Raw> oldest = rows(replies.get(0));
        return new Slice(rows(replies.get(1)), oldest.isEmpty() ? Long.MAX_VALUE : oldest.get(0).start());
      });
  }

  /** Members with their scores: pairs under RESP3, a flat member, score, member.. list under RESP2. */
  private static List<Raw> rows(Response reply) {
    List<Raw> out = new ArrayList<>();
    if (reply == null || reply.size() == 0) {
      return out;
    }
    if (reply.get(0).type() == ResponseType.MULTI) {
      for (Response pair : reply) {
        out.add(new Raw(pair.get(1).toDouble().longValue(), pair.get(0).toString()));
      }
    } else {
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        out.add(new Raw(reply.get(i + 1).toDouble().longValue(), reply.get(i).toString()));
      }
    }
    return out;
  }

  @Override
  public Future<Set<String>> seriesNames() {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(SERIES_KEY)).map(reply -> {
      Set<String> out = new TreeSet<>();
      if (reply != null) {
        reply.forEach(member -> out.add(member.toString()));
      }
      return out;
    });
  }

  /** Deletes every Pulse key of these series (tests only). */
  Future<Void> delete(List<String> keys) {
    Request del = Request.cmd(Command.DEL);
    keys.forEach(del::arg);
    return redis.send(del).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }
}
