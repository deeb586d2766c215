package io.pulse.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.pulse.model.RoleStats;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /api/ws}: a WebSocket speaking a small JSON protocol (documented in the README and the OpenAPI file).
 * Client to server, one JSON object per text message:
 * <pre>
 *   {"op":"subscribe","series":["trade.*","svc.checkout.latency"],"resolution":1000}   adds patterns
 *   {"op":"subscribe","series":["trade.*"],"after":1234}   adds patterns and resumes after that id at once
 *   {"op":"subscribe","series":["trade.*"],"batch":true}   events due together come as one JSON array message
 *   {"op":"unsubscribe","series":["trade.*"]}       removes patterns (no "series": all)
 *   {"op":"resume","after":1234}                    sends the subscribed events after that id not yet sent since the
 *                                                   last (un)subscribe, then "resumed"
 *   {"op":"ping","id":7}                            answered by {"type":"pong","id":7,"at":ms}
 * </pre>
 * Server to client: {@code {"type":"result"|"alert","id":n,"data":{...}}}, acknowledgements
 * ({@code subscribed}, {@code unsubscribed}, {@code resumed}, {@code pong}), {@code {"type":"reconnect","retryMs":n,
 * "gateways":[url,..]}} (the other ready gateways, youngest first) just before the socket closes (code 1001) because
 * the gateway is stopping, and
 * {@code {"type":"error","op":..,"error":"reason"}}. A bad message is answered with an error and the socket
 * stays open.
 */
final class WsEndpoint {

  private final StreamHub hub;
  private final RoleStats stats;
  private final int maxSubscriptions;
  private final int maxMessageBytes;

  /** Whether events go out as their shared wire frames (see {@link StreamEvent#wsWire}), written to the channel. */
  private final boolean sharedFrames;

  WsEndpoint(StreamHub hub, RoleStats stats, int maxSubscriptions, int maxMessageBytes, boolean sharedFrames) {
    this.hub = hub;
    this.sharedFrames = sharedFrames;
    this.stats = stats;
    this.maxSubscriptions = maxSubscriptions;
    this.maxMessageBytes = maxMessageBytes;
  }

  void handle(RoutingContext ctx) {
    String remote = ctx.request().remoteAddress().hostAddress();
    String refusal = hub.feed().refusal(remote);
    if (refusal != null) {
      ctx.response().putHeader("Retry-After", "10");
      GatewayVerticle.json(ctx, 503, new JsonObject().put("error", refusal));
      return;
    }
    ctx.request().toWebSocket().onSuccess(ws -> {
      WsClient client = new WsClient(ws, remote, sharedFrames ? channelOf(ctx) : null);
      hub.add(client);
      ws.closeHandler(v -> hub.remove(client));
      ws.exceptionHandler(err -> hub.remove(client));
      ws.drainHandler(v -> hub.drained(client));
      ws.textMessageHandler(text -> client.onMessage(text));
      ws.binaryMessageHandler(b -> client.error(null, "binary messages are not part of the protocol; send JSON text"));
      client.cursor = hub.lastDelivered();
      client.control(new JsonObject().put("type", "hello").put("lastId", client.cursor)
        .put("maxSubscriptions", maxSubscriptions));
    }).onFailure(err -> stats.increment("wsUpgradeFailed"));
  }

  /**
   * Where a WebSocket just upgraded takes its frames' bytes: the pipeline place of its frame encoder (the upgrade keeps
   * the HTTP connection's channel), so a write passes only what lies below the encoder (TLS, when on), not Vert.x's
   * handler or the encoder; null when Vert.x gives no access to it (the Vert.x write path is used then).
   */
  private static ChannelHandlerContext channelOf(RoutingContext ctx) {
    return ctx.request().connection() instanceof ConnectionBase connection
      ? connection.channel().pipeline().context(WebSocketFrameEncoder.class) : null;
  }

