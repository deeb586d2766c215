package io.pulse.ingest;

import io.pulse.model.RoleStats;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The node's heap and CPU in the ingest stats ({@code jvm.heapUsedMb}, {@code jvm.cpuPercent}): the figures
 * that decide how many pushing clients a node holds, readable in {@code /api/status} by the load tool.
 */
final class ProcessGauges {

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private ProcessGauges() {
  }

  static void update(RoleStats stats) {
    stats.set("jvm.heapUsedMb", MEMORY.getHeapMemoryUsage().getUsed() >> 20);
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      double load = os.getProcessCpuLoad();
      // percent of one core, as top shows it
      stats.set("jvm.cpuPercent", load < 0 ? 0 : Math.round(load * 100 * os.getAvailableProcessors()));
    }
  }
}
