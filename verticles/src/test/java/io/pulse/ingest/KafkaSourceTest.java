package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Kafka source of real nodes against a real single-node KRaft broker started here. */
class KafkaSourceTest {

  private static KafkaClusterTestKit kafka;
  private static Admin admin;
  private static KafkaProducer<String, String> producer;
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
  }

  private static void produce(String topic, String key, String value) {
    producer.send(new ProducerRecord<>(topic, key, value));
  }

  private PulseNode startNode(String group, String... extra) {
    List<String> options = new ArrayList<>(List.of("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.kafka.enabled=true", "--ingest.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
      "--ingest.kafka.group-id=" + group, "--ingest.kafka.retry-ms=1000", "--aggregate.idle-flush-ms=1500"));
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
    producer.flush();

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
    producer.flush();
    TestNodes.waitUntil("node A took the first 200", 60_000, () -> probeA.count("svc.search.latency") >= 200);

    PulseNode b = startNode("group-b", "--ingest.kafka.event-topics=events-b");
    IngestProbe probeB = new IngestProbe(b);
    TestNodes.waitUntil("node B was assigned partitions", 60_000, () -> probeB.counter("kafka.partitions") > 0);
    for (int i = 0; i < 200; i++) {
      produce("events-b", "k" + i, event("search", 200, 1, w2 + i));
    }
    producer.flush();
    TestNodes.waitUntil("both nodes together took the second 200", 60_000,
      () -> count(probeA, probeB, "svc.search.latency@" + w2) >= 200);
    assertThat(probeA.finals.containsKey("svc.search.latency@" + w2) && probeB.finals.containsKey("svc.search.latency@" + w2))
      .as("both nodes consumed a share").isTrue();

    TestNodes.stop(a);
    nodes.remove(a);
    for (int i = 0; i < 200; i++) {
      produce("events-b", "k" + i, event("search", 200, 1, w3 + i));
    }
    producer.flush();
    try {
      TestNodes.waitUntil("node B took all of the third 200", 60_000, () -> count(probeB, probeB, "svc.search.latency@" + w3) / 2 >= 200);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; B counted " + count(probeB, probeB, "svc.search.latency@" + w3) / 2
        + ", B's finals " + probeB.finals.keySet() + ", records " + probeB.counter("kafka.records") + ", samplesIn "
        + probeB.counter("kafka.samplesIn") + ", acked " + probeB.counter("samplesAcked") + ", heldBack " + probeB.counter("kafka.heldBack"));
    }
    assertThat(count(probeA, probeB, "svc.search.latency@" + w1)).isGreaterThanOrEqualTo(200);
    assertThat(count(probeA, probeB, "svc.search.latency@" + w2)).isGreaterThanOrEqualTo(200);
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
    producer.flush();
    TestNodes.waitUntil("the topic is consumed once it exists", 60_000, () -> probe.count("svc.auth.latency") == 10);
    TestNodes.waitUntil("the state is connected again", 10_000, () -> probe.counter("kafka.state.connected") == 1);
  }
}
