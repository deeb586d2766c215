package io.pulse.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connected stream consumer (SSE or WebSocket) as the {@link StreamHub} sees it: what it wants, when each
 * series was last sent to it, and what is held back for it (coalesced updates, or everything while its socket
 * is full). Held events are keyed by series, so a slow client gets the latest values, never a backlog.
 * Used from the gateway's event loop only.
 */
abstract class StreamClient {

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
  final Map<String, Long> lastSentAt = new HashMap<>();
  final LinkedHashMap<String, StreamEvent> held = new LinkedHashMap<>();
  boolean closed;

  StreamClient(String kind, String remoteHost) {
    this.kind = kind;
    this.remoteHost = remoteHost;
  }

  /** Whether this client asked for this event. */
  abstract boolean wants(StreamEvent event);

  abstract boolean writeQueueFull();

  /** Writes one event with the given cursor as its id (see {@link StreamEvent#sse(long)}). */
  abstract void write(StreamEvent event, long cursor);

  /** Sends a notice that does not belong to the numbered stream (SSE comment, WebSocket control message). */
  abstract void notice(String type, String text);

  /** Closes the connection from the server side. */
  abstract void disconnect();

  void send(StreamEvent event, long now) {
    cursor = Math.max(cursor, event.id);
    firstLiveId = Math.min(firstLiveId, event.id);
    write(event, cursor);
    if (event.kind == StreamEvent.Kind.RESULT) {
      lastSentAt.put(event.series, now);
    }
  }

  /** Held events in id order, removed from the hold. */
  List<StreamEvent> takeHeld() {
    List<StreamEvent> out = new ArrayList<>(held.values());
    held.clear();
    out.sort((a, b) -> Long.compare(a.id, b.id));
    return out;
  }

  static String holdKey(StreamEvent event) {
    return event.kind == StreamEvent.Kind.RESULT ? event.series : "alert\u0000" + event.id;
  }
}
