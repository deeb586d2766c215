package io.pulse.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load tool for the push endpoint: opens N WebSocket clients to a running node's {@code /api/ingest/ws},
 * spreading their source addresses over 127.0.0.2, 127.0.0.3, ... (5,000 per address), each sending one
 * reading a second for the given time, then prints clients held, readings sent and counted by the node
 * (its {@code push.samplesIn} in {@code /api/status}) and the node's heap and CPU as it reports them.
 *
 * <p>With {@code RUNS} the clients, once connected, send for SECONDS that many times; each run's rate is what the
 * node counted over its sending time. With {@code JSON} the figures (median and spread over the runs) are written
 * there for scripts/bench's report.
 *
 * <p>Usage: {@code LoadIngest N SECONDS [ingestPort=8081] [gatewayPort=8080] [RUNS=1] [JSON]} (see scripts/load-ingest).
 */
public final class LoadIngest {

  private static final Logger LOG = LoggerFactory.getLogger(LoadIngest.class);
  private static final int PER_ADDRESS = 5000;
  private static final int CONNECTING_AT_ONCE = 200;
  private static final int SLOTS = 20;

  public static void main(String[] args) {
    int code = 2;
    try {
      code = run(args);
    } catch (Exception e) {
      LOG.error("load run failed: {}", e.toString());
    }
    System.exit(code);
  }

