package io.pulse.aggregate;

import io.pulse.model.Sample;
import io.pulse.model.WindowResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Event-time tumbling windows of one length for every series. The watermark is the latest event time seen
 * minus the allowed lateness; a window closes once the watermark reaches its end, and a sample whose window
 * has already closed is late and refused.
 *
 * <p>Open windows are indexed by end time, so closing touches only the windows that close.
 * Not thread-safe: one verticle's event loop owns it.
 */
public final class TumblingWindows {

  private final long windowMs;
  private final long latenessMs;
  private final Map<String, Map<Long, WindowAccumulator>> open = new HashMap<>();
  private final TreeMap<Long, List<WindowAccumulator>> byEnd = new TreeMap<>();
  private long maxEventTime = Long.MIN_VALUE;
  private long closedUpTo = Long.MIN_VALUE;
  private int openCount;

  public TumblingWindows(long windowMs, long latenessMs) {
    this.windowMs = windowMs;
    this.latenessMs = latenessMs;
  }

  /** Adds a sample; returns false, changing nothing, when the sample's window has already closed. */
  public boolean add(Sample s) {
    long ts = s.timestamp();
    long start = ts - Math.floorMod(ts, windowMs);
    if (start + windowMs <= closedUpTo) {
      return false;
    }
    Map<Long, WindowAccumulator> windows = open.computeIfAbsent(s.series(), k -> new HashMap<>(4));
    WindowAccumulator acc = windows.get(start);
    if (acc == null) {
      acc = new WindowAccumulator(s.series(), start);
      windows.put(start, acc);
      byEnd.computeIfAbsent(start + windowMs, k -> new ArrayList<>()).add(acc);
      openCount++;
    }
    acc.add(s);
    if (ts > maxEventTime) {
      maxEventTime = ts;
    }
    return true;
  }

  /** Latest event time seen minus the allowed lateness; {@code Long.MIN_VALUE} before any sample. */
  public long watermark() {
    return maxEventTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxEventTime - latenessMs;
  }

  /** Closes every window whose end the watermark has reached and returns their final results. */
  public List<WindowResult> closeReady() {
    return closeUpTo(watermark());
  }

  /** Closes every open window (end of input, or input idle for long) and returns their final results. */
  public List<WindowResult> closeAll() {
    return byEnd.isEmpty() ? List.of() : closeUpTo(byEnd.lastKey());
  }

  public int openWindows() {
    return openCount;
  }

  public long windowMs() {
    return windowMs;
  }

  private List<WindowResult> closeUpTo(long time) {
    List<WindowResult> results = new ArrayList<>();
    while (!byEnd.isEmpty() && byEnd.firstKey() <= time) {
      Map.Entry<Long, List<WindowAccumulator>> entry = byEnd.pollFirstEntry();
      for (WindowAccumulator acc : entry.getValue()) {
        results.add(acc.result(windowMs, true));
        Map<Long, WindowAccumulator> windows = open.get(acc.series);
        windows.remove(acc.start);
        if (windows.isEmpty()) {
          open.remove(acc.series);
        }
        openCount--;
      }
      closedUpTo = Math.max(closedUpTo, entry.getKey());
    }
    return results;
  }
}
