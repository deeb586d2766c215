package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The TCP event-bus bridge: the example clients in Python and Node.js, and refusals of other addresses. */
class TcpBridgeTest {

  private static PulseNode node;
  private static int port;

  @BeforeAll
  static void startNode() {
    port = TestNodes.freePort();
    node = TestNodes.start(TestNodes.config("--http.port=0", "--simulator.rate=300", "--aggregate.resolutions=200",
      "--aggregate.allowed-lateness-ms=50", "--simulator.symbols=BTCUSDT", "--simulator.services=checkout",
      "--gateway.tcp-bridge.enabled=true", "--gateway.tcp-bridge.port=" + port));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("the Python example client (standard library only) prints N results from the TCP bridge")
  void pythonExample() throws Exception {
    assertExampleWorks("python3", "tcp_client.py");
  }

  @Test
  @DisplayName("the Node.js example client (no packages) prints N results from the TCP bridge")
  void nodeExample() throws Exception {
    assertExampleWorks("node", "tcp_client.mjs");
  }

  private static void assertExampleWorks(String runtime, String script) throws Exception {
    Process p = new ProcessBuilder(runtime, Path.of("scripts/examples", script).toString(), "127.0.0.1",
      String.valueOf(port), "5", "trade.").redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(runtime + " " + script + " finished").isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output.lines().filter(l -> l.startsWith("trade.BTCUSDT start="))).hasSize(5);
    assertThat(output).contains("received 5 results");
  }

  @Test
  @DisplayName("the TCP bridge refuses other addresses in both directions and bad query shapes, and answers a valid history query")
  void refusals() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(15_000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      List<JsonObject> refused = List.of(
        new JsonObject().put("type", "register").put("address", Addresses.SAMPLES),
        new JsonObject().put("type", "register").put("address", Addresses.STATS),
        new JsonObject().put("type", "send").put("address", Addresses.SAMPLES).put("body", new JsonObject()),
        new JsonObject().put("type", "publish").put("address", Addresses.RESULTS).put("body", new JsonObject()),
        new JsonObject().put("type", "send").put("address", Addresses.HISTORY_QUERY).put("replyAddress", "bad")
          .put("body", new JsonObject().put("series", "x")));
      for (JsonObject frame : refused) {
        write(out, frame);
      }
      write(out, new JsonObject().put("type", "send").put("address", Addresses.HISTORY_QUERY).put("replyAddress", "good")
        .put("body", new JsonObject().put("series", "trade.BTCUSDT").put("from", 0).put("to", Long.MAX_VALUE / 2)));
      int errors = 0;
      boolean answered = false;
      while (errors < refused.size() || !answered) {
        JsonObject frame = read(in);
        if ("err".equals(frame.getString("type"))) {
          errors++;
        } else if ("good".equals(frame.getString("address"))) {
          answered = true;
          assertThat(frame.getJsonObject("body").getString("series")).isEqualTo("trade.BTCUSDT");
        }
      }
      assertThat(errors).isEqualTo(refused.size());
    }
  }

  private static void write(DataOutputStream out, JsonObject frame) throws Exception {
    byte[] data = frame.encode().getBytes(StandardCharsets.UTF_8);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  private static JsonObject read(DataInputStream in) throws Exception {
    byte[] data = new byte[in.readInt()];
    in.readFully(data);
    return new JsonObject(new String(data, StandardCharsets.UTF_8));
  }
}
