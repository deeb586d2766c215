package io.pulse.aggregate;

import io.pulse.model.WindowResult;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Evaluates alert rules on final window results (not on provisional ones, not on corrections). Per rule and
 * series: the alert fires once its condition has held over consecutive windows covering at least the rule's
 * for-duration of event time, stays firing while the value is beyond the threshold moved back by the hysteresis,
 * and then resolves. Each change is one event: {@code {id, rule, series, state, value, threshold, at, since}}.
 */
final class AlertEvaluator {

  private final Map<String, AlertRule> rules = new LinkedHashMap<>();
  private final Map<String, State> states = new HashMap<>();
  private final Consumer<JsonObject> events;

  AlertEvaluator(Consumer<JsonObject> events) {
    this.events = events;
  }

  /** Replaces the rule set; state of rules that are gone is forgotten. */
  void setRules(Iterable<AlertRule> newRules) {
    rules.clear();
    newRules.forEach(r -> rules.put(r.id(), r));
    states.keySet().removeIf(key -> !rules.containsKey(key.substring(0, key.indexOf('\n'))));
  }

  int ruleCount() {
    return rules.size();
  }

  void onResult(WindowResult r) {
    if (!r.isFinal() || r.isCorrection() || rules.isEmpty()) {
      return;
    }
    for (AlertRule rule : rules.values()) {
      if (rule.resolution() != r.resolution() || !rule.matches(r.series())) {
        continue;
      }
      double value = r.get(rule.aggregate());
      if (Double.isNaN(value)) {
        continue;
      }
      String key = rule.id() + "\n" + r.series();
      State st = states.computeIfAbsent(key, k -> new State());
      if (st.firing) {
        if (rule.stillBreached(value)) {
          st.lastEnd = r.end();
        } else {
          events.accept(event(rule, r, "resolved", value, st.since));
          states.remove(key);
        }
        continue;
      }
      if (!rule.breached(value)) {
        states.remove(key);
        continue;
      }
      if (st.since == Long.MIN_VALUE || st.lastEnd != r.start()) {
        st.since = r.start();
      }
      st.lastEnd = r.end();
      if (r.end() - st.since >= rule.forMs()) {
        st.firing = true;
        events.accept(event(rule, r, "firing", value, st.since));
      }
    }
  }

  private static JsonObject event(AlertRule rule, WindowResult r, String state, double value, long since) {
    return new JsonObject().put("id", rule.id()).put("rule", rule.text()).put("series", r.series())
      .put("state", state).put("value", value).put("threshold", rule.threshold()).put("at", r.end())
      .put("since", since);
  }

  private static final class State {
    long since = Long.MIN_VALUE;
    long lastEnd;
    boolean firing;
  }
}
