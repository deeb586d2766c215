package io.pulse.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a server process used while a load client measured it: CPU as a percentage of one core over the client's
 * whole run (connecting, warm-up and the measured runs; 200 % is both cores here), its resident memory at the end,
 * and, for this JVM (the gateway under test), the heap in use at the end.
 */
final class ServerUsage {

  private final ProcessHandle process;
  private final long cpuNanosAtStart;
  private final long startedNanos = System.nanoTime();

  private ServerUsage(ProcessHandle process) {
    this.process = process;
    this.cpuNanosAtStart = cpuNanos(process);
  }

  static ServerUsage of(ProcessHandle process) {
    return new ServerUsage(process);
  }

  /** {@code cpuPercent}, {@code rssMB} and, for this JVM, {@code heapUsedMB}. */
  JsonObject end() {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    double cpuPercent = (cpuNanos(process) - cpuNanosAtStart) / 1e9 / seconds * 100;
    JsonObject usage = new JsonObject().put("cpuPercent", Math.round(cpuPercent * 10) / 10.0)
      .put("rssMB", rssMB(process.pid()));
    if (process.pid() == ProcessHandle.current().pid()) {
      usage.put("heapUsedMB", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
    }
    return usage;
  }

  /** For the printed line: "CPU 41 %, heap 87 MB, RSS 312 MB". */
  static String describe(JsonObject usage) {
    return "CPU " + Math.round(usage.getDouble("cpuPercent")) + " %"
      + (usage.containsKey("heapUsedMB") ? ", heap " + usage.getLong("heapUsedMB") + " MB" : "")
      + ", RSS " + usage.getLong("rssMB") + " MB";
  }

  private static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElseThrow(() ->
      new IllegalStateException("the CPU time of process " + process.pid() + " cannot be read here"));
  }

  /** VmRSS from /proc (Linux), -1 where there is none. */
  private static long rssMB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
