package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.contract.Inbound;
import io.vertxchat.contract.Membership;
import io.vertxchat.http.auth.Admins;
import io.vertxchat.http.bridge.BridgeGuard.Close;
import io.vertxchat.http.bridge.BridgeGuard.Decision;
import io.vertxchat.http.bridge.BridgeGuard.Join;
import io.vertxchat.http.bridge.BridgeGuard.Leave;
import io.vertxchat.http.bridge.BridgeGuard.Ping;
import io.vertxchat.http.bridge.BridgeGuard.Refuse;
import io.vertxchat.http.bridge.BridgeGuard.Send;
import io.vertxchat.http.bridge.BridgeGuard.Subscribe;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The event-bus bridge at {@code /eventbus}, speaking the stock Vert.x bridge wire protocol (the
 * official JS client works unchanged) with our own policy and fan-out: {@link BridgeSockets} admits
 * and keeps sockets, {@link BridgeGuard} decides each frame, the chat verticle answers joins and
 * requests, {@link FanOuts} delivers channel events. This class only carries out the decisions.
 */
public final class ChatBridge {
  private static final Logger LOG = LoggerFactory.getLogger(ChatBridge.class);
  /** Joins and requests to the chat verticle: its own store timeout and then some. */
  private static final DeliveryOptions TO_CHAT = new DeliveryOptions().setSendTimeout(10_000);

  private final Vertx vertx;
  private final BridgeSockets sockets;
  private final BridgeGuard guard;
  private final FanOuts fanOuts;
  private final UserStreams userStreams;
  private final int socketQueueBytes;
  private final NodeStats stats;

  public ChatBridge(Vertx vertx, SessionStore sessionStore, Set<String> allowedOrigins, Admins admins, JsonObject limits) {
    this.vertx = vertx;
    this.sockets = new BridgeSockets(vertx, sessionStore, allowedOrigins, limits.getInteger("socketsPerUser"));
    this.guard = new BridgeGuard(admins, limits.getInteger("registrationsPerSocket"), limits.getInteger("maxFrameBytes"));
    this.fanOuts = new FanOuts(vertx);
    this.userStreams = new UserStreams(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_MEMBERS, m -> removed(m.body()));
    this.socketQueueBytes = limits.getInteger("socketQueueBytes");
    this.stats = NodeStats.of(vertx);
  }

  /** A socket opened on any transport ({@link BridgeEndpoints}). */
  void handle(BridgeSocket socket) {
    sockets.admit(socket).onSuccess(connection -> {
      if (connection == null) {
        return;
      }
      socket.setWriteQueueMaxSize(socketQueueBytes);
      socket.handler(buffer -> frame(connection, buffer));
      socket.closeHandler(v -> closed(connection));
      socket.resume();
    });
  }

  /** Closes every socket of a session that ended (sign-out on any node). */
  public void sessionEnded(String sessionId) {
    sockets.sessionEnded(sessionId);
  }

  /** Asks every open socket to reconnect (elsewhere); used when draining. */
  public void closeAll(int code, String reason) {
    sockets.closeAll(code, reason);
  }

  private void frame(BridgeConnection connection, Buffer buffer) {
    sockets.heard(connection);
    Decision decision = guard.decide(connection, buffer);
    if (decision instanceof Ping) {
      sockets.pinged(connection);
    } else if (decision instanceof Join join) {
      join(connection, join);
    } else if (decision instanceof Subscribe subscribe) {
      if (Addresses.USER_STREAM.equals(subscribe.address())) {
        userStreams.subscribe(connection);
      } else {
        fanOuts.subscribe(connection, subscribe.address());
      }
    } else if (decision instanceof Leave leave) {
      leave(connection, leave.address(), leave.channel());
    } else if (decision instanceof Send send) {
      send(connection, send);
    } else if (decision instanceof Refuse refuse) {
      refuse(connection, refuse);
    } else if (decision instanceof Close close) {
      stats.bridgeRejected(close.reason());
      connection.close(close.code(), close.text());
    }
  }

  private void join(BridgeConnection connection, Join join) {
    // Frames after a register wait until it is decided and the channel's events reach this node:
    // a client that subscribes and then asks for history "after" its last id must not miss a
    // message published in between.
    connection.socket.pause();
    Membership.Join request = new Membership.Join(join.channel(), connection.id, connection.publicUser);
    vertx.eventBus().<JsonObject>request(Addresses.JOIN, request, TO_CHAT).onComplete(reply -> {
      if (connection.isClosed()) {
        if (reply.succeeded()) {
          leaveChat(connection, join.channel());
        }
        return;
      }
      if (reply.failed()) {
        connection.socket.resume();
        refuse(connection, new Refuse(BridgeCodes.REJECTED, "no_such_channel", reply.cause().getMessage()));
        return;
      }
      Future<Void> ready = fanOuts.subscribe(connection, join.address());
      // The joiner gets the channel's presence at once, on its own socket, before any later event.
      connection.write(BridgeFrames.rec(join.address(), reply.result().body()));
      ready.onComplete(v -> {
        if (!connection.isClosed()) {
          connection.socket.resume();
        }
      });
    });
  }

  private void leave(BridgeConnection connection, String address, String channel) {
    if (Addresses.USER_STREAM.equals(address)) {
      userStreams.unsubscribe(connection);
    } else if (fanOuts.unsubscribe(connection, address) && channel != null) {
      leaveChat(connection, channel);
    }
  }

  private void leaveChat(BridgeConnection connection, String channel) {
    vertx.eventBus().send(Addresses.LEAVE, new Membership.Leave(channel, connection.id, connection.publicUser));
  }

  /**
   * People removed from a private channel: their sockets here stop receiving it now (the chat
   * verticle already refuses them everything else of it).
   */
  private void removed(JsonObject change) {
    String channel = change.getString("channel");
    String address = Addresses.channel(channel);
    for (Object id : change.getJsonArray("removed")) {
      for (BridgeConnection connection : sockets.of(((Number) id).longValue())) {
        if (connection.addresses.contains(address)) {
          leave(connection, address, channel);
        }
      }
    }
  }

  private void send(BridgeConnection connection, Send send) {
    Inbound request = new Inbound(connection.publicUser, send.body());
    if (send.replyAddress() == null) {
      vertx.eventBus().send(send.address(), request, TO_CHAT);
      return;
    }
    vertx.eventBus().request(send.address(), request, TO_CHAT).onComplete(result -> {
      if (result.succeeded()) {
        connection.write(BridgeFrames.rec(send.replyAddress(), result.result().body()));
      } else {
        connection.write(BridgeFrames.failure(send.replyAddress(), result.cause()));
      }
    });
  }

  private void closed(BridgeConnection connection) {
    if (!sockets.closed(connection)) {
      return;
    }
    for (String address : Set.copyOf(connection.addresses)) {
      leave(connection, address, Addresses.channelOf(address));
    }
  }

  private void refuse(BridgeConnection connection, Refuse refuse) {
    if (refuse.reason() != null) {
      stats.bridgeRejected(refuse.reason());
      LOG.debug("bridge refused for socket {}: {}", connection.id, refuse.why());
    }
    connection.write(BridgeFrames.err(refuse.word()));
  }
}
