package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where results and alerts enter this gateway's streams, shared by every stream event loop's {@link StreamHub}:
 * <ul>
 *   <li>each event is numbered here, once, so ids are increasing per gateway node whichever loop serves a
 *       client, and kept in the {@link RecentEvents} buffer for resuming clients;</li>
 *   <li>events arriving together (the aggregator publishes a tick's results in one burst) are handed to the
 *       hubs as one batch, so each hub writes each client once per burst instead of once per event;</li>
 *   <li>connection counts and limits are node-wide.</li>
 * </ul>
 * {@link #publish} runs on the gateway verticle's event loop; the rest is safe from any stream loop.
 */
final class StreamFeed {

  private final Context entry;
  private final RoleStats stats;
  private final int maxConnections;
  private final int maxPerAddress;
  private final RecentEvents recent;
  private final Set<String> knownSeries = ConcurrentHashMap.newKeySet();
  private final List<StreamHub> hubs = new CopyOnWriteArrayList<>();
  private List<StreamEvent> pending = new ArrayList<>();
  private boolean dispatchScheduled;
  /** The highest id handed to the hubs (guarded by this). */
  private long handedOver;
  private int connections;
  private final Map<String, Integer> perAddress = new HashMap<>();
  private final Map<String, Integer> byKind = new HashMap<>();

  StreamFeed(Context entry, RoleStats stats, int maxConnections, int maxPerAddress, int bufferSize) {
    this.entry = entry;
    this.stats = stats;
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
    this.recent = new RecentEvents(bufferSize);
  }

  /** Numbers the event, keeps it for resuming clients and queues it for every hub (on the entry event loop). */
  void publish(StreamEvent.Kind kind, JsonObject body) {
    publish(kind, body, body.encode());
  }

  /** As above, with {@code body} already encoded as {@code json}. */
  void publish(StreamEvent.Kind kind, JsonObject body, String json) {
    StreamEvent event = new StreamEvent(recent.nextId(), kind, body, json);
    recent.add(event);
    if (kind == StreamEvent.Kind.RESULT) {
      knownSeries.add(event.series);
    }
    pending.add(event);
    if (!dispatchScheduled) {
      // runs after the results already queued on this loop: a burst goes out as one batch
      dispatchScheduled = true;
      entry.runOnContext(v -> dispatch());
    }
  }

  private void dispatch() {
    dispatchScheduled = false;
    List<StreamEvent> batch = List.copyOf(pending);
    pending = new ArrayList<>();
    synchronized (this) {
      // under the lock with register: a hub gets every batch after the id it registered at, and only those
      handedOver = batch.get(batch.size() - 1).id;
      for (StreamHub hub : hubs) {
        hub.deliver(batch);
      }
    }
  }

  /** Registers a hub; returns the last id handed over before it (the hub receives every later one). */
  synchronized long register(StreamHub hub) {
    hubs.add(hub);
    return handedOver;
  }

  void unregister(StreamHub hub) {
    hubs.remove(hub);
  }

  RecentEvents recent() {
    return recent;
  }

  boolean isKnown(String series) {
    return knownSeries.contains(series);
  }

  /** Null when a new connection from this address may open, else the reason it may not. */
  synchronized String refusal(String remoteHost) {
    if (connections >= maxConnections) {
      stats.increment("connectionsRefused");
      return "this gateway holds its maximum of " + maxConnections + " stream connections (gateway.max-connections)";
    }
    if (perAddress.getOrDefault(remoteHost, 0) >= maxPerAddress) {
      stats.increment("connectionsRefused");
      return "address " + remoteHost + " holds its maximum of " + maxPerAddress
        + " stream connections (gateway.max-connections-per-address)";
    }
    return null;
  }

  synchronized void connected(StreamClient client) {
    connections++;
    perAddress.merge(client.remoteHost, 1, Integer::sum);
    byKind.merge(client.kind, 1, Integer::sum);
    stats.set(client.kind + "Clients", byKind.get(client.kind));
  }

  synchronized void disconnected(StreamClient client) {
    connections--;
    perAddress.computeIfPresent(client.remoteHost, (k, n) -> n <= 1 ? null : n - 1);
    byKind.computeIfPresent(client.kind, (k, n) -> n - 1);
    stats.set(client.kind + "Clients", byKind.get(client.kind));
  }

  synchronized int size(String kind) {
    return byKind.getOrDefault(kind, 0);
  }
}
