package io.pulse.persist;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.ResultBatch;
import io.pulse.model.WindowResult;
import io.pulse.node.TestNodes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.pulse.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The persist verticle driven over the event bus, against the real PostgreSQL and Redis. */
class PersistVerticleTest {

  static Vertx vertx;
  static String url;
  static Pool pg;
  static Redis redis;

  @BeforeAll
  static void servers() {
    vertx = Vertx.vertx();
    url = TestServers.freshDatabase(vertx);
    TestServers.requireRedis(vertx);
    pg = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    redis = Redis.createClient(vertx, TestServers.REDIS_URL);
  }

  @AfterAll
  static void close() {
    await(pg.close(), 10);
    await(redis.close(), 10);
    TestServers.dropDatabase(vertx, url);
    await(vertx.close(), 30);
  }

  static String deploy(Path dataDir, String... options) {
    List<String> all = new ArrayList<>(List.of("--node.id=persist-test", "--persist.pg.enabled=true",
      "--persist.data-dir=" + dataDir, "--persist.flush-ms=50"));
    all.addAll(List.of(options));
    JsonObject config = TestNodes.config(all.toArray(String[]::new));
    return await(vertx.deployVerticle(new PersistVerticle(), new DeploymentOptions().setConfig(config)), 60);
  }

  static JsonObject result(String series, long start) {
    return DownsamplerTest.window(series, 1000, start, 1.0, 2.0, start % 7);
  }

  /** Publishes a final result as the aggregate role does for persistence: in a batch on FINAL_RESULTS. */
  static void publishFinal(JsonObject result) {
    Codecs.register(vertx.eventBus());
    vertx.eventBus().publish(Addresses.FINAL_RESULTS, new ResultBatch(List.of(WindowResult.fromJson(result))));
  }

  /** Rows of a series in PostgreSQL; -1 while the table does not exist yet. */
  static long pgCount(String series) {
    return await(pg.preparedQuery("SELECT count(*) FROM pulse_results WHERE series = $1").execute(Tuple.of(series))
      .map(rows -> rows.iterator().next().getLong(0)).otherwise(-1L), 30);
  }

  /** A history query as the REST gateway asks it: the reply encoded (results copied in as stored), parsed here. */
  static JsonObject historyEncoded(JsonObject query) {
    DeliveryOptions encoded = new DeliveryOptions().addHeader(Addresses.REPLY_ENCODED, "true");
    return new JsonObject(await(vertx.eventBus().<Buffer>request(Addresses.HISTORY_QUERY, query, encoded), 30).body());
  }

  static JsonObject history(JsonObject query) {
    return await(vertx.eventBus().<JsonObject>request(Addresses.HISTORY_QUERY, query), 30).body();
  }

  @Test
  @DisplayName("a query spanning memory, Redis and PostgreSQL is stitched from all three, each answering the part "
    + "the warmer tiers do not hold; a recent one comes from memory alone; step downsamples; bad steps are refused")
  void stitchesTiers(@TempDir Path dataDir) {
    String series = "stitch." + UUID.randomUUID();
    String id = deploy(dataDir, "--persist.pg.url=" + url, "--persist.redis.url=" + TestServers.REDIS_URL,
      "--persist.redis.hot-ms=30000", "--persist.ring-size=10");
    try {
      long base = System.currentTimeMillis() / 10_000 * 10_000 - 300_000;
      for (int i = 0; i < 100; i++) {
        publishFinal(result(series, base + i * 1000L));
      }
      TestNodes.waitUntil("PostgreSQL holds 100 results", 30_000, () -> pgCount(series) == 100);
      TestNodes.waitUntil("Redis holds the last 31 (30 s)", 30_000, () -> await(redis.send(
        Request.cmd(Command.ZCARD).arg(RedisStore.historyKey(series, 1000))), 10).toLong() == 31);

      JsonObject all = history(new JsonObject().put("series", series).put("from", base).put("to", base + 100_000));
      assertThat(all.getJsonArray("results").stream().map(r -> ((JsonObject) r).getLong("start")))
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 100).mapToObj(i -> base + i * 1000).toList());
      assertThat(all.getString("tier")).isEqualTo("postgres+redis+memory");
      assertThat(all.getBoolean("complete")).isTrue();
      // the REST gateway's form: the same answer, encoded, with the results' JSON copied in as the tiers hold it
      assertThat(historyEncoded(new JsonObject().put("series", series).put("from", base).put("to", base + 100_000)))
        .isEqualTo(all);
      JsonArray tiers = all.getJsonArray("tiers");
      assertThat(tiers.getJsonObject(0)).isEqualTo(new JsonObject().put("tier", "memory").put("from", base + 90_000)
        .put("to", base + 100_000).put("count", 10));
      assertThat(tiers.getJsonObject(1)).isEqualTo(new JsonObject().put("tier", "redis").put("from", base + 69_000)
        .put("to", base + 90_000).put("count", 21));
      assertThat(tiers.getJsonObject(2)).isEqualTo(new JsonObject().put("tier", "postgres").put("from", base)
        .put("to", base + 69_000).put("count", 69));

