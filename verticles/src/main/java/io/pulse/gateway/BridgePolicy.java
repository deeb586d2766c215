package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.model.RoleStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;

import java.util.Set;

/**
 * What an event-bus bridge lets through, in both directions: out, the public result and alert addresses; in, history
 * queries of a valid shape and, on the TCP bridge only, samples sent to {@link Addresses#INGEST_RAW} (browsers on the
 * SockJS bridge only ask queries). Everything else is refused and counted ({@code bridgeRefused},
 * {@code bridgeRejectedShape} in /api/status and /metrics). The samples themselves are judged by the ingest role.
 */
final class BridgePolicy {

  static final Set<String> OUTBOUND = Set.of(Addresses.RESULTS, Addresses.ALERTS);
  static final Set<String> SOCKJS_INBOUND = Set.of(Addresses.HISTORY_QUERY);
  static final Set<String> TCP_INBOUND = Set.of(Addresses.HISTORY_QUERY, Addresses.INGEST_RAW);
  /** Samples in one frame to {@link Addresses#INGEST_RAW}: bounds what one frame costs the ingest node. */
  static final int MAX_SAMPLES_PER_FRAME = 1000;
  private static final Set<String> QUERY_FIELDS = Set.of("series", "from", "to", "resolution", "step");

  private final RoleStats stats;
  private final Set<String> inbound;

  private BridgePolicy(RoleStats stats, Set<String> inbound) {
    this.stats = stats;
    this.inbound = inbound;
  }

  /** The SockJS bridge's policy: inbound only history queries. */
  static BridgePolicy sockJs(RoleStats stats) {
    return new BridgePolicy(stats, SOCKJS_INBOUND);
  }

  /** The TCP bridge's policy: inbound history queries and samples. */
  static BridgePolicy tcp(RoleStats stats) {
    return new BridgePolicy(stats, TCP_INBOUND);
  }

  /** The bridge options this bridge starts from: deny by default, exact addresses only. */
  <T extends BridgeOptions> T permits(T options) {
    OUTBOUND.forEach(a -> options.addOutboundPermitted(new PermittedOptions().setAddress(a)));
    inbound.forEach(a -> options.addInboundPermitted(new PermittedOptions().setAddress(a)));
    return options;
  }

  /** Whether a client's frame may pass; see {@link #refusal}. */
  boolean allows(BridgeEventType type, JsonObject frame) {
    return refusal(type, frame) == null;
  }

  /**
   * Null when a client's frame may pass, else why it is refused. The bridge itself enforces the permitted addresses
   * (it answers {@code access_denied}, so those pass here, counted); this decides the rest (shape of queries and
   * sample frames, no publish inbound) and counts every refusal.
   */
  String refusal(BridgeEventType type, JsonObject frame) {
    String address = frame == null ? null : frame.getString("address");
    switch (type) {
      case REGISTER, UNREGISTER -> {
        if (!OUTBOUND.contains(address)) {
          stats.increment("bridgeRefused");
        }
        return null; // the bridge answers access_denied for non-permitted addresses
      }
      case PUBLISH -> {
        // publishing is never allowed inbound (a publish of samples would reach every ingest node);
        // on non-permitted addresses the bridge answers access_denied
        stats.increment("bridgeRefused");
        return inbound.contains(address) ? "publish is refused on " + address + ": use send" : null;
      }
      case SEND -> {
        if (!inbound.contains(address)) {
          stats.increment("bridgeRefused");
          return null; // access_denied from the bridge
        }
        boolean samples = Addresses.INGEST_RAW.equals(address);
        String problem = samples ? samplesProblem(frame.getValue("body")) : queryProblem(frame.getValue("body"));
        if (problem != null) {
          stats.increment("bridgeRejectedShape");
          return problem;
        }
        stats.increment(samples ? "bridgeSampleFrames" : "bridgeQueries");
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * Null when the body can be handed to ingest: one object or a non-empty array of at most
   * {@link #MAX_SAMPLES_PER_FRAME}. Whether each is a valid sample is ingest's judgement, counted there by reason.
   */
  static String samplesProblem(Object body) {
    if (body instanceof JsonObject) {
      return null;
    }
    if (body instanceof JsonArray array && !array.isEmpty() && array.size() <= MAX_SAMPLES_PER_FRAME) {
      return null;
    }
    return "samples are one JSON object {series, timestamp, value[, volume]} or an array of 1 to "
      + MAX_SAMPLES_PER_FRAME + " of them";
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
