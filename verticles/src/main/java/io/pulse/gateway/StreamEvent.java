package io.pulse.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One event a stream client may receive: a window result or an alert, numbered once by this gateway's
 * {@link StreamFeed}. Immutable once built: the JSON is encoded once, here, and its wire forms (SSE bytes,
 * WebSocket text) are shared by every client on every stream event loop.
 */
final class StreamEvent {

  enum Kind { RESULT, ALERT }

  final long id;
  final Kind kind;
  final String series;
  final long resolution;
  final long windowStart;
  /** The aggregator tick that made the result (epoch ms), 0 if none: the update it belongs to (see SendTimes). */
  final long tick;
  final boolean isFinal;
  /** The stream a result belongs to, {@code series NUL resolution}: the unit of coalescing. */
  final String streamKey;
  final JsonObject body;
  private final String json;
  private final Buffer sse;
  private final String ws;
  /** {@link #ws} as UTF-8, encoded once: every socket's text frame wraps these bytes (see {@link #wsFrame}). */
  private final byte[] wsBytes;
  private final ByteBuf wsWire;
  /** {@link #sse} as one HTTP/1.1 chunk, framing included (see {@link #sseWire}). */
  private final ByteBuf sseWire;

  /** {@code json}: {@code body} encoded (the gateway encodes a final result once, for history and streams). */
  StreamEvent(long id, Kind kind, JsonObject body, String json) {
    this.id = id;
    this.kind = kind;
    this.body = body;
    this.series = String.valueOf(body.getValue("series"));
    Object res = body.getValue("resolution");
    this.resolution = res instanceof Number n ? n.longValue() : 0;
    Object start = body.getValue("start");
    this.windowStart = start instanceof Number n ? n.longValue() : 0;
    Object tick = body.getValue("tick");
    this.tick = tick instanceof Number n ? n.longValue() : 0;
    // alerts are state changes: never coalesced away
    this.isFinal = kind == Kind.ALERT || Boolean.TRUE.equals(body.getValue("final"));
    this.streamKey = series + '\u0000' + resolution;
    this.json = json;
    this.sse = Buffer.buffer(sseText(id));
    this.sseWire = wireChunk(sse.getBytes());
    this.ws = wsTextFor(id);
    this.wsBytes = ws.getBytes(StandardCharsets.UTF_8);
    this.wsWire = wireFrame(wsBytes);
  }

  /**
   * The whole WebSocket text frame as it goes on the wire, header included, in direct memory: a server's frames are
   * not masked, so every socket gets the same bytes, built once. Each write takes a {@link ByteBuf#duplicate()} (its
   * own indices over the shared bytes); the buffer cannot be released, the garbage collector frees it with the event.
   */
  private static ByteBuf wireFrame(byte[] payload) {
    int n = payload.length;
    ByteBuffer frame = ByteBuffer.allocateDirect((n < 126 ? 2 : n < 65_536 ? 4 : 10) + n);
    frame.put((byte) 0x81); // FIN, text
    if (n < 126) {
      frame.put((byte) n);
    } else if (n < 65_536) {
      frame.put((byte) 126).putShort((short) n);
    } else {
      frame.put((byte) 127).putLong(n);
    }
    frame.put(payload).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(frame));
  }

  /**
   * One HTTP/1.1 chunk as Netty's HTTP encoder writes it for a response in chunked transfer encoding, {@code
   * <hex length>CRLF<bytes>CRLF}, in direct memory and shared by every stream like {@link #wireFrame}.
   */
  static ByteBuf wireChunk(byte[] payload) {
    byte[] head = (Integer.toHexString(payload.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer chunk = ByteBuffer.allocateDirect(head.length + payload.length + 2);
    chunk.put(head).put(payload).put((byte) '\r').put((byte) '\n').flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(chunk));
  }

  /** {@link #sse} as wire bytes of one chunk, for the usual cursor only (null otherwise): see {@link #wireChunk}. */
  ByteBuf sseWire(long cursor) {
    return cursor == id ? sseWire.duplicate() : null;
  }

  /** {@link #wsFrame} as wire bytes, for the usual cursor only (null otherwise): see {@link #wireFrame}. */
  ByteBuf wsWire(long cursor) {
    return cursor == id ? wsWire.duplicate() : null;
  }

  /**
   * {@code json} (an encoded object) with {@code "published"} added as its last key: what encoding the object again
   * after putting the stamp would give, without encoding it a second time.
   */
  static String stamped(String json, long published) {
    return json.substring(0, json.length() - 1) + ",\"published\":" + published + "}";
  }

  /** About the bytes this event takes on the wire. */
  int size() {
    return sse.length();
  }

  String eventName() {
    return kind == Kind.RESULT ? "result" : "alert";
  }

  /**
   * The SSE form with {@code cursor} as its {@code id:} line. The cursor is the client's resume point, normally
   * this event's id; a coalesced event sent after a newer one carries the newer id so that a client's
   * Last-Event-ID never moves backwards (which would replay events twice).
   */
  Buffer sse(long cursor) {
    return cursor == id ? sse : Buffer.buffer(sseText(cursor));
  }

  /** The WebSocket form: {@code {"type":"result"|"alert","id":cursor,"data":{...}}} (cursor as for SSE). */
  String wsText(long cursor) {
    return cursor == id ? ws : wsTextFor(cursor);
  }

  /**
   * The WebSocket form as a text frame (cursor as for SSE). For the usual cursor the frame wraps the bytes encoded
   * once for every client: no per-socket UTF-8 encoding. A frame is written once and released by the encoder,
   * so each socket gets its own (a wrapper, not a copy). Vert.x offers text frames only from a String, hence its
   * frame class: its unpooled heap buffer is passed to Netty's frame encoder as is.
   */
  WebSocketFrame wsFrame(long cursor) {
    return cursor == id ? textFrame(wsBytes) : textFrame(wsTextFor(cursor).getBytes(StandardCharsets.UTF_8));
  }

  static WebSocketFrame textFrame(byte[] utf8) {
    return new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(utf8), true);
  }

  private String sseText(long cursor) {
    return "id: " + cursor + "\nevent: " + eventName() + "\ndata: " + json + "\n\n";
  }

  private String wsTextFor(long cursor) {
    return "{\"type\":\"" + eventName() + "\",\"id\":" + cursor + ",\"data\":" + json + "}";
  }
}
