package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.pulse.model.Sample;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static io.pulse.model.ConfigKeys.*;

/**
 * An exchange trade feed in the Binance combined-stream format: one WebSocket to
 * {@code <url>?streams=btcusdt@trade/ethusdt@aggTrade}, messages {@code {"stream":..,"data":{"e":"trade",
 * "s":"BTCUSDT","p":"..","q":"..","T":..}}}. Each trade becomes a sample of series {@code trade.<SYMBOL>}
 * with the price as value, the quantity as volume and the trade time {@code T} as event time.
 *
 * <p>It keeps itself connected: reconnects after any loss with exponential backoff and full jitter, pings
 * every {@code ping-ms} and drops a socket that stays silent for {@code idle-timeout-ms}, and before the
 * exchange's 24-hour cut it opens a new connection and only then closes the old one (trade ids drop the
 * few trades both deliver). Server-sent errors and bad trades are counted and sampled to the dead-letter
 * address; the feed keeps flowing.
 */
final class ExchangeFeed implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(ExchangeFeed.class);
  private static final long CHECK_MS = 250;
  private static final int RECENT_IDS = 4096;

  private final Vertx vertx;
  private final RoleStats stats;
  private final SourceMetrics metrics;
  private final SampleValidator validator;
  private final Rejects rejects;
  private final SampleFunnel funnel;
  private final String url;
  private final Set<String> symbols = new LinkedHashSet<>();
  private final List<String> kinds;
  private final long pingMs;
  private final long idleTimeoutMs;
  private final long maxConnectionMs;
  private final Backoff backoff;
  private final Map<String, Set<Long>> recentTradeIds = new HashMap<>();
  private final List<Long> reconnectDelays = new ArrayList<>();
  private final WebSocketClient client;
  private WebSocket socket;
  private long connectedAt;
  private long lastHeardAt;
  private long lastPingAt;
  private long checkTimer = -1;
  private boolean stopped;
  private boolean connecting;
  private boolean rollingOver;

  ExchangeFeed(IngestContext context) {
    this.vertx = context.vertx();
    this.stats = context.stats();
    this.metrics = context.metrics();
    this.validator = context.validator();
    this.rejects = context.rejects();
    this.funnel = context.funnel(name());
    JsonObject conf = context.conf();
    this.url = INGEST_EXCHANGE_URL.stringIn(conf);
    INGEST_EXCHANGE_SYMBOLS.listIn(conf).forEach(s -> symbols.add(s.toUpperCase(Locale.ROOT)));
    this.kinds = INGEST_EXCHANGE_STREAMS.listIn(conf);
    this.pingMs = INGEST_EXCHANGE_PING_MS.longIn(conf);
    this.idleTimeoutMs = INGEST_EXCHANGE_IDLE_TIMEOUT_MS.longIn(conf);
    this.maxConnectionMs = INGEST_EXCHANGE_MAX_CONNECTION_MS.longIn(conf);
    this.backoff = new Backoff(INGEST_EXCHANGE_BACKOFF_INITIAL_MS.longIn(conf), INGEST_EXCHANGE_BACKOFF_MAX_MS.longIn(conf),
      () -> ThreadLocalRandom.current().nextDouble());
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxMessageSize(1 << 20).setMaxFrameSize(1 << 20).setConnectTimeout(10_000));
  }

  @Override
  public String name() {
    return "exchange";
  }

  /** The delays chosen before each reconnect so far, in order (tests, logs). */
  List<Long> reconnectDelays() {
    return List.copyOf(reconnectDelays);
  }

  /** The full URL with the combined-stream query. */
  String streamUrl() {
    List<String> streams = new ArrayList<>();
    for (String symbol : symbols) {
      for (String kind : kinds) {
        streams.add(symbol.toLowerCase(Locale.ROOT) + "@" + kind);
      }
    }
    return url + (url.contains("?") ? "&" : "?") + "streams=" + String.join("/", streams);
  }

  @Override
  public Future<Void> start() {
    metrics.state(name(), SourceState.STARTING);
    for (String kind : kinds) {
      if (!kind.equals("trade") && !kind.equals("aggTrade")) {
        return Future.failedFuture(new IllegalArgumentException(INGEST_EXCHANGE_STREAMS.name()
          + ": unknown stream kind \"" + kind + "\"; use trade and/or aggTrade"));
      }
    }
    checkTimer = vertx.setPeriodic(CHECK_MS, id -> check());
    LOG.info("exchange feed connecting to {}", streamUrl());
    connect();
    // the node is ready whether or not the exchange answers now: the feed keeps trying in the background
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(checkTimer);
    funnel.close();
    Future<Void> closed = socket == null ? Future.succeededFuture() : socket.close();
    return closed.transform(v -> client.close());
  }

  private void connect() {
    if (stopped || connecting) {
      return;
    }
    connecting = true;
    stats.increment("exchange.connectAttempts");
    client.connect(new WebSocketConnectOptions().setAbsoluteURI(streamUrl())).onComplete(ar -> {
      connecting = false;
      if (stopped) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        LOG.warn("exchange feed: cannot connect to {}: {}", url, ar.cause().getMessage());
        scheduleReconnect();
        return;
      }
      adopt(ar.result());
    });
  }

  private void adopt(WebSocket ws) {
    WebSocket previous = socket;
    socket = ws;
    long now = System.currentTimeMillis();
    connectedAt = now;
    lastHeardAt = now;
    lastPingAt = now;
    stats.increment("exchange.connects");
    metrics.state(name(), SourceState.CONNECTED);
    // the old socket of a rollover may still deliver a few trades: they count too, the trade ids drop doubles
    ws.textMessageHandler(this::onMessage);
    ws.binaryMessageHandler(data -> {
      lastHeardAt = System.currentTimeMillis();
      rejects.reject(name(), RejectReason.WRONG_TYPE, "binary message from the exchange", "(" + data.length() + " bytes)");
    });
    ws.pongHandler(data -> lastHeardAt = System.currentTimeMillis());
    ws.exceptionHandler(err -> LOG.warn("exchange feed socket error: {}", err.toString()));
    ws.closeHandler(v -> {
      if (ws != socket || stopped) {
        return;
      }
      socket = null;
      LOG.warn("exchange feed: {} closed the connection (status {}{}); reconnecting", url, ws.closeStatusCode(),
        ws.closeReason() == null ? "" : ", " + ws.closeReason());
      scheduleReconnect();
    });
    if (previous != null) {
      LOG.info("exchange feed: new connection up, closing the old one before the exchange's 24-hour cut");
      previous.close();
    } else if (rollingOver) {
      LOG.info("exchange feed: reconnected");
    }
    rollingOver = false;
  }

  private void scheduleReconnect() {
    metrics.state(name(), SourceState.RECONNECTING);
    stats.increment("exchange.reconnects");
    long delay = backoff.nextDelay();
    reconnectDelays.add(delay);
    stats.set("exchange.reconnectDelayMs", delay);
    LOG.info("exchange feed: reconnect attempt {} in {} ms", backoff.failures(), delay);
    vertx.setTimer(Math.max(1, delay), id -> connect());
  }

  /** Pings, the idle timeout and the proactive reconnect before the 24-hour cut; also backpressure. */
  private void check() {
    WebSocket ws = socket;
    if (ws == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now - lastHeardAt > idleTimeoutMs) {
      LOG.warn("exchange feed: nothing heard for {} ms (ingest.exchange.idle-timeout-ms); dropping the connection",
        now - lastHeardAt);
      stats.increment("exchange.idleTimeouts");
      socket = null;
      ws.close();
      scheduleReconnect();
      return;
    }
    if (now - lastPingAt >= pingMs) {
      lastPingAt = now;
      ws.writePing(Buffer.buffer("pulse"));
    }
    if (now - connectedAt >= maxConnectionMs && !connecting && !rollingOver) {
      rollingOver = true;
      stats.increment("exchange.rollovers");
      connect();
    }
    if (!funnel.hasCapacity()) {
      metrics.state(name(), SourceState.LAGGING);
    }
  }

  private void onMessage(String text) {
    lastHeardAt = System.currentTimeMillis();
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      rejects.reject(name(), RejectReason.MALFORMED_JSON, "exchange sent a message that is not a JSON object", text);
      return;
    }
    if (message.containsKey("error") || (message.containsKey("code") && message.containsKey("msg"))) {
      Object error = message.containsKey("error") ? message.getValue("error") : message;
      LOG.warn("exchange feed: the exchange reports an error: {}", error);
      metrics.state(name(), SourceState.ERROR);
      rejects.reject(name(), RejectReason.SERVER_ERROR, "exchange error " + error, text);
      return;
    }
    if (message.containsKey("result") && message.containsKey("id")) {
      return; // reply to a subscription request
    }
    Object data = message.getValue("data");
    if (!(data instanceof JsonObject trade)) {
      rejects.reject(name(), RejectReason.MISSING_FIELD, "message without a data object", text);
      return;
    }
    Checked checked = toSample(trade);
    if (!checked.isOk()) {
      if (checked.reason() != null) {
        rejects.reject(name(), checked, text);
      }
      return;
    }
    funnel.add(checked.sample());
    backoff.reset();
    metrics.state(name(), funnel.hasCapacity() ? SourceState.CONNECTED : SourceState.LAGGING);
  }

  /** A trade or aggTrade payload to a sample; a duplicate (same trade id again) is neither sample nor reject. */
  Checked toSample(JsonObject trade) {
    Object kind = trade.getValue("e");
    if (!"trade".equals(kind) && !"aggTrade".equals(kind)) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "event type " + kind + " is neither trade nor aggTrade");
    }
    Object symbol = trade.getValue("s");
    Object price = trade.getValue("p");
    Object quantity = trade.getValue("q");
    Object time = trade.getValue("T");
    if (symbol == null || price == null || quantity == null || time == null) {
      return Checked.rejected(RejectReason.MISSING_FIELD, "a trade needs s, p, q and T");
    }
    if (!(symbol instanceof String s)) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "symbol s must be a string");
    }
    if (!symbols.contains(s)) {
      return Checked.rejected(RejectReason.UNKNOWN_SYMBOL, "symbol " + s + " is not in ingest.exchange.symbols");
    }
    Double p = decimal(price);
    Double q = decimal(quantity);
    if (p == null || q == null) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "price p and quantity q must be decimal strings");
    }
    if (!(time instanceof Number t) || t.doubleValue() != Math.rint(t.doubleValue())) {
      return Checked.rejected(RejectReason.WRONG_TYPE, "trade time T must be epoch milliseconds");
    }
    Object id = trade.getValue("aggTrade".equals(kind) ? "a" : "t");
    if (id instanceof Number n) {
      if (!recentTradeIds.computeIfAbsent(kind + "@" + s, k -> recentIdSet()).add(n.longValue())) {
        stats.increment("exchange.duplicates");
        return new Checked(null, null, null);
      }
    }
    return validator.check("trade." + s, t.longValue(), p, q, true);
  }

  /**
   * The last {@link #RECENT_IDS} trade ids of one stream: enough to recognise the trades that two overlapping
   * connections both deliver, in whatever order they arrive.
   */
  private static Set<Long> recentIdSet() {
    return java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>(RECENT_IDS * 2, 0.75f) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        return size() > RECENT_IDS;
      }
    });
  }

  /** Exchanges send decimals as strings to keep their precision; numbers are accepted too. */
  private static Double decimal(Object v) {
    if (v instanceof String s) {
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return v instanceof Number n ? n.doubleValue() : null;
  }
}
