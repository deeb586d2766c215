package io.pulse.ops;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryXmlConfig;
import io.pulse.model.ConfigKey;
import io.pulse.model.ConfigKeys;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Docker and Kubernetes are not available on the build machines, so the recipes are checked here: parsed, and
 * held against the configuration keys, ports and endpoints Pulse really has.
 */
class DeploymentRecipesTest {

  private static final Path K8S = Path.of("cluster/k8s");
  private static final Map<String, ConfigKey> BY_ENV = ConfigKeys.ALL.stream()
    .collect(Collectors.toMap(ConfigKey::environmentName, k -> k));
  private static final Pattern CLI_OPTION = Pattern.compile("--([a-z][a-z0-9.-]+)");

  @Test
  @DisplayName("Kubernetes: a Deployment per role, each with probes on the node health port and only known PULSE_ variables")
  void deployments() throws Exception {
    List<Map<String, Object>> docs = k8sDocuments();
    List<Map<String, Object>> deployments = ofKind(docs, "Deployment");
    Set<String> roles = deployments.stream().map(d -> (String) labels(d).get("role")).collect(Collectors.toSet());
    assertThat(roles).containsExactlyInAnyOrderElementsOf(ConfigKeys.ALL_ROLES);

    for (Map<String, Object> deployment : deployments) {
      String name = name(deployment);
      Map<String, Object> strategy = path(deployment, "spec", "strategy");
      assertThat(strategy).as("%s rolls by replacement", name).containsEntry("type", "RollingUpdate");
      assertThat(path(deployment, "spec", "strategy", "rollingUpdate"))
        .as("%s: a surge pod first, never one unavailable", name).containsEntry("maxSurge", 1).containsEntry("maxUnavailable", 0);
      Map<String, Object> podSpec = path(deployment, "spec", "template", "spec");
      Map<String, Object> container = first(podSpec.get("containers"));
      Map<String, String> env = new HashMap<>();
      for (Map<String, Object> e : list(container.get("env"))) {
        String var = (String) e.get("name");
        assertThat(BY_ENV).as("%s sets %s, which is no Pulse configuration key", name, var).containsKey(var);
        env.put(var, e.get("value") == null ? "<from field>" : String.valueOf(e.get("value")));
      }
      assertThat(env.get("PULSE_NODE_ROLES")).as(name).isEqualTo(labels(deployment).get("role"));
      assertThat(env).containsEntry("PULSE_CLUSTER_ENABLED", "true").containsEntry("PULSE_CLUSTER_MEMBERS", "");
      int healthPort = Integer.parseInt(env.get("PULSE_NODE_HEALTH_PORT"));
      Map<String, Object> ready = path(container, "readinessProbe", "httpGet");
      Map<String, Object> live = path(container, "livenessProbe", "httpGet");
      assertThat(ready).containsEntry("path", "/ready").containsEntry("port", healthPort);
      assertThat(live).containsEntry("path", "/health").containsEntry("port", healthPort);
      long drainSeconds = Long.parseLong(env.get("PULSE_NODE_DRAIN_MS")) / 1000;
      assertThat(((Number) podSpec.get("terminationGracePeriodSeconds")).longValue())
        .as("%s: grace period leaves time to drain and stop", name).isGreaterThan(drainSeconds + 10);
      for (Object arg : list(container.get("args"))) {
        assertKnownOption(String.valueOf(arg), name);
      }
      String configPath = env.get("PULSE_CLUSTER_CONFIG");
      Map<String, Object> mount = first(container.get("volumeMounts"));
      assertThat(configPath).startsWith((String) mount.get("mountPath"));
      assertThat(serviceAccount(podSpec)).isEqualTo("pulse");
    }
  }

  @Test
  @DisplayName("Kubernetes: the Hazelcast ConfigMap is a valid configuration with Kubernetes discovery on the headless Service")
  void hazelcastDiscovery() throws Exception {
    List<Map<String, Object>> docs = k8sDocuments();
    Map<String, Object> configMap = ofKind(docs, "ConfigMap").get(0);
    String xml = (String) ((Map<?, ?>) configMap.get("data")).get("hazelcast.xml");
    Config config = new InMemoryXmlConfig(xml);
    var kubernetes = config.getNetworkConfig().getJoin().getKubernetesConfig();
    assertThat(kubernetes.isEnabled()).isTrue();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
    assertThat(config.getMultiMapConfigs()).containsKey("__vertx.subs");
    String serviceName = kubernetes.getProperty("service-name");
    Map<String, Object> headless = ofKind(docs, "Service").stream().filter(s -> name(s).equals(serviceName)).findFirst()
      .orElseThrow(() -> new AssertionError("no Service named " + serviceName));
    assertThat(path(headless, "spec")).containsEntry("clusterIP", "None");
    assertThat(ofKind(docs, "Role")).isNotEmpty();
  }

