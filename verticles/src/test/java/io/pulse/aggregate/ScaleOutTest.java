package io.pulse.aggregate;

import io.pulse.ingest.FeedSimulator;
import io.pulse.model.Addresses;
import io.pulse.model.Codecs;
import io.pulse.model.Partitions;
import io.pulse.model.Sample;
import io.pulse.model.SampleBatch;
import io.pulse.model.WindowResult;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out of aggregation over real clustered nodes (Hazelcast on loopback): the same simulated input through one
 * and through three aggregate nodes, and three nodes of which one stops mid-stream, held against a reference run of
 * the engine in this JVM, and runs where one aggregate node leaves or joins mid-stream (its partitions' open
 * windows are handed over, so even then every result is identical).
 *
 * <p>Ingest keeps one batch in flight ({@code ingest.max-in-flight=1}) so every run applies each series' samples in
 * the same order, which makes every field comparable exactly (sums included). At the end the test sends one sample
 * per series two hours later, which closes every window by watermark, so no result depends on wall-clock timing
 * (idle flush is off).
 */
class ScaleOutTest {

  private static final long SEED = 7;
  private static final long START = 1_700_000_000_000L;
  private static final long RATE = 4_000;
  private static final long MAX_SAMPLES = 20_000;
  private static final List<String> SYMBOLS = List.of("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT");
  private static final List<String> SERVICES = List.of("checkout", "search", "auth", "cart", "pay");
  private static final int PARTITIONS = 64;

