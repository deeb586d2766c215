package io.pulse.ingest;

import io.pulse.model.Sample;

/**
 * The outcome of checking one input: a clean sample, or the reason and a detail for the operator.
 * Exactly one of {@code sample} and {@code reason} is set.
 */
record Checked(Sample sample, RejectReason reason, String detail) {

  static Checked ok(Sample sample) {
    return new Checked(sample, null, null);
  }

  static Checked rejected(RejectReason reason, String detail) {
    return new Checked(null, reason, detail);
  }

  boolean isOk() {
    return sample != null;
  }
}
