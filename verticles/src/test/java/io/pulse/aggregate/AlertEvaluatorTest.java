package io.pulse.aggregate;

import io.pulse.model.WindowResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertEvaluatorTest {

  private static final long[] RESOLUTIONS = {1000, 10_000};
  private final List<JsonObject> events = new ArrayList<>();
  private final AlertEvaluator evaluator = new AlertEvaluator(events::add);

  @Test
  @DisplayName("a rule fires only after its condition held for the for-duration, holds, and resolves once")
  void firesHoldsResolves() {
    evaluator.setRules(List.of(AlertRule.parse("r1", "svc.*.latency p99 > 250 for 3s", RESOLUTIONS)));
    feed("svc.a.latency", 0, 300);
    feed("svc.a.latency", 1, 300);
    assertThat(events).as("held 2 s of 3").isEmpty();
    feed("svc.a.latency", 2, 300);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.getString("state")).isEqualTo("firing");
      assertThat(e.getString("series")).isEqualTo("svc.a.latency");
      assertThat(e.getLong("since")).isEqualTo(0);
      assertThat(e.getLong("at")).isEqualTo(3000);
    });
    feed("svc.a.latency", 3, 400);
    assertThat(events).as("holding does not repeat the event").hasSize(1);
    feed("svc.a.latency", 4, 100);
    assertThat(events).hasSize(2);
    assertThat(events.get(1).getString("state")).isEqualTo("resolved");
    feed("svc.a.latency", 5, 100);
    assertThat(events).hasSize(2);
  }

  @Test
  @DisplayName("a streak broken before the for-duration does not fire; other series and resolutions are ignored")
  void brokenStreakAndMatching() {
    evaluator.setRules(List.of(AlertRule.parse("r1", "svc.*.latency p99 > 250 for 2s", RESOLUTIONS)));
    feed("svc.a.latency", 0, 300);
    feed("svc.a.latency", 1, 200);
    feed("svc.a.latency", 2, 300);
    feed("svc.a.error", 3, 300);
    evaluator.onResult(result("svc.a.latency", 10_000, 0, 999, true));
    evaluator.onResult(result("svc.a.latency", 1000, 3, 999, false));
    assertThat(events).isEmpty();
    feed("svc.a.latency", 4, 300);
    assertThat(events).as("windows 2 and 4 are not consecutive").isEmpty();
    feed("svc.a.latency", 5, 300);
    assertThat(events).singleElement().satisfies(e -> assertThat(e.getLong("since")).isEqualTo(4000));
  }

  @Test
  @DisplayName("with hysteresis a firing alert stays firing until the value crosses back by the hysteresis")
  void hysteresis() {
    evaluator.setRules(List.of(AlertRule.parse("r1", "trade.BTCUSDT last < 100 hysteresis 5", RESOLUTIONS)));
    feed("trade.BTCUSDT", 0, 99);
    assertThat(events).hasSize(1);
    feed("trade.BTCUSDT", 1, 101);
    feed("trade.BTCUSDT", 2, 104.9);
    assertThat(events).as("still within the hysteresis band").hasSize(1);
    feed("trade.BTCUSDT", 3, 105);
    assertThat(events).hasSize(2);
    assertThat(events.get(1).getString("state")).isEqualTo("resolved");
  }

  @Test
  @DisplayName("rules parse with or without a pattern and resolution; bad rules say what is wrong")
  void parsing() {
    AlertRule r = AlertRule.parse("x", "p99@10s >= 250 for 30s hysteresis 10", RESOLUTIONS);
    assertThat(r.pattern()).isEqualTo("*");
    assertThat(r.resolution()).isEqualTo(10_000);
    assertThat(r.forMs()).isEqualTo(30_000);
    assertThat(r.hysteresis()).isEqualTo(10);
    AlertRule e = AlertRule.parse("y", "svc.*.error mean > 0.05", RESOLUTIONS);
    assertThat(e.matches("svc.checkout.error")).isTrue();
    assertThat(e.matches("svc.checkout.latency")).isFalse();
    assertThat(e.resolution()).isEqualTo(1000);
    assertThatThrownBy(() -> AlertRule.parse("z", "p42 > 1", RESOLUTIONS)).hasMessageContaining("unknown aggregate \"p42\"");
    assertThatThrownBy(() -> AlertRule.parse("z", "p99 ~ 1", RESOLUTIONS)).hasMessageContaining("no comparator");
    assertThatThrownBy(() -> AlertRule.parse("z", "p99@5s > 1", RESOLUTIONS)).hasMessageContaining("not computed");
    assertThatThrownBy(() -> AlertRule.parse("z", "p99 > 1 for soon", RESOLUTIONS)).hasMessageContaining("duration");
  }

  @Test
  @DisplayName("a partition moving to another node takes its alert state along: a streak goes on, a firing alert "
    + "does not fire again and resolves there")
  void stateMovesWithThePartition() {
    String rule = "svc.*.latency p99 > 250 for 3s";
    evaluator.setRules(List.of(AlertRule.parse("r1", rule, RESOLUTIONS)));
    List<JsonObject> there = new ArrayList<>();
    AlertEvaluator newOwner = new AlertEvaluator(there::add);
    newOwner.setRules(List.of(AlertRule.parse("r1", rule, RESOLUTIONS)));

    feed("svc.a.latency", 0, 300);
    feed("svc.a.latency", 1, 300);
    feed("svc.b.latency", 0, 300);
    feed("svc.b.latency", 1, 300);
    feed("svc.b.latency", 2, 300);
    assertThat(events).singleElement().satisfies(e -> assertThat(e.getString("series")).isEqualTo("svc.b.latency"));

    JsonArray moved = evaluator.export(series -> true);
    assertThat(newOwner.adopt(moved)).isEqualTo(2);
    assertThat(evaluator.export(series -> true)).as("nothing left behind").isEmpty();

    newOwner.onResult(result("svc.a.latency", 1000, 2, 300, true));
    newOwner.onResult(result("svc.b.latency", 1000, 3, 300, true));
    assertThat(there).as("svc.a's streak of 2 s went on to 3 s; svc.b was already firing").singleElement()
      .satisfies(e -> {
        assertThat(e.getString("series")).isEqualTo("svc.a.latency");
        assertThat(e.getString("state")).isEqualTo("firing");
        assertThat(e.getLong("since")).isEqualTo(0);
      });
    newOwner.onResult(result("svc.b.latency", 1000, 4, 100, true));
    assertThat(there).hasSize(2);
    assertThat(there.get(1).getString("state")).isEqualTo("resolved");
    assertThat(there.get(1).getLong("since")).isEqualTo(0);
  }

  @Test
  @DisplayName("exported alert state covers only the moving series, and a rule the new owner lacks is skipped")
  void exportSelectsSeries() {
    evaluator.setRules(List.of(AlertRule.parse("r1", "svc.*.latency p99 > 250 for 3s", RESOLUTIONS)));
    feed("svc.a.latency", 0, 300);
    feed("svc.b.latency", 0, 300);
    JsonArray moved = evaluator.export(series -> series.equals("svc.a.latency"));
    assertThat(moved).hasSize(1);
    AlertEvaluator noRules = new AlertEvaluator(e -> { });
    assertThat(noRules.adopt(moved)).isZero();
    feed("svc.b.latency", 1, 300);
    feed("svc.b.latency", 2, 300);
    assertThat(events).as("svc.b stayed here and fires here").singleElement()
      .satisfies(e -> assertThat(e.getString("series")).isEqualTo("svc.b.latency"));
  }

  private void feed(String series, int second, double value) {
    evaluator.onResult(result(series, 1000, second, value, true));
  }

  private static WindowResult result(String series, long resolution, int index, double value, boolean isFinal) {
    long start = index * resolution;
    return new WindowResult(series, resolution, start, 10, value * 10, value, value, value, value, 0, Double.NaN,
      isFinal, value, value, value, value, value, value, 0, 0);
  }
}
