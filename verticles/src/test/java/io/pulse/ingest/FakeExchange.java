package io.pulse.ingest;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.pulse.node.TestNodes;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for the exchange's combined-stream WebSocket endpoint: it records connection attempts,
 * sends what the test tells it to every open socket, and can drop, refuse or go silent.
 */
final class FakeExchange {

  final List<Long> attemptTimes = new CopyOnWriteArrayList<>();
  final List<String> queries = new CopyOnWriteArrayList<>();
  final List<ServerWebSocket> open = new CopyOnWriteArrayList<>();
  final AtomicInteger refuseNext = new AtomicInteger();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  FakeExchange() {
    server = vertx.createHttpServer()
      .webSocketHandshakeHandler(h -> {
        attemptTimes.add(System.currentTimeMillis());
        queries.add(h.query());
        if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          h.reject(503);
        } else {
          h.accept();
        }
      })
      .webSocketHandler(ws -> {
        open.add(ws);
        ws.closeHandler(v -> open.remove(ws));
      });
    TestNodes.await(server.listen(0, "127.0.0.1"), 30);
  }

  String url() {
    return "ws://127.0.0.1:" + server.actualPort() + "/stream";
  }

  int connections() {
    return attemptTimes.size();
  }

  /** Sends to every open socket. */
  void send(String text) {
    open.forEach(ws -> ws.writeTextMessage(text));
  }

  void trade(String symbol, long id, String price, String quantity, long time) {
    send(new JsonObject().put("stream", symbol.toLowerCase() + "@trade").put("data", new JsonObject()
      .put("e", "trade").put("E", time + 1).put("s", symbol).put("t", id).put("p", price).put("q", quantity)
      .put("T", time).put("m", true)).encode());
  }

  /** Closes every open socket, as the exchange does at its 24-hour cut or in an outage. */
  void dropAll() {
    open.forEach(ServerWebSocket::close);
  }

  void close() {
    TestNodes.await(vertx.close(), 30);
  }
}
