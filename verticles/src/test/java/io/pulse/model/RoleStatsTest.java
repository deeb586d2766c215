package io.pulse.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RoleStatsTest {

  @Test
  void countersGetRatesGaugesOnlyTheirValue() throws InterruptedException {
    RoleStats stats = new RoleStats("n1", "gateway");
    stats.add("resultsIn", 10);
    stats.set("clients.ws", 7);
    stats.snapshot();
    Thread.sleep(200);
    stats.add("resultsIn", 40);
    stats.set("clients.ws", 3);
    JsonObject report = stats.snapshot();

    assertThat(report.getJsonObject("counters").getLong("resultsIn")).isEqualTo(50);
    assertThat(report.getJsonObject("counters").getLong("clients.ws")).isEqualTo(3);
    // 40 more in about 0.2 s
    assertThat(report.getJsonObject("rates").getDouble("resultsIn")).isBetween(20.0, 200.0);
    assertThat(report.getJsonObject("rates").containsKey("clients.ws")).as("a gauge has no rate").isFalse();
    assertThat(report.getString("node")).isEqualTo("n1");
    assertThat(report.getString("role")).isEqualTo("gateway");
  }
}
