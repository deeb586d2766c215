package io.pulse.gateway;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.BiConsumer;

/**
 * Puts a frame-size cap in front of the TCP event-bus bridge's own parser. The bridge (5.0.x) has neither a size
 * limit nor a hook before its parser, which buffers whatever length a client announces; it only creates its server
 * through {@link Vertx#createNetServer} and reads each socket through {@link NetSocket#handler}. So the bridge is
 * given a view of Vert.x that notes the server it creates; its connect handler is then wrapped to hand the bridge a
 * view of each socket whose data handler first passes the bytes through a {@link FrameCap}. Everything else goes
 * straight to the real objects.
 */
final class CappedBridgeServer {

  private NetServer server;

  /** The Vert.x to create the bridge with: the same one, noting the server the bridge creates. */
  Vertx noting(Vertx vertx) {
    return proxy(Vertx.class, vertx, (method, result) -> {
      if (method.getName().equals("createNetServer")) {
        server = (NetServer) result;
      }
    });
  }

  /**
   * Once the bridge is created: {@code onConnect} sees every new connection first (the bridge sets no close
   * handler of its own), then every connection's bytes go through a cap of {@code maxFrameBytes};
   * {@code onTooLarge} gets the socket and the announced length of a frame over it, and then nothing more of
   * that socket reaches the bridge.
   */
  void cap(long maxFrameBytes, BiConsumer<NetSocket, Long> onTooLarge, Handler<NetSocket> onConnect) {
    if (server == null) {
      throw new IllegalStateException("the TCP bridge did not create its server through Vertx.createNetServer");
    }
    Handler<NetSocket> bridge = server.connectHandler();
    server.connectHandler(socket -> {
      onConnect.handle(socket);
      bridge.handle(capped(socket, new FrameCap(maxFrameBytes), onTooLarge));
    });
  }

  private static NetSocket capped(NetSocket socket, FrameCap cap, BiConsumer<NetSocket, Long> onTooLarge) {
    NetSocket[] view = new NetSocket[1];
    view[0] = (NetSocket) Proxy.newProxyInstance(NetSocket.class.getClassLoader(), new Class<?>[]{NetSocket.class},
      (p, method, args) -> {
        if (method.getName().equals("handler") && args != null && args.length == 1 && args[0] != null) {
          @SuppressWarnings("unchecked") Handler<Buffer> parser = (Handler<Buffer>) args[0];
          socket.handler(chunk -> {
            boolean refusedBefore = cap.tooLarge() >= 0;
            int pass = cap.passable(chunk);
            if (pass == chunk.length()) {
              parser.handle(chunk);
              return;
            }
            if (pass > 0) {
              parser.handle(chunk.slice(0, pass));
            }
            if (!refusedBefore) {
              onTooLarge.accept(view[0], cap.tooLarge());
            }
          });
          return view[0];
        }
        Object result = invoke(method, socket, args);
        return result == socket ? view[0] : result;
      });
    return view[0];
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, T target, BiConsumer<Method, Object> after) {
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, method, args) -> {
      Object result = invoke(method, target, args);
      after.accept(method, result);
      return result;
    });
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
