package io.pulse.cluster;

import io.pulse.node.TestNodes;
import io.pulse.persist.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rolling replacement under load, the way Kubernetes rolls a Deployment with {@code maxSurge: 1,
 * maxUnavailable: 0}: three node processes from the fat jar on loopback, every one with every role (ingest with the
 * simulator, aggregate, persist to a fresh PostgreSQL database, gateway), and one SSE subscriber per gateway. Each
 * old node in turn gets a replacement (a new process on its own ports), which must be ready and seen by the
 * gateways before the old one is stopped gracefully (SIGTERM: drain). A subscriber told to reconnect
 * ({@code event: reconnect}) goes to the first gateway the notice names: the youngest, which is not replaced again.
 *
 * <p>Checks: every final 1-second result of the watched series from before the first replacement to after the last
 * reached the subscribers (together) and the persisted history, none twice at any subscriber, and every subscriber
 * reconnected exactly once over the whole roll (its gateway was replaced), because it was told to, at the first
 * attempt, to the first gateway named: the replacement of the node it was on.
 */
class RollingRestartIT {

  private static final Path JAR = Path.of(System.getProperty("pulse.jar", "target/pulse.jar"));
  private static final String ROLES = "ingest,aggregate,persist,gateway";
  private static final List<String> SERIES = List.of("trade.BTCUSDT", "trade.ETHUSDT");
  private static final int NODES = 3;
  /** node i (0..2) is replaced by node i + NODES, on ports of its own */
  private static final int SLOTS = 2 * NODES;

  private final Process[] nodes = new Process[SLOTS];
  private final int[] clusterPorts = IntStream.range(0, SLOTS).map(i -> TestNodes.freePort()).toArray();
  private final int[] httpPorts = IntStream.range(0, SLOTS).map(i -> TestNodes.freePort()).toArray();
  private final int[] healthPorts = IntStream.range(0, SLOTS).map(i -> TestNodes.freePort()).toArray();
  private final int[] ingestPorts = IntStream.range(0, SLOTS).map(i -> TestNodes.freePort()).toArray();
  // a cluster of its own: nodes of other test runs on this machine must not join it
  private final String clusterName = "pulse-it-" + java.util.UUID.randomUUID();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();
  private final StringBuilder report = new StringBuilder();
  private final Vertx vertx = Vertx.vertx();
  private String pgUrl;

