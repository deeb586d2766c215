package io.pulse.persist;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL started by the node when none is configured, its data kept under the node's data directory
 * across restarts. Starting takes a second or two (more the first time, when the binaries are unpacked).
 */
final class EmbeddedPg {

  private final Vertx vertx;
  private final EmbeddedPostgres server;
  private final Path dataDir;

  private EmbeddedPg(Vertx vertx, EmbeddedPostgres server, Path dataDir) {
    this.vertx = vertx;
    this.server = server;
    this.dataDir = dataDir;
  }

  /** Starts (or restarts on existing data) a server in {@code dataDir}, off the event loop. */
  static Future<EmbeddedPg> start(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(dataDir);
      EmbeddedPostgres server = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        // the node stops it after the writers drained (on SIGTERM too); its own hook would race with them
        .setRegisterShutdownHook(false)
        .start();
      return new EmbeddedPg(vertx, server, dataDir);
    }, false);
  }

  PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost("localhost").setPort(server.getPort()).setUser("postgres")
      .setDatabase("postgres");
  }

  Path dataDir() {
    return dataDir;
  }

  int port() {
    return server.getPort();
  }

  Future<Void> close() {
    return vertx.executeBlocking(() -> {
      server.close();
      return null;
    }, false);
  }
}
