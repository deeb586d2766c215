package io.pulse.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The stream load tool still works, with both of its load generators: {@code scripts/load-streams 200} (a whole node
 * from the jar, 3 s) holds every subscriber, half SSE and half WebSocket, and reports delays of results and final
 * results and the node's usage. Checks the harness, not how fast anything is: the figures only have to be there.
 */
class LoadStreamsIT {

  private static final long LIMIT_SECONDS = 180;
  private static final Pattern LINE = Pattern.compile("subscribers=200 \\(sse 100, ws 100\\) .* connected=(\\d+) .*"
    + "measured on (\\d+) subscribers: (\\d+) messages .* delay ms p50=([0-9.]+) p99=([0-9.]+) max=([0-9.]+) "
    + "\\(final results: p50=([0-9.]+) p99=([0-9.]+) max=([0-9.]+)\\) \\| node cpu=(\\d+)% .* heap=(\\d+) MB "
    + "rss=(\\d+) MB.*");

  @Test
  @DisplayName("scripts/load-streams with the C load tool holds 200 SSE and WebSocket subscribers and reports delays")
  void cLoadTool() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(BenchIT.onPath("gcc"),
      "gcc is not installed: scripts/load-streams then runs the Java load tool, tested below");
    check(run("c"));
  }

  @Test
  @DisplayName("scripts/load-streams with the Java load tool (LOAD_TOOL=java) does the same")
  void javaLoadTool() throws Exception {
    check(run("java"));
  }

  private static void check(String output) {
    Matcher m = output.lines().map(LINE::matcher).filter(Matcher::matches).findFirst()
      .orElseThrow(() -> new AssertionError("no result line for 200 subscribers in:\n" + output));
    assertThat(Integer.parseInt(m.group(1))).as("subscribers held").isEqualTo(200);
    assertThat(Integer.parseInt(m.group(2))).as("subscribers measured").isEqualTo(200);
    // 200 subscribers at 5-6 results a second for 3 s: thousands; a tool that times nothing reports 0
    assertThat(Long.parseLong(m.group(3))).as("results timed").isGreaterThan(1000);
    assertThat(Double.parseDouble(m.group(9))).as("final results' max delay (ms): finals were timed")
      .isGreaterThan(0).isLessThan(60_000);
    assertThat(Long.parseLong(m.group(11))).as("node heap (MB)").isPositive();
    assertThat(Long.parseLong(m.group(12))).as("node RSS (MB)").isPositive();
  }

  private static String run(String tool) throws Exception {
    Path log = Path.of("target/load-streams-it-" + tool + ".log");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder("scripts/load-streams", "200").redirectErrorStream(true)
      .redirectOutput(log.toFile());
    builder.environment().put("LOAD_TOOL", tool);
    builder.environment().put("DURATION", "3");
    builder.environment().put("PORT", String.valueOf(port));
    // the node's embedded PostgreSQL would start a server for 3 s of load: history is not what is measured
    builder.environment().put("NODE_ARGS", "--persist.pg.enabled=false");
    Process load = builder.start();
    if (!load.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
      load.descendants().forEach(ProcessHandle::destroyForcibly);
      load.destroyForcibly();
      fail("scripts/load-streams 200 did not finish within " + LIMIT_SECONDS + " s; its output:\n" + BenchIT.tail(log));
    }
    assertThat(load.exitValue()).as("exit code of scripts/load-streams 200 (%s tool); its output:\n%s", tool, BenchIT.tail(log))
      .isZero();
    return Files.readString(log);
  }
}
