package io.pulse.ingest;

import io.pulse.node.PulseNode;
import io.pulse.node.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The exchange feed of a real node against a fake exchange speaking the Binance combined-stream protocol. */
class ExchangeFeedTest {

  private FakeExchange exchange;
  private PulseNode node;
  private IngestProbe probe;
  private long base;

  @BeforeEach
  void setUp() {
    exchange = new FakeExchange();
    long now = System.currentTimeMillis();
    base = now - now % 1000 - 20_000;
  }

  @AfterEach
  void tearDown() {
    TestNodes.stop(node);
    exchange.close();
  }

  private void startNode(String... extra) {
    List<String> options = new ArrayList<>(List.of("--node.roles=ingest,aggregate", "--simulator.enabled=false",
      "--ingest.exchange.enabled=true", "--ingest.exchange.url=" + exchange.url(),
      "--ingest.exchange.symbols=BTCUSDT,ETHUSDT", "--ingest.exchange.streams=trade,aggTrade",
      "--ingest.exchange.backoff-initial-ms=100", "--ingest.exchange.backoff-max-ms=1000",
      "--aggregate.idle-flush-ms=1500"));
    options.addAll(List.of(extra));
    node = TestNodes.start(TestNodes.config(options.toArray(String[]::new)));
    probe = new IngestProbe(node);
    TestNodes.waitUntil("the feed is connected", 20_000, () -> exchange.open.size() == 1);
  }

