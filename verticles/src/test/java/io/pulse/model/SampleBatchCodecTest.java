package io.pulse.model;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SampleBatchCodecTest {

  @Test
  @DisplayName("a batch survives the wire form: series, times, values, volumes, tags, unicode")
  void roundTrip() {
    SampleBatch batch = new SampleBatch("sim", List.of(
      Sample.trade("trade.BTCUSDT", 1_700_000_000_123L, 42_000.5, 0.25),
      Sample.of("svc.checkout.latency", 1_700_000_000_124L, 12.5),
      new Sample("meter.zürich-7", -5L, -1.5e300, Double.NaN, Map.of("site", "ZRH", "kind", "kWh")),
      Sample.trade("trade.BTCUSDT", 1_700_000_000_125L, 42_001.0, 1.0)));
    SampleBatchCodec codec = new SampleBatchCodec();
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, batch);
    SampleBatch decoded = codec.decodeFromWire("prefix".length(), wire);
    assertThat(decoded.source()).isEqualTo("sim");
    // records compare doubles with Double.compare, so NaN volumes compare equal
    assertThat(decoded.samples()).isEqualTo(batch.samples());
  }

  @Test
  @DisplayName("an empty batch encodes and decodes")
  void empty() {
    SampleBatchCodec codec = new SampleBatchCodec();
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, new SampleBatch("x", List.of()));
    assertThat(codec.decodeFromWire(0, wire).samples()).isEmpty();
  }
}
