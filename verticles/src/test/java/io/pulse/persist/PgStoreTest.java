package io.pulse.persist;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.pulse.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** PgStore against the real PostgreSQL (127.0.0.1:5432), in a database of its own. */
class PgStoreTest {

  static final long DAY = PgStore.DAY_MS;
  static Vertx vertx;
  static String url;

  @BeforeAll
  static void database() {
    vertx = Vertx.vertx();
    url = TestServers.freshDatabase(vertx);
  }

  @AfterAll
  static void drop() {
    TestServers.dropDatabase(vertx, url);
    await(vertx.close(), 30);
  }

  static PgStore store(AtomicLong clock, String... retention) {
    return new PgStore(vertx, PgConnectOptions.fromUri(url), 2,
      Retention.parse(retention.length == 0 ? List.of("*=3650d") : List.of(retention)), clock::get);
  }

  static List<JsonObject> results(String series, long res, long from, int n) {
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(DownsamplerTest.window(series, res, from + i * res, i, i + 0.5, i * 2.0));
    }
    return out;
  }

  static long count(PgStore store, String where) {
    return await(store.pool().query("SELECT count(*) FROM pulse_results WHERE " + where).execute(), 30)
      .iterator().next().getLong(0);
  }

  static List<String> partitions(PgStore store) {
    List<String> names = new ArrayList<>();
    await(store.pool().query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      + "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE 'pulse_results%' ORDER BY 1").execute(), 30)
      .forEach(row -> names.add(row.getString(0)));
    return names;
  }

  @Test
  @DisplayName("the schema is created once: migrating twice (a second node, a restart) applies nothing more")
  void migratesTwice() {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    PgStore first = store(clock);
    PgStore second = store(clock);
    try {
      await(first.ready(), 30);
      await(second.ready(), 30);
      assertThat(await(first.schemaVersion(), 30)).isEqualTo(Migrations.STEPS.size());
      long rows = await(second.pool().query("SELECT count(*) FROM pulse_schema_version").execute(), 30)
        .iterator().next().getLong(0);
      assertThat(rows).isEqualTo(Migrations.STEPS.size());
      List<String> collations = new ArrayList<>();
      await(first.pool().query("SELECT collation_name FROM information_schema.columns WHERE column_name = 'series' "
        + "AND table_name IN ('pulse_results', 'pulse_series')").execute(), 30)
        .forEach(row -> collations.add(row.getString(0)));
      assertThat(collations).as("series keys compared bytewise (step 3)").containsExactly("C", "C");
    } finally {
      await(first.close(), 10);
      await(second.close(), 10);
    }
  }

  @Test
  @DisplayName("a replayed batch changes nothing (same rows, same row versions); a changed result is rewritten in place")
  void upsertIsIdempotent() {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    PgStore store = store(clock);
    try {
      long from = (clock.get() / 1000) * 1000 - 600_000;
      List<JsonObject> batch = results("upsert.a", 1000, from, 500);
      batch.addAll(results("upsert.b", 60_000, from, 20));
      await(store.write(Stored.all(batch)), 30);
      Map<String, String> versions = rowVersions(store);
      assertThat(versions).hasSize(520);

      await(store.write(Stored.all(batch)), 30);
      List<JsonObject> doubled = new ArrayList<>(batch);
      doubled.addAll(batch); // the same keys twice in one batch
      await(store.write(Stored.all(doubled)), 30);
      assertThat(rowVersions(store)).isEqualTo(versions);

      JsonObject changed = batch.get(3).copy().put("max", 999.0);
      await(store.write(Stored.all(List.of(changed))), 30);
      assertThat(count(store, "series = 'upsert.a'")).isEqualTo(500);
      assertThat(count(store, "series = 'upsert.a' AND max = 999")).isEqualTo(1);
      ResultStore.Slice slice = await(store.range("upsert.a", 1000, from + 3000, from + 4000, 10), 30);
      assertThat(slice.results()).singleElement().satisfies(r -> {
        assertThat(r.start()).isEqualTo(from + 3000);
        assertThat(r.toJson().getDouble("max")).isEqualTo(999.0);
      });
    } finally {
      await(store.close(), 10);
    }
  }

  @Test
  @DisplayName("rewrites of the same rows in batches handed in at once land in the order they were handed in, even when "
    + "a later, small batch could reach the rows before an earlier, large one")
  void batchesInFlightKeepTheOrderOfRewrites() {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    // 4 connections: 2 write lanes, each taking its parts one after the other
    PgStore store = new PgStore(vertx, PgConnectOptions.fromUri(url), 4, 8, Retention.parse(List.of("*=3650d")), clock::get);
    try {
      await(store.ready(), 30);
      long from = (clock.get() / 1000) * 1000 - 3_600_000;
      int windows = 1000;
      int versions = 6;
      // version 0: 40 series x 1,000 windows; versions 1-5: the last 5 windows of each, which a statement started
      // beside the large one would write before the large one gets to them
      List<io.vertx.core.Future<Void>> written = new ArrayList<>();
      for (int v = 0; v < versions; v++) {
        List<JsonObject> batch = new ArrayList<>();
        for (int s = 0; s < 40; s++) {
          batch.addAll(v == 0 ? results("inflight." + s, 1000, from, windows)
            : results("inflight." + s, 1000, from + (windows - 5) * 1000L, 5));
        }
        double version = v;
        batch.forEach(r -> r.put("max", version));
        written.add(store.write(Stored.all(batch)));
      }
      await(io.vertx.core.Future.all(written), 120);
      long lastFive = from + (windows - 5) * 1000L;
      assertThat(count(store, "series LIKE 'inflight.%'")).isEqualTo(40L * windows);
      assertThat(count(store, "series LIKE 'inflight.%' AND max = " + (versions - 1)
        + " AND window_start >= 'epoch'::timestamptz + " + lastFive + " * interval '1 millisecond'")).isEqualTo(40 * 5);
      assertThat(count(store, "series LIKE 'inflight.%' AND max = 0")).isEqualTo(40L * (windows - 5));
    } finally {
      await(store.close(), 10);
    }
  }

  private static Map<String, String> rowVersions(PgStore store) {
    Map<String, String> out = new TreeMap<>();
    for (Row row : await(store.pool().query("SELECT series || resolution_ms || window_start, xmin::text FROM pulse_results "
      + "WHERE series LIKE 'upsert.%'").execute(), 30)) {
      out.put(row.getString(0), row.getString(1));
    }
    return out;
  }

  @Test
  @DisplayName("partitions per resolution and day are made ahead, and those past their resolution's retention are dropped")
  void retentionDropsPartitions() {
    long today = System.currentTimeMillis() / DAY * DAY;
    AtomicLong clock = new AtomicLong(today - 10 * DAY + 3_600_000);
    PgStore store = store(clock, "5s=2d", "7m=30d", "*=3650d");
    try {
      // written "ten days ago": three days of 5 s results and of 7 min results
      for (int d = 0; d < 3; d++) {
        await(store.write(Stored.all(results("retention.fast", 5000, today - (10 - d) * DAY, 10))), 30);
        await(store.write(Stored.all(results("retention.slow", 420_000, today - (10 - d) * DAY, 10))), 30);
      }
      assertThat(partitions(store)).contains("pulse_results_r5000", "pulse_results_r5000_d" + PgStore.dayName(today / DAY - 10),
        "pulse_results_r420000_d" + PgStore.dayName(today / DAY - 8));

      clock.set(System.currentTimeMillis());
      List<String> dropped = await(store.maintain(clock.get()), 30);
      assertThat(dropped).containsExactlyInAnyOrder("pulse_results_r5000_d" + PgStore.dayName(today / DAY - 10),
        "pulse_results_r5000_d" + PgStore.dayName(today / DAY - 9), "pulse_results_r5000_d" + PgStore.dayName(today / DAY - 8));
      assertThat(count(store, "series = 'retention.fast'")).isZero();
      assertThat(count(store, "series = 'retention.slow'")).isEqualTo(30);
      assertThat(partitions(store)).contains(
        "pulse_results_r5000_d" + PgStore.dayName(today / DAY),
        "pulse_results_r5000_d" + PgStore.dayName(today / DAY + PgStore.DAYS_AHEAD),
        "pulse_results_r420000_d" + PgStore.dayName(today / DAY + PgStore.DAYS_AHEAD));
      // a late result older than the retention is not written (its partition would be dropped again)
      await(store.write(Stored.all(results("retention.fast", 5000, today - 9 * DAY, 1))), 30);
      assertThat(count(store, "series = 'retention.fast'")).isZero();
    } finally {
      await(store.close(), 10);
    }
  }
}
