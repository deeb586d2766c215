package io.pulse.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pulse.model.RoleStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * {@code /metrics} in Prometheus text format: Vert.x's own metrics (HTTP, event bus, pools; enabled by the node
 * launcher), the meters the roles of this node register (ingest, window latency, store writes), this gateway's
 * {@code pulse_gateway_clients{kind,node}} ({@code sse}, {@code ws}, {@code sockjs}, {@code tcp}),
 * {@code pulse_gateway_queue_drops_total} and {@code pulse_gateway_slow_disconnects_total}, and every counter every
 * node reports on {@code pulse.stats} (ingest rates and rejects, aggregation, persistence, gateway drops) as
 * {@code pulse_counter{node,role,counter}}.
 */
final class MetricsEndpoint {

  static final List<String> CLIENT_KINDS = List.of("sse", "ws", "sockjs", "tcp");

  private final PrometheusMeterRegistry registry;
  private final Supplier<JsonArray> clusterNodes;
  private final List<Meter> registered = new ArrayList<>();

  /** {@code clients} counts this gateway's connected clients of a kind in {@link #CLIENT_KINDS}. */
  MetricsEndpoint(String node, ToIntFunction<String> clients, RoleStats stats, Supplier<JsonArray> clusterNodes) {
    MeterRegistry any = BackendRegistries.getDefaultNow();
    this.registry = any instanceof PrometheusMeterRegistry p ? p : null;
    this.clusterNodes = clusterNodes;
    if (registry != null) {
      for (String kind : CLIENT_KINDS) {
        registered.add(Gauge.builder("pulse_gateway_clients", clients, c -> c.applyAsInt(kind))
          .tag("kind", kind).tag("node", node).description("clients connected to this gateway, by kind")
          .strongReference(true).register(registry));
      }
      // the hubs add their drops to the role's stats in bulk; the counters read them there
      registered.add(FunctionCounter.builder("pulse.gateway.queue.drops", stats, s -> s.get("queueDrops"))
        .tag("node", node).description("stream events dropped from full client queues (oldest first)")
        .register(registry));
      registered.add(FunctionCounter.builder("pulse.gateway.slow.disconnects", stats, s -> s.get("slowDisconnects"))
        .tag("node", node).description("stream clients disconnected for staying behind")
        .register(registry));
    }
  }

  /** Removes this gateway's meters, so a stopped gateway leaves no frozen gauges behind. */
  void close() {
    if (registry != null) {
      registered.forEach(registry::remove);
    }
    registered.clear();
  }

  void handle(RoutingContext ctx) {
    StringBuilder out = new StringBuilder(registry == null
      ? "# Vert.x metrics are off (start the node through PulseNode to enable them)\n" : registry.scrape());
    out.append("# HELP pulse_counter Counters and gauges every Pulse role reports each second on pulse.stats\n");
    out.append("# TYPE pulse_counter gauge\n");
    for (Object entry : clusterNodes.get()) {
      JsonObject node = (JsonObject) entry;
      JsonObject counters = node.getJsonObject("counters", new JsonObject());
      for (String role : counters.fieldNames()) {
        JsonObject values = counters.getJsonObject(role);
        if (values == null) {
          continue;
        }
        for (String name : values.fieldNames()) {
          Object v = values.getValue(name);
          if (v instanceof Number n) {
            out.append("pulse_counter{node=\"").append(escape(node.getString("node"))).append("\",role=\"")
              .append(escape(role)).append("\",counter=\"").append(escape(name)).append("\"} ")
              .append(n).append('\n');
          }
        }
      }
    }
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(out.toString());
  }

  private static String escape(String s) {
    return String.valueOf(s).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