  @Test
  @DisplayName("Kubernetes: Services, PodDisruptionBudgets and autoscalers point at existing Deployments and ports")
  void wiring() throws Exception {
    List<Map<String, Object>> docs = k8sDocuments();
    List<Map<String, Object>> deployments = ofKind(docs, "Deployment");
    for (Map<String, Object> pdb : ofKind(docs, "PodDisruptionBudget")) {
      Map<String, Object> selector = path(pdb, "spec", "selector", "matchLabels");
      assertThat(deployments).as("PDB %s selects a Deployment", name(pdb))
        .anyMatch(d -> labels(d).entrySet().containsAll(selector.entrySet()));
    }
    List<String> scaled = ofKind(docs, "HorizontalPodAutoscaler").stream()
      .map(h -> (String) path(h, "spec", "scaleTargetRef").get("name")).toList();
    assertThat(scaled).containsExactlyInAnyOrder("pulse-ingest", "pulse-gateway");
    assertThat(deployments.stream().map(DeploymentRecipesTest::name)).containsAll(scaled);
    Map<String, Object> gateway = ofKind(docs, "Service").stream().filter(s -> name(s).equals("pulse-gateway")).findFirst().orElseThrow();
    Map<String, Object> port = first(path(gateway, "spec").get("ports"));
    assertThat(port.get("targetPort")).isEqualTo(((Number) ConfigKeys.HTTP_PORT.defaultValue()).intValue());
  }

  @Test
  @DisplayName("Dockerfile: copies what the build makes, exposes Pulse's ports, runs java as PID 1 for SIGTERM")
  void dockerfile() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("cluster/Dockerfile"));
    for (String line : lines) {
      if (line.startsWith("COPY ")) {
        String source = line.split("\\s+")[1];
        assertThat(source.equals("target/pulse.jar") || Files.exists(Path.of(source))).as(line).isTrue();
      }
      if (line.startsWith("ENV ") || line.startsWith("    ")) {
        Matcher m = Pattern.compile("(PULSE_[A-Z_]+)=").matcher(line);
        while (m.find()) {
          assertThat(BY_ENV).as(line).containsKey(m.group(1));
        }
      }
    }
    String text = String.join("\n", lines);
    String exposed = lines.stream().filter(l -> l.startsWith("EXPOSE")).findFirst().orElseThrow();
    assertThat(exposed).contains(" " + ConfigKeys.HTTP_PORT.defaultValue()).contains(" " + ConfigKeys.CLUSTER_PORT.defaultValue());
    assertThat(text).contains("exec java").contains("-jar /opt/pulse/pulse.jar").contains("/ready");
  }

  @Test
  @DisplayName("systemd unit: SIGTERM with a stop timeout above the drain time, a raised file limit, known options only")
  void systemdUnit() throws Exception {
    Map<String, String> service = new HashMap<>();
    String section = "";
    List<String> environment = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("cluster/systemd/pulse.service"))) {
      line = line.trim();
      if (line.startsWith("[")) {
        section = line;
      } else if (!line.isEmpty() && !line.startsWith("#") && section.equals("[Service]")) {
        String[] kv = line.split("=", 2);
        if (kv[0].equals("Environment")) {
          environment.add(kv[1]);
        }
        service.put(kv[0], kv[1]);
      }
    }
    assertThat(service.get("ExecStart")).contains("-jar /opt/pulse/pulse.jar");
    for (String token : service.get("ExecStart").split("\\s+")) {
      if (token.startsWith("--") && !token.startsWith("--add-")) {
        assertKnownOption(token, "ExecStart");
      }
    }
    environment.forEach(e -> assertThat(BY_ENV).containsKey(e.split("=")[0]));
    assertThat(service.get("KillSignal")).isEqualTo("SIGTERM");
    long drainSeconds = ((Number) ConfigKeys.NODE_DRAIN_MS.defaultValue()).longValue() / 1000;
    assertThat(Long.parseLong(service.get("TimeoutStopSec"))).isGreaterThan(drainSeconds + 10);
    assertThat(Long.parseLong(service.get("LimitNOFILE"))).isGreaterThanOrEqualTo(60_000);
    assertThat(service.get("SuccessExitStatus")).contains("143");
  }

  private static void assertKnownOption(String arg, String where) {
    Matcher m = CLI_OPTION.matcher(arg);
    if (m.matches() && !m.group(1).equals("conf")) {
      assertThat(ConfigKeys.BY_NAME).as("%s passes --%s", where, m.group(1)).containsKey(m.group(1));
    }
  }

  private static List<Map<String, Object>> k8sDocuments() throws Exception {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (var files = Files.list(K8S)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
          if (doc != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) doc;
            assertThat(map).as("%s: every document has apiVersion and kind", file).containsKeys("apiVersion", "kind");
            docs.add(map);
          }
        }
      }
    }
    assertThat(docs).isNotEmpty();
    return docs;
  }

  private static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> path(Map<String, Object> root, String... keys) {
    Map<String, Object> at = root;
    for (String key : keys) {
      at = (Map<String, Object>) at.get(key);
      assertThat(at).as("field %s", key).isNotNull();
    }
    return at;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    return value == null ? List.of() : (List<Map<String, Object>>) value;
  }

  private static Map<String, Object> first(Object value) {
    return list(value).get(0);
  }

  private static String name(Map<String, Object> doc) {
    return (String) path(doc, "metadata").get("name");
  }

  private static Map<String, Object> labels(Map<String, Object> doc) {
    return path(doc, "metadata", "labels");
  }

  private static String serviceAccount(Map<String, Object> podSpec) {
    return (String) podSpec.get("serviceAccountName");
  }

}