  private final List<PulseNode> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    Collections.reverse(nodes);
    nodes.forEach(TestNodes::stop);
  }

  @Test
  @DisplayName("the same simulated input through one aggregate node and through three gives identical final results, "
    + "each window once, equal to the engine run in this JVM")
  void oneAndThreeNodesAgree() {
    Map<String, WindowResult> reference = reference();

    Run one = new Run(1);
    one.streamAll();
    Map<String, List<WindowResult>> fromOne = one.finishAndCollect(reference.size());
    one.stopAll();

    Run three = new Run(3);
    three.streamAll();
    Map<String, List<WindowResult>> fromThree = three.finishAndCollect(reference.size());

    assertThat(onceEach(fromOne)).isEqualTo(reference);
    assertThat(onceEach(fromThree)).isEqualTo(reference);
  }

  @Test
  @DisplayName("stopping one of three aggregate nodes mid-stream hands its open windows to the others: identical final "
    + "results to the reference, each window once")
  void stoppingOneOfThreeHandsItsWindowsOver() {
    Map<String, WindowResult> reference = reference();
    Run three = new Run(3);
    // stop the node owning the most series, so the test moves as much as it can
    List<String> members = List.of("agg-1", "agg-2", "agg-3");
    Map<String, Set<String>> seriesByOwner = new HashMap<>();
    seriesNames().forEach(series -> seriesByOwner.computeIfAbsent(
      Partitions.owner(Partitions.of(series, PARTITIONS), members), k -> new HashSet<>()).add(series));
    String victim = members.stream().max((a, b) -> Integer.compare(seriesByOwner.getOrDefault(a, Set.of()).size(),
      seriesByOwner.getOrDefault(b, Set.of()).size())).orElseThrow();
    assertThat(seriesByOwner.get(victim)).as("series owned by %s", victim).isNotEmpty();

    three.startIngest();
    TestNodes.waitUntil("a third of the samples acknowledged", 60_000, () -> three.acked.get() >= MAX_SAMPLES / 3);
    PulseNode stopped = three.aggregate(victim);
    long handedOverBefore = three.counter("partitionsTakenOver");
    TestNodes.stop(stopped); // graceful: it hands the open state of its partitions to the other two
    nodes.remove(stopped);
    three.aggregateNodes.remove(stopped);
    TestNodes.waitUntil("every sample acknowledged", 60_000, () -> three.acked.get() >= MAX_SAMPLES);
    Map<String, List<WindowResult>> received = three.finishAndCollect(reference.size());

    assertThat(three.counter("partitionsTakenOver") - handedOverBefore)
      .as("partitions the two remaining nodes took over from %s", victim).isGreaterThan(0);
    assertThat(onceEach(received)).isEqualTo(reference);
  }

  @Test
  @DisplayName("a third aggregate node joining mid-stream takes its partitions with their open windows: identical "
    + "final results to the reference, each window once")
  void aNodeJoiningMidStreamTakesWindowsOver() {
    Map<String, WindowResult> reference = reference();
    Run two = new Run(2);
    two.startIngest();
    TestNodes.waitUntil("a third of the samples acknowledged", 60_000, () -> two.acked.get() >= MAX_SAMPLES / 3);
    long ackedAtJoin = two.acked.get();
    two.addAggregate(3);
    TestNodes.waitUntil("the third node took partitions over", 30_000, () ->
      two.counters.getOrDefault("agg-3", new JsonObject()).getLong("partitionsTakenOver", 0L) > 0);
    TestNodes.waitUntil("every sample acknowledged", 60_000, () -> two.acked.get() >= MAX_SAMPLES);
    Map<String, List<WindowResult>> received = two.finishAndCollect(reference.size());

    assertThat(ackedAtJoin).as("the node joined mid-stream").isLessThan(MAX_SAMPLES);
    assertThat(onceEach(received)).isEqualTo(reference);
  }

  /** One cluster: an ingest node and {@code aggregates} aggregate nodes. */
  private final class Run {
    final List<PulseNode> aggregateNodes = new ArrayList<>();
    final int[] ports;
    final String members;
    PulseNode ingest;
    final AtomicLong acked = new AtomicLong();
    final Map<String, List<WindowResult>> finals = new ConcurrentHashMap<>();

    /** the aggregate nodes' counters, from their stats, by node */
    final Map<String, JsonObject> counters = new ConcurrentHashMap<>();

    Run(int aggregates) {
      // one spare port: a node that joins later
      ports = IntStream.range(0, aggregates + 2).map(i -> TestNodes.freePort()).toArray();
      members = String.join(",", IntStream.of(ports).mapToObj(p -> "127.0.0.1:" + p).toList());
      for (int i = 1; i <= aggregates; i++) {
        PulseNode node = TestNodes.start(TestNodes.config(options("--node.id=agg-" + i, "--node.roles=aggregate",
          "--cluster.port=" + ports[i])));
        nodes.add(node);
        aggregateNodes.add(node);
      }
      // start streaming only once every aggregate node sees all of them: no partition moves during the run
      Map<String, Long> seenMembers = new ConcurrentHashMap<>();
      aggregateNodes.get(0).vertx().eventBus().<JsonObject>consumer(Addresses.STATS, m -> {
        if ("aggregate".equals(m.body().getString("role"))) {
          JsonObject c = m.body().getJsonObject("counters");
          seenMembers.put(m.body().getString("node"), c.getLong("aggregateMembers", 0L));
          counters.put(m.body().getString("node"), c);
        }
      });
      TestNodes.waitUntil(aggregates + " aggregate nodes agree on the members", 60_000, () ->
        seenMembers.size() == aggregates && seenMembers.values().stream().allMatch(n -> n == aggregates));
    }

    /** Starts aggregate node {@code agg-<i>} on the spare port, while the others run. */
    void addAggregate(int i) {
      PulseNode node = TestNodes.start(TestNodes.config(options("--node.id=agg-" + i, "--node.roles=aggregate",
        "--cluster.port=" + ports[ports.length - 1])));
      nodes.add(node);
      aggregateNodes.add(node);
    }

    /** A counter summed over the aggregate nodes' latest stats (a stopped node's last stats included). */
    long counter(String name) {
      return counters.values().stream().mapToLong(c -> c.getLong(name, 0L)).sum();
    }

    PulseNode aggregate(String nodeId) {
      return aggregateNodes.stream().filter(n -> n.nodeId().equals(nodeId)).findFirst().orElseThrow();
    }

    void startIngest() {
      ingest = TestNodes.start(TestNodes.config(options("--node.id=ingest", "--node.roles=ingest",
        "--cluster.port=" + ports[0], "--simulator.enabled=true", "--simulator.seed=" + SEED,
        "--simulator.start-time=" + START, "--simulator.rate=" + RATE, "--simulator.max-samples=" + MAX_SAMPLES,
        "--simulator.symbols=" + String.join(",", SYMBOLS), "--simulator.services=" + String.join(",", SERVICES))));
      nodes.add(ingest);
      ingest.vertx().eventBus().<JsonObject>consumer(Addresses.RESULTS, m -> {
        WindowResult r = WindowResult.fromJson(m.body());
        if (r.isFinal()) {
          finals.computeIfAbsent(keyOf(r), k -> Collections.synchronizedList(new ArrayList<>())).add(r);
        }
      });
      ingest.vertx().eventBus().<JsonObject>consumer(Addresses.STATS, m -> {
        if ("ingest".equals(m.body().getString("role"))) {
          acked.set(m.body().getJsonObject("counters").getLong("samplesAcked", 0L));
        } else if ("aggregate".equals(m.body().getString("role"))) {
          counters.put(m.body().getString("node"), m.body().getJsonObject("counters"));
        }
      });
    }

    void streamAll() {
      startIngest();
      TestNodes.waitUntil("every sample acknowledged", 60_000, () -> acked.get() >= MAX_SAMPLES);
    }

    /** Closes every window with one late-enough sample per series; waits for {@code expected} results (0: a while). */
    Map<String, List<WindowResult>> finishAndCollect(int expected) {
      long later = START + 2 * 3_600_000L;
      List<Future<?>> sent = new ArrayList<>();
      Map<Integer, List<Sample>> byPartition = new TreeMap<>();
      seriesNames().forEach(s -> byPartition.computeIfAbsent(Partitions.of(s, PARTITIONS), p -> new ArrayList<>())
        .add(Sample.of(s, later, 0)));
      Codecs.register(ingest.vertx().eventBus());
      byPartition.forEach((p, samples) -> sent.add(ingest.vertx().eventBus().request(Partitions.address(p),
        new SampleBatch("test", samples), new DeliveryOptions().setSendTimeout(30_000))));
      TestNodes.await(Future.all(sent), 60);
      if (expected > 0) {
        TestNodes.waitUntil(expected + " final results", 60_000, () -> finals.size() >= expected);
      }
      sleep(2000); // a duplicate or stray result would come within this
      return new TreeMap<>(finals);
    }

    void stopAll() {
      List<PulseNode> mine = new ArrayList<>(aggregateNodes);
      mine.add(ingest);
      mine.forEach(TestNodes::stop);
      nodes.removeAll(mine);
    }

    private String[] options(String... more) {
      List<String> all = new ArrayList<>(List.of(more));
      all.addAll(commonOptions());
      all.add("--cluster.enabled=true");
      all.add("--cluster.members=" + members);
      if (all.stream().noneMatch(o -> o.startsWith("--simulator.enabled"))) {
        all.add("--simulator.enabled=false");
      }
      return all.toArray(String[]::new);
    }
  }

  /** Options of every node and of the reference engine. */
  private static List<String> commonOptions() {
    return List.of("--aggregate.idle-flush-ms=600000", "--aggregate.provisional-interval-ms=0",
      "--aggregate.partitions=" + PARTITIONS, "--ingest.max-in-flight=1", "--ingest.ack-timeout-ms=8000");
  }

  /** The engine in this JVM, fed the simulator's samples in order and the closing samples: its final results. */
  private static Map<String, WindowResult> reference() {
    Map<String, WindowResult> out = new TreeMap<>();
    EngineSettings settings = EngineSettings.from(TestNodes.config(commonOptions().toArray(String[]::new)));
    AggregationEngine engine = new AggregationEngine(settings, r -> {
      if (r.isFinal()) {
        assertThat(out.put(keyOf(r), WindowResult.fromJson(r.toJson()))).isNull();
      }
    });
    samples().forEach(s -> engine.add(s, 0));
    seriesNames().forEach(s -> engine.add(Sample.of(s, START + 2 * 3_600_000L, 0), 0));
    return out;
  }

  private static List<Sample> samples() {
    FeedSimulator sim = new FeedSimulator(SEED, SYMBOLS, SERVICES, RATE, START);
    List<Sample> samples = new ArrayList<>();
    while (sim.emitted() < MAX_SAMPLES) {
      sim.next(0, samples);
    }
    return samples;
  }

  private static Set<String> seriesNames() {
    Set<String> names = new java.util.TreeSet<>();
    samples().forEach(s -> names.add(s.series()));
    return names;
  }

  private static String keyOf(WindowResult r) {
    return r.series() + "@" + r.resolution() + "@" + r.start();
  }

  private static Map<String, WindowResult> onceEach(Map<String, List<WindowResult>> finals) {
    Map<String, WindowResult> out = new TreeMap<>();
    finals.forEach((key, results) -> {
      assertThat(results).as("final results of %s", key).hasSize(1);
      out.put(key, results.get(0));
    });
    return out;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
