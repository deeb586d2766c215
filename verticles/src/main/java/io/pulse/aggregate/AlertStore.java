package io.pulse.aggregate;

import io.pulse.model.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The alert rules of the cluster, kept in a cluster-wide map so that every aggregate node evaluates the same
 * rules on the series it owns. Answers create, list and delete requests (any aggregate node may answer) and
 * tells every aggregate node to reload after a change. Configured rules are stored as {@code config-1}, ...
 */
final class AlertStore {

  private static final Logger LOG = LoggerFactory.getLogger(AlertStore.class);
  static final String RULES_MAP = "pulse.alert-rules";

  private final Vertx vertx;
  private final long[] resolutions;
  private final AlertEvaluator evaluator;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private AsyncMap<String, String> map;

  AlertStore(Vertx vertx, long[] resolutions, AlertEvaluator evaluator) {
    this.vertx = vertx;
    this.resolutions = resolutions;
    this.evaluator = evaluator;
  }

  /** Stores the configured rules (a bad one fails the start with its reason) and loads every rule. */
  Future<Void> start(List<String> configured) {
    List<AlertRule> parsed = new ArrayList<>();
    for (int i = 0; i < configured.size(); i++) {
      try {
        parsed.add(AlertRule.parse("config-" + (i + 1), configured.get(i), resolutions));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture("aggregate.alert-rules: " + e.getMessage());
      }
    }
    var bus = vertx.eventBus();
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_CREATE, this::create));
    consumers.add(bus.consumer(Addresses.ALERTS_LIST, this::list));
    consumers.add(bus.<JsonObject>consumer(Addresses.ALERTS_DELETE, this::delete));
    consumers.add(bus.consumer(Addresses.ALERTS_CHANGED, m -> reload()));
    return vertx.sharedData().<String, String>getAsyncMap(RULES_MAP).compose(m -> {
      map = m;
      List<Future<?>> puts = new ArrayList<>();
      parsed.forEach(rule -> puts.add(map.putIfAbsent(rule.id(), rule.text())));
      consumers.forEach(c -> puts.add(c.completion()));
      return Future.all(puts);
    }).compose(v -> reload());
  }

  Future<Void> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private Future<Void> reload() {
    return rules().onSuccess(evaluator::setRules)
      .onFailure(err -> LOG.warn("could not load the alert rules from {}: {}; keeping the {} rules known",
        RULES_MAP, err.getMessage(), evaluator.ruleCount()))
      .mapEmpty();
  }

  private Future<List<AlertRule>> rules() {
    return map.entries().map(entries -> {
      List<AlertRule> out = new ArrayList<>();
      for (Map.Entry<String, String> e : entries.entrySet()) {
        try {
          out.add(AlertRule.parse(e.getKey(), e.getValue(), resolutions));
        } catch (IllegalArgumentException bad) {
          LOG.warn("ignoring stored alert rule {}: {}", e.getKey(), bad.getMessage());
        }
      }
      out.sort(Comparator.comparing(AlertRule::id));
      return out;
    });
  }

  private void create(Message<JsonObject> message) {
    String text = message.body() == null ? null : message.body().getString("rule");
    if (text == null || text.isBlank()) {
      message.fail(400, "a new alert needs {\"rule\": \"svc.*.latency p99 > 250 for 30s\"}");
      return;
    }
    AlertRule rule;
    try {
      rule = AlertRule.parse(UUID.randomUUID().toString().substring(0, 8), text, resolutions);
    } catch (IllegalArgumentException e) {
      message.fail(400, e.getMessage());
      return;
    }
    map.put(rule.id(), rule.text())
      .onSuccess(v -> {
        vertx.eventBus().publish(Addresses.ALERTS_CHANGED, null);
        message.reply(rule.toJson());
      })
      .onFailure(err -> message.fail(500, "could not store the rule: " + err.getMessage()));
  }

  private void list(Message<Object> message) {
    rules().onSuccess(list -> message.reply(new JsonObject()
        .put("rules", new JsonArray(list.stream().map(AlertRule::toJson).toList()))))
      .onFailure(err -> message.fail(500, "could not read the rules: " + err.getMessage()));
  }

  private void delete(Message<JsonObject> message) {
    String id = message.body() == null ? null : message.body().getString("id");
    if (id == null) {
      message.fail(400, "a delete needs {\"id\"}");
      return;
    }
    map.remove(id).onSuccess(previous -> {
      if (previous == null) {
        message.fail(404, "no alert rule with id " + id);
        return;
      }
      vertx.eventBus().publish(Addresses.ALERTS_CHANGED, null);
      message.reply(new JsonObject().put("id", id).put("deleted", true));
    }).onFailure(err -> message.fail(500, "could not delete the rule: " + err.getMessage()));
  }
}
