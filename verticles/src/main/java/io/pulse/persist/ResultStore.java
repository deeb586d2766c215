package io.pulse.persist;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** A durable tier of final window results, written in batches by a {@link StoreWriter}. */
interface ResultStore {

  /** The tier's name in query replies, stats and logs: {@code postgres}, {@code redis}. */
  String name();

  /** Writes a batch; rewriting a result already stored (same series, resolution and start) changes nothing. */
  Future<Void> write(List<Stored> batch);

  /**
   * How many batches {@link #write} may be given before the first is answered. More than one only for a store that
   * writes the rows of one (series, resolution, start) in the order the batches were handed in, whatever overlaps.
   */
  default int maxInFlight() {
    return 1;
  }

  /** The results of one series and resolution starting in [from, to), oldest first, at most {@code limit}. */
  Future<Slice> range(String series, long resolution, long from, long to, int limit);

  /** Every series name the tier knows. */
  Future<Set<String>> seriesNames();

  Future<Void> close();

  /**
   * What a tier answered: the results, and from where on the tier is complete (results before {@code coversFrom}
   * may exist in a colder tier).
   */
  record Slice(List<Raw> results, long coversFrom) {
  }

  /**
   * One result as a tier holds it: its window start and its JSON as written. A history reply copies the JSON into
   * the encoded answer as it is; it is parsed only to downsample or for a caller that asks for a JsonObject.
   */
  record Raw(long start, String json) {
    JsonObject toJson() {
      return new JsonObject(json);
    }
  }
}