  @Test
  @DisplayName("trades become trade.<SYMBOL> samples (price as value, quantity as volume, T as time); garbage, "
    + "bad trades, unknown symbols and server errors are counted and the feed keeps flowing on the same connection")
  void normalFlowWithGarbage() {
    startNode();
    assertThat(exchange.queries.get(0)).isEqualTo("streams=btcusdt@trade/btcusdt@aggTrade/ethusdt@trade/ethusdt@aggTrade");
    exchange.trade("BTCUSDT", 1, "100.50", "0.25", base + 10);
    exchange.send("{{{ not json");
    exchange.trade("DOGEUSDT", 1, "0.1", "5", base + 20);
    exchange.trade("BTCUSDT", 2, "abc", "1", base + 30);
    exchange.trade("BTCUSDT", 3, "NaN", "1", base + 35);
    exchange.trade("BTCUSDT", 4, "101", "-1", base + 36);
    exchange.send("{\"error\":{\"code\":2,\"msg\":\"Invalid request\"},\"id\":1}");
    exchange.send("{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"1\"}}");
    exchange.trade("BTCUSDT", 5, "101.50", "0.75", base + 40);
    exchange.trade("BTCUSDT", 5, "101.50", "0.75", base + 40); // the same trade again: dropped by id
    exchange.trade("ETHUSDT", 9, "2000", "2", base + 50);
    exchange.send("{\"stream\":\"ethusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1,\"s\":\"ETHUSDT\",\"a\":77,"
      + "\"p\":\"2002\",\"q\":\"1\",\"f\":1,\"l\":2,\"T\":" + (base + 60) + ",\"m\":false}}");

    TestNodes.waitUntil("both symbols' windows are final", 30_000,
      () -> probe.finals.containsKey("trade.BTCUSDT@" + base) && probe.finals.containsKey("trade.ETHUSDT@" + base));
    var btc = probe.finals.get("trade.BTCUSDT@" + base);
    assertThat(btc.count()).isEqualTo(2);
    assertThat(btc.sum()).isCloseTo(202.0, within(1e-9));
    assertThat(btc.volume()).isCloseTo(1.0, within(1e-9));
    assertThat(btc.vwap()).isCloseTo((100.5 * 0.25 + 101.5 * 0.75) / 1.0, within(1e-9));
    assertThat(probe.finals.get("trade.ETHUSDT@" + base).count()).isEqualTo(2);

    TestNodes.waitUntil("rejects are counted", 10_000, () -> probe.counter("exchange.rejected") == 7);
    assertThat(probe.counter("exchange.rejected.malformed-json")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.unknown-symbol")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.wrong-type")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.not-finite")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.negative-volume")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.server-error")).isEqualTo(1);
    assertThat(probe.counter("exchange.rejected.missing-field")).isEqualTo(1);
    assertThat(probe.counter("exchange.duplicates")).isEqualTo(1);
    assertThat(probe.counter("exchange.state.connected")).isEqualTo(1);
    assertThat(exchange.connections()).as("bad input does not cost the connection").isEqualTo(1);
    assertThat(probe.deadLetters).anySatisfy(d -> assertThat(d.getString("reason")).isEqualTo("unknown-symbol"));
  }

  @Test
  @DisplayName("when the exchange drops the connection mid-stream and refuses the next attempts, the feed retries with "
    + "growing, jittered delays and the trades after recovery are counted exactly")
  void reconnectsAfterADrop() {
    startNode();
    for (int i = 0; i < 5; i++) {
      exchange.trade("BTCUSDT", i, "100", "1", base + i);
    }
    TestNodes.waitUntil("the first trades arrived", 10_000, () -> probe.counter("exchange.samplesIn") == 5);
    exchange.refuseNext.set(4);
    long droppedAt = System.currentTimeMillis();
    exchange.dropAll();
    TestNodes.waitUntil("reconnected after four refusals", 30_000, () -> exchange.connections() == 6 && exchange.open.size() == 1);
    TestNodes.waitUntil("the state says connected", 10_000, () -> probe.counter("exchange.state.connected") == 1);
    for (int i = 5; i < 10; i++) {
      exchange.trade("BTCUSDT", i, "110", "1", base + 1000 + i);
    }
    TestNodes.waitUntil("the window after recovery is final", 30_000, () -> probe.finals.containsKey("trade.BTCUSDT@" + (base + 1000)));
    assertThat(probe.finals.get("trade.BTCUSDT@" + base).count()).isEqualTo(5);
    assertThat(probe.finals.get("trade.BTCUSDT@" + (base + 1000)).count()).isEqualTo(5);
    assertThat(probe.finals.get("trade.BTCUSDT@" + (base + 1000)).sum()).isCloseTo(550.0, within(1e-9));

    // the gaps between attempts 2..6: each within its backoff ceiling (100, 200, 400, 800, 1000 ms) plus slack
    List<Long> t = new ArrayList<>(exchange.attemptTimes);
    t.set(0, droppedAt);
    long slack = 400;
    long[] ceilings = {100, 200, 400, 800, 1000};
    for (int i = 1; i < t.size(); i++) {
      assertThat(t.get(i) - t.get(i - 1)).as("gap before attempt %d", i + 1).isLessThanOrEqualTo(ceilings[i - 1] + slack);
    }
    assertThat(probe.counter("exchange.reconnectDelayMs")).isBetween(0L, 1000L);
    assertThat(probe.counter("exchange.reconnects")).isEqualTo(5);
  }

  @Test
  @DisplayName("a socket that goes silent (no trades, no pongs) is dropped after the idle timeout and replaced")
  void silentSocketIsReplaced() {
    startNode("--ingest.exchange.ping-ms=60000", "--ingest.exchange.idle-timeout-ms=800");
    exchange.trade("ETHUSDT", 1, "2000", "1", base);
    TestNodes.waitUntil("a second connection replaces the silent one", 20_000, () -> exchange.connections() >= 2);
    TestNodes.waitUntil("the idle timeout is counted", 10_000, () -> probe.counter("exchange.idleTimeouts") >= 1);
    TestNodes.waitUntil("the new connection is open", 10_000, () -> exchange.open.size() == 1);
    // trades every 100 ms keep the new connection alive; the first may meet a socket the feed just dropped
    for (int i = 0; i < 10; i++) {
      exchange.trade("ETHUSDT", 2 + i, "2010", "1", base + 1000 + i);
      sleep(100);
    }
    TestNodes.waitUntil("the trades after recovery are counted", 30_000,
      () -> probe.finals.containsKey("trade.ETHUSDT@" + (base + 1000)));
    var after = probe.finals.get("trade.ETHUSDT@" + (base + 1000));
    assertThat(after.count()).isBetween(9L, 10L);
    assertThat(after.sum()).isCloseTo(after.count() * 2010.0, within(1e-9));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @DisplayName("pings keep a quiet connection alive: the exchange's pongs count as life")
  void pingsKeepAQuietConnection() throws InterruptedException {
    startNode("--ingest.exchange.ping-ms=200", "--ingest.exchange.idle-timeout-ms=1000");
    Thread.sleep(3000);
    assertThat(exchange.connections()).isEqualTo(1);
  }

  @Test
  @DisplayName("before the exchange's 24-hour cut the feed opens a new connection first, then closes the old one; "
    + "trades delivered on both are counted once")
  void proactiveRollover() {
    startNode("--ingest.exchange.max-connection-ms=1500");
    long id = 0;
    long deadline = System.currentTimeMillis() + 20_000;
    while (exchange.connections() < 2 && System.currentTimeMillis() < deadline) {
      exchange.trade("BTCUSDT", id, "100", "1", base + id);
      id++;
      sleep(50);
    }
    assertThat(exchange.connections()).isGreaterThanOrEqualTo(2);
    for (int i = 0; i < 5; i++) {
      exchange.trade("BTCUSDT", id, "100", "1", base + id);
      id++;
    }
    long sent = id;
    try {
      TestNodes.waitUntil("every trade counted once", 30_000, () -> probe.count("trade.BTCUSDT") == sent);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": sent " + sent + ", counted " + probe.count("trade.BTCUSDT") + ", finals "
        + probe.finals + ", duplicates " + probe.counter("exchange.duplicates") + ", in " + probe.counter("exchange.samplesIn"));
    }
    assertThat(probe.counter("exchange.rollovers")).isGreaterThanOrEqualTo(1);
  }
}
