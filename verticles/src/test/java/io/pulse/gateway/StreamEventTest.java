package io.pulse.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire forms of a stream event, built once and shared by every socket. */
class StreamEventTest {

  @ParameterizedTest(name = "a label of {0} characters")
  @ValueSource(ints = {1, 60, 200, 70_000})
  @DisplayName("the shared WebSocket frame is byte for byte what Netty's server-side frame encoder writes, for each "
    + "length form (7-bit, 16-bit, 64-bit), and every write gets its own copy of the indices")
  void sharedFrameIsNettysFrame(int labelLength) {
    // a label with multi-byte characters: the frame's length counts UTF-8 bytes, not characters
    JsonObject body = new JsonObject().put("series", "svc.é").put("resolution", 1000).put("start", 5)
      .put("final", true).put("label", "ü".repeat(labelLength));
    StreamEvent event = new StreamEvent(42, StreamEvent.Kind.RESULT, body, body.encode());

    EmbeddedChannel netty = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
    netty.writeOutbound(new TextWebSocketFrame(event.wsText(42)));
    byte[] expected = drain(netty);

    ByteBuf first = event.wsWire(42);
    ByteBuf second = event.wsWire(42);
    assertThat(ByteBufUtil.getBytes(first)).isEqualTo(expected);
    first.skipBytes(first.readableBytes()); // as a socket's write does
    first.release(); // as Netty does after the write: the shared bytes stay
    assertThat(ByteBufUtil.getBytes(second)).isEqualTo(expected);
    assertThat(ByteBufUtil.getBytes(event.wsWire(42))).isEqualTo(expected);
    assertThat(second.isDirect()).as("direct memory: no copy per socket on the way to the kernel").isTrue();
    assertThat(new String(expected, expected.length - event.wsText(42).getBytes(StandardCharsets.UTF_8).length,
      event.wsText(42).getBytes(StandardCharsets.UTF_8).length, StandardCharsets.UTF_8)).isEqualTo(event.wsText(42));
  }

  @ParameterizedTest(name = "cursor {0}")
  @ValueSource(longs = {43, 1000})
  @DisplayName("an event sent with another cursor than its id has no shared frame: its text is built for that cursor")
  void otherCursorHasNoSharedFrame(long cursor) {
    JsonObject body = new JsonObject().put("series", "a").put("resolution", 1000).put("start", 5).put("final", true);
    StreamEvent event = new StreamEvent(42, StreamEvent.Kind.RESULT, body, body.encode());
    assertThat(event.wsWire(cursor)).isNull();
    assertThat(new JsonObject(event.wsText(cursor)).getLong("id")).isEqualTo(cursor);
  }

  private static byte[] drain(EmbeddedChannel channel) {
    io.netty.buffer.CompositeByteBuf all = io.netty.buffer.Unpooled.compositeBuffer();
    for (Object out; (out = channel.readOutbound()) != null; ) {
      all.addComponent(true, (ByteBuf) out);
    }
    byte[] bytes = ByteBufUtil.getBytes(all);
    all.release();
    return bytes;
  }
}
