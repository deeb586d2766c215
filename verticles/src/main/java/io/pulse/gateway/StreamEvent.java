package io.pulse.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One event a stream client may receive: a window result or an alert, numbered by this gateway.
 * The wire forms (SSE text and WebSocket JSON) are encoded once, on first use, and shared by every client.
 */
final class StreamEvent {

  enum Kind { RESULT, ALERT }

  final long id;
  final Kind kind;
  final String series;
  final long resolution;
  final long windowStart;
  final boolean isFinal;
  final JsonObject body;
  private Buffer sse;
  private String ws;

  StreamEvent(long id, Kind kind, JsonObject body) {
    this.id = id;
    this.kind = kind;
    this.body = body;
    this.series = String.valueOf(body.getValue("series"));
    Object res = body.getValue("resolution");
    this.resolution = res instanceof Number n ? n.longValue() : 0;
    Object start = body.getValue("start");
    this.windowStart = start instanceof Number n ? n.longValue() : 0;
    // alerts are state changes: never coalesced away
    this.isFinal = kind == Kind.ALERT || Boolean.TRUE.equals(body.getValue("final"));
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
    if (cursor != id) {
      return Buffer.buffer("id: " + cursor + "\nevent: " + eventName() + "\ndata: " + body.encode() + "\n\n");
    }
    if (sse == null) {
      sse = Buffer.buffer("id: " + id + "\nevent: " + eventName() + "\ndata: " + body.encode() + "\n\n");
    }
    return sse;
  }

  /** The WebSocket form: {@code {"type":"result"|"alert","id":cursor,"data":{...}}} (cursor as for SSE). */
  String wsText(long cursor) {
    if (cursor != id) {
      return new JsonObject().put("type", eventName()).put("id", cursor).put("data", body).encode();
    }
    if (ws == null) {
      ws = new JsonObject().put("type", eventName()).put("id", id).put("data", body).encode();
    }
    return ws;
  }
}
