package io.pulse.bench;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.ResultBatch;
import io.pulse.model.WindowResult;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

import static io.pulse.node.TestNodes.await;

/**
 * Persistence benchmark (not a test): window results written to PostgreSQL per second through the persist role, and
 * history query latency p50/p99 per tier (memory, Redis, PostgreSQL), through {@code GET /api/history} as a client
 * sees it and, to show what the HTTP hop costs, straight over the event bus. Every figure is repeated and reported
 * as median, min and max, printed and written as JSON (scripts/bench collects it). Needs the real PostgreSQL and
 * Redis on 127.0.0.1; works in a database of its own, dropped at the end. Run: {@code scripts/bench-persist}.
 *
 * <p>The write figure is taken twice: end to end (each result also on RESULTS, for the gateway of the same node, as
 * the aggregate role publishes it) and with the persist role alone (FINAL_RESULTS only).
 *
 * <p>Arguments: rows per write run (100000), write runs (5), queries per round (1000), query rounds per tier (3),
 * JSON output file (target/bench/persist.json).
 */
public final class PersistBench {

  private static final Logger LOG = LoggerFactory.getLogger(PersistBench.class);
  private static final String ADMIN = "postgresql://postgres@127.0.0.1:5432/test";
  private static final int SERIES = 100;

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path out = Path.of(args.length > 4 ? args[4] : "target/bench/persist.json");
    Vertx admin = Vertx.vertx();
    String db = "pulse_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    Pool adminPool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(ADMIN)).using(admin).build();
    await(adminPool.query("CREATE DATABASE " + db).execute(), 120);
    String url = "postgresql://postgres@127.0.0.1:5432/" + db;
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(admin).build();
    List<String> nodeOptions = new ArrayList<>(List.of("--node.roles=persist,gateway", "--node.drain-ms=0", "--http.port=0",
      "--simulator.enabled=false", "--persist.pg.enabled=true", "--persist.pg.url=" + url,
      "--persist.redis.url=redis://127.0.0.1:6379", "--persist.ring-size=600", "--gateway.history-ring-size=600", "--persist.buffer-max=2000000",
      "--persist.batch-size=10000", "--persist.data-dir=target/bench-data"));
    // settings to try against the defaults, e.g. BENCH_OPTIONS="--persist.pg.pool-size=8 --persist.pg.in-flight=4"
    // scripts/bench-persist (or -Dbench.options=...)
    String tried = System.getProperty("bench.options", System.getenv().getOrDefault("BENCH_OPTIONS", ""));
    nodeOptions.addAll(List.of(tried.trim().split("\\s+"))
      .stream().filter(o -> !o.isEmpty()).toList());
    LOG.info("node options: {}", nodeOptions);
    PulseNode node = TestNodes.start(TestNodes.config(nodeOptions.toArray(String[]::new)));
    JsonObject report = new JsonObject().put("benchmark", "persist").put("rowsPerRun", rows).put("writeRuns", runs)
      .put("queriesPerRound", requests).put("queryRounds", rounds);
    try {

      // 1. write throughput: 100 series of 1 s windows, built beforehand and published from an event loop as the
      // aggregate role does (each on RESULTS for the gateway, and in batches of 1,000 on FINAL_RESULTS for
      // persistence), as fast as the bus takes them, until the last window of every series is in PostgreSQL (a
      // series' results are written in order of arrival, so its last row there means all of them are). Then the
      // same with FINAL_RESULTS only: the persist role and PostgreSQL alone, without the gateway's share of the
      // node (taking in every result on RESULTS), which bounds the first figure on this machine.
      long now = System.currentTimeMillis() / 60_000 * 60_000;
      String run = UUID.randomUUID().toString().substring(0, 6);
      EventBus bus = node.vertx().eventBus();
      double[] rates = writeRuns(node, bus, pool, run + ".e", rows, runs, now, true);
      report.put("write rows/s", figure(rates, "rows/s"));
      LOG.info("write: median {} rows/s over {} runs of {} rows (min {}, max {})", Math.round(median(rates)), runs,
        rows / SERIES * SERIES, Math.round(min(rates)), Math.round(max(rates)));
      double[] alone = writeRuns(node, bus, pool, run + ".p", rows, runs, now, false);
      report.put("write rows/s, persist role alone", figure(alone, "rows/s"));
      LOG.info("write, persist role alone (no {} stream): median {} rows/s over {} runs (min {}, max {})",
        Addresses.RESULTS, Math.round(median(alone)), runs, Math.round(min(alone)), Math.round(max(alone)));

      // 2. query latency per tier
      String ring = "bench.ring." + run;
      String hot = "bench.redis." + run;
      String cold = "bench.pg." + run;
      List<WindowResult> setup = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        setup.add(result(ring, 1000, now - 600_000 + i * 1000L, i));
      }
      for (int i = 0; i < 3000; i++) {
        setup.add(result(hot, 1000, now - 3_000_000 + i * 1000L, i));
      }
      long coldStart = now - 48 * 3_600_000L;
      for (int i = 0; i < 36 * 60; i++) {
        setup.add(result(cold, 60_000, coldStart + i * 60_000L, i));
      }
      publish(node.vertx().getOrCreateContext(), bus, setup, 0);
      TestNodes.waitUntil("the query series are stored", 120_000, () -> count(pool, "bench.%." + run) == 600 + 3000 + 36 * 60);
      // the Vert.x HTTP client (keep-alive): the JDK HttpClient alone adds ~3 ms per request here, which is the
      // client's cost, not the server's
      HttpClient http = admin.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.httpPort()).setKeepAlive(true));
      // the gateway takes in every result on RESULTS too, after persistence: queries are timed once it has caught up
      // (its last published result is its latest), not while it still works through the write runs' 100,000s
      long lastCold = coldStart + (36 * 60 - 1) * 60_000L;
      TestNodes.waitUntil("the gateway has taken in every result published", 600_000, () -> await(get(http,
          "/api/latest?series=" + cold), 60).toJsonObject().getJsonArray("results").stream()
        .anyMatch(r -> ((JsonObject) r).getLong("start") == lastCold));
      Thread.sleep(1000);
      List<Tier> tiers = List.of(
        new Tier("memory", "last 300 s of 1 s", new JsonObject().put("series", ring).put("resolution", 1000)
          .put("from", now - 300_000).put("to", now), 300),
        new Tier("redis", "1200 s of 1 s, older than the ring", new JsonObject().put("series", hot)
          .put("resolution", 1000).put("from", now - 3_000_000).put("to", now - 1_800_000), 1200),
        new Tier("postgres", "24 h of 1 min", new JsonObject().put("series", cold).put("resolution", 60_000)
          .put("from", coldStart).put("to", coldStart + 86_400_000L), 1440));
      // every tier answers its range before any is timed: the stores may still be writing the write runs' backlog
      // (Redis lags PostgreSQL there), and a query timed meanwhile shares the cores with that catch-up
      for (Tier tier : tiers) {
        String uri = "/api/history" + tier.params();
        waitForTier(tier, () -> await(get(http, uri), 300).toJsonObject());
      }
      // as between the write runs: the rounds start with the write phase's garbage collected, not with a concurrent
      // collection of it about to take a core from them
      System.gc();
      for (Tier tier : tiers) {
        String uri = "/api/history" + tier.params();
        latency(report, tier, "REST", rounds, requests, () -> answered(http, uri));
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(60_000);
        latency(report, tier, "event bus", 1, requests,
          () -> await(bus.<JsonObject>request(Addresses.HISTORY_QUERY, tier.query(), options), 60));
      }
    } finally {
      TestNodes.stop(node);
      await(pool.close(), 10);
      await(adminPool.query("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").execute(), 30);
      await(admin.close(), 10);
    }
    report.put("unansweredRequestsSentAgain", UNANSWERED.get());
    report.put("loadAverage", Files.readString(Path.of("/proc/loadavg")).trim());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.encodePrettily());
    LOG.info("figures written to {}", out);
  }

  /** A query answered by one tier: what it asks, and how many results it must return. */
  record Tier(String name, String label, JsonObject query, int rows) {
    String params() {
      StringBuilder sb = new StringBuilder();
      query.forEach(e -> sb.append(sb.length() == 0 ? '?' : '&').append(e.getKey()).append('=').append(e.getValue()));
      return sb.toString();
    }
  }

  /** Requests that got no answer within 10 s and were sent again (reported: a hanging request is a finding). */
  static final java.util.concurrent.atomic.AtomicLong UNANSWERED = new java.util.concurrent.atomic.AtomicLong();

  /**
   * GET, waiting 10 s at most for the answer; a request left unanswered is counted, logged and sent again (3 attempts).
   * The time waited stays in the measured latency. Such requests were seen (about 1 in 2,000-7,000) while {@link #get}
   * chained {@code body()} after {@code send()}: a client-side race of Vert.x 5.0.7, not the gateway (see
   * {@link HangProbe}); with {@code body()} called in the callback of {@code send()} none is expected, and a non-zero
   * count in the report is a finding.
   */
  static Buffer answered(HttpClient http, String uri) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return get(http, uri).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        UNANSWERED.incrementAndGet();
        LOG.warn("GET {} got no answer within 10 s (attempt {} of 3)", uri, attempt);
        if (attempt == 3) {
          throw new IllegalStateException("GET " + uri + ": no answer in 3 attempts of 10 s each");
        }
      }
    }
  }

  static Future<Buffer> get(HttpClient http, String uri) {
    // body() in the callback of send() itself: chained after it, it may run after the response's end and hang
    return http.request(HttpMethod.GET, uri).compose(req -> req.send().compose(response -> response.body()
      .map(body -> {
        if (response.statusCode() != 200) {
          throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": " + body);
        }
        return body;
      })));
  }

  interface Call {
    void run() throws Exception;
  }

  static WindowResult result(String series, long res, long start, int i) {
    double v = 100 + (i % 17);
    return new WindowResult(series, res, start, 10, v * 10, v - 1, v + 1, v, v + 0.5, 0, Double.NaN, true,
      v, Double.NaN, v + 0.9, Double.NaN, Double.NaN, Double.NaN, 0, 0);
  }

  static long count(Pool pool, String like) {
    return await(pool.preparedQuery("SELECT count(*) FROM pulse_results WHERE series LIKE $1")
      .execute(Tuple.of(like)).map(r -> r.iterator().next().getLong(0)).otherwise(-1L), 60);
  }

  /** How many of these series hold their window at {@code start}: primary-key lookups, cheap enough to poll often. */
  static long lastRows(Pool pool, String[] series, long start) {
    return await(pool.preparedQuery("SELECT count(*) FROM pulse_results WHERE series = ANY($1) AND resolution_ms = 1000"
        + " AND window_start = 'epoch'::timestamptz + $2::int8 * interval '1 millisecond'")
      .execute(Tuple.of(series, start)).map(r -> r.iterator().next().getLong(0)).otherwise(-1L), 60);
  }

  /**
   * Publishes in chunks of 1,000 from one event loop, so that loop never blocks for long, as the aggregate role does:
   * each result as JSON on RESULTS (for the gateway), and the chunk as one batch on FINAL_RESULTS (for persistence).
   */
  static void publish(Context context, EventBus bus, List<WindowResult> results, int from) {
    publish(context, bus, results, from, true);
  }

  /** As above; {@code stream} false: the batches on FINAL_RESULTS only. */
  static void publish(Context context, EventBus bus, List<WindowResult> results, int from, boolean stream) {
    Codecs.register(bus);
    context.runOnContext(v -> {
      int to = Math.min(results.size(), from + 1000);
      if (stream) {
        for (int i = from; i < to; i++) {
          bus.publish(Addresses.RESULTS, results.get(i).toJson());
        }
      }
      bus.publish(Addresses.FINAL_RESULTS, new ResultBatch(results.subList(from, to)));
      if (to < results.size()) {
        publish(context, bus, results, to, stream);
      }
    });
  }

  /**
   * Write runs of {@code rows} results (100 series of 1 s windows); {@code stream}: each result is published on
   * RESULTS too. Returns rows/s per run, timed until every row is in PostgreSQL.
   */
  static double[] writeRuns(PulseNode node, EventBus bus, Pool pool, String run, int rows, int runs, long now,
                            boolean stream) throws InterruptedException {
    double[] rates = new double[runs];
    int perSeries = rows / SERIES;
    long expected = (long) perSeries * SERIES;
    for (int k = 0; k < runs; k++) {
      String prefix = "bench.write." + run + "." + k + ".";
      long first = now - 20 * 3_600_000L;
      long lastStart = first + (perSeries - 1) * 1000L;
      List<WindowResult> messages = new ArrayList<>((int) expected);
      for (int i = 0; i < perSeries; i++) {
        for (int s = 0; s < SERIES; s++) {
          messages.add(result(prefix + s, 1000, first + i * 1000L, i));
        }
      }
      String[] names = new String[SERIES];
      for (int s = 0; s < SERIES; s++) {
        names[s] = prefix + s;
      }
      long t0 = System.nanoTime();
      publish(node.vertx().getOrCreateContext(), bus, messages, 0, stream);
      TestNodes.waitUntil("the last result of every series of run " + k + " is in PostgreSQL", 600_000,
        () -> lastRows(pool, names, lastStart) == SERIES);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long stored = count(pool, prefix + "%");
      if (stored != expected) {
        throw new IllegalStateException("run " + k + ": expected " + expected + " rows in PostgreSQL, found " + stored);
      }
      rates[k] = expected / seconds;
      LOG.info("write run {}{}: {} window results into PostgreSQL in {} s = {} rows/s", k + 1,
        stream ? "" : " (persist role alone)", expected, String.format(Locale.ROOT, "%.2f", seconds), Math.round(rates[k]));
      System.gc(); // the next run starts with the garbage of this one collected
    }
    return rates;
  }

  /** A tier still writing its backlog is skipped by queries: waits until the tier answers the whole range. */
  static void waitForTier(Tier tier, Supplier<JsonObject> ask) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 300_000;
    JsonObject body = ask.get();
    while (!tier.name().equals(body.getString("tier")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
      body = ask.get();
    }
    if (!tier.name().equals(body.getString("tier")) || body.getJsonArray("results").size() != tier.rows()) {
      throw new IllegalStateException(tier.label() + ": expected " + tier.rows() + " results from " + tier.name()
        + ", got " + body.getJsonArray("results").size() + " from " + body.getString("tier"));
    }
  }

  /** Rounds of {@code n} sequential queries after a warm-up; p50 and p99 of each round, reported as median of rounds. */
  static void latency(JsonObject report, Tier tier, String path, int rounds, int n, Call call) throws Exception {
    // warm-up: 3 rounds, so that the JIT has compiled the query path before the timed rounds (on 2 cores a
    // compilation running during a round takes a core from the query path)
    for (int i = 0; i < 3 * n; i++) {
      call.run();
    }
    double[] p50 = new double[rounds];
    double[] p99 = new double[rounds];
    long[] nanos = new long[n];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        call.run();
        nanos[i] = System.nanoTime() - t;
      }
      Arrays.sort(nanos);
      p50[r] = nanos[n / 2] / 1e6;
      p99[r] = nanos[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e6;
    }
    String name = "query " + tier.name() + (path.equals("REST") ? "" : " (" + path + ")");
    report.put(name + " p50", figure(p50, "ms")).put(name + " p99", figure(p99, "ms"));
    LOG.info("{} via {} ({}, {} results): p50 {} ms, p99 {} ms (medians of {} rounds of {} queries; p50 range {}-{})",
      tier.name(), path, tier.label(), tier.rows(), ms(median(p50)), ms(median(p99)), rounds, n, ms(min(p50)), ms(max(p50)));
  }

  static JsonObject figure(double[] values, String unit) {
    return new JsonObject().put("median", median(values)).put("min", min(values)).put("max", max(values))
      .put("unit", unit).put("samples", values.length);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }

  static String ms(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
