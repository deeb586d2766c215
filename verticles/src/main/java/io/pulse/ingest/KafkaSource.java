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
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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
 *
 * <p>A stalled consumer is replaced: in every state of the loop a poll completes at least about once a second
 * (keep-alive polls while waiting for acknowledgements, a retry after {@code retry-ms} after a failed poll). When
 * none has completed for {@code ingest.kafka.stall-ms}, the consumer is shown as {@code error}, closed, and a new
 * one joins the group; what the old one took but did not commit is read again. The consumer's
 * {@code max.poll.interval.ms} is the same bound, so Kafka itself hands the partitions of a consumer stuck for
 * good to the group's other members.
 */
final class KafkaSource implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long ACK_CHECK_MS = 10;
  private static final long LAG_AFTER_MS = 1000;
  private static final long STOP_WAIT_MS = 15_000;
  /** well above the gap between healthy polls (keep-alives come every {@link #LAG_AFTER_MS}) */
  static final long MIN_STALL_MS = 5000;

  /**
   * Wraps every consumer this class creates; the identity except in tests, which use it to make a real
   * consumer's polls hang and check that the stall is detected.
   */
  static volatile UnaryOperator<KafkaConsumer<String, String>> consumerDecorator = UnaryOperator.identity();

  private final Vertx vertx;
  private final RoleStats stats;
  private final SourceMetrics metrics;
  private final SampleValidator validator;
  private final Rejects rejects;
  private final BatchSender sender;
  private final Set<String> eventTopics;
  private final Set<String> sampleTopics;
  private final long retryMs;
  private final long stallMs;
  private final Map<String, String> consumerConfig = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  private final Set<TopicPartition> assigned = new HashSet<>();
  private KafkaConsumer<String, String> consumer;
  /** Counts the consumers created; a callback of an older consumer's loop sees it changed and ends that loop. */
  private int generation;
  /** By when the next poll must have completed; later than that the consumer is stalled. */
  private long pollDueBy;
  private boolean stopped;
  private boolean paused;
  private long waitingSince;
  private long lastKeepAlive;
  private long healthTimer = -1;
  private long stallTimer = -1;
  private String problem = "";

  KafkaSource(IngestContext context) {
    this.vertx = context.vertx();
    this.stats = context.stats();
    this.metrics = context.metrics();
    this.validator = context.validator();
    this.rejects = context.rejects();
    this.sender = context.sender(name());
    JsonObject conf = context.conf();
    this.eventTopics = new LinkedHashSet<>(INGEST_KAFKA_EVENT_TOPICS.listIn(conf));
    this.sampleTopics = new LinkedHashSet<>(INGEST_KAFKA_SAMPLE_TOPICS.listIn(conf));
    this.retryMs = INGEST_KAFKA_RETRY_MS.longIn(conf);
    long apiTimeoutMs = Math.max(1000, retryMs);
    long configuredStallMs = INGEST_KAFKA_STALL_MS.longIn(conf);
    // a healthy poll can wait behind a broker call (metadata, commit) that takes up to the API timeout
    long floorMs = Math.max(MIN_STALL_MS, 3 * apiTimeoutMs);
    if (configuredStallMs < floorMs) {
      LOG.warn("{} is {} ms; using {} ms (at least 5000 and 3 x {}): a healthy consumer can go that long between "
        + "polls", INGEST_KAFKA_STALL_MS.name(), configuredStallMs, floorMs, INGEST_KAFKA_RETRY_MS.name());
    }
    this.stallMs = Math.max(floorMs, configuredStallMs);
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
    consumerConfig.put("default.api.timeout.ms", String.valueOf(apiTimeoutMs));
    consumerConfig.put("reconnect.backoff.max.ms", String.valueOf(retryMs));
    // a consumer that stops polling leaves the group after this, so its partitions do not wait minutes for it
    consumerConfig.put("max.poll.interval.ms", String.valueOf(stallMs));
  }

  @Override
  public String name() {
    return "kafka";
  }

  private Set<String> topics() {
    Set<String> topics = new LinkedHashSet<>(eventTopics);
    topics.addAll(sampleTopics);
    return topics;
  }

  @Override
  public Future<Void> start() {
    if (topics().isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("ingest.kafka.enabled is true but neither "
        + INGEST_KAFKA_EVENT_TOPICS.name() + " nor " + INGEST_KAFKA_SAMPLE_TOPICS.name() + " lists a topic"));
    }
    metrics.state(name(), SourceState.STARTING);
    healthTimer = vertx.setPeriodic(retryMs, id -> checkHealth());
    stallTimer = vertx.setPeriodic(Math.min(1000, stallMs / 4), id -> checkStalled());
    LOG.info("kafka: consuming {} in group {} from {}", topics(), consumerConfig.get("group.id"),
      consumerConfig.get("bootstrap.servers"));
    // subscribing needs no broker; an unreachable one is reported by the health check, not at start-up
    return connect();
  }

  /** Creates a consumer, subscribes it and starts its poll loop. */
  private Future<Void> connect() {
    int gen = ++generation;
    consumer = consumerDecorator.apply(KafkaConsumer.create(vertx, consumerConfig));
    consumer.exceptionHandler(err -> LOG.warn("kafka consumer: {}", err.toString()));
    consumer.partitionsAssignedHandler(tps -> {
      if (gen == generation) {
        assigned.addAll(tps);
        stats.set("kafka.partitions", assigned.size());
        LOG.info("kafka: assigned {}", tps);
      }
    });
    consumer.partitionsRevokedHandler(tps -> {
      if (gen == generation) {
        assigned.removeAll(tps);
        stats.set("kafka.partitions", assigned.size());
        LOG.info("kafka: revoked {}", tps);
      }
    });
    pollDueBy = System.currentTimeMillis() + stallMs;
    return consumer.subscribe(topics()).onSuccess(v -> {
      if (gen == generation) {
        checkHealth();
        pollOnce(gen);
      }
    });
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(healthTimer);
    vertx.cancelTimer(stallTimer);
    if (consumer == null) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    awaitDrained(System.currentTimeMillis() + STOP_WAIT_MS, drained);
    // a stuck consumer must not hold the node's stop: bounded commit and close
    long bound = Math.min(stallMs, 10_000);
    return drained.future()
      .compose(v -> uncommitted.isEmpty() ? Future.succeededFuture()
        : commit().<Void>mapEmpty().timeout(bound, TimeUnit.MILLISECONDS))
      .transform(v -> consumer.close().timeout(bound, TimeUnit.MILLISECONDS));
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

  /** True while the loop of consumer {@code gen} should go on. */
  private boolean current(int gen) {
    return !stopped && gen == generation;
  }

  private void pollDone() {
    pollDueBy = System.currentTimeMillis() + stallMs;
  }

  private void pollOnce(int gen) {
    if (!current(gen)) {
      return;
    }
    consumer.poll(POLL).onComplete(ar -> {
      if (!current(gen)) {
        return; // records not handed over are not committed: the group delivers them again
      }
      pollDone();
      if (ar.failed()) {
        fault("polling failed: " + ar.cause().getMessage());
        pollDueBy += retryMs;
        vertx.setTimer(retryMs, id -> pollOnce(gen));
        return;
      }
      take(ar.result());
      if (uncommitted.isEmpty()) {
        pollOnce(gen);
      } else {
        waitingSince = System.currentTimeMillis();
        awaitAcks(gen);
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
      metrics.samplesIn(name(), samples.size());
      sender.submit(samples);
    }
  }

  private void awaitAcks(int gen) {
    if (!current(gen)) {
      return;
    }
    if (sender.pending() == 0) {
      commit().onComplete(v -> resumeAndPoll(gen));
      return;
    }
    long now = System.currentTimeMillis();
    if (now - waitingSince > LAG_AFTER_MS && now - lastKeepAlive > LAG_AFTER_MS) {
      // aggregation is behind: hold the partitions, but keep polling so the group does not drop this member
      lastKeepAlive = now;
      metrics.state(name(), SourceState.LAGGING);
      stats.increment("kafka.heldBack");
      consumer.assignment()
        .compose(tps -> paused ? Future.succeededFuture() : consumer.pause(tps).onSuccess(v -> {
          if (current(gen)) {
            paused = true;
          }
        }))
        .compose(v -> consumer.poll(Duration.ZERO))
        .onSuccess(records -> {
          if (current(gen)) {
            pollDone();
            take(records); // partitions assigned during a rebalance are not paused yet
          }
        })
        .onComplete(v -> vertx.setTimer(ACK_CHECK_MS, id -> awaitAcks(gen)));
      return;
    }
    vertx.setTimer(ACK_CHECK_MS, id -> awaitAcks(gen));
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

  private void resumeAndPoll(int gen) {
    if (!current(gen)) {
      return;
    }
    if (!paused) {
      pollOnce(gen);
      return;
    }
    paused = false;
    consumer.assignment().compose(consumer::resume).onComplete(v -> pollOnce(gen));
  }

  /**
   * No poll completed in time: the consumer (or the thread it runs on) is stuck. Shown as an error and replaced;
   * the old consumer is closed without waiting for it.
   */
  private void checkStalled() {
    long now = System.currentTimeMillis();
    if (stopped || now <= pollDueBy) {
      return;
    }
    stats.increment("kafka.stalls");
    fault("no poll completed for " + (now - pollDueBy + stallMs) + " ms (" + INGEST_KAFKA_STALL_MS.name() + " "
      + stallMs + "); replacing the consumer, records taken but not committed (" + uncommitted.size()
      + " partitions) will be read again");
    KafkaConsumer<String, String> stuck = consumer;
    uncommitted.clear();
    assigned.clear();
    stats.set("kafka.partitions", 0);
    paused = false;
    stuck.close().timeout(stallMs, TimeUnit.MILLISECONDS).onFailure(err -> LOG.warn("kafka: the stalled consumer "
      + "did not close ({}); Kafka removes it from the group after max.poll.interval.ms ({} ms)", err.toString(), stallMs));
    connect();
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
    int gen = generation;
    consumer.listTopics().onComplete(ar -> {
      if (!current(gen)) {
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
      metrics.state(name(), paused ? SourceState.LAGGING : SourceState.CONNECTED);
    });
  }

  private void fault(String what) {
    metrics.state(name(), SourceState.ERROR);
    stats.increment("kafka.faults");
    if (!what.equals(problem)) {
      LOG.warn("kafka: {}", what);
      problem = what;
    }
  }
}
