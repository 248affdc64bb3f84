package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.Shapes;
import io.vertxchat.http.auth.AuthRoutes;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The event-bus bridge at {@code /eventbus}, speaking the stock Vert.x bridge wire protocol (the
 * official JS client works unchanged) with our own policy and fan-out. Deny by default:
 * <ul>
 *   <li>A socket opens only from an allowed Origin, within the per-user socket limit.</li>
 *   <li>{@code register} is a join: signed in, the channel exists, within the per-socket limit;
 *   {@code monitor.stats} needs an admin. Nothing else may be registered.</li>
 *   <li>{@code send} goes only to the inbound {@code chat.*} addresses; every header the browser
 *   sent is replaced by the session user, so identity comes only from the session.</li>
 *   <li>{@code publish} is never allowed: only the server publishes channel events.</li>
 * </ul>
 * Outbound, each HTTP verticle instance holds one event-bus consumer per subscribed address and
 * writes each message, encoded once, to every local socket ({@link ChannelFanOut}).
 */
public final class ChatBridge implements Handler<SockJSSocket> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatBridge.class);
  private static final Pattern INBOUND = Pattern.compile(Addresses.INBOUND_REGEX);
  private static final long PING_TIMEOUT_MS = 10_000;
  private static final long SESSION_TOUCH_MS = 60_000;
  private static final long REPLY_TIMEOUT_MS = 10_000;
  private static final int MAX_REPLY_ADDRESS = 36;

  private final Vertx vertx;
  private final SessionStore sessionStore;
  private final Set<String> allowedOrigins;
  private final Set<String> admins;
  private final int socketsPerUser;
  private final int registrationsPerSocket;
  private final int maxFrameBytes;
  private final int socketQueueBytes;
  private final Set<BridgeConnection> connections = new LinkedHashSet<>();
  private final Map<String, ChannelFanOut> fanOuts = new HashMap<>();
  /** Node-wide count of sockets per user, shared by every HTTP verticle instance. */
  private final LocalMap<Long, Integer> socketsByUser;
  private final Set<String> knownChannels = new HashSet<>();
  private final Map<Long, String> lastChannels = new HashMap<>();
  private final DeliveryOptions lookup = new DeliveryOptions().setSendTimeout(5_000);
  private final NodeStats stats;

  public ChatBridge(Vertx vertx, SessionStore sessionStore, Set<String> allowedOrigins, Set<String> admins,
                    JsonObject limits) {
    this.vertx = vertx;
    this.sessionStore = sessionStore;
    this.allowedOrigins = allowedOrigins;
    this.admins = admins;
    this.socketsPerUser = limits.getInteger("socketsPerUser");
    this.registrationsPerSocket = limits.getInteger("registrationsPerSocket");
    this.maxFrameBytes = limits.getInteger("maxFrameBytes");
    this.socketQueueBytes = limits.getInteger("socketQueueBytes");
    this.socketsByUser = vertx.sharedData().getLocalMap("chat.sockets-by-user");
    this.stats = NodeStats.of(vertx);
    vertx.setPeriodic(PING_TIMEOUT_MS / 2, id -> closeSilentSockets());
  }

  /** Whether a session user is an admin: listed as {@code provider:subject} or by e-mail. */
  public static boolean isAdmin(Set<String> admins, JsonObject user) {
    if (user == null) {
      return false;
    }
    String email = user.getString("email");
    return admins.contains(user.getString("provider") + ":" + user.getString("subject"))
      || (email != null && admins.contains(email.toLowerCase()));
  }

  @Override
  public void handle(SockJSSocket socket) {
    String origin = socket.headers().get("Origin");
    if (stats.draining()) {
      stats.bridgeRejected("draining");
      socket.close(1001, "server going away, reconnect");
      return;
    }
    if (origin != null && !allowedOrigins.contains(origin)) {
      LOG.debug("socket refused: origin {} is not allowed", origin);
      stats.bridgeRejected("origin");
      socket.close(4403, "origin not allowed");
      return;
    }
    Session session = socket.webSession();
    JsonObject user = session == null ? null : session.get(AuthRoutes.SESSION_USER);
    BridgeConnection connection = new BridgeConnection(socket, user, session == null ? null : session.id());
    if (user != null) {
      int count = socketsByUser.merge(user.getLong("id"), 1, Integer::sum);
      connection.counted = true;
      if (count > socketsPerUser) {
        release(connection);
        stats.bridgeRejected("too_many_sockets");
        socket.close(4429, "too many sockets for this user");
        return;
      }
    }
    connections.add(connection);
    stats.socketOpened();
    socket.setWriteQueueMaxSize(socketQueueBytes);
    socket.handler(buffer -> frame(connection, buffer));
    socket.exceptionHandler(e -> LOG.debug("socket {} failed: {}", connection.id, e.toString()));
    socket.closeHandler(v -> closed(connection));
  }

  private void frame(BridgeConnection connection, Buffer buffer) {
    connection.lastSeen = System.currentTimeMillis();
    if (buffer.length() > maxFrameBytes) {
      stats.bridgeRejected("frame_too_large");
      connection.close(1009, "frame too large");
      return;
    }
    JsonObject frame;
    try {
      frame = buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      connection.write(BridgeFrames.err("invalid_json"));
      return;
    }
    Object type = frame.getValue("type");
    if (type == null) {
      connection.write(BridgeFrames.err("missing_type"));
      return;
    }
    if (!(type instanceof String)) {
      connection.write(BridgeFrames.err("invalid_type"));
      return;
    }
    switch ((String) type) {
      case "ping" -> ping(connection);
      case "register" -> register(connection, frame);
      case "unregister" -> unregister(connection, frame);
      case "send" -> send(connection, frame);
      case "publish" -> publish(connection, frame);
      default -> connection.write(BridgeFrames.err("invalid_type"));
    }
  }

  private void register(BridgeConnection connection, JsonObject frame) {
    Object value = frame.getValue("address");
    if (value == null) {
      connection.write(BridgeFrames.err("missing_address"));
      return;
    }
    if (!(value instanceof String address)) {
      reject(connection, "not_a_channel", "register to a non-string address");
      return;
    }
    if (!connection.signedIn()) {
      reject(connection, "not_signed_in", "register without a signed-in session");
      return;
    }
    if (connection.addresses.contains(address)) {
      return;
    }
    if (connection.addresses.size() >= registrationsPerSocket) {
      reject(connection, "too_many_registrations", "too many registrations on one socket");
      return;
    }
    if (Addresses.MONITOR_STATS.equals(address)) {
      if (isAdmin(admins, connection.user)) {
        subscribe(connection, address);
      } else {
        reject(connection, "not_admin", "monitor.stats needs an admin");
      }
      return;
    }
    String channel = Addresses.channelOf(address);
    if (channel == null) {
      reject(connection, "not_a_channel", "register to a non-channel address");
      return;
    }
    // Frames after a register wait until it is decided: a client that subscribes and then asks
    // for history "after" its last id must not miss a message published in between.
    connection.socket.pause();
    channelExists(channel).onComplete(exists -> {
      if (connection.isClosed()) {
        return;
      }
      connection.socket.resume();
      if (exists.failed()) {
        reject(connection, "no_such_channel", "no channel '" + channel + "'");
        return;
      }
      subscribe(connection, address);
      presence(connection, channel, true);
      // The joiner gets the list at once, on its own socket: a channel-wide publish per join would
      // send every subscriber a list per joiner.
      vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_GET, new JsonObject().put("channel", channel), lookup)
        .onSuccess(reply -> connection.write(BridgeFrames.rec(address, reply.body())));
      rememberLastChannel(connection.user.getLong("id"), channel);
    });
  }

  private void subscribe(BridgeConnection connection, String address) {
    if (connection.addresses.add(address)) {
      fanOuts.computeIfAbsent(address, a -> new ChannelFanOut(vertx, a, stats::fanoutDeliveries)).add(connection);
      String channel = Addresses.channelOf(address);
      if (channel != null) {
        stats.subscribed(channel);
      }
    }
  }

  private void unregister(BridgeConnection connection, JsonObject frame) {
    String address = frame.getValue("address") instanceof String a ? a : null;
    if (address == null) {
      connection.write(BridgeFrames.err("missing_address"));
      return;
    }
    if (Addresses.channelOf(address) == null && !Addresses.MONITOR_STATS.equals(address)) {
      deny(connection, "not_outbound", "unregister from an address nobody may register");
      return;
    }
    if (leave(connection, address)) {
      String channel = Addresses.channelOf(address);
      if (channel != null) {
        presence(connection, channel, false);
      }
    }
  }

  private boolean leave(BridgeConnection connection, String address) {
    if (!connection.addresses.remove(address)) {
      return false;
    }
    String channel = Addresses.channelOf(address);
    if (channel != null) {
      stats.unsubscribed(channel);
    }
    ChannelFanOut fanOut = fanOuts.get(address);
    if (fanOut != null && fanOut.remove(connection)) {
      fanOuts.remove(address);
      fanOut.close();
    }
    return true;
  }

  private void publish(BridgeConnection connection, JsonObject frame) {
    if (frame.getValue("address") == null) {
      connection.write(BridgeFrames.err("missing_address"));
      return;
    }
    reject(connection, "publish", "browsers may not publish");
  }

  private void send(BridgeConnection connection, JsonObject frame) {
    Object value = frame.getValue("address");
    if (value == null) {
      connection.write(BridgeFrames.err("missing_address"));
      return;
    }
    if (!connection.signedIn()) {
      reject(connection, "not_signed_in", "send without a signed-in session");
      return;
    }
    if (!(value instanceof String address) || !INBOUND.matcher(address).matches()) {
      deny(connection, "not_inbound", "send to a non-inbound address");
      return;
    }
    // A reply address that is not a string is ignored, as the stock bridge does: no reply.
    Object replyAddress = frame.getValue("replyAddress") instanceof String r ? r : null;
    if (replyAddress != null && ((String) replyAddress).length() > MAX_REPLY_ADDRESS) {
      connection.write(BridgeFrames.err("invalid_reply_address"));
      return;
    }
    // Only the server's word on identity: whatever headers the browser sent are not passed on.
    DeliveryOptions options = new DeliveryOptions()
      .setSendTimeout(REPLY_TIMEOUT_MS)
      .addHeader(Addresses.USER_HEADER, Shapes.publicUser(connection.user).encode());
    Object body = frame.getValue("body");
    if (replyAddress == null) {
      vertx.eventBus().send(address, body, options);
      return;
    }
    String reply = (String) replyAddress;
    vertx.eventBus().request(address, body, options).onComplete(result -> {
      if (result.succeeded()) {
        connection.write(BridgeFrames.rec(reply, result.result().body()));
      } else {
        connection.write(BridgeFrames.failure(reply, result.cause()));
      }
    });
  }

  private void ping(BridgeConnection connection) {
    long now = System.currentTimeMillis();
    if (connection.sessionId == null || now - connection.lastSessionTouch < SESSION_TOUCH_MS) {
      return;
    }
    connection.lastSessionTouch = now;
    // A live socket keeps its session alive on every node (vertx-web issue 2600).
    sessionStore.get(connection.sessionId)
      .compose(session -> {
        if (session == null) {
          connection.close(4401, "session ended");
          return Future.succeededFuture();
        }
        session.setAccessed();
        return sessionStore.put(session);
      })
      .onFailure(e -> LOG.debug("could not refresh the session of socket {}: {}", connection.id, e.toString()));
  }

  private void closed(BridgeConnection connection) {
    connection.markClosed();
    if (!connections.remove(connection)) {
      return;
    }
    stats.socketClosed();
    for (String address : Set.copyOf(connection.addresses)) {
      leave(connection, address);
      String channel = Addresses.channelOf(address);
      if (channel != null) {
        presence(connection, channel, false);
      }
    }
    release(connection);
  }

  private void release(BridgeConnection connection) {
    if (connection.counted) {
      connection.counted = false;
      socketsByUser.merge(connection.user.getLong("id"), -1, (a, b) -> a + b <= 0 ? null : a + b);
    }
  }

  /** Closes sockets that have not pinged in time, as the stock bridge's ping timeout does. */
  private void closeSilentSockets() {
    long now = System.currentTimeMillis();
    connections.stream()
      .filter(c -> now - c.lastSeen > PING_TIMEOUT_MS)
      .toList()
      .forEach(c -> c.close(1001, "no ping"));
  }

  /** Closes every socket of a session that ended (sign-out on any node). */
  public void sessionEnded(String sessionId) {
    connections.stream()
      .filter(c -> sessionId.equals(c.sessionId))
      .toList()
      .forEach(c -> c.close(4401, "signed out"));
  }

  /** Asks every open socket to reconnect (elsewhere); used when draining. */
  public void closeAll(int code, String reason) {
    connections.stream().toList().forEach(c -> c.close(code, reason));
  }

  /** Remembers the user's last channel; many sockets of one user joining one channel write it once. */
  private void rememberLastChannel(long userId, String channel) {
    if (!channel.equals(lastChannels.put(userId, channel))) {
      vertx.eventBus().send(Addresses.STORE_USER_LAST_CHANNEL, new JsonObject().put("id", userId).put("channel", channel));
    }
    if (lastChannels.size() > 10_000) {
      lastChannels.clear();
    }
  }

  private Future<Void> channelExists(String channel) {
    if (knownChannels.contains(channel)) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_GET, new JsonObject().put("name", channel), lookup)
      .map(reply -> {
        // Channels are never deleted, so a positive answer can be kept.
        knownChannels.add(channel);
        return null;
      });
  }

  private void presence(BridgeConnection connection, String channel, boolean joined) {
    vertx.eventBus().send(Addresses.PRESENCE_LOCAL, new JsonObject()
      .put("channel", channel)
      .put("socket", connection.id)
      .put("user", Shapes.publicUser(connection.user))
      .put("joined", joined));
  }

  /**
   * Refusals use the stock bridge's two words: {@code rejected} when the policy says no to this
   * socket (not signed in, not an admin, no such channel, a limit, any publish), {@code access_denied}
   * when no browser may ever use the address. {@code reason} is a fixed word for the metric.
   */
  private void reject(BridgeConnection connection, String reason, String why) {
    refuse(connection, reason, why, "rejected");
  }

  private void deny(BridgeConnection connection, String reason, String why) {
    refuse(connection, reason, why, "access_denied");
  }

  private void refuse(BridgeConnection connection, String reason, String why, String word) {
    stats.bridgeRejected(reason);
    LOG.debug("bridge refused for socket {}: {}", connection.id, why);
    connection.write(BridgeFrames.err(word));
  }
}
