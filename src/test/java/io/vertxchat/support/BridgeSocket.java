package io.vertxchat.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client of the raw bridge endpoint {@code /eventbus/websocket}, speaking the bridge's JSON
 * frames as the official JS client does. Keeps every frame it receives so tests can wait for the
 * ones they expect. Pings like a browser so the server keeps it open.
 */
public final class BridgeSocket {
  private static final long TIMEOUT_S = 30;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final List<JsonObject> frames = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Void> closed = Promise.promise();
  private WebSocket ws;
  private long pinger;

  private record Waiter(Predicate<JsonObject> match, Promise<JsonObject> promise) {
  }

  private BridgeSocket(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient();
  }

  public static BridgeSocket connect(Vertx vertx, String baseUrl, String cookie, String origin) {
    BridgeSocket socket = new BridgeSocket(vertx);
    URI uri = URI.create(baseUrl);
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(uri.getHost())
      .setPort(uri.getPort())
      .setURI("/eventbus/websocket");
    if (cookie != null && !cookie.isEmpty()) {
      options.addHeader("Cookie", cookie);
    }
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    socket.ws = ChatClient.await(socket.client.connect(options));
    // Whole messages, not frames: a long message may arrive as several WebSocket frames.
    socket.ws.binaryMessageHandler(buffer -> socket.received(buffer.toJsonObject()));
    socket.ws.textMessageHandler(text -> socket.received(new JsonObject(text)));
    socket.ws.closeHandler(v -> socket.closed.tryComplete());
    socket.pinger = vertx.setPeriodic(4_000, id -> socket.write(new JsonObject().put("type", "ping")));
    return socket;
  }

  private synchronized void received(JsonObject frame) {
    frames.add(frame);
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext()) {
      Waiter waiter = it.next();
      if (waiter.match().test(frame)) {
        it.remove();
        waiter.promise().tryComplete(frame);
        break;
      }
    }
  }

  public void write(JsonObject frame) {
    ws.writeTextMessage(frame.encode());
  }

  /** Writes a text frame exactly as given, for malformed-input tests. */
  public void writeText(String text) {
    ws.writeTextMessage(text);
  }

  /** Writes a binary frame exactly as given. */
  public void writeBinary(io.vertx.core.buffer.Buffer data) {
    ws.writeBinaryMessage(data);
  }

  /** Forgets every frame received so far. */
  public synchronized void clearFrames() {
    frames.clear();
  }

  /** The underlying WebSocket, e.g. to pause reading in slow-consumer tests. */
  public WebSocket webSocket() {
    return ws;
  }

  public void register(String address) {
    write(new JsonObject().put("type", "register").put("address", address));
  }

  /** Registers and proves the registration took effect with a round trip through the server. */
  public void subscribe(String address) {
    register(address);
    // The bridge handles a socket's frames in order: once a later request is answered, the
    // registration before it has been decided.
    request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
  }

  public void publish(String address, JsonObject body) {
    write(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** Sends with a reply address and waits for the reply frame (which may carry failureCode). */
  public JsonObject request(String address, Object body) {
    return request(address, body, null);
  }

  public JsonObject request(String address, Object body, JsonObject headers) {
    return ChatClient.await(requestAsync(address, body, headers));
  }

  /** Sends a request frame now; the future completes with its reply frame (or times out). */
  public Future<JsonObject> requestAsync(String address, Object body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    Future<JsonObject> reply = next(f -> replyAddress.equals(f.getString("address")));
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
      .put("replyAddress", replyAddress);
    if (headers != null) {
      frame.put("headers", headers);
    }
    write(frame);
    return reply;
  }

  /** Waits for a reply frame from {@link #requestAsync}. */
  public static JsonObject awaitReply(Future<JsonObject> reply) {
    return ChatClient.await(reply);
  }

  /** The next frame matching, counting frames already received that no earlier wait took. */
  public synchronized Future<JsonObject> next(Predicate<JsonObject> match) {
    for (JsonObject frame : frames) {
      if (match.test(frame)) {
        frames.remove(frame);
        return Future.succeededFuture(frame);
      }
    }
    Promise<JsonObject> promise = Promise.promise();
    waiters.add(new Waiter(f -> {
      if (match.test(f)) {
        synchronized (this) {
          frames.remove(f);
        }
        return true;
      }
      return false;
    }, promise));
    return promise.future().timeout(TIMEOUT_S, TimeUnit.SECONDS);
  }

  /** Waits for the next frame matching. */
  public JsonObject await(Predicate<JsonObject> match) {
    return ChatClient.await(next(match));
  }

  /** Waits for the next event on a channel address whose type is {@code type}. */
  public JsonObject awaitEvent(String address, String type) {
    return await(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && f.getJsonObject("body") != null && type.equals(f.getJsonObject("body").getString("type")));
  }

  /** Frames received so far and not yet taken by a wait. */
  public synchronized List<JsonObject> frames() {
    return new ArrayList<>(frames);
  }

  public boolean isClosed() {
    return closed.future().isComplete();
  }

  public void awaitClosed() {
    ChatClient.await(closed.future().timeout(TIMEOUT_S, TimeUnit.SECONDS));
  }

  public void close() {
    vertx.cancelTimer(pinger);
    if (!isClosed()) {
      ws.close();
    }
  }
}
