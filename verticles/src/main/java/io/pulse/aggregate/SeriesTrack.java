package io.pulse.aggregate;

import io.pulse.model.WindowResult;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One series at one resolution: its open windows (sorted by start), the closed windows kept for corrections,
 * its moving averages and its late-sample counter. Windows close in start order, which is what the moving
 * averages need.
 *
 * <p>The newest open window is the {@link #head}, with its bounds cached in {@link #headStart} and
 * {@link #headEnd}: almost every sample falls in it, and the engine applies those with two comparisons (no
 * division, no search). Everything else goes through {@link #add}.
 *
 * <p>Percentiles (when the engine merges up, see {@link AggregationEngine}): a closing window's sketch is merged
 * into the open window of the next coarser track that contains it, its {@link #parent}. A window's own sketch
 * holds the samples recorded at this resolution directly plus the merged sketches of its closed finer windows;
 * the sketches of its finer windows still open are added when a provisional result is computed.
 */
final class SeriesTrack {

  final String series;
  final long resolution;
  private final EngineSettings settings;
  /** the next coarser track whose windows take this track's closed sketches; null for none */
  SeriesTrack parent;
  /** the next finer track whose open windows hold sketches not yet merged into this track's; null for none */
  SeriesTrack child;
  private WindowAccumulator[] open = new WindowAccumulator[2];
  int openCount;
  /** the newest open window, or null; {@code [headStart, headEnd)} is empty when there is none */
  WindowAccumulator head;
  long headStart = Long.MAX_VALUE;
  long headEnd = Long.MIN_VALUE;
  /** end of the newest window closed so far: any sample for a window ending at or before it is late */
  long closedUpTo = Long.MIN_VALUE;
  long late;
  private final MovingAverages averages;
  private final ArrayDeque<WindowAccumulator> retained;
  private WindowAccumulator spare;
  private QuantileSketch scratch;

  SeriesTrack(String series, long resolution, EngineSettings settings) {
    this.series = series;
    this.resolution = resolution;
    this.settings = settings;
    this.averages = new MovingAverages(settings.movingAverageN());
    this.retained = settings.correctLate() ? new ArrayDeque<>(4) : null;
  }

  /**
   * Applies a sample outside the head window; false when its window has closed (the sample is late at this
   * resolution, and with corrections applied to the retained window). {@code record}: whether to record the value
   * in the open window's sketch (late samples are always recorded in a retained window's sketch).
   */
  boolean add(long ts, double v, double vol, long watermark, boolean record) {
    long start = ts - Math.floorMod(ts, resolution);
    long end = start + resolution;
    if (end <= closedUpTo || end <= watermark) {
      late++;
      if (retained != null) {
        for (WindowAccumulator acc : retained) {
          if (acc.start == start) {
            acc.add(ts, v, vol, true);
            break;
          }
        }
      }
      return false;
    }
    openAt(start).add(ts, v, vol, record);
    return true;
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
      sink.accept(acc.result(series, resolution, true, acc.sma, acc.ema, late, 0, acc.sketch()));
      closedUpTo = Math.max(closedUpTo, acc.end);
      closed++;
      if (parent != null && acc.sketch() != null) {
        // every sample of this window went to the parent's window that contains it, if that is open (see class doc)
        WindowAccumulator into = parent.openContaining(acc.start);
        if (into != null) {
          into.sketch().merge(acc.sketch());
        }
      }
      if (retained != null) {
        retained.addLast(acc);
      } else {
        spare = acc;
      }
    }
    if (closed > 0) {
      updateHead();
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

  /** Publishes a provisional result of every open window that changed; returns how many. */
  int publishProvisional(Consumer<WindowResult> sink) {
    int n = 0;
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      if (acc.dirty) {
        acc.dirty = false;
        // later open windows would follow the earlier ones in the averages; the estimate ignores that order
        double mean = acc.mean();
        sink.accept(acc.result(series, resolution, false, averages.peekSma(mean), averages.peekEma(mean), late, 0,
          sketchSoFar(acc)));
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
        sink.accept(acc.result(series, resolution, true, acc.sma, acc.ema, late, acc.finals++, acc.sketch()));
        n++;
      }
    }
    return n;
  }

  boolean holdsWindows() {
    return openCount > 0 || retained != null && !retained.isEmpty();
  }

  /** The open window that contains {@code time}, or null. */
  private WindowAccumulator openContaining(long time) {
    for (int i = openCount - 1; i >= 0; i--) {
      WindowAccumulator acc = open[i];
      if (acc.start <= time) {
        return time < acc.end ? acc : null;
      }
    }
    return null;
  }

  /** An open window's sketch with the sketches of the finer open windows inside it that are not merged yet. */
  private QuantileSketch sketchSoFar(WindowAccumulator acc) {
    if (acc.sketch() == null || child == null || !child.hasOpenIn(acc.start, acc.end)) {
      return acc.sketch();
    }
    if (scratch == null) {
      scratch = new QuantileSketch();
    }
    scratch.reset();
    scratch.merge(acc.sketch());
    child.addPendingSketches(acc.start, acc.end, scratch);
    return scratch;
  }

  private boolean hasOpenIn(long from, long to) {
    for (int i = 0; i < openCount; i++) {
      if (open[i].start >= from && open[i].start < to) {
        return true;
      }
    }
    return false;
  }

  /** Adds the sketches of the open windows in [from, to), and of their own finer open windows, to {@code into}. */
  private void addPendingSketches(long from, long to, QuantileSketch into) {
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      if (acc.start >= from && acc.start < to) {
        into.merge(acc.sketch());
        if (child != null) {
          child.addPendingSketches(acc.start, acc.end, into);
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
    updateHead();
    return acc;
  }

  private void updateHead() {
    if (openCount == 0) {
      head = null;
      headStart = Long.MAX_VALUE;
      headEnd = Long.MIN_VALUE;
    } else {
      head = open[openCount - 1];
      headStart = head.start;
      headEnd = head.end;
    }
  }
}
