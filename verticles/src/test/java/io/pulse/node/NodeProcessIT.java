package io.pulse.node;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The fat jar as an operator runs it: a real process, its exit codes and its log lines. */
class NodeProcessIT {

  private static final Path JAR = Path.of(System.getProperty("pulse.jar", "target/pulse.jar"));

  record Run(int exitCode, List<String> lines) {
    String errorLine() {
      return lines.stream().filter(l -> l.contains(" ERROR ")).findFirst().orElse("");
    }
  }

  @Test
  @DisplayName("bad configuration: one clear ERROR line naming the key, exit code 2, no stack trace")
  void configurationErrors() throws Exception {
    assertFailure(2, "http.port: expected a TCP port number 0-65535, got \"99999\" from --http.port", "--http.port=99999");
    assertFailure(2, "unknown configuration key \"htp.port\" on the command line; did you mean \"http.port\"?", "--htp.port=1");
    assertFailure(2, "node.roles: expected a non-empty list of roles", "--node.roles=");
  }

  @Test
  @DisplayName("a port in use: the error names http.port and how to choose another, exit code 4")
  void portInUse() throws Exception {
    try (ServerSocket busy = new ServerSocket(0)) {
      assertFailure(4, "http.port: 0.0.0.0:" + busy.getLocalPort() + " is already in use",
        "--http.port=" + busy.getLocalPort(), "--simulator.enabled=false");
    }
  }

  @Test
  @DisplayName("an unreachable cluster peer: the error names cluster.members and the peer, exit code 3")
  void unreachablePeer() throws Exception {
    int deadPort = TestNodes.freePort();
    assertFailure(3, "cluster.members: no listed peer answered within 1000 ms (tried [127.0.0.1:" + deadPort + "])",
      "--cluster.enabled=true", "--cluster.members=127.0.0.1:" + deadPort, "--cluster.join-timeout-ms=1000",
      "--cluster.port=" + TestNodes.freePort());
  }

  @Test
  @DisplayName("a node started from the jar serves its dashboard and status, and stops cleanly on SIGTERM")
  void runsAndStopsOnSigterm() throws Exception {
    int port = TestNodes.freePort();
    Path log = Files.createTempFile("pulse-node", ".log");
    Process process = new ProcessBuilder("java", "-jar", JAR.toString(), "--http.port=" + port,
      "--persist.data-dir=" + Files.createTempDirectory("pulse-it-data"))
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      TestNodes.waitUntil("the node logs its dashboard URL", 30_000,
        () -> read(log).contains("dashboard at http://localhost:" + port + "/"));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/status")).build(),
        HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.body()).contains("\"roles\":[\"ingest\",\"aggregate\",\"persist\",\"gateway\"]");
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
      assertThat(page.body()).contains("vendor/vertx-eventbus.js");
      assertThat(read(log)).contains("deployed ingest verticle", "deployed aggregate verticle",
        "deployed persist verticle", "deployed gateway verticle");
    } finally {
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the node exits within 30 s of SIGTERM").isTrue();
    }
    assertThat(read(log)).containsSubsequence("stopping: not ready from now", "stopped ingest verticle",
      "stopped gateway verticle", "stopped aggregate verticle", "stopped persist verticle", "stopped");
    // an operator reads WARN and ERROR as something to act on: a healthy start and stop has none (Vert.x's
    // blocked-thread notices are left out: they follow the machine's load, not the node's state)
    assertThat(read(log).lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
      .filter(l -> !l.contains("BlockedThreadChecker")))
      .as("WARN and ERROR lines of a healthy start and stop").isEmpty();
  }

  private static void assertFailure(int expectedCode, String expectedMessage, String... options) throws Exception {
    Run run = run(options);
    assertThat(run.exitCode()).as("exit code; output:\n%s", String.join("\n", run.lines())).isEqualTo(expectedCode);
    assertThat(run.errorLine()).contains(expectedMessage);
    assertThat(run.lines()).as("no stack trace").noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Exception in"));
  }

  private static Run run(String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "--persist.pg.enabled=false"));
    command.addAll(List.of(options));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = new String(process.getInputStream().readAllBytes()).lines().toList();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), lines);
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }
}