  @AfterEach
  void stopAll() throws IOException {
    for (Process p : nodes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/rolling-restart-report.txt"), report.toString());
    if (pgUrl != null) {
      TestServers.dropDatabase(vertx, pgUrl);
    }
    vertx.close();
  }

  @Test
  @DisplayName("a rolling replacement of every node under load (the new node ready before the old one drains) loses "
    + "no final result, publishes none twice, and costs each stream client one reconnect, to the gateway it was sent to")
  void replaceEveryNodeInTurn() throws Exception {
    pgUrl = TestServers.freshDatabase(vertx);
    nodes[0] = start(0);
    waitReady(0); // the first node creates the tables alone
    for (int i = 1; i < NODES; i++) {
      nodes[i] = start(i);
    }
    for (int i = 1; i < NODES; i++) {
      waitReady(i);
    }
    waitMembers(0, NODES);
    Thread.sleep(6000); // the aggregate partitions settle over the three nodes

    List<Subscriber> subscribers = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      Subscriber s = new Subscriber("sub" + i, url(i));
      s.start();
      subscribers.add(s);
    }
    TestNodes.waitUntil("every subscriber receives final results", 60_000,
      () -> subscribers.stream().allMatch(s -> s.finalsReceived() >= 4));
    // the measured span starts at the first whole window after every subscriber listens
    long from = (System.currentTimeMillis() / 1000 + 2) * 1000;
    Thread.sleep(3000);

    for (int i = 0; i < NODES; i++) {
      int old = i;
      int fresh = i + NODES;
      long startAt = System.currentTimeMillis();
      nodes[fresh] = start(fresh);
      waitReady(fresh);
      long readyAt = System.currentTimeMillis();
      waitMembers(fresh, NODES + 1);
      // the old gateway must know the new one is ready, or it could not send its clients there
      TestNodes.waitUntil("node " + old + " sees the gateway of node " + fresh + " ready", 30_000,
        () -> readyGateways(old).contains(url(fresh)));
      long seenAt = System.currentTimeMillis();
      Thread.sleep(5000); // partitions move to the new node (with their open windows)
      long termAt = System.currentTimeMillis();
      nodes[old].destroy(); // SIGTERM: the node drains
      assertThat(nodes[old].waitFor(60, TimeUnit.SECONDS)).as("node %d stops after SIGTERM", old).isTrue();
      long stoppedAt = System.currentTimeMillis();
      int exit = nodes[old].exitValue();
      nodes[old] = null;
      waitMembers(fresh, NODES);
      long membersAt = System.currentTimeMillis();
      String line = String.format("node %d replaced by node %d: ready %d ms after its start, seen ready by node %d %d ms "
          + "later; node %d drained and stopped in %d ms (exit code %d), %d ms from SIGTERM to %d members", old, fresh,
        readyAt - startAt, old, seenAt - readyAt, old, stoppedAt - termAt, exit, membersAt - termAt, NODES);
      System.out.println(line);
      report.append(line).append('\n');
      Thread.sleep(5000); // the partitions of the old node settle on the others
    }
    long to = (System.currentTimeMillis() / 1000 - 3) * 1000; // windows that closed for sure
    Thread.sleep(3000);
    subscribers.forEach(Subscriber::stop);

    // expected: every 1-s window of every watched series in [from, to)
    Map<String, List<Long>> missingAtSubscribers = new TreeMap<>();
    Map<String, List<Long>> missingInHistory = new TreeMap<>();
    for (String series : SERIES) {
      Set<Long> seen = new TreeSet<>();
      subscribers.forEach(s -> seen.addAll(s.finals.getOrDefault(series, Map.of()).keySet()));
      Set<Long> stored = history(series, from, to);
      for (long t = from; t < to; t += 1000) {
        if (!seen.contains(t)) {
          missingAtSubscribers.computeIfAbsent(series, k -> new ArrayList<>()).add(t);
        }
        if (!stored.contains(t)) {
          missingInHistory.computeIfAbsent(series, k -> new ArrayList<>()).add(t);
        }
      }
    }
    long windows = SERIES.size() * (to - from) / 1000;
    String summary = String.format("%d windows expected (%d series x %d s); missing at the subscribers together: %s; "
        + "missing in the history: %s", windows, SERIES.size(), (to - from) / 1000, missingAtSubscribers, missingInHistory);
    System.out.println(summary);
    report.append(summary).append('\n');
    for (Subscriber s : subscribers) {
      String line = String.format("%s: %d finals, %d duplicate finals, reconnects %s, failed connection attempts %d, "
          + "windows it missed while reconnecting %d", s.name, s.finalsReceived(), s.duplicates.get(), s.reconnects,
        s.failedAttempts.get(), s.missedOwn(from, to));
      System.out.println(line);
      report.append(line).append('\n');
    }

    assertThat(missingAtSubscribers).as("final results no subscriber received").isEmpty();
    assertThat(missingInHistory).as("final results missing in the persisted history").isEmpty();
    for (int i = 0; i < NODES; i++) {
      Subscriber s = subscribers.get(i);
      assertThat(s.duplicates.get()).as("final results %s received twice", s.name).isZero();
      assertThat(s.failedAttempts.get()).as("failed connection attempts of %s", s.name).isZero();
      assertThat(s.reconnects).as("reconnects of %s over the whole roll", s.name).hasSize(1);
      Reconnect r = s.reconnects.get(0);
      assertThat(r.told()).as("%s was told to reconnect", s.name).isTrue();
      assertThat(r.hint()).as("gateways named to %s", s.name).isNotEmpty();
      assertThat(r.to()).as("%s went to the first gateway named: the replacement of its own", s.name)
        .isEqualTo(r.hint().get(0)).isEqualTo(url(i + NODES));
    }
  }

