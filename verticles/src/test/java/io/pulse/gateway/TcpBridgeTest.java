package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP event-bus bridge: the example clients in Python and Node.js subscribing and sending samples that come back as
 * window results, bad samples refused and counted by ingest, refusals of other addresses, and bearer authentication
 * on and off: two real nodes, one open, one requiring a JWT.
 */
class TcpBridgeTest {

  private static final String SECRET = "test-secret-of-enough-length-for-hs256";
  private static final String BLOCKED = "blocked by bridgeEvent handler";
  private static PulseNode open;
  private static PulseNode secured;
  private static int openPort;
  private static int securedPort;
  private static Vertx client;
  private static String token;
  private static String forged;

  @BeforeAll
  static void startNodes() {
    openPort = TestNodes.freePort();
    securedPort = TestNodes.freePort();
    List<String> common = List.of("--http.port=0", "--simulator.rate=300", "--aggregate.resolutions=200",
      "--aggregate.allowed-lateness-ms=50", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout",
      "--gateway.tcp-bridge.enabled=true");
    open = TestNodes.start(TestNodes.config(with(common, "--gateway.tcp-bridge.port=" + openPort)));
    secured = TestNodes.start(TestNodes.config(with(common, "--gateway.tcp-bridge.port=" + securedPort,
      "--gateway.auth.jwt-secret=" + SECRET)));
    client = Vertx.vertx();
    token = JWTAuth.create(client, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
      .generateToken(new JsonObject().put("sub", "tcp-bridge-test"));
    forged = JWTAuth.create(client, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-of-enough-length-xx")))
      .generateToken(new JsonObject().put("sub", "mallory"));
  }

  @AfterAll
  static void stopNodes() {
    TestNodes.await(client.close(), 10);
    TestNodes.stop(open);
    TestNodes.stop(secured);
  }

  private static String[] with(List<String> common, String... more) {
    List<String> all = new ArrayList<>(common);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  @DisplayName("the Python example client (standard library only) sends samples and prints their window results")
  void pythonExample() throws Exception {
    String output = runExample(openPort, Map.of(), "python3", "tcp_client.py", "example.python.temperature");
    assertOwnResults(output, "example.python.temperature");
  }

  @Test
  @DisplayName("the Node.js example client (no packages) sends samples and prints their window results")
  void nodeExample() throws Exception {
    String output = runExample(openPort, Map.of(), "node", "tcp_client.mjs", "example.node.temperature");
    assertOwnResults(output, "example.node.temperature");
  }

  @Test
  @DisplayName("samples sent over the TCP bridge become window results; bad ones are refused, reported and counted "
    + "by ingest under the source tcp-bridge")
  void samplesBecomeResultsAndBadOnesAreCounted() throws Exception {
    String series = "tcp.java.sensor";
    try (Bridge bridge = new Bridge(openPort)) {
      bridge.write(new JsonObject().put("type", "register").put("address", Addresses.RESULTS));
      long now = System.currentTimeMillis();
      JsonArray mixed = new JsonArray()
        .add(sample(series, now, 1.5))
        .add(new JsonObject().put("series", series).put("timestamp", now).put("value", "hot"))
        .add(sample("bad series!", now, 1))
        .add(new JsonObject().put("value", 1))
        .add("not a sample")
        .add(sample(series, now + 3_600_000L, 2))
        .add(sample(series, now, 2.5));
      bridge.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("replyAddress", "acks")
        .put("body", mixed));
      JsonObject ack = bridge.readUntil(f -> "acks".equals(f.getString("address"))).getJsonObject("body");
      assertThat(ack.getInteger("accepted")).isEqualTo(2);
      assertThat(ack.getInteger("rejected")).isEqualTo(5);
      assertThat(ack.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("reason")).toList())
        .containsExactly("wrong-type", "bad-series", "missing-field", "not-an-object", "too-far-future");
      assertThat(ack.getJsonArray("errors").getJsonObject(0).getInteger("index")).isEqualTo(1);

      // a sample every 100 ms, without a reply, until a window of this series is published
      JsonObject result = null;
      long deadline = System.currentTimeMillis() + 30_000;
      long nextSample = 0;
      while (result == null && System.currentTimeMillis() < deadline) {
        if (System.currentTimeMillis() >= nextSample) {
          bridge.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW)
            .put("body", sample(series, System.currentTimeMillis(), 3)));
          nextSample = System.currentTimeMillis() + 100;
        }
        JsonObject frame = bridge.poll(20);
        if (frame != null && Addresses.RESULTS.equals(frame.getString("address"))
          && series.equals(frame.getJsonObject("body").getString("series"))) {
          result = frame.getJsonObject("body");
        }
      }
      assertThat(result).as("a window result of " + series).isNotNull();
      assertThat(result.getLong("count")).isPositive();
    }
    TestNodes.waitUntil("ingest counts the rejects of source tcp-bridge", 30_000, () -> {
      JsonObject ingest = summedCounters(open, "ingest");
      return ingest.getLong("tcp-bridge.rejected", 0L) >= 5
        && ingest.getLong("tcp-bridge.rejected.wrong-type", 0L) >= 1
        && ingest.getLong("tcp-bridge.rejected.too-far-future", 0L) >= 1
        && ingest.getLong("tcp-bridge.samplesIn", 0L) >= 2;
    });
  }

  @Test
  @DisplayName("rejected samples reach the dead-letter address like other sources' input")
  void rejectsAreDeadLettered() throws Exception {
    List<JsonObject> letters = new CopyOnWriteArrayList<>();
    var consumer = open.vertx().eventBus().<JsonObject>consumer(Addresses.DEADLETTER, m -> letters.add(m.body()));
    TestNodes.await(consumer.completion(), 10);
    try (Bridge bridge = new Bridge(openPort)) {
      bridge.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("replyAddress", "acks")
        .put("body", new JsonObject().put("series", "tcp.dead.letter").put("timestamp", 1).put("value", Double.NaN)));
      JsonObject ack = bridge.readUntil(f -> "acks".equals(f.getString("address"))).getJsonObject("body");
      assertThat(ack.getInteger("rejected")).isEqualTo(1);
      TestNodes.waitUntil("a dead letter from tcp-bridge", 15_000, () -> letters.stream()
        .anyMatch(l -> "tcp-bridge".equals(l.getString("source")) && l.getString("input").contains("tcp.dead.letter")));
    } finally {
      TestNodes.await(consumer.unregister(), 10);
    }
  }

  @Test
  @DisplayName("the TCP bridge refuses other addresses in both directions, publishing, bad query and sample shapes, "
    + "and answers a valid history query")
  void refusals() throws Exception {
    try (Bridge bridge = new Bridge(openPort)) {
      List<JsonObject> deniedByAddress = List.of(
        new JsonObject().put("type", "register").put("address", Addresses.SAMPLES),
        new JsonObject().put("type", "register").put("address", Addresses.STATS),
        new JsonObject().put("type", "register").put("address", Addresses.INGEST_RAW),
        new JsonObject().put("type", "send").put("address", Addresses.SAMPLES).put("body", new JsonObject()),
        new JsonObject().put("type", "publish").put("address", Addresses.RESULTS).put("body", new JsonObject()));
      JsonArray tooMany = new JsonArray();
      for (int i = 0; i <= BridgePolicy.MAX_SAMPLES_PER_FRAME; i++) {
        tooMany.add(sample("x", 1, i));
      }
      List<JsonObject> refusedByPolicy = List.of(
        new JsonObject().put("type", "send").put("address", Addresses.HISTORY_QUERY).put("replyAddress", "bad")
          .put("body", new JsonObject().put("series", "x")),
        new JsonObject().put("type", "publish").put("address", Addresses.INGEST_RAW).put("body", sample("x", 1, 1)),
        new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("body", "garbage"),
        new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("body", new JsonArray()),
        new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("body", tooMany));
      for (JsonObject frame : deniedByAddress) {
        bridge.write(frame);
      }
      for (JsonObject frame : refusedByPolicy) {
        bridge.write(frame);
      }
      bridge.write(new JsonObject().put("type", "send").put("address", Addresses.HISTORY_QUERY)
        .put("replyAddress", "good")
        .put("body", new JsonObject().put("series", "trade.BTCUSDT").put("from", 0).put("to", Long.MAX_VALUE / 2)));
      List<String> errors = new ArrayList<>();
      boolean answered = false;
      while (errors.size() < deniedByAddress.size() + 2 * refusedByPolicy.size() || !answered) {
        JsonObject frame = bridge.read();
        if ("err".equals(frame.getString("type"))) {
          errors.add(frame.getString("message"));
        } else if ("good".equals(frame.getString("address"))) {
          answered = true;
          assertThat(frame.getJsonObject("body").getString("series")).isEqualTo("trade.BTCUSDT");
        }
      }
      assertThat(errors.stream().filter("access_denied"::equals)).hasSize(deniedByAddress.size());
      assertThat(errors.stream().filter(BLOCKED::equals)).hasSize(refusedByPolicy.size());
      assertThat(errors).anyMatch(e -> e.contains("'from' must be epoch milliseconds"))
        .anyMatch(e -> e.contains("publish is refused on " + Addresses.INGEST_RAW))
        .anyMatch(e -> e.contains("an array of 1 to " + BridgePolicy.MAX_SAMPLES_PER_FRAME));
    }
  }

  @Test
  @DisplayName("with a JWT secret every TCP bridge frame needs a valid bearer token in its headers; with a token the "
    + "example clients work as on an open gateway")
  void authenticationOnAndOff() throws Exception {
    try (Bridge bridge = new Bridge(securedPort)) {
      JsonObject register = new JsonObject().put("type", "register").put("address", Addresses.RESULTS);
      bridge.write(register.copy());
      assertThat(bridge.read().getString("message")).startsWith("unauthorized: every frame needs a bearer token");
      assertThat(bridge.read().getString("message")).isEqualTo(BLOCKED);
      bridge.write(register.copy().put("headers", new JsonObject().put("Authorization", "Bearer not.a.token")));
      assertThat(bridge.read().getString("message")).startsWith("unauthorized: invalid token");
      assertThat(bridge.read().getString("message")).isEqualTo(BLOCKED);
      bridge.write(register.copy().put("headers", new JsonObject().put("Authorization", "Bearer " + forged)));
      assertThat(bridge.read().getString("message")).startsWith("unauthorized: invalid token");
      assertThat(bridge.read().getString("message")).isEqualTo(BLOCKED);
      bridge.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("replyAddress", "acks")
        .put("body", sample("tcp.auth.sensor", System.currentTimeMillis(), 1)));
      assertThat(bridge.read().getString("message")).startsWith("unauthorized: every frame needs a bearer token");
      assertThat(bridge.read().getString("message")).isEqualTo(BLOCKED);

      JsonObject bearer = new JsonObject().put("Authorization", "Bearer " + token);
      bridge.write(register.copy().put("headers", bearer.copy()));
      bridge.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("replyAddress", "acks")
        .put("headers", bearer.copy()).put("body", sample("tcp.auth.sensor", System.currentTimeMillis(), 1)));
      JsonObject ack = bridge.readUntil(f -> "acks".equals(f.getString("address")));
      assertThat(ack.getJsonObject("body").getInteger("accepted")).isEqualTo(1);
      bridge.readUntil(f -> Addresses.RESULTS.equals(f.getString("address")));
    }
    String refused = runExample(securedPort, Map.of(), "python3", "tcp_client.py", "example.python.denied", 1);
    assertThat(refused).contains("bridge error: unauthorized");
    String output = runExample(securedPort, Map.of("PULSE_TOKEN", token), "node", "tcp_client.mjs",
      "example.node.authenticated");
    assertOwnResults(output, "example.node.authenticated");
    TestNodes.waitUntil("the gateway counts the unauthorized frames", 15_000,
      () -> summedCounters(secured, "gateway").getLong("bridgeUnauthorized", 0L) >= 5);
  }

  @Test
  @DisplayName("a frame over gateway.tcp-bridge.max-frame-bytes (a 100 MB length prefix, or a real 2 MiB frame) gets "
    + "an error frame, its connection is closed and the refusal counted; another client on the node goes on")
  void oversizedFramesCloseOnlyTheirConnection() throws Exception {
    long before = summedCounters(open, "gateway").getLong("bridgeFrameTooLarge", 0L);
    try (Bridge other = new Bridge(openPort)) {
      other.write(new JsonObject().put("type", "register").put("address", Addresses.RESULTS));
      other.readUntil(f -> Addresses.RESULTS.equals(f.getString("address")));

      try (Socket raw = new Socket("127.0.0.1", openPort)) {
        raw.setSoTimeout(15_000);
        DataOutputStream out = new DataOutputStream(raw.getOutputStream());
        out.writeInt(100_000_000);
        out.flush();
        DataInputStream in = new DataInputStream(raw.getInputStream());
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        JsonObject error = new JsonObject(new String(data, StandardCharsets.UTF_8));
        assertThat(error.getString("type")).isEqualTo("err");
        assertThat(error.getString("message")).isEqualTo("frame of 100000000 bytes is over "
          + "gateway.tcp-bridge.max-frame-bytes (1048576): connection closed");
        assertThat(in.read()).as("the gateway closed the connection").isEqualTo(-1);
      }

      try (Socket raw = new Socket("127.0.0.1", openPort)) {
        raw.setSoTimeout(15_000);
        byte[] padding = new byte[2 << 20];
        java.util.Arrays.fill(padding, (byte) 'x');
        byte[] frame = new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW)
          .put("body", new JsonObject().put("series", "tcp.big").put("timestamp", 1).put("value", 1)
            .put("padding", new String(padding, StandardCharsets.US_ASCII)))
          .encode().getBytes(StandardCharsets.UTF_8);
        Thread writer = new Thread(() -> {
          try {
            DataOutputStream out = new DataOutputStream(raw.getOutputStream());
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
          } catch (Exception closedByGateway) {
            // expected: the gateway closes the connection while the frame is still being written
          }
        }, "tcp-bridge-test-oversize-writer");
        writer.setDaemon(true);
        writer.start();
        // the error frame comes first unless the close, with unread bytes left, resets the connection before it
        String ending;
        try {
          DataInputStream in = new DataInputStream(raw.getInputStream());
          byte[] data = new byte[in.readInt()];
          in.readFully(data);
          assertThat(new JsonObject(new String(data, StandardCharsets.UTF_8)).getString("message"))
            .startsWith("frame of " + frame.length + " bytes is over gateway.tcp-bridge.max-frame-bytes");
          ending = in.read() == -1 ? "closed" : "still open";
        } catch (java.net.SocketTimeoutException e) {
          ending = "still open";
        } catch (java.io.IOException e) {
          ending = "closed";
        }
        assertThat(ending).as("the gateway closed the connection of the oversized frame").isEqualTo("closed");
      }

      TestNodes.waitUntil("the gateway counts both oversized frames", 15_000,
        () -> summedCounters(open, "gateway").getLong("bridgeFrameTooLarge", 0L) >= before + 2);
      // the other client still sends and receives
      other.write(new JsonObject().put("type", "send").put("address", Addresses.INGEST_RAW).put("replyAddress", "acks")
        .put("body", sample("tcp.after.oversize", System.currentTimeMillis(), 1)));
      JsonObject ack = other.readUntil(f -> "acks".equals(f.getString("address")));
      assertThat(ack.getJsonObject("body").getInteger("accepted")).isEqualTo(1);
      other.frames.clear();
      other.readUntil(f -> Addresses.RESULTS.equals(f.getString("address")));
    }
  }

  private static JsonObject sample(String series, long timestamp, double value) {
    return new JsonObject().put("series", series).put("timestamp", timestamp).put("value", value);
  }

  private static String runExample(int port, Map<String, String> env, String runtime, String script, String series)
    throws Exception {
    return runExample(port, env, runtime, script, series, 0);
  }

  /** Runs an example client asking for 5 results of the series it sends; returns its output after the exit code. */
  private static String runExample(int port, Map<String, String> env, String runtime, String script, String series,
                                   int expectedExit) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(runtime, Path.of("scripts/examples", script).toString(), "127.0.0.1",
      String.valueOf(port), "5", series, series).redirectErrorStream(true);
    builder.environment().remove("PULSE_TOKEN");
    builder.environment().putAll(env);
    Process p = builder.start();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(runtime + " " + script + " finished").isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (expectedExit == 0) {
      assertThat(p.exitValue()).as(output).isZero();
    } else {
      assertThat(p.exitValue()).as(output).isNotZero();
    }
    return output;
  }

  private static void assertOwnResults(String output, String series) {
    assertThat(output.lines().filter(l -> l.startsWith(series + " start="))).as(output).hasSize(5);
    assertThat(output).contains("received 5 results").containsPattern("sent \\d+ samples of " + series
      + ": [1-9]\\d* accepted, 0 rejected");
  }

  /** The counters of one role, summed over the nodes in this node's /api/status (in a cluster any ingest node may
   * take samples). */
  private static JsonObject summedCounters(PulseNode node, String role) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    JsonObject sum = new JsonObject();
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/api/status"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
      for (Object n : new JsonObject(body).getJsonArray("nodes")) {
        JsonObject counters = ((JsonObject) n).getJsonObject("counters").getJsonObject(role);
        if (counters != null) {
          counters.forEach(e -> {
            if (e.getValue() instanceof Number v) {
              sum.put(e.getKey(), sum.getLong(e.getKey(), 0L) + v.longValue());
            }
          });
        }
      }
    } catch (Exception e) {
      System.err.println("TcpBridgeTest: /api/status did not answer (" + e + ")");
    }
    return sum;
  }

  /** One raw bridge connection: length-prefixed JSON frames both ways; a reader thread queues what arrives. */
  private static final class Bridge implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

    Bridge(int port) throws Exception {
      socket = new Socket("127.0.0.1", port);
      out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      Thread reader = new Thread(() -> {
        try {
          while (true) {
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            frames.add(new JsonObject(new String(data, StandardCharsets.UTF_8)));
          }
        } catch (Exception closed) {
          // the test closed the socket, or the gateway did: read() then times out with a clear message
        }
      }, "tcp-bridge-test-reader");
      reader.setDaemon(true);
      reader.start();
    }

    void write(JsonObject frame) throws Exception {
      byte[] data = frame.encode().getBytes(StandardCharsets.UTF_8);
      out.writeInt(data.length);
      out.write(data);
      out.flush();
    }

    JsonObject read() throws Exception {
      JsonObject frame = frames.poll(15, TimeUnit.SECONDS);
      if (frame == null) {
        throw new AssertionError("no frame from the TCP bridge within 15 s");
      }
      return frame;
    }

    /** The next frame within {@code ms}, or null. */
    JsonObject poll(int ms) throws Exception {
      return frames.poll(ms, TimeUnit.MILLISECONDS);
    }

    JsonObject readUntil(Predicate<JsonObject> wanted) throws Exception {
      while (true) {
        JsonObject frame = read();
        if ("err".equals(frame.getString("type"))) {
          throw new AssertionError("bridge error: " + frame.getString("message"));
        }
        if (wanted.test(frame)) {
          return frame;
        }
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
