package io.pulse.ingest;

import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

import static io.pulse.model.ConfigKeys.*;

/**
 * Replays a CSV file of samples, {@code timestamp,series,value[,volume]} (epoch ms; a header line is
 * skipped), at the pace the time stamps give ({@code ingest.replay.speed} 1), N times faster, or as fast as
 * aggregation takes it (0). With {@code rebase-time} the event times move to now, compressed by the speed,
 * so a recorded day plays as a live feed; without it the file's own times are kept, for back-testing.
 * The file is streamed (never loaded whole), paused while a row is not yet due or aggregation is behind.
 */
final class FileReplay implements IngestSource {

  private static final Logger LOG = LoggerFactory.getLogger(FileReplay.class);

  private final Vertx vertx;
  private final RoleStats stats;
  private final SourceMetrics metrics;
  private final SampleValidator validator;
  private final Rejects rejects;
  private final SampleFunnel funnel;
  private final String path;
  private final long speed;
  private final boolean rebase;
  private AsyncFile file;
  private RecordParser parser;
  private long firstTimestamp = Long.MIN_VALUE;
  private long startedAt;
  private long line;
  private long rows;
  private boolean stopped;

  FileReplay(IngestContext context) {
    this.vertx = context.vertx();
    this.stats = context.stats();
    this.metrics = context.metrics();
    this.validator = context.validator();
    this.rejects = context.rejects();
    this.funnel = context.funnel(name());
    JsonObject conf = context.conf();
    this.path = INGEST_REPLAY_PATH.stringIn(conf);
    this.speed = INGEST_REPLAY_SPEED.longIn(conf);
    this.rebase = INGEST_REPLAY_REBASE_TIME.booleanIn(conf);
  }

  @Override
  public String name() {
    return "replay";
  }

  @Override
  public Future<Void> start() {
    metrics.state(name(), SourceState.STARTING);
    if (path.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException(INGEST_REPLAY_PATH.name()
        + ": ingest.replay.enabled is true but no file is set; give --ingest.replay.path=<file.csv>"));
    }
    return vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false).setCreate(false))
      .recover(err -> Future.failedFuture(new IllegalArgumentException(INGEST_REPLAY_PATH.name() + ": cannot read "
        + path + " (" + err.getMessage() + ")")))
      .map(f -> {
        file = f;
        startedAt = System.currentTimeMillis();
        parser = RecordParser.newDelimited("\n", f);
        parser.maxRecordSize(64 * 1024);
        parser.handler(this::onLine);
        parser.exceptionHandler(err -> {
          metrics.state(name(), SourceState.ERROR);
          LOG.error("replay of {} stopped at line {}: {}", path, line, err.getMessage());
        });
        parser.endHandler(v -> finished());
        metrics.state(name(), SourceState.CONNECTED);
        LOG.info("replaying {} at {}", path, speed == 0 ? "full speed" : speed + "x");
        return null;
      });
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    funnel.close();
    return file == null ? Future.succeededFuture() : file.close().otherwise(v -> null);
  }

  private void onLine(Buffer buffer) {
    line++;
    String text = buffer.toString(StandardCharsets.UTF_8).strip();
    if (text.isEmpty() || text.startsWith("#") || (line == 1 && text.toLowerCase().startsWith("timestamp"))) {
      return;
    }
    String[] f = text.split(",", -1);
    if (f.length < 3 || f.length > 4) {
      rejects.reject(name(), RejectReason.MISSING_FIELD, "line " + line + ": expected timestamp,series,value[,volume]", text);
      return;
    }
    long ts;
    double value;
    double volume = Double.NaN;
    try {
      Long parsed = SampleValidator.epochMillis(f[0].strip().matches("-?\\d+") ? (Object) Long.parseLong(f[0].strip()) : f[0].strip());
      if (parsed == null) {
        throw new NumberFormatException("timestamp");
      }
      ts = parsed;
      value = Double.parseDouble(f[2].strip());
      if (f.length == 4 && !f[3].isBlank()) {
        volume = Double.parseDouble(f[3].strip());
      }
    } catch (NumberFormatException e) {
      rejects.reject(name(), RejectReason.WRONG_TYPE, "line " + line + ": timestamp (epoch ms or ISO-8601), value and "
        + "volume must be numbers", text);
      return;
    }
    if (firstTimestamp == Long.MIN_VALUE) {
      firstTimestamp = ts;
    }
    long offset = ts - firstTimestamp;
    long dueAt = speed == 0 ? 0 : startedAt + offset / speed;
    long eventTime = rebase ? startedAt + (speed == 0 ? offset : offset / speed) : ts;
    Checked checked = validator.check(f[1].strip(), eventTime, value, volume, !Double.isNaN(volume));
    if (!checked.isOk()) {
      rejects.reject(name(), checked, text);
      return;
    }
    long wait = dueAt - System.currentTimeMillis();
    if (wait > 0) {
      // not due yet: stop reading until it is, then hand it on
      parser.pause();
      vertx.setTimer(wait, id -> {
        emit(checked);
        resumeWhenPossible();
      });
      return;
    }
    emit(checked);
    if (!funnel.hasCapacity()) {
      parser.pause();
      resumeWhenPossible();
    }
  }

  private void emit(Checked checked) {
    rows++;
    funnel.add(checked.sample());
  }

  private void resumeWhenPossible() {
    if (stopped) {
      return;
    }
    if (funnel.hasCapacity()) {
      metrics.state(name(), SourceState.CONNECTED);
      parser.resume();
    } else {
      metrics.state(name(), SourceState.LAGGING);
      vertx.setTimer(SampleFunnel.FLUSH_MS, id -> resumeWhenPossible());
    }
  }

  private void finished() {
    funnel.flush();
    metrics.state(name(), SourceState.FINISHED);
    LOG.info("replay of {} finished: {} samples from {} lines", path, rows, line);
  }
}
