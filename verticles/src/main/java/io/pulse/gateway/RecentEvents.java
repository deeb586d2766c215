package io.pulse.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * The last N events in id order, so a client that reconnects with the id of the last event it saw gets
 * what it missed. Ids are consecutive, so lookup is arithmetic on the ring. Written by the feed on the gateway's
 * event loop and read by the stream loops replaying for their clients, hence synchronized (a few hundred
 * events a second, so the lock is never contended for long).
 */
final class RecentEvents {

  private final StreamEvent[] ring;
  private long firstId = 1;
  private long nextId = 1;

  RecentEvents(int capacity) {
    ring = new StreamEvent[capacity];
  }

  synchronized long nextId() {
    return nextId;
  }

  synchronized void add(StreamEvent event) {
    if (event.id != nextId) {
      throw new IllegalArgumentException("events must be added in id order: expected " + nextId + ", got " + event.id);
    }
    ring[(int) (event.id % ring.length)] = event;
    nextId++;
    if (nextId - firstId > ring.length) {
      firstId = nextId - ring.length;
    }
  }

  /** True when every event after {@code lastSeen} is still held (nothing was missed beyond the buffer). */
  synchronized boolean covers(long lastSeen) {
    return lastSeen + 1 >= firstId;
  }

  /** Events with an id greater than {@code lastSeen} still held, oldest first. */
  synchronized List<StreamEvent> after(long lastSeen) {
    long from = Math.max(lastSeen + 1, firstId);
    List<StreamEvent> out = new ArrayList<>((int) Math.max(0, nextId - from));
    for (long id = from; id < nextId; id++) {
      out.add(ring[(int) (id % ring.length)]);
    }
    return out;
  }
}
