package io.pulse.gateway;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.function.Supplier;

/**
 * {@code /metrics} in Prometheus text format: Vert.x's own metrics (HTTP, event bus, pools; enabled by the node
 * launcher), gauges of this gateway's stream clients by kind, and every counter every node reports on
 * {@code pulse.stats} (ingest rates and rejects, aggregation, persistence, gateway drops) as
 * {@code pulse_counter{node,role,counter}}.
 */
final class MetricsEndpoint {

  private final PrometheusMeterRegistry registry;
  private final Supplier<JsonArray> clusterNodes;

  MetricsEndpoint(String node, StreamFeed feed, Supplier<JsonArray> clusterNodes) {
    MeterRegistry any = BackendRegistries.getDefaultNow();
    this.registry = any instanceof PrometheusMeterRegistry p ? p : null;
    this.clusterNodes = clusterNodes;
    if (registry != null) {
      for (String kind : new String[]{"sse", "ws"}) {
        Gauge.builder("pulse_gateway_clients", feed, f -> f.size(kind)).tag("kind", kind).tag("node", node)
          .description("stream clients connected to this gateway").register(registry);
      }
    }
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
