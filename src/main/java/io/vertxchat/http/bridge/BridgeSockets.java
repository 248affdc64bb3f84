package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.http.auth.AuthRoutes;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The life of the bridge's sockets on one HTTP verticle instance: admission (not while draining,
 * only from an allowed Origin, within the per-user limit counted cluster-wide by
 * {@link SocketCounts}), keep-alive (a socket that stops pinging is closed, as the stock bridge
 * does; a live socket keeps its session alive), SockJS heartbeats, and the ends: sign-out on any
 * node, drain, close.
 */
final class BridgeSockets {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeSockets.class);
  private static final long PING_TIMEOUT_MS = 10_000;
  private static final long SESSION_TOUCH_MS = 60_000;
  /** SockJS clients expect a heartbeat frame this often (the stock session's default). */
  private static final long SOCKJS_HEARTBEAT_MS = 25_000;

  private final SessionStore sessionStore;
  private final Set<String> allowedOrigins;
  private final int socketsPerUser;
  private final NodeStats stats;
  private final Set<BridgeConnection> open = new LinkedHashSet<>();
  /** Sockets per user across the cluster (or this node, when not clustered). */
  private final SocketCounts socketsByUser;

  BridgeSockets(Vertx vertx, SessionStore sessionStore, Set<String> allowedOrigins, int socketsPerUser) {
    this.sessionStore = sessionStore;
    this.allowedOrigins = allowedOrigins;
    this.socketsPerUser = socketsPerUser;
    this.stats = NodeStats.of(vertx);
    this.socketsByUser = SocketCounts.of(vertx);
    vertx.setPeriodic(PING_TIMEOUT_MS / 2, id -> closeWhere(c -> System.currentTimeMillis() - c.lastSeen > PING_TIMEOUT_MS,
      BridgeCodes.GOING_AWAY, "no ping"));
    // One timer for every socket of the instance, not one per socket as the stock SockJS session keeps.
    vertx.setPeriodic(SOCKJS_HEARTBEAT_MS, id -> open.forEach(c -> c.socket.heartbeat()));
  }

  /**
   * The socket as a connection, or null when it was refused (and closed with the reason). A
   * signed-in socket is paused while its user's sockets are counted (a cluster round trip when
   * clustered): the caller sets its handlers and resumes it. If the count cannot be reached, the
   * socket is admitted uncounted rather than refused.
   */
  Future<BridgeConnection> admit(BridgeSocket socket) {
    String origin = socket.origin();
    if (stats.draining()) {
      stats.bridgeRejected("draining");
      socket.close(BridgeCodes.GOING_AWAY, "server going away, reconnect");
      return Future.succeededFuture();
    }
    if (origin != null && !allowedOrigins.contains(origin)) {
      LOG.debug("socket refused: origin {} is not allowed", origin);
      stats.bridgeRejected("origin");
      socket.close(BridgeCodes.ORIGIN_NOT_ALLOWED, "origin not allowed");
      return Future.succeededFuture();
    }
    Session session = socket.session();
    JsonObject user = session == null ? null : session.get(AuthRoutes.SESSION_USER);
    BridgeConnection connection = new BridgeConnection(socket, user, session == null ? null : session.id());
    if (user == null) {
      return Future.succeededFuture(opened(connection));
    }
    long userId = user.getLong("id");
    socket.pause();
    // A socket that closes while it is counted must give its count back.
    socket.closeHandler(v -> connection.markClosed());
    return socketsByUser.take(userId, socketsPerUser).transform(taken -> {
      if (taken.failed()) {
        LOG.warn("socket of user {} admitted uncounted: the socket counts did not answer ({})", userId, taken.cause().toString());
      } else if (!taken.result()) {
        stats.bridgeRejected("too_many_sockets");
        socket.close(BridgeCodes.TOO_MANY_SOCKETS, "too many sockets for this user");
        return Future.succeededFuture();
      } else {
        connection.counted = true;
      }
      if (connection.isClosed()) {
        release(connection);
        return Future.succeededFuture();
      }
      return Future.succeededFuture(opened(connection));
    });
  }

  private BridgeConnection opened(BridgeConnection connection) {
    open.add(connection);
    stats.socketOpened();
    return connection;
  }

  /** A frame arrived: the socket is alive. */
  void heard(BridgeConnection connection) {
    connection.lastSeen = System.currentTimeMillis();
  }

  /**
   * A ping: now and then the socket's session is refreshed in the store, so a live socket keeps its
   * session alive on every node (vertx-web issue 2600); an ended session closes the socket.
   */
  void pinged(BridgeConnection connection) {
    long now = System.currentTimeMillis();
    if (connection.sessionId == null || now - connection.lastSessionTouch < SESSION_TOUCH_MS) {
      return;
    }
    connection.lastSessionTouch = now;
    sessionStore.get(connection.sessionId)
      .compose(session -> {
        if (session == null) {
          connection.close(BridgeCodes.SIGNED_OUT, "session ended");
          return Future.succeededFuture();
        }
        session.setAccessed();
        return sessionStore.put(session);
      })
      .onFailure(e -> LOG.debug("could not refresh the session of socket {}: {}", connection.id, e.toString()));
  }

  /** The socket closed; true the first time (the caller then drops its subscriptions). */
  boolean closed(BridgeConnection connection) {
    connection.markClosed();
    if (!open.remove(connection)) {
      return false;
    }
    stats.socketClosed();
    release(connection);
    return true;
  }

  /** Closes every socket of a session that ended (sign-out on any node). */
  void sessionEnded(String sessionId) {
    closeWhere(c -> sessionId.equals(c.sessionId), BridgeCodes.SIGNED_OUT, "signed out");
  }

  /** The open sockets of {@code userId} on this instance. */
  List<BridgeConnection> of(long userId) {
    return open.stream().filter(c -> c.signedIn() && c.user.getLong("id") == userId).toList();
  }

  /** Asks every open socket to reconnect (elsewhere); used when draining. */
  void closeAll(int code, String reason) {
    closeWhere(c -> true, code, reason);
  }

  private void closeWhere(Predicate<BridgeConnection> which, int code, String reason) {
    open.stream().filter(which).toList().forEach(c -> c.close(code, reason));
  }

  private void release(BridgeConnection connection) {
    if (connection.counted) {
      connection.counted = false;
      socketsByUser.release(connection.user.getLong("id"));
    }
  }
}
