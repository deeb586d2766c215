package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FileReplayTest {

  private static final long T0 = 1_700_000_000_000L;
  private PulseNode node;

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  private static Path csv(Path dir) throws Exception {
    List<String> lines = new ArrayList<>(List.of("timestamp,series,value,volume", T0 + ",meter.x,7",
      (T0 + 1) + ",meter.x,Infinity"));
    for (int i = 0; i < 40; i++) {
      lines.add((T0 + i * 50) + ",trade.BTCUSDT," + (100 + i) + ",0.5");
    }
    lines.add("not,a,number");
    lines.add("1700000000100,only-two");
    Path file = dir.resolve("replay.csv");
    Files.write(file, lines);
    return file;
  }

  @Test
  @DisplayName("a CSV replayed 10x faster with its own times gives exact window results; bad rows are counted and skipped")
  void replayWithOriginalTimes(@TempDir Path dir) throws Exception {
    Path file = csv(dir);
    long started = System.currentTimeMillis();
    node = TestNodes.start(TestNodes.config("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.replay.enabled=true", "--ingest.replay.path=" + file, "--ingest.replay.speed=10",
      "--ingest.replay.rebase-time=false", "--ingest.max-past-ms=0", "--aggregate.idle-flush-ms=1000"));
    IngestProbe probe = new IngestProbe(node);
    TestNodes.waitUntil("both seconds of trades are final", 30_000,
      () -> probe.finals.containsKey("trade.BTCUSDT@" + T0) && probe.finals.containsKey("trade.BTCUSDT@" + (T0 + 1000)));
    assertThat(System.currentTimeMillis() - started).as("2 s of data at 10x take at least 0.19 s").isGreaterThanOrEqualTo(190);
    assertThat(probe.finals.get("trade.BTCUSDT@" + T0).count()).isEqualTo(20);
    assertThat(probe.finals.get("trade.BTCUSDT@" + T0).sum()).isCloseTo(20 * 100 + 190, within(1e-9));
    assertThat(probe.finals.get("trade.BTCUSDT@" + (T0 + 1000)).count()).isEqualTo(20);
    assertThat(probe.finals.get("trade.BTCUSDT@" + T0).volume()).isCloseTo(10.0, within(1e-9));
    assertThat(probe.count("meter.x")).isEqualTo(1);
    TestNodes.waitUntil("bad rows counted and the replay finished", 10_000,
      () -> probe.counter("replay.rejected") == 3 && probe.counter("replay.state.finished") == 1);
    assertThat(probe.counter("replay.rejected.wrong-type")).isEqualTo(1);
    assertThat(probe.counter("replay.rejected.missing-field")).isEqualTo(1);
    assertThat(probe.counter("replay.rejected.not-finite")).isEqualTo(1);
  }

  @Test
  @DisplayName("at real speed with rebased times, the replay takes as long as the file spans and lands in live windows")
  void replayAtRealSpeedRebased(@TempDir Path dir) throws Exception {
    Path file = csv(dir);
    long started = System.currentTimeMillis();
    node = TestNodes.start(TestNodes.config("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.replay.enabled=true", "--ingest.replay.path=" + file, "--aggregate.idle-flush-ms=1000"));
    IngestProbe probe = new IngestProbe(node);
    TestNodes.waitUntil("the replay finished", 30_000, () -> probe.counter("replay.state.finished") == 1);
    assertThat(System.currentTimeMillis() - started).as("the file spans 1.95 s").isGreaterThanOrEqualTo(1900);
    TestNodes.waitUntil("all 40 trades are in final windows", 30_000, () -> probe.count("trade.BTCUSDT") == 40);
    assertThat(probe.finals.values()).allSatisfy(r -> assertThat(r.start()).isGreaterThanOrEqualTo(started - 1000));
  }

  @Test
  @DisplayName("a replay file that cannot be read stops the node's start with a message naming the key and the file")
  void unreadableFile(@TempDir Path dir) {
    var started = PulseNodeStarter.tryStart(TestNodes.config("--node.roles=ingest", "--simulator.enabled=false",
      "--ingest.replay.enabled=true", "--ingest.replay.path=" + dir.resolve("missing.csv")));
    assertThat(started).contains("ingest.replay.path").contains("missing.csv");
  }
}
