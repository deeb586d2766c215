package io.pulse.aggregate;

import io.pulse.model.Sample;
import io.pulse.model.WindowResult;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Event-time tumbling windows at several resolutions for every series, with percentiles, moving averages,
 * provisional results, late-sample policy and bounded memory. Results go to one sink.
 *
 * <p>Each series has its own watermark: its latest event time minus the allowed lateness. A window closes when
 * its series' watermark reaches its end, so a series' results never depend on which other series share the node
 * (they are the same on one node or spread over many). A series that falls silent (wall clock) closes the windows
 * that ended at least {@code idleFlushMs} ago.
 *
 * <p>Speed: when every resolution divides the next (the default 1 s, 10 s, 1 min, 1 h do), a sample is applied
 * only to its window of the finest resolution, and each window is merged into the coarser window containing it
 * when it closes (see {@link SeriesTrack}); a sample in the newest finest window costs one map lookup and one
 * window update whatever the number of resolutions. Otherwise every resolution applies every sample.
 *
 * <p>Not thread-safe: one verticle's event loop owns it.
 */
public final class AggregationEngine {

  /** What became of one sample. */
  public enum Outcome {
    /** applied to its window at every resolution */
    ACCEPTED,
    /** its window had closed at one resolution or more (counted there; applied where still open) */
    LATE,
    /** value or volume not a finite number */
    REJECTED_VALUE,
    /** a new series while the node already holds {@code maxSeries} */
    REJECTED_SERIES_CAP
  }

  private final EngineSettings settings;
  /** whether closing windows' sketches merge into the next coarser resolution (each divides the next) */
  private final boolean mergeUp;
  private final Consumer<WindowResult> sink;
  /** samples per run of {@link #addAll}: lookups first, then samples */
  private static final int RUN = 256;

  private final Map<String, Series> series = new HashMap<>();
  private final Series[] run = new Series[RUN];
  private final String[] runKeys = new String[RUN];
  private final long[] runTs = new long[RUN];
  private final double[] runValues = new double[RUN];
  private final double[] runVolumes = new double[RUN];
  private long late;
  private long rejectedValue;
  private long rejectedSeriesCap;
  private long expired;
  private long finals;
  private long provisionals;
  private long corrections;
  private long handoverDropped;

  AggregationEngine(EngineSettings settings, Consumer<WindowResult> sink) {
    this.settings = settings;
    this.mergeUp = nested(settings.resolutions());
    this.sink = result -> {
      if (result.isCorrection()) {
        corrections++;
      } else if (result.isFinal()) {
        finals++;
      } else {
        provisionals++;
      }
      sink.accept(result);
    };
  }

  public Outcome add(Sample s, long now) {
    return add(s.series(), s.timestamp(), s.value(), s.volume(), now);
  }

  /** Applies one sample ({@code volume} NaN when it has none); {@code now} is the wall clock in ms. */
  public Outcome add(String key, long ts, double value, double volume, long now) {
    return addTo(series.get(key), key, ts, value, volume, now);
  }

  /**
   * Applies samples {@code from} (inclusive) to {@code to} (exclusive) of the given columns in order, exactly as
   * many {@link #add} calls would, and counts what became of them in {@code outcome} (added to its counts).
   *
   * <p>Faster than one call per sample: it looks up the series of a run of samples first, then applies them.
   * The lookups of a run do not depend on one another, so the processor overlaps their cache misses instead of
   * waiting for each in turn; with thousands of series that wait is most of the cost of a sample.
   */
  public void addAll(String[] keys, long[] ts, double[] values, double[] volumes, int from, int to, long now,
                     BatchOutcome outcome) {
    Series[] run = this.run;
    for (int at = from; at < to; at += RUN) {
      int n = Math.min(RUN, to - at);
      for (int i = 0; i < n; i++) {
        run[i] = series.get(keys[at + i]);
      }
      for (int i = 0; i < n; i++) {
        int k = at + i;
        // a series new in this run was looked up before its first sample created it: addTo looks again
        outcome.count(addTo(run[i], keys[k], ts[k], values[k], volumes[k], now), keys[k]);
      }
    }
    java.util.Arrays.fill(run, null);
  }

