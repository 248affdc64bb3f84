package io.vertxchat.http.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SockJS's fallback transports (xhr streaming and polling, EventSource...), through Vert.x's SockJS session. */
final class SockJSBridgeSocket implements BridgeSocket {
  private static final Logger LOG = LoggerFactory.getLogger(SockJSBridgeSocket.class);

  private final SockJSSocket socket;

  SockJSBridgeSocket(SockJSSocket socket) {
    this.socket = socket;
    socket.exceptionHandler(e -> LOG.debug("SockJS socket failed: {}", e.toString()));
  }

  @Override
  public String origin() {
    return socket.headers().get("Origin");
  }

  @Override
  public Session session() {
    return socket.webSession();
  }

  @Override
  public void handler(Handler<Buffer> messages) {
    socket.handler(messages);
  }

  @Override
  public void closeHandler(Handler<Void> closed) {
    socket.closeHandler(closed);
  }

  @Override
  public void setWriteQueueMaxSize(int bytes) {
    socket.setWriteQueueMaxSize(bytes);
  }

  @Override
  public void write(Buffer message) {
    socket.write(message);
  }

  @Override
  public void deliver(MessageFrames frames) {
    socket.write(frames.message());
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
  }

  @Override
  public void close(int code, String reason) {
    socket.close(code, reason);
  }
}
