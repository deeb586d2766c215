package io.pulse.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Load tool (run by {@code scripts/load-streams}, its own process): holds N SSE and WebSocket subscribers on
 * loopback against a running gateway and measures the delay from a result's publication (its {@code published}
 * field, stamped by the gateway as the result arrives from the event bus) to its receipt here. Prints
 * p50/p99/max and the node's CPU and memory over the measured period. Every subscriber reads everything it is sent;
 * delays are measured on at most {@code --measured} of them (spread evenly), so that parsing in this process, which
 * shares the machine with the node, does not become the bottleneck being measured.
 *
 * <p>Options: {@code --port 8080 --clients 1000 --ws-share 0.5 --series trade.* --resolution 1000 --warmup 5
 * --duration 20 --measured 1000 --node-pid <pid>} ({@code --resolution} in ms, 0: every resolution).
 */
public final class StreamLoadTool {

  private static final Logger LOG = LoggerFactory.getLogger(StreamLoadTool.class);

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int port = Integer.parseInt(opt.getOrDefault("port", "8080"));
    int clients = Integer.parseInt(opt.getOrDefault("clients", "1000"));
    double wsShare = Double.parseDouble(opt.getOrDefault("ws-share", "0.5"));
    String series = opt.getOrDefault("series", "trade.*");
    long resolution = Long.parseLong(opt.getOrDefault("resolution", "1000"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "5"));
    int duration = Integer.parseInt(opt.getOrDefault("duration", "20"));
    long nodePid = Long.parseLong(opt.getOrDefault("node-pid", "-1"));
    int measured = Integer.parseInt(opt.getOrDefault("measured", "1000"));
    int measureEvery = Math.max(1, clients / Math.max(1, measured));
    LongAdder bytes = new LongAdder();
    int wsClients = (int) Math.round(clients * wsShare);
    int sseClients = clients - wsClients;

