package io.pulse.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * {@code GET /api/stream?series=a,b*&resolution=1s[&since=id]}: server-sent events. Every event has an
 * {@code id:}; a client reconnecting with {@code Last-Event-ID} (browsers do it by themselves) or {@code ?since=}
 * first receives what it missed from the hub's recent buffer. If the buffer no longer holds all of it, a
 * {@code : gap} comment says so (fill it from /api/history). When the gateway stops, the stream ends with an
 * {@code event: reconnect} whose data names the other ready gateways, youngest first (see
 * {@link StreamClient#goAway}).
 */
final class SseEndpoint {

  private final StreamHub hub;
  private final boolean sharedChunks;

  SseEndpoint(StreamHub hub, boolean sharedChunks) {
    this.hub = hub;
    this.sharedChunks = sharedChunks;
  }

  void handle(RoutingContext ctx) {
    SeriesFilter filter;
    long resolution;
    long since;
    try {
      String series = ctx.request().getParam("series");
      if (series != null) {
        for (String pattern : series.split(",")) {
          String problem = pattern.isBlank() ? null : StreamParams.patternProblem(pattern.trim());
          if (problem != null) {
            throw new IllegalArgumentException(problem);
          }
        }
      }
      filter = SeriesFilter.parse(series);
      resolution = StreamParams.resolution(ctx.request().getParam("resolution"));
      String lastEventId = ctx.request().getHeader("Last-Event-ID");
      since = StreamParams.eventId(lastEventId != null ? lastEventId : ctx.request().getParam("since"));
    } catch (IllegalArgumentException e) {
      GatewayVerticle.json(ctx, 400, new JsonObject().put("error", e.getMessage()));
      return;
    }
    String remote = ctx.request().remoteAddress().hostAddress();
    String refusal = hub.feed().refusal(remote);
    if (refusal != null) {
      ctx.response().putHeader("Retry-After", "10");
      GatewayVerticle.json(ctx, 503, new JsonObject().put("error", refusal));
      return;
    }
    HttpServerResponse response = ctx.response()
      .setChunked(true)
      .putHeader("Content-Type", "text/event-stream; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    SseClient client = new SseClient(response, remote, filter, resolution, hub.updatesPerSecond(),
      sharedChunks ? chunksOf(ctx) : null);
    hub.add(client);
    response.closeHandler(v -> hub.remove(client));
    response.exceptionHandler(err -> hub.remove(client));
    response.drainHandler(v -> hub.drained(client));
    response.write("retry: 2000\n: connected\n\n");
    if (since >= 0) {
      if (hub.replay(client, since) < 0) {
        response.write(": gap: some events after id " + since + " are no longer buffered; fetch /api/history\n\n");
      }
    } else {
      client.cursor = hub.lastDelivered();
    }
  }

  /**
   * Where shared chunks go: just below the HTTP/1.1 response encoder, which would otherwise frame and copy each event
   * for each stream (null: HTTP/2, HTTP/1.0 with no chunked encoding, or a pipeline without that encoder, where
   * Vert.x's path is the only one).
   */
  private static ChannelHandlerContext chunksOf(RoutingContext ctx) {
    return ctx.request().version() == HttpVersion.HTTP_1_1 && ctx.response().isChunked()
      && ctx.request().connection() instanceof ConnectionBase connection
      ? connection.channel().pipeline().context(HttpResponseEncoder.class) : null;
  }

  private static final class SseClient extends StreamClient {
    private final HttpServerResponse response;
    private final SeriesFilter filter;
    private final long resolution;
    /**
     * Where shared chunks are written, past Vert.x's write path (null: not used). As for WebSocket frames: on this
     * stream's event loop, only while neither Vert.x's queue nor the channel is full, into the same outbound buffer
     * as Vert.x's own writes (the headers, notices, the last chunk), so the order holds; every chunk is whole.
     */
    private final ChannelHandlerContext chunkOut;

    SseClient(HttpServerResponse response, String remote, SeriesFilter filter, long resolution, long updatesPerSecond,
              ChannelHandlerContext chunkOut) {
      super("sse", remote, updatesPerSecond);
      this.response = response;
      this.filter = filter;
      this.resolution = resolution;
      this.chunkOut = chunkOut;
    }

    @Override
    boolean wants(StreamEvent event) {
      return (resolution == 0 || event.kind == StreamEvent.Kind.ALERT || event.resolution == resolution)
        && filter.matches(event.series);
    }

    @Override
    String subscription() {
      return resolution + "|" + filter.key();
    }

    @Override
    boolean writeQueueFull() {
      return !response.closed() && (response.writeQueueFull() || chunkOut != null && !chunkOut.channel().isWritable());
    }

    @Override
    void write(List<StreamEvent> events, long[] cursors, int count) {
      if (response.closed()) {
        return;
      }
      // the head goes first, through Vert.x (the first write of a response sends it)
      if (chunkOut == null || !response.headWritten()) {
        writeThroughVertx(events, cursors, count);
        return;
      }
      boolean shared = false;
      for (int i = 0; i < count; i++) {
        ByteBuf wire = events.get(i).sseWire(cursors[i]);
        if (wire != null) {
          chunkOut.write(wire, chunkOut.voidPromise());
          shared = true;
        } else {
          response.write(events.get(i).sse(cursors[i]));
        }
      }
      if (shared) {
        chunkOut.flush();
      }
    }

    private void writeThroughVertx(List<StreamEvent> events, long[] cursors, int count) {
      if (count == 1) {
        response.write(events.get(0).sse(cursors[0]));
        return;
      }
      // several events in one chunk: one write, one flush
      Buffer all = Buffer.buffer(count * 256);
      for (int i = 0; i < count; i++) {
        all.appendBuffer(events.get(i).sse(cursors[i]));
      }
      response.write(all);
    }

    @Override
    void notice(String type, String text) {
      if (response.closed()) {
        return;
      }
      response.write(": " + type + (text.isEmpty() ? "" : " " + text) + "\n\n");
    }

    @Override
    void disconnect() {
      response.reset();
    }

    @Override
    void goAway(long retryMs, List<String> gateways) {
      if (response.closed()) {
        return;
      }
      // EventSource ignores the unknown event type, honours retry: and reconnects by itself (to its own URL) when
      // the stream ends; a client that reads the event can go to the first of the gateways named instead
      response.end("event: reconnect\ndata: " + reconnectNotice(retryMs, gateways).encode() + "\nretry: " + retryMs
        + "\n\n");
    }
  }
}
