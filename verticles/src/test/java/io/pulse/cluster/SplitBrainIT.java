package io.pulse.cluster;

import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A split brain and its healing, for real: two node processes from the jar (ingest with the simulator, aggregate,
 * gateway), each in a network namespace of its own, joined by a veth pair addressed in 127.0.0.0/8 (so the traffic
 * stays on loopback addresses: the namespaces accept 127/8 on the link with {@code route_localnet} and lose their
 * catch-all local 127/8 route). The link is cut ({@code ip link set down}), each side must notice and carry on alone,
 * owning every aggregate partition; the link is restored, Hazelcast must merge the two clusters, and the partitions
 * must again have one owner each. Needs root and {@code ip netns}; skipped otherwise, with the reason.
 * Figures go to {@code target/split-brain-report.txt}.
 */
class SplitBrainIT {

  private static final Path JAR = Path.of(System.getProperty("pulse.jar", "target/pulse.jar"));
  private static final int PARTITIONS = 64;
  private static final String[] SIDES = {"A", "B"};
  private static final String[] ADDRESSES = {"127.77.0.1", "127.77.0.2"};

  private final String suffix = Long.toHexString(System.nanoTime() & 0xffffffL);
  private final String[] namespaces = {"pulse-sbA-" + suffix, "pulse-sbB-" + suffix};
  /** veth names: at most 15 characters */
  private final String[] links = {"psA" + suffix, "psB" + suffix};
  private final Process[] nodes = new Process[2];
  private final List<String> created = new ArrayList<>();
  private final StringBuilder report = new StringBuilder();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : nodes) {
      if (p != null) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    for (String ns : created) {
      run("ip", "netns", "delete", ns); // deletes the veth end inside it, and so the pair
    }
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/split-brain-report.txt"), report.toString());
  }

  @Test
  @DisplayName("cut in two, both halves carry on, each owning every partition; healed, Hazelcast merges them and each "
    + "partition has one owner again")
  void cutAndHeal() throws Exception {
    Assumptions.assumeTrue("0".equals(output("id", "-u").trim()),
      "split-brain test skipped: network namespaces need root (id -u is not 0)");
    Assumptions.assumeTrue(run("curl", "--version") == 0, "split-brain test skipped: curl is missing (it reaches the "
      + "nodes inside their namespaces)");
    Assumptions.assumeTrue(run("ip", "netns", "add", namespaces[0]) == 0,
      "split-brain test skipped: `ip netns add` failed (no network namespaces on this machine)");
    created.add(namespaces[0]);
    must("ip", "netns", "add", namespaces[1]);
    created.add(namespaces[1]);
    must("ip", "link", "add", links[0], "type", "veth", "peer", "name", links[1]);
    for (int i = 0; i < 2; i++) {
      String ns = namespaces[i];
      must("ip", "link", "set", links[i], "netns", ns);
      must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
      // 127/8 on a real link: accepted with route_localnet, and routed there once lo no longer claims all of 127/8
      must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1");
      must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf." + links[i] + ".route_localnet=1");
      must("ip", "netns", "exec", ns, "ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local");
      must("ip", "netns", "exec", ns, "ip", "addr", "add", ADDRESSES[i] + "/24", "dev", links[i]);
      must("ip", "netns", "exec", ns, "ip", "link", "set", links[i], "up");
    }

    for (int i = 0; i < 2; i++) {
      nodes[i] = start(i);
    }
    long t0 = System.currentTimeMillis();
    TestNodes.waitUntil("both nodes form one cluster of 2", 120_000, () -> members(0) == 2 && members(1) == 2);
    TestNodes.waitUntil("the partitions are shared: one owner each", 60_000, () -> ownedTotal(0) == PARTITIONS
      && ownedBy(0, 0) > 0 && ownedBy(0, 1) > 0);
    note("joined: one cluster of 2 after %d ms; partitions owned %d + %d", System.currentTimeMillis() - t0,
      ownedBy(0, 0), ownedBy(0, 1));

    long cutAt = System.currentTimeMillis();
    must("ip", "netns", "exec", namespaces[0], "ip", "link", "set", links[0], "down");
    long[] alone = new long[2];
    TestNodes.waitUntil("each side sees itself alone", 60_000, () -> {
      for (int i = 0; i < 2; i++) {
        if (alone[i] == 0 && members(i) == 1) {
          alone[i] = System.currentTimeMillis();
        }
      }
      return alone[0] > 0 && alone[1] > 0;
    });
    note("cut: side A alone after %d ms, side B after %d ms", alone[0] - cutAt, alone[1] - cutAt);
    for (int i = 0; i < 2; i++) {
      int side = i;
      TestNodes.waitUntil("side " + SIDES[i] + " owns every partition", 30_000, () -> ownedBy(side, side) == PARTITIONS);
      long before = resultsIn(side);
      TestNodes.waitUntil("side " + SIDES[i] + " keeps publishing results", 20_000, () -> resultsIn(side) > before + 10);
    }
    note("during the cut: each side owns all %d partitions and publishes results (%d and %d results in at its gateway)",
      PARTITIONS, resultsIn(0), resultsIn(1));

    long healAt = System.currentTimeMillis();
    must("ip", "netns", "exec", namespaces[0], "ip", "link", "set", links[0], "up");
    TestNodes.waitUntil("the halves merge into one cluster of 2", 120_000, () -> members(0) == 2 && members(1) == 2);
    long mergedAt = System.currentTimeMillis();
    TestNodes.waitUntil("one owner per partition again", 60_000, () -> ownedTotal(0) == PARTITIONS
      && ownedTotal(1) == PARTITIONS && ownedBy(0, 0) < PARTITIONS && ownedBy(0, 1) < PARTITIONS);
    long settledAt = System.currentTimeMillis();
    for (int i = 0; i < 2; i++) {
      int side = i;
      long before = resultsIn(side);
      TestNodes.waitUntil("side " + SIDES[i] + " publishes results after the merge", 20_000,
        () -> resultsIn(side) > before + 10);
    }
    note("healed: merged %d ms after the link came back, one owner per partition %d ms later (%d + %d)",
      mergedAt - healAt, settledAt - mergedAt, ownedBy(0, 0), ownedBy(0, 1));
    for (int i = 0; i < 2; i++) {
      JsonObject aggregate = nodeEntry(status(i), "side" + SIDES[i]).getJsonObject("counters").getJsonObject("aggregate");
      note("side %s after the merge: partitions handed over %d, taken over %d, hand-over windows dropped %d, "
          + "hand-over failures %d", SIDES[i], aggregate.getLong("partitionsHandedOver", 0L),
        aggregate.getLong("partitionsTakenOver", 0L), aggregate.getLong("handoverWindowsDropped", 0L),
        aggregate.getLong("handoverFailures", 0L));
    }
    assertThat(nodes[0].isAlive() && nodes[1].isAlive()).as("both nodes still run").isTrue();
  }

  private Process start(int i) throws IOException {
    List<String> cmd = List.of("ip", "netns", "exec", namespaces[i], "java", "-Xmx256m",
      // cluster/hazelcast.xml's merge delays (30 s) are what is tested: settings in the XML win over -D properties
      "-jar", JAR.toAbsolutePath().toString(), "--node.id=side" + SIDES[i], "--node.roles=ingest,aggregate,gateway",
      "--cluster.enabled=true", "--cluster.name=pulse-sb-" + suffix, "--cluster.host=" + ADDRESSES[i],
      "--cluster.port=5701", "--cluster.members=" + ADDRESSES[0] + ":5701," + ADDRESSES[1] + ":5701",
      "--cluster.config=" + Path.of("cluster/hazelcast.xml").toAbsolutePath(), "--http.host=127.0.0.1",
      "--http.port=8080", "--ingest.http.port=8081", "--node.health-port=8558", "--simulator.rate=200",
      "--simulator.symbols=BTCUSDT", "--simulator.services=checkout", "--gateway.stream-loops=1");
    Path log = Path.of("target/split-brain-" + SIDES[i] + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
      .start();
  }

  /** The gateway status of one side, fetched from inside its namespace; null when it does not answer. */
  private JsonObject status(int side) {
    try {
      String body = output("ip", "netns", "exec", namespaces[side], "curl", "-sf", "-m", "3",
        "http://127.0.0.1:8080/api/status");
      return body.isBlank() ? null : new JsonObject(body);
    } catch (Exception e) {
      return null;
    }
  }

  private int members(int side) {
    JsonObject s = status(side);
    return s == null ? -1 : s.getJsonArray("members").size();
  }

  /** Partitions that {@code node}'s last report says it owns, as {@code side} sees it (0 if not reported). */
  private long ownedBy(int side, int node) {
    JsonObject entry = nodeEntry(status(side), "side" + SIDES[node]);
    return entry == null ? 0 : entry.getJsonObject("counters").getJsonObject("aggregate", new JsonObject())
      .getLong("partitionsOwned", 0L);
  }

  private long ownedTotal(int side) {
    return ownedBy(side, 0) + ownedBy(side, 1);
  }

  private long resultsIn(int side) {
    JsonObject entry = nodeEntry(status(side), "side" + SIDES[side]);
    return entry == null ? 0 : entry.getJsonObject("counters").getJsonObject("gateway", new JsonObject())
      .getLong("resultsIn", 0L);
  }

  private static JsonObject nodeEntry(JsonObject status, String node) {
    if (status == null) {
      return null;
    }
    for (Object n : status.getJsonArray("nodes")) {
      if (node.equals(((JsonObject) n).getString("node"))) {
        return (JsonObject) n;
      }
    }
    return null;
  }

  private void note(String format, Object... args) {
    String line = String.format(format, args);
    System.out.println(line);
    report.append(line).append('\n');
  }

  private static void must(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out.trim());
    }
  }

  private static int run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static String output(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(20, TimeUnit.SECONDS);
    return out;
  }
}
