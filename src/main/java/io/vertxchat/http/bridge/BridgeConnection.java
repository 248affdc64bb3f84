package io.vertxchat.http.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.contract.Shapes;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One open bridge socket: who it belongs to, what it subscribed, and when it was last heard from. */
final class BridgeConnection {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);

  final String id = UUID.randomUUID().toString();
  final BridgeSocket socket;
  /** The session user's {@code User} JSON (with subject and email), or null when not signed in. */
  final JsonObject user;
  /** The same user as the contract's public {@code User}, built once for every request of the socket. */
  final JsonObject publicUser;
  final String sessionId;
  final Set<String> addresses = new HashSet<>();
  long lastSeen = System.currentTimeMillis();
  long lastSessionTouch = System.currentTimeMillis();
  boolean counted;
  private boolean closed;

  BridgeConnection(BridgeSocket socket, JsonObject user, String sessionId) {
    this.socket = socket;
    this.user = user;
    this.publicUser = user == null ? null : Shapes.publicUser(user);
    this.sessionId = sessionId;
  }

  boolean signedIn() {
    return user != null;
  }

  void write(Buffer frame) {
    if (!closed) {
      socket.write(frame);
    }
  }

  /**
   * Writes a fan-out frame, unless this socket stopped reading: then it is closed rather than
   * let its queue grow without bound. The client resumes with {@code chat.history after} its last id.
   *
   * @return false when this call closed the socket as too slow (the caller counts it)
   */
  boolean deliver(MessageFrames frames) {
    if (closed) {
      return true;
    }
    try {
      if (socket.writeQueueFull()) {
        LOG.info("closing socket {} of user {}: it is not reading and its write queue is full", id,
          user == null ? null : user.getLong("id"));
        close(BridgeCodes.TOO_SLOW, "too slow: reconnect and resume after your last id");
        return false;
      }
      socket.deliver(frames);
    } catch (IllegalStateException e) {
      // The WebSocket closed under us (its close handler has not run yet): nothing to deliver.
      closed = true;
    }
    return true;
  }

  void close(int code, String reason) {
    if (!closed) {
      closed = true;
      socket.close(code, reason);
    }
  }

  boolean isClosed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }
}