      JsonObject recent = history(new JsonObject().put("series", series).put("from", base + 95_000));
      assertThat(recent.getString("tier")).isEqualTo("memory");
      assertThat(recent.getJsonArray("tiers")).hasSize(1);
      assertThat(recent.getJsonArray("results")).hasSize(5);

      JsonObject coarse = history(new JsonObject().put("series", series).put("from", base).put("to", base + 100_000)
        .put("step", 10_000));
      assertThat(coarse.getJsonArray("results")).hasSize(10)
        .allSatisfy(r -> assertThat(((JsonObject) r).getLong("count")).isEqualTo(30));
      assertThat(historyEncoded(new JsonObject().put("series", series).put("from", base).put("to", base + 100_000)
        .put("step", 10_000))).isEqualTo(coarse);

      Throwable bad = await(vertx.eventBus().request(Addresses.HISTORY_QUERY,
        new JsonObject().put("series", series).put("step", 1500)).transform(ar -> Future.succeededFuture(ar.cause())), 30);
      assertThat(bad).isInstanceOf(ReplyException.class).hasMessageContaining("'step' (1500) must be a multiple");
      assertThat(((ReplyException) bad).failureCode()).isEqualTo(400);

      JsonObject known = await(vertx.eventBus().<JsonObject>request(Addresses.SERIES_QUERY, null), 30).body();
      assertThat(known.getJsonArray("series")).contains(series);
    } finally {
      await(vertx.undeploy(id), 30);
    }
  }

  @Test
  @DisplayName("with Redis unreachable, a query falls back to PostgreSQL and says so")
  void fallsBackWhenRedisIsDown(@TempDir Path dataDir) {
    String series = "fallback." + UUID.randomUUID();
    long base = System.currentTimeMillis() / 1000 * 1000 - 300_000;
    String first = deploy(dataDir.resolve("a"), "--persist.pg.url=" + url, "--persist.ring-size=5");
    try {
      for (int i = 0; i < 20; i++) {
        publishFinal(result(series, base + i * 1000L));
      }
      TestNodes.waitUntil("PostgreSQL holds 20 results", 30_000, () -> pgCount(series) == 20);
    } finally {
      await(vertx.undeploy(first), 30);
    }
    String second = deploy(dataDir.resolve("b"), "--persist.pg.url=" + url,
      "--persist.redis.url=redis://127.0.0.1:" + TestNodes.freePort());
    try {
      JsonObject reply = history(new JsonObject().put("series", series).put("from", base).put("to", base + 20_000));
      assertThat(reply.getJsonArray("results")).hasSize(20);
      assertThat(reply.getString("tier")).isEqualTo("postgres");
      assertThat(reply.getBoolean("complete")).isTrue();
      assertThat(reply.getJsonArray("errors").getString(0)).startsWith("redis failed");
    } finally {
      await(vertx.undeploy(second), 30);
    }
  }

  @Test
  @DisplayName("PostgreSQL cut off mid-run: every result published during the outage is in the table exactly once "
    + "afterwards, through the memory buffer and the journal")
  void survivesPostgresOutage(@TempDir Path dataDir) throws Exception {
    boolean realStop = "server".equals(System.getProperty("pulse.outage"));
    String series = "outage." + UUID.randomUUID().toString().substring(0, 8);
    try (CutProxy proxy = new CutProxy("127.0.0.1", 5432)) {
      String target = realStop ? url : url.replace(":5432/", ":" + proxy.port() + "/");
      String id = deploy(dataDir, "--persist.pg.url=" + target, "--persist.batch-size=20", "--persist.buffer-max=50",
        "--persist.retry-max-ms=500");
      Path journal = dataDir.resolve("journal").resolve("postgres.journal");
      long base = System.currentTimeMillis() / 1000 * 1000 - 300_000;
      OutageRun run;
      try {
        run = publishThroughOutage(series, 5, base, journal,
          realStop ? PostgresServer::stop : proxy::cut, realStop ? PostgresServer::start : proxy::restore);
      } finally {
        if (realStop) {
          PostgresServer.start();
        }
      }
      boolean journalUsed = run.journalUsed();
      int total = run.rounds() * 5;
      TestNodes.waitUntil("PostgreSQL holds all " + total + " results", 60_000, () -> countLike(series) == total);
      JsonObject counts = await(pg.preparedQuery("SELECT count(*) AS n, count(DISTINCT (series, resolution_ms, window_start)) AS d,"
        + " count(DISTINCT series) AS s FROM pulse_results WHERE series LIKE $1").execute(Tuple.of(series + ".%")), 30)
        .iterator().next().toJson();
      assertThat(counts).isEqualTo(new JsonObject().put("n", (long) total).put("d", (long) total).put("s", 5L));
      assertThat(journalUsed).as("the outage outgrew the memory buffer and used the journal").isTrue();
      TestNodes.waitUntil("the journal is emptied", 30_000, () -> !Files.exists(journal));
      await(vertx.undeploy(id), 30);
    }
  }

  /** What {@link #publishThroughOutage} did: rounds of one result per series, and whether the journal was used. */
  record OutageRun(int rounds, boolean journalUsed) {
  }

  /**
   * Publishes a final result of each of {@code seriesCount} series every 20 ms for 6 s (window starts one second
   * apart from {@code base}), with the store taken down at second 1 and brought back at second 4.
   */
  static OutageRun publishThroughOutage(String series, int seriesCount, long base, Path journal, Runnable down,
                                        Runnable up) throws InterruptedException {
    int rounds = 0;
    boolean journalUsed = false;
    boolean isDown = false;
    boolean restored = false;
    long t0 = System.currentTimeMillis();
    while (System.currentTimeMillis() - t0 < 6000) {
      long elapsed = System.currentTimeMillis() - t0;
      if (!isDown && elapsed > 1000) {
        isDown = true;
        down.run();
      }
      if (isDown && !restored && elapsed > 4000) {
        restored = true;
        up.run();
      }
      for (int s = 0; s < seriesCount; s++) {
        publishFinal(result(series + "." + s, base + rounds * 1000L));
      }
      rounds++;
      journalUsed |= Files.exists(journal);
      Thread.sleep(20);
    }
    return new OutageRun(rounds, journalUsed);
  }

  @Test
  @DisplayName("Redis cut off mid-run: every result published during the outage reaches the hot tier once it is back, "
    + "through the memory buffer and the journal, one entry per window")
  void survivesRedisOutage(@TempDir Path dataDir) throws Exception {
    String series = "redis-outage." + UUID.randomUUID().toString().substring(0, 8);
    int seriesCount = 5;
    try (CutProxy proxy = new CutProxy("127.0.0.1", 6379)) {
      String id = deploy(dataDir, "--persist.pg.enabled=false",
        "--persist.redis.url=redis://127.0.0.1:" + proxy.port(), "--persist.redis.hot-ms=3600000",
        "--persist.batch-size=20", "--persist.buffer-max=50", "--persist.retry-max-ms=500");
      Path journal = dataDir.resolve("journal").resolve("redis.journal");
      long base = System.currentTimeMillis() / 1000 * 1000 - 300_000;
      OutageRun run = publishThroughOutage(series, seriesCount, base, journal, proxy::cut, proxy::restore);
      boolean journalUsed = run.journalUsed();
      int perSeries = run.rounds();
      for (int s = 0; s < seriesCount; s++) {
        String key = RedisStore.historyKey(series + "." + s, 1000);
        TestNodes.waitUntil("Redis holds all " + perSeries + " windows of " + key, 60_000,
          () -> await(redis.send(Request.cmd(Command.ZCARD).arg(key)), 10).toLong() == perSeries);
        List<Long> starts = await(redis.send(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1)), 10).stream()
          .map(r -> new JsonObject(r.toString()).getLong("start")).toList();
        assertThat(starts).as("one entry per window, in order, none missing")
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, perSeries).mapToObj(i -> base + i * 1000).toList());
      }
      assertThat(journalUsed).as("the outage outgrew the memory buffer and used the journal").isTrue();
      TestNodes.waitUntil("the journal is emptied", 30_000, () -> !Files.exists(journal));
      await(vertx.undeploy(id), 30);
      Request del = Request.cmd(Command.DEL);
      for (int s = 0; s < seriesCount; s++) {
        del.arg(RedisStore.historyKey(series + "." + s, 1000));
      }
      await(redis.send(del), 10);
    }
  }

  static long countLike(String prefix) {
    return await(pg.preparedQuery("SELECT count(*) FROM pulse_results WHERE series LIKE $1").execute(Tuple.of(prefix + ".%"))
      .map(rows -> rows.iterator().next().getLong(0)).otherwise(-1L), 30);
  }

  @Test
  @DisplayName("with no PostgreSQL configured, the node starts an embedded one whose history survives a restart")
  void embeddedPostgresKeepsHistory(@TempDir Path dataDir) {
    String series = "embedded." + UUID.randomUUID();
    long base = System.currentTimeMillis() / 1000 * 1000 - 300_000;
    JsonObject query = new JsonObject().put("series", series).put("from", base).put("to", base + 10_000);
    String first = deploy(dataDir, "--persist.pg.url=", "--persist.ring-size=1");
    try {
      for (int i = 0; i < 10; i++) {
        publishFinal(result(series, base + i * 1000L));
      }
      TestNodes.waitUntil("the embedded PostgreSQL answers with 9 results", 90_000,
        () -> history(query).getJsonArray("tiers").stream()
          .anyMatch(t -> ((JsonObject) t).getString("tier").equals("postgres") && ((JsonObject) t).getInteger("count") == 9));
    } finally {
      await(vertx.undeploy(first), 60);
    }
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).exists();
    String second = deploy(dataDir, "--persist.pg.url=");
    try {
      TestNodes.waitUntil("after a restart, PostgreSQL still holds all 10", 90_000,
        () -> history(query).getJsonArray("results").size() == 10);
      assertThat(history(query).getString("tier")).isEqualTo("postgres");
    } finally {
      await(vertx.undeploy(second), 60);
    }
  }
}
