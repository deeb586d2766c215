package io.pulse.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One of the gateway's HTTP event loops: an HTTP server on the gateway's port (Vert.x spreads the connections
 * over every server sharing a port) with its own {@link StreamHub}, so the stream clients of a node are written
 * by several event loops in parallel. The gateway deploys {@code gateway.stream-loops} of them.
 */
final class StreamLoop extends VerticleBase {

  private final Function<StreamHub, Router> routes;
  private final Supplier<StreamHub> hubs;
  private final HttpServerOptions options;
  private final String host;
  private final int port;
  private StreamHub hub;
  private HttpServer server;

  StreamLoop(Supplier<StreamHub> hubs, Function<StreamHub, Router> routes,
             HttpServerOptions options, String host, int port) {
    this.hubs = hubs;
    this.routes = routes;
    this.options = options;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    // built here, so the hub's timers and the server's connections belong to this verticle's event loop
    hub = hubs.get();
    server = vertx.createHttpServer(options).requestHandler(routes.apply(hub));
    return server.listen(port, host);
  }

  @Override
  public Future<?> stop() {
    hub.close();
    // the clients' connections end themselves once the reconnect notice is written: give them a moment to flush
    return server.shutdown(2, java.util.concurrent.TimeUnit.SECONDS);
  }

  int actualPort() {
    return server.actualPort();
  }
}
