package io.pulse.gateway;

import java.util.Arrays;
import java.util.List;

/**
 * Which series a client asked for: a comma-separated list of exact keys or prefixes ending in {@code *};
 * empty means every series.
 */
record SeriesFilter(List<String> exact, List<String> prefixes) {

  static SeriesFilter parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return new SeriesFilter(List.of(), List.of());
    }
    List<String> parts = Arrays.stream(spec.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    return new SeriesFilter(
      parts.stream().filter(p -> !p.endsWith("*")).toList(),
      parts.stream().filter(p -> p.endsWith("*")).map(p -> p.substring(0, p.length() - 1)).toList());
  }

  /** The same key for filters that match the same series (sorted, duplicates removed). */
  String key() {
    return new java.util.TreeSet<>(exact) + "*" + new java.util.TreeSet<>(prefixes);
  }

  boolean matches(String series) {
    if (exact.isEmpty() && prefixes.isEmpty()) {
      return true;
    }
    if (exact.contains(series)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (series.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
