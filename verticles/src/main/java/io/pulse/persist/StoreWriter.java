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
 * Writes results to one store in batches (by size, or after {@code flushMs}), in order of arrival. Up to the store's
 * {@link ResultStore#maxInFlight()} batches are in flight at once (the store keeps the writes of one row in the
 * order they were handed in); a batch counts as written only once every batch sent before it is written too. When
 * a batch fails, the writer waits for the others in flight, then puts it back in front of the buffer with every
 * batch sent after it, written or not, so the retry rewrites them in their order (a later batch may hold a newer
 * version of a failed batch's row; upserts make the rewrite harmless). While the store is down or slow, results
 * wait in memory up to {@code bufferMax}, then in the {@link Journal}; writes are retried behind a
 * {@link CircuitBreaker} and the backlog is flushed, oldest first, when the store answers again. The journal is
 * written back one batch at a time. Runs on the persist verticle's event loop; file work goes to its ordered
 * blocking queue.
 */
final class StoreWriter {

  private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);
  /** A write not answered in this time counts as failed (it may still land: upserts make the retry harmless). */
  static final long WRITE_TIMEOUT_MS = 10_000;

  /** A batch handed to the store and not yet counted as written. */
  private static final class Sent {
    final List<Stored> batch;
    /** >= 0 when the batch comes from the journal: the offset after it, taken on success. */
    final long nextOffset;
    final long began = System.nanoTime();
    long timer;
    boolean answered;
    Throwable failure;

    Sent(List<Stored> batch, long nextOffset) {
      this.batch = batch;
      this.nextOffset = nextOffset;
    }

    boolean fromJournal() {
      return nextOffset >= 0;
    }
  }

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
  /** Batches sent and not yet counted as written, oldest first. */
  private final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
  private boolean readingJournal;
  private boolean stopped;
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
    flush(true);
  }

  String name() {
    return name;
  }

  /** Whether the store took the last write (or none has failed yet). */
  boolean isUp() {
    return store != null && up;
  }

  /**
   * Whether the store holds everything offered so far but the batch being gathered and the batches in flight: safe
   * to answer queries.
   */
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
      flush(false);
    }
  }

  private void tick() {
    writeJournalTail();
    flush(true);
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

  /**
   * Sends what the store can take now: full batches, and, when {@code partial} and nothing is in flight, a partial
   * one. A partial batch waits for the writes in flight, gathering what arrives meanwhile: when results come slower
   * than the store takes them, batches grow instead of the store getting many small ones.
   */
  private void flush(boolean partial) {
    if (store == null || stopped || readingJournal || !breaker.allowRequest(System.currentTimeMillis())) {
      return;
    }
    if (hasFailure()) {
      return; // the failed batch goes back with those after it once all of them are answered
    }
    // a half-open breaker lets one trial batch through
    int room = (breaker.state() == CircuitBreaker.State.CLOSED ? Math.max(1, store.maxInFlight()) : 1) - inFlight.size();
    boolean journalBatchInFlight = !inFlight.isEmpty() && inFlight.peekLast().fromJournal();
    while (room > 0 && !journalBatchInFlight && !memory.isEmpty()
      && (memory.size() >= batchSize || (partial && inFlight.isEmpty()))) {
      List<Stored> batch = new ArrayList<>(Math.min(batchSize, memory.size()));
      while (batch.size() < batchSize && !memory.isEmpty()) {
        batch.add(memory.poll());
      }
      send(batch, -1);
      room--;
    }
    if (memory.isEmpty() && journalPending > 0 && inFlight.isEmpty()) {
      // the journal (newer than anything in memory) goes one batch at a time, after the memory batches are written
      writeJournalTail();
      readingJournal = true;
      long offset = journalOffset;
      vertx.executeBlocking(() -> journal.read(offset, batchSize)).onComplete(ar -> {
        readingJournal = false;
        if (ar.failed()) {
          LOG.error("{}: cannot read the journal {}: {}", name, journal.file(), ar.cause().toString());
        } else if (!stopped && !ar.result().results().isEmpty()) {
          send(ar.result().results(), ar.result().nextOffset());
        }
      });
    }
  }

  private void send(List<Stored> batch, long nextOffset) {
    Sent sent = new Sent(batch, nextOffset);
    inFlight.add(sent);

    sent.timer = vertx.setTimer(WRITE_TIMEOUT_MS, id ->
      answered(sent, new java.util.concurrent.TimeoutException("no answer in " + WRITE_TIMEOUT_MS + " ms")));
    store.write(batch).onComplete(ar -> {
      vertx.cancelTimer(sent.timer);
      answered(sent, ar.failed() ? ar.cause() : null);
    });
  }

  /** The first answer counts (the write or its timeout); answers after stop are ignored. */
  private void answered(Sent sent, Throwable failure) {
    if (sent.answered || stopped) {
      return;
    }
    sent.answered = true;
    sent.failure = failure;
    writeTimer.record(System.nanoTime() - sent.began, failure == null);
    if (failure != null) {
      stats.increment(name + ".writeFailures");
      if (up) {
        up = false;
        LOG.warn("{} write of {} results failed: {}; buffering (memory up to {}, then the journal {}) and retrying "
          + "with backoff", name, sent.batch.size(), failure.getMessage(), bufferMax, journal.file());
      }
    }
    // written in order: a batch counts once every batch before it is written
    while (!inFlight.isEmpty() && inFlight.peek().answered && inFlight.peek().failure == null) {
      written(inFlight.poll());
    }
    if (hasFailure()) {
      if (inFlight.stream().allMatch(s -> s.answered)) {
        sendAgainLater();
      }
    } else if (memory.size() >= batchSize || (memory.isEmpty() && journalPending > 0 && inFlight.isEmpty())) {
      vertx.runOnContext(v -> flush(false));
    }
    updateGauges();
  }

  private boolean hasFailure() {
    for (Sent s : inFlight) {
      if (s.failure != null) {
        return true;
      }
    }
    return false;
  }

  private void written(Sent sent) {
    breaker.onSuccess();
    stats.add(name + ".written", sent.batch.size());
    if (!up) {
      up = true;
      LOG.info("{} is back: writing the {} results buffered meanwhile", name, backlog());
    }
    if (sent.fromJournal()) {
      journalOffset = sent.nextOffset;
      journalPending -= sent.batch.size();
      if (journalPending <= 0 && journalTail.isEmpty()) {
        journalPending = 0;
        journalOffset = 0;
        vertx.executeBlocking(() -> {
          journal.reset();
          return null;
        });
      }
    }
  }

  /**
   * Every batch in flight is answered and the oldest failed: all of them go back in front of the buffer, in order
   * (a journal batch is read again from the same offset), for the breaker's next retry.
   */
  private void sendAgainLater() {
    breaker.onFailure(System.currentTimeMillis());
    List<Sent> back = new ArrayList<>(inFlight);
    inFlight.clear();
    for (int b = back.size() - 1; b >= 0; b--) {
      Sent sent = back.get(b);
      if (!sent.fromJournal()) {
        for (int i = sent.batch.size() - 1; i >= 0; i--) {
          memory.addFirst(sent.batch.get(i));
        }
      }
    }
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
      flush(true);
      boolean empty = memory.isEmpty() && journalPending == 0 && inFlight.isEmpty() && !readingJournal;
      if (empty || store == null || !up || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        drained.complete();
      }
    });
    return drained.future().compose(v -> {
      vertx.cancelTimer(timer);
      stopped = true; // writes still in flight are not waited for: their results are journaled too
      List<Stored> head = new ArrayList<>();
      for (Sent sent : inFlight) {
        vertx.cancelTimer(sent.timer);
        if (!sent.fromJournal()) {
          head.addAll(sent.batch);
        }
      }
      inFlight.clear();
      head.addAll(memory);
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
