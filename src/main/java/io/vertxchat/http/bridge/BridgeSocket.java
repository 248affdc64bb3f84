package io.vertxchat.http.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Session;

/**
 * One browser's bridge transport as the bridge uses it: bridge messages (JSON texts) in and out.
 * {@link WebSocketBridgeSocket} is the WebSocket transports (raw and SockJS), written frame by frame
 * without Vert.x's per-write encoding and flushing; {@link SockJSBridgeSocket} the other SockJS
 * transports, through Vert.x's SockJS session.
 */
interface BridgeSocket {
  /** The Origin (or Referer) the page opened the socket from, or null. */
  String origin();

  /** The web session the socket was opened with, or null. */
  Session session();

  void handler(Handler<Buffer> messages);

  void closeHandler(Handler<Void> closed);

  void setWriteQueueMaxSize(int bytes);

  /** Sends one message to this socket alone (a reply, presence, a refusal). */
  void write(Buffer message);

  /** Sends one fan-out message; its frame is shared with every other socket of the fan-out. */
  void deliver(MessageFrames frames);

  /** True when the socket stopped reading: its queue holds its limit of unsent bytes. */
  boolean writeQueueFull();

  /** Stops (and restarts) reading the socket's frames. */
  void pause();

  void resume();

  /** Closes with a close code the client acts on (SockJS transports carry it in their close frame). */
  void close(int code, String reason);

  /** A SockJS heartbeat for transports that need one; the others ignore it. */
  default void heartbeat() {
  }
}
