package io.pulse.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * Optional bearer-token check for the streams and the bridges: a JWT signed with HS256 and the secret of
 * {@code gateway.auth.jwt-secret}, given as {@code Authorization: Bearer <token>} or, for clients that cannot set
 * headers (EventSource, SockJS), as {@code ?access_token=<token>}; on the TCP bridge, in every frame's headers,
 * {@code {"headers":{"Authorization":"Bearer <token>"}}}. With an empty secret everything passes.
 */
final class BearerAuth {

  private final JWTAuth jwt;

  BearerAuth(Vertx vertx, String secret) {
    this.jwt = secret.isEmpty() ? null : JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  boolean enabled() {
    return jwt != null;
  }

  void handle(RoutingContext ctx) {
    if (jwt == null) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
      ? header.substring(7).trim() : ctx.request().getParam("access_token");
    if (token == null || token.isEmpty()) {
      unauthorized(ctx, "a bearer token is required: Authorization: Bearer <jwt> or ?access_token=<jwt>");
      return;
    }
    jwt.authenticate(new TokenCredentials(token))
      .onSuccess(user -> ctx.next())
      .onFailure(err -> unauthorized(ctx, "invalid token: " + err.getMessage()));
  }

  /**
   * Checks the token of one TCP bridge frame: succeeds when authentication is off or the frame's
   * {@code headers.Authorization} holds a valid bearer token, else fails with what the client must do.
   */
  Future<Void> checkFrame(JsonObject frame) {
    if (jwt == null) {
      return Future.succeededFuture();
    }
    Object headers = frame == null ? null : frame.getValue("headers");
    Object header = headers instanceof JsonObject h ? h.getValue("Authorization") : null;
    if (!(header instanceof String value) || !value.regionMatches(true, 0, "Bearer ", 0, 7)
      || value.substring(7).isBlank()) {
      return Future.failedFuture("unauthorized: every frame needs a bearer token, "
        + "{\"headers\":{\"Authorization\":\"Bearer <jwt>\"}}");
    }
    return jwt.authenticate(new TokenCredentials(value.substring(7).trim())).<Void>mapEmpty()
      .recover(err -> Future.failedFuture("unauthorized: invalid token: " + err.getMessage()));
  }

  private static void unauthorized(RoutingContext ctx, String reason) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    GatewayVerticle.json(ctx, 401, new JsonObject().put("error", reason));
  }
}