  private final class WsClient extends StreamClient {
    private final ServerWebSocket ws;
    /**
     * Where shared frames are written, past Vert.x's write queue (null: not used). Written on this socket's event loop
     * like everything else, only while the socket has room, into the same outbound buffer as Vert.x's writes, so the
     * order holds. They skip permessage-deflate: a message without RSV1 is an uncompressed one (RFC 7692).
     */
    private final ChannelHandlerContext frameOut;
    private final Set<String> patterns = new LinkedHashSet<>();
    private SeriesFilter filter;
    private long resolution;
    /** Whether the client asked (subscribe with "batch":true) for events due together as one JSON array. */
    private boolean batch;

    WsClient(ServerWebSocket ws, String remote, ChannelHandlerContext frameOut) {
      super("ws", remote, hub.updatesPerSecond());
      this.ws = ws;
      this.frameOut = frameOut;
    }

    @Override
    boolean wants(StreamEvent event) {
      return filter != null
        && (resolution == 0 || event.kind == StreamEvent.Kind.ALERT || event.resolution == resolution)
        && filter.matches(event.series);
    }

    @Override
    String subscription() {
      return filter == null ? null : resolution + "|" + filter.key();
    }

    @Override
    boolean writeQueueFull() {
      // shared frames fill the channel's buffer, not Vert.x's queue: its writability counts as well
      return !ws.isClosed() && (ws.writeQueueFull() || frameOut != null && !frameOut.channel().isWritable());
    }

    @Override
    void write(List<StreamEvent> events, long[] cursors, int count) {
      if (ws.isClosed()) {
        return;
      }
      if (count == 1 || !batch) {
        boolean shared = false;
        for (int i = 0; i < count; i++) {
          StreamEvent event = events.get(i);
          boolean oneFrame = event.size() < GatewayVerticle.MAX_FRAME_BYTES;
          ByteBuf wire = frameOut != null && oneFrame ? event.wsWire(cursors[i]) : null;
          if (wire != null) {
            frameOut.write(wire, frameOut.voidPromise());
            shared = true;
          } else if (oneFrame) {
            ws.writeFrame(event.wsFrame(cursors[i]));
          } else {
            // larger than one frame may be: Vert.x splits the message into continuation frames
            ws.writeTextMessage(event.wsText(cursors[i]));
          }
        }
        if (shared) {
          frameOut.flush();
        }
        return;
      }
      // a client that asked for batches gets the events due together as one JSON array: one frame, one flush
      StringBuilder all = new StringBuilder(count * 256).append('[');
      for (int i = 0; i < count; i++) {
        all.append(i == 0 ? "" : ",").append(events.get(i).wsText(cursors[i]));
      }
      ws.writeTextMessage(all.append(']').toString());
    }

    @Override
    void notice(String type, String text) {
      // WebSocket keeps itself alive with ping frames; no heartbeat message needed
      if (!"heartbeat".equals(type)) {
        control(new JsonObject().put("type", type).put("text", text));
      }
    }

    @Override
    void disconnect() {
      ws.close((short) 1008, "too slow: behind for too long");
    }

    @Override
    void goAway(long retryMs, List<String> gateways) {
      if (ws.isClosed()) {
        return;
      }
      control(new JsonObject().put("type", "reconnect").mergeIn(reconnectNotice(retryMs, gateways)));
      ws.close((short) 1001, "gateway stopping: reconnect to another");
    }

    void control(JsonObject message) {
      if (!closed && !ws.isClosed()) {
        ws.writeTextMessage(message.encode());
      }
    }

    void error(String op, String reason) {
      stats.increment("wsErrors");
      control(new JsonObject().put("type", "error").put("op", op).put("error", reason));
    }

