package io.pulse.bench;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fan-out benchmark: one small result broadcast every 250 ms to N WebSocket subscribers, by Pulse (a gateway node in
 * this JVM; the result is published on the event bus as the aggregate role publishes its results) and, in the same
 * run, by the peer: a minimal Node.js server on the {@code ws} package ({@code verticles/src/test/js/fanout-peer.mjs})
 * sending the same message at the same rate. One {@link FanOutClient} process per server and size, the same code
 * for both, measures subscribers held and delay p50/p99 from the message's send stamp; the ratio Pulse/peer of the
 * p99 delays is reported per size.
 *
 * <p>The Java client takes a good share of the 2 cores the server needs here. With {@code -Dfanout.c-client=<binary>}
 * (verticles/src/test/c/fanout_client.c, one epoll thread, built by scripts/bench when gcc is here) both servers are
 * measured again by it; with {@code -Dfanout.floor=<binary>} (fanout_floor.c) the same bursts go over plain TCP from a
 * C server with 2 writer threads: the least any server can take on this machine, no WebSocket and no JSON.
 *
 * <p>Arguments: sizes (comma-separated, 1000,10000) warmupSeconds intervalSeconds runs outputJson [jsDir [node
 * options...]], e.g. {@code --node.native-transport=false} to measure the gateway on Java NIO instead of epoll.
 * Needs {@code node} and {@code npm ci} done in jsDir (scripts/bench does it).
 */
public final class FanOutBench {

  static final long INTERVAL_MS = 250;
  private static final String SERIES = "bench.fanout";

