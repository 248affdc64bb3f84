package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lean bridge client for load and fault tests: frames go to a handler as they arrive instead
 * of being kept, requests are matched by reply address, and it pings like a browser. Its socket
 * can be paused to play a browser that stopped reading.
 */
final class RawBridgeClient {
  private final Vertx vertx;
  private final WebSocketClient client;
  private final ConcurrentHashMap<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final Promise<Short> closed = Promise.promise();
  private volatile Consumer<JsonObject> events = f -> { };
  private WebSocket ws;
  private long pinger;

  private RawBridgeClient(Vertx vertx, int receiveBuffer) {
    this.vertx = vertx;
    WebSocketClientOptions options = new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22);
    if (receiveBuffer > 0) {
      options.setReceiveBufferSize(receiveBuffer);
    }
    this.client = vertx.createWebSocketClient(options);
  }

  static Future<RawBridgeClient> connect(Vertx vertx, String baseUrl, String cookie, int receiveBuffer) {
    RawBridgeClient c = new RawBridgeClient(vertx, receiveBuffer);
    URI uri = URI.create(baseUrl);
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(uri.getHost())
      .setPort(uri.getPort())
      .setURI("/eventbus/websocket")
      .addHeader("Origin", uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort());
    if (cookie != null) {
      options.addHeader("Cookie", cookie);
    }
    return c.client.connect(options).map(ws -> {
      c.ws = ws;
      // Whole messages, not frames: a large reply (a history page) arrives in several frames.
      ws.binaryMessageHandler(buffer -> c.received(buffer.toJsonObject()));
      ws.textMessageHandler(text -> c.received(new JsonObject(text)));
      ws.closeHandler(v -> {
        c.closed.tryComplete(ws.closeStatusCode());
        c.pending.values().forEach(p -> p.tryFail("socket closed"));
      });
      c.pinger = vertx.setPeriodic(4_000, id -> {
        if (!c.isClosed()) {
          ws.writeTextMessage("{\"type\":\"ping\"}");
        }
      });
      return c;
    });
  }

  private void received(JsonObject frame) {
    String address = frame.getString("address");
    Promise<JsonObject> reply = address == null ? null : pending.remove(address);
    if (reply != null) {
      reply.tryComplete(frame);
    } else {
      events.accept(frame);
    }
  }

  void onEvent(Consumer<JsonObject> handler) {
    this.events = handler;
  }

  /** Sends and returns the reply frame (check failureCode); fails after the timeout. */
  Future<JsonObject> request(String address, JsonObject body, long timeoutMs) {
    String replyAddress = UUID.randomUUID().toString();
    Promise<JsonObject> promise = Promise.promise();
    pending.put(replyAddress, promise);
    if (isClosed()) {
      promise.tryFail("socket closed");
    } else {
      // Written from the caller's thread, so frames leave in the order they were asked for.
      ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", replyAddress).encode());
    }
    return promise.future().timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .onFailure(e -> pending.remove(replyAddress));
  }

  /** Registers, then proves it took effect with a round trip (frames of one socket are handled in order). */
  Future<Void> subscribe(String channel) {
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", "chat.channel." + channel).encode());
    return request("chat.history", new JsonObject().put("channel", channel).put("limit", 1), 10_000).mapEmpty();
  }

  void pause() {
    ws.pause();
  }

  void resume() {
    ws.resume();
  }

  boolean isClosed() {
    return closed.future().isComplete();
  }

  Future<Short> closed() {
    return closed.future();
  }

  void close() {
    vertx.cancelTimer(pinger);
    if (!isClosed() && ws != null) {
      ws.close();
    }
    client.close();
  }
}
