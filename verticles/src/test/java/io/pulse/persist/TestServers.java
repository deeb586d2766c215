package io.pulse.persist;

import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;

import java.util.UUID;

/**
 * The real PostgreSQL and Redis the persistence tests use (127.0.0.1:5432 trust auth, user postgres, database test;
 * 127.0.0.1:6379). A missing server fails the test with what to start; each test class works in a fresh database.
 */
public final class TestServers {

  static final String PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test";
  static final String REDIS_URL = "redis://127.0.0.1:6379";

  private TestServers() {
  }

  /** Creates an empty database and returns its URL. */
  public static String freshDatabase(Vertx vertx) {
    String name = "pulse_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Pool admin = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(PG_ADMIN_URL)).using(vertx).build();
    try {
      TestNodes.await(admin.query("CREATE DATABASE " + name).execute()
        .recover(err -> io.vertx.core.Future.failedFuture(new AssertionError("PostgreSQL is not reachable at "
          + PG_ADMIN_URL + " (" + err.getMessage() + "): start it (.ci/run does, or as root: pg_ctlcluster 15 main "
          + "start), with trust auth for user postgres and a database 'test'", err))), 30);
    } finally {
      admin.close();
    }
    return "postgresql://postgres@127.0.0.1:5432/" + name;
  }

  public static void dropDatabase(Vertx vertx, String url) {
    String name = url.substring(url.lastIndexOf('/') + 1);
    Pool admin = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(PG_ADMIN_URL)).using(vertx).build();
    try {
      TestNodes.await(admin.query("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").execute(), 30);
    } finally {
      admin.close();
    }
  }

  static void requireRedis(Vertx vertx) {
    Redis redis = Redis.createClient(vertx, REDIS_URL);
    try {
      TestNodes.await(redis.send(Request.cmd(Command.PING))
        .recover(err -> io.vertx.core.Future.failedFuture(new AssertionError("Redis is not reachable at " + REDIS_URL
          + " (" + err.getMessage() + "): start it (.ci/run does, or: redis-server --daemonize yes --bind 127.0.0.1)",
          err))), 10);
    } finally {
      redis.close();
    }
  }
}