  private Process start(int i) throws IOException {
    String members = IntStream.of(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>(List.of("java", "-Xmx384m", "-jar", JAR.toString(), "--node.id=n" + i,
      "--node.roles=" + ROLES, "--cluster.enabled=true", "--cluster.name=" + clusterName,
      "--cluster.port=" + clusterPorts[i], "--cluster.members=" + members, "--http.port=" + httpPorts[i],
      "--ingest.http.port=" + ingestPorts[i], "--node.health-port=" + healthPorts[i], "--node.drain-ms=1000",
      "--simulator.rate=300", "--simulator.symbols=BTCUSDT,ETHUSDT", "--simulator.services=checkout",
      "--persist.pg.enabled=true", "--persist.pg.url=" + pgUrl, "--persist.data-dir=target/rolling-restart-data-n" + i,
      // history is asked of the persist role: a gateway's own ring would answer recent ranges without it
      "--gateway.stream-loops=1", "--gateway.history-ring-size=0"));
    Path log = Path.of("target/rolling-restart-n" + i + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
      .start();
  }

  private boolean ready(int i) {
    return status(healthPorts[i], "/ready") == 200;
  }

  private void waitReady(int i) {
    TestNodes.waitUntil("node " + i + " is ready", 90_000, () -> ready(i));
  }

  private void waitMembers(int i, int count) {
    TestNodes.waitUntil("node " + i + " sees " + count + " cluster members", 90_000, () -> {
      JsonObject s = json(httpPorts[i], "/api/status");
      return s != null && s.getJsonArray("members").size() == count;
    });
  }

  /** The URL a gateway advertises by default: http://cluster.host:http.port. */
  private String url(int i) {
    return "http://127.0.0.1:" + httpPorts[i];
  }

  /** The URLs of the gateways node i reports ready in /api/status. */
  private List<String> readyGateways(int i) {
    JsonObject s = json(httpPorts[i], "/api/status");
    List<String> out = new ArrayList<>();
    if (s != null) {
      for (Object n : s.getJsonArray("nodes")) {
        JsonObject gateway = ((JsonObject) n).getJsonObject("gateway");
        if (gateway != null && gateway.getBoolean("ready", false)) {
          out.add(gateway.getString("url"));
        }
      }
    }
    return out;
  }

  /** The window starts of the persisted final 1-second results of a series in [from, to), through a gateway. */
  private Set<Long> history(String series, long from, long to) {
    for (int attempt = 0; attempt < 20; attempt++) {
      for (int i = 0; i < SLOTS; i++) {
        if (nodes[i] == null) {
          continue;
        }
        JsonObject r = json(httpPorts[i], "/api/history?series=" + series + "&resolution=1000&from=" + from + "&to=" + to);
        if (r != null) {
          Set<Long> out = new TreeSet<>();
          JsonArray results = r.getJsonArray("results");
          for (int k = 0; k < results.size(); k++) {
            out.add(results.getJsonObject(k).getLong("start"));
          }
          return out;
        }
      }
      sleep(500);
    }
    throw new AssertionError("no gateway answered a history query for " + series);
  }

  private int status(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private JsonObject json(int port, String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Reconnect(long at, String from, String to, boolean told, List<String> hint) {
  }

  /** How a stream ended: told to reconnect (with the gateways named), or not. */
  private record Ending(boolean told, List<String> gateways) {
  }

  /**
   * An SSE client of the watched series at 1 s that, when its gateway tells it to reconnect, connects to the first
   * gateway the notice names that answers. Keeps each final result's window start per series, with how often it came.
   */
  private final class Subscriber {
    final String name;
    final Map<String, Map<Long, Integer>> finals = new ConcurrentHashMap<>();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger failedAttempts = new AtomicInteger();
    final List<Reconnect> reconnects = new CopyOnWriteArrayList<>();
    private volatile String gateway;
    private volatile boolean running = true;

    Subscriber(String name, String gateway) {
      this.name = name;
      this.gateway = gateway;
    }

    void start() {
      Thread thread = new Thread(this::run, "sse-" + name);
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      running = false;
    }

    int finalsReceived() {
      return finals.values().stream().mapToInt(Map::size).sum();
    }

    /** Windows in [from, to) of the watched series that this subscriber alone never received. */
    long missedOwn(long from, long to) {
      long n = 0;
      for (String series : SERIES) {
        Map<Long, Integer> got = finals.getOrDefault(series, Map.of());
        for (long t = from; t < to; t += 1000) {
          n += got.containsKey(t) ? 0 : 1;
        }
      }
      return n;
    }

    private void run() {
      Ending ending = listen(gateway, () -> { });
      while (running) {
        long leftAt = System.currentTimeMillis();
        String from = gateway;
        Ending told = ending;
        List<String> candidates = new ArrayList<>(told.gateways());
        if (candidates.isEmpty()) {
          candidates.add(from); // no hint: the origin again (behind a load balancer, another gateway)
        }
        Ending next = null;
        for (String candidate : candidates) {
          gateway = candidate;
          // counted once connected: the stream then runs until this gateway ends it
          next = listen(candidate, () -> reconnects.add(new Reconnect(leftAt, from, candidate, told.told(), told.gateways())));
          if (next != null || !running) {
            break;
          }
        }
        ending = next != null ? next : new Ending(false, List.of());
      }
    }

    /**
     * Listens until the stream ends; null when the connection failed (counted), otherwise how the stream ended.
     * Connected streams end only when the gateway ends them (or this subscriber stops).
     */
    private Ending listen(String url, Runnable connected) {
      boolean[] told = {false};
      List<String> named = new ArrayList<>();
      try {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/stream?series=trade.*&resolution=1s")).build();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(req, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
          failedAttempts.incrementAndGet();
          sleep(500);
          return null;
        }
        connected.run();
        response.body().takeWhile(l -> running).forEach(line -> {
          if (line.equals("event: reconnect")) {
            told[0] = true;
          } else if (line.startsWith("data: ") && told[0]) {
            new JsonObject(line.substring(6)).getJsonArray("gateways", new JsonArray())
              .forEach(g -> named.add((String) g));
          } else if (line.startsWith("data: ")) {
            JsonObject r = new JsonObject(line.substring(6));
            if (r.getBoolean("final", false) && !r.getBoolean("correction", false)) {
              int times = finals.computeIfAbsent(r.getString("series"), k -> new ConcurrentHashMap<>())
                .merge(r.getLong("start"), 1, Integer::sum);
              if (times > 1) {
                duplicates.incrementAndGet();
              }
            }
          }
        });
      } catch (Exception e) {
        if (running) {
          failedAttempts.incrementAndGet();
          sleep(500);
          return null;
        }
      }
      return new Ending(told[0], named);
    }
  }
}
