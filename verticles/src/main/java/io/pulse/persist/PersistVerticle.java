package io.pulse.persist;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.HistoryQuery;
import io.pulse.model.ResultBatch;
import io.pulse.model.ResultRing;
import io.pulse.model.RoleStats;
import io.pulse.model.WindowResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.pgclient.PgConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.pulse.model.ConfigKeys.*;

/**
 * The persist role: keeps every final window result, taken in batches from {@link Addresses#FINAL_RESULTS}, in three
 * tiers (an in-memory ring per series and resolution, Redis for the last hour, PostgreSQL for the retention period)
 * and answers history and series queries over the event bus. Writes to each durable tier go through a {@link StoreWriter}, so an outage buffers instead of losing.
 */
public final class PersistVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PersistVerticle.class);
  private static final long MAINTENANCE_MS = 3_600_000;
  private static final long STOP_GRACE_MS = 5_000;

  private final Map<String, Map<Long, ResultRing>> rings = new HashMap<>();
  private final List<Long> timers = new ArrayList<>();
  private int ringSize;
  private long defaultResolution;
  private RoleStats stats;
  private final List<StoreWriteTimer> writeTimers = new ArrayList<>();
  private QueryService queries;
  private Path dataDir;
  private FileChannel lockChannel;
  private StoreWriter pgWriter;
  private StoreWriter redisWriter;
  private PgStore pgStore;
  private RedisStore redisStore;
  private EmbeddedPg embedded;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    ringSize = PERSIST_RING_SIZE.intIn(conf);
    defaultResolution = AGGREGATE_RESOLUTIONS.longListIn(conf).stream().min(Long::compare).orElse(1000L);
    Retention retention;
    PgConnectOptions external = null;
    try {
      retention = Retention.parse(PERSIST_RETENTION.listIn(conf));
      String url = PERSIST_PG_URL.stringIn(conf);
      if (PERSIST_PG_ENABLED.booleanIn(conf) && !url.isBlank()) {
        external = PgConnectOptions.fromUri(url);
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(PERSIST_PG_URL.name() + " / " + PERSIST_RETENTION.name() + ": " + e.getMessage());
    }
    stats = new RoleStats(NODE_ID.stringIn(conf), "persist");
    timers.add(stats.publishEverySecond(vertx));
    queries = new QueryService(rings, name -> switch (name) {
      case "postgres" -> pgWriter == null ? null : new QueryService.Tier(pgStore, pgWriter);
      case "redis" -> redisWriter == null ? null : new QueryService.Tier(redisStore, redisWriter);
      default -> null;
    });
    Codecs.register(vertx.eventBus());
    // final results only, hundreds per message: the per-result stream on RESULTS (provisional ones included) is for
    // the gateway and bridges
    MessageConsumer<Object> results = vertx.eventBus().consumer(Addresses.FINAL_RESULTS, this::store);
    MessageConsumer<JsonObject> history = vertx.eventBus().consumer(Addresses.HISTORY_QUERY, this::query);
    MessageConsumer<Object> series = vertx.eventBus().consumer(Addresses.SERIES_QUERY, this::series);
    PgConnectOptions externalPg = external;
    Future<Void> writers = lockDataDir(Path.of(PERSIST_DATA_DIR.stringIn(conf)), NODE_ID.stringIn(conf))
      .compose(v -> startWriters(conf, retention, externalPg));
    return Future.all(results.completion(), history.completion(), series.completion(), writers);
  }

  /**
   * Takes the data directory for this node; when another node in this process or on this machine holds it, uses a
   * sub-directory named after this node, so two nodes never share a journal or an embedded database.
   */
  private Future<Void> lockDataDir(Path configured, String nodeId) {
    return vertx.executeBlocking(() -> {
      Path dir = configured;
      for (int attempt = 0; attempt < 2; attempt++) {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve("persist.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
        if (lock != null) {
          lockChannel = channel;
          dataDir = dir;
          return null;
        }
        channel.close();
        LOG.info("data directory {} is used by another node; this node uses {}", dir, dir.resolve(nodeId));
        dir = dir.resolve(nodeId);
      }
      throw new IOException("cannot lock a data directory under " + configured);
    });
  }

  private StoreWriteTimer writeTimer(JsonObject conf, String store) {
    StoreWriteTimer timer = new StoreWriteTimer(BackendRegistries.getDefaultNow(), NODE_ID.stringIn(conf), store);
    writeTimers.add(timer);
    return timer;
  }

  private Future<Void> startWriters(JsonObject conf, Retention retention, PgConnectOptions externalPg) {
    int batchSize = PERSIST_BATCH_SIZE.intIn(conf);
    int bufferMax = PERSIST_BUFFER_MAX.intIn(conf);
    long retryMax = PERSIST_RETRY_MAX_MS.longIn(conf);
    long flushMs = PERSIST_FLUSH_MS.longIn(conf);
    List<Future<Void>> started = new ArrayList<>();
    String redisUrl = PERSIST_REDIS_URL.stringIn(conf);
    if (!redisUrl.isBlank()) {
      redisWriter = new StoreWriter(vertx, "redis", new Journal(dataDir.resolve("journal").resolve("redis.journal")),
        batchSize, bufferMax, retryMax, stats, writeTimer(conf, "redis"));
      redisStore = new RedisStore(vertx, redisUrl, PERSIST_REDIS_HOT_MS.longIn(conf));
      started.add(redisWriter.start(flushMs).onSuccess(v -> redisWriter.attach(redisStore)));
    }
    if (PERSIST_PG_ENABLED.booleanIn(conf)) {
      pgWriter = new StoreWriter(vertx, "postgres", new Journal(dataDir.resolve("journal").resolve("postgres.journal")),
        batchSize, bufferMax, retryMax, stats, writeTimer(conf, "postgres"));
      started.add(pgWriter.start(flushMs).onSuccess(v -> connectPg(conf, retention, externalPg)));
    } else {
      stats.set("postgres.off", 1);
      LOG.info("PostgreSQL is off ({}=false): history beyond the ring{} is not kept", PERSIST_PG_ENABLED.name(),
        redisWriter == null ? "" : " and Redis");
    }
    return Future.all(started).mapEmpty();
  }

  /** Connects the configured PostgreSQL, or starts an embedded one; the node is ready before either answers. */
  private void connectPg(JsonObject conf, Retention retention, PgConnectOptions external) {
    int poolSize = PERSIST_PG_POOL_SIZE.intIn(conf);
    int inFlight = PERSIST_PG_IN_FLIGHT.intIn(conf);
    if (external != null) {
      attachPg(new PgStore(vertx, external, poolSize, inFlight, retention, System::currentTimeMillis));
      return;
    }
    Path pgDir = dataDir.resolve("pg");
    LOG.info("no {} set: starting an embedded PostgreSQL with its data in {}", PERSIST_PG_URL.name(), pgDir);
    EmbeddedPg.start(vertx, pgDir).onComplete(ar -> {
      if (ar.failed()) {
        stats.set("postgres.memoryOnly", 1);
        LOG.warn("the embedded PostgreSQL did not start ({}): history runs on memory and the journal {} only, "
            + "nothing older than the ring can be queried; set {} to a PostgreSQL server to keep history",
          ar.cause().toString(), dataDir.resolve("journal"), PERSIST_PG_URL.name());
        return;
      }
      embedded = ar.result();
      stats.set("postgres.embedded", 1);
      LOG.info("embedded PostgreSQL ready on localhost:{}, data in {}", embedded.port(), embedded.dataDir());
      attachPg(new PgStore(vertx, embedded.connectOptions(), poolSize, inFlight, retention, System::currentTimeMillis));
    });
  }

  private void attachPg(PgStore store) {
    pgStore = store;
    store.ready()
      .onSuccess(v -> LOG.info("PostgreSQL {} ready: schema current, partitions made ahead", store.where()))
      .onFailure(err -> LOG.warn("PostgreSQL {} not ready yet ({}); results are buffered and the schema is tried "
        + "again with the next write", store.where(), err.getMessage()));
    pgWriter.attach(store);
    timers.add(vertx.setPeriodic(MAINTENANCE_MS, id -> store.maintain(System.currentTimeMillis())
      .onFailure(err -> LOG.warn("PostgreSQL {}: partition maintenance failed: {}", store.where(), err.getMessage()))));
  }

  private void store(Message<Object> message) {
    if (!(message.body() instanceof ResultBatch batch)) {
      stats.increment("resultsRejected");
      LOG.warn("a message on {} that is not a result batch was ignored", Addresses.FINAL_RESULTS);
      return;
    }
    long stored = 0;
    for (WindowResult r : batch.results()) {
      if (!r.isFinal() || r.series() == null) {
        stats.increment("resultsRejected");
        continue;
      }
      Stored result = Stored.of(r); // encoded once, for every tier
      rings.computeIfAbsent(r.series(), k -> new TreeMap<>())
        .computeIfAbsent(r.resolution(), k -> new ResultRing(ringSize)).put(r.start(), result.json());
      if (pgWriter != null) {
        pgWriter.offer(result);
      }
      if (redisWriter != null) {
        redisWriter.offer(result);
      }
      stored++;
    }
    stats.add("resultsStored", stored);
  }

  private void query(Message<JsonObject> message) {
    HistoryQuery q;
    try {
      JsonObject body = message.body();
      long finest = body == null || !(body.getValue("series") instanceof String s) ? 0 : queries.finestResolution(s);
      q = HistoryQuery.parse(body, finest > 0 ? finest : defaultResolution);
    } catch (HistoryQuery.BadQuery | ClassCastException e) {
      stats.increment("queriesRejected");
      message.fail(400, e.getMessage());
      return;
    }
    stats.increment("queries");
    boolean encoded = "true".equals(message.headers().get(Addresses.REPLY_ENCODED));
    queries.answer(q).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(encoded ? ar.result().toBuffer() : ar.result().toJson());
      } else {
        LOG.warn("history query {} failed: {}", q, ar.cause().toString());
        message.fail(500, "history query failed: " + ar.cause().getMessage());
      }
    });
  }

  private void series(Message<Object> message) {
    queries.seriesNames().onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        message.fail(500, "series query failed: " + ar.cause().getMessage());
      }
    });
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    List<Future<?>> writers = new ArrayList<>();
    if (pgWriter != null) {
      writers.add(pgWriter.stop(STOP_GRACE_MS));
    }
    if (redisWriter != null) {
      writers.add(redisWriter.stop(STOP_GRACE_MS));
    }
    return Future.join(writers)
      .eventually(() -> pgStore == null ? Future.succeededFuture() : pgStore.close())
      .eventually(() -> redisStore == null ? Future.succeededFuture() : redisStore.close())
      .eventually(() -> embedded == null ? Future.succeededFuture() : embedded.close())
      .eventually(() -> {
        writeTimers.forEach(StoreWriteTimer::close);
        return Future.succeededFuture();
      })
      .eventually(() -> vertx.executeBlocking(() -> {
        if (lockChannel != null) {
          lockChannel.close();
        }
        return null;
      }));
  }
}
