package io.pulse.gateway;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FrameCapTest {

  private static Buffer frame(int bodyLength) {
    return Buffer.buffer().appendInt(bodyLength).appendBuffer(Buffer.buffer(new byte[bodyLength]));
  }

  @Test
  @DisplayName("frames within the cap pass whole, also when prefixes and bodies are split across chunks")
  void framesWithinTheCapPass() {
    FrameCap cap = new FrameCap(100);
    Buffer stream = frame(100).appendBuffer(frame(0)).appendBuffer(frame(7));
    for (int i = 0; i < stream.length(); i += 3) {
      Buffer chunk = stream.getBuffer(i, Math.min(stream.length(), i + 3));
      assertThat(cap.passable(chunk)).isEqualTo(chunk.length());
    }
    assertThat(cap.tooLarge()).isEqualTo(-1);
  }

  @Test
  @DisplayName("a prefix over the cap stops the stream at that prefix; what came before it passes")
  void prefixOverTheCapStops() {
    FrameCap cap = new FrameCap(100);
    Buffer chunk = frame(10).appendInt(101).appendString("{");
    assertThat(cap.passable(chunk)).isEqualTo(14);
    assertThat(cap.tooLarge()).isEqualTo(101);
    assertThat(cap.passable(frame(1))).isZero();
  }

  @Test
  @DisplayName("a prefix split across chunks is still caught, and a negative length counts as a huge one")
  void splitAndNegativePrefixes() {
    FrameCap cap = new FrameCap(1 << 20);
    Buffer prefix = Buffer.buffer().appendInt(100_000_000);
    assertThat(cap.passable(prefix.getBuffer(0, 2))).isEqualTo(2);
    assertThat(cap.passable(prefix.getBuffer(2, 4))).isZero();
    assertThat(cap.tooLarge()).isEqualTo(100_000_000);

    FrameCap negative = new FrameCap(1 << 20);
    assertThat(negative.passable(Buffer.buffer().appendInt(-1))).isZero();
    assertThat(negative.tooLarge()).isEqualTo(0xffffffffL);
  }
}