  private static int run(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    int seconds = Integer.parseInt(args[1]);
    int ingestPort = args.length > 2 ? Integer.parseInt(args[2]) : 8081;
    int gatewayPort = args.length > 3 ? Integer.parseInt(args[3]) : 8080;
    int runs = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    Path json = args.length > 5 ? Path.of(args[5]) : null;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    HttpClient http = vertx.createHttpClient();
    List<WebSocketClient> clients = new ArrayList<>();
    for (int a = 0; a * PER_ADDRESS < n; a++) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(PER_ADDRESS + 10)
        .setLocalAddress("127.0.0." + (2 + a)).setConnectTimeout(30_000)));
    }

    WebSocket[] sockets = new WebSocket[n];
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong refusals = new AtomicLong();
    long connectStart = System.nanoTime();
    CompletableFuture<Void> allConnected = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    Runnable[] connectNext = new Runnable[1];
    connectNext[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        return;
      }
      WebSocketClient client = clients.get(i / PER_ADDRESS);
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ingestPort).setURI("/api/ingest/ws"))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            WebSocket ws = ar.result();
            sockets[i] = ws;
            ws.textMessageHandler(t -> refusals.incrementAndGet());
            ws.closeHandler(v -> closed.incrementAndGet());
          } else if (failed.incrementAndGet() <= 5) {
            LOG.warn("client {} could not connect: {}", i, ar.cause().getMessage());
          }
          if (done.incrementAndGet() == n) {
            allConnected.complete(null);
          }
          connectNext[0].run();
        });
    };
    vertx.runOnContext(v -> {
      for (int k = 0; k < CONNECTING_AT_ONCE; k++) {
        connectNext[0].run();
      }
    });
    allConnected.get(10, TimeUnit.MINUTES);
    int connected = n - failed.get();
    LOG.info("{} of {} clients connected in {} s", connected, n, (System.nanoTime() - connectStart) / 1_000_000_000);

    // each client sends once a second: one slot of n/20 clients every 50 ms; each run sends for the given time, then
    // waits until the node counted what was sent, so a run's rate is the node's count over the sending time
    double[] rates = new double[runs];
    double[] heldPerRun = new double[runs];
    long[] heapMax = {0};
    List<Long> cpu = new ArrayList<>();
    long sentTotal = 0;
    long countedTotal = 0;
    for (int r = 0; r < runs; r++) {
      AtomicLong sent = new AtomicLong();
      AtomicInteger tick = new AtomicInteger();
      long runStart = counted(http, gatewayPort).get(60, TimeUnit.SECONDS)[0];
      long t0 = System.nanoTime();
      long timer = vertx.setPeriodic(1000 / SLOTS, id -> {
        int slot = tick.getAndIncrement() % SLOTS;
        long now = System.currentTimeMillis();
        for (int i = slot; i < n; i += SLOTS) {
          WebSocket ws = sockets[i];
          if (ws != null && !ws.isClosed()) {
            ws.writeTextMessage("{\"series\":\"meter." + (i % 1000) + "\",\"timestamp\":" + now + ",\"value\":" + (i % 97) + "}");
            sent.incrementAndGet();
          }
        }
      });
      long end = System.currentTimeMillis() + seconds * 1000L;
      while (System.currentTimeMillis() < end) {
        Thread.sleep(Math.min(2000, Math.max(1, end - System.currentTimeMillis())));
        long[] status;
        try {
          status = counted(http, gatewayPort).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException slow) {
          continue; // a busy node answers late; the next report will do
        }
        heapMax[0] = Math.max(heapMax[0], status[1]);
        cpu.add(status[2]);
        LOG.info("held {}, sent {}, node counted {}, node heap {} MB, node CPU {}%", connected - closed.get(), sent.get(),
          status[0] - runStart, status[1], status[2]);
      }
      vertx.cancelTimer(timer);
      double sendingSeconds = (System.nanoTime() - t0) / 1e9;
      heldPerRun[r] = connected - closed.get();
      // the node's stats report once a second: wait (at most 10 s) until the last readings are counted
      long[] last = counted(http, gatewayPort).get(60, TimeUnit.SECONDS);
      for (int w = 0; w < 40 && last[0] - runStart < sent.get(); w++) {
        Thread.sleep(250);
        last = counted(http, gatewayPort).get(60, TimeUnit.SECONDS);
      }
      heapMax[0] = Math.max(heapMax[0], last[1]);
      long countedRun = last[0] - runStart;
      rates[r] = countedRun / sendingSeconds;
      sentTotal += sent.get();
      countedTotal += countedRun;
      System.out.printf("run %d: %d clients held, %d readings sent, %d counted by the node in %.1f s = %.0f readings/s%n",
        r + 1, (int) heldPerRun[r], sent.get(), countedRun, sendingSeconds, rates[r]);
    }
    long counted = countedTotal;
    int held = connected - closed.get();
    long[] last = counted(http, gatewayPort).get(60, TimeUnit.SECONDS);
    List<Long> sorted = new ArrayList<>(cpu);
    sorted.sort(Long::compare);
    long cpuMedian = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    System.out.printf("clients requested %d, connected %d, held to the end %d (%d closed, %d failed)%n",
      n, connected, held, closed.get(), failed.get());
    System.out.printf("readings sent %d, counted by the node %d, refused %d%n", sentTotal, counted, refusals.get());
    System.out.printf("node heap max %d MB (last %d MB), node CPU median %d%% of one core; per client %.1f KB heap%n",
      heapMax[0], last[1], cpuMedian, held == 0 ? 0.0 : heapMax[0] * 1024.0 / held);
    if (json != null) {
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, new JsonObject().put("benchmark", "ingest").put("clients", n).put("secondsPerRun", seconds)
        .put("runs", runs).put("readingsPerClientPerSecond", 1).put("clients held", BenchStats.stats(heldPerRun, "clients"))
        .put("readings/s counted", BenchStats.stats(rates, "readings/s")).put("sent", sentTotal).put("counted", counted)
        .put("refused", refusals.get()).put("nodeHeapMaxMb", heapMax[0]).put("nodeCpuMedianPercent", cpuMedian)
        .put("loadAverage", Files.readString(Path.of("/proc/loadavg")).trim()).encodePrettily());
    }
    // the clients are used up to here: a Vert.x 5 client no longer reachable is shut down by its cleaner at the next
    // garbage collection, and every pushing connection with it
    java.lang.ref.Reference.reachabilityFence(clients);
    java.lang.ref.Reference.reachabilityFence(http);
    Future.join(List.of(vertx.close())).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return counted == sentTotal && held == n ? 0 : 1;
  }

  /** The node's counted push samples, heap MB and CPU % from /api/status. */
  private static CompletableFuture<long[]> counted(HttpClient http, int port) {
    return http.request(HttpMethod.GET, port, "127.0.0.1", "/api/status")
      .compose(req -> req.send().compose(resp -> resp.body()))
      .map(body -> {
        JsonArray nodes = new JsonObject(body.toString()).getJsonArray("nodes", new JsonArray());
        long[] out = new long[3];
        for (Object o : nodes) {
          JsonObject ingest = ((JsonObject) o).getJsonObject("counters", new JsonObject()).getJsonObject("ingest");
          if (ingest != null) {
            out[0] += ingest.getLong("push.samplesIn", 0L);
            out[1] = Math.max(out[1], ingest.getLong("jvm.heapUsedMb", 0L));
            out[2] = Math.max(out[2], ingest.getLong("jvm.cpuPercent", 0L));
          }
        }
        return out;
      }).toCompletionStage().toCompletableFuture();
  }
}
