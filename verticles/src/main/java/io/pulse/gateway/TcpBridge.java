package io.pulse.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;

/**
 * The polyglot door: the Vert.x TCP event-bus bridge (4-byte big-endian length, then a UTF-8 JSON frame
 * {@code {type, address, body, replyAddress?, headers?}}) with the same permitted addresses and checks as the
 * SockJS bridge, so any language can subscribe to results and alerts and ask history queries.
 */
final class TcpBridge {

  private final TcpEventBusBridge bridge;

  TcpBridge(Vertx vertx, BridgePolicy policy) {
    BridgeOptions options = BridgePolicy.permits(new BridgeOptions());
    bridge = TcpEventBusBridge.create(vertx, options, new NetServerOptions(),
      event -> event.complete(policy.allows(event.type(), event.getRawMessage())));
  }

  Future<Void> listen(String host, int port) {
    return bridge.listen(port, host).mapEmpty();
  }

  Future<Void> close() {
    return bridge.close();
  }
}
