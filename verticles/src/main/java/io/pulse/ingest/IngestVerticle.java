package io.pulse.ingest;

import io.pulse.model.Codecs;
import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.List;

import static io.pulse.model.ConfigKeys.*;

/**
 * The ingest role: turns feeds into samples and hands them to aggregation in batches. It only wires the
 * sources this node's configuration switches on (simulator, push endpoints, exchange feed, Kafka, file
 * replay), plus the samples bridge clients send through the gateway ({@link BridgeSamples}); each source is its
 * own class with its own {@link BatchSender}, and all share one {@link SampleValidator}, one dead-letter sampler and
 * one {@link SourceMetrics} (stats and Prometheus meters).
 */
public final class IngestVerticle extends VerticleBase {

  private final List<IngestSource> sources = new ArrayList<>();
  private RoleStats stats;
  private SourceMetrics metrics;
  private PushEndpoint push;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    Codecs.register(vertx.eventBus());
    String node = NODE_ID.stringIn(conf);
    stats = new RoleStats(node, "ingest");
    SampleValidator validator = new SampleValidator(INGEST_MAX_FUTURE_MS.longIn(conf), INGEST_MAX_PAST_MS.longIn(conf),
      System::currentTimeMillis);
    // null when the node runs without Vert.x metrics: the sources then count in the stats only
    metrics = new SourceMetrics(stats, BackendRegistries.getDefaultNow(), node);
    IngestContext context = new IngestContext(vertx, conf, stats, metrics,
      validator, new Rejects(vertx, metrics, node, INGEST_DEADLETTER_PER_SECOND.longIn(conf)));
    // always listening: whether bridge clients can reach it is the gateway's switch, gateway.tcp-bridge.enabled
    sources.add(new BridgeSamples(context));
    if (SIMULATOR_ENABLED.booleanIn(conf)) {
      sources.add(new SimulatorSource(context));
    }
    if (INGEST_PUSH_ENABLED.booleanIn(conf)) {
      push = new PushEndpoint(context);
      sources.add(push);
    }
    if (INGEST_EXCHANGE_ENABLED.booleanIn(conf)) {
      sources.add(new ExchangeFeed(context));
    }
    if (INGEST_KAFKA_ENABLED.booleanIn(conf)) {
      sources.add(new KafkaSource(context));
    }
    if (INGEST_REPLAY_ENABLED.booleanIn(conf)) {
      sources.add(new FileReplay(context));
    }
    stats.publishEverySecond(vertx);
    vertx.setPeriodic(1000, id -> ProcessGauges.update(stats));
    return Future.all(sources.stream().map(IngestSource::start).toList());
  }

  @Override
  public Future<?> stop() {
    return Future.join(sources.stream().map(IngestSource::stop).toList()).eventually(() -> {
      if (metrics != null) {
        metrics.close();
      }
      return Future.succeededFuture();
    });
  }

  /** The port of the push endpoints' HTTP server, or -1 when push is off (tests, logs). */
  public int pushPort() {
    return push == null ? -1 : push.actualPort();
  }
}
