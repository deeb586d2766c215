package io.pulse.persist;

import io.pulse.node.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy to a real server that a test can cut (every connection closed, new ones refused) and
 * restore: an outage of the server as its clients see it, without stopping a server other tests use.
 */
final class CutProxy implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private final NetServer server;
  private volatile boolean cut;

  CutProxy(String targetHost, int targetPort) {
    NetClient client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(in -> {
      if (cut) {
        in.close();
        return;
      }
      in.pause();
      client.connect(targetPort, targetHost).onComplete(ar -> {
        if (ar.failed() || cut) {
          in.close();
          return;
        }
        NetSocket out = ar.result();
        sockets.add(in);
        sockets.add(out);
        in.handler(out::write);
        out.handler(in::write);
        in.closeHandler(v -> out.close());
        out.closeHandler(v -> in.close());
        in.resume();
      });
    });
    TestNodes.await(server.listen(0, "127.0.0.1"), 10);
  }

  int port() {
    return server.actualPort();
  }

  void cut() {
    cut = true;
    sockets.forEach(NetSocket::close);
    sockets.clear();
  }

  void restore() {
    cut = false;
  }

  @Override
  public void close() {
    TestNodes.await(vertx.close(), 10);
  }
}
