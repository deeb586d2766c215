package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;

import java.util.Set;

/**
 * What the event-bus bridges (SockJS and TCP) let through, in both directions: out, the public result and alert
 * addresses; in, only history queries of a valid shape. Everything else is refused and counted
 * ({@code bridgeRefused}, {@code bridgeRejectedShape} in /api/status and /metrics).
 */
final class BridgePolicy {

  static final Set<String> OUTBOUND = Set.of(Addresses.RESULTS, Addresses.ALERTS);
  static final Set<String> INBOUND = Set.of(Addresses.HISTORY_QUERY);
  private static final Set<String> QUERY_FIELDS = Set.of("series", "from", "to", "resolution", "step");

  private final RoleStats stats;

  BridgePolicy(RoleStats stats) {
    this.stats = stats;
  }

  /** The bridge options both bridges start from: deny by default, exact addresses only. */
  static <T extends BridgeOptions> T permits(T options) {
    OUTBOUND.forEach(a -> options.addOutboundPermitted(new PermittedOptions().setAddress(a)));
    INBOUND.forEach(a -> options.addInboundPermitted(new PermittedOptions().setAddress(a)));
    return options;
  }

  /**
   * Whether a client's frame may pass. The bridge itself enforces the permitted addresses; this decides the
   * rest (shape of queries, no publish inbound) and counts every refusal.
   */
  boolean allows(BridgeEventType type, JsonObject frame) {
    String address = frame == null ? null : frame.getString("address");
    switch (type) {
      case REGISTER, UNREGISTER -> {
        if (!OUTBOUND.contains(address)) {
          stats.increment("bridgeRefused");
        }
        return true; // the bridge answers access_denied for non-permitted addresses
      }
      case PUBLISH -> {
        // publishing is never allowed inbound; on non-permitted addresses the bridge answers access_denied
        stats.increment("bridgeRefused");
        return !INBOUND.contains(address);
      }
      case SEND -> {
        if (!INBOUND.contains(address)) {
          stats.increment("bridgeRefused");
          return true; // access_denied from the bridge
        }
        String problem = queryProblem(frame.getValue("body"));
        if (problem != null) {
          stats.increment("bridgeRejectedShape");
          return false;
        }
        stats.increment("bridgeQueries");
        return true;
      }
      default -> {
        return true;
      }
    }
  }

  /** Null when the body is a valid history query {series, from, to, resolution?, step?}, else the reason. */
  static String queryProblem(Object body) {
    if (!(body instanceof JsonObject query)) {
      return "a history query is a JSON object {series, from, to, resolution?, step?}";
    }
    for (String field : query.fieldNames()) {
      if (!QUERY_FIELDS.contains(field)) {
        return "unknown field '" + field + "' in a history query";
      }
    }
    Object series = query.getValue("series");
    if (!(series instanceof String s) || s.endsWith("*") || StreamParams.patternProblem(s) != null) {
      return "'series' must be one series key";
    }
    for (String field : new String[]{"from", "to"}) {
      if (!(query.getValue(field) instanceof Number n) || n.longValue() < 0) {
        return "'" + field + "' must be epoch milliseconds";
      }
    }
    for (String field : new String[]{"resolution", "step"}) {
      Object v = query.getValue(field);
      if (v != null && (!(v instanceof Number n) || n.longValue() <= 0)) {
        return "'" + field + "' must be a positive number of milliseconds";
      }
    }
    return null;
  }
}