  /** {@link #addAll(String[], long[], double[], double[], int, int, long, BatchOutcome)} for samples. */
  public void addAll(java.util.List<Sample> samples, long now, BatchOutcome outcome) {
    for (int from = 0; from < samples.size(); from += RUN) {
      int n = Math.min(RUN, samples.size() - from);
      for (int i = 0; i < n; i++) {
        Sample s = samples.get(from + i);
        runKeys[i] = s.series();
        runTs[i] = s.timestamp();
        runValues[i] = s.value();
        runVolumes[i] = s.volume();
      }
      addAll(runKeys, runTs, runValues, runVolumes, 0, n, now, outcome);
    }
    java.util.Arrays.fill(runKeys, null);
  }

  /** What became of the samples of {@link #addAll} calls. */
  public static final class BatchOutcome {
    public long accepted;
    public long late;
    public long rejectedValue;
    public long rejectedSeriesCap;
    /** a series whose samples were rejected for the series cap, for the log; null when none */
    public String cappedSeries;

    void count(Outcome outcome, String key) {
      switch (outcome) {
        case ACCEPTED -> accepted++;
        case LATE -> late++;
        case REJECTED_VALUE -> rejectedValue++;
        case REJECTED_SERIES_CAP -> {
          rejectedSeriesCap++;
          cappedSeries = key;
        }
      }
    }
  }

  /** One sample for the series {@code st} ({@code null}: look {@code key} up again, or create it). */
  private Outcome addTo(Series st, String key, long ts, double value, double volume, long now) {
    if (!Double.isFinite(value) || volume == volume && !Double.isFinite(volume)) {
      rejectedValue++;
      return Outcome.REJECTED_VALUE;
    }
    if (st == null) {
      st = series.get(key);
    }
    if (st == null) {
      if (series.size() >= settings.maxSeries()) {
        rejectedSeriesCap++;
        return Outcome.REJECTED_SERIES_CAP;
      }
      st = new Series(key, settings, mergeUp);
      series.put(key, st);
    }
    st.lastInputAt = now;
    st.dirty = true;
    if (ts > st.maxTs) {
      st.maxTs = ts;
    }
    long watermark = st.maxTs - settings.latenessMs();
    boolean wasLate = false;
    if (ts >= st.fastStart && ts < st.fastEnd) {
      // the newest finest window, whose coarser windows are all open: it takes the sample for every resolution
      // (they get it when it closes), and it is never late (every open window ends after the watermark)
      st.fast.add(ts, value, volume);
    } else {
      wasLate = addSlow(st, ts, value, volume, watermark);
    }
    if (st.nextClose <= watermark) {
      for (SeriesTrack track : st.tracks) { // finest first: each merges into the next before that one closes
        if (track.nextEnd() <= watermark) {
          track.closeUpTo(watermark, sink);
        }
        track.pruneRetained(watermark);
      }
      st.refresh(mergeUp);
    }
    if (wasLate) {
      late++;
      return Outcome.LATE;
    }
    return Outcome.ACCEPTED;
  }

  /**
   * A sample outside the fast window: each resolution opens its window or counts it late. Merging up, it is
   * applied at the finest resolution that takes it, and again at a coarser one only above a resolution where it
   * was late. True when it was late somewhere.
   */
  private boolean addSlow(Series st, long ts, double value, double volume, long watermark) {
    boolean wasLate = false;
    boolean takenBelow = false;
    for (SeriesTrack track : st.tracks) {
      boolean apply = !mergeUp || !takenBelow;
      takenBelow = track.add(ts, value, volume, watermark, apply);
      wasLate |= !takenBelow;
    }
    st.refresh(mergeUp);
    return wasLate;
  }

