package io.pulse.ingest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One scrape of a node's {@code /metrics} the way Prometheus reads it: sample lines {@code name{labels} value}. */
final class MetricsScrape {

  // HTTP/1.1 as Prometheus scrapes: the JDK client's default h2c upgrade once left a scrape unanswered for good
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();

  final String text;

  private MetricsScrape(String text) {
    this.text = text;
  }

  static MetricsScrape of(int port) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("/metrics answered " + response.statusCode());
      }
      return new MetricsScrape(response.body());
    } catch (IOException e) {
      throw new AssertionError("/metrics did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The lines of metric {@code name} that carry every one of {@code labels}. */
  List<String> lines(String name, Map<String, String> labels) {
    List<String> found = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      String labelText = line.substring(name.length() + 1, line.lastIndexOf('}'));
      if (labels.entrySet().stream().allMatch(e -> (',' + labelText + ',').contains(',' + e.getKey() + "=\"" + e.getValue() + "\","))) {
        found.add(line);
      }
    }
    return found;
  }

  /** The value of the one sample of {@code name} with these labels; -1 when there is none. Fails when several match. */
  double value(String name, Map<String, String> labels) {
    List<String> found = lines(name, labels);
    if (found.size() > 1) {
      throw new AssertionError(found.size() + " samples of " + name + " match " + labels + ": " + found);
    }
    return found.isEmpty() ? -1 : Double.parseDouble(found.get(0).substring(found.get(0).lastIndexOf(' ') + 1));
  }
}
