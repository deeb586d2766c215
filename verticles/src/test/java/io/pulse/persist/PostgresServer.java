package io.pulse.persist;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops and starts the machine's real PostgreSQL cluster (Debian {@code pg_ctlcluster}, as root) for the outage test
 * run with {@code -Dpulse.outage=server}. Other tests using the server at that moment fail: run it alone.
 */
final class PostgresServer {

  private PostgresServer() {
  }

  static void stop() {
    run("stop", "-m", "fast");
  }

  static void start() {
    run("start");
  }

  private static void run(String action, String... extra) {
    String[] versions = new File("/etc/postgresql").list();
    if (versions == null || versions.length == 0) {
      throw new AssertionError("-Dpulse.outage=server needs a Debian PostgreSQL cluster (pg_ctlcluster); none found");
    }
    List<String> cmd = new java.util.ArrayList<>(List.of("pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", action));
    cmd.addAll(List.of(extra));
    try {
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      // pg_ctlcluster exits 2 when the cluster already is in the wanted state
      if (!p.waitFor(60, TimeUnit.SECONDS) || (p.exitValue() != 0 && p.exitValue() != 2)) {
        throw new AssertionError(String.join(" ", cmd) + " failed (run as root)");
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(String.join(" ", cmd) + " could not run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