  /**
   * The periodic work: provisional results of open windows that changed (when {@code provisional}),
   * corrections, closing the ended windows of silent series, and forgetting long-silent series.
   */
  public void tick(long now, boolean provisional) {
    long idleBefore = now - settings.idleFlushMs();
    Iterator<Series> it = series.values().iterator();
    while (it.hasNext()) {
      Series st = it.next();
      boolean idle = st.lastInputAt <= idleBefore;
      SeriesTrack[] tracks = st.tracks;
      if (idle) {
        for (SeriesTrack track : tracks) { // finest first, as they merge up
          if (track.nextEnd() <= idleBefore) {
            track.closeUpTo(idleBefore, sink);
          }
          track.pruneRetained(Math.max(st.maxTs - settings.latenessMs(), idleBefore));
        }
        st.refresh(mergeUp);
      }
      boolean holds = false;
      for (int i = tracks.length - 1; i >= 0; i--) { // coarsest first: they look at their finer windows' changes
        SeriesTrack track = tracks[i];
        if (st.dirty) {
          if (provisional) {
            track.publishProvisional(sink);
          }
          track.publishCorrections(sink);
        }
        holds |= track.holdsWindows();
      }
      st.dirty = false;
      if (!holds && now - st.lastInputAt >= settings.seriesExpiryMs()) {
        it.remove();
        expired++;
      }
    }
  }

  /** Closes every open window of every series (end of input, graceful stop). */
  public void closeAll() {
    closeMatching(key -> true);
  }

  /** Closes every open window of the matching series and forgets them (their partition moved away). */
  public void closeMatching(Predicate<String> which) {
    Iterator<Series> it = series.values().iterator();
    while (it.hasNext()) {
      Series st = it.next();
      if (!which.test(st.key)) {
        continue;
      }
      for (SeriesTrack track : st.tracks) {
        track.publishCorrections(sink);
        track.closeUpTo(Long.MAX_VALUE, sink);
      }
      it.remove();
    }
  }

  /**
   * Removes the matching series and returns their whole state (open and retained windows, moving averages, late
   * counters, watermarks) for another node to {@link #adopt}: a partition hand-over. Nothing is published.
   */
  public io.vertx.core.buffer.Buffer export(Predicate<String> which) {
    io.vertx.core.buffer.Buffer out = io.vertx.core.buffer.Buffer.buffer();
    java.util.List<Series> leaving = new java.util.ArrayList<>();
    Iterator<Series> it = series.values().iterator();
    while (it.hasNext()) {
      Series st = it.next();
      if (which.test(st.key)) {
        leaving.add(st);
        it.remove();
      }
    }
    out.appendInt(leaving.size());
    for (Series st : leaving) {
      StateReader.writeString(out, st.key);
      out.appendLong(st.maxTs).appendLong(st.lastInputAt);
      StateReader.writeBoolean(out, st.dirty);
      for (SeriesTrack track : st.tracks) {
        track.writeTo(out);
      }
    }
    return out;
  }

