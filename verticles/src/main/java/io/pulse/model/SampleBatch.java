package io.pulse.model;

import java.util.List;

/**
 * Samples travel between verticles in batches: one event-bus message carries hundreds of samples,
 * which is what makes the clustered bus carry millions of samples per second (see FACTS in the README).
 *
 * @param source  the ingest source that produced the batch (for example {@code simulator}), for metrics
 * @param samples the samples, in arrival order
 */
public record SampleBatch(String source, List<Sample> samples) {

  public SampleBatch {
    samples = List.copyOf(samples);
  }

  public int size() {
    return samples.size();
  }
}
