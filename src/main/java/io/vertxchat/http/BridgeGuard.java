package io.vertxchat.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertxchat.contract.Addresses;
import io.vertxchat.http.auth.AuthRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Decides every bridge event; anything not explicitly allowed is refused.
 * <ul>
 *   <li>SOCKET_CREATED: only from an allowed Origin (a browser on another site cannot open a socket
 *   with the user's cookie), and within the per-user socket limit.</li>
 *   <li>REGISTER is a join: signed in, the channel exists, within the per-socket limit;
 *   {@code monitor.stats} needs an admin.</li>
 *   <li>SEND: signed in; the body's headers are replaced by the session user, so nothing a browser
 *   claims about identity is believed.</li>
 *   <li>PUBLISH: never; only the server publishes channel events.</li>
 *   <li>RECEIVE: a socket whose write queue is full (the peer stopped reading) gets nothing more
 *   and is closed, so one slow browser cannot grow server memory.</li>
 *   <li>SOCKET_PING keeps the cluster-wide session alive while the socket is open.</li>
 * </ul>
 */
final class BridgeGuard implements Handler<BridgeEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeGuard.class);
  private static final long SESSION_TOUCH_MS = 60_000;
  /** Close code for a socket dropped because it did not read fast enough. */
  static final int SLOW_CONSUMER_CLOSE = 4408;

  /** What the guard knows of one open socket. */
  private static final class SocketState {
    final String id = UUID.randomUUID().toString();
    final JsonObject user;
    final String sessionId;
    final Set<String> channels = new HashSet<>();
    long lastTouch = System.currentTimeMillis();
    boolean counted;
    boolean dropped;

    SocketState(JsonObject user, String sessionId) {
      this.user = user;
      this.sessionId = sessionId;
    }
  }

  private final Vertx vertx;
  private final SessionStore sessionStore;
  private final Set<String> allowedOrigins;
  private final Set<String> admins;
  private final int socketsPerUser;
  private final int registrationsPerSocket;
  private final int socketQueueBytes;
  private final Map<SockJSSocket, SocketState> sockets = new HashMap<>();
  /** Node-wide count of sockets per user, shared by every HTTP verticle instance. */
  private final LocalMap<Long, Integer> socketsByUser;
  private final Set<String> knownChannels = new HashSet<>();
  private long slowSocketsDropped;
  private final DeliveryOptions lookup = new DeliveryOptions().setSendTimeout(5_000);

  BridgeGuard(Vertx vertx, SessionStore sessionStore, Set<String> allowedOrigins, Set<String> admins, JsonObject limits) {
    this.vertx = vertx;
    this.sessionStore = sessionStore;
    this.allowedOrigins = allowedOrigins;
    this.admins = admins;
    this.socketsPerUser = limits.getInteger("socketsPerUser");
    this.registrationsPerSocket = limits.getInteger("registrationsPerSocket");
    this.socketQueueBytes = limits.getInteger("socketQueueBytes", 262_144);
    this.socketsByUser = vertx.sharedData().getLocalMap("chat.sockets-by-user");
  }

  /** Whether a session user is an admin: listed as {@code provider:subject} or by e-mail. */
  static boolean isAdmin(Set<String> admins, JsonObject user) {
    if (user == null) {
      return false;
    }
    String email = user.getString("email");
    return admins.contains(user.getString("provider") + ":" + user.getString("subject"))
      || (email != null && admins.contains(email.toLowerCase()));
  }

  @Override
  public void handle(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> socketCreated(event);
      case REGISTER -> register(event);
      case UNREGISTER -> unregister(event);
      case SEND -> send(event);
      case SOCKET_PING -> ping(event);
      case SOCKET_CLOSED -> closed(event);
      case RECEIVE -> receive(event);
      case REGISTERED, SOCKET_IDLE, SOCKET_ERROR -> event.complete(true);
      default -> refuse(event, "browsers may not " + type.name().toLowerCase());
    }
  }

  private void socketCreated(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    String origin = socket.headers().get("Origin");
    if (origin != null && !allowedOrigins.contains(origin)) {
      refuse(event, "origin " + origin + " is not allowed");
      return;
    }
    Session session = socket.webSession();
    JsonObject user = session == null ? null : session.get(AuthRoutes.SESSION_USER);
    SocketState state = new SocketState(user, session == null ? null : session.id());
    if (user != null) {
      int count = socketsByUser.merge(user.getLong("id"), 1, Integer::sum);
      state.counted = true;
      if (count > socketsPerUser) {
        socketsByUser.merge(user.getLong("id"), -1, BridgeGuard::sumOrNull);
        state.counted = false;
        refuse(event, "user " + user.getLong("id") + " has too many sockets open");
        return;
      }
    }
    socket.setWriteQueueMaxSize(socketQueueBytes);
    sockets.put(socket, state);
    event.complete(true);
  }

  /**
   * A socket whose peer stopped reading would buffer every channel event in server memory. Once
   * its write queue is over the cap, nothing more is written to it and it is closed; the browser
   * reconnects and resumes with {@code chat.history} after its last id.
   */
  private void receive(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    if (!socket.writeQueueFull()) {
      event.complete(true);
      return;
    }
    event.complete(false);
    SocketState state = sockets.get(socket);
    if (state != null && !state.dropped) {
      state.dropped = true;
      slowSocketsDropped++;
      LOG.info("closing socket {} of user {}: it is not reading and its write queue is full", state.id,
        state.user == null ? null : state.user.getLong("id"));
      socket.close(SLOW_CONSUMER_CLOSE, "too slow: reconnect and resume after your last id");
    }
  }

  private void register(BridgeEvent event) {
    SocketState state = sockets.get(event.socket());
    String address = event.getRawMessage().getString("address");
    if (state == null || state.user == null) {
      refuse(event, "register without a signed-in session");
      return;
    }
    if (Addresses.MONITOR_STATS.equals(address)) {
      if (isAdmin(admins, state.user)) {
        event.complete(true);
      } else {
        refuse(event, "monitor.stats needs an admin");
      }
      return;
    }
    String channel = Addresses.channelOf(address);
    if (channel == null) {
      refuse(event, "register to a non-channel address");
      return;
    }
    if (!state.channels.contains(channel) && state.channels.size() >= registrationsPerSocket) {
      refuse(event, "too many registrations on one socket");
      return;
    }
    channelExists(channel, exists -> {
      if (!exists || !sockets.containsKey(event.socket())) {
        refuse(event, "no channel '" + channel + "'");
        return;
      }
      state.channels.add(channel);
      event.complete(true);
      presence(state, channel, true);
      vertx.eventBus().send(Addresses.STORE_USER_LAST_CHANNEL,
        new JsonObject().put("id", state.user.getLong("id")).put("channel", channel));
    });
  }

  private void unregister(BridgeEvent event) {
    SocketState state = sockets.get(event.socket());
    String channel = Addresses.channelOf(event.getRawMessage().getString("address"));
    event.complete(true);
    if (state != null && channel != null && state.channels.remove(channel)) {
      presence(state, channel, false);
    }
  }

  private void send(BridgeEvent event) {
    SocketState state = sockets.get(event.socket());
    if (state == null || state.user == null) {
      refuse(event, "send without a signed-in session");
      return;
    }
    JsonObject raw = event.getRawMessage();
    // Only the server's word on identity: every header the browser sent is dropped.
    raw.put("headers", new JsonObject().put(Addresses.USER_HEADER, publicUser(state.user).encode()));
    event.setRawMessage(raw);
    event.complete(true);
  }

  private void ping(BridgeEvent event) {
    event.complete(true);
    SocketState state = sockets.get(event.socket());
    long now = System.currentTimeMillis();
    if (state == null || state.sessionId == null || now - state.lastTouch < SESSION_TOUCH_MS) {
      return;
    }
    state.lastTouch = now;
    // A live socket keeps its session alive on every node (vertx-web issue 2600).
    sessionStore.get(state.sessionId)
      .compose(session -> {
        if (session == null) {
          event.socket().close(4401, "session ended");
          return io.vertx.core.Future.succeededFuture();
        }
        session.setAccessed();
        return sessionStore.put(session);
      })
      .onFailure(e -> LOG.debug("could not refresh session of socket {}: {}", state.id, e.toString()));
  }

  private void closed(BridgeEvent event) {
    event.complete(true);
    SocketState state = sockets.remove(event.socket());
    if (state == null) {
      return;
    }
    state.channels.forEach(channel -> presence(state, channel, false));
    if (state.counted) {
      socketsByUser.merge(state.user.getLong("id"), -1, BridgeGuard::sumOrNull);
    }
  }

  /** Closes every socket of a session that ended (sign-out on any node). */
  void sessionEnded(String sessionId) {
    sockets.entrySet().stream()
      .filter(e -> sessionId.equals(e.getValue().sessionId))
      .map(Map.Entry::getKey)
      .toList()
      .forEach(socket -> socket.close(4401, "signed out"));
  }

  /** Asks every socket to reconnect elsewhere; used when the node drains. */
  void closeAll(int code, String reason) {
    sockets.keySet().stream().toList().forEach(socket -> socket.close(code, reason));
  }

  int openSockets() {
    return sockets.size();
  }

  /** Sockets closed so far because their write queue was full. */
  long slowSocketsDropped() {
    return slowSocketsDropped;
  }

  private void channelExists(String channel, Handler<Boolean> then) {
    if (knownChannels.contains(channel)) {
      then.handle(true);
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_GET, new JsonObject().put("name", channel), lookup)
      .onComplete(reply -> {
        if (reply.succeeded()) {
          // Channels are never deleted, so a positive answer can be kept.
          knownChannels.add(channel);
        }
        then.handle(reply.succeeded());
      });
  }

  private void presence(SocketState state, String channel, boolean joined) {
    vertx.eventBus().send(Addresses.PRESENCE_LOCAL, new JsonObject()
      .put("channel", channel)
      .put("socket", state.id)
      .put("user", publicUser(state.user))
      .put("joined", joined));
  }

  private static JsonObject publicUser(JsonObject user) {
    return io.vertxchat.contract.Shapes.publicUser(user);
  }

  private static Integer sumOrNull(Integer a, Integer b) {
    int sum = a + b;
    return sum <= 0 ? null : sum;
  }

  private static void refuse(BridgeEvent event, String why) {
    LOG.debug("bridge refused {}: {}", event.type(), why);
    event.complete(false);
  }
}
