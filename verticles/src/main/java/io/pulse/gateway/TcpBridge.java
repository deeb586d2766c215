package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The polyglot door: the Vert.x TCP event-bus bridge (4-byte big-endian length, then a UTF-8 JSON frame
 * {@code {type, address, body, replyAddress?, headers?}}) with the same outbound addresses and checks as the SockJS
 * bridge, plus one inbound address for samples ({@link io.pulse.model.Addresses#INGEST_RAW}), so any language can
 * subscribe to results and alerts, ask history queries and send samples.
 *
 * <p>With {@code gateway.auth.jwt-secret} set, every frame must carry {@code headers.Authorization: Bearer <jwt>}.
 * A frame this gateway refuses is answered by an error frame {@code {type: "err", message}} saying why, then the
 * bridge's own {@code "blocked by bridgeEvent handler"}. Frame headers never reach the event bus: they hold the token,
 * and the bridge would read some of them as delivery options (codec, timeout, local only).
 *
 * <p>A frame whose length prefix announces more than {@code gateway.tcp-bridge.max-frame-bytes} is refused at the
 * prefix, before its body is buffered: the client gets an error frame saying so, its connection is closed, and the
 * refusal is counted ({@code bridgeFrameTooLarge}); other connections go on as before.
 */
final class TcpBridge {

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);

  private final TcpEventBusBridge bridge;
  private final BridgePolicy policy;
  private final BearerAuth auth;
  private final RoleStats stats;
  private final AtomicInteger clients = new AtomicInteger();

  TcpBridge(Vertx vertx, BridgePolicy policy, BearerAuth auth, RoleStats stats, long maxFrameBytes) {
    this.policy = policy;
    this.auth = auth;
    this.stats = stats;
    BridgeOptions options = policy.permits(new BridgeOptions());
    CappedBridgeServer capped = new CappedBridgeServer();
    bridge = TcpEventBusBridge.create(capped.noting(vertx), options, new NetServerOptions().setTcpNoDelay(true),
      this::onEvent);
    capped.cap(maxFrameBytes, (socket, length) -> tooLarge(socket, length, maxFrameBytes), socket -> {
      clients.incrementAndGet();
      socket.closeHandler(v -> clients.decrementAndGet());
    });
  }

  /** Connections open now. */
  int clients() {
    return clients.get();
  }

  private void tooLarge(NetSocket socket, long length, long max) {
    stats.increment("bridgeFrameTooLarge");
    LOG.warn("TCP bridge client {} announced a frame of {} bytes, over gateway.tcp-bridge.max-frame-bytes ({}): "
      + "connection closed", socket.remoteAddress(), length, max);
    writeError(socket, "frame of " + length + " bytes is over gateway.tcp-bridge.max-frame-bytes (" + max
      + "): connection closed");
    socket.close();
  }

  private void onEvent(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    switch (event.type()) {
      case SEND, PUBLISH, REGISTER, UNREGISTER -> auth.checkFrame(frame).onComplete(checked -> {
        if (checked.failed()) {
          stats.increment("bridgeUnauthorized");
          refuse(event, checked.cause().getMessage());
          return;
        }
        // the bridge forwards this same object after the hook: what is removed here never reaches the bus
        frame.remove("headers");
        String refusal = policy.refusal(event.type(), frame);
        if (refusal == null) {
          event.complete(true);
        } else {
          refuse(event, refusal);
        }
      });
      default -> event.complete(true); // pings, and REGISTERED after a register already checked
    }
  }

  private static void refuse(BridgeEvent event, String reason) {
    writeError(event.socket(), reason);
    event.complete(false);
  }

  private static void writeError(NetSocket socket, String reason) {
    Buffer data = new JsonObject().put("type", "err").put("message", reason).toBuffer();
    socket.write(Buffer.buffer(4 + data.length()).appendInt(data.length()).appendBuffer(data));
  }

  Future<Void> listen(String host, int port) {
    return bridge.listen(port, host).mapEmpty();
  }

  Future<Void> close() {
    return bridge.close();
  }
}
