package io.pulse.aggregate;

import io.pulse.model.WindowResult;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One series at one resolution: its open windows (sorted by start), the closed windows kept for corrections,
 * its moving averages and its late-sample counter. Windows close in start order, which is what the moving
 * averages need.
 */
final class SeriesTrack {

  final String series;
  final long resolution;
  private final EngineSettings settings;
  private WindowAccumulator[] open = new WindowAccumulator[2];
  int openCount;
  /** end of the newest window closed so far: any sample for a window ending at or before it is late */
  long closedUpTo = Long.MIN_VALUE;
  long late;
  private final MovingAverages averages;
  private final ArrayDeque<WindowAccumulator> retained;
  private WindowAccumulator spare;

  SeriesTrack(String series, long resolution, EngineSettings settings) {
    this.series = series;
    this.resolution = resolution;
    this.settings = settings;
    this.averages = new MovingAverages(settings.movingAverageN());
    this.retained = settings.correctLate() ? new ArrayDeque<>(4) : null;
  }

  /** Applies a sample; false when its window has closed (the sample is late at this resolution). */
  boolean add(long ts, double v, double vol, long watermark) {
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
    WindowAccumulator acc = openCount > 0 && open[openCount - 1].start == start ? open[openCount - 1] : openAt(start);
    acc.add(ts, v, vol);
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
      sink.accept(acc.result(series, resolution, true, acc.sma, acc.ema, late, 0));
      closedUpTo = Math.max(closedUpTo, acc.end);
      closed++;
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

  /** Publishes a provisional result of every open window that changed; returns how many. */
  int publishProvisional(Consumer<WindowResult> sink) {
    int n = 0;
    for (int i = 0; i < openCount; i++) {
      WindowAccumulator acc = open[i];
      if (acc.dirty) {
        acc.dirty = false;
        // later open windows would follow the earlier ones in the averages; the estimate ignores that order
        double mean = acc.mean();
        sink.accept(acc.result(series, resolution, false, averages.peekSma(mean), averages.peekEma(mean), late, 0));
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
