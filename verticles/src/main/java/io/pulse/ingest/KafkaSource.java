package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.pulse.model.ConfigKeys.*;

/**
 * Kafka topics of JSON log events ({@code {service, endpoint, status, latency_ms, timestamp}}, becoming
 * {@code svc.<service>.latency} and {@code svc.<service>.error} like the simulator's) and of JSON samples
 * ({@code {series, timestamp, value[, volume]}}), read in a consumer group so ingest nodes share partitions.
 *
 * <p>At-least-once: the consumer polls, hands the records' samples to its {@link BatchSender}, and commits
 * the offsets only when the sender holds nothing unacknowledged, then polls again. While aggregation is
 * behind, the assigned partitions are paused and polled empty (keeping the group membership) until the
 * acknowledgements arrive. A broker that is down or a topic that does not exist is shown as {@code error}
 * and checked again every {@code ingest.kafka.retry-ms}; it never stops the node.
 */
final class KafkaSource implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long ACK_CHECK_MS = 10;
  private static final long LAG_AFTER_MS = 1000;
  private static final long STOP_WAIT_MS = 15_000;

  private final Vertx vertx;
  private final RoleStats stats;
  private final SampleValidator validator;
  private final Rejects rejects;
  private final BatchSender sender;
  private final Set<String> eventTopics;
  private final Set<String> sampleTopics;
  private final long retryMs;
  private final Map<String, String> consumerConfig = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  private KafkaConsumer<String, String> consumer;
  private boolean stopped;
  private boolean paused;
  private long waitingSince;
  private long lastKeepAlive;
  private long healthTimer = -1;
  private String problem = "";

  KafkaSource(IngestContext context) {
    this.vertx = context.vertx();
    this.stats = context.stats();
    this.validator = context.validator();
    this.rejects = context.rejects();
    this.sender = context.sender(name());
    JsonObject conf = context.conf();
    this.eventTopics = new LinkedHashSet<>(INGEST_KAFKA_EVENT_TOPICS.listIn(conf));
    this.sampleTopics = new LinkedHashSet<>(INGEST_KAFKA_SAMPLE_TOPICS.listIn(conf));
    this.retryMs = INGEST_KAFKA_RETRY_MS.longIn(conf);
    consumerConfig.put("bootstrap.servers", INGEST_KAFKA_BOOTSTRAP_SERVERS.stringIn(conf));
    consumerConfig.put("group.id", INGEST_KAFKA_GROUP_ID.stringIn(conf));
    consumerConfig.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumerConfig.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumerConfig.put("enable.auto.commit", "false");
    consumerConfig.put("auto.offset.reset", "earliest");
    consumerConfig.put("max.poll.records", String.valueOf(INGEST_BATCH_SIZE.intIn(conf) * 4));
    // a typo in a topic name must show as an error, not create an empty topic
    consumerConfig.put("allow.auto.create.topics", "false");
    // find topics created later, and give up on a down broker, within the retry interval
    consumerConfig.put("metadata.max.age.ms", String.valueOf(retryMs));
    consumerConfig.put("default.api.timeout.ms", String.valueOf(Math.max(1000, retryMs)));
    consumerConfig.put("reconnect.backoff.max.ms", String.valueOf(retryMs));
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public Future<Void> start() {
    Set<String> topics = new LinkedHashSet<>(eventTopics);
    topics.addAll(sampleTopics);
    if (topics.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("ingest.kafka.enabled is true but neither "
        + INGEST_KAFKA_EVENT_TOPICS.name() + " nor " + INGEST_KAFKA_SAMPLE_TOPICS.name() + " lists a topic"));
    }
    SourceState.show(stats, name(), SourceState.STARTING);
    consumer = KafkaConsumer.create(vertx, consumerConfig);
    consumer.exceptionHandler(err -> LOG.warn("kafka consumer: {}", err.toString()));
    consumer.partitionsAssignedHandler(tps -> {
      stats.set("kafka.partitions", tps.size());
      LOG.info("kafka: assigned {}", tps);
    });
    consumer.partitionsRevokedHandler(tps -> LOG.info("kafka: revoked {}", tps));
    healthTimer = vertx.setPeriodic(retryMs, id -> checkHealth());
    LOG.info("kafka: consuming {} in group {} from {}", topics, consumerConfig.get("group.id"),
      consumerConfig.get("bootstrap.servers"));
    // subscribing needs no broker; an unreachable one is reported by the health check, not at start-up
    return consumer.subscribe(topics).onSuccess(v -> {
      checkHealth();
      pollOnce();
    });
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(healthTimer);
    if (consumer == null) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    awaitDrained(System.currentTimeMillis() + STOP_WAIT_MS, drained);
    return drained.future()
      .compose(v -> uncommitted.isEmpty() ? Future.succeededFuture() : commit().<Void>mapEmpty())
      .transform(v -> consumer.close());
  }

  private void awaitDrained(long deadline, Promise<Void> done) {
    if (sender.pending() == 0 || System.currentTimeMillis() > deadline) {
      if (sender.pending() > 0) {
        LOG.warn("kafka: stopping with {} batches unacknowledged; their offsets stay uncommitted and the group "
          + "reads them again", sender.pending());
        uncommitted.clear();
      }
      done.complete();
      return;
    }
    vertx.setTimer(ACK_CHECK_MS, id -> awaitDrained(deadline, done));
  }

  private void pollOnce() {
    if (stopped) {
      return;
    }
    consumer.poll(POLL).onComplete(ar -> {
      if (stopped) {
        return; // records not handed over are not committed: the group delivers them again
      }
      if (ar.failed()) {
        fault("polling failed: " + ar.cause().getMessage());
        vertx.setTimer(retryMs, id -> pollOnce());
        return;
      }
      take(ar.result());
      if (uncommitted.isEmpty()) {
        pollOnce();
      } else {
        waitingSince = System.currentTimeMillis();
        awaitAcks();
      }
    });
  }

  /** Turns records into samples for the sender and remembers the offsets to commit once acknowledged. */
  private void take(KafkaConsumerRecords<String, String> records) {
    if (records.isEmpty()) {
      return;
    }
    List<Sample> samples = new ArrayList<>(records.size() * 2);
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> record = records.recordAt(i);
      if (sampleTopics.contains(record.topic())) {
        sampleRecord(record.value(), samples);
      } else {
        eventRecord(record.value(), samples);
      }
      uncommitted.merge(new TopicPartition(record.topic(), record.partition()),
        new OffsetAndMetadata(record.offset() + 1, ""), (a, b) -> a.getOffset() >= b.getOffset() ? a : b);
    }
    stats.add("kafka.records", records.size());
    if (!samples.isEmpty()) {
      stats.add("samplesIn", samples.size());
      stats.add(name() + ".samplesIn", samples.size());
      sender.submit(samples);
    }
  }

  private void awaitAcks() {
    if (stopped) {
      return;
    }
    if (sender.pending() == 0) {
      commit().onComplete(v -> resumeAndPoll());
      return;
    }
    long now = System.currentTimeMillis();
    if (now - waitingSince > LAG_AFTER_MS && now - lastKeepAlive > LAG_AFTER_MS) {
      // aggregation is behind: hold the partitions, but keep polling so the group does not drop this member
      lastKeepAlive = now;
      SourceState.show(stats, name(), SourceState.LAGGING);
      stats.increment("kafka.heldBack");
      consumer.assignment()
        .compose(tps -> paused ? Future.succeededFuture() : consumer.pause(tps).onSuccess(v -> paused = true))
        .compose(v -> consumer.poll(Duration.ZERO))
        .onSuccess(this::take) // partitions assigned during a rebalance are not paused yet
        .onComplete(v -> vertx.setTimer(ACK_CHECK_MS, id -> awaitAcks()));
      return;
    }
    vertx.setTimer(ACK_CHECK_MS, id -> awaitAcks());
  }

  private Future<Map<TopicPartition, OffsetAndMetadata>> commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(uncommitted);
    uncommitted.clear();
    return consumer.commit(offsets).onSuccess(v -> stats.increment("kafka.commits")).onFailure(err -> {
      stats.increment("kafka.commitFailures");
      LOG.warn("kafka: committing {} failed ({}); those records will be read again (at-least-once)", offsets,
        err.getMessage());
    });
  }

  private void resumeAndPoll() {
    if (!paused) {
      pollOnce();
      return;
    }
    paused = false;
    consumer.assignment().compose(consumer::resume).onComplete(v -> pollOnce());
  }

  private void sampleRecord(String value, List<Sample> out) {
    Object json = decode(value);
    if (json == null) {
      return;
    }
    Checked checked = validator.fromJson(json);
    if (checked.isOk()) {
      out.add(checked.sample());
    } else {
      rejects.reject(name(), checked, value);
    }
  }

  /** A log event: latency in ms and an error flag (status 500 and above) per service. */
  private void eventRecord(String value, List<Sample> out) {
    Object decoded = decode(value);
    if (decoded == null) {
      return;
    }
    if (!(decoded instanceof JsonObject event)) {
      rejects.reject(name(), RejectReason.NOT_AN_OBJECT, "a log event must be a JSON object", value);
      return;
    }
    Object service = event.getValue("service");
    Object status = event.getValue("status");
    Object latency = event.getValue("latency_ms");
    Object timestamp = event.getValue("timestamp");
    if (service == null || status == null || latency == null || timestamp == null) {
      rejects.reject(name(), RejectReason.MISSING_FIELD, "a log event needs service, status, latency_ms and timestamp",
        value);
      return;
    }
    Long ts = SampleValidator.epochMillis(timestamp);
    if (!(service instanceof String s) || !(status instanceof Number code) || !(latency instanceof Number ms)
      || ts == null) {
      rejects.reject(name(), RejectReason.WRONG_TYPE, "service must be a string, status and latency_ms numbers, "
        + "timestamp epoch ms or ISO-8601", value);
      return;
    }
    Checked latencySample = validator.check("svc." + s + ".latency", ts, ms.doubleValue(), Double.NaN, false);
    if (!latencySample.isOk()) {
      rejects.reject(name(), latencySample, value);
      return;
    }
    out.add(latencySample.sample());
    out.add(Sample.of("svc." + s + ".error", ts, code.intValue() >= 500 ? 1 : 0));
  }

  private Object decode(String value) {
    if (value == null) {
      rejects.reject(name(), RejectReason.MISSING_FIELD, "record without a value", null);
      return null;
    }
    try {
      return io.vertx.core.json.Json.decodeValue(value);
    } catch (DecodeException e) {
      rejects.reject(name(), RejectReason.MALFORMED_JSON, "record value is not JSON", value);
      return null;
    }
  }

  /** Broker reachable and every topic there? Shown as the source's state and logged on change. */
  private void checkHealth() {
    if (stopped) {
      return;
    }
    consumer.listTopics().onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        fault("broker " + consumerConfig.get("bootstrap.servers") + " unreachable (" + ar.cause().getMessage()
          + "); retrying every " + retryMs + " ms");
        return;
      }
      Set<String> missing = new HashSet<>(eventTopics);
      missing.addAll(sampleTopics);
      missing.removeAll(ar.result().keySet());
      stats.set("kafka.missingTopics", missing.size());
      if (!missing.isEmpty()) {
        fault("topics " + missing + " do not exist on " + consumerConfig.get("bootstrap.servers")
          + "; create them (or fix ingest.kafka.*-topics); checking again every " + retryMs + " ms");
        return;
      }
      if (!problem.isEmpty()) {
        LOG.info("kafka: healthy again (was: {})", problem);
        problem = "";
      }
      SourceState.show(stats, name(), paused ? SourceState.LAGGING : SourceState.CONNECTED);
    });
  }

  private void fault(String what) {
    SourceState.show(stats, name(), SourceState.ERROR);
    stats.increment("kafka.faults");
    if (!what.equals(problem)) {
      LOG.warn("kafka: {}", what);
      problem = what;
    }
  }
}
