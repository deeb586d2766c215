package io.pulse.gateway;

import io.pulse.model.HistoryQuery;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class RecentHistoryTest {

  static JsonObject result(String series, long resolution, long start, boolean isFinal, double last) {
    return new JsonObject().put("series", series).put("resolution", resolution).put("start", start)
      .put("end", start + resolution).put("count", 3).put("last", last).put("final", isFinal);
  }

  private static HistoryQuery query(String series, long resolution, long from, long to) {
    return HistoryQuery.parse(new JsonObject().put("series", series).put("resolution", resolution).put("from", from)
      .put("to", to), resolution);
  }

  private static List<Long> starts(Buffer answer) {
    JsonArray results = new JsonObject(answer).getJsonArray("results");
    return IntStream.range(0, results.size()).mapToObj(i -> results.getJsonObject(i).getLong("start")).toList();
  }

  @Test
  @DisplayName("a range held whole is answered with the final results in it, shaped as the persist role's answer")
  void answersHeldRange() {
    RecentHistory recent = new RecentHistory(10);
    for (long s = 0; s < 5_000; s += 1000) {
      recent.add(result("a", 1000, s, false, -1)); // provisional: never kept
      recent.add(result("a", 1000, s, true, s));
    }
    recent.add(result("a", 60_000, 0, true, 1));
    Buffer answer = recent.answer(query("a", 1000, 1000, 4000));
    JsonObject body = new JsonObject(answer);
    assertThat(starts(answer)).containsExactly(1000L, 2000L, 3000L);
    assertThat(body.getJsonArray("results").getJsonObject(0).getDouble("last")).isEqualTo(1000.0);
    assertThat(body.getString("tier")).isEqualTo("memory");
    assertThat(body.getBoolean("complete")).isTrue();
    assertThat(body.getJsonArray("tiers").getJsonObject(0).getMap())
      .containsEntry("tier", "memory").containsEntry("node", "gateway").containsEntry("count", 3);
    assertThat(body.getMap()).containsEntry("series", "a").containsEntry("resolution", 1000)
      .containsEntry("from", 1000).containsEntry("to", 4000).containsEntry("step", 1000);
    assertThat(recent.finestResolution("a")).isEqualTo(1000);
    assertThat(recent.finestResolution("b")).isZero();
  }

  @Test
  @DisplayName("a range reaching before the oldest result held, downsampled, or of a series or resolution not held, "
    + "is left to the persist role")
  void leavesTheRestToPersist() {
    RecentHistory recent = new RecentHistory(3);
    for (long s = 0; s < 5_000; s += 1000) {
      recent.add(result("a", 1000, s, true, s));
    }
    // 3 kept: 2000, 3000, 4000
    assertThat(recent.answer(query("a", 1000, 1999, 5000))).isNull();
    assertThat(starts(recent.answer(query("a", 1000, 2000, 5000)))).containsExactly(2000L, 3000L, 4000L);
    assertThat(recent.answer(HistoryQuery.parse(new JsonObject().put("series", "a").put("resolution", 1000)
      .put("from", 2000).put("to", 5000).put("step", 2000), 1000))).isNull();
    assertThat(recent.answer(query("a", 60_000, 2000, 5000))).isNull();
    assertThat(recent.answer(query("b", 1000, 2000, 5000))).isNull();
    assertThat(new RecentHistory(0).answer(query("a", 1000, 0, 1))).isNull();
  }

  @Test
  @DisplayName("a rewritten window replaces the one held, a late one between held ones takes its place, one older "
    + "than all held is not kept (it would claim the windows before the oldest were seen)")
  void rewritesAndLateWindows() {
    RecentHistory recent = new RecentHistory(10);
    recent.add(result("a", 1000, 5000, true, 1));
    recent.add(result("a", 1000, 7000, true, 1));
    recent.add(result("a", 1000, 6000, true, 1)); // late, between
    recent.add(result("a", 1000, 7000, true, 2)); // rewrite
    recent.add(result("a", 1000, 1000, true, 1)); // older than all held
    assertThat(recent.answer(query("a", 1000, 1000, 9000))).isNull();
    Buffer answer = recent.answer(query("a", 1000, 5000, 9000));
    assertThat(starts(answer)).containsExactly(5000L, 6000L, 7000L);
    assertThat(new JsonObject(answer).getJsonArray("results").getJsonObject(2).getDouble("last")).isEqualTo(2.0);
  }

  @Test
  @DisplayName("a full ring keeps the newest in order, also when a late window comes while it is full")
  void fullRingStaysOrdered() {
    RecentHistory recent = new RecentHistory(4);
    for (long s : new long[]{1000, 2000, 4000, 5000, 3000, 6000, 8000, 7000}) {
      recent.add(result("a", 1000, s, true, s));
    }
    assertThat(starts(recent.answer(query("a", 1000, 5000, 10_000)))).containsExactly(5000L, 6000L, 7000L, 8000L);
    assertThat(recent.answer(query("a", 1000, 4000, 10_000))).isNull();
  }

  @Test
  @DisplayName("the JSON kept is the stream's too: stamped with its publish time, it reads as the stamped result")
  void keptJsonServesTheStream() {
    RecentHistory recent = new RecentHistory(4);
    JsonObject result = result("a", 1000, 5000, true, 1.5).put("p99", 2.25).put("tags", new JsonObject().put("k", "v"));
    String kept = recent.add(result);
    assertThat(kept).isEqualTo(result.encode());
    assertThat(StreamEvent.stamped(kept, 1234)).isEqualTo(result.copy().put("published", 1234L).encode());
    assertThat(recent.add(result("a", 1000, 6000, false, 1))).as("provisional: not kept").isNull();
  }

  @Test
  @DisplayName("results without a series name, a resolution or a start are ignored, never thrown on")
  void malformedIgnored() {
    RecentHistory recent = new RecentHistory(4);
    recent.add(new JsonObject().put("final", true).put("series", 7).put("resolution", 1000).put("start", 0));
    recent.add(new JsonObject().put("final", true).put("series", "a").put("resolution", "1s").put("start", 0));
    recent.add(new JsonObject().put("final", true).put("series", "a").put("resolution", 1000));
    recent.add(new JsonObject().put("final", "yes").put("series", "a").put("resolution", 1000).put("start", 0));
    assertThat(recent.finestResolution("a")).isZero();
  }
}
