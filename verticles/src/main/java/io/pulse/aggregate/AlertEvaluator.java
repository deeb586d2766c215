package io.pulse.aggregate;

import io.pulse.model.WindowResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

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

  /**
   * Takes out the state (streak start, last window, firing) of the series {@code moving} selects, for a partition
   * moving to another node: there the alert goes on where it stood, instead of waiting a whole for-duration again
   * or firing a second time.
   */
  JsonArray export(Predicate<String> moving) {
    JsonArray out = new JsonArray();
    for (Iterator<Map.Entry<String, State>> it = states.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, State> e = it.next();
      String key = e.getKey();
      if (moving.test(key.substring(key.indexOf('\n') + 1))) {
        State st = e.getValue();
        out.add(new JsonArray().add(key).add(st.since).add(st.lastEnd).add(st.firing));
        it.remove();
      }
    }
    return out;
  }

  /** Merges state exported by {@link #export}; a rule this node does not know is skipped. Returns the entries taken. */
  int adopt(JsonArray exported) {
    int taken = 0;
    for (int i = 0; i < exported.size(); i++) {
      JsonArray entry = exported.getJsonArray(i);
      String key = entry.getString(0);
      if (!rules.containsKey(key.substring(0, key.indexOf('\n')))) {
        continue;
      }
      State st = new State();
      st.since = entry.getLong(1);
      st.lastEnd = entry.getLong(2);
      st.firing = entry.getBoolean(3);
      // a result of the series may already have been evaluated here (the old owner's refused batches come first
      // to the new one): the later window's state is the one that holds
      states.merge(key, st, (here, moved) -> here.lastEnd >= moved.lastEnd ? here : moved);
      taken++;
    }
    return taken;
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
