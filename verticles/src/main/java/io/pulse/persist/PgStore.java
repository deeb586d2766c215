package io.pulse.persist;

import io.pulse.model.WindowResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL tier: every final window result, kept per resolution for its retention.
 *
 * <p>{@code pulse_results} is partitioned by resolution, then by UTC day, so retention drops whole tables. A batch is
 * split into write lanes by series hash ({@code pool-size / 2} lanes); each lane is an ordered queue that runs one
 * {@code INSERT ... SELECT FROM UNNEST(arrays)} at a time on a connection of the pool, so lanes run in parallel and
 * several batches can be in flight ({@link #maxInFlight()}) while the writes of one row keep the order they were
 * handed in. A lane's rows go in as a plain insert; when one is already stored (a replay, a correction) the
 * statement is undone and run again as an upsert on (series, resolution, window start), which leaves an identical
 * row untouched: a replayed batch changes nothing. The schema is created and migrated on first use, and again after
 * a failure.
 */
final class PgStore implements ResultStore {

  private static final Logger LOG = LoggerFactory.getLogger(PgStore.class);
  static final long DAY_MS = 86_400_000L;
  /** Day partitions made ahead of time, so the day change never waits for DDL. */
  static final int DAYS_AHEAD = 2;
  /** Upper bound of times handed to SQL (year 5138), far below PostgreSQL's and interval arithmetic's limits. */
  private static final long MAX_MS = 100_000_000_000_000L;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
  private static final Pattern PARTITION = Pattern.compile("pulse_results_r(\\d+)(?:_d(\\d{8}))?");
  private static final String TS = "'epoch'::timestamptz + %s::int8 * interval '1 millisecond'";

  private static final String INSERT = """
    INSERT INTO pulse_results (series, resolution_ms, window_start, count, sum, min, max, first, last, volume, result)
    SELECT s, r, 'epoch'::timestamptz + st * interval '1 millisecond', c, su, mi, ma, fi, la, vo, j
    FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::float8[], $6::float8[], $7::float8[],
                $8::float8[], $9::float8[], $10::float8[], $11::text[]) AS t(s, r, st, c, su, mi, ma, fi, la, vo, j)""";

  private static final String UPSERT = INSERT + """

    ON CONFLICT (series, resolution_ms, window_start) DO UPDATE SET count = EXCLUDED.count, sum = EXCLUDED.sum,
      min = EXCLUDED.min, max = EXCLUDED.max, first = EXCLUDED.first, last = EXCLUDED.last,
      volume = EXCLUDED.volume, result = EXCLUDED.result
    WHERE pulse_results.result IS DISTINCT FROM EXCLUDED.result""";

  /** PostgreSQL's unique_violation: a plain insert met a row already stored. */
  private static final String UNIQUE_VIOLATION = "23505";
  /**
   * After a plain insert met a stored row, this many statements of the lane go straight to the upsert: rewrites
   * come in runs (a batch replayed after an outage, the journal, a burst of corrections).
   */
  private static final int UPSERTS_AFTER_CONFLICT = 16;

  private static final String RANGE = "SELECT result, (extract(epoch FROM window_start) * 1000)::int8 FROM pulse_results"
    + " WHERE series = $1 AND resolution_ms = $2"
    + " AND window_start >= " + TS.formatted("$3") + " AND window_start < " + TS.formatted("$4")
    + " ORDER BY window_start LIMIT $5";

  private static final String PARTITIONS = """
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname LIKE 'pulse\\_results%' AND pg_table_is_visible(c.oid)""";

  /**
   * Event loops of the pool's connections, apart from the persist verticle's: encoding a batch's arrays and decoding
   * query rows run beside the intake instead of after it (answers still arrive on the verticle's context).
   */
  private static final int EVENT_LOOPS = 2;

  private final Pool pool;
  /** Write lanes run in parallel, each on one connection at a time; the other half of the pool serves queries. */
  private final int writeLanes;
  private final Retention retention;
  private final LongSupplier clock;
  private final String where;
  /** Partitions known to exist: "r1000" and "r1000_d20261115". Filled after successful DDL only. */
  private final Set<String> partitions = new HashSet<>();
  private final Set<String> knownSeries = new HashSet<>();
  /** Per write lane, its last part handed in: the next part of that lane starts once it has an answer. */
  private final Future<Void>[] laneTails;
  /** Per write lane, how many statements still go straight to the upsert after a conflict. */
  private final int[] upsertsLeft;
  /** Batches handed to {@link #write} that may be in flight at once (see {@link #maxInFlight()}). */
  private final int batchesInFlight;
  private final Vertx vertx;
  private Future<Void> migrated;

  PgStore(Vertx vertx, PgConnectOptions connect, int poolSize, Retention retention, LongSupplier clock) {
    this(vertx, connect, poolSize, 1, retention, clock);
  }

  @SuppressWarnings("unchecked")
  PgStore(Vertx vertx, PgConnectOptions connect, int poolSize, int batchesInFlight, Retention retention,
          LongSupplier clock) {
    this.vertx = vertx;
    this.pool = PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(poolSize).setConnectionTimeout(5).setConnectionTimeoutUnit(TimeUnit.SECONDS)
        .setEventLoopSize(EVENT_LOOPS))
      // no pipelining: with it the pool puts concurrent statements on one busy connection, so write lanes would run
      // one after the other and a history query would wait behind a batch; each gets a connection of its own instead.
      // Notices like "already exists, skipping" are expected on every start: keep them out of the log
      .connectingTo(connect.setPipeliningLimit(1).addProperty("application_name", "pulse")
        .addProperty("client_min_messages", "warning"))
      .using(vertx)
      .build();
    this.writeLanes = Math.max(1, poolSize / 2);
    this.laneTails = new Future[writeLanes];
    Arrays.fill(laneTails, Future.succeededFuture());
    this.upsertsLeft = new int[writeLanes];
    this.batchesInFlight = Math.max(1, batchesInFlight);
    this.retention = retention;
    this.clock = clock;
    this.where = connect.getUser() + "@" + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
  }

  @Override
  public String name() {
    return "postgres";
  }

  /** user@host:port/db, for logs. */
  String where() {
    return where;
  }

  /** Creates or migrates the schema once; a failed attempt is tried again on the next call. */
  Future<Void> ready() {
    if (migrated == null || migrated.failed()) {
      migrated = pool.withTransaction(this::migrate).compose(v -> maintain());
    }
    return migrated;
  }

  /** Applies the missing migration steps, in order, in the caller's transaction. */
  Future<Void> migrate(SqlConnection conn) {
    return conn.query("SELECT pg_advisory_xact_lock(hashtext('pulse.migrations'))").execute()
      .compose(v -> conn.query(Migrations.VERSION_TABLE).execute())
      .compose(v -> conn.query("SELECT version FROM pulse_schema_version").execute())
      .compose(rows -> {
        Set<Integer> applied = new HashSet<>();
        rows.forEach(row -> applied.add(row.getInteger(0)));
        Future<Void> chain = Future.succeededFuture();
        for (Migrations.Step step : Migrations.STEPS) {
          if (!applied.contains(step.version())) {
            chain = chain
              .compose(v -> conn.query(step.sql()).execute())
              .compose(v -> conn.preparedQuery("INSERT INTO pulse_schema_version (version, description) VALUES ($1, $2)")
                .execute(Tuple.of(step.version(), step.description())))
              .map(v -> {
                LOG.info("PostgreSQL {}: applied schema step {} ({})", where, step.version(), step.description());
                return null;
              });
          }
        }
        return chain;
      });
  }

  /** The schema version now in the database. */
  Future<Integer> schemaVersion() {
    return pool.query("SELECT coalesce(max(version), 0) FROM pulse_schema_version").execute()
      .map(rows -> rows.iterator().next().getInteger(0));
  }

  /**
   * Batches are written in parallel across lanes and, within a lane, one statement after the other in the order
   * they were handed in: any number of batches may be in flight without reordering the writes of one row.
   */
  @Override
  public int maxInFlight() {
    return batchesInFlight;
  }

  @Override
  public Future<Void> write(List<Stored> batch) {
    return queue(batch);
  }

  /** A result's primary key, to keep only the last of a lane's duplicates (an upsert may touch a row once). */
  private record Key(String series, long resolution, long start) {
  }

  /** Splits a batch into its write lanes and queues each part behind the lane's previous one. */
  private Future<Void> queue(List<Stored> batch) {
    long now = clock.getAsLong();
    List<List<Stored>> lanes = new ArrayList<>(writeLanes);
    for (int l = 0; l < writeLanes; l++) {
      lanes.add(new ArrayList<>(batch.size() / writeLanes + 1));
    }
    int rows = 0;
    Set<String> neededPartitions = new TreeSet<>();
    Set<String> newSeries = new TreeSet<>();
    // a batch holds few (resolution, day) pairs: retention and partition are decided once per run of the same pair
    long pairRes = Long.MIN_VALUE;
    long pairDay = Long.MIN_VALUE;
    boolean expired = false;
    for (Stored r : batch) {
      String s = r.result().series();
      long res = r.result().resolution();
      long start = r.result().start();
      long day = Math.floorDiv(start, DAY_MS);
      if (res != pairRes || day != pairDay) {
        pairRes = res;
        pairDay = day;
        expired = (day + 1) * DAY_MS <= now - retention.keepMs(res);
        String dp = "r" + res + "_d" + dayName(day);
        if (!expired && !partitions.contains(dp)) {
          neededPartitions.add(dp);
        }
      }
      if (expired) {
        continue; // older than its retention: its partition is (or will be) dropped
      }
      lanes.get(lane(s)).add(r);
      rows++;
      if (!knownSeries.contains(s)) {
        newSeries.add(s);
      }
    }
    if (rows == 0) {
      return Future.succeededFuture();
    }
    // the schema, the batch's partitions and its new series are in place before any of its rows is written
    Future<Void> prepared = ready()
      .compose(v -> createPartitions(neededPartitions))
      .compose(v -> newSeries.isEmpty() ? Future.succeededFuture() : pool
        .preparedQuery("INSERT INTO pulse_series (series) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(newSeries.toArray(String[]::new)))
        .<Void>mapEmpty()
        .onSuccess(x -> knownSeries.addAll(newSeries)));
    // each lane's part is queued behind the lane's previous part now, in the order batches are handed in, whatever
    // the preparation above takes: a series always takes the same lane, so a rewrite of a row never overtakes the
    // earlier write of that row, while the lanes (and the batches in flight) overlap
    List<Future<?>> written = new ArrayList<>(writeLanes);
    for (int l = 0; l < writeLanes; l++) {
      if (lanes.get(l).isEmpty()) {
        continue;
      }
      List<Stored> laneRows = lanes.get(l);
      Tuple columns = columns(laneRows);
      int lane = l;
      Future<Void> part = settled(laneTails[l])
        .compose(v -> prepared)
        .compose(v -> insert(lane, laneRows, columns));
      laneTails[l] = part;
      written.add(part);
    }
    return Future.join(written).mapEmpty();
  }

  /**
   * Writes one lane's rows: a plain insert, and the upsert when a row is already stored (the insert is then undone
   * whole). New windows are by far the common case, and a plain insert costs PostgreSQL about a third less than the
   * upsert's speculative insertion (measured in psql: 100,000 rows in 0.6-1.1 s against 1.0-1.6 s).
   */
  private Future<Void> insert(int lane, List<Stored> rows, Tuple columns) {
    if (upsertsLeft[lane] > 0) {
      upsertsLeft[lane]--;
      return upsert(rows);
    }
    return pool.preparedQuery(INSERT).execute(columns).<Void>mapEmpty().recover(err -> {
      if (!(err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState()))) {
        return Future.failedFuture(err);
      }
      upsertsLeft[lane] = UPSERTS_AFTER_CONFLICT;
      return upsert(rows);
    });
  }

  /** The upsert of rows, the last of a key's duplicates only (one statement may touch a row once). */
  private Future<Void> upsert(List<Stored> rows) {
    Map<Key, Stored> byKey = new LinkedHashMap<>(rows.size() * 2);
    for (Stored r : rows) {
      byKey.put(new Key(r.result().series(), r.result().resolution(), r.result().start()), r);
    }
    return pool.preparedQuery(UPSERT).execute(columns(byKey.values())).mapEmpty();
  }

  /** The write lane of a series: always the same one. */
  private int lane(String series) {
    return Math.floorMod(series.hashCode(), writeLanes);
  }

  /**
   * Completes when the lane's previous part has an answer, success or failure (the writer sends a failed batch
   * again, with every batch after it, in order). A statement left unanswered (a connection that hangs without being
   * closed) holds its lane for {@link StoreWriter#WRITE_TIMEOUT_MS} at most, as long as the writer waits for it.
   */
  private Future<Void> settled(Future<Void> previous) {
    if (previous.isComplete()) {
      return Future.succeededFuture();
    }
    Promise<Void> settled = Promise.promise();
    long timer = vertx.setTimer(StoreWriter.WRITE_TIMEOUT_MS, id -> settled.tryComplete());
    previous.onComplete(ar -> {
      vertx.cancelTimer(timer);
      settled.tryComplete();
    });
    return settled.future();
  }

  /** The UNNEST arrays of one statement. */
  private static Tuple columns(Collection<Stored> rows) {
    int n = rows.size();
    String[] series = new String[n];
    Long[] res = new Long[n];
    Long[] start = new Long[n];
    Long[] count = new Long[n];
    Double[] sum = new Double[n];
    Double[] min = new Double[n];
    Double[] max = new Double[n];
    Double[] first = new Double[n];
    Double[] last = new Double[n];
    Double[] volume = new Double[n];
    String[] json = new String[n];
    int i = 0;
    for (Stored stored : rows) {
      WindowResult r = stored.result();
      series[i] = r.series();
      res[i] = r.resolution();
      start[i] = r.start();
      count[i] = r.count();
      sum[i] = r.sum();
      min[i] = r.min();
      max[i] = r.max();
      first[i] = r.first();
      last[i] = r.last();
      volume[i] = r.volume() > 0 ? r.volume() : null; // as in the JSON: no volume, no field
      json[i] = stored.json();
      i++;
    }
    return Tuple.tuple().addArrayOfString(series).addArrayOfLong(res).addArrayOfLong(start)
      .addArrayOfLong(count).addArrayOfDouble(sum).addArrayOfDouble(min).addArrayOfDouble(max)
      .addArrayOfDouble(first).addArrayOfDouble(last).addArrayOfDouble(volume).addArrayOfString(json);
  }

  /** Creates day partitions ("r1000_d20261115") and their resolution parents, in one transaction under a lock. */
  private Future<Void> createPartitions(Set<String> dayPartitions) {
    if (dayPartitions.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> ddl = new ArrayList<>();
    Set<String> parents = new TreeSet<>();
    for (String dp : dayPartitions) {
      Matcher m = PARTITION.matcher("pulse_results_" + dp);
      if (!m.matches()) {
        throw new IllegalStateException("bad partition name " + dp);
      }
      long res = Long.parseLong(m.group(1));
      LocalDate day = LocalDate.parse(m.group(2), DAY);
      if (parents.add("r" + res) && !partitions.contains("r" + res)) {
        ddl.add("CREATE TABLE IF NOT EXISTS pulse_results_r" + res + " PARTITION OF pulse_results FOR VALUES IN ("
          + res + ") PARTITION BY RANGE (window_start)");
      }
      ddl.add("CREATE TABLE IF NOT EXISTS pulse_results_" + dp + " PARTITION OF pulse_results_r" + res
        + " FOR VALUES FROM ('" + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')");
    }
    return pool.withTransaction(conn -> {
      Future<?> chain = conn.query("SELECT pg_advisory_xact_lock(hashtext('pulse.partitions'))").execute();
      for (String sql : ddl) {
        chain = chain.compose(v -> conn.query(sql).execute());
      }
      return chain.mapEmpty();
    }).onSuccess(v -> {
      partitions.addAll(parents);
      partitions.addAll(dayPartitions);
    }).mapEmpty();
  }

  /**
   * Creates the day partitions of the next {@link #DAYS_AHEAD} days for every resolution seen, and drops those older
   * than their resolution's retention. Returns the dropped tables' names.
   */
  Future<List<String>> maintain(long now) {
    return pool.query(PARTITIONS).execute().compose(rows -> {
      Set<Long> resolutions = new TreeSet<>();
      List<String> expired = new ArrayList<>();
      long today = Math.floorDiv(now, DAY_MS);
      for (Row row : rows) {
        Matcher m = PARTITION.matcher(row.getString(0));
        if (!m.matches()) {
          continue;
        }
        long res = Long.parseLong(m.group(1));
        resolutions.add(res);
        if (m.group(2) != null) {
          long day = LocalDate.parse(m.group(2), DAY).toEpochDay();
          if ((day + 1) * DAY_MS <= now - retention.keepMs(res)) {
            expired.add(row.getString(0));
          } else {
            partitions.add("r" + res + "_d" + m.group(2));
          }
        } else {
          partitions.add("r" + res);
        }
      }
      Set<String> ahead = new TreeSet<>();
      for (long res : resolutions) {
        for (int d = 0; d <= DAYS_AHEAD; d++) {
          String dp = "r" + res + "_d" + dayName(today + d);
          if (!partitions.contains(dp)) {
            ahead.add(dp);
          }
        }
      }
      Future<Void> chain = createPartitions(ahead);
      for (String table : expired) {
        chain = chain.compose(v -> pool.query("DROP TABLE IF EXISTS " + table).execute()).map(v -> {
          LOG.info("PostgreSQL {}: dropped partition {}, older than its retention", where, table);
          return null;
        });
      }
      return chain.map(v -> expired);
    });
  }

  private Future<Void> maintain() {
    return maintain(clock.getAsLong()).mapEmpty();
  }

  /** Forgets which partitions exist (after DDL outside this store, as in tests). */
  void forgetPartitions() {
    partitions.clear();
  }

  static String dayName(long epochDay) {
    return DAY.format(LocalDate.ofEpochDay(epochDay));
  }

  @Override
  public Future<Slice> range(String series, long resolution, long from, long to, int limit) {
    long f = clamp(from);
    long t = clamp(to);
    return ready().compose(v -> pool.preparedQuery(RANGE).execute(Tuple.of(series, resolution, f, t, limit)))
      .map(rows -> {
        List<ResultStore.Raw> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
          // text since schema step 2; a JsonObject only if a step-1 (jsonb) table is read
          Object value = row.getValue(0);
          out.add(new ResultStore.Raw(row.getLong(1), value instanceof JsonObject j ? j.encode() : String.valueOf(value)));
        }
        return new Slice(out, Long.MIN_VALUE);
      });
  }

  private static long clamp(long ms) {
    return Math.max(0, Math.min(MAX_MS, ms));
  }

  @Override
  public Future<Set<String>> seriesNames() {
    return ready().compose(v -> pool.query("SELECT series FROM pulse_series").execute()).map(rows -> {
      Set<String> out = new TreeSet<>();
      rows.forEach(row -> out.add(row.getString(0)));
      return out;
    });
  }

  /** Drops every Pulse table (tests only). */
  Future<Void> dropAll() {
    migrated = null;
    partitions.clear();
    knownSeries.clear();
    return pool.query("DROP TABLE IF EXISTS pulse_results, pulse_series, pulse_schema_version CASCADE").execute().mapEmpty();
  }

  /** Any query on the pool (tests and benchmarks). */
  Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
