package io.pulse.gateway;

import io.pulse.model.Addresses;
import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium}, driven by playwright-core from
 * {@code verticles/src/test/js}): connects, live values, charts, history, alerts, a node restart, no errors;
 * measures the update cost with 200 series and saves {@code docs/dashboard.png}.
 */
class DashboardBrowserTest {

  private static final Logger LOG = LoggerFactory.getLogger(DashboardBrowserTest.class);
  private static final Path SCRIPTS = Path.of("verticles/src/test/js");
  private PulseNode node;
  private Process browser;

  @AfterEach
  void cleanUp() {
    if (browser != null) {
      browser.destroy();
    }
    TestNodes.stop(node);
  }

  @Test
  @DisplayName("the dashboard connects, shows live values and charts, loads history, shows an alert, survives a node "
    + "restart, and logs no errors")
  void dashboardInChromium() throws Exception {
    String chromium = which("chromium");
    assertThat(chromium).as("Debian's chromium is needed for the browser test: apt-get install -y chromium").isNotNull();
    ensurePlaywright();
    int port = TestNodes.freePort();
    JsonObject config = TestNodes.config("--http.port=" + port, "--simulator.rate=600",
      "--simulator.symbols=BTCUSDT,ETHUSDT", "--simulator.services=checkout,search");
    node = TestNodes.start(config);

    ProcessBuilder pb = new ProcessBuilder("node", "dashboard.test.mjs", "http://127.0.0.1:" + port + "/",
      Path.of("docs/dashboard.png").toAbsolutePath().toString())
      .directory(SCRIPTS.toFile()).redirectErrorStream(true);
    pb.environment().put("CHROMIUM", chromium);
    browser = pb.start();
    List<String> output = new ArrayList<>();
    String result = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
         Writer in = new OutputStreamWriter(browser.getOutputStream(), StandardCharsets.UTF_8)) {
      String line;
      while ((line = out.readLine()) != null) {
        output.add(line);
        LOG.info("browser: {}", line);
        if (line.startsWith("NEED ")) {
          act(line.substring(5), config);
          in.write("ok\n");
          in.flush();
        } else if (line.startsWith("RESULT ")) {
          result = line.substring(7);
        }
      }
    }
    assertThat(browser.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(browser.exitValue()).as(String.join("\n", output)).isZero();
    assertThat(result).as(String.join("\n", output)).isNotNull();
    JsonObject perf = new JsonObject(result);
    LOG.info("dashboard with {} series, {} updates per frame: update cost p50 {} ms, p95 {} ms, max {} ms; "
        + "frame interval p50 {} ms, p95 {} ms; heap {} MB", perf.getValue("series"), perf.getValue("updatesPerFrame"),
      perf.getValue("updateCostMsP50"), perf.getValue("updateCostMsP95"), perf.getValue("updateCostMsMax"),
      perf.getValue("frameIntervalMsP50"), perf.getValue("frameIntervalMsP95"), perf.getValue("heapMB"));
    LOG.info("dashboard with 200 series at 4 updates/s each: {}; an hour of that feed in compressed time: {}",
      perf.getJsonObject("realistic"), perf.getJsonObject("hour"));
    assertThat(perf.getInteger("overviewRows")).isGreaterThanOrEqualTo(200);
    assertThat(perf.getJsonObject("realistic").getInteger("frames")).as("frames drawn while fed").isPositive();
    assertThat(Files.size(Path.of("docs/dashboard.png"))).isPositive();
  }

  private void act(String action, JsonObject config) {
    switch (action) {
      case "alert" -> node.vertx().eventBus().publish(Addresses.ALERTS, new JsonObject().put("rule", "browser-test-rule")
        .put("series", "trade.BTCUSDT").put("state", "firing").put("value", 123.4).put("at", System.currentTimeMillis()));
      case "stop" -> {
        TestNodes.stop(node);
        node = null;
      }
      case "start" -> node = TestNodes.start(config);
      default -> throw new AssertionError("the browser script asked for an unknown action: " + action);
    }
  }

  /** npm ci of the pinned playwright-core, once (it downloads no browser: the system's chromium is used). */
  private static void ensurePlaywright() throws IOException, InterruptedException {
    if (Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(SCRIPTS.toFile())
      .redirectErrorStream(true).start();
    String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(npm.waitFor(180, TimeUnit.SECONDS) && npm.exitValue() == 0)
      .as("npm ci in " + SCRIPTS + " failed:\n" + log).isTrue();
  }

  private static String which(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, program);
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }
}
