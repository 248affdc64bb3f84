package io.vertxchat.testkit;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One socket on a node's event-bus bridge, at the raw endpoint {@code /eventbus/websocket}, speaking
 * the stock Vert.x bridge frames as the browser's client does: {@code register}, {@code unregister},
 * {@code send} (a request when it carries a reply address), {@code publish} and {@code ping}. It
 * pings like a browser, so the server keeps it open, and it can write any frame at all, malformed
 * ones included, for the abuse tests.
 *
 * <p>What the server sends:
 * <ul>
 *   <li>the reply to one of this client's requests completes that request and goes nowhere else;</li>
 *   <li>every other frame goes to the frame handler, if any, and is kept (unless
 *       {@link Options#keepFrames(boolean) keepFrames(false)}) until a {@link #next} or
 *       {@link #await} takes it;</li>
 *   <li>with a raw handler ({@link Options#onRawFrame}) frames go to it undecoded and are not kept;
 *       they are decoded only while a request or a subscribe of this client waits for its answer.
 *       That is the load generator's mode: it must stay cheaper than the server.</li>
 * </ul>
 * When the socket closes, {@link #closed()} completes with the close code and whatever still waits
 * (requests, subscribes, {@link #next}) fails at once instead of timing out.
 *
 * <p>Methods returning a {@link Future} never block and may be called on an event loop; the others
 * block with a timeout and are for test threads.
 */
public final class BridgeClient {
  /** The raw WebSocket endpoint of the bridge. */
  public static final String PATH = "/eventbus/websocket";
  /** How often a socket pings unless told otherwise (the server drops a socket that stops pinging). */
  public static final long PING_EVERY_MS = 4_000;
  private static final String PING = "{\"type\":\"ping\"}";

  private final Vertx vertx;
  private final WebSocketClient ownClient;
  private final WebSocket ws;
  private final long timeoutMs;
  private final boolean keepFrames;
  private final Handler<JsonObject> frameHandler;
  private final Handler<Buffer> rawHandler;
  private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final Queue<Promise<Void>> subscribing = new ConcurrentLinkedQueue<>();
  private final Promise<Integer> closed = Promise.promise();
  private final List<JsonObject> frames = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private long pinger = -1;

  private static final class Waiter {
    final Predicate<JsonObject> match;
    final Promise<JsonObject> promise = Promise.promise();
    long timer;

    Waiter(Predicate<JsonObject> match) {
      this.match = match;
    }
  }

  /** How a socket is opened; {@link #options()} starts with a browser's defaults. */
  public static final class Options {
    private String cookie;
    private String origin;
    private boolean originSet;
    private long pingEveryMs = PING_EVERY_MS;
    private boolean keepFrames = true;
    private long timeoutMs = Await.TIMEOUT_MS;
    private int receiveBufferSize;
    private WebSocketClient client;
    private Handler<JsonObject> frameHandler;
    private Handler<Buffer> rawHandler;

    private Options() {
    }

    /** The {@code Cookie} header of the upgrade request (null or empty: none). */
    public Options cookie(String cookie) {
      this.cookie = cookie;
      return this;
    }

    /** The {@code Origin} header; by default the node's own, as from its page; null sends none. */
    public Options origin(String origin) {
      this.origin = origin;
      this.originSet = true;
      return this;
    }

    /** Ping period; 0 never pings. */
    public Options pingEvery(long ms) {
      this.pingEveryMs = ms;
      return this;
    }

    /** Whether frames other than replies are kept for {@link #next}; true by default. */
    public Options keepFrames(boolean keep) {
      this.keepFrames = keep;
      return this;
    }

    /** How long requests, subscribes and the blocking waits of this socket wait; 30 s by default. */
    public Options timeout(long ms) {
      this.timeoutMs = ms;
      return this;
    }

    /** The TCP receive buffer of the socket's own client, to play a reader that falls behind. */
    public Options receiveBuffer(int bytes) {
      this.receiveBufferSize = bytes;
      return this;
    }

    /** A client shared by many sockets (the load generator's); by default each socket has its own. */
    public Options client(WebSocketClient client) {
      this.client = client;
      return this;
    }

    /** Every frame that is not a reply to this client's requests, decoded, as it arrives. */
    public Options onFrame(Handler<JsonObject> handler) {
      this.frameHandler = handler;
      return this;
    }

    /** Every frame that is not a reply to this client's requests, undecoded; such frames are not kept. */
    public Options onRawFrame(Handler<Buffer> handler) {
      this.rawHandler = handler;
      return this;
    }
  }

  public static Options options() {
    return new Options();
  }

  /** Opens a socket to the node at {@code baseUrl} ({@code http://host:port}). */
  public static Future<BridgeClient> connect(Vertx vertx, String baseUrl, Options options) {
    WebSocketClient own = options.client == null ? vertx.createWebSocketClient(clientOptions(options)) : null;
    WebSocketClient client = own == null ? options.client : own;
    URI uri = URI.create(baseUrl);
    WebSocketConnectOptions connect = new WebSocketConnectOptions()
      .setHost(uri.getHost())
      .setPort(uri.getPort())
      .setURI(PATH);
    if (options.cookie != null && !options.cookie.isEmpty()) {
      connect.addHeader("Cookie", options.cookie);
    }
    String origin = options.originSet ? options.origin : originOf(baseUrl);
    if (origin != null) {
      connect.addHeader("Origin", origin);
    }
    return client.connect(connect)
      .map(ws -> new BridgeClient(vertx, own, ws, options))
      .onFailure(e -> {
        if (own != null) {
          own.close();
        }
      });
  }

  /** {@link #connect}, blocking; a refused handshake fails with the server's status in the message. */
  public static BridgeClient open(Vertx vertx, String baseUrl, Options options) {
    return Await.result(connect(vertx, baseUrl, options), options.timeoutMs);
  }

  /** A socket with these cookies (null: none) and this {@code Origin} (null: none), blocking. */
  public static BridgeClient open(Vertx vertx, String baseUrl, String cookie, String origin) {
    return open(vertx, baseUrl, options().cookie(cookie).origin(origin));
  }

  /** {@code scheme://host:port} of a URL, as a browser sends it in {@code Origin}. */
  public static String originOf(String url) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
  }

  private static WebSocketClientOptions clientOptions(Options options) {
    // Whole messages of any size a node may send: a history page spans several frames.
    WebSocketClientOptions client = new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22);
    if (options.receiveBufferSize > 0) {
      client.setReceiveBufferSize(options.receiveBufferSize);
    }
    return client;
  }

  private BridgeClient(Vertx vertx, WebSocketClient ownClient, WebSocket ws, Options options) {
    this.vertx = vertx;
    this.ownClient = ownClient;
    this.ws = ws;
    this.timeoutMs = options.timeoutMs;
    this.keepFrames = options.keepFrames && options.rawHandler == null;
    this.frameHandler = options.frameHandler;
    this.rawHandler = options.rawHandler;
    try {
      // Whole messages, not frames: a long message may arrive as several WebSocket frames.
      ws.binaryMessageHandler(this::received);
      ws.textMessageHandler(text -> received(Buffer.buffer(text)));
      ws.closeHandler(v -> ended());
      // A reset (a node killed) ends in the close handler; without a handler Vert.x logs each at ERROR.
      ws.exceptionHandler(e -> { });
    } catch (IllegalStateException closedAlready) {
      // The server closed it right after the handshake (a refusal), before the handlers were set.
      ended();
    }
    if (options.pingEveryMs > 0 && !isClosed()) {
      pinger = vertx.setPeriodic(options.pingEveryMs, id -> ping());
    }
  }

  // ---- Frames to the server

  public void write(JsonObject frame) {
    writeText(frame.encode());
  }

  /** A text frame exactly as given, malformed or not. */
  public void writeText(String text) {
    ws.writeTextMessage(text);
  }

  /** A binary frame exactly as given. */
  public void writeBinary(Buffer data) {
    ws.writeBinaryMessage(data);
  }

  public void ping() {
    if (!isClosed()) {
      writeText(PING);
    }
  }

  public void register(String address) {
    write(new JsonObject().put("type", "register").put("address", address));
  }

  public void unregister(String address) {
    write(new JsonObject().put("type", "unregister").put("address", address));
  }

  public void publish(String address, Object body) {
    write(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** A send without a reply address: nobody answers it. */
  public void send(String address, Object body) {
    write(new JsonObject().put("type", "send").put("address", address).put("body", body));
  }

  /** Sends with a fresh reply address; completes with the reply frame, which may carry {@code failureCode}. */
  public Future<JsonObject> requestAsync(String address, Object body) {
    return requestAsync(address, body, null, timeoutMs);
  }

  public Future<JsonObject> requestAsync(String address, Object body, long timeoutMs) {
    return requestAsync(address, body, null, timeoutMs);
  }

  public Future<JsonObject> requestAsync(String address, Object body, JsonObject headers) {
    return requestAsync(address, body, headers, timeoutMs);
  }

  /** The frame leaves now, from the caller's thread, so frames leave in the order they were asked for. */
  public Future<JsonObject> requestAsync(String address, Object body, JsonObject headers, long timeoutMs) {
    String replyAddress = UUID.randomUUID().toString();
    Promise<JsonObject> reply = Promise.promise();
    pending.put(replyAddress, reply);
    if (isClosed()) {
      pending.remove(replyAddress);
      return Future.failedFuture(closedMessage("before the request to " + address));
    }
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
      .put("replyAddress", replyAddress);
    if (headers != null) {
      frame.put("headers", headers);
    }
    write(frame);
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (pending.remove(replyAddress) != null) {
        reply.tryFail(new TimeoutException("no reply from " + address + " within " + timeoutMs + " ms"));
      }
    });
    return reply.future().onComplete(r -> vertx.cancelTimer(timer));
  }

  /** {@link #requestAsync}, blocking: the reply frame. */
  public JsonObject request(String address, Object body) {
    return request(address, body, null);
  }

  public JsonObject request(String address, Object body, JsonObject headers) {
    return block(requestAsync(address, body, headers, timeoutMs));
  }

  /**
   * Registers and proves the registration took effect with a round trip: the bridge handles a
   * socket's frames in order, so once a later request is answered the registration before it has
   * been decided. Fails when the bridge refused the registration.
   */
  public Future<Void> subscribeAsync(String address) {
    return subscribeAsync(address, timeoutMs);
  }

  public Future<Void> subscribeAsync(String address, long timeoutMs) {
    Promise<Void> refusal = Promise.promise();
    subscribing.add(refusal);
    register(address);
    String channel = Addresses.channelOf(address);
    JsonObject probe = new JsonObject().put("channel", channel == null ? "general" : channel).put("limit", 1);
    return requestAsync(Addresses.HISTORY, probe, null, timeoutMs).transform(answer -> {
      subscribing.remove(refusal);
      if (refusal.future().failed()) {
        return Future.failedFuture("registering " + address + " was refused: " + refusal.future().cause().getMessage());
      }
      return answer.succeeded() ? Future.<Void>succeededFuture()
        : Future.failedFuture("registering " + address + " was not proven: " + answer.cause().getMessage());
    });
  }

  /** {@link #subscribeAsync}, blocking. */
  public void subscribe(String address) {
    block(subscribeAsync(address, timeoutMs));
  }

  // ---- Frames from the server

  private void received(Buffer data) {
    Handler<Buffer> raw = rawHandler;
    if (raw != null && pending.isEmpty() && subscribing.isEmpty()) {
      raw.handle(data);
      return;
    }
    JsonObject frame = data.toJsonObject();
    Object address = frame.getValue("address");
    if (address instanceof String replyAddress) {
      Promise<JsonObject> reply = pending.remove(replyAddress);
      if (reply != null) {
        reply.tryComplete(frame);
        return;
      }
    } else if (address == null && "err".equals(frame.getValue("type"))) {
      // A refusal without an address, in order: it answers the oldest registration still unproven.
      for (Promise<Void> subscribe : subscribing) {
        if (subscribe.tryFail(String.valueOf(frame.getValue("body")))) {
          break;
        }
      }
    }
    if (raw != null) {
      raw.handle(data);
      return;
    }
    if (frameHandler != null) {
      frameHandler.handle(frame);
    }
    if (keepFrames) {
      keep(frame);
    }
  }

  private void keep(JsonObject frame) {
    Waiter taker = null;
    synchronized (this) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter waiter = it.next();
        if (matches(waiter.match, frame)) {
          it.remove();
          taker = waiter;
          break;
        }
      }
      if (taker == null) {
        frames.add(frame);
      }
    }
    if (taker != null) {
      vertx.cancelTimer(taker.timer);
      taker.promise.tryComplete(frame);
    }
  }

  private static boolean matches(Predicate<JsonObject> match, JsonObject frame) {
    try {
      return match.test(frame);
    } catch (RuntimeException notThatShape) {
      return false;
    }
  }

  /** The next frame matching, counting kept frames that no earlier wait took; it is taken. */
  public Future<JsonObject> next(Predicate<JsonObject> match) {
    return next(match, timeoutMs);
  }

  public Future<JsonObject> next(Predicate<JsonObject> match, long timeoutMs) {
    Waiter waiter = new Waiter(match);
    synchronized (this) {
      for (Iterator<JsonObject> it = frames.iterator(); it.hasNext(); ) {
        JsonObject frame = it.next();
        if (matches(match, frame)) {
          it.remove();
          return Future.succeededFuture(frame);
        }
      }
      if (isClosed()) {
        return Future.failedFuture(closedMessage("and no frame received matches"));
      }
      waiters.add(waiter);
      waiter.timer = vertx.setTimer(timeoutMs, t -> {
        synchronized (this) {
          if (!waiters.remove(waiter)) {
            return;
          }
        }
        waiter.promise.tryFail(new TimeoutException("no matching frame within " + timeoutMs + " ms"));
      });
    }
    return waiter.promise.future();
  }

  /** {@link #next}, blocking. */
  public JsonObject await(Predicate<JsonObject> match) {
    return block(next(match, timeoutMs));
  }

  /** Waits for the next event on a channel address whose type is {@code type}. */
  public JsonObject awaitEvent(String address, String type) {
    return await(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && f.getJsonObject("body") != null && type.equals(f.getJsonObject("body").getString("type")));
  }

  /** Frames kept so far and not yet taken by a wait. */
  public synchronized List<JsonObject> frames() {
    return new ArrayList<>(frames);
  }

  /** Forgets every frame kept so far. */
  public synchronized void clearFrames() {
    frames.clear();
  }

  // ---- Flow and lifecycle

  /** Stops reading, as a browser tab that hangs: the server's writes back up. */
  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  public boolean isClosed() {
    return closed.future().isComplete();
  }

  /** Completes when the socket closed, with the close code (null when no close frame came). */
  public Future<Integer> closed() {
    return closed.future();
  }

  /** Waits until the socket is closed; returns the close code. */
  public Integer awaitClosed() {
    return Await.result(closed.future(), timeoutMs);
  }

  public void close() {
    vertx.cancelTimer(pinger);
    if (!isClosed()) {
      ws.close();
    }
  }

  private void ended() {
    Short code = ws.closeStatusCode();
    if (!closed.tryComplete(code == null ? null : code.intValue())) {
      return;
    }
    vertx.cancelTimer(pinger);
    String why = closedMessage("before the answer");
    pending.values().forEach(p -> p.tryFail(why));
    pending.clear();
    subscribing.forEach(p -> p.tryFail(why));
    List<Waiter> waiting;
    synchronized (this) {
      waiting = new ArrayList<>(waiters);
      waiters.clear();
    }
    waiting.forEach(w -> {
      vertx.cancelTimer(w.timer);
      w.promise.tryFail(closedMessage("and no frame received matches"));
    });
    if (ownClient != null) {
      ownClient.close();
    }
  }

  private String closedMessage(String what) {
    return "socket closed (code " + (closed.future().isComplete() ? closed.future().result() : null) + ") " + what;
  }

  private <T> T block(Future<T> future) {
    // A little longer than the socket's own timeouts, so that theirs, which say what was awaited, win.
    return Await.result(future, timeoutMs + 5_000);
  }
}
