package io.pulse.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WindowResultEncodeTest {

  @Test
  @DisplayName("encode() writes the JSON of toJson(): same fields and values, optional ones left out the same way, "
    + "series with quotes, backslashes, control and non-ASCII characters escaped, non-finite required numbers as "
    + "strings as Jackson writes them")
  void sameAsToJson() {
    List<WindowResult> results = List.of(
      new WindowResult("trade.BTCUSDT", 1000, 1_700_000_000_000L, 12, 504_006.0, 41_999.5, 42_001.0, 42_000.0,
        42_000.5, 3.25, 42_000.1, true, 42_000.0, 42_000.7, 42_000.9, 42_001.0, 41_990.0, 41_995.5, 3, 2),
      new WindowResult("svc.checkout.latency", 60_000, 0, 1, 1e-7, 1e-7, 1e-7, 1e-7, 1e-7, 0, Double.NaN, true),
      new WindowResult("a \"quoted\" \\ series\n\t\u0001 zürich €", 5000, -5000, 3, -1.5e300, -1.5e300, 2.0, 1.0,
        2.0, 0, Double.NaN, false),
      new WindowResult("inf", 1000, 1000, 2, Double.POSITIVE_INFINITY, 1.0, Double.POSITIVE_INFINITY, 1.0,
        Double.NaN, 2.0, Double.NaN, true, Double.NaN, 5.0, Double.NaN, Double.NaN, 7.0, Double.NaN, 0, 0));
    for (WindowResult r : results) {
      String text = r.encode();
      assertThat(new JsonObject(text)).as(text).isEqualTo(new JsonObject(r.toJson().encode()));
    }
    assertThat(results.get(0).encode()).isEqualTo(results.get(0).toJson().encode());
  }
}
