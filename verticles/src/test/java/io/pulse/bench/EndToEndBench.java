package io.pulse.bench;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import static io.pulse.node.TestNodes.await;

/**
 * End-to-end benchmark: one reading sent with {@code POST /api/ingest} to the time the first update of its window
 * reaches a WebSocket subscriber of {@code /api/ws}, through ingest, aggregation (a provisional result every
 * {@code aggregate.provisional-interval-ms}, 250 ms by default) and the gateway, all on one node in this JVM; the
 * client has a Vert.x of its own. Each probe writes to a series of its own, so its first update is unambiguous. A
 * probe starts just after the previous one's update arrived, that is just after a tick of the aggregator; a random
 * pause spread evenly over one tick interval puts the probes at every phase of the tick alike (a pause shorter than
 * the interval makes every probe wait most of a tick). So a delay is the wait for the next tick, evenly spread over
 * 0 to the interval, plus the pipeline's own time: p50 is about half the interval plus the pipeline.
 *
 * <p>Arguments: probesPerRun runs outputJson [provisionalIntervalMs, 250 by default: the node's
 * {@code aggregate.provisional-interval-ms}; a short one shows the pipeline's own time]. Each run gives p50 and p99;
 * the report holds their median and spread.
 */
public final class EndToEndBench {

  public static void main(String[] args) throws Exception {
    int probes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/end-to-end.json");
    int intervalMs = args.length > 3 ? Integer.parseInt(args[3]) : 250;
    int ingestPort = TestNodes.freePort();
    PulseNode node = TestNodes.start(TestNodes.config("--node.roles=ingest,aggregate,gateway", "--node.drain-ms=0", "--http.port=0",
      "--http.host=127.0.0.1", "--simulator.enabled=false", "--ingest.push.enabled=true",
      "--ingest.http.host=127.0.0.1", "--ingest.http.port=" + ingestPort,
      "--aggregate.provisional-interval-ms=" + intervalMs));
    Vertx vertx = Vertx.vertx();
    String prefix = "bench.e2e." + UUID.randomUUID().toString().substring(0, 6) + ".";
    Map<String, Promise<Long>> waiting = new ConcurrentHashMap<>();
    double[] p50 = new double[runs];
    double[] p99 = new double[runs];
    // held to the end (see finally): a Vert.x 5 client no longer reachable is shut down by its cleaner at the next
    // garbage collection, its connections with it (the likely cause of the handshakes that failed now and then)
    WebSocketClient wsClient = vertx.createWebSocketClient();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(ingestPort).setKeepAlive(true));
      WebSocket ws = subscriber(wsClient, node.httpPort());
      Promise<Void> subscribed = Promise.promise();
      ws.textMessageHandler(text -> {
        long now = System.nanoTime();
        JsonObject message = new JsonObject(text);
        if ("subscribed".equals(message.getString("type"))) {
          subscribed.tryComplete();
        } else if ("result".equals(message.getString("type"))) {
          Promise<Long> probe = waiting.remove(message.getJsonObject("data").getString("series"));
          if (probe != null) {
            probe.tryComplete(now);
          }
        }
      });
      ws.writeTextMessage(new JsonObject().put("op", "subscribe").put("series", new io.vertx.core.json.JsonArray()
        .add(prefix + "*")).encode());
      await(subscribed.future(), 30);

      int k = 0;
      for (int i = 0; i < Math.max(5, probes / 5); i++) {
        probe(http, waiting, prefix + "warmup." + k++, intervalMs);
      }
      for (int r = 0; r < runs; r++) {
        double[] ms = new double[probes];
        for (int i = 0; i < probes; i++) {
          ms[i] = probe(http, waiting, prefix + k++, intervalMs) / 1e6;
        }
        Arrays.sort(ms);
        p50[r] = ms[probes / 2];
        p99[r] = ms[Math.min(probes - 1, (int) Math.ceil(probes * 0.99) - 1)];
        System.out.printf("run %d: %d probes, sample in -> update at a subscriber: p50 %.1f ms, p99 %.1f ms%n", r + 1,
          probes, p50[r], p99[r]);
      }
      java.lang.ref.Reference.reachabilityFence(http);
    } finally {
      java.lang.ref.Reference.reachabilityFence(wsClient);
      // the node first: closed first, the client waited ~30 s (its graceful shutdown) for connections the node held open
      TestNodes.stop(node);
      await(vertx.close(), 30);
    }
    JsonObject report = new JsonObject().put("benchmark", "end-to-end").put("probesPerRun", probes).put("runs", runs)
      .put("path", "POST /api/ingest -> aggregate (provisional result) -> gateway -> WebSocket /api/ws, one node")
      .put("provisionalIntervalMs", intervalMs)
      .put("delay p50", BenchStats.stats(p50, "ms")).put("delay p99", BenchStats.stats(p99, "ms"))
      .put("loadAverage", Files.readString(Path.of("/proc/loadavg")).trim());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.encodePrettily());
    System.exit(0);
  }

  /** A WebSocket to /api/ws; a handshake that fails is tried again (5 times, 1 s apart). */
  private static WebSocket subscriber(WebSocketClient client, int port) throws InterruptedException {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/ws");
    for (int attempt = 1; ; attempt++) {
      try {
        return client.connect(options).toCompletionStage().toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (attempt == 5) {
          throw new IllegalStateException("no WebSocket to 127.0.0.1:" + port + "/api/ws after 5 attempts: " + e, e);
        }
        System.out.println("WebSocket to /api/ws, attempt " + attempt + " failed (" + e.getMessage() + "); trying again");
        Thread.sleep(1000);
      }
    }
  }

  /** Sends one reading to a new series and waits for its first update at the subscriber; nanoseconds between. */
  private static long probe(HttpClient http, Map<String, Promise<Long>> waiting, String series, int intervalMs)
    throws InterruptedException {
    Thread.sleep(ThreadLocalRandom.current().nextInt(intervalMs));
    Promise<Long> received = Promise.promise();
    waiting.put(series, received);
    String body = "[{\"series\":\"" + series + "\",\"timestamp\":" + System.currentTimeMillis() + ",\"value\":1.5}]";
    long sent = System.nanoTime();
    await(http.request(HttpMethod.POST, "/api/ingest").compose(req -> req.putHeader("content-type", "application/json")
      .send(Buffer.buffer(body)).compose(resp -> resp.body().map(b -> {
        if (resp.statusCode() / 100 != 2) {
          throw new IllegalStateException("POST /api/ingest answered " + resp.statusCode() + ": " + b);
        }
        return b;
      }))), 30);
    return await(received.future(), 30) - sent;
  }
}
