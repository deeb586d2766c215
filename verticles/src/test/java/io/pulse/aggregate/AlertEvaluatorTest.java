package io.pulse.aggregate;

import io.pulse.model.WindowResult;
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

  private void feed(String series, int second, double value) {
    evaluator.onResult(result(series, 1000, second, value, true));
  }

  private static WindowResult result(String series, long resolution, int index, double value, boolean isFinal) {
    long start = index * resolution;
    return new WindowResult(series, resolution, start, 10, value * 10, value, value, value, value, 0, Double.NaN,
      isFinal, value, value, value, value, value, value, 0, 0);
  }
}
