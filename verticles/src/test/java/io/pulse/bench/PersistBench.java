package io.pulse.bench;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.UUID;

import static io.pulse.node.TestNodes.await;

/**
 * Persistence benchmark (not a test): window results written to PostgreSQL per second through the persist role, and
 * {@code GET /api/history} latency p50/p99 per tier (memory, Redis, PostgreSQL). Needs the real PostgreSQL and Redis
 * on 127.0.0.1; works in a database of its own, dropped at the end. Run: {@code scripts/bench-persist}.
 */
public final class PersistBench {

  private static final Logger LOG = LoggerFactory.getLogger(PersistBench.class);
  private static final String ADMIN = "postgresql://postgres@127.0.0.1:5432/test";

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    Vertx admin = Vertx.vertx();
    String db = "pulse_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    Pool adminPool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(ADMIN)).using(admin).build();
    await(adminPool.query("CREATE DATABASE " + db).execute(), 30);
    String url = "postgresql://postgres@127.0.0.1:5432/" + db;
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(admin).build();
    PulseNode node = TestNodes.start(TestNodes.config("--node.roles=persist,gateway", "--http.port=0",
      "--simulator.enabled=false", "--persist.pg.enabled=true", "--persist.pg.url=" + url,
      "--persist.redis.url=redis://127.0.0.1:6379", "--persist.ring-size=600", "--persist.buffer-max=2000000",
      "--persist.batch-size=10000", "--persist.data-dir=target/bench-data"));
    try {
      long now = System.currentTimeMillis() / 60_000 * 60_000;
      String run = UUID.randomUUID().toString().substring(0, 6);

      // 1. write throughput: 100 series of 1 s windows, published as fast as the bus takes them
      int perSeries = rows / 100;
      long t0 = System.nanoTime();
      for (int i = 0; i < perSeries; i++) {
        for (int s = 0; s < 100; s++) {
          node.vertx().eventBus().publish(Addresses.RESULTS,
            result("bench.write." + run + "." + s, 1000, now - 20 * 3_600_000L + i * 1000L, i));
        }
      }
      long expected = (long) perSeries * 100;
      TestNodes.waitUntil("PostgreSQL holds " + expected + " rows", 600_000, () -> count(pool, "bench.write." + run + ".%") >= expected);
      double seconds = (System.nanoTime() - t0) / 1e9;
      LOG.info("write: {} window results into PostgreSQL in {} s = {} rows/s", expected, String.format("%.2f", seconds),
        Math.round(expected / seconds));

      // 2. query latency per tier through REST
      String ring = "bench.ring." + run;
      String hot = "bench.redis." + run;
      String cold = "bench.pg." + run;
      for (int i = 0; i < 600; i++) {
        node.vertx().eventBus().publish(Addresses.RESULTS, result(ring, 1000, now - 600_000 + i * 1000L, i));
      }
      for (int i = 0; i < 3000; i++) {
        node.vertx().eventBus().publish(Addresses.RESULTS, result(hot, 1000, now - 3_000_000 + i * 1000L, i));
      }
      long coldStart = now - 48 * 3_600_000L;
      for (int i = 0; i < 36 * 60; i++) {
        node.vertx().eventBus().publish(Addresses.RESULTS, result(cold, 60_000, coldStart + i * 60_000L, i));
      }
      TestNodes.waitUntil("the query series are stored", 120_000, () -> count(pool, "bench.%." + run) == 600 + 3000 + 36 * 60);
      Thread.sleep(1000);
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + node.httpPort() + "/api/history?series=";
      latency(http, "memory (last 300 s of 1 s)", base + ring + "&resolution=1000&from=" + (now - 300_000) + "&to=" + now,
        "memory", 300, requests);
      latency(http, "redis (1200 s of 1 s, older than the ring)", base + hot + "&resolution=1000&from=" + (now - 3_000_000)
        + "&to=" + (now - 1_800_000), "redis", 1200, requests);
      latency(http, "postgres (24 h of 1 min)", base + cold + "&resolution=60000&from=" + coldStart + "&to="
        + (coldStart + 86_400_000L), "postgres", 1440, requests);
    } finally {
      TestNodes.stop(node);
      await(pool.close(), 10);
      await(adminPool.query("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").execute(), 30);
      await(admin.close(), 10);
    }
  }

  public static JsonObject result(String series, long res, long start, int i) {
    double v = 100 + (i % 17);
    return new JsonObject().put("series", series).put("resolution", res).put("start", start).put("end", start + res)
      .put("count", 10).put("sum", v * 10).put("min", v - 1).put("max", v + 1).put("mean", v).put("first", v)
      .put("last", v + 0.5).put("final", true).put("p50", v).put("p99", v + 0.9);
  }

  static long count(Pool pool, String like) {
    return await(pool.preparedQuery("SELECT count(*) FROM pulse_results WHERE series LIKE $1")
      .execute(io.vertx.sqlclient.Tuple.of(like)).map(r -> r.iterator().next().getLong(0)).otherwise(-1L), 60);
  }

  static void latency(HttpClient http, String label, String url, String tier, int rows, int n) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).GET().build();
    long deadline = System.currentTimeMillis() + 300_000;
    JsonObject body = new JsonObject(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    while (!tier.equals(body.getString("tier")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(500); // a tier still writing its backlog is skipped by queries: wait until it caught up
      body = new JsonObject(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
    if (!tier.equals(body.getString("tier")) || body.getJsonArray("results").size() != rows) {
      throw new IllegalStateException(label + ": expected " + rows + " results from " + tier + ", got "
        + body.getJsonArray("results").size() + " from " + body.getString("tier"));
    }
    for (int i = 0; i < Math.max(200, n / 5); i++) {
      http.send(request, HttpResponse.BodyHandlers.discarding());
    }
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      http.send(request, HttpResponse.BodyHandlers.ofString());
      nanos[i] = System.nanoTime() - t;
    }
    Arrays.sort(nanos);
    LOG.info("query {}: {} results, p50 {} ms, p99 {} ms over {} requests", label, rows,
      String.format("%.2f", nanos[n / 2] / 1e6), String.format("%.2f", nanos[(int) (n * 0.99)] / 1e6), n);
  }
}
