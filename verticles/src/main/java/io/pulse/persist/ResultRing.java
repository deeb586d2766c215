package io.pulse.persist;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest final results of one series and resolution, oldest overwritten first. Results arrive in window order.
 * They are kept as taken in, with their JSON encoded once: a query copies it into its answer.
 */
final class ResultRing {

  private final Stored[] slots;
  private int next;
  private int size;

  ResultRing(int capacity) {
    this.slots = new Stored[capacity];
  }

  void add(Stored result) {
    slots[next] = result;
    next = (next + 1) % slots.length;
    size = Math.min(size + 1, slots.length);
  }

  /** Start of the oldest result held, or {@code Long.MAX_VALUE} when empty: the ring is complete from there on. */
  long oldestStart() {
    return size == 0 ? Long.MAX_VALUE : slots[(next - size + slots.length) % slots.length].result().start();
  }

  /** Results whose window starts in [from, to), oldest first. */
  List<ResultStore.Raw> range(long from, long to) {
    List<ResultStore.Raw> out = new ArrayList<>();
    int oldest = (next - size + slots.length) % slots.length;
    for (int i = 0; i < size; i++) {
      Stored r = slots[(oldest + i) % slots.length];
      long start = r.result().start();
      if (start >= from && start < to) {
        out.add(new ResultStore.Raw(start, r.json()));
      }
    }
    return out;
  }
}
