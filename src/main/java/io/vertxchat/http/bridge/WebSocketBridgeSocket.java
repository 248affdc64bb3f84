package io.vertxchat.http.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Session;
import io.vertxchat.http.bridge.WireFrames.Framing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bridge socket on a WebSocket, raw ({@code /eventbus/websocket}) or SockJS-framed
 * ({@code /eventbus/<server>/<session>/websocket}), byte for byte what the stock transports send.
 * Every frame it sends goes through {@link WireFrames} and is flushed by the {@link TurnFlusher}.
 */
final class WebSocketBridgeSocket implements BridgeSocket {
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketBridgeSocket.class);

  private final ServerWebSocket ws;
  private final Channel channel;
  private final ChannelHandlerContext output;
  private final Framing framing;
  private final TurnFlusher flusher;
  private final int maxFrameBytes;
  private final String origin;
  private Session session;
  private Handler<Buffer> handler;
  private boolean closed;
  /** Written since the last flush; kept by the flusher. */
  boolean flushPending;

  WebSocketBridgeSocket(ServerWebSocket ws, Channel channel, Framing framing, TurnFlusher flusher, int maxFrameBytes,
                        String origin, Session session) {
    this.ws = ws;
    this.channel = channel;
    this.output = WireFrames.frameOutput(channel);
    if (!WireFrames.releaseUpgradeRequest(channel)) {
      LOG.debug("could not release the upgrade request of a WebSocket: it stays in memory");
    }
    this.maxFrameBytes = maxFrameBytes;
    this.framing = framing;
    this.flusher = flusher;
    this.origin = origin;
    this.session = session;
    ws.exceptionHandler(e -> LOG.debug("WebSocket failed: {}", e.toString()));
    if (framing == Framing.SOCKJS) {
      ws.textMessageHandler(this::sockJsMessages);
      send(sockJs("o"));
    } else {
      ws.textMessageHandler(text -> received(Buffer.buffer(text)));
      ws.binaryMessageHandler(this::received);
    }
  }

  @Override
  public String origin() {
    return origin;
  }

  /** The session the socket opened with; handed over once, at admission, and not kept. */
  @Override
  public Session session() {
    Session s = session;
    session = null;
    return s;
  }

  @Override
  public void handler(Handler<Buffer> messages) {
    this.handler = messages;
  }

  @Override
  public void closeHandler(Handler<Void> closedHandler) {
    ws.closeHandler(v -> {
      closed = true;
      closedHandler.handle(null);
    });
  }

  @Override
  public void setWriteQueueMaxSize(int bytes) {
    ws.setWriteQueueMaxSize(bytes);
  }

  @Override
  public void write(Buffer message) {
    if (live()) {
      send(WireFrames.frame(channel.alloc(), framing, message, maxFrameBytes));
    }
  }

  @Override
  public void deliver(MessageFrames frames) {
    if (live()) {
      send(frames.frame(framing, channel.alloc(), maxFrameBytes));
    }
  }

  /** Unflushed bytes count toward the limit too: send them before calling the socket full. */
  @Override
  public boolean writeQueueFull() {
    if (WireFrames.writable(channel)) {
      return false;
    }
    flushNow();
    return !WireFrames.writable(channel);
  }

  @Override
  public void pause() {
    ws.pause();
  }

  @Override
  public void resume() {
    ws.resume();
  }

  @Override
  public void close(int code, String reason) {
    if (closed) {
      return;
    }
    if (framing == Framing.SOCKJS && live()) {
      send(sockJs("c" + new JsonArray().add(code).add(reason).encode()));
    }
    closed = true;
    flushNow();
    if (framing == Framing.SOCKJS) {
      ws.close();
    } else {
      ws.close((short) code, reason);
    }
  }

  @Override
  public void heartbeat() {
    if (framing == Framing.SOCKJS && live()) {
      send(sockJs("h"));
    }
  }

  void flushNow() {
    output.flush();
  }

  private boolean live() {
    return !closed && WireFrames.open(channel);
  }

  private ByteBuf sockJs(String text) {
    return WireFrames.sockJs(channel.alloc(), text, maxFrameBytes);
  }

  private void send(ByteBuf frame) {
    WireFrames.write(output, frame);
    flusher.touched(this, channel.eventLoop());
  }

  private void received(Buffer message) {
    if (handler != null && !closed) {
      handler.handle(message);
    }
  }

  /** A SockJS client sends {@code ["m1","m2"]} or {@code "m"}; empty frames are ignored, like the stock transport does. */
  private void sockJsMessages(String text) {
    if (text.isEmpty() || text.equals("[]")) {
      return;
    }
    Object decoded;
    try {
      decoded = Json.decodeValue(text);
    } catch (DecodeException e) {
      decoded = null;
    }
    if (decoded instanceof String message) {
      received(Buffer.buffer(message));
    } else if (decoded instanceof JsonArray messages && messages.stream().allMatch(String.class::isInstance)) {
      messages.forEach(m -> received(Buffer.buffer((String) m)));
    } else {
      close(1002, "not SockJS frames: send a JSON array of strings");
    }
  }
}
