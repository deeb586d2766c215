package io.pulse.node;

import io.pulse.model.ConfigKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

  @Test
  @DisplayName("the shipped conf/pulse.json sets every key, and only known keys, to its documented default")
  void shippedFileMatchesSchema() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/pulse.json")));
    assertThat(file.fieldNames()).containsExactlyInAnyOrderElementsOf(ConfigKeys.BY_NAME.keySet());
    JsonObject loaded = ConfigLoader.load(new String[0], Map.of());
    ConfigKeys.ALL.forEach(key -> {
      Object expected = key.defaultValue() instanceof java.util.List<?> l ? new JsonArray(l) : key.defaultValue();
      assertThat(loaded.getValue(key.name())).as(key.name()).isEqualTo(
        expected instanceof Integer i ? (Object) i.longValue() : expected instanceof Number n ? n.longValue() : expected);
    });
  }

  @Test
  @DisplayName("the README documents every configuration key")
  void readmeDocumentsEveryKey() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    ConfigKeys.ALL.forEach(key -> assertThat(readme).as("README mentions %s", key.name()).contains("`" + key.name() + "`"));
  }

  @Test
  @DisplayName("command line beats environment beats file")
  void layering(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("p.json");
    Files.writeString(conf, "{\"http.port\": 1111, \"simulator.rate\": 5, \"node.roles\": [\"gateway\"]}");
    JsonObject c = ConfigLoader.load(new String[]{"--conf", conf.toString(), "--http.port=3333"},
      Map.of("PULSE_HTTP_PORT", "2222", "PULSE_SIMULATOR_RATE", "7", "PULSE_CLUSTER_MEMBERS", "a:1, b:2"));
    assertThat(c.getLong("http.port")).isEqualTo(3333);
    assertThat(c.getLong("simulator.rate")).isEqualTo(7);
    assertThat(c.getJsonArray("node.roles")).containsExactly("gateway");
    assertThat(c.getJsonArray("cluster.members")).containsExactly("a:1", "b:2");
  }

  @Test
  @DisplayName("each bad input is one clear line naming the key, what is expected and where it came from")
  void clearErrors(@TempDir Path dir) throws Exception {
    assertError(new String[]{"--http.port=99999"}, Map.of(),
      "http.port: expected a TCP port number 0-65535, got \"99999\" from --http.port");
    assertError(new String[]{"--http.prot=80"}, Map.of(),
      "unknown configuration key \"http.prot\" on the command line; did you mean \"http.port\"?");
    assertError(new String[0], Map.of("PULSE_SIMULATOR_RATE", "fast"),
      "simulator.rate: expected a whole number >= 1, got \"fast\" from environment variable PULSE_SIMULATOR_RATE");
    assertError(new String[]{"--node.roles=ingest,cook"}, Map.of(),
      "node.roles: expected a non-empty list of roles from ingest, aggregate, persist, gateway, got \"ingest,cook\" from --node.roles");
    assertError(new String[]{"--cluster.enabled=yes"}, Map.of(),
      "cluster.enabled: expected true or false, got \"yes\" from --cluster.enabled");
    assertError(new String[]{"--http.port"}, Map.of(), "option --http.port needs a value");
    assertError(new String[]{"serve"}, Map.of(), "unexpected argument \"serve\"");

    Path typo = dir.resolve("typo.json");
    Files.writeString(typo, "{\"simulator.rat\": 10}");
    assertError(new String[]{"--conf=" + typo}, Map.of(),
      "unknown configuration key \"simulator.rat\" in " + typo + "; did you mean \"simulator.rate\"?");
    Path wrongType = dir.resolve("type.json");
    Files.writeString(wrongType, "{\"http.port\": \"eighty\"}");
    assertError(new String[]{"--conf=" + wrongType}, Map.of(),
      "http.port: expected a TCP port number 0-65535, got \"eighty\" in " + wrongType);
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"http.port\": 80,");
    assertError(new String[]{"--conf=" + broken}, Map.of(), broken + " is not a JSON object");
    assertError(new String[]{"--conf=" + dir.resolve("missing.json")}, Map.of(), "--conf: no configuration file at");
  }

  private static void assertError(String[] args, Map<String, String> env, String expected) {
    assertThatThrownBy(() -> ConfigLoader.load(args, env))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining(expected)
      .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
