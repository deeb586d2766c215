package io.pulse.persist;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long PostgreSQL keeps results of each resolution, from {@code persist.retention} entries like
 * {@code 1s=1d} or {@code *=30d} (the fallback for any resolution not listed).
 */
final class Retention {

  private final Map<Long, Long> byResolution;
  private final long fallback;

  private Retention(Map<Long, Long> byResolution, long fallback) {
    this.byResolution = byResolution;
    this.fallback = fallback;
  }

  /** Parses the configured entries; throws IllegalArgumentException naming the entry that is wrong. */
  static Retention parse(List<String> entries) {
    Map<Long, Long> map = new HashMap<>();
    long fallback = Long.MAX_VALUE;
    for (String entry : entries) {
      String[] parts = entry.split("=", -1);
      if (parts.length != 2) {
        throw new IllegalArgumentException("persist.retention: \"" + entry + "\" is not resolution=age (like 1m=30d)");
      }
      long age = durationMs(parts[1].trim(), entry);
      if (parts[0].trim().equals("*")) {
        fallback = age;
      } else {
        map.put(durationMs(parts[0].trim(), entry), age);
      }
    }
    return new Retention(map, fallback);
  }

  /** How long results of this resolution are kept, in ms ({@code Long.MAX_VALUE}: forever). */
  long keepMs(long resolutionMs) {
    return byResolution.getOrDefault(resolutionMs, fallback);
  }

  /** A duration like 500ms, 1s, 1m, 1h, 30d in milliseconds. */
  static long durationMs(String text, String context) {
    String t = text.trim();
    int split = 0;
    while (split < t.length() && Character.isDigit(t.charAt(split))) {
      split++;
    }
    if (split == 0) {
      throw new IllegalArgumentException("persist.retention: \"" + context + "\": \"" + text
        + "\" is not a duration (a number and one of ms, s, m, h, d)");
    }
    long n = Long.parseLong(t.substring(0, split));
    return switch (t.substring(split)) {
      case "ms" -> n;
      case "s" -> n * 1000;
      case "m" -> n * 60_000;
      case "h" -> n * 3_600_000;
      case "d" -> n * 86_400_000;
      default -> throw new IllegalArgumentException("persist.retention: \"" + context + "\": unit of \"" + text
        + "\" must be one of ms, s, m, h, d");
    };
  }
}
