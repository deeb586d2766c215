package io.pulse.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Gathers the JSON every benchmark of scripts/bench wrote under target/bench/ into one report, report.md and
 * report.json: the machine, the versions, each figure as median with its spread, and the ratios to the peers.
 *
 * <p>Arguments: benchDir mode versionsLine...
 */
public final class BenchReport {

  record Row(String benchmark, String metric, JsonObject stats, String note) {
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/bench");
    String mode = args.length > 1 ? args[1] : "full";
    List<Row> rows = new ArrayList<>();
    JsonArray raw = new JsonArray();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().startsWith("report"))
        .sorted().toList()) {
        String text = Files.readString(file).trim();
        if (text.startsWith("[")) {
          jmh(new JsonArray(text), rows);
          raw.add(new JsonObject().put("file", file.getFileName().toString()).put("jmh", new JsonArray(text)));
        } else {
          JsonObject json = new JsonObject(text);
          figures(json, rows);
          raw.add(json);
        }
      }
    }
    JsonObject machine = machine();
    StringBuilder md = new StringBuilder();
    md.append("# Pulse benchmark report\n\n");
    md.append("Mode: ").append(mode).append(". Date: ").append(java.time.LocalDate.now()).append(".\n\n");
    md.append("Machine: ").append(machine.getInteger("cpus")).append(" CPUs, ")
      .append(machine.getLong("memoryMiB") / 1024).append(" GiB, ").append(machine.getString("os")).append(", Java ")
      .append(machine.getString("java")).append(", load average at the end ").append(machine.getString("loadAverage")).append(".\n\n");
    for (int i = 2; i < args.length; i++) {
      md.append(args[i]).append("  \n");
    }
    md.append("\n| benchmark | figure | median | spread (min – max) | note |\n| --- | --- | ---: | --- | --- |\n");
    for (Row row : rows) {
      md.append("| ").append(row.benchmark()).append(" | ").append(row.metric()).append(" | ")
        .append(format(row.stats().getDouble("median"), row.stats().getString("unit"))).append(" | ")
        .append(row.stats().containsKey("min") ? format(row.stats().getDouble("min"), "") + " – " + format(row.stats().getDouble("max"), "") : "")
        .append(" | ").append(row.note()).append(" |\n");
    }
    Files.writeString(dir.resolve("report.md"), md.toString());
    Files.writeString(dir.resolve("report.json"), new JsonObject().put("mode", mode).put("machine", machine)
      .put("results", raw).encodePrettily());
    System.out.println(md);
  }

  /** A benchmark's JSON: every field holding {median, min, max, unit} is a figure; "ratio..." fields are notes. */
  private static void figures(JsonObject json, List<Row> rows) {
    String name = json.getString("benchmark", "?");
    StringBuilder notes = new StringBuilder();
    json.forEach(e -> {
      if (e.getKey().startsWith("ratio") && e.getValue() instanceof Number n) {
        notes.append(e.getKey()).append(" ").append(String.format(Locale.ROOT, "%.2f", n.doubleValue())).append("; ");
      }
    });
    json.forEach(e -> {
      if (e.getValue() instanceof JsonObject stats && stats.containsKey("median")) {
        rows.add(new Row(name, e.getKey(), stats, notes.toString()));
      }
    });
  }

  private static void jmh(JsonArray results, List<Row> rows) {
    for (Object o : results) {
      JsonObject r = (JsonObject) o;
      JsonObject metric = r.getJsonObject("primaryMetric");
      JsonArray rawData = metric.getJsonArray("rawData");
      List<Double> all = new ArrayList<>();
      rawData.forEach(fork -> ((JsonArray) fork).forEach(v -> all.add(((Number) v).doubleValue())));
      all.sort(Double::compare);
      double median = all.isEmpty() ? metric.getDouble("score") : all.get(all.size() / 2);
      String bench = r.getString("benchmark");
      rows.add(new Row("jmh " + bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1),
        r.getJsonObject("params", new JsonObject()).encode(),
        new JsonObject().put("median", median).put("min", all.isEmpty() ? median : all.get(0))
          .put("max", all.isEmpty() ? median : all.get(all.size() - 1)).put("unit", metric.getString("scoreUnit")),
        r.getInteger("threads") + " thread(s), " + all.size() + " iterations"));
    }
  }

  private static JsonObject machine() {
    JsonObject m = new JsonObject().put("cpus", Runtime.getRuntime().availableProcessors())
      .put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"))
      .put("java", System.getProperty("java.version"));
    try {
      String mem = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\D+", "");
      m.put("memoryMiB", Long.parseLong(mem) / 1024);
      m.put("loadAverage", Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      m.put("memoryMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024)).put("loadAverage", "?");
    }
    return m;
  }

  private static String format(double v, String unit) {
    String number = Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    return unit == null || unit.isEmpty() ? number : number + " " + unit;
  }
}
