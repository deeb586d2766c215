package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Fans results and alerts out to every SSE and WebSocket client of this gateway, and protects the clients from
 * one another:
 * <ul>
 *   <li>every event gets an id and is kept in a bounded {@link RecentEvents} buffer, so a client resuming from
 *       the last id it saw receives exactly the events it missed (when they are still in the buffer);</li>
 *   <li>provisional results ({@code final=false}) are sent at most {@code maxUpdatesPerSecond} per series per
 *       client, the latest one winning; final results and alerts are never coalesced while a client keeps up;</li>
 *   <li>while a client's socket is full, its events are held, latest per series, at most {@code queueLimit}
 *       (the oldest dropped beyond that); a client behind for longer than {@code slowTimeoutMs} is
 *       disconnected;</li>
 *   <li>connections are limited per node and per remote address.</li>
 * </ul>
 * Everything runs on the gateway verticle's event loop.
 */
final class StreamHub {

  private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);
  private static final long TICK_MS = 25;

  record Limits(long maxUpdatesPerSecond, int queueLimit, long slowTimeoutMs, int maxConnections,
                int maxPerAddress, long heartbeatMs) {
  }

  private final Vertx vertx;
  private final RoleStats stats;
  private final Limits limits;
  private final long minIntervalMs;
  private final RecentEvents recent;
  private final Set<StreamClient> clients = new LinkedHashSet<>();
  private final Set<StreamClient> withHeld = new HashSet<>();
  private final Map<String, Integer> perAddress = new HashMap<>();
  private final Map<String, Integer> byKind = new HashMap<>();
  private final Set<String> knownSeries = new TreeSet<>();
  private final long tickTimer;
  private final long heartbeatTimer;

  StreamHub(Vertx vertx, RoleStats stats, Limits limits, int bufferSize) {
    this.vertx = vertx;
    this.stats = stats;
    this.limits = limits;
    this.minIntervalMs = limits.maxUpdatesPerSecond() <= 0 ? 0 : 1000 / limits.maxUpdatesPerSecond();
    this.recent = new RecentEvents(bufferSize);
    this.tickTimer = vertx.setPeriodic(TICK_MS, id -> tick());
    this.heartbeatTimer = vertx.setPeriodic(limits.heartbeatMs(), id -> heartbeat());
  }

  void close() {
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(heartbeatTimer);
    List.copyOf(clients).forEach(StreamClient::disconnect);
  }

  int size() {
    return clients.size();
  }

  int size(String kind) {
    return byKind.getOrDefault(kind, 0);
  }

  boolean isKnown(String series) {
    return knownSeries.contains(series);
  }

  /** Null when a new connection from this address may open, else the reason it may not. */
  String refusal(String remoteHost) {
    if (clients.size() >= limits.maxConnections()) {
      stats.increment("connectionsRefused");
      return "this gateway holds its maximum of " + limits.maxConnections() + " stream connections (gateway.max-connections)";
    }
    if (perAddress.getOrDefault(remoteHost, 0) >= limits.maxPerAddress()) {
      stats.increment("connectionsRefused");
      return "address " + remoteHost + " holds its maximum of " + limits.maxPerAddress()
        + " stream connections (gateway.max-connections-per-address)";
    }
    return null;
  }

  void add(StreamClient client) {
    clients.add(client);
    perAddress.merge(client.remoteHost, 1, Integer::sum);
    byKind.merge(client.kind, 1, Integer::sum);
    stats.set(client.kind + "Clients", byKind.get(client.kind));
  }

  void remove(StreamClient client) {
    if (!clients.remove(client)) {
      return;
    }
    client.closed = true;
    withHeld.remove(client);
    perAddress.computeIfPresent(client.remoteHost, (k, n) -> n <= 1 ? null : n - 1);
    byKind.computeIfPresent(client.kind, (k, n) -> n - 1);
    stats.set(client.kind + "Clients", byKind.get(client.kind));
  }

  /** Numbers the event, keeps it for resuming clients and offers it to every client that wants it. */
  void publish(StreamEvent.Kind kind, JsonObject body) {
    StreamEvent event = new StreamEvent(recent.nextId(), kind, body);
    recent.add(event);
    if (kind == StreamEvent.Kind.RESULT) {
      knownSeries.add(event.series);
    }
    if (clients.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    List<StreamClient> broken = null;
    for (StreamClient client : clients) {
      try {
        if (client.wants(event)) {
          offer(client, event, now);
        }
      } catch (RuntimeException e) {
        // a socket closing under us (its close handler not run yet) must not stop the fan-out to the others
        if (broken == null) {
          broken = new java.util.ArrayList<>();
        }
        broken.add(client);
      }
    }
    if (broken != null) {
      broken.forEach(this::remove);
      stats.add("brokenClients", broken.size());
    }
  }

  /** The id the next event will get (a client that wants only new events resumes from one below it). */
  long nextId() {
    return recent.nextId();
  }

  /**
   * Sends a client what it wants among the events after {@code lastSeen}, oldest first. Returns how many were
   * sent, or -1 (after sending what is left) when some of the missed events are no longer in the buffer.
   */
  int replay(StreamClient client, long lastSeen) {
    if (lastSeen >= recent.nextId()) {
      // an id this gateway never issued (another node's, or from before a restart): nothing to replay
      return -1;
    }
    boolean complete = recent.covers(lastSeen);
    int sent = 0;
    long now = System.currentTimeMillis();
    long liveFrom = client.firstLiveId;
    for (StreamEvent event : recent.after(lastSeen)) {
      if (event.id >= liveFrom) {
        break;
      }
      if (client.wants(event)) {
        client.send(event, now);
        sent++;
      }
    }
    client.firstLiveId = liveFrom;
    client.cursor = Math.max(client.cursor, Math.min(lastSeen, recent.nextId() - 1));
    stats.add("replayed", sent);
    return complete ? sent : -1;
  }

  private void offer(StreamClient client, StreamEvent event, long now) {
    if (client.writeQueueFull()) {
      hold(client, event, now);
      return;
    }
    if (!event.isFinal && minIntervalMs > 0) {
      Long last = client.lastSentAt.get(event.series);
      if (last != null && now - last < minIntervalMs) {
        hold(client, event, now);
        return;
      }
    }
    if (!client.held.isEmpty()) {
      // a final result supersedes a held provisional update of the same series
      StreamEvent held = client.held.get(StreamClient.holdKey(event));
      if (held != null && held.windowStart <= event.windowStart) {
        client.held.remove(StreamClient.holdKey(event));
        stats.increment("coalesced");
      }
    }
    client.send(event, now);
    stats.increment("sent");
  }

  private void hold(StreamClient client, StreamEvent event, long now) {
    if (client.writeQueueFull() && client.behindSince == 0) {
      client.behindSince = now;
    }
    String key = StreamClient.holdKey(event);
    if (client.held.put(key, event) != null) {
      stats.increment("coalesced");
    } else if (client.held.size() > limits.queueLimit()) {
      var eldest = client.held.keySet().iterator();
      eldest.next();
      eldest.remove();
      stats.increment("queueDrops");
    }
    withHeld.add(client);
  }

  /** Called by a client's socket drain handler: it can take more now. */
  void drained(StreamClient client) {
    client.behindSince = 0;
    flush(client, System.currentTimeMillis());
  }

  private void tick() {
    if (withHeld.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    for (StreamClient client : List.copyOf(withHeld)) {
      if (client.writeQueueFull()) {
        if (client.behindSince == 0) {
          client.behindSince = now;
        } else if (now - client.behindSince > limits.slowTimeoutMs()) {
          LOG.info("disconnecting {} client {}: behind for more than {} ms (gateway.slow-client-timeout-ms)",
            client.kind, client.remoteHost, limits.slowTimeoutMs());
          stats.increment("slowDisconnects");
          remove(client);
          client.disconnect();
        }
        continue;
      }
      client.behindSince = 0;
      flush(client, now);
    }
  }

  /** Sends the held events that are due (all of them once the socket has room, rate permitting). */
  private void flush(StreamClient client, long now) {
    if (client.held.isEmpty() || client.closed) {
      withHeld.remove(client);
      return;
    }
    for (StreamEvent event : client.takeHeld()) {
      Long last = event.isFinal ? null : client.lastSentAt.get(event.series);
      if (client.writeQueueFull() || (last != null && now - last < minIntervalMs)) {
        client.held.put(StreamClient.holdKey(event), event);
      } else {
        client.send(event, now);
        stats.increment("sent");
      }
    }
    if (client.held.isEmpty()) {
      withHeld.remove(client);
    }
  }

  private void heartbeat() {
    for (StreamClient client : clients) {
      if (!client.writeQueueFull()) {
        client.notice("heartbeat", "");
      }
    }
  }
}
