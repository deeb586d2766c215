package io.pulse.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load client of {@link FanOutBench}, run as its own process (a socket is a file; one process holds at most
 * 20,000): holds N WebSocket subscribers to one broadcast server, Pulse's {@code /api/ws} or the Node.js peer,
 * and measures each message's delay from its {@code "sentNanos"} stamp (the sender's {@code System.nanoTime()} or
 * {@code process.hrtime}: both read CLOCK_MONOTONIC, one clock for every process on the machine) to its receipt
 * here. The same code measures both servers. Source addresses are spread over 127.0.0.2, 127.0.0.3, ... (5,000 per
 * address) as the other load tools do.
 *
 * <p>After a warm-up, {@code runs} measuring intervals follow; each gives subscribers held (open at its end),
 * delay p50/p99 and messages received per second. Written as JSON to {@code --out}.
 *
 * <p>Options: {@code --port P --path /api/ws --clients N --subscribe JSON --warmup 2 --interval 5 --runs 3 --out F}.
 */
public final class FanOutClient {

  private static final int PER_ADDRESS = 5000;
  private static final int CONNECTING_AT_ONCE = 200;

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int port = Integer.parseInt(opt.get("port"));
    String path = opt.getOrDefault("path", "/api/ws");
    int n = Integer.parseInt(opt.getOrDefault("clients", "100"));
    String subscribe = opt.getOrDefault("subscribe", "");
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "2"));
    int interval = Integer.parseInt(opt.getOrDefault("interval", "5"));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    Path out = Path.of(opt.getOrDefault("out", "target/bench/fanout-client.json"));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    List<WebSocketClient> clients = new ArrayList<>();
    for (int a = 0; a * PER_ADDRESS < n; a++) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(PER_ADDRESS + 10)
        .setLocalAddress("127.0.0." + (2 + a)).setConnectTimeout(30_000)));
    }
    // microseconds, up to one minute
    Recorder recorder = new Recorder(60_000_000L, 3);
    AtomicLong received = new AtomicLong();
    AtomicInteger open = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<Void> allTried = new CompletableFuture<>();
    Runnable[] connectNext = new Runnable[1];
    connectNext[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        return;
      }
      clients.get(i / PER_ADDRESS).connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            WebSocket ws = ar.result();
            open.incrementAndGet();
            ws.closeHandler(v -> open.decrementAndGet());
            ws.textMessageHandler(text -> onText(text, recorder, received));
            if (!subscribe.isEmpty()) {
              ws.writeTextMessage(subscribe);
            }
          } else if (failed.incrementAndGet() <= 5) {
            System.err.println("fan-out client " + i + " could not connect to 127.0.0.1:" + port + path + ": "
              + ar.cause().getMessage());
          }
          if (done.incrementAndGet() == n) {
            allTried.complete(null);
          }
          connectNext[0].run();
        });
    };
    long connectStart = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int k = 0; k < Math.min(n, CONNECTING_AT_ONCE); k++) {
        connectNext[0].run();
      }
    });
    allTried.get(10, TimeUnit.MINUTES);
    System.out.printf("%d of %d subscribers connected to port %d in %.1f s (%d failed)%n", open.get(), n, port,
      (System.nanoTime() - connectStart) / 1e9, failed.get());

    Thread.sleep(warmup * 1000L);
    recorder.getIntervalHistogram();
    double[] held = new double[runs];
    double[] p50 = new double[runs];
    double[] p99 = new double[runs];
    double[] max = new double[runs];
    double[] perSecond = new double[runs];
    for (int r = 0; r < runs; r++) {
      long before = received.get();
      long t0 = System.nanoTime();
      Thread.sleep(interval * 1000L);
      Histogram h = recorder.getIntervalHistogram();
      double seconds = (System.nanoTime() - t0) / 1e9;
      held[r] = open.get();
      p50[r] = h.getValueAtPercentile(50) / 1000.0;
      p99[r] = h.getValueAtPercentile(99) / 1000.0;
      max[r] = h.getMaxValue() / 1000.0;
      perSecond[r] = (received.get() - before) / seconds;
      System.out.printf("run %d: %d held, %.0f messages/s, delay ms p50 %.2f p99 %.2f max %.2f%n", r + 1,
        (int) held[r], perSecond[r], p50[r], p99[r], max[r]);
    }
    JsonObject result = new JsonObject().put("clients", n).put("failed", failed.get())
      .put("held", BenchStats.stats(held, "subscribers")).put("p50", BenchStats.stats(p50, "ms"))
      .put("p99", BenchStats.stats(p99, "ms")).put("max", BenchStats.stats(max, "ms"))
      .put("messagesPerSecond", BenchStats.stats(perSecond, "messages/s"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, result.encodePrettily());
    // the clients are used up to here: a Vert.x 5 client no longer reachable is shut down by its cleaner at the next
    // garbage collection, and every subscriber's connection with it
    java.lang.ref.Reference.reachabilityFence(clients);
    vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** Records now minus every {@code "sentNanos":<n>} in the text; cheaper than parsing the JSON. */
  private static void onText(String text, Recorder recorder, AtomicLong received) {
    long now = System.nanoTime();
    int at = 0;
    while ((at = text.indexOf("\"sentNanos\":", at)) >= 0) {
      at += 12;
      int end = at;
      while (end < text.length() && Character.isDigit(text.charAt(end))) {
        end++;
      }
      if (end > at) {
        recorder.recordValue(Math.min(60_000_000L, Math.max(0, (now - Long.parseLong(text.substring(at, end))) / 1000)));
        received.incrementAndGet();
      }
    }
  }
}
