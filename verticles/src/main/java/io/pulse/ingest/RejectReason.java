package io.pulse.ingest;

/** Why an input was refused. The code is the stats counter suffix: {@code <source>.rejected.<code>}. */
enum RejectReason {
  MALFORMED_JSON("malformed-json"),
  NOT_AN_OBJECT("not-an-object"),
  MISSING_FIELD("missing-field"),
  WRONG_TYPE("wrong-type"),
  NOT_FINITE("not-finite"),
  NEGATIVE_VOLUME("negative-volume"),
  BAD_SERIES("bad-series"),
  TOO_FAR_FUTURE("too-far-future"),
  TOO_FAR_PAST("too-far-past"),
  OVERSIZED("oversized"),
  UNKNOWN_SYMBOL("unknown-symbol"),
  SERVER_ERROR("server-error"),
  RATE_LIMITED("rate-limited"),
  UNAUTHORIZED("unauthorized"),
  BACKPRESSURE("backpressure");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  String code() {
    return code;
  }
}