    void onMessage(String text) {
      if (text.length() > maxMessageBytes) {
        error(null, "message of " + text.length() + " characters is larger than " + maxMessageBytes
          + " (gateway.max-message-bytes)");
        return;
      }
      JsonObject msg;
      try {
        msg = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        error(null, "not a JSON object; send {\"op\":\"subscribe\"|\"unsubscribe\"|\"resume\"|\"ping\", ...}");
        return;
      }
      Object op = msg.getValue("op");
      if (!(op instanceof String)) {
        error(null, "missing \"op\": one of subscribe, unsubscribe, resume, ping");
        return;
      }
      switch ((String) op) {
        case "subscribe" -> subscribe(msg);
        case "unsubscribe" -> unsubscribe(msg);
        case "resume" -> resume(msg);
        case "ping" -> control(new JsonObject().put("type", "pong").put("id", msg.getValue("id"))
          .put("at", System.currentTimeMillis()));
        default -> error(String.valueOf(op), "unknown op '" + op + "': one of subscribe, unsubscribe, resume, ping");
      }
    }

    private List<String> seriesOf(JsonObject msg, String op) {
      Object series = msg.getValue("series");
      if (!(series instanceof JsonArray array) || array.isEmpty()) {
        error(op, "\"series\" must be a non-empty array of series keys or prefixes ending in *");
        return null;
      }
      List<String> out = new ArrayList<>();
      for (Object pattern : array) {
        String problem = StreamParams.patternProblem(pattern);
        if (problem != null) {
          error(op, problem);
          return null;
        }
        out.add((String) pattern);
      }
      return out;
    }

    private void subscribe(JsonObject msg) {
      List<String> series = seriesOf(msg, "subscribe");
      if (series == null) {
        return;
      }
      long newResolution = resolution;
      Object res = msg.getValue("resolution");
      if (res != null) {
        try {
          newResolution = StreamParams.resolution(String.valueOf(res));
        } catch (IllegalArgumentException e) {
          error("subscribe", e.getMessage());
          return;
        }
      }
      Set<String> next = new LinkedHashSet<>(patterns);
      next.addAll(series);
      if (next.size() > maxSubscriptions) {
        error("subscribe", "at most " + maxSubscriptions + " series patterns per socket (gateway.max-subscriptions); "
          + "this socket has " + patterns.size() + "; use a prefix pattern like trade.*");
        return;
      }
      Object wantsBatch = msg.getValue("batch");
      if (wantsBatch != null && !(wantsBatch instanceof Boolean)) {
        error("subscribe", "\"batch\" must be true or false");
        return;
      }
      if (wantsBatch != null) {
        batch = (Boolean) wantsBatch;
      }
      patterns.clear();
      patterns.addAll(next);
      firstLiveId = Long.MAX_VALUE;
      resolution = newResolution;
      filter = SeriesFilter.parse(String.join(",", patterns));
      hub.resubscribed(this);
      JsonArray unknown = new JsonArray();
      series.stream().filter(s -> !s.endsWith("*") && !hub.feed().isKnown(s)).forEach(unknown::add);
      control(new JsonObject().put("type", "subscribed").put("series", new JsonArray(List.copyOf(patterns)))
        .put("resolution", resolution).put("batch", batch).put("unknown", unknown).put("lastId", cursor));
      if (msg.getValue("after") != null) {
        resume(msg);
      }
    }

    private void unsubscribe(JsonObject msg) {
      if (msg.getValue("series") == null) {
        patterns.clear();
      } else {
        List<String> series = seriesOf(msg, "unsubscribe");
        if (series == null) {
          return;
        }
        series.forEach(patterns::remove);
      }
      filter = patterns.isEmpty() ? null : SeriesFilter.parse(String.join(",", patterns));
      hub.resubscribed(this);
      held.clear();
      firstLiveId = Long.MAX_VALUE;
      control(new JsonObject().put("type", "unsubscribed").put("series", new JsonArray(List.copyOf(patterns))));
    }

    private void resume(JsonObject msg) {
      Object after = msg.getValue("after");
      if (!(after instanceof Number n) || n.longValue() < 0) {
        error("resume", "\"after\" must be the id of the last event received (a whole number >= 0)");
        return;
      }
      int replayed = hub.replay(this, n.longValue());
      control(new JsonObject().put("type", "resumed").put("after", n.longValue())
        .put("replayed", Math.max(replayed, 0)).put("complete", replayed >= 0).put("lastId", cursor));
    }
  }
}
