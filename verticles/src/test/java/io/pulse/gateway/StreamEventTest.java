package io.pulse.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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
    StreamEvent event = eventWithLabel(labelLength);

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

  @ParameterizedTest(name = "a label of {0} characters")
  @ValueSource(ints = {1, 60, 5_000, 70_000})
  @DisplayName("the shared SSE chunk is byte for byte what Netty's HTTP/1.1 encoder writes for the event in a chunked "
    + "response (hex length, CRLF, bytes, CRLF), and the response still ends as that encoder ends it")
  void sharedChunkIsNettysChunk(int labelLength) {
    StreamEvent event = eventWithLabel(labelLength);

    EmbeddedChannel netty = new EmbeddedChannel(new HttpResponseEncoder());
    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    netty.writeOutbound(head);
    drain(netty);
    netty.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(event.sse(42).getBytes())));
    byte[] expected = drain(netty);

    ByteBuf first = event.sseWire(42);
    assertThat(ByteBufUtil.getBytes(first)).isEqualTo(expected);
    first.skipBytes(first.readableBytes());
    first.release();
    assertThat(ByteBufUtil.getBytes(event.sseWire(42))).isEqualTo(expected);
    assertThat(event.sseWire(42).isDirect()).isTrue();
    assertThat(event.sseWire(43)).as("another cursor: built for it, not shared").isNull();
    // written below the encoder, the shared chunks leave its state as it was: the last chunk still follows
    netty.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(new String(drain(netty), StandardCharsets.US_ASCII)).isEqualTo("0\r\n\r\n");
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

  /** Event 42 with a label of multi-byte characters: wire lengths count UTF-8 bytes, not characters. */
  private static StreamEvent eventWithLabel(int labelLength) {
    JsonObject body = new JsonObject().put("series", "svc.é").put("resolution", 1000).put("start", 5)
      .put("final", true).put("label", "ü".repeat(labelLength));
    return new StreamEvent(42, StreamEvent.Kind.RESULT, body, body.encode());
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
