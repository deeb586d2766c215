package io.pulse.aggregate;

import io.pulse.model.WindowResult;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One series at one resolution: its open windows (sorted by start), the closed windows kept for corrections,
 * its moving averages and its late-sample counter. Windows close in start order, which is what the moving
 * averages need.
 *
 * <p>Merging up (when every resolution divides the next, see {@link AggregationEngine}): a sample is applied to
 * the window of the finest resolution that takes it, and a closing window is merged into the open window of the
 * next coarser track that contains it (its {@link #parent}'s). A coarse window thus holds the samples applied to
 * it directly (those late at the finer resolution) plus its closed finer windows; its finer windows still open
 * are added when a provisional result is computed, and they are all closed and merged before it closes itself.
 *
 * <p>Why that is exact: a finer window's samples all went to the same coarser window, or none did (that
 * window was closed, or its end passed the watermark, when the first of them came, and it never opens again).
 * In the first case that coarser window is open from the first such sample until it closes, which is at the
 * same time as the finer window or later, and finer tracks close first.
 */
final class SeriesTrack {

  final String series;
  final long resolution;
  private final EngineSettings settings;
  /** the next coarser track, when merging up; null otherwise */
  SeriesTrack parent;
  /** the next finer track, when merging up; null otherwise */
  SeriesTrack child;
  private WindowAccumulator[] open = new WindowAccumulator[2];
  int openCount;
  /** end of the newest window closed so far: any sample for a window ending at or before it is late */
  long closedUpTo = Long.MIN_VALUE;
  long late;
  private final MovingAverages averages;
  private final ArrayDeque<WindowAccumulator> retained;
  private WindowAccumulator spare;
  private WindowAccumulator scratch;

  SeriesTrack(String series, long resolution, EngineSettings settings) {
    this.series = series;
    this.resolution = resolution;
    this.settings = settings;
    this.averages = new MovingAverages(settings.movingAverageN());
    this.retained = settings.correctLate() ? new ArrayDeque<>(4) : null;
  }

  /**
   * Takes a sample: opens its window (and applies the sample to it when {@code apply}; otherwise it reaches the
   * window through a finer one). False when its window has closed: the sample is late at this resolution, and with
   * corrections it is applied to the retained window.
   */
  boolean add(long ts, double v, double vol, long watermark, boolean apply) {
    long start = ts - Math.floorMod(ts, resolution);
    long end = start + resolution;
    if (end <= closedUpTo || end <= watermark) {
      late++;
      if (retained != null) {
        for (WindowAccumulator acc : retained) {
          if (acc.start == start) {
            acc.add(ts, v, vol);
            break;
          }
        }
      }
      return false;
    }
    WindowAccumulator acc = openAt(start);
    if (apply) {
      acc.add(ts, v, vol);
    }
    return true;
  }

  /** The newest open window, or null. */
  WindowAccumulator newest() {
    return openCount == 0 ? null : open[openCount - 1];
  }

  /** The end of the oldest open window, or Long.MAX_VALUE. */
  long nextEnd() {
    return openCount == 0 ? Long.MAX_VALUE : open[0].end;
  }

  /** Closes every open window ending at or before {@code time}, publishing final results in start order. */
  int closeUpTo(long time, Consumer<WindowResult> sink) {
    int closed = 0;
    while (openCount > 0 && open[0].end <= time) {
      WindowAccumulator acc = open[0];
      System.arraycopy(open, 1, open, 0, openCount - 1);
      open[--openCount] = null;
      double mean = acc.mean();
      acc.sma = averages.peekSma(mean);
      averages.push(mean);
      acc.ema = averages.ema();
      acc.finals = 1;
      acc.dirty = false;
      sink.accept(acc.result(series, resolution, true, acc.sma, acc.ema, late, 0));
      closedUpTo = Math.max(closedUpTo, acc.end);
      closed++;
      if (parent != null) {
        WindowAccumulator into = parent.openContaining(acc.start);
        if (into != null) {
          into.merge(acc);
        }
      }
      if (retained != null) {
        retained.addLast(acc);
      } else {
        spare = acc;
      }
    }
    return closed;
  }

  /** Forgets retained windows that ended more than the correction horizon before {@code watermark}. */
  void pruneRetained(long watermark) {
    if (retained == null) {
      return;
    }
    while (!retained.isEmpty() && retained.peekFirst().end + settings.correctionHorizonMs() <= watermark) {
      spare = retained.pollFirst();
    }
  }

  /**
   * Publishes a provisional result of every open window that changed, finer windows inside it included; returns
   * how many. Call the coarser tracks first: this clears the changed marks the coarser ones look at.
   */
  int publishProvisional(Consumer<WindowResult> sink) {
    int n = 0;
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      boolean pending = child != null && child.hasOpenIn(acc.start, acc.end);
      if (acc.dirty || pending && child.changedIn(acc.start, acc.end)) {
        acc.dirty = false;
        WindowAccumulator whole = acc;
        if (pending) {
          if (scratch == null) {
            scratch = new WindowAccumulator(settings.percentiles());
          }
          whole = scratch.open(acc.start, resolution);
          whole.merge(acc);
          child.mergeOpenIn(acc.start, acc.end, whole);
        }
        // later open windows would follow the earlier ones in the averages; the estimate ignores that order
        double mean = whole.mean();
        sink.accept(whole.result(series, resolution, false, averages.peekSma(mean), averages.peekEma(mean), late, 0));
        n++;
      }
    }
    return n;
  }

  /** Re-issues the final result of every retained window that took late samples; returns how many. */
  int publishCorrections(Consumer<WindowResult> sink) {
    if (retained == null) {
      return 0;
    }
    int n = 0;
    for (WindowAccumulator acc : retained) {
      if (acc.dirty) {
        acc.dirty = false;
        sink.accept(acc.result(series, resolution, true, acc.sma, acc.ema, late, acc.finals++));
        n++;
      }
    }
    return n;
  }

  boolean holdsWindows() {
    return openCount > 0 || retained != null && !retained.isEmpty();
  }

  /** Writes the whole track (open and retained windows, averages, counters) for a hand-over to another node. */
  void writeTo(io.vertx.core.buffer.Buffer out) {
    out.appendLong(closedUpTo).appendLong(late);
    averages.writeTo(out);
    out.appendInt(openCount);
    for (int i = 0; i < openCount; i++) {
      open[i].writeTo(out);
    }
    out.appendInt(retained == null ? 0 : retained.size());
    if (retained != null) {
      retained.forEach(acc -> acc.writeTo(out));
    }
  }

  /** Becomes, fresh, the track {@link #writeTo} wrote. */
  void readFrom(StateReader in) {
    closedUpTo = in.readLong();
    late = in.readLong();
    averages.readFrom(in);
    int n = in.readInt();
    open = new WindowAccumulator[Math.max(2, n)];
    for (int i = 0; i < n; i++) {
      open[i] = new WindowAccumulator(settings.percentiles()).readFrom(in);
    }
    openCount = n;
    int kept = in.readInt();
    for (int i = 0; i < kept; i++) {
      WindowAccumulator acc = new WindowAccumulator(settings.percentiles()).readFrom(in);
      if (retained != null) {
        retained.addLast(acc);
      }
    }
  }

  /**
   * Adds a track of the same series handed over by another node to this one, which took samples of the series
   * itself meanwhile (a hand-over that came after its wait ran out). Open windows merge; an incoming window that
   * this track already closed cannot be merged any more: returns how many such windows were dropped.
   */
  int mergeFrom(SeriesTrack other) {
    int dropped = 0;
    late += other.late;
    for (int i = 0; i < other.openCount; i++) {
      WindowAccumulator incoming = other.open[i];
      if (incoming.end <= closedUpTo) {
        dropped++;
      } else {
        openAt(incoming.start).merge(incoming);
      }
    }
    closedUpTo = Math.max(closedUpTo, other.closedUpTo);
    if (averages.isEmpty()) {
      averages.readFrom(other.averagesState());
    }
    return dropped;
  }

  private StateReader averagesState() {
    io.vertx.core.buffer.Buffer b = io.vertx.core.buffer.Buffer.buffer();
    averages.writeTo(b);
    return new StateReader(b);
  }

  /** The open window that contains {@code time}, or null. */
  WindowAccumulator openContaining(long time) {
    for (int i = openCount - 1; i >= 0; i--) {
      WindowAccumulator acc = open[i];
      if (acc.start <= time) {
        return time < acc.end ? acc : null;
      }
    }
    return null;
  }

  private boolean hasOpenIn(long from, long to) {
    for (int i = 0; i < openCount; i++) {
      if (open[i].start >= from && open[i].start < to) {
        return true;
      }
    }
    return false;
  }

  /** Whether an open window in [from, to), or a finer one inside it, changed since its last provisional result. */
  private boolean changedIn(long from, long to) {
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      if (acc.start >= from && acc.start < to && (acc.dirty || child != null && child.changedIn(acc.start, acc.end))) {
        return true;
      }
    }
    return false;
  }

  /** Merges the open windows in [from, to), and their own finer open windows, into {@code into}. */
  private void mergeOpenIn(long from, long to, WindowAccumulator into) {
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      if (acc.start >= from && acc.start < to) {
        into.merge(acc);
        if (child != null) {
          child.mergeOpenIn(acc.start, acc.end, into);
        }
      }
    }
  }

  private WindowAccumulator openAt(long start) {
    int pos = openCount;
    while (pos > 0 && open[pos - 1].start > start) {
      pos--;
    }
    if (pos > 0 && open[pos - 1].start == start) {
      return open[pos - 1];
    }
    if (openCount == open.length) {
      open = java.util.Arrays.copyOf(open, open.length * 2);
    }
    System.arraycopy(open, pos, open, pos + 1, openCount - pos);
    WindowAccumulator acc = spare != null ? spare : new WindowAccumulator(settings.percentiles());
    spare = null;
    open[pos] = acc.open(start, resolution);
    openCount++;
    return acc;
  }
}
