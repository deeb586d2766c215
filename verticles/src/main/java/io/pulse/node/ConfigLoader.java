package io.pulse.node;

import io.pulse.model.ConfigKey;
import io.pulse.model.ConfigKeys;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Builds a node's configuration from four layers, each overriding the one before: the defaults of
 * {@link ConfigKeys}, the JSON file ({@code --conf}, else {@code conf/pulse.json} in the working directory,
 * else the copy inside the jar), environment variables ({@code PULSE_HTTP_PORT}) and command-line options
 * ({@code --http.port=9090} or {@code --http.port 9090}). Every value is checked against its key; the first
 * problem becomes a one-line {@link ConfigException}.
 */
public final class ConfigLoader {

  static final String DEFAULT_FILE = "conf/pulse.json";

  private ConfigLoader() {
  }

  public static JsonObject load(String[] args, Map<String, String> env) {
    JsonObject config = new JsonObject();
    ConfigKeys.ALL.forEach(key -> config.put(key.name(), toJson(key.defaultValue())));

    JsonObject cli = parseArgs(args);
    String confPath = cli.getString("conf");
    cli.remove("conf");
    fromFile(confPath).forEach(entry -> put(config, entry.getKey(), entry.getValue(), "in " + fileLabel(confPath)));

    for (ConfigKey key : ConfigKeys.ALL) {
      String value = env.get(key.environmentName());
      if (value != null) {
        put(config, key.name(), value, "from environment variable " + key.environmentName());
      }
    }
    cli.forEach(entry -> put(config, entry.getKey(), entry.getValue(), "from --" + entry.getKey()));
    return config;
  }

  private static JsonObject parseArgs(String[] args) {
    JsonObject options = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException("unexpected argument \"" + arg + "\"; options look like --http.port=9090 "
          + "or --conf path/to/pulse.json");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new ConfigException("option --" + name + " needs a value, as in --" + name + "=<value>");
      }
      if (!name.equals("conf")) {
        known(name, "on the command line");
      }
      options.put(name, value);
    }
    return options;
  }

  private static JsonObject fromFile(String path) {
    String text;
    try {
      if (path != null) {
        Path file = Path.of(path);
        if (!Files.isRegularFile(file)) {
          throw new ConfigException("--conf: no configuration file at " + file.toAbsolutePath());
        }
        text = Files.readString(file);
      } else if (Files.isRegularFile(Path.of(DEFAULT_FILE))) {
        text = Files.readString(Path.of(DEFAULT_FILE));
      } else {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_FILE)) {
          if (in == null) {
            return new JsonObject();
          }
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read " + fileLabel(path) + ": " + e.getMessage());
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException(fileLabel(path) + " is not a JSON object: "
        + e.getMessage().replaceAll("\\s+", " ") + "");
    }
  }

  private static String fileLabel(String path) {
    return path != null ? path : DEFAULT_FILE;
  }

  private static void put(JsonObject config, String name, Object raw, String origin) {
    ConfigKey key = known(name, origin);
    config.put(name, convert(key, raw, origin));
  }

  private static ConfigKey known(String name, String origin) {
    ConfigKey key = ConfigKeys.BY_NAME.get(name);
    if (key == null) {
      String closest = ConfigKeys.BY_NAME.keySet().stream()
        .min(Comparator.comparingInt(k -> distance(k, name))).orElse("");
      String hint = distance(closest, name) <= 3 ? "; did you mean \"" + closest + "\"?" : "; see the README's configuration reference";
      throw new ConfigException("unknown configuration key \"" + name + "\" " + origin + hint);
    }
    return key;
  }

  static Object convert(ConfigKey key, Object raw, String origin) {
    try {
      Object value = switch (key.type()) {
        case PORT, POSITIVE_LONG, NON_NEGATIVE_LONG -> number(key, raw);
        case BOOLEAN -> bool(raw);
        case STRING -> string(raw);
        case STRING_LIST -> list(raw);
        case POSITIVE_LONG_LIST -> positiveLongs(raw);
        case ROLE_LIST -> roles(list(raw));
      };
      if (value != null) {
        return value;
      }
    } catch (IllegalArgumentException bad) {
      // reported below with the key and its expected form
    }
    String shown = raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw);
    throw new ConfigException(key.name() + ": expected " + key.type().expected() + ", got " + shown + " " + origin);
  }

  private static Long number(ConfigKey key, Object raw) {
    long n;
    if (raw instanceof Number num && num.doubleValue() == num.longValue()) {
      n = num.longValue();
    } else if (raw instanceof String s) {
      n = Long.parseLong(s.trim());
    } else {
      return null;
    }
    boolean ok = switch (key.type()) {
      case PORT -> n >= 0 && n <= 65535;
      case POSITIVE_LONG -> n >= 1;
      default -> n >= 0;
    };
    return ok ? n : null;
  }

  private static Boolean bool(Object raw) {
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    return null;
  }

  private static String string(Object raw) {
    return raw instanceof String s ? s : null;
  }

  private static JsonArray list(Object raw) {
    if (raw instanceof JsonArray array) {
      return array.stream().allMatch(v -> v instanceof String) ? array : null;
    }
    if (raw instanceof String s) {
      List<String> parts = Arrays.stream(s.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
      return new JsonArray(parts);
    }
    return null;
  }

  private static JsonArray positiveLongs(Object raw) {
    List<?> items = raw instanceof JsonArray array ? array.getList()
      : raw instanceof String s ? Arrays.stream(s.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList()
      : null;
    if (items == null || items.isEmpty()) {
      return null;
    }
    JsonArray out = new JsonArray();
    for (Object item : items) {
      long n;
      if (item instanceof Number num && num.doubleValue() == num.longValue()) {
        n = num.longValue();
      } else if (item instanceof String s) {
        n = Long.parseLong(s);
      } else {
        return null;
      }
      if (n < 1) {
        return null;
      }
      out.add(n);
    }
    return out;
  }

  private static JsonArray roles(JsonArray list) {
    if (list == null || list.isEmpty()) {
      return null;
    }
    for (Object role : list) {
      if (!ConfigKeys.ALL_ROLES.contains(role)) {
        return null;
      }
    }
    return list;
  }

  private static Object toJson(Object value) {
    return value instanceof List<?> list ? new JsonArray(List.copyOf(list)) : value;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
