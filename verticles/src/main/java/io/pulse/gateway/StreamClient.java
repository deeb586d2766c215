package io.pulse.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connected stream consumer (SSE or WebSocket) as the {@link StreamHub} sees it: what it wants, when each
 * series was last sent to it, and what is held back for it (coalesced updates, or everything while its socket
 * is full). Held events are keyed by series, so a slow client gets the latest values, never a backlog.
 * Events due together are queued in an outbox and written with one write (one flush, one system call) by
 * {@link #flushOutbox()}. Used from its stream loop's event loop only.
 */
abstract class StreamClient {

  /** An outbox at this size is written before more is queued: one write stays a few kilobytes. */
  static final int OUTBOX_MAX_BYTES = 8 * 1024;

  final String kind;
  final String remoteHost;
  /** The client's resume point: the highest event id sent to it. */
  long cursor;
  /** When the socket was first found full with events held, 0 when it is keeping up. */
  long behindSince;
  /**
   * The lowest id sent live since the subscription last changed; a resume replays only below it, so nothing
   * comes twice. (A WebSocket resume is meant right after a (re)subscribe, typically on a new socket.)
   */
  long firstLiveId = Long.MAX_VALUE;
  /** Per series: when its last provisional results went out (any resolution); null when not rate-limited. */
  private final Map<String, SendTimes> sendTimes;
  private final long updatesPerSecond;
  final LinkedHashMap<String, StreamEvent> held = new LinkedHashMap<>();
  boolean closed;
  private final List<StreamEvent> outbox = new ArrayList<>(4);
  private long[] outboxCursors = new long[4];
  private int outboxBytes;

  /** {@code updatesPerSecond}: the budget of provisional results per series; 0: no limit. */
  StreamClient(String kind, String remoteHost, long updatesPerSecond) {
    this.kind = kind;
    this.remoteHost = remoteHost;
    this.updatesPerSecond = updatesPerSecond;
    this.sendTimes = updatesPerSecond > 0 ? new HashMap<>() : null;
  }

  /** Whether this client asked for this event. */
  abstract boolean wants(StreamEvent event);

  /**
   * What this client asked for, as a key: clients with equal keys want the same events (the hub judges each event
   * once per key, not once per client); null when it asked for nothing yet.
   */
  abstract String subscription();

  /** The subscription key the hub has this client grouped under (the hub's bookkeeping). */
  String group;

  abstract boolean writeQueueFull();

  /**
   * Writes {@code count} events, each with its cursor as its id (see {@link StreamEvent#sse(long)}), in as few
   * writes as the protocol allows.
   */
  abstract void write(List<StreamEvent> events, long[] cursors, int count);

  /** Sends a notice that does not belong to the numbered stream (SSE comment, WebSocket control message). */
  abstract void notice(String type, String text);

  /** Closes the connection from the server side (a client too slow to keep). */
  abstract void disconnect();

  /**
   * Tells the client this gateway is going away and it should connect again, to another gateway, after
   * {@code retryMs}; then ends the connection. {@code gateways}: the URLs of the other ready gateways, youngest
   * first (may be empty: the client retries its own origin, a load balancer). SSE: an {@code event: reconnect} with
   * a {@code retry:} hint; WebSocket: a {@code {"type":"reconnect"}} message, then close code 1001 (going away).
   */
  abstract void goAway(long retryMs, List<String> gateways);

  /** The body of the reconnect notice, the same for SSE and WebSocket. */
  JsonObject reconnectNotice(long retryMs, List<String> gateways) {
    return new JsonObject().put("reason", "gateway stopping").put("retryMs", retryMs).put("lastId", cursor)
      .put("gateways", new JsonArray(gateways));
  }

  /** Queues an event for the next {@link #flushOutbox()}; from here on it counts as sent. */
  void queue(StreamEvent event, long now) {
    cursor = Math.max(cursor, event.id);
    firstLiveId = Math.min(firstLiveId, event.id);
    int n = outbox.size();
    if (n == outboxCursors.length) {
      outboxCursors = java.util.Arrays.copyOf(outboxCursors, n * 2);
    }
    outboxCursors[n] = cursor;
    outbox.add(event);
    outboxBytes += event.size();
    if (sendTimes != null && !event.isFinal) {
      // final results always go and do not use up the budget of provisional ones
      sendTimes.computeIfAbsent(event.series, k -> new SendTimes(updatesPerSecond)).record(now, update(event, now));
    }
  }

  /** Whether the event may go now as far as the update budget goes: final results and alerts always may. */
  boolean withinBudget(StreamEvent event, long now) {
    if (event.isFinal || sendTimes == null) {
      return true;
    }
    SendTimes times = sendTimes.get(event.series);
    return times == null || times.allows(now, update(event, now));
  }

  /** Which update of its series the event belongs to: the aggregator tick that made it, else the moment it goes. */
  private static long update(StreamEvent event, long now) {
    return event.tick != 0 ? event.tick : now;
  }

  /** When the update budget allows the event, for an event it does not allow now. */
  long budgetDueAt(StreamEvent event) {
    return sendTimes.get(event.series).nextAllowed();
  }

  /** Writes what is queued, at once; returns how many events that was. */
  int flushOutbox() {
    int n = outbox.size();
    if (n == 0) {
      return 0;
    }
    try {
      write(outbox, outboxCursors, n);
    } finally {
      outbox.clear();
      outboxBytes = 0;
    }
    return n;
  }

  boolean outboxFull() {
    return outboxBytes >= OUTBOX_MAX_BYTES;
  }

  void dropOutbox() {
    outbox.clear();
    outboxBytes = 0;
  }

  /** Held events in id order, removed from the hold. */
  List<StreamEvent> takeHeld() {
    List<StreamEvent> out = new ArrayList<>(held.values());
    held.clear();
    out.sort((a, b) -> Long.compare(a.id, b.id));
    return out;
  }

  /**
   * Held events are keyed per stream, a series at one resolution (the latest result of a stream wins; other
   * resolutions of the series are not lost), alerts each by id.
   */
  static String holdKey(StreamEvent event) {
    return event.kind == StreamEvent.Kind.RESULT ? event.streamKey : "alert\u0000" + event.id;
  }
}
