package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Kafka source of real nodes against a real single-node KRaft broker started here. */
class KafkaSourceTest {

  private static KafkaClusterTestKit kafka;
  private static Admin admin;
  private static KafkaProducer<String, String> producer;
  private static final List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
  private final List<PulseNode> nodes = new ArrayList<>();

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
      .setNumBrokerNodes(1).setNumControllerNodes(1).build())
      .setConfigProp("group.initial.rebalance.delay.ms", "0")
      .setConfigProp("auto.create.topics.enable", "false")
      // one broker: the group coordinator's offsets topic must not ask for three replicas
      .setConfigProp("offsets.topic.replication.factor", "1")
      .setConfigProp("offsets.topic.num.partitions", "1")
      .build();
    kafka.format();
    kafka.startup();
    kafka.waitForReadyBrokers();
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    admin = Admin.create(props);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("acks", "all");
    // not idempotent: the first batches to a topic created a moment ago can meet NOT_LEADER_OR_FOLLOWER while the
    // broker still loads the partition; an idempotent producer then retried its first batch forever with
    // OUT_OF_ORDER_SEQUENCE_NUMBER and the records never arrived. One request in flight keeps retries in order.
    props.put("enable.idempotence", "false");
    props.put("max.in.flight.requests.per.connection", "1");
    props.put("request.timeout.ms", "10000");
    props.put("delivery.timeout.ms", "30000");
    producer = new KafkaProducer<>(props);
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(TestNodes::stop);
  }

  private static void createTopic(String name, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    TestNodes.waitUntil("every partition of " + name + " has a leader", 30_000, () -> {
      try {
        return admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions().stream()
          .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
      } catch (Exception e) {
        return false;
      }
    });
  }

  private static void produce(String topic, String key, String value) {
    sent.add(producer.send(new ProducerRecord<>(topic, key, value)));
  }

  /** Waits until the broker holds every record produced so far; fails with the producer's error if one was lost. */
  private static void flushProduced() {
    producer.flush();
    try {
      for (java.util.concurrent.Future<?> f : sent) {
        f.get();
      }
    } catch (Exception e) {
      throw new AssertionError("producing to the test broker failed: " + e, e);
    } finally {
      sent.clear();
    }
  }

  private PulseNode startNode(String group, String... extra) {
    List<String> options = new ArrayList<>(List.of("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.kafka.enabled=true", "--ingest.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
      "--ingest.kafka.group-id=" + group, "--ingest.kafka.retry-ms=1000",
      // a window's records may reach aggregation in several polls; on a loaded machine seconds apart, and a window
      // closed (idle flush) before the rest arrives would drop it as late
      "--aggregate.idle-flush-ms=4000"));
    options.addAll(List.of(extra));
    PulseNode node = TestNodes.start(TestNodes.config(options.toArray(String[]::new)));
    nodes.add(node);
    return node;
  }

  private static long windowStart(int secondsAgo) {
    long now = System.currentTimeMillis();
    return now - now % 1000 - secondsAgo * 1000L;
  }

  private static String event(String service, int status, double latency, long ts) {
    return new JsonObject().put("service", service).put("endpoint", "/pay").put("status", status)
      .put("latency_ms", latency).put("timestamp", ts).encode();
  }

  @Test
  @DisplayName("log events and shaped samples produced to topics become exact window results; bad records are "
    + "counted and skipped; offsets are committed")
  void eventsAndSamplesBecomeWindowResults() throws Exception {
    createTopic("events-a", 2);
    createTopic("samples-a", 1);
    long w = windowStart(30);
    double latencySum = 0;
    for (int i = 0; i < 100; i++) {
      double latency = 10 + i;
      latencySum += latency;
      produce("events-a", "k" + i, event("checkout", i % 10 == 0 ? 503 : 200, latency, w + i));
    }
    produce("events-a", "bad", "{not json");
    produce("events-a", "bad", "{\"service\":\"checkout\",\"status\":200}");
    for (int i = 0; i < 20; i++) {
      produce("samples-a", null, new JsonObject().put("series", "meter.k").put("timestamp", w + i).put("value", 2.5).encode());
    }
    produce("samples-a", null, "{\"series\":\"meter.k\",\"timestamp\":" + w + ",\"value\":\"x\"}");
    flushProduced();

    PulseNode node = startNode("group-a", "--ingest.kafka.event-topics=events-a", "--ingest.kafka.sample-topics=samples-a");
    IngestProbe probe = new IngestProbe(node);
    TestNodes.waitUntil("all three series have a final window", 60_000, () -> probe.finals.keySet().containsAll(List.of(
      "svc.checkout.latency@" + w, "svc.checkout.error@" + w, "meter.k@" + w)));
    assertThat(probe.finals.get("svc.checkout.latency@" + w).count()).isEqualTo(100);
    assertThat(probe.finals.get("svc.checkout.latency@" + w).sum()).isCloseTo(latencySum, within(1e-9));
    assertThat(probe.finals.get("svc.checkout.error@" + w).sum()).isEqualTo(10.0);
    assertThat(probe.finals.get("meter.k@" + w).count()).isEqualTo(20);
    TestNodes.waitUntil("rejects and commits are counted", 10_000, () -> probe.counter("kafka.rejected") == 3
      && probe.counter("kafka.commits") >= 1 && probe.counter("kafka.state.connected") == 1);
    assertThat(probe.counter("kafka.rejected.malformed-json")).isEqualTo(1);
    assertThat(probe.counter("kafka.rejected.missing-field")).isEqualTo(1);
    assertThat(probe.counter("kafka.rejected.wrong-type")).isEqualTo(1);
    Map<?, ?> committed = admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata().get();
    long committedTotal = committed.values().stream()
      .mapToLong(o -> ((org.apache.kafka.clients.consumer.OffsetAndMetadata) o).offset()).sum();
    assertThat(committedTotal).isEqualTo(102 + 21);
  }

  @Test
  @DisplayName("a second ingest node in the same group takes its share of partitions, and all of them when the first "
    + "stops; nothing acknowledged is lost")
  void secondNodeTakesOver() throws Exception {
    createTopic("events-b", 4);
    PulseNode a = startNode("group-b", "--ingest.kafka.event-topics=events-b");
    IngestProbe probeA = new IngestProbe(a);
    long w1 = windowStart(40);
    long w2 = windowStart(35);
    long w3 = windowStart(30);
    for (int i = 0; i < 200; i++) {
      produce("events-b", "k" + i, event("search", 200, 1, w1 + i));
    }
    flushProduced();
    TestNodes.waitUntil("node A took the first 200", 60_000, () -> probeA.count("svc.search.latency") >= 200);

    PulseNode b = startNode("group-b", "--ingest.kafka.event-topics=events-b");
    IngestProbe probeB = new IngestProbe(b);
    // both rejoined after the rebalance: records produced now go to both, none to a member still joining
    TestNodes.waitUntil("A and B hold two partitions each", 60_000,
      () -> probeA.counter("kafka.partitions") == 2 && probeB.counter("kafka.partitions") == 2);
    for (int i = 0; i < 200; i++) {
      produce("events-b", "k" + i, event("search", 200, 1, w2 + i));
    }
    flushProduced();
    TestNodes.waitUntil("both nodes together took the second 200", 60_000,
      () -> count(probeA, probeB, "svc.search.latency@" + w2) >= 200);
    assertThat(probeA.finals.containsKey("svc.search.latency@" + w2) && probeB.finals.containsKey("svc.search.latency@" + w2))
      .as("both nodes consumed a share").isTrue();

    TestNodes.stop(a);
    nodes.remove(a);
    // produced before B holds A's partitions, half of the window would reach B seconds after the other half, after
    // B's aggregation closed the window (idle flush): the take-over is shown by B holding all four
    TestNodes.waitUntil("B took over all four partitions", 60_000, () -> probeB.counter("kafka.partitions") == 4);
    for (int i = 0; i < 200; i++) {
      produce("events-b", "k" + i, event("search", 200, 1, w3 + i));
    }
    flushProduced();
    try {
      TestNodes.waitUntil("node B took all of the third 200", 60_000, () -> count(probeB, probeB, "svc.search.latency@" + w3) / 2 >= 200);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; B counted " + count(probeB, probeB, "svc.search.latency@" + w3) / 2
        + ", B's finals " + probeB.finals.keySet() + ", records " + probeB.counter("kafka.records") + ", samplesIn "
        + probeB.counter("kafka.samplesIn") + ", acked " + probeB.counter("samplesAcked") + ", heldBack " + probeB.counter("kafka.heldBack"));
    }
    assertThat(count(probeA, probeB, "svc.search.latency@" + w1)).isGreaterThanOrEqualTo(200);
    assertThat(count(probeA, probeB, "svc.search.latency@" + w2)).isGreaterThanOrEqualTo(200);
    // committed only after aggregation acknowledged: every record of the three rounds was handed over and applied
    TestNodes.waitUntil("the group committed all 600 records", 30_000, () -> committedTotal("group-b") == 600);
  }

  private static long committedTotal(String group) {
    try {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
        .mapToLong(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset).sum();
    } catch (Exception e) {
      throw new AssertionError("cannot read the offsets of " + group + ": " + e, e);
    }
  }

  @Test
  @DisplayName("a consumer whose polls stop completing is detected after ingest.kafka.stall-ms, counted and replaced; "
    + "the new consumer reads on from the last commit and nothing is lost")
  void stalledPollIsDetectedAndTheConsumerReplaced() throws Exception {
    createTopic("events-d", 2);
    StallingConsumer stalling = new StallingConsumer();
    KafkaSource.consumerDecorator = stalling::wrapFirst;
    try {
      PulseNode node = startNode("group-d", "--ingest.kafka.event-topics=events-d", "--ingest.kafka.stall-ms=5000");
      IngestProbe probe = new IngestProbe(node);
      long w1 = windowStart(40);
      long w2 = windowStart(30);
      for (int i = 0; i < 100; i++) {
        produce("events-d", "k" + i, event("cart", 200, 1, w1 + i));
      }
      flushProduced();
      TestNodes.waitUntil("the first 100 are in a final window", 60_000, () -> probe.count("svc.cart.latency") == 100);
      TestNodes.waitUntil("and committed", 30_000, () -> committedTotal("group-d") == 100);
      assertThat(probe.counter("kafka.stalls")).isZero();

      stalling.stall.set(true); // from now on no poll of the first consumer completes
      // produced before, some records could reach the last poll that completed and the rest, seconds later, the new
      // consumer: the window would close in between
      TestNodes.waitUntil("a poll hangs", 10_000, () -> stalling.hung.get() > 0);
      for (int i = 0; i < 100; i++) {
        produce("events-d", "k" + i, event("cart", 200, 1, w2 + i));
      }
      flushProduced();
      TestNodes.waitUntil("the stall is detected", 30_000, () -> probe.counter("kafka.stalls") == 1);
      try {
        TestNodes.waitUntil("the new consumer consumed the second 100", 60_000,
          () -> probe.finals.containsKey("svc.cart.latency@" + w2) && probe.finals.get("svc.cart.latency@" + w2).count() == 100);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; finals " + probe.finals + ", records " + probe.counter("kafka.records")
          + ", samplesIn " + probe.counter("kafka.samplesIn") + ", acked " + probe.counter("samplesAcked") + ", commits "
          + probe.counter("kafka.commits") + ", committed " + committedTotal("group-d") + ", partitions "
          + probe.counter("kafka.partitions"), e);
      }
      TestNodes.waitUntil("and committed them", 30_000, () -> committedTotal("group-d") == 200);
      TestNodes.waitUntil("the state is connected again", 10_000, () -> probe.counter("kafka.state.connected") == 1);
      assertThat(stalling.created.get()).as("one consumer replaced the stalled one").isEqualTo(2);
      assertThat(probe.counter("kafka.stalls")).isEqualTo(1);
      assertThat(probe.finals.get("svc.cart.latency@" + w1).count()).isEqualTo(100);
    } finally {
      KafkaSource.consumerDecorator = java.util.function.UnaryOperator.identity();
    }
  }

  @Test
  @DisplayName("while aggregation does not acknowledge, the partitions are paused, the state is lagging and no offset "
    + "is committed; once aggregation answers, every record is delivered and only then committed")
  void offsetsWaitForAggregation() throws Exception {
    createTopic("events-e", 2);
    long w = windowStart(30);
    for (int i = 0; i < 50; i++) {
      produce("events-e", "k" + i, event("pay", 200, 3, w + i));
    }
    flushProduced();
    // no aggregate role: nothing acknowledges the batches
    PulseNode node = startNode("group-e", "--node.roles=ingest", "--ingest.kafka.event-topics=events-e");
    IngestProbe probe = new IngestProbe(node);
    TestNodes.waitUntil("the source is held back", 30_000,
      () -> probe.counter("kafka.heldBack") >= 1 && probe.counter("kafka.state.lagging") == 1);
    assertThat(committedTotal("group-e")).as("nothing committed before aggregation acknowledged").isZero();

    // aggregation arrives: stand in for the owner of every aggregation partition
    var bus = node.vertx().eventBus();
    io.pulse.model.Codecs.register(bus);
    AtomicInteger delivered = new AtomicInteger();
    int partitions = ((Number) io.pulse.model.ConfigKeys.AGGREGATE_PARTITIONS.defaultValue()).intValue();
    for (int p = 0; p < partitions; p++) {
      bus.<io.pulse.model.SampleBatch>consumer(io.pulse.model.Partitions.address(p), m -> {
        delivered.addAndGet(m.body().size());
        m.reply(null);
      });
    }
    TestNodes.waitUntil("all 50 records are committed", 30_000, () -> committedTotal("group-e") == 50);
    assertThat(delivered.get()).as("a latency and an error sample per record, delivered before the commit")
      .isGreaterThanOrEqualTo(100);
    TestNodes.waitUntil("the state is connected again", 10_000, () -> probe.counter("kafka.state.connected") == 1);
  }

  /**
   * Wraps the first consumer a node creates in a proxy that, once {@link #stall} is set, answers every poll with a
   * future that never completes, as a consumer stuck in its client would; every other call reaches the real one.
   */
  private static final class StallingConsumer {
    final AtomicBoolean stall = new AtomicBoolean();
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger hung = new AtomicInteger();

    @SuppressWarnings("unchecked")
    KafkaConsumer<String, String> wrapFirst(KafkaConsumer<String, String> real) {
      if (created.incrementAndGet() > 1) {
        return real;
      }
      return (KafkaConsumer<String, String>) Proxy.newProxyInstance(KafkaConsumer.class.getClassLoader(),
        new Class<?>[]{KafkaConsumer.class}, (proxy, method, args) -> {
          if (stall.get() && method.getName().equals("poll")) {
            hung.incrementAndGet();
            return Promise.promise().future();
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    }
  }

  private static long count(IngestProbe a, IngestProbe b, String key) {
    long n = 0;
    for (IngestProbe p : List.of(a, b)) {
      var r = p.finals.get(key);
      n += r == null ? 0 : r.count();
    }
    return n;
  }

  @Test
  @DisplayName("a missing topic and a broker that is down are shown as errors and retried; the node keeps running "
    + "and consumes the topic once it exists")
  void missingTopicAndDownBrokerAreNotFatal() throws Exception {
    PulseNode down = startNode("group-c", "--ingest.kafka.bootstrap-servers=127.0.0.1:" + TestNodes.freePort(),
      "--ingest.kafka.event-topics=nowhere");
    IngestProbe downProbe = new IngestProbe(down);
    TestNodes.waitUntil("the down broker is shown as an error", 30_000, () -> downProbe.counter("kafka.state.error") == 1);

    PulseNode node = startNode("group-c", "--ingest.kafka.event-topics=late-topic");
    IngestProbe probe = new IngestProbe(node);
    TestNodes.waitUntil("the missing topic is shown as an error", 30_000,
      () -> probe.counter("kafka.state.error") == 1 && probe.counter("kafka.missingTopics") == 1);
    createTopic("late-topic", 1);
    long w = windowStart(20);
    for (int i = 0; i < 10; i++) {
      produce("late-topic", null, event("auth", 200, 5, w + i));
    }
    flushProduced();
    TestNodes.waitUntil("the topic is consumed once it exists", 60_000, () -> probe.count("svc.auth.latency") == 10);
    TestNodes.waitUntil("the state is connected again", 10_000, () -> probe.counter("kafka.state.connected") == 1);
  }
}
