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
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Load tool (run by {@code scripts/load-streams}, its own process): holds N SSE and WebSocket subscribers on
 * loopback against a running gateway and measures the delay from a result's publication (its {@code published}
 * field, stamped by the gateway as the result arrives from the event bus) to its receipt here. Prints
 * p50/p99/max and the node's CPU and memory over the measured period.
 *
 * <p>Options: {@code --port 8080 --clients 1000 --ws-share 0.5 --series trade.* --warmup 5 --duration 20
 * --node-pid <pid>}.
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
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "5"));
    int duration = Integer.parseInt(opt.getOrDefault("duration", "20"));
    long nodePid = Long.parseLong(opt.getOrDefault("node-pid", "-1"));
    int wsClients = (int) Math.round(clients * wsShare);
    int sseClients = clients - wsClients;

    Vertx vertx = Vertx.vertx();
    Recorder recorder = new Recorder(3_600_000, 3);
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
      Future<?> f = i < sseClients ? sse(http, port, series, recorder, received)
        : websocket(ws, port, series, recorder, received);
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
    recorder.getIntervalHistogram();
    long before = received.get();
    long[] cpuBefore = cpuTicks(nodePid);
    long t0 = System.nanoTime();
    List<Long> rss = new ArrayList<>();
    for (int s = 0; s < duration; s++) {
      Thread.sleep(1000);
      rss.add(rssKb(nodePid));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long[] cpuAfter = cpuTicks(nodePid);
    Histogram h = recorder.getIntervalHistogram();
    long messages = received.get() - before;
    String cpu = cpuBefore == null || cpuAfter == null ? "n/a"
      : String.format("%.0f%%", 100.0 * (cpuAfter[0] - cpuBefore[0]) / 100.0 / seconds);
    String heap = heapMb(vertx, port);
    System.out.printf("subscribers=%d (sse %d, ws %d) connected=%d messages=%d (%.0f/s) delay ms p50=%d p99=%d max=%d "
        + "| node cpu=%s (of 200%% on 2 cores) heap=%s rss=%s MB%n",
      clients, sseClients, wsClients, connected.get(), messages, messages / seconds, h.getValueAtPercentile(50),
      h.getValueAtPercentile(99), h.getMaxValue(), cpu, heap,
      rss.isEmpty() || rss.get(0) < 0 ? "n/a" : String.valueOf(rss.stream().mapToLong(Long::longValue).max().orElse(0) / 1024));
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static Future<?> sse(HttpClient http, int port, String series, Recorder recorder, AtomicLong received) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/api/stream?series=" + series))
      .compose(req -> req.send())
      .map(resp -> {
        if (resp.statusCode() != 200) {
          throw new IllegalStateException("SSE status " + resp.statusCode());
        }
        // TCP chunks split events anywhere: keep the tail after the last complete event for the next chunk
        StringBuilder pending = new StringBuilder();
        resp.handler(chunk -> {
          pending.append(chunk.toString());
          int end = pending.lastIndexOf("\n\n");
          if (end >= 0) {
            onText(pending.substring(0, end), recorder, received);
            pending.delete(0, end + 2);
          }
        });
        return resp;
      });
  }

  private static Future<?> websocket(WebSocketClient client, int port, String series, Recorder recorder, AtomicLong received) {
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/ws"))
      .map(socket -> {
        socket.textMessageHandler(text -> onText(text, recorder, received));
        socket.writeTextMessage("{\"op\":\"subscribe\",\"series\":[\"" + series + "\"]}");
        return socket;
      });
  }

  /** Finds every {@code "published":<ms>} in the text and records now minus it; cheaper than parsing JSON. */
  private static void onText(String text, Recorder recorder, AtomicLong received) {
    long now = System.currentTimeMillis();
    int at = 0;
    while ((at = text.indexOf("\"published\":", at)) >= 0) {
      at += 12;
      int end = at;
      while (end < text.length() && Character.isDigit(text.charAt(end))) {
        end++;
      }
      if (end > at) {
        recorder.recordValue(Math.max(0, now - Long.parseLong(text.substring(at, end))));
        received.incrementAndGet();
      }
    }
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

  /** The node's used heap from its /metrics (JVM metrics), in MB. */
  private static String heapMb(Vertx vertx, int port) {
    try {
      String text = vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
        .compose(req -> req.send()).compose(r -> r.body()).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).toString();
      double bytes = text.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
      return String.format("%.0f MB", bytes / 1048576);
    } catch (Exception e) {
      return "n/a";
    }
  }
}
