package io.vertxchat.ops;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A raw {@code /eventbus/websocket} client that can have many requests in flight and remembers
 * the close code the server sent; for the shutdown test.
 */
final class RawSocket {
  private final WebSocketClient client;
  private final Map<String, Promise<JsonObject>> replies = new ConcurrentHashMap<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final Promise<Short> closed = Promise.promise();
  private final WebSocket ws;

  RawSocket(Vertx vertx, String baseUrl, String cookie) throws Exception {
    client = vertx.createWebSocketClient();
    URI uri = URI.create(baseUrl);
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(uri.getHost())
      .setPort(uri.getPort())
      .setURI("/eventbus/websocket")
      .addHeader("Cookie", cookie)
      .addHeader("Origin", "http://localhost:" + uri.getPort());
    ws = client.connect(options).await(10, TimeUnit.SECONDS);
    // Whole messages, not fragments: a page of history spans several WebSocket frames.
    ws.binaryMessageHandler(buffer -> {
      JsonObject frame = buffer.toJsonObject();
      Promise<JsonObject> reply = frame.getString("address") == null ? null : replies.remove(frame.getString("address"));
      if (reply != null) {
        reply.tryComplete(frame);
      } else {
        events.add(frame);
      }
    });
    ws.closeHandler(v -> {
      closed.tryComplete(ws.closeStatusCode());
      replies.values().forEach(p -> p.tryFail("socket closed"));
    });
    vertx.setPeriodic(4_000, id -> {
      if (!closed.future().isComplete()) {
        ws.writeTextMessage(new JsonObject().put("type", "ping").encode());
      }
    });
  }

  void register(String address) {
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
  }

  /** Sends a request; the future fails when the socket closes before the reply. */
  Future<JsonObject> request(String address, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    Promise<JsonObject> promise = Promise.promise();
    replies.put(replyAddress, promise);
    ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
      .put("replyAddress", replyAddress).encode());
    return promise.future().timeout(20, TimeUnit.SECONDS);
  }

  List<JsonObject> events() {
    return events;
  }

  Future<Short> closed() {
    return closed.future();
  }
}
