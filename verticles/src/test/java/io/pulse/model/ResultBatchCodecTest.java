package io.pulse.model;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultBatchCodecTest {

  @Test
  @DisplayName("a batch of results survives the wire form: every field, NaN ones, corrections, repeated and unicode "
    + "series, in order")
  void roundTrip() {
    ResultBatch batch = new ResultBatch(List.of(
      new WindowResult("trade.BTCUSDT", 1000, 1_700_000_000_000L, 12, 504_006.0, 41_999.5, 42_001.0, 42_000.0,
        42_000.5, 3.25, 42_000.1, true, 42_000.0, 42_000.7, 42_000.9, 42_001.0, 41_990.0, 41_995.5, 3, 0),
      new WindowResult("meter.zürich-7", 60_000, -60_000L, 1, -1.5e300, -1.5e300, -1.5e300, -1.5e300, -1.5e300, 0,
        Double.NaN, true),
      new WindowResult("trade.BTCUSDT", 1000, 1_700_000_000_000L, 13, 546_006.5, 41_999.5, 42_001.0, 42_000.0,
        42_000.5, 3.5, 42_000.1, true, 42_000.0, 42_000.7, 42_000.9, 42_001.0, 41_990.0, 41_995.5, 4, 2)));
    ResultBatchCodec codec = new ResultBatchCodec();
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, batch);
    ResultBatch decoded = codec.decodeFromWire("prefix".length(), wire);
    // records compare doubles with Double.compare, so NaN fields compare equal
    assertThat(decoded.results()).isEqualTo(batch.results());
  }

  @Test
  @DisplayName("an empty batch encodes and decodes")
  void empty() {
    ResultBatchCodec codec = new ResultBatchCodec();
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, new ResultBatch(List.of()));
    assertThat(codec.decodeFromWire(0, wire).results()).isEmpty();
  }
}
