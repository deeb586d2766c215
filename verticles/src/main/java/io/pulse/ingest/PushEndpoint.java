package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.MultiMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.pulse.model.ConfigKeys.*;

/**
 * Readings pushed by meters and agents, on the ingest role's own HTTP server ({@code ingest.http.port}):
 * {@code POST /api/ingest} with a JSON array or NDJSON body, and WebSocket {@code /api/ingest/ws} where each
 * text message is one reading object or an array of them. A reading is {@code {series, timestamp, value[,
 * volume]}}.
 *
 * <p>Pushing back instead of buffering: while aggregation cannot keep up, WebSocket connections are paused
 * (the kernel's receive window then slows the client) and HTTP requests are answered {@code 429} with
 * {@code Retry-After}. Each connection has its own rate limit; connections idle for
 * {@code ingest.push.idle-timeout-ms} are closed; an optional token per client guards both endpoints.
 */
final class PushEndpoint implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(PushEndpoint.class);
  static final String HTTP_PATH = "/api/ingest";
  static final String WS_PATH = "/api/ingest/ws";
  private static final int MAX_ERRORS_REPORTED = 20;

  private final Vertx vertx;
  private final JsonObject conf;
  private final RoleStats stats;
  private final SourceMetrics metrics;
  private final SampleValidator validator;
  private final Rejects rejects;
  private final SampleFunnel funnel;
  private final Map<String, String> clientByToken = new HashMap<>();
  private final long rateLimit;
  private final int maxBytes;
  private final Set<ServerWebSocket> paused = new LinkedHashSet<>();
  private final Map<HttpConnection, TokenBucket> httpBuckets = new IdentityHashMap<>();
  private HttpServer server;
  private long resumeTimer = -1;
  private long sockets;

  PushEndpoint(IngestContext context) {
    this.vertx = context.vertx();
    this.conf = context.conf();
    this.stats = context.stats();
    this.metrics = context.metrics();
    this.validator = context.validator();
    this.rejects = context.rejects();
    this.funnel = context.funnel(name());
    this.rateLimit = INGEST_PUSH_RATE_LIMIT.longIn(conf);
    this.maxBytes = INGEST_PUSH_MAX_MESSAGE_BYTES.intIn(conf);
    for (String entry : INGEST_PUSH_TOKENS.listIn(conf)) {
      int eq = entry.indexOf('=');
      clientByToken.put(eq < 0 ? entry : entry.substring(eq + 1), eq < 0 ? "client" : entry.substring(0, eq));
    }
  }

  @Override
  public String name() {
    return "push";
  }

  int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<Void> start() {
    // HTTP/1.1 only, like every Pulse port: a client's h2c upgrade once went unanswered; HTTP/2 belongs in a proxy
    HttpServerOptions options = new HttpServerOptions()
      .setHttp2ClearTextEnabled(false)
      .setHost(INGEST_HTTP_HOST.stringIn(conf))
      .setPort(INGEST_HTTP_PORT.intIn(conf))
      .setMaxWebSocketFrameSize(maxBytes)
      .setMaxWebSocketMessageSize(maxBytes)
      .setReadIdleTimeout(INGEST_PUSH_IDLE_TIMEOUT_MS.intIn(conf))
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
      .setAcceptBacklog(4096);
    server = vertx.createHttpServer(options)
      .webSocketHandshakeHandler(this::onHandshake)
      .webSocketHandler(this::onSocket)
      .requestHandler(this::onRequest);
    resumeTimer = vertx.setPeriodic(SampleFunnel.FLUSH_MS, id -> resumeWhenPossible());
    stats.set("push.clients", 0);
    metrics.state(name(), SourceState.STARTING);
    return server.listen().<Void>map(s -> {
      metrics.state(name(), SourceState.CONNECTED);
      LOG.info("push endpoints listening on {}:{}: POST {} and WebSocket {}{}", INGEST_HTTP_HOST.stringIn(conf),
        s.actualPort(), HTTP_PATH, WS_PATH, clientByToken.isEmpty() ? " (no token required)" : " (token required)");
      return null;
    }).recover(err -> {
      boolean inUse = err instanceof BindException || String.valueOf(err.getMessage()).contains("Address already in use");
      return Future.failedFuture(inUse
        ? new IllegalStateException(INGEST_HTTP_PORT.name() + ": " + INGEST_HTTP_HOST.stringIn(conf) + ":"
          + INGEST_HTTP_PORT.intIn(conf) + " is already in use; choose a free port with --ingest.http.port=<port>")
        : err);
    });
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(resumeTimer);
    funnel.close();
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---- WebSocket

  private void onHandshake(ServerWebSocketHandshake handshake) {
    if (!WS_PATH.equals(handshake.path())) {
      handshake.reject(404);
      return;
    }
    if (client(handshake.headers(), handshake.query()) == null) {
      rejects.reject(name(), RejectReason.UNAUTHORIZED, "WebSocket from " + handshake.remoteAddress()
        + " without a valid token (ingest.push.tokens)", null);
      handshake.reject(401);
      return;
    }
    handshake.accept();
  }

  private void onSocket(ServerWebSocket ws) {
    sockets++;
    stats.set("push.clients", sockets);
    stats.increment("push.connectionsOpened");
    TokenBucket bucket = new TokenBucket(rateLimit, System.nanoTime());
    ws.textMessageHandler(text -> onMessage(ws, bucket, text));
    ws.binaryMessageHandler(data -> refuse(ws, RejectReason.WRONG_TYPE,
      "binary WebSocket messages are not accepted; send JSON text", "(" + data.length() + " binary bytes)", 1));
    ws.exceptionHandler(err -> {
      if (String.valueOf(err.getMessage()).toLowerCase().contains("max") || err.getClass().getSimpleName().contains("TooLong")) {
        rejects.reject(name(), RejectReason.OVERSIZED, "WebSocket message over ingest.push.max-message-bytes ("
          + maxBytes + "): " + err.getMessage(), null);
      } else {
        stats.increment("push.socketErrors");
      }
    });
    ws.closeHandler(v -> {
      sockets--;
      stats.set("push.clients", sockets);
      paused.remove(ws);
    });
  }

  private void onMessage(ServerWebSocket ws, TokenBucket bucket, String text) {
    List<Object> readings = new ArrayList<>();
    Object decoded;
    try {
      decoded = Json.decodeValue(text);
    } catch (DecodeException e) {
      refuse(ws, RejectReason.MALFORMED_JSON, "not JSON: " + firstLine(e.getMessage()), text, 1);
      return;
    }
    if (decoded instanceof JsonArray array) {
      array.forEach(readings::add);
    } else {
      readings.add(decoded);
    }
    if (!bucket.tryTake(readings.size(), System.nanoTime())) {
      refuse(ws, RejectReason.RATE_LIMITED, "over " + rateLimit + " readings/s on this connection "
        + "(ingest.push.rate-limit)", text, readings.size());
      return;
    }
    int refused = 0;
    Checked firstRefusal = null;
    for (Object reading : readings) {
      Checked checked = validator.fromJson(reading);
      if (checked.isOk()) {
        funnel.add(checked.sample());
      } else {
        rejects.reject(name(), checked, reading);
        refused++;
        firstRefusal = firstRefusal == null ? checked : firstRefusal;
      }
    }
    if (refused > 0) {
      ws.writeTextMessage(new JsonObject().put("rejected", refused).put("reason", firstRefusal.reason().code())
        .put("detail", firstRefusal.detail()).encode());
    }
    if (!funnel.hasCapacity() && paused.add(ws)) {
      ws.pause();
      stats.increment("push.pauses");
    }
  }

  private void refuse(ServerWebSocket ws, RejectReason reason, String detail, Object input, int readings) {
    rejects.reject(name(), reason, detail, input);
    // one input stood for several readings: count each of them
    metrics.rejected(name(), reason, readings - 1);
    ws.writeTextMessage(new JsonObject().put("rejected", readings).put("reason", reason.code())
      .put("detail", detail).encode());
  }

  private void resumeWhenPossible() {
    stats.set("push.pausedSockets", paused.size());
    if (paused.isEmpty() || !funnel.hasCapacity()) {
      return;
    }
    List<ServerWebSocket> resuming = new ArrayList<>(paused);
    paused.clear();
    resuming.forEach(ServerWebSocket::resume);
  }

  // ---- HTTP

  private void onRequest(HttpServerRequest request) {
    if (!HTTP_PATH.equals(request.path())) {
      request.response().setStatusCode(404).end(error("no such path; POST readings to " + HTTP_PATH
        + " or open a WebSocket on " + WS_PATH));
      return;
    }
    if (request.method() != HttpMethod.POST) {
      request.response().setStatusCode(405).putHeader("Allow", "POST").end(error("use POST"));
      return;
    }
    if (client(request.headers(), request.query()) == null) {
      rejects.reject(name(), RejectReason.UNAUTHORIZED, "POST from " + request.remoteAddress()
        + " without a valid token (ingest.push.tokens)", null);
      request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").end(error("a valid token is required"));
      return;
    }
    if (!funnel.hasCapacity()) {
      stats.increment("push.throttled");
      request.response().setStatusCode(429).putHeader("Retry-After", "1")
        .end(error("aggregation is behind; send again after the Retry-After seconds"));
      return;
    }
    String length = request.getHeader("Content-Length");
    if (length != null && parseLong(length) > maxBytes) {
      tooLarge(request);
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] over = {false};
    request.handler(chunk -> {
      if (over[0]) {
        return;
      }
      if (body.length() + chunk.length() > maxBytes) {
        over[0] = true;
        tooLarge(request);
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> {
      if (!over[0]) {
        onBody(request, body.toString(StandardCharsets.UTF_8));
      }
    });
  }

  private void tooLarge(HttpServerRequest request) {
    rejects.reject(name(), RejectReason.OVERSIZED, "body over ingest.push.max-message-bytes (" + maxBytes + ")", null);
    request.response().setStatusCode(413).putHeader("Connection", "close")
      .end(error("body larger than " + maxBytes + " bytes (ingest.push.max-message-bytes)"))
      .onComplete(v -> request.connection().close());
  }

  private void onBody(HttpServerRequest request, String body) {
    List<Object> readings = new ArrayList<>();
    JsonArray errors = new JsonArray();
    int refused = 0;
    String trimmed = body.strip();
    if (trimmed.startsWith("[")) {
      try {
        new JsonArray(trimmed).forEach(readings::add);
      } catch (DecodeException e) {
        rejects.reject(name(), RejectReason.MALFORMED_JSON, "body is not a JSON array: " + firstLine(e.getMessage()), body);
        request.response().setStatusCode(400).end(error("body is not a JSON array nor NDJSON: " + firstLine(e.getMessage())));
        return;
      }
    } else {
      // NDJSON: one reading per line; a bad line is refused alone
      String[] lines = trimmed.split("\r?\n");
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        try {
          readings.add(Json.decodeValue(lines[i]));
        } catch (DecodeException e) {
          refused++;
          rejects.reject(name(), RejectReason.MALFORMED_JSON, "line " + (i + 1) + " is not JSON", lines[i]);
          addError(errors, i, RejectReason.MALFORMED_JSON, "line " + (i + 1) + " is not JSON: " + firstLine(e.getMessage()));
        }
      }
    }
    TokenBucket bucket = httpBuckets.computeIfAbsent(request.connection(), c -> {
      c.closeHandler(v -> httpBuckets.remove(c));
      return new TokenBucket(rateLimit, System.nanoTime());
    });
    long now = System.nanoTime();
    if (!bucket.tryTake(readings.size(), now)) {
      long waitMs = bucket.millisUntil(readings.size(), now);
      rejects.reject(name(), RejectReason.RATE_LIMITED, readings.size() + " readings over " + rateLimit
        + " readings/s on this connection (ingest.push.rate-limit)", null);
      metrics.rejected(name(), RejectReason.RATE_LIMITED, readings.size() - 1);
      request.response().setStatusCode(429).putHeader("Retry-After", String.valueOf(Math.max(1, (waitMs + 999) / 1000)))
        .end(error("rate limit of " + rateLimit + " readings/s per connection exceeded"));
      return;
    }
    int accepted = 0;
    for (int i = 0; i < readings.size(); i++) {
      Checked checked = validator.fromJson(readings.get(i));
      if (checked.isOk()) {
        funnel.add(checked.sample());
        accepted++;
      } else {
        refused++;
        rejects.reject(name(), checked, readings.get(i));
        addError(errors, i, checked.reason(), checked.detail());
      }
    }
    int status = accepted == 0 && refused > 0 ? 400 : 200;
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
      .end(new JsonObject().put("accepted", accepted).put("rejected", refused).put("errors", errors).encode());
  }

  private static void addError(JsonArray errors, int index, RejectReason reason, String detail) {
    if (errors.size() < MAX_ERRORS_REPORTED) {
      errors.add(new JsonObject().put("index", index).put("reason", reason.code()).put("detail", detail));
    }
  }

  // ---- shared

  /** The client a request's token names; "anonymous" when no tokens are configured; null when refused. */
  private String client(MultiMap headers, String query) {
    if (clientByToken.isEmpty()) {
      return "anonymous";
    }
    String auth = headers.get("Authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : queryToken(query);
    return token == null ? null : clientByToken.get(token);
  }

  private static String queryToken(String query) {
    if (query == null) {
      return null;
    }
    for (String part : query.split("&")) {
      if (part.startsWith("token=")) {
        return URLDecoder.decode(part.substring(6), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String error(String message) {
    return new JsonObject().put("error", message).encode();
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
