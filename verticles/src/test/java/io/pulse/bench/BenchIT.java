package io.pulse.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The benchmark suite still runs: {@code scripts/bench --quick} (tiny sizes) on the classes this build compiled,
 * and its report holds every benchmark's figures. Checks that the harness works, not how fast anything is: a figure
 * only has to be there, finite and above zero. Needs what the suite needs (PostgreSQL, Redis, node and npm).
 */
class BenchIT {

  private static final Path REPORT = Path.of("target/bench/report.json");
  private static final long LIMIT_SECONDS = 360;

  @Test
  @DisplayName("scripts/bench --quick runs every benchmark and reports each figure, finite and non-zero")
  void quickModeReportsEveryBenchmark() throws Exception {
    Path log = Path.of("target/bench-it.log");
    Files.deleteIfExists(REPORT);
    ProcessBuilder builder = new ProcessBuilder("scripts/bench", "--quick").redirectErrorStream(true)
      .redirectOutput(log.toFile());
    builder.environment().put("BENCH_PREBUILT", "1");
    Process bench = builder.start();
    if (!bench.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
      bench.descendants().forEach(ProcessHandle::destroyForcibly);
      bench.destroyForcibly();
      fail("scripts/bench --quick did not finish within " + LIMIT_SECONDS + " s; its output:\n" + tail(log));
    }
    assertThat(bench.exitValue()).as("exit code of scripts/bench --quick; its output:\n%s", tail(log)).isZero();

    JsonObject report = new JsonObject(Files.readString(REPORT));
    assertThat(report.getString("mode")).isEqualTo("quick");
    JsonArray results = report.getJsonArray("results");
    List<String> fanOut = new ArrayList<>(List.of("Pulse 100 subscribers held", "Pulse 100 subscribers delay p50",
      "Pulse 100 subscribers delay p99", "ws peer 100 subscribers held", "ws peer 100 subscribers delay p50",
      "ws peer 100 subscribers delay p99", "ratio p99 Pulse/ws at 100", "Pulse 100 subscribers delay max",
      "Pulse 100 subscribers server CPU", "Pulse 100 subscribers server heap used", "ws peer 100 subscribers server CPU",
      "ws peer 100 subscribers server RSS"));
    if (onPath("gcc")) {
      // scripts/bench builds the lean C client and the raw TCP floor when gcc is here
      fanOut.addAll(List.of("Pulse (C client) 100 subscribers delay p99", "ws peer (C client) 100 subscribers delay p99",
        "ratio p99 Pulse/ws at 100 (C client)", "raw TCP floor (C, 2 writer threads) 100 subscribers delay p99"));
    }
    Map<String, List<String>> expected = Map.of(
      "aggregation-peer", List.of("pulse", "flink"),
      "eventbus-path", List.of("oneNode", "twoNodes"),
      "fan-out", fanOut,
      "ingest", List.of("clients held", "readings/s counted"),
      "persist", List.of("write rows/s", "query memory p50", "query memory p99", "query redis p50", "query redis p99",
        "query postgres p50", "query postgres p99"),
      "end-to-end", List.of("delay p50", "delay p99"));
    List<String> seen = new ArrayList<>();
    for (Object o : results) {
      JsonObject result = (JsonObject) o;
      if (result.containsKey("jmh")) {
        seen.add("jmh");
        assertThat(result.getJsonArray("jmh")).as("JMH results").hasSize(2);
        for (Object r : result.getJsonArray("jmh")) {
          assertFigure("jmh " + ((JsonObject) r).getJsonObject("params"),
            ((JsonObject) r).getJsonObject("primaryMetric").getDouble("score"));
        }
        continue;
      }
      String name = result.getString("benchmark");
      seen.add(name);
      for (String figure : expected.getOrDefault(name, List.of())) {
        Object value = result.getValue(figure);
        assertThat(value).as("%s: figure \"%s\" in %s", name, figure, result.encode()).isNotNull();
        assertFigure(name + " " + figure, value instanceof JsonObject stats ? stats.getDouble("median")
          : ((Number) value).doubleValue());
        if (value instanceof JsonObject stats) {
          assertFigure(name + " " + figure + " min", stats.getDouble("min"));
        }
      }
    }
    List<String> all = new ArrayList<>(expected.keySet());
    all.add("jmh");
    assertThat(seen).as("benchmarks in the report").containsAll(all);
    assertThat(Files.readString(Path.of("target/bench/report.md"))).contains("| fan-out | Pulse 100 subscribers delay p99 |");
  }

  static boolean onPath(String command) {
    return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
      .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  private static void assertFigure(String what, Double value) {
    assertThat(value).as(what).isNotNull();
    assertThat(Double.isFinite(value) && value > 0).as("%s is finite and above zero: %s", what, value).isTrue();
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    } catch (Exception e) {
      return "(no output: " + e + ")";
    }
  }
}
