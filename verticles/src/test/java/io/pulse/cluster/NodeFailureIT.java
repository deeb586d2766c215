package io.pulse.cluster;

import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three node processes from the fat jar on loopback, under the simulator's steady load; each is killed with
 * SIGKILL in turn and started again. Measures how long the survivors take to notice, how long until results flow
 * again, and which 1-second windows subscribers on surviving gateways never received.
 */
class NodeFailureIT {

  private static final Path JAR = Path.of(System.getProperty("pulse.jar", "target/pulse.jar"));
  private static final String[] ROLES = {"aggregate,persist,gateway", "ingest,aggregate,gateway", "ingest,persist,gateway"};
  private static final List<String> SERIES = List.of("trade.BTCUSDT", "trade.ETHUSDT");

  private final Process[] nodes = new Process[3];
  private final int[] clusterPorts = IntStream.range(0, 3).map(i -> TestNodes.freePort()).toArray();
  private final int[] httpPorts = IntStream.range(0, 3).map(i -> TestNodes.freePort()).toArray();
  private final int[] healthPorts = IntStream.range(0, 3).map(i -> TestNodes.freePort()).toArray();
  // a cluster of its own: nodes of other test runs on this machine must not join it
  private final String clusterName = "pulse-it-" + java.util.UUID.randomUUID();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private final StringBuilder report = new StringBuilder();

  @AfterEach
  void killAll() throws IOException {
    for (Process p : nodes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/node-failure-report.txt"), report.toString());
  }

  @Test
  @DisplayName("kill -9 of a node with each role: survivors notice, keep publishing to subscribers on surviving gateways, "
    + "lose at most the windows the README promises, and the killed node rejoins")
  void killEachNodeInTurn() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes[i] = start(i);
      if (i == 0) {
        waitReady(0);
      }
    }
    waitReady(1);
    waitReady(2);
    waitMembers(0, 3, 60_000);

    for (int victim : new int[]{1, 2, 0}) {
      int watcher = victim == 0 ? 2 : 0;
      Subscriber subscriber = new Subscriber(httpPorts[watcher]);
      subscriber.start();
      TestNodes.waitUntil("the subscriber on node " + watcher + " receives final results", 60_000,
        () -> subscriber.finals.values().stream().mapToInt(TreeSet::size).sum() >= 6);
      Thread.sleep(3000);

      long killedAt = System.currentTimeMillis();
      nodes[victim].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      waitMembers(watcher, 2, 60_000);
      long detectedAt = System.currentTimeMillis();
      TestNodes.waitUntil("results for windows after the kill reach the subscriber", 60_000,
        () -> SERIES.stream().allMatch(s -> subscriber.hasFinalAfter(s, killedAt + 1000)));
      long recoveredAt = System.currentTimeMillis();

      subscriber.stop();
      long restartAt = System.currentTimeMillis();
      nodes[victim] = start(victim);
      waitMembers(watcher, 3, 90_000);
      waitReady(victim);
      long rejoinedAt = System.currentTimeMillis();
      // a joining aggregate node takes over partitions (see the README); let that settle before the next kill
      Thread.sleep(6000);

      Map<String, List<Long>> missing = subscriber.missingWindows();
      long lost = missing.values().stream().mapToLong(List::size).sum();
      String line = String.format("killed node %d (%s): detected after %d ms, results flowing again after %d ms, "
          + "back and ready %d ms after its restart; 1-s windows missing at the subscriber on node %d: %d %s",
        victim, ROLES[victim], detectedAt - killedAt, recoveredAt - killedAt, rejoinedAt - restartAt, watcher, lost,
        missing);
      System.out.println(line);
      report.append(line).append('\n');
      boolean aggregateKilled = ROLES[victim].contains("aggregate");
      // README: a dead aggregate node loses its open windows until its partitions move (detection + ownership
      // refresh, a few seconds); an ingest, persist or gateway node's death loses no window result.
      long allowedPerSeries = aggregateKilled ? (detectedAt - killedAt) / 1000 + 6 : 0;
      missing.forEach((series, windows) -> assertThat((long) windows.size()).as("windows of %s missing after killing node %d",
        series, victim).isLessThanOrEqualTo(allowedPerSeries));
    }
  }

  private Process start(int i) throws IOException {
    String members = IntStream.of(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "--node.id=n" + i, "--node.roles=" + ROLES[i],
      "--cluster.enabled=true", "--cluster.name=" + clusterName, "--cluster.port=" + clusterPorts[i], "--cluster.members=" + members,
      "--http.port=" + httpPorts[i], "--node.health-port=" + healthPorts[i], "--node.drain-ms=0",
      "--simulator.rate=400", "--persist.pg.enabled=false", "--simulator.symbols=BTCUSDT,ETHUSDT", "--simulator.services=checkout"));
    Path log = Path.of("target/node-failure-n" + i + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  private void waitReady(int i) {
    TestNodes.waitUntil("node " + i + " is ready", 90_000, () -> status(healthPorts[i], "/ready") == 200);
  }

  private void waitMembers(int i, int count, long timeoutMs) {
    TestNodes.waitUntil("node " + i + " sees " + count + " cluster members", timeoutMs, () -> {
      JsonObject s = json(httpPorts[i], "/api/status");
      return s != null && s.getJsonArray("members").size() == count;
    });
  }

  private int status(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private JsonObject json(int port, String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** An SSE client of one gateway, keeping the window starts of final 1-second results per series. */
  private final class Subscriber {
    final Map<String, TreeSet<Long>> finals = new ConcurrentHashMap<>();
    private final int port;
    private volatile boolean running = true;
    private Thread thread;

    Subscriber(int port) {
      this.port = port;
    }

    void start() {
      thread = new Thread(() -> {
        try {
          HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stream?series=trade.*")).build();
          http.send(req, HttpResponse.BodyHandlers.ofLines()).body().takeWhile(l -> running).forEach(line -> {
            if (line.startsWith("data: ")) {
              JsonObject r = new JsonObject(line.substring(6));
              if (r.getBoolean("final", false) && r.getLong("resolution") == 1000 && !r.getBoolean("correction", false)) {
                finals.computeIfAbsent(r.getString("series"), k -> new TreeSet<>()).add(r.getLong("start"));
              }
            }
          });
        } catch (Exception e) {
          // the stream ends when the gateway stops or the test ends
        }
      }, "sse-subscriber-" + port);
      thread.setDaemon(true);
      thread.start();
    }

    boolean hasFinalAfter(String series, long time) {
      TreeSet<Long> starts = finals.get(series);
      return starts != null && starts.ceiling(time) != null;
    }

    void stop() {
      running = false;
    }

    /** Windows between the first and last received that never arrived, per series. */
    Map<String, List<Long>> missingWindows() {
      Map<String, List<Long>> out = new TreeMap<>();
      finals.forEach((series, starts) -> {
        List<Long> gaps = new ArrayList<>();
        for (long t = starts.first(); t < starts.last(); t += 1000) {
          if (!starts.contains(t)) {
            gaps.add(t);
          }
        }
        out.put(series, gaps);
      });
      return out;
    }
  }
}
