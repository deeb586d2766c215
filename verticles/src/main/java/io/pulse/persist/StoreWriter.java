package io.pulse.persist;

import io.pulse.model.RoleStats;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes results to one store in batches (by size, or after {@code flushMs}), one batch in flight, in order of
 * arrival. While the store is down or slow, results wait in memory up to {@code bufferMax}, then in the
 * {@link Journal}; writes are retried behind a {@link CircuitBreaker} and the backlog is flushed, oldest first, when
 * the store answers again. Runs on the persist verticle's event loop; file work goes to its ordered blocking queue.
 */
final class StoreWriter {

  private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);
  /** A write not answered in this time counts as failed (it may still land: upserts make the retry harmless). */
  static final long WRITE_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final String name;
  private final Journal journal;
  private final int batchSize;
  private final int bufferMax;
  private final RoleStats stats;
  private final StoreWriteTimer writeTimer;
  private final CircuitBreaker breaker;
  private final ArrayDeque<Stored> memory = new ArrayDeque<>();
  /** Results for the journal not yet handed to the blocking queue. */
  private List<Stored> journalTail = new ArrayList<>();
  /** Results in the journal (on disk or in the tail) not yet stored. */
  private long journalPending;
  private long journalOffset;
  private ResultStore store;
  private boolean inFlight;
  /** The batch being written when it came from memory (journaled at stop if still unanswered). */
  private List<Stored> sending = List.of();
  private long generation;
  private boolean up = true;
  private long timer = -1;

  StoreWriter(Vertx vertx, String name, Journal journal, int batchSize, int bufferMax, long retryMaxMs, RoleStats stats,
              StoreWriteTimer writeTimer) {
    this.vertx = vertx;
    this.writeTimer = writeTimer;
    this.name = name;
    this.journal = journal;
    this.batchSize = batchSize;
    this.bufferMax = bufferMax;
    this.stats = stats;
    this.breaker = new CircuitBreaker(3, 100, retryMaxMs);
  }

  /** Picks up a journal left by a previous run (replayed first) and starts the flush timer. */
  Future<Void> start(long flushMs) {
    return vertx.executeBlocking(journal::count).map(left -> {
      journalPending = left;
      if (left > 0) {
        LOG.info("{}: {} results left in the journal {} by a previous run will be written first", name, left, journal.file());
      }
      timer = vertx.setPeriodic(flushMs, id -> tick());
      updateGauges();
      return null;
    });
  }

  /** The store to write to; until it is set (an embedded server starting), results wait as during an outage. */
  void attach(ResultStore store) {
    this.store = store;
    flush();
  }

  String name() {
    return name;
  }

  /** Whether the store took the last write (or none has failed yet). */
  boolean isUp() {
    return store != null && up;
  }

  /** Whether the store holds everything offered so far but the batch being gathered: safe to answer queries. */
  boolean isCaughtUp() {
    return isUp() && journalPending == 0 && memory.size() <= batchSize;
  }

  long backlog() {
    return memory.size() + journalPending;
  }

  void offer(Stored result) {
    if (journalPending > 0 || memory.size() >= bufferMax) {
      journalTail.add(result);
      journalPending++;
    } else {
      memory.add(result);
    }
    if (memory.size() >= batchSize) {
      flush();
    }
  }

  private void tick() {
    writeJournalTail();
    flush();
    updateGauges();
  }

  private void writeJournalTail() {
    if (journalTail.isEmpty()) {
      return;
    }
    List<Stored> tail = journalTail;
    journalTail = new ArrayList<>();
    vertx.executeBlocking(() -> {
      journal.append(tail);
      return null;
    }).onFailure(err -> {
      LOG.error("{}: cannot append {} results to the journal {}: {}; they stay in memory until the store is back "
        + "(check the disk and persist.data-dir)", name, tail.size(), journal.file(), err.toString());
      tail.addAll(journalTail);
      journalTail = tail;
    });
  }

  private void flush() {
    if (inFlight || store == null || !breaker.allowRequest(System.currentTimeMillis())) {
      return;
    }
    if (!memory.isEmpty()) {
      List<Stored> batch = new ArrayList<>(Math.min(batchSize, memory.size()));
      while (batch.size() < batchSize && !memory.isEmpty()) {
        batch.add(memory.poll());
      }
      send(batch, -1);
    } else if (journalPending > 0) {
      writeJournalTail();
      inFlight = true;
      long offset = journalOffset;
      vertx.executeBlocking(() -> journal.read(offset, batchSize)).onComplete(ar -> {
        inFlight = false;
        if (ar.failed()) {
          LOG.error("{}: cannot read the journal {}: {}", name, journal.file(), ar.cause().toString());
        } else if (!ar.result().results().isEmpty()) {
          send(ar.result().results(), ar.result().nextOffset());
        }
      });
    }
  }

  /** Sends one batch; {@code nextOffset} >= 0 when it comes from the journal (advanced on success). */
  private void send(List<Stored> batch, long nextOffset) {
    inFlight = true;
    sending = nextOffset < 0 ? batch : List.of();
    long gen = ++generation;
    long began = System.nanoTime();
    long timeout = vertx.setTimer(WRITE_TIMEOUT_MS, id -> {
      if (gen == generation && inFlight) {
        generation++;
        writeTimer.record(System.nanoTime() - began, false);
        done(batch, nextOffset, new java.util.concurrent.TimeoutException("no answer in " + WRITE_TIMEOUT_MS + " ms"));
      }
    });
    store.write(batch).onComplete(ar -> {
      vertx.cancelTimer(timeout);
      if (gen == generation) {
        writeTimer.record(System.nanoTime() - began, ar.succeeded());
        done(batch, nextOffset, ar.failed() ? ar.cause() : null);
      }
    });
  }

  private void done(List<Stored> batch, long nextOffset, Throwable failure) {
    inFlight = false;
    sending = List.of();
    if (failure == null) {
      breaker.onSuccess();
      stats.add(name + ".written", batch.size());
      if (!up) {
        up = true;
        LOG.info("{} is back: writing the {} results buffered meanwhile", name, backlog());
      }
      if (nextOffset >= 0) {
        journalOffset = nextOffset;
        journalPending -= batch.size();
        if (journalPending <= 0 && journalTail.isEmpty()) {
          journalPending = 0;
          journalOffset = 0;
          vertx.executeBlocking(() -> {
            journal.reset();
            return null;
          });
        }
      }
      if (memory.size() >= batchSize || (memory.isEmpty() && journalPending > 0)) {
        vertx.runOnContext(v -> flush());
      }
    } else {
      breaker.onFailure(System.currentTimeMillis());
      stats.increment(name + ".writeFailures");
      if (up) {
        up = false;
        LOG.warn("{} write of {} results failed: {}; buffering (memory up to {}, then the journal {}) and retrying "
          + "with backoff", name, batch.size(), failure.getMessage(), bufferMax, journal.file());
      }
      if (nextOffset < 0) {
        for (int i = batch.size() - 1; i >= 0; i--) {
          memory.addFirst(batch.get(i));
        }
      }
    }
    updateGauges();
  }

  private void updateGauges() {
    stats.set(name + ".up", isUp() ? 1 : 0);
    stats.set(name + ".buffered", memory.size());
    stats.set(name + ".journaled", journalPending);
  }

  /**
   * Stops: tries for up to {@code graceMs} to write what is buffered, then moves what is left to the journal (memory
   * first, to keep the order) so the next start writes it.
   */
  Future<Void> stop(long graceMs) {
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + graceMs;
    vertx.setPeriodic(0, 50, id -> {
      flush();
      boolean empty = memory.isEmpty() && journalPending == 0 && !inFlight;
      if (empty || store == null || !up || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        drained.complete();
      }
    });
    return drained.future().compose(v -> {
      vertx.cancelTimer(timer);
      generation++; // a write still in flight is not waited for: its results are journaled too
      List<Stored> head = new ArrayList<>(sending);
      head.addAll(memory);
      sending = List.of();
      List<Stored> tail = journalTail;
      long offset = journalOffset;
      memory.clear();
      journalTail = new ArrayList<>();
      if (head.isEmpty() && tail.isEmpty() && journalPending == 0) {
        return Future.succeededFuture();
      }
      long left = head.size() + journalPending;
      return vertx.executeBlocking(() -> {
        journal.rewrite(head, offset, tail);
        return null;
      }).onSuccess(x -> LOG.info("{}: {} results not yet stored are kept in the journal {} for the next start",
        name, left, journal.file())).mapEmpty();
    });
  }
}
