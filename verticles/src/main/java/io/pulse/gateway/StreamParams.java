package io.pulse.gateway;

import java.util.regex.Pattern;

/** Parsing and validation of what stream clients ask for: series patterns, resolutions and resume ids. */
final class StreamParams {

  /** A series key or a prefix pattern ending in {@code *}: letters, digits and {@code . _ - :}. */
  private static final Pattern SERIES_PATTERN = Pattern.compile("[A-Za-z0-9._:\\-]{1,200}\\*?|\\*");

  private StreamParams() {
  }

  /** Null when the pattern is acceptable, else why not. */
  static String patternProblem(Object pattern) {
    if (!(pattern instanceof String s)) {
      return "a series pattern must be a string, got " + pattern;
    }
    if (!SERIES_PATTERN.matcher(s).matches()) {
      return "bad series pattern '" + (s.length() > 60 ? s.substring(0, 60) + "…" : s)
        + "': use a series key or a prefix ending in * (letters, digits, . _ - :, at most 200 characters)";
    }
    return null;
  }

  /**
   * A resolution in ms from {@code 1000}, {@code 1s}, {@code 10s}, {@code 1m}, {@code 1h}; 0 for none given.
   *
   * @throws IllegalArgumentException with the reason when the text is not a resolution
   */
  static long resolution(String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    String t = text.trim().toLowerCase();
    long unit = 1;
    if (t.endsWith("ms")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      unit = 1000;
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unit = 60_000;
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("h")) {
      unit = 3_600_000;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long value = Long.parseLong(t) * unit;
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad resolution '" + text + "': use milliseconds (1000) or 1s, 10s, 1m, 1h");
  }

  /**
   * A resume id, or -1 when none is given.
   *
   * @throws IllegalArgumentException when the text is not a non-negative whole number
   */
  static long eventId(String text) {
    if (text == null || text.isBlank()) {
      return -1;
    }
    try {
      long id = Long.parseLong(text.trim());
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad event id '" + text + "': the id of the last event received (a whole number >= 0)");
  }
}
