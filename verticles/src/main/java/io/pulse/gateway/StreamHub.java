package io.pulse.gateway;

import io.pulse.model.RoleStats;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Fans the {@link StreamFeed}'s events out to the SSE and WebSocket clients of one stream event loop (each
 * {@link StreamLoop} has one hub; the feed hands every hub every batch), and protects the clients from one another:
 * <ul>
 *   <li>a batch of events is written to each client at once, one write per client (see
 *       {@link StreamClient#flushOutbox()}), the wire forms encoded once for all clients; clients asking for the
 *       same series and resolution are grouped, so which events of a batch they want is judged once per group
 *       and a burst of other series costs nothing per client;</li>
 *   <li>a client resuming from the last id it saw receives exactly the events it missed (when they are still in
 *       the feed's buffer);</li>
 *   <li>provisional results ({@code final=false}) are sent at most {@code maxUpdatesPerSecond} per series per
 *       client in any second ({@link SendTimes}), the latest one per series and resolution winning; final results
 *       and alerts are never coalesced while a client keeps up;</li>
 *   <li>while a client's socket is full, its events are held, latest per series, at most {@code queueLimit}
 *       (the oldest dropped beyond that); a client behind for longer than {@code slowTimeoutMs} is
 *       disconnected.</li>
 * </ul>
 * Everything but {@link #deliver} runs on this hub's event loop.
 */
final class StreamHub {

  private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);
  private static final long TICK_MS = 25;
  /** The retry hint given to clients when the gateway stops: soon, and a load balancer sends them elsewhere. */
  static final long RECONNECT_MS = 1000;
  /** Bursts larger than this (the aggregator's usual tick is a few kilobytes) are fanned out in slices. */
  private static final int SLICE_BYTES = 32 * 1024;
  private static final int SLICE_EVENTS = 256;
  /** Events one pass may carry when bursts queued up behind a slow pass (see {@link #nextSlice()}). */
  private static final int MERGE_EVENTS = 4096;

  record Limits(long maxUpdatesPerSecond, int queueLimit, long slowTimeoutMs, long heartbeatMs) {
  }

  private final Vertx vertx;
  private final Context context;
  private final StreamFeed feed;
  private final RoleStats stats;
  private final Limits limits;
  private final Supplier<List<String>> otherGateways;
  private final Set<StreamClient> clients = new LinkedHashSet<>();
  /** The clients by {@link StreamClient#subscription()}: clients asking for nothing yet are in none. */
  private final Map<String, Set<StreamClient>> groups = new HashMap<>();
  private final Set<StreamClient> withHeld = new HashSet<>();
  private final List<StreamClient> tickClients = new ArrayList<>();
  private final ArrayDeque<List<StreamEvent>> slices = new ArrayDeque<>();
  private boolean slicing;
  /** Whether a fan-out pass is going through the groups (removals wait in {@link #leftDuringPass}). */
  private boolean passing;
  private final List<StreamClient> leftDuringPass = new ArrayList<>();
  /** The one-shot timer that flushes held events when the earliest of them is due (-1: none), and when. */
  private long dueTimer = -1;
  private long dueTimerAt;
  private final long tickTimer;
  private final long heartbeatTimer;
  /** The highest event id this hub has fanned out: a new client's starting point, and where replays stop. */
  private long lastDelivered;
  // counted here, added to the shared stats once per batch (not once per client and event)
  private long sent;
  private long coalesced;
  private long queueDrops;

  /** Creates the hub of the calling event loop and registers it with the feed. */
  StreamHub(Vertx vertx, StreamFeed feed, RoleStats stats, Limits limits, Supplier<List<String>> otherGateways) {
    this.otherGateways = otherGateways;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.feed = feed;
    this.stats = stats;
    this.limits = limits;
    this.tickTimer = vertx.setPeriodic(TICK_MS, id -> tick());
    this.heartbeatTimer = vertx.setPeriodic(limits.heartbeatMs(), id -> heartbeat());
    this.lastDelivered = feed.register(this);
  }

  /**
   * The gateway stops: every client is told to reconnect elsewhere (see {@link StreamClient#goAway}), and where:
   * the other ready gateways, youngest first.
   */
  void close() {
    feed.unregister(this);
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(heartbeatTimer);
    if (dueTimer >= 0) {
      vertx.cancelTimer(dueTimer);
    }
    List<StreamClient> leaving = List.copyOf(clients);
    List<String> gateways = leaving.isEmpty() ? List.of() : otherGateways.get();
    leaving.forEach(client -> {
      flush(client, System.currentTimeMillis());
      client.goAway(RECONNECT_MS, gateways);
      remove(client);
    });
    if (!leaving.isEmpty()) {
      stats.add("clientsToldToReconnect", leaving.size());
      LOG.info("told {} stream clients to reconnect to another gateway, first of {}", leaving.size(),
        gateways.isEmpty() ? "none known (they retry their own origin)" : gateways);
    }
  }

  StreamFeed feed() {
    return feed;
  }

  /** The budget of provisional results per series and client (gateway.max-updates-per-second); 0: no limit. */
  long updatesPerSecond() {
    return limits.maxUpdatesPerSecond();
  }

  /** The id a new client starts after (it receives every later event live). */
  long lastDelivered() {
    return lastDelivered;
  }

  void add(StreamClient client) {
    clients.add(client);
    regroup(client);
    feed.connected(client);
  }

  /** Called when a client changed what it asked for. */
  void resubscribed(StreamClient client) {
    if (clients.contains(client)) {
      regroup(client);
    }
  }

  private void regroup(StreamClient client) {
    String key = client.subscription();
    if (java.util.Objects.equals(key, client.group)) {
      return;
    }
    ungroup(client);
    if (key != null) {
      groups.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(client);
      client.group = key;
    }
  }

  private void ungroup(StreamClient client) {
    if (client.group == null) {
      return;
    }
    Set<StreamClient> members = groups.get(client.group);
    if (members != null && members.remove(client) && members.isEmpty()) {
      groups.remove(client.group);
    }
    client.group = null;
  }

  void remove(StreamClient client) {
    if (passing) {
      // a socket failing while the pass writes to it (its exception handler runs inside the write) leaves once the
      // pass is over: the pass is going through its group; until then it gets nothing more
      if (clients.contains(client) && !client.closed) {
        client.closed = true;
        leftDuringPass.add(client);
      }
      return;
    }
    detach(client);
  }

  private void detach(StreamClient client) {
    if (!clients.remove(client)) {
      return;
    }
    ungroup(client);
    client.closed = true;
    withHeld.remove(client);
    feed.disconnected(client);
  }

  /** Called by the feed, from the gateway's event loop: the batch is fanned out on this hub's loop. */
  void deliver(List<StreamEvent> batch) {
    context.runOnContext(v -> {
      // a big burst goes out in slices, with the sockets' I/O in between, so clients that read keep up
      int from = 0;
      while (from < batch.size()) {
        int to = from;
        int bytes = 0;
        while (to < batch.size() && to - from < SLICE_EVENTS && bytes < SLICE_BYTES) {
          bytes += batch.get(to++).size();
        }
        slices.add(batch.subList(from, to));
        from = to;
      }
      if (!slicing) {
        nextSlice();
      }
    });
  }

  private void nextSlice() {
    List<StreamEvent> slice = slices.poll();
    slicing = slice != null;
    if (slice == null) {
      return;
    }
    if (!slices.isEmpty() && slice.size() < MERGE_EVENTS) {
      // bursts that arrived during the last pass go out together in this one: a pass costs about one write per
      // client however many events it carries (each client's writes stay bounded by its outbox), so a hub that
      // falls behind catches up instead of queueing passes
      List<StreamEvent> merged = new ArrayList<>(slice);
      while (!slices.isEmpty() && merged.size() + slices.peek().size() <= MERGE_EVENTS) {
        merged.addAll(slices.poll());
      }
      slice = merged;
    }
    try {
      fanOut(slice);
    } finally {
      // whatever happened to this slice, the next one goes: a hub left "slicing" would never deliver again
      if (!slices.isEmpty()) {
        // a timer runs after the event loop's pending I/O; a task would run before it
        vertx.setTimer(1, id -> nextSlice());
      } else {
        slicing = false;
      }
    }
  }

  private void fanOut(List<StreamEvent> batch) {
    lastDelivered = batch.get(batch.size() - 1).id;
    if (clients.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    long now = System.currentTimeMillis();
    passing = true;
    try {
      pass(batch, now);
    } finally {
      passing = false;
      leftDuringPass.forEach(this::detach);
      leftDuringPass.clear();
    }
    // what one pass over this loop's clients costs: the delay of the last client served (mean: micros / passes)
    stats.add("fanOutMicros", (System.nanoTime() - started) / 1000);
    stats.increment("fanOutPasses");
    reportCounters();
  }

  /** Writes the batch to every client that wants some of it: one pass over the groups. */
  private void pass(List<StreamEvent> batch, long now) {
    List<StreamClient> broken = null;
    List<StreamEvent> wanted = new ArrayList<>();
    for (Set<StreamClient> members : groups.values()) {
      // what the members of a group want is judged once, with any one of them: a burst nobody in the group
      // asked for costs one look per event, not one per client and event
      wanted.clear();
      StreamClient any = members.iterator().next();
      for (StreamEvent event : batch) {
        if (any.wants(event)) {
          wanted.add(event);
        }
      }
      if (wanted.isEmpty()) {
        continue;
      }
      for (StreamClient client : members) {
        if (client.closed) {
          continue;
        }
        try {
          for (StreamEvent event : wanted) {
            offer(client, event, now);
          }
          sent += client.flushOutbox();
        } catch (RuntimeException e) {
          // a socket closing under us (its close handler not run yet) must not stop the fan-out to the others
          client.dropOutbox();
          if (broken == null) {
            broken = new ArrayList<>();
          }
          broken.add(client);
        }
      }
    }
    if (broken != null) {
      leftDuringPass.addAll(broken);
      stats.add("brokenClients", broken.size());
    }
  }

  /**
   * Sends a client what it wants among the events after {@code lastSeen}, oldest first. Returns how many were
   * sent, or -1 (after sending what is left) when some of the missed events are no longer in the buffer.
   */
  int replay(StreamClient client, long lastSeen) {
    RecentEvents recent = feed.recent();
    if (lastSeen >= recent.nextId()) {
      // an id this gateway never issued (another node's, or from before a restart): nothing to replay
      return -1;
    }
    boolean complete = recent.covers(lastSeen);
    int replayed = 0;
    long now = System.currentTimeMillis();
    long liveFrom = client.firstLiveId;
    for (StreamEvent event : recent.after(lastSeen)) {
      // events numbered but not yet fanned out by this hub will come live: not twice
      if (event.id >= liveFrom || event.id > lastDelivered) {
        break;
      }
      if (client.wants(event)) {
        if (client.outboxFull()) {
          client.flushOutbox();
        }
        client.queue(event, now);
        replayed++;
      }
    }
    client.flushOutbox();
    client.firstLiveId = liveFrom;
    client.cursor = Math.max(client.cursor, Math.min(lastSeen, lastDelivered));
    stats.add("replayed", replayed);
    return complete ? replayed : -1;
  }

  private void offer(StreamClient client, StreamEvent event, long now) {
    if (client.writeQueueFull()) {
      hold(client, event, now);
      return;
    }
    if (!client.withinBudget(event, now)) {
      hold(client, event, now);
      flushAt(client.budgetDueAt(event));
      return;
    }
    if (!client.held.isEmpty()) {
      // a final result supersedes a held provisional update of the same series
      StreamEvent held = client.held.get(StreamClient.holdKey(event));
      if (held != null && held.windowStart <= event.windowStart) {
        client.held.remove(StreamClient.holdKey(event));
        coalesced++;
      }
    }
    queue(client, event, now);
  }

  /**
   * Queues an event for the client's next write. A full outbox is written first, and if the socket is then full
   * the event is held instead: Vert.x counts a full write queue in writes, not bytes, so bounded writes keep a
   * slow client's backlog bounded as before.
   */
  private void queue(StreamClient client, StreamEvent event, long now) {
    if (client.outboxFull()) {
      sent += client.flushOutbox();
      if (client.writeQueueFull()) {
        hold(client, event, now);
        return;
      }
    }
    client.queue(event, now);
  }

  private void hold(StreamClient client, StreamEvent event, long now) {
    if (client.writeQueueFull() && client.behindSince == 0) {
      client.behindSince = now;
    }
    String key = StreamClient.holdKey(event);
    if (client.held.put(key, event) != null) {
      coalesced++;
    } else if (client.held.size() > limits.queueLimit()) {
      var eldest = client.held.keySet().iterator();
      eldest.next();
      eldest.remove();
      queueDrops++;
    }
    withHeld.add(client);
  }

  /** Called by a client's socket drain handler: it can take more now. */
  void drained(StreamClient client) {
    client.behindSince = 0;
    flush(client, System.currentTimeMillis());
    reportCounters();
  }

  private void tick() {
    if (withHeld.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    // a copy: flushing or dropping a client takes it out of withHeld
    tickClients.addAll(withHeld);
    try {
      for (StreamClient client : tickClients) {
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
    } finally {
      tickClients.clear();
    }
    reportCounters();
  }

  /** Sends the held events that are due (all of them once the socket has room, rate permitting), in one write. */
  private void flush(StreamClient client, long now) {
    if (client.held.isEmpty() || client.closed) {
      withHeld.remove(client);
      return;
    }
    for (StreamEvent event : client.takeHeld()) {
      if (client.writeQueueFull()) {
        client.held.put(StreamClient.holdKey(event), event);
      } else if (!client.withinBudget(event, now)) {
        client.held.put(StreamClient.holdKey(event), event);
        flushAt(client.budgetDueAt(event));
      } else {
        queue(client, event, now);
      }
    }
    sent += client.flushOutbox();
    if (client.held.isEmpty()) {
      withHeld.remove(client);
    }
  }

  /**
   * Makes sure held events are flushed by {@code due}, without waiting for the next tick: an update held back by the
   * budget goes as soon as the budget allows (one timer per hub, for the earliest due time, not one per client).
   */
  private void flushAt(long due) {
    if (dueTimer >= 0 && dueTimerAt <= due) {
      return;
    }
    if (dueTimer >= 0) {
      vertx.cancelTimer(dueTimer);
    }
    dueTimerAt = due;
    dueTimer = vertx.setTimer(Math.max(1, due - System.currentTimeMillis()), id -> {
      dueTimer = -1;
      tick();
    });
  }

  private void reportCounters() {
    if (sent > 0) {
      stats.add("sent", sent);
      sent = 0;
    }
    if (coalesced > 0) {
      stats.add("coalesced", coalesced);
      coalesced = 0;
    }
    if (queueDrops > 0) {
      stats.add("queueDrops", queueDrops);
      queueDrops = 0;
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