  /**
   * Takes over series {@link #export}ed by an engine with the same {@link #stateFormat}. A series this engine does
   * not hold continues exactly where it was; one it holds already (it took samples of it meanwhile) gets the
   * incoming open windows merged, except those it closed already, which are counted in {@link #handoverDropped}.
   * Returns the number of series taken over. The series cap does not apply: these series existed already.
   */
  public int adopt(io.vertx.core.buffer.Buffer state) {
    StateReader in = new StateReader(state);
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      Series incoming = new Series(in.readString(), settings, mergeUp);
      incoming.maxTs = in.readLong();
      incoming.lastInputAt = in.readLong();
      incoming.dirty = in.readBoolean();
      for (SeriesTrack track : incoming.tracks) {
        track.readFrom(in);
      }
      Series here = series.get(incoming.key);
      if (here == null) {
        series.put(incoming.key, incoming);
        incoming.refresh(mergeUp);
      } else {
        here.maxTs = Math.max(here.maxTs, incoming.maxTs);
        here.lastInputAt = Math.max(here.lastInputAt, incoming.lastInputAt);
        here.dirty = true;
        for (int t = 0; t < here.tracks.length; t++) {
          handoverDropped += here.tracks[t].mergeFrom(incoming.tracks[t]);
        }
        here.refresh(mergeUp);
      }
    }
    return n;
  }

  /**
   * What the state of {@link #export} depends on: two engines can hand series to each other only when these are
   * equal (resolutions, percentiles, moving-average N, late policy).
   */
  public String stateFormat() {
    return java.util.Arrays.toString(settings.resolutions()) + ";percentiles=" + settings.percentiles() + ";n="
      + settings.movingAverageN() + ";correct=" + settings.correctLate() + ";v1";
  }

  /** Incoming windows of adopted series that could not be merged because this engine had closed them. */
  public long handoverDropped() {
    return handoverDropped;
  }

  public int seriesCount() {
    return series.size();
  }

  public int openWindows() {
    int n = 0;
    for (Series st : series.values()) {
      for (SeriesTrack track : st.tracks) {
        n += track.openCount;
      }
    }
    return n;
  }

  /** Late samples of one series at one resolution so far; 0 for an unknown series. */
  public long lateOf(String key, long resolution) {
    Series st = series.get(key);
    if (st != null) {
      for (SeriesTrack track : st.tracks) {
        if (track.resolution == resolution) {
          return track.late;
        }
      }
    }
    return 0;
  }

  public long late() {
    return late;
  }

  public long rejectedValue() {
    return rejectedValue;
  }

  public long rejectedSeriesCap() {
    return rejectedSeriesCap;
  }

  public long expired() {
    return expired;
  }

  public long finals() {
    return finals;
  }

  public long provisionals() {
    return provisionals;
  }

  public long corrections() {
    return corrections;
  }

  EngineSettings settings() {
    return settings;
  }

  /** True when every resolution divides the next one, so each window lies inside one window of the next. */
  static boolean nested(long[] ascending) {
    for (int i = 1; i < ascending.length; i++) {
      if (ascending[i] % ascending[i - 1] != 0) {
        return false;
      }
    }
    return true;
  }

  private static final class Series {
    final String key;
    final SeriesTrack[] tracks;
    long maxTs = Long.MIN_VALUE;
    /** the end of the oldest open window at any resolution, or Long.MAX_VALUE */
    long nextClose = Long.MAX_VALUE;
    /**
     * The newest window of the finest resolution when every coarser resolution has its window containing it
     * open (then a sample in [fastStart, fastEnd) needs only this window), or null and an empty range.
     */
    WindowAccumulator fast;
    long fastStart = Long.MAX_VALUE;
    long fastEnd = Long.MIN_VALUE;
    long lastInputAt;
    boolean dirty;

    Series(String key, EngineSettings settings, boolean mergeUp) {
      this.key = key;
      long[] resolutions = settings.resolutions();
      tracks = new SeriesTrack[resolutions.length];
      for (int i = 0; i < resolutions.length; i++) {
        tracks[i] = new SeriesTrack(key, resolutions[i], settings);
        if (mergeUp && i > 0) {
          tracks[i - 1].parent = tracks[i];
          tracks[i].child = tracks[i - 1];
        }
      }
    }

    /** Recomputes {@link #nextClose} and the fast window after windows opened or closed. */
    void refresh(boolean mergeUp) {
      long next = Long.MAX_VALUE;
      for (SeriesTrack track : tracks) {
        next = Math.min(next, track.nextEnd());
      }
      nextClose = next;
      WindowAccumulator newest = mergeUp ? tracks[0].newest() : null;
      for (int i = 1; newest != null && i < tracks.length; i++) {
        if (tracks[i].openContaining(newest.start) == null) {
          newest = null;
        }
      }
      fast = newest;
      fastStart = newest == null ? Long.MAX_VALUE : newest.start;
      fastEnd = newest == null ? Long.MIN_VALUE : newest.end;
    }
  }
}
