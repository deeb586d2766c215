package io.pulse.gateway;

import io.pulse.node.TestNodes;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server-sent-events client for tests: parses the stream into events and comments as they arrive. */
final class SseTestClient {

  record Event(long id, String name, JsonObject data) {
    String windowKey() {
      return data.getString("series") + "@" + data.getLong("start") + (data.getBoolean("final", false) ? "F" : "P");
    }
  }

  final List<Event> events = new CopyOnWriteArrayList<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  HttpClientResponse response;
  private final StringBuilder text = new StringBuilder();

  static SseTestClient connect(HttpClient http, int port, String uri, MultiMap headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI(uri);
    if (headers != null) {
      options.setHeaders(headers);
    }
    SseTestClient client = new SseTestClient();
    // the handler is set in the callback of send() itself, as the headers arrive, so no early chunk is missed: a
    // callback chained after it runs in a later event-loop task, after chunks that may already be gone
    client.response = TestNodes.await(http.request(options).compose(req -> req.send()
      .onSuccess(response -> response.handler(chunk -> client.onChunk(chunk.toString())))), 10);
    return client;
  }

  private synchronized void onChunk(String chunk) {
    text.append(chunk);
    int end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      String block = text.substring(0, end);
      text.delete(0, end + 2);
      long id = -1;
      String name = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith(":")) {
          comments.add(line.substring(1).trim());
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      if (data != null) {
        events.add(new Event(id, name, new JsonObject(data)));
      }
    }
  }

  long lastId() {
    return events.isEmpty() ? -1 : events.get(events.size() - 1).id();
  }

  void close() {
    response.request().connection().close();
  }
}