  public static void main(String[] args) throws Exception {
    String[] sizes = (args.length > 0 ? args[0] : "1000,10000").split(",");
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int interval = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Path out = Path.of(args.length > 4 ? args[4] : "target/bench/fanout.json");
    Path jsDir = Path.of(args.length > 5 ? args[5] : "verticles/src/test/js");

    int max = 0;
    for (String s : sizes) {
      max = Math.max(max, Integer.parseInt(s.trim()));
    }
    List<String> nodeArgs = new ArrayList<>(List.of("--node.roles=gateway", "--node.drain-ms=0", "--http.port=0",
      "--http.host=127.0.0.1", "--simulator.enabled=false", "--gateway.max-connections=" + (max + 100),
      "--gateway.max-connections-per-address=" + (max + 100)));
    List<String> extraNodeArgs = List.of(args).subList(Math.min(args.length, 6), args.length);
    nodeArgs.addAll(extraNodeArgs);
    PulseNode node = TestNodes.start(TestNodes.config(nodeArgs.toArray(String[]::new)));
    Process peer = null;
    JsonObject report = new JsonObject().put("benchmark", "fan-out").put("intervalMs", INTERVAL_MS)
      .put("runs", runs).put("secondsPerRun", interval)
      .put("peer", "Node.js " + version("node", "--version") + ", ws " + wsVersion(jsDir))
      .put("nodeOptions", String.join(" ", extraNodeArgs))
      .put("nativeTransport", node.vertx().isNativeTransportEnabled());
    try {
      long[] seq = {0};
      node.vertx().setPeriodic(INTERVAL_MS, id -> node.vertx().eventBus().publish(Addresses.RESULTS, result(++seq[0])));
      int peerPort = TestNodes.freePort();
      peer = new ProcessBuilder("node", jsDir.resolve("fanout-peer.mjs").toString(), String.valueOf(peerPort))
        .redirectErrorStream(true).start();
      awaitListening(peer);
      ProcessHandle gateway = ProcessHandle.current();
      ProcessHandle peerProcess = peer.toHandle();
      String subscribe = "{\"op\":\"subscribe\",\"series\":[\"" + SERIES + "\"]}";
      String cClient = System.getProperty("fanout.c-client");
      String floor = System.getProperty("fanout.floor");
      for (String size : sizes) {
        int n = Integer.parseInt(size.trim());
        if (cClient != null && Boolean.getBoolean("fanout.pulse-c-only")) {
          // a quick A/B of gateway settings: Pulse measured by the C client only, no peer, no Java client
          JsonObject pulseC = measured(gateway, () -> lines(List.of(cClient, String.valueOf(node.httpPort()), "/api/ws",
            String.valueOf(n), subscribe, String.valueOf(warmup), String.valueOf(interval), String.valueOf(runs)), runs,
            limitSeconds(n, warmup, interval, runs)));
          put(report, "Pulse (C client)", n, pulseC);
          System.out.printf("%,d subscribers (C client): Pulse p50 %.2f ms, p99 %.2f ms, max %.2f ms; %s%n", n,
            pulseC.getJsonObject("p50").getDouble("median"), pulseC.getJsonObject("p99").getDouble("median"),
            pulseC.getJsonObject("max").getDouble("median"), ServerUsage.describe(pulseC.getJsonObject("server")));
          continue;
        }
        JsonObject pulse = measured(gateway, () -> client(node.httpPort(), "/api/ws", n, subscribe, warmup, interval, runs,
          out));
        JsonObject ws = measured(peerProcess, () -> client(peerPort, "/", n, subscribe, warmup, interval, runs, out));
        compare(report, n, "", pulse, ws);
        long limit = limitSeconds(n, warmup, interval, runs);
        if (cClient != null) {
          List<String> args0 = List.of(cClient, String.valueOf(node.httpPort()), "/api/ws", String.valueOf(n), subscribe,
            String.valueOf(warmup), String.valueOf(interval), String.valueOf(runs));
          JsonObject pulseC = measured(gateway, () -> lines(args0, runs, limit));
          List<String> args1 = new ArrayList<>(args0);
          args1.set(1, String.valueOf(peerPort));
          args1.set(2, "/");
          compare(report, n, " (C client)", pulseC, measured(peerProcess, () -> lines(args1, runs, limit)));
        }
        if (floor != null) {
          JsonObject raw = lines(List.of(floor, String.valueOf(n), "2", String.valueOf(warmup), String.valueOf(interval),
            String.valueOf(runs)), runs, limit);
          put(report, "raw TCP floor (C, 2 writer threads)", n, raw);
          System.out.printf("%,d subscribers: raw TCP floor p99 %.2f ms (no WebSocket, no JSON: plain loopback TCP)%n", n,
            raw.getJsonObject("p99").getDouble("median"));
        }
      }
    } finally {
      if (peer != null) {
        peer.destroy();
        peer.waitFor(10, TimeUnit.SECONDS);
      }
      TestNodes.stop(node);
    }
    report.put("loadAverage", Files.readString(Path.of("/proc/loadavg")).trim());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.encodePrettily());
    System.exit(0);
  }

  /** The broadcast message: a small final window result stamped with the monotonic clock when it leaves. */
  static JsonObject result(long seq) {
    long start = System.currentTimeMillis() / INTERVAL_MS * INTERVAL_MS;
    return new JsonObject().put("series", SERIES).put("resolution", INTERVAL_MS).put("start", start)
      .put("end", start + INTERVAL_MS).put("count", 10).put("sum", 1000.0).put("min", 99.0).put("max", 101.0)
      .put("mean", 100.0).put("first", 100.0).put("last", 100.5).put("final", true).put("seq", seq)
      .put("sentNanos", System.nanoTime());
  }

  private static void put(JsonObject report, String server, int n, JsonObject measured) {
    String prefix = server + " " + n + " subscribers ";
    report.put(prefix + "held", measured.getJsonObject("held"))
      .put(prefix + "delay p50", measured.getJsonObject("p50"))
      .put(prefix + "delay p99", measured.getJsonObject("p99"))
      .put(prefix + "delay max", measured.getJsonObject("max"))
      .put(prefix + "received", measured.getJsonObject("messagesPerSecond"));
    JsonObject usage = measured.getJsonObject("server");
    if (usage != null) {
      // one value each (over the client's whole run), as figures, so that the report lists them
      report.put(prefix + "server CPU", BenchStats.stats(new double[]{usage.getDouble("cpuPercent")}, "% of one core"))
        .put(prefix + "server RSS", BenchStats.stats(new double[]{usage.getLong("rssMB")}, "MB"));
      if (usage.containsKey("heapUsedMB")) {
        report.put(prefix + "server heap used", BenchStats.stats(new double[]{usage.getLong("heapUsedMB")}, "MB"));
      }
    }
  }

  /** Runs a FanOutClient process against one server and returns what it measured. */
  private static JsonObject client(int port, String path, int n, String subscribe, int warmup, int interval, int runs,
                                   Path out) throws IOException, InterruptedException {
    // apart from the benchmark files the report collects
    Path result = out.toAbsolutePath().getParent().resolve("fanout-clients").resolve(port + "-" + n + ".json");
    Files.deleteIfExists(result);
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
      "-Xmx1g", "-XX:+UseParallelGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-cp", System.getProperty("java.class.path"), FanOutClient.class.getName(),
      "--port", String.valueOf(port), "--path", path, "--clients", String.valueOf(n), "--subscribe", subscribe,
      "--warmup", String.valueOf(warmup), "--interval", String.valueOf(interval), "--runs", String.valueOf(runs),
      "--out", result.toString()));
    Process process = new ProcessBuilder(command).inheritIO().start();
    long limit = limitSeconds(n, warmup, interval, runs);
    if (!process.waitFor(limit, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the fan-out client (" + n + " subscribers to port " + port + ") did not finish in "
        + limit + " s");
    }
    if (process.exitValue() != 0 || !Files.exists(result)) {
      throw new IllegalStateException("the fan-out client (" + n + " subscribers to port " + port + ") failed with exit code "
        + process.exitValue() + "; its output is above");
    }
    return new JsonObject(Files.readString(result));
  }

  /** Pulse against the ws peer measured by the same client: both figures, and the ratio of their p99 delays. */
  private static void compare(JsonObject report, int n, String client, JsonObject pulse, JsonObject ws) {
    put(report, "Pulse" + client, n, pulse);
    put(report, "ws peer" + client, n, ws);
    double ratio = pulse.getJsonObject("p99").getDouble("median") / ws.getJsonObject("p99").getDouble("median");
    report.put("ratio p99 Pulse/ws at " + n + client, ratio);
    System.out.printf("%,d subscribers%s: Pulse p99 %.2f ms, ws peer p99 %.2f ms, ratio %.2f%n", n, client,
      pulse.getJsonObject("p99").getDouble("median"), ws.getJsonObject("p99").getDouble("median"), ratio);
    System.out.printf("%,d subscribers%s: Pulse p50 %.2f ms, max %.2f ms, %s; ws peer p50 %.2f ms, max %.2f ms, %s%n",
      n, client, pulse.getJsonObject("p50").getDouble("median"), pulse.getJsonObject("max").getDouble("median"),
      ServerUsage.describe(pulse.getJsonObject("server")), ws.getJsonObject("p50").getDouble("median"),
      ws.getJsonObject("max").getDouble("median"), ServerUsage.describe(ws.getJsonObject("server")));
  }

  /** Runs a client against a server process and adds what that process used meanwhile ({@link ServerUsage}). */
  private static JsonObject measured(ProcessHandle server, Callable<JsonObject> client) throws Exception {
    ServerUsage usage = ServerUsage.of(server);
    JsonObject measured = client.call();
    return measured.put("server", usage.end());
  }

  /**
   * Runs one of the C programs (verticles/src/test/c: the lean client, the raw TCP floor) and collects its
   * {@code run k: H held, M messages/s, delay ms p50 X p99 Y max Z} lines, as {@link FanOutClient} reports.
   */
  private static JsonObject lines(List<String> command, int runs, long limitSeconds) throws IOException,
    InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    // its output is read to its end: a program that hangs is stopped, so that the read ends
    Thread watchdog = new Thread(() -> {
      try {
        if (!process.waitFor(limitSeconds, TimeUnit.SECONDS)) {
          System.out.println(command.get(0) + " did not finish in " + limitSeconds + " s: stopped");
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
      }
    }, "fan-out-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Pattern line = Pattern.compile(
      "run \\d+: (\\d+) held, ([\\d.]+) messages/s, delay ms p50 ([\\d.]+) p99 ([\\d.]+) max ([\\d.]+)");
    List<double[]> rows = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l = reader.readLine(); l != null; l = reader.readLine()) {
        System.out.println(l);
        Matcher m = line.matcher(l);
        if (m.find()) {
          rows.add(new double[]{Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
            Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5))});
        }
      }
    }
    process.waitFor();
    if (rows.size() != runs) {
      throw new IllegalStateException(command.get(0) + " reported " + rows.size() + " of " + runs
        + " runs; its output is above");
    }
    double[][] cols = new double[5][runs];
    for (int r = 0; r < runs; r++) {
      for (int c = 0; c < 5; c++) {
        cols[c][r] = rows.get(r)[c];
      }
    }
    return new JsonObject().put("held", BenchStats.stats(cols[0], "subscribers"))
      .put("messagesPerSecond", BenchStats.stats(cols[1], "messages/s")).put("p50", BenchStats.stats(cols[2], "ms"))
      .put("p99", BenchStats.stats(cols[3], "ms")).put("max", BenchStats.stats(cols[4], "ms"));
  }

  /** How long a load client may take: connecting, warm-up and runs, with room for a loaded machine. */
  private static long limitSeconds(int n, int warmup, int interval, int runs) {
    return 120L + warmup + (long) interval * runs + n / 100;
  }

  private static void awaitListening(Process peer) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
    String line = reader.readLine();
    if (line == null || !line.startsWith("listening")) {
      throw new IllegalStateException("the Node.js fan-out peer did not start: " + line
        + " (is node installed, and npm ci done in verticles/src/test/js?)");
    }
    // drain its output so that it never blocks on a full pipe
    Thread drain = new Thread(() -> reader.lines().forEach(l -> System.out.println("peer: " + l)), "peer-output");
    drain.setDaemon(true);
    drain.start();
  }

  private static String version(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return v;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static String wsVersion(Path jsDir) {
    try {
      return new JsonObject(Files.readString(jsDir.resolve("node_modules/ws/package.json"))).getString("version");
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
