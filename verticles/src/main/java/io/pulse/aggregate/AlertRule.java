package io.pulse.aggregate;

import io.pulse.model.WindowResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One alert rule: {@code [series-pattern] aggregate[@resolution] comparator threshold [for duration]
 * [hysteresis amount]}, for example {@code svc.*.latency p99 > 250 for 30s hysteresis 20},
 * {@code svc.*.error mean > 0.05}, {@code trade.BTCUSDT last < 100}. Without a pattern the rule watches every
 * series; {@code *} in a pattern matches any characters. Without {@code @resolution} it watches the finest
 * resolution. Durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or plain milliseconds.
 *
 * @param id         unique id (config rules: {@code config-1}, {@code config-2}, ..)
 * @param text       the rule as written
 * @param pattern    series pattern ({@code *} for all)
 * @param aggregate  one of {@link WindowResult#AGGREGATES}
 * @param resolution window length the rule reads
 * @param comparator {@code >}, {@code >=}, {@code <} or {@code <=}
 * @param threshold  the value the aggregate is compared with
 * @param forMs      event time the condition must hold over consecutive windows before the alert fires
 * @param hysteresis how far back across the threshold the value must go before a firing alert resolves
 */
record AlertRule(String id, String text, String pattern, String aggregate, long resolution, String comparator,
                 double threshold, long forMs, double hysteresis) {

  private static final List<String> COMPARATORS = List.of(">", ">=", "<", "<=");

  /** Parses a rule; the exception's message tells the operator what is wrong and what is expected. */
  static AlertRule parse(String id, String text, long[] resolutions) {
    List<String> tokens = new ArrayList<>(List.of(text.trim().split("\\s+")));
    String syntax = "; expected \"[series-pattern] aggregate[@resolution] (>|>=|<|<=) threshold [for 30s] "
      + "[hysteresis 5]\", for example \"svc.*.latency p99 > 250 for 30s\"";
    if (tokens.size() < 3) {
      throw new IllegalArgumentException("alert rule \"" + text + "\" is too short" + syntax);
    }
    String pattern = "*";
    if (!COMPARATORS.contains(tokens.get(1))) {
      pattern = tokens.remove(0);
    }
    if (tokens.size() < 3 || !COMPARATORS.contains(tokens.get(1))) {
      throw new IllegalArgumentException("alert rule \"" + text + "\" has no comparator after the aggregate" + syntax);
    }
    String aggregate = tokens.get(0);
    long resolution = resolutions[0];
    int at = aggregate.indexOf('@');
    if (at >= 0) {
      resolution = duration(aggregate.substring(at + 1), text);
      aggregate = aggregate.substring(0, at);
      long wanted = resolution;
      if (java.util.Arrays.stream(resolutions).noneMatch(r -> r == wanted)) {
        throw new IllegalArgumentException("alert rule \"" + text + "\": resolution " + wanted
          + " ms is not computed; aggregate.resolutions is " + java.util.Arrays.toString(resolutions));
      }
    }
    aggregate = aggregate.toLowerCase(Locale.ROOT);
    if (!WindowResult.AGGREGATES.contains(aggregate)) {
      throw new IllegalArgumentException("alert rule \"" + text + "\": unknown aggregate \"" + aggregate
        + "\"; one of " + WindowResult.AGGREGATES);
    }
    String comparator = tokens.get(1);
    double threshold = number(tokens.get(2), text);
    long forMs = 0;
    double hysteresis = 0;
    for (int i = 3; i < tokens.size(); i += 2) {
      String word = tokens.get(i).toLowerCase(Locale.ROOT);
      if (i + 1 >= tokens.size()) {
        throw new IllegalArgumentException("alert rule \"" + text + "\": \"" + word + "\" needs a value" + syntax);
      }
      switch (word) {
        case "for" -> forMs = duration(tokens.get(i + 1), text);
        case "hysteresis" -> hysteresis = Math.abs(number(tokens.get(i + 1), text));
        default -> throw new IllegalArgumentException("alert rule \"" + text + "\": unexpected \"" + tokens.get(i)
          + "\"" + syntax);
      }
    }
    return new AlertRule(id, text.trim(), pattern, aggregate, resolution, comparator, threshold, forMs, hysteresis);
  }

  boolean matches(String series) {
    return pattern.equals("*") || glob().matcher(series).matches();
  }

  /** True while the value is on the alerting side of the threshold. */
  boolean breached(double value) {
    return compare(value, threshold);
  }

  /** True while a firing alert stays firing: the threshold moved back by the hysteresis. */
  boolean stillBreached(double value) {
    return compare(value, comparator.startsWith(">") ? threshold - hysteresis : threshold + hysteresis);
  }

  JsonObject toJson() {
    return new JsonObject().put("id", id).put("rule", text).put("series", pattern).put("aggregate", aggregate)
      .put("resolution", resolution).put("comparator", comparator).put("threshold", threshold).put("forMs", forMs)
      .put("hysteresis", hysteresis);
  }

  private boolean compare(double value, double against) {
    return switch (comparator) {
      case ">" -> value > against;
      case ">=" -> value >= against;
      case "<" -> value < against;
      default -> value <= against;
    };
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> GLOBS =
    new java.util.concurrent.ConcurrentHashMap<>();

  private Pattern glob() {
    return GLOBS.computeIfAbsent(pattern, AlertRule::compileGlob);
  }

  private static Pattern compileGlob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }

  private static double number(String token, String text) {
    try {
      double v = Double.parseDouble(token);
      if (Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("alert rule \"" + text + "\": \"" + token + "\" is not a number");
  }

  static long duration(String token, String text) {
    String t = token.toLowerCase(Locale.ROOT);
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
      long n = Long.parseLong(t);
      if (n >= 0) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("alert rule \"" + text + "\": \"" + token
      + "\" is not a duration like 500ms, 30s, 5m or 1h");
  }
}