    Vertx vertx = Vertx.vertx();
    Recorders recorder = new Recorders(new Recorder(3_600_000, 3), new Recorder(3_600_000, 3));
    AtomicLong received = new AtomicLong();
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(sseClients + 16).setMaxWaitQueueSize(-1));
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(wsClients + 16));
    Semaphore inFlight = new Semaphore(200);

    long connectStart = System.nanoTime();
    for (int i = 0; i < clients; i++) {
      inFlight.acquire();
      Recorders measure = i % measureEvery == 0 ? recorder : null;
      Future<?> f = i < sseClients ? sse(http, port, series, resolution, measure, received, bytes)
        : websocket(ws, port, series, resolution, measure, received, bytes);
      f.onComplete(ar -> {
        inFlight.release();
        if (ar.succeeded()) {
          connected.incrementAndGet();
        } else if (failed.incrementAndGet() <= 5) {
          LOG.warn("a subscriber failed to connect: {}", ar.cause().toString());
        }
      });
    }
    inFlight.acquire(200);
    LOG.info("{} subscribers connected ({} SSE, {} WebSocket), {} failed, in {} ms", connected.get(), sseClients,
      wsClients, failed.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart));

    Thread.sleep(warmup * 1000L);
    recorder.all().getIntervalHistogram();
    recorder.finals().getIntervalHistogram();
    long before = received.get();
    long bytesBefore = bytes.sum();
    long[] cpuBefore = cpuTicks(nodePid);
    long[] toolBefore = cpuTicks(ProcessHandle.current().pid());
    long[] passesBefore = fanOutPasses(http, port);
    long t0 = System.nanoTime();
    List<Long> rss = new ArrayList<>();
    for (int s = 0; s < duration; s++) {
      Thread.sleep(1000);
      rss.add(rssKb(nodePid));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long[] cpuAfter = cpuTicks(nodePid);
    long[] toolAfter = cpuTicks(ProcessHandle.current().pid());
    long[] passesAfter = fanOutPasses(http, port);
    String passTime = passesBefore == null || passesAfter == null || passesAfter[1] == passesBefore[1] ? "n/a"
      : String.format("%.1f ms", (passesAfter[0] - passesBefore[0]) / 1000.0 / (passesAfter[1] - passesBefore[1]));
    long megabytes = (bytes.sum() - bytesBefore) >> 20;
    Histogram h = recorder.all().getIntervalHistogram();
    Histogram fin = recorder.finals().getIntervalHistogram();
    long messages = received.get() - before;
    String cpu = cpuBefore == null || cpuAfter == null ? "n/a"
      : String.format("%.0f%%", 100.0 * (cpuAfter[0] - cpuBefore[0]) / 100.0 / seconds);
    String heap = heapMb(http, port);
    String toolCpu = toolBefore == null || toolAfter == null ? "n/a"
      : String.format("%.0f%%", 100.0 * (toolAfter[0] - toolBefore[0]) / 100.0 / seconds);
    System.out.printf("subscribers=%d (sse %d, ws %d) series=%s resolution=%d connected=%d received %.1f MB/s; "
        + "measured on %d subscribers: %d messages (%.0f/s) delay ms p50=%d p99=%d max=%d (final results: p50=%d "
        + "p99=%d max=%d) | node cpu=%s (of 200%% on 2 cores) heap=%s rss=%s MB, fan-out pass (one loop's clients) "
        + "mean %s | load tool cpu=%s%n",
      clients, sseClients, wsClients, series, resolution, connected.get(), megabytes / seconds,
      (clients + measureEvery - 1) / measureEvery, messages, messages / seconds,
      h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), fin.getValueAtPercentile(50),
      fin.getValueAtPercentile(99), fin.getMaxValue(), cpu, heap,
      rss.isEmpty() || rss.get(0) < 0 ? "n/a"
        : String.valueOf(rss.stream().mapToLong(Long::longValue).max().orElse(0) / 1024), passTime, toolCpu);
    // the clients are used up to here: a Vert.x 5 client no longer reachable is shut down by its cleaner at the next
    // garbage collection, and every subscriber's connection with it
    java.lang.ref.Reference.reachabilityFence(ws);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** An SSE subscriber; {@code recorder} null: it only reads (and counts bytes). */
  private static Future<?> sse(HttpClient http, int port, String series, long resolution, Recorders recorder,
                               AtomicLong received, LongAdder bytes) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/api/stream?series=" + series + (resolution > 0 ? "&resolution=" + resolution + "ms" : "")))
      // the handlers are set in the callback of send() itself: chained after it, early chunks could be gone
      .compose(req -> req.send().map(resp -> {
        if (resp.statusCode() != 200) {
          throw new IllegalStateException("SSE status " + resp.statusCode());
        }
        if (recorder == null) {
          resp.handler(chunk -> bytes.add(chunk.length()));
          return resp;
        }
        // TCP chunks split events anywhere: keep the tail after the last complete event for the next chunk
        StringBuilder pending = new StringBuilder();
        resp.handler(chunk -> {
          bytes.add(chunk.length());
          pending.append(chunk.toString());
          int end = pending.lastIndexOf("\n\n");
          if (end >= 0) {
            onText(pending.substring(0, end), recorder, received);
            pending.delete(0, end + 2);
          }
        });
        return resp;
      }));
  }

  private static Future<?> websocket(WebSocketClient client, int port, String series, long resolution,
                                     Recorders recorder, AtomicLong received, LongAdder bytes) {
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/ws"))
      .map(socket -> {
        if (recorder == null) {
          socket.handler(data -> bytes.add(data.length()));
        } else {
          socket.textMessageHandler(text -> {
            bytes.add(text.length());
            onText(text, recorder, received);
          });
        }
        socket.writeTextMessage("{\"op\":\"subscribe\",\"series\":[\"" + series + "\"]"
          + (resolution > 0 ? ",\"resolution\":" + resolution : "") + "}");
        return socket;
      });
  }

  /**
   * Finds the {@code "published":<ms>} of every event in the text (SSE events are separated by a blank line, a
   * WebSocket message is one event) and records now minus it, for final results also in {@code finals}: those are
   * never held back by the per-series update budget, so their delay is the fan-out's alone. Cheaper than parsing.
   */
  private static void onText(String text, Recorders recorders, AtomicLong received) {
    long now = System.currentTimeMillis();
    int from = 0;
    while (from < text.length()) {
      int end = text.indexOf("\n\n", from);
      if (end < 0) {
        end = text.length();
      }
      int at = text.indexOf("\"published\":", from);
      if (at >= 0 && at < end) {
        at += 12;
        int stop = at;
        while (stop < end && Character.isDigit(text.charAt(stop))) {
          stop++;
        }
        if (stop > at) {
          long delay = Math.max(0, now - Long.parseLong(text.substring(at, stop)));
          recorders.all.recordValue(delay);
          int fin = text.indexOf("\"final\":true", from);
          if (fin >= 0 && fin < end) {
            recorders.finals.recordValue(delay);
          }
          received.incrementAndGet();
        }
      }
      from = end + 2;
    }
  }

  /** Delays of every event received, and of final results only. */
  record Recorders(Recorder all, Recorder finals) {
  }

  /** utime+stime of a process in clock ticks (100 per second on Linux), or null. */
  private static long[] cpuTicks(long pid) {
    if (pid <= 0) {
      return null;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[]{Long.parseLong(f[11]) + Long.parseLong(f[12])};
    } catch (Exception e) {
      return null;
    }
  }

  private static long rssKb(long pid) {
    if (pid <= 0) {
      return -1;
    }
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
        .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    } catch (Exception e) {
      return -1;
    }
  }

  /** The gateway's {@code fanOutMicros} and {@code fanOutPasses} counters from /api/status, or null. */
  private static long[] fanOutPasses(HttpClient http, int port) {
    try {
      JsonObject status = http.request(HttpMethod.GET, port, "127.0.0.1", "/api/status")
        .compose(req -> req.send().compose(r -> r.body())).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS).toJsonObject();
      for (Object node : status.getJsonArray("nodes")) {
        JsonObject gateway = ((JsonObject) node).getJsonObject("counters").getJsonObject("gateway");
        if (gateway != null) {
          return new long[]{gateway.getLong("fanOutMicros", 0L), gateway.getLong("fanOutPasses", 0L)};
        }
      }
      return null;
    } catch (Exception e) {
      LOG.warn("the gateway's fan-out counters could not be read from /api/status: {}", e.toString());
      return null;
    }
  }

  /** The node's used heap from its /metrics (JVM metrics), in MB. */
  private static String heapMb(HttpClient http, int port) {
    try {
      String text = http.request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
        .compose(req -> req.send().compose(r -> r.body())).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).toString();
      double bytes = text.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
      return String.format("%.0f MB", bytes / 1048576);
    } catch (Exception e) {
      return "n/a";
    }
  }
}
