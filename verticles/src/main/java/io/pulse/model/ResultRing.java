package io.pulse.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The newest final results of one series and resolution, as window starts and their JSON (encoded once, copied
 * into answers as it is), in start order, the oldest overwritten first: the in-memory history tier of the persist
 * role and of each gateway. Results come in window order; a rewrite of a window held (a late revision, a
 * partition's results sent again after a hand-over) replaces it, a late window between held ones is put in its
 * place, and one older than all held is not kept. Safe to share between threads (each call takes the ring's lock).
 */
public final class ResultRing {

  private final long[] starts;
  private final String[] json;
  /** Index of the oldest entry, and how many are held. */
  private int head;
  private int size;

  public ResultRing(int capacity) {
    starts = new long[capacity];
    json = new String[capacity];
  }

  public synchronized void put(long start, String result) {
    int at = search(start);
    if (at >= 0) {
      json[index(at)] = result;
      return;
    }
    int insert = -at - 1;
    if (insert == 0 && size > 0) {
      // older than everything held: kept, it would claim the windows between it and the oldest were all seen
      return;
    }
    if (size == starts.length) {
      head = (head + 1) % starts.length;
      size--;
      insert--;
    }
    for (int i = size; i > insert; i--) {
      starts[index(i)] = starts[index(i - 1)];
      json[index(i)] = json[index(i - 1)];
    }
    starts[index(insert)] = start;
    json[index(insert)] = result;
    size++;
  }

  /** Start of the oldest result held, or {@code Long.MAX_VALUE} when empty: the ring is complete from there on. */
  public synchronized long oldestStart() {
    return size == 0 ? Long.MAX_VALUE : starts[head];
  }

  /** What a range is handed to, result by result. */
  @FunctionalInterface
  public interface Visitor {
    void visit(long start, String json);
  }

  /** Hands the results whose window starts in [from, to) to {@code visitor}, oldest first (under the ring's lock). */
  public synchronized void range(long from, long to, Visitor visitor) {
    int lo = search(from);
    lo = lo >= 0 ? lo : -lo - 1;
    int hi = search(to);
    hi = hi >= 0 ? hi : -hi - 1;
    for (int i = lo; i < hi; i++) {
      visitor.visit(starts[index(i)], json[index(i)]);
    }
  }

  /**
   * The JSON of the results whose window starts in [from, to), oldest first, or null when {@code from} is before
   * the oldest result held: the ring does not hold that range whole.
   */
  public synchronized List<String> slice(long from, long to) {
    if (size == 0 || from < starts[head]) {
      return null;
    }
    List<String> out = new ArrayList<>();
    range(from, to, (start, result) -> out.add(result));
    return out;
  }

  /** Position (0: oldest) of {@code start}, or {@code -(insertion position) - 1}, as {@link Arrays#binarySearch}. */
  private int search(long start) {
    int lo = 0;
    int hi = size - 1;
    // results come in order: the newest is the usual place
    if (size > 0 && starts[index(hi)] < start) {
      return -size - 1;
    }
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long v = starts[index(mid)];
      if (v < start) {
        lo = mid + 1;
      } else if (v > start) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  private int index(int position) {
    return (head + position) % starts.length;
  }
}
