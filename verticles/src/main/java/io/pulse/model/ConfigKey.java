package io.pulse.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One documented configuration key. All keys live in {@link ConfigKeys}; the node launcher validates
 * a configuration against them and the verticles read their values with {@link #name()}.
 *
 * @param name         dotted key, as written in {@code conf/pulse.json}, on the command line
 *                     ({@code --http.port=9090}) and, upper-cased with {@code _}, in the environment
 *                     ({@code PULSE_HTTP_PORT=9090})
 * @param type         what a value must be
 * @param defaultValue the value when nothing sets it
 * @param doc          one line for operators
 */
public record ConfigKey(String name, Type type, Object defaultValue, String doc) {

  public enum Type {
    /** a whole number that may be 0 or more */
    NON_NEGATIVE_LONG("a whole number >= 0"),
    /** a whole number that must be 1 or more */
    POSITIVE_LONG("a whole number >= 1"),
    /** a TCP port; 0 picks a free one */
    PORT("a TCP port number 0-65535"),
    BOOLEAN("true or false"),
    STRING("a string"),
    POSITIVE_LONG_LIST("a non-empty list of whole numbers >= 1 (JSON array, or comma-separated)"),
    STRING_LIST("a list of strings (JSON array, or comma-separated on the command line and in the environment)"),
    ROLE_LIST("a non-empty list of roles from ingest, aggregate, persist, gateway");

    private final String expected;

    Type(String expected) {
      this.expected = expected;
    }

    public String expected() {
      return expected;
    }
  }

  /** This key's value in a verticle's configuration, or its default when the configuration lacks it. */
  public long longIn(JsonObject config) {
    Object v = config.getValue(name);
    return v instanceof Number n ? n.longValue() : ((Number) defaultValue).longValue();
  }

  public int intIn(JsonObject config) {
    return Math.toIntExact(longIn(config));
  }

  public boolean booleanIn(JsonObject config) {
    Object v = config.getValue(name);
    return v instanceof Boolean b ? b : (Boolean) defaultValue;
  }

  public String stringIn(JsonObject config) {
    Object v = config.getValue(name);
    return v instanceof String s ? s : (String) defaultValue;
  }

  @SuppressWarnings("unchecked")
  public List<String> listIn(JsonObject config) {
    Object v = config.getValue(name);
    if (v instanceof JsonArray array) {
      return array.stream().map(String::valueOf).toList();
    }
    return (List<String>) defaultValue;
  }

  /** This key's value as whole numbers (for {@link Type#POSITIVE_LONG_LIST} keys). */
  public List<Long> longListIn(JsonObject config) {
    Object v = config.getValue(name);
    if (v instanceof JsonArray array) {
      return array.stream().map(x -> ((Number) x).longValue()).toList();
    }
    return ((List<?>) defaultValue).stream().map(x -> ((Number) x).longValue()).toList();
  }

  /** The environment variable that overrides this key: {@code http.port} is {@code PULSE_HTTP_PORT}. */
  public String environmentName() {
    return "PULSE_" + name.toUpperCase().replace('.', '_').replace('-', '_');
  }
}
