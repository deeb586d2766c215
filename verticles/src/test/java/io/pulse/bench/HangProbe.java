package io.pulse.bench;

import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.ResultBatch;
import io.pulse.model.WindowResult;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Diagnostic tool (not a test): sends sequential GETs from the main thread, as PersistBench and the tests do, and
 * reports every request left unanswered for 10 s: whether the client got a connection and the response head, the
 * client's local port and that socket's state ({@code ss}), and, against the plain server, whether the server ended
 * the response.
 *
 * <p>What it showed (Vert.x 5.0.7): with the client chain {@code request().compose(req -> req.send()).compose(resp ->
 * resp.body())} about 1 request in 2,000-7,000 never completes, with the Pulse gateway and with a bare Vert.x server
 * alike; the response head was received, the server ended the response within a millisecond, the socket holds no
 * unread bytes and the next request on the same connection is answered. {@code body()} runs in a later event-loop
 * task than the response head; when the response's end is handled in between, Vert.x 5.0.7 drops the end (no body
 * handler yet) and the body future never completes (vert.x issue 6038, fixed by pull request 6064/6071 after 5.0.7).
 * Calling {@code body()} in the same callback as {@code send()} ({@code req.send().compose(resp -> resp.body())},
 * "nested") and the JDK client lost none.
 *
 * <p>Arguments: requests (20000), client: flat | nested | jdk (flat; flat-close and nested-close: a connection per
 * request, no keep-alive), server: pulse | plain (pulse).
 */
public final class HangProbe {

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    String client = args.length > 1 ? args[1] : "flat";
    String serverKind = args.length > 2 ? args[2] : "pulse";
    Vertx vertx = Vertx.vertx();
    Map<String, Boolean> ended = new ConcurrentHashMap<>(); // plain server: probe id -> response ended
    PulseNode node = null;
    String uri;
    int port;
    if (serverKind.equals("pulse")) {
      node = TestNodes.start(TestNodes.config("--node.roles=persist,gateway", "--node.drain-ms=0", "--http.port=0",
        "--simulator.enabled=false", "--persist.ring-size=600", "--persist.data-dir=target/probe-data"));
      uri = ringSeries(node);
      port = node.httpPort();
    } else {
      Buffer body = Buffer.buffer("{\"results\":[" + "{\"v\":1.0},".repeat(10_000) + "{\"v\":1.0}]}");
      HttpServer server = vertx.createHttpServer().requestHandler(req -> {
        String id = req.getHeader("x-probe-id");
        ended.put(id, false);
        req.response().endHandler(v -> ended.put(id, true)).putHeader("Content-Type", "application/json").end(body);
      });
      port = TestNodes.await(server.listen(0, "127.0.0.1"), 10).actualPort();
      uri = "/plain";
    }
    System.out.printf("client %s, server %s on port %d, %d sequential GET %s%n", client, serverKind, port, n, uri);
    boolean keepAlive = !client.endsWith("-close");
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
      .setKeepAlive(keepAlive));
    java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    int hung = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String id = Integer.toString(i);
      Trace trace = new Trace();
      long sentAt = System.nanoTime();
      CompletableFuture<?> answer = switch (client.replace("-close", "")) {
        case "jdk" -> jdk.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
          .header("x-probe-id", id).build(), HttpResponse.BodyHandlers.ofString());
        case "nested" -> http.request(HttpMethod.GET, uri)
          .compose(req -> trace.sent(req, id).send().compose(trace::body))
          .toCompletionStage().toCompletableFuture();
        case "flat" -> http.request(HttpMethod.GET, uri)
          .compose(req -> trace.sent(req, id).send()).compose(trace::body)
          .toCompletionStage().toCompletableFuture();
        default -> throw new IllegalArgumentException("client: flat, nested or jdk");
      };
      try {
        answer.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        hung++;
        System.out.printf("request %s (sent %.1f s into the run) unanswered after 10 s: connection %s, local port %d,"
            + " response head %s; server ended the response: %s%n", id, (sentAt - t0) / 1e9,
          trace.localPort > 0 ? "obtained" : "never obtained", trace.localPort, trace.head ? "received" : "not received",
          serverKind.equals("plain") ? ended.getOrDefault(id, false) + (ended.containsKey(id) ? "" : " (never got it)")
            : "unknown (pulse)");
        if (trace.localPort > 0) {
          new ProcessBuilder("sh", "-c", "ss -tn state all '( sport = :" + trace.localPort + " or dport = :"
            + trace.localPort + " )'").inheritIO().start().waitFor();
        }
      }
    }
    System.out.printf("client %s, server %s: %d of %d requests unanswered in 10 s; %.1f s; load %s%n", client,
      serverKind, hung, n, (System.nanoTime() - t0) / 1e9, Files.readString(Path.of("/proc/loadavg")).trim());
    TestNodes.stop(node);
    TestNodes.await(vertx.close(), 10);
  }

  /** What the client saw of one request. */
  private static final class Trace {
    volatile int localPort = -1;
    volatile boolean head;

    HttpClientRequest sent(HttpClientRequest req, String id) {
      localPort = req.connection().localAddress().port();
      return req.putHeader("x-probe-id", id);
    }

    Future<Buffer> body(HttpClientResponse resp) {
      head = true;
      return resp.body();
    }
  }

  /** 600 s of 1 s results in the persist role's ring; returns a query for the last 300 s (PersistBench's memory tier). */
  private static String ringSeries(PulseNode node) throws InterruptedException {
    long now = System.currentTimeMillis() / 60_000 * 60_000;
    String series = "probe.ring";
    List<WindowResult> results = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      results.add(PersistBench.result(series, 1000, now - 600_000 + i * 1000L, i));
    }
    Codecs.register(node.vertx().eventBus());
    node.vertx().eventBus().publish(Addresses.FINAL_RESULTS, new ResultBatch(results));
    Thread.sleep(2000);
    return "/api/history?series=" + series + "&resolution=1000&from=" + (now - 300_000) + "&to=" + now;
  }

  private HangProbe() {
  }
}
