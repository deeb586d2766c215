package io.pulse.model;

import java.util.List;

/**
 * Final window results travelling to the persist role in batches on {@link Addresses#FINAL_RESULTS}: one event-bus
 * message for hundreds of results instead of one each, which is what lets persistence take in 100,000 results per
 * second (see "Persistence and history" in the README). Provisional results are never in a batch.
 *
 * @param results final results (first finals and corrections), in the order the aggregate role produced them, so a
 *                correction always comes after the result it replaces
 */
public record ResultBatch(List<WindowResult> results) {

  public ResultBatch {
    results = List.copyOf(results);
  }

  public int size() {
    return results.size();
  }
}
