package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The chat rules: validates every inbound request, authorizes it (identity only from the
 * {@link Addresses#USER_HEADER} header the bridge guard set), rate-limits, stores through the
 * persistence verticle, then publishes the channel event. Also keeps presence across nodes.
 * One instance per node, so each channel's messages are sequenced in one place.
 *
 * <p>Config: {@code {"node","storeConcurrency","limits":{...}}}.
 */
public class ChatVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ChatVerticle.class);
  private static final long PRESENCE_ANNOUNCE_MS = 5_000;
  private static final long PRESENCE_EXPIRY_MS = 15_000;
  private static final long PRESENCE_COALESCE_MS = 250;
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);
  /** To a channel's owner: its own store timeout (5 s) plus the way there and back. */
  private static final DeliveryOptions FORWARD = new DeliveryOptions().setSendTimeout(7_000);
  private static final long DRAIN_TIMEOUT_S = 10;

  private String nodeId;
  private ChannelWriter writer;
  private Presence presence;
  private RateLimiter sends;
  private RateLimiter typing;
  private RateLimiter channelCreates;
  private NodeStats stats;
  private ChannelOwners owners;
  private final java.util.Set<String> presenceScheduled = new java.util.HashSet<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  @Override
  public Future<?> start() {
    nodeId = config().getString("node");
    JsonObject limits = config().getJsonObject("limits");
    writer = new ChannelWriter(vertx, config().getInteger("storeConcurrency", 8));
    stats = NodeStats.of(vertx);
    owners = new ChannelOwners(vertx, nodeId);
    presence = new Presence(nodeId, PRESENCE_EXPIRY_MS);
    sends = new RateLimiter(limits.getInteger("sendsPerSecond"), limits.getInteger("sendBurst"));
    typing = new RateLimiter(0.5, 2);
    channelCreates = new RateLimiter(limits.getInteger("channelCreatesPerMinute") / 60.0,
      limits.getInteger("channelCreatesPerMinute"));

    vertx.setPeriodic(PRESENCE_ANNOUNCE_MS, id -> announcePresence());
    vertx.setPeriodic(60_000, id -> {
      sends.forgetIdle();
      typing.forgetIdle();
      channelCreates.forgetIdle();
    });

    return Future.all(List.of(
      inbound(Addresses.SEND, this::send),
      inbound(Addresses.EDIT, this::edit),
      inbound(Addresses.DELETE, this::delete),
      inbound(Addresses.HISTORY, this::history),
      inbound(Addresses.TYPING, this::typing),
      inbound(Addresses.CHANNEL_CREATE, this::createChannel),
      register(vertx.eventBus().<JsonObject>consumer(Addresses.writerOn(nodeId), this::writeForOtherNode)),
      register(vertx.eventBus().<JsonObject>localConsumer(Addresses.CHAT_DRAIN,
        m -> writer.idle().onComplete(v -> m.reply(new JsonObject())))),
      register(vertx.eventBus().<JsonObject>localConsumer(Addresses.PRESENCE_LOCAL, m -> localPresence(m.body()))),
      register(vertx.eventBus().<JsonObject>localConsumer(Addresses.PRESENCE_GET, this::presenceOf)),
      register(vertx.eventBus().<JsonObject>consumer(Addresses.PRESENCE_NODE, m -> remotePresence(m.body())))
    ));
  }

  @Override
  public Future<?> stop() {
    // Tell the other nodes at once that this node's users are gone, rather than waiting for expiry.
    presence.localChannels().forEach(channel ->
      vertx.eventBus().publish(Addresses.PRESENCE_NODE, nodeView(channel, new JsonArray())));
    // Finish the stores in flight, so every send that was accepted gets its answer.
    return writer.idle()
      .timeout(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)
      .recover(e -> {
        LOG.warn("stopping with {} send(s) still waiting for storage", writer.backlog());
        return Future.succeededFuture();
      });
  }

  private Future<Void> register(MessageConsumer<?> consumer) {
    consumers.add(consumer);
    return consumer.completion();
  }

  /**
   * Registers a local consumer for a signed-in request: the handler gets the user and the body;
   * a thrown {@link ChatException} becomes its failure reply.
   */
  private Future<Void> inbound(String address, BiFunction<JsonObject, Message<Object>, Future<Object>> handler) {
    return register(vertx.eventBus().<Object>localConsumer(address, message -> {
      try {
        JsonObject user = signedInUser(message);
        Future<Object> result = handler.apply(user, message);
        if (result != null) {
          result.onComplete(reply -> {
            if (reply.succeeded()) {
              message.reply(reply.result());
            } else {
              int code = ChatException.codeOf(reply.cause());
              message.fail(code, code == ErrorCodes.STORAGE_UNAVAILABLE ? "storage unavailable, try again"
                : reply.cause().getMessage());
            }
          });
        }
      } catch (ChatException e) {
        message.fail(e.failureCode(), e.getMessage());
      }
    }));
  }

  private static JsonObject signedInUser(Message<?> message) {
    String header = message.headers().get(Addresses.USER_HEADER);
    if (header == null) {
      throw new ChatException(ErrorCodes.NOT_SIGNED_IN, "sign in first");
    }
    return new JsonObject(header);
  }

  private void requireToken(RateLimiter limiter, Object key, String what) {
    if (!limiter.tryAcquire(key)) {
      stats.rateLimited(switch (what) {
        case "messages" -> "send";
        case "edits" -> "edit";
        case "deletions" -> "delete";
        default -> "channel_create";
      });
      int retry = Math.max(1, limiter.retryAfterSeconds(key));
      throw new ChatException(ErrorCodes.RATE_LIMITED, "too many " + what + "; retry in " + retry + " s");
    }
  }

  // ---- Handlers. Each returns the reply's future, or null when it replies by itself.

  private Future<Object> send(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    String channel = MessageRules.channel(body);
    String text = MessageRules.text(body);
    String clientId = MessageRules.clientId(body);
    requireToken(sends, user.getLong("id"), "messages");
    // Without a client id every send is new; a server id keeps the (author, clientId) key unique.
    String key = clientId != null ? "c:" + clientId : "s:" + UUID.randomUUID();
    String owner = owners.ownerOf(channel);
    if (owner.equals(nodeId)) {
      writer.submit(new ChannelWriter.PendingSend(channel, user, text, key, message));
      return null;
    }
    // Another node writes this channel; if it is gone, the send fails with 503 and a retry with
    // the same clientId reaches the new owner without storing twice.
    JsonObject forward = new JsonObject().put("channel", channel).put("author", user).put("text", text)
      .put("clientId", key);
    return vertx.eventBus().<JsonObject>request(Addresses.writerOn(owner), forward, FORWARD).map(Message::body);
  }

  /** A send validated on another node for a channel this node owns: store and publish it in order. */
  private void writeForOtherNode(Message<JsonObject> message) {
    JsonObject body = message.body();
    writer.submit(new ChannelWriter.PendingSend(body.getString("channel"), body.getJsonObject("author"),
      body.getString("text"), body.getString("clientId"), message));
  }

  private Future<Object> edit(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    long id = MessageRules.id(body);
    String text = MessageRules.text(body);
    requireToken(sends, user.getLong("id"), "edits");
    JsonObject request = new JsonObject().put("id", id).put("text", text).put("authorId", user.getLong("id"));
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_EDIT, request, STORE)
      .map(reply -> {
        JsonObject edited = reply.body();
        vertx.eventBus().publish(Addresses.channel(edited.getString("channel")), Shapes.editEvent(edited));
        return edited;
      });
  }

  private Future<Object> delete(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    long id = MessageRules.id(body);
    requireToken(sends, user.getLong("id"), "deletions");
    JsonObject request = new JsonObject().put("id", id).put("authorId", user.getLong("id"));
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_DELETE, request, STORE)
      .map(reply -> {
        String channel = reply.body().getString("channel");
        vertx.eventBus().publish(Addresses.channel(channel), Shapes.deleteEvent(id, channel));
        return new JsonObject().put("id", id);
      });
  }

  private Future<Object> history(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    JsonObject request = new JsonObject()
      .put("channel", MessageRules.channel(body))
      .put("before", MessageRules.optionalId(body, "before"))
      .put("after", MessageRules.after(body))
      .put("limit", MessageRules.limit(body));
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_HISTORY, request, STORE).map(Message::body);
  }

  private Future<Object> typing(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    String channel = MessageRules.channel(body);
    // Typing hints are best effort: extra ones are dropped quietly rather than failed.
    if (typing.tryAcquire(user.getLong("id") + "/" + channel)) {
      vertx.eventBus().publish(Addresses.channel(channel), Shapes.typingEvent(user));
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<Object> createChannel(JsonObject user, Message<Object> message) {
    JsonObject body = MessageRules.body(message.body());
    Object name = body.getValue("name");
    if (!(name instanceof String text) || !Addresses.CHANNEL_NAME.matcher(text).matches()) {
      throw ChatException.invalid("a channel name is 1 to 50 of a-z, 0-9, '_' and '-', starting with a letter or digit");
    }
    requireToken(channelCreates, user.getLong("id"), "new channels");
    JsonObject request = new JsonObject().put("name", name).put("createdBy", user.getLong("id"));
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_CREATE, request, STORE).map(Message::body);
  }

  // ---- Presence

  private void localPresence(JsonObject change) {
    String channel = change.getString("channel");
    boolean changed = presence.local(channel, change.getString("socket"), change.getJsonObject("user"),
      change.getBoolean("joined"));
    if (changed) {
      vertx.eventBus().publish(Addresses.PRESENCE_NODE,
        nodeView(channel, Presence.toArray(presence.localUsers(channel).values())));
      schedulePresence(channel);
    }
  }

  /** The current list, for a socket that just joined (the bridge writes it to that socket only). */
  private void presenceOf(Message<JsonObject> request) {
    String channel = request.body().getString("channel");
    request.reply(Shapes.presenceEvent(Presence.toArray(presence.merged(channel).values())));
  }

  /**
   * Publishes a channel's presence once per {@link #PRESENCE_COALESCE_MS} however many joins and
   * leaves happened: with thousands of sockets joining, one publish per join would send every
   * subscriber thousands of lists.
   */
  private void schedulePresence(String channel) {
    if (presenceScheduled.add(channel)) {
      vertx.setTimer(PRESENCE_COALESCE_MS, id -> {
        presenceScheduled.remove(channel);
        publishPresence(channel);
      });
    }
  }

  private void remotePresence(JsonObject view) {
    String channel = view.getString("channel");
    if (presence.remote(view.getString("node"), channel, view.getJsonArray("users"), System.currentTimeMillis())
      && !presence.localUsers(channel).isEmpty()) {
      // Every node with local subscribers publishes the merged set; identical repeats are harmless.
      schedulePresence(channel);
    }
  }

  private void announcePresence() {
    Set<String> expired = presence.expire(System.currentTimeMillis());
    for (String channel : presence.localChannels()) {
      vertx.eventBus().publish(Addresses.PRESENCE_NODE,
        nodeView(channel, Presence.toArray(presence.localUsers(channel).values())));
    }
    expired.stream().filter(c -> !presence.localUsers(c).isEmpty()).forEach(this::schedulePresence);
    if (!expired.isEmpty()) {
      LOG.info("presence: dropped stale views of {} channel(s)", expired.size());
    }
  }

  private JsonObject nodeView(String channel, JsonArray users) {
    return new JsonObject().put("node", nodeId).put("channel", channel).put("users", users);
  }

  private void publishPresence(String channel) {
    vertx.eventBus().publish(Addresses.channel(channel),
      Shapes.presenceEvent(Presence.toArray(presence.merged(channel).values())));
  }
}
