package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Inbound;
import io.vertxchat.contract.Membership;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.StoreMessages.Change;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.persistence.ChannelStore;
import io.vertxchat.persistence.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The chat rules: validates and authorizes every request of a signed-in person (identity only from
 * the {@link Inbound} record the bridge guard or an HTTP route built from the session) and
 * rate-limits it; hands sends to the {@link ChannelWriter}, joins to the {@link ChannelDirectory},
 * the {@link PresenceRoom} and {@link LastChannels}; edits, deletes, history and channels go to
 * the persistence verticle. One instance per node.
 *
 * <p>Config: {@code {"node","storeConcurrency","limits":{...}}}.
 */
public class ChatVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ChatVerticle.class);
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);
  private static final long DRAIN_TIMEOUT_S = 10;

  private final MessageStore store;
  private final ChannelStore channelStore;
  private TeamChannels team;
  private ChannelWriter writer;
  private ChannelDirectory directory;
  private PresenceRoom presence;
  private LastChannels lastChannels;
  private Limiter sends;
  private RateLimiter typing;
  private Limiter channelCreates;
  private SearchRequests search;
  private NodeStats stats;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /**
   * Per author, their latest send still on its way to the writer (its mentions being looked up):
   * a later send waits for it, so one person's sends reach the writer, and get their ids, in order.
   */
  private final Map<Long, Future<JsonArray>> sendsOnTheWay = new HashMap<>();

  /**
   * @param store        the persistence verticle's message store, which the writer calls directly
   * @param channelStore the persistence verticle's store of members and read positions
   */
  public ChatVerticle(MessageStore store, ChannelStore channelStore) {
    this.store = store;
    this.channelStore = channelStore;
  }

  @Override
  public Future<?> start() {
    String nodeId = config().getString("node");
    JsonObject limits = config().getJsonObject("limits");
    stats = NodeStats.of(vertx);
    directory = new ChannelDirectory(vertx);
    ActivityFeed activity = new ActivityFeed(vertx, directory);
    writer = new ChannelWriter(vertx, nodeId, store, stats, config().getInteger("storeConcurrency", 8), activity::stored);
    presence = new PresenceRoom(vertx, nodeId);
    lastChannels = new LastChannels(vertx);
    // Sends, edits and deletes share one bucket per user, held by the whole cluster (leases of a
    // quarter of the burst, at most 10); channel creations too, without a lease (they are rare).
    // Typing hints stay per node: best effort, dropped quietly, not worth a cluster call.
    int burst = limits.getInteger("sendBurst");
    sends = ClusterRateLimiter.forNode(vertx, "send", burst, limits.getInteger("sendsPerSecond"), Duration.ofSeconds(1),
      Math.min(10, burst / 4));
    typing = new RateLimiter(0.5, 2);
    int createsPerMinute = limits.getInteger("channelCreatesPerMinute");
    channelCreates = ClusterRateLimiter.forNode(vertx, "channel-create", createsPerMinute, createsPerMinute,
      Duration.ofMinutes(1), 1);
    // Invitations and new direct conversations share one cluster bucket per user; read marks a node one.
    int invitesPerMinute = limits.getInteger("invitesPerMinute");
    Limiter invites = ClusterRateLimiter.forNode(vertx, "invite", invitesPerMinute, invitesPerMinute, Duration.ofMinutes(1), 1);
    RateLimiter reads = new RateLimiter(10, 20);
    team = new TeamChannels(vertx, directory, channelStore, store, invites, reads);
    search = new SearchRequests(vertx, directory, stats);
    vertx.setPeriodic(60_000, id -> {
      search.forgetIdle();
      sends.forgetIdle();
      typing.forgetIdle();
      channelCreates.forgetIdle();
      invites.forgetIdle();
      reads.forgetIdle();
    });

    return Future.all(List.of(
      inbound(Addresses.SEND, this::send),
      inbound(Addresses.EDIT, this::edit),
      inbound(Addresses.DELETE, this::delete),
      inbound(Addresses.REACT, this::react),
      inbound(Addresses.HISTORY, this::history),
      inbound(Addresses.TYPING, this::typing),
      inbound(Addresses.SEARCH, (user, m) -> search.search(user, m.body().body())),
      inbound(Addresses.CHANNEL_CREATE, this::createChannel),
      inbound(Addresses.CHANNELS,
        (user, m) -> Future.succeededFuture(new JsonObject().put("channels", directory.listFor(user.getLong("id"))))),
      inbound(Addresses.READ, team::read),
      inbound(Addresses.UNREAD, team::unread),
      inbound(Addresses.DIRECT_OPEN, team::openDirect),
      inbound(Addresses.MEMBERS, team::members),
      inbound(Addresses.MEMBER_ADD, team::addMember),
      inbound(Addresses.MEMBER_REMOVE, team::removeMember),
      inbound(Addresses.USERS, team::users),
      inbound(Addresses.ME, this::me),
      local(Addresses.SIGN_IN, this::signIn),
      local(Addresses.JOIN, this::join),
      local(Addresses.LEAVE, this::leave),
      this.<JsonObject>local(Addresses.CHANNEL_SYNC, m -> writer.sync(m.body().getString("channel"), m.body().getString("token"))),
      local(Addresses.CHAT_DRAIN, m -> writer.idle().onComplete(v -> m.reply(new JsonObject()))),
      writer.start(),
      presence.start(),
      directory.start()
    ));
  }

  @Override
  public Future<?> stop() {
    presence.stop();
    // Finish the stores in flight, so every send that was accepted gets its answer.
    return Future.join(lastChannels.flush(), writer.idle())
      .timeout(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)
      .recover(e -> {
        LOG.warn("stopping with {} send(s) still waiting for storage", writer.backlog());
        return Future.succeededFuture();
      });
  }

  private <T> Future<Void> local(String address, Handler<Message<T>> handler) {
    MessageConsumer<T> consumer = vertx.eventBus().localConsumer(address, handler);
    consumers.add(consumer);
    return consumer.completion();
  }

  /**
   * Registers a local consumer for a signed-in request: the handler gets the user and the message;
   * it answers with a future, or null when it answers by itself; a thrown {@link ChatException}
   * becomes the failure reply.
   */
  private Future<Void> inbound(String address, BiFunction<JsonObject, Message<Inbound>, Future<?>> handler) {
    return this.<Object>local(address, message -> {
      if (!(message.body() instanceof Inbound request)) {
        message.fail(ErrorCodes.NOT_SIGNED_IN, ErrorCodes.SIGN_IN_FIRST);
        return;
      }
      @SuppressWarnings("unchecked")
      Message<Inbound> typed = (Message<Inbound>) (Message<?>) message;
      try {
        Future<?> result = handler.apply(request.user(), typed);
        if (result != null) {
          result.onComplete(reply -> {
            if (reply.succeeded()) {
              message.reply(reply.result());
            } else {
              fail(message, reply.cause());
            }
          });
        }
      } catch (ChatException e) {
        message.fail(e.failureCode(), e.getMessage());
      }
    });
  }

  /** Fails a request with the failure's contract code; storage faults never show their cause. */
  private static void fail(Message<?> message, Throwable failure) {
    int code = ChatException.codeOf(failure);
    if (!(failure instanceof ReplyException)) {
      LOG.warn("request on {} failed: {}", message.address(), failure.toString(), failure);
    }
    message.fail(code, code == ErrorCodes.STORAGE_UNAVAILABLE ? ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE
      : failure.getMessage());
  }

  /** One token of {@code limiter}, or a 429 {@link ChatException} with a retry hint (counted). */
  private Future<Void> token(Limiter limiter, Object key, String what, String metric) {
    return limiter.acquire(key, what).onFailure(e -> stats.rateLimited(metric));
  }

  // ---- Handlers. Each returns the reply's future, or null when it replies by itself.

  private Future<?> send(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    String channel = MessageRules.channel(body);
    String text = MessageRules.text(body);
    String clientId = MessageRules.clientId(body);
    // Without a client id every send is new; a server id keeps the (author, key) pair unique.
    String key = clientId != null ? Item.clientKey(clientId) : "s:" + UUID.randomUUID();
    long authorId = user.getLong("id");
    // Who may read a channel may write to it; the directory answers from memory.
    Future<JsonArray> found = directory.readable(channel, authorId)
      .compose(readable -> token(sends, authorId, "messages", "send"))
      .compose(v -> mentionsIn(channel, text));
    Future<JsonArray> previous = sendsOnTheWay.get(authorId);
    if (previous == null && found.isComplete()) { // the common case: no '@', a token at hand
      write(found, new Item(channel, user, text, key, found.result()), message);
      return null;
    }
    Future<JsonArray> inTurn = previous == null ? found : Future.join(previous, found).transform(done -> found);
    sendsOnTheWay.put(authorId, inTurn);
    inTurn.onComplete(done -> {
      sendsOnTheWay.remove(authorId, inTurn);
      write(found, new Item(channel, user, text, key, found.result()), message);
    });
    return null;
  }

  /** Hands a send to the writer once its rate-limit token and mentions are {@code found}, else fails it. */
  private void write(Future<JsonArray> found, Item item, Message<Inbound> message) {
    if (found.succeeded()) {
      writer.write(item, message);
    } else {
      fail(message, found.cause());
    }
  }

  private Future<?> edit(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    long id = MessageRules.id(body);
    String text = MessageRules.text(body);
    return change(user, id, text, "edits", "edit", message);
  }

  private Future<?> delete(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    long id = MessageRules.id(body);
    return change(user, id, null, "deletions", "delete", message);
  }

  /**
   * An edit ({@code text}) or delete (null) is a channel event: rate-limited, found here (404
   * gone, 403 not yours), then written by the channel's owner, which answers the request.
   */
  private Future<?> change(JsonObject user, long id, String text, String what, String metric, Message<Inbound> message) {
    long authorId = user.getLong("id");
    token(sends, authorId, what, metric)
      .compose(v -> store.channelToChange(id, authorId))
      // Somebody removed from a private channel can no longer change what they wrote there.
      .compose(channel -> directory.readable(channel, authorId).transform(readable -> readable.succeeded()
        ? Future.succeededFuture(channel) : Future.failedFuture(ChatException.notFound("no message " + id))))
      .compose(channel -> text == null ? Future.succeededFuture(new Change(id, channel, authorId, null))
        : mentionsIn(channel, text).map(mentions -> new Change(id, channel, authorId, text, mentions)))
      .onSuccess(change -> writer.change(change, message))
      .onFailure(e -> fail(message, e));
    return null;
  }

  /**
   * The members of {@code channel} that {@code text} mentions, {@code [{"id","name"}]}, or null for
   * none ({@link Mentions} has the rule). A text without an {@code @} costs no query; one with
   * costs one, whatever its number of tokens.
   */
  private Future<JsonArray> mentionsIn(String channel, String text) {
    List<Mentions.Token> tokens = Mentions.tokens(text);
    if (tokens.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return store.usersNamed(Mentions.candidates(tokens)).map(named -> {
      Map<String, List<JsonObject>> members = new HashMap<>();
      named.forEach((candidate, users) -> members.put(candidate,
        users.stream().filter(user -> mayBeMentioned(channel, user.getLong("id"))).toList()));
      return Mentions.resolve(tokens, members);
    });
  }

  /**
   * Whether {@code userId} may be mentioned in {@code channel}: a member of it, that is anybody
   * for a public channel and the members of a private or direct one, as this node's directory
   * knows them now (no lookup: somebody added elsewhere a moment ago may be missed).
   */
  private boolean mayBeMentioned(String channel, long userId) {
    return directory.readableNow(channel, userId);
  }

  /**
   * A reaction toggle is a channel event, like an edit: rate-limited with sends, found here (404
   * when missing, deleted, or in a channel the person may not read: the same answer), then
   * written by the channel's owner, which answers the updated {@code Message}.
   */
  private Future<?> react(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    long id = MessageRules.id(body);
    String emoji = MessageRules.emoji(body);
    long userId = user.getLong("id");
    token(sends, userId, "reactions", "react")
      .compose(v -> store.channelOf(id))
      .compose(channel -> directory.readable(channel, userId).map(channel).recover(e ->
        Future.failedFuture(ChatException.codeOf(e) == ErrorCodes.NOT_FOUND ? ChatException.notFound("no message " + id) : e)))
      .onSuccess(channel -> writer.change(Change.reaction(id, channel, userId, emoji), message))
      .onFailure(e -> fail(message, e));
    return null;
  }

  private Future<?> history(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    JsonObject request = new JsonObject()
      .put("channel", MessageRules.channel(body))
      .put("before", MessageRules.optionalId(body, "before"))
      .put("after", MessageRules.after(body))
      .put("afterSeq", MessageRules.afterSeq(body))
      .put("limit", MessageRules.limit(body))
      .put("around", MessageRules.around(body));
    return directory.readable(request.getString("channel"), user.getLong("id"))
      .compose(found -> vertx.eventBus().<JsonObject>request(Addresses.STORE_HISTORY, request, STORE))
      .map(Message::body);
  }

  private Future<?> typing(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    String channel = MessageRules.channel(body);
    // Typing hints are best effort: extra ones are dropped quietly rather than failed.
    // The same answer whether or not the channel exists or may be read: nothing to learn from it.
    if (directory.readableNow(channel, user.getLong("id")) && typing.tryAcquire(user.getLong("id") + "/" + channel)) {
      vertx.eventBus().publish(Addresses.channel(channel), ChannelEvent.of(channel, Shapes.typingEvent(user)));
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<?> createChannel(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    Object name = body.getValue("name");
    if (!(name instanceof String text) || !Addresses.CHANNEL_NAME.matcher(text).matches()) {
      throw ChatException.invalid("a channel name is 1 to 50 of a-z, 0-9, '_' and '-', starting with a letter or digit");
    }
    if (text.startsWith(ChannelDirectory.DIRECT_PREFIX)) {
      throw ChatException.invalid("names starting with '" + ChannelDirectory.DIRECT_PREFIX + "' are kept for direct messages");
    }
    Object isPrivate = body.getValue("private", false);
    if (!(isPrivate instanceof Boolean)) {
      throw ChatException.invalid("private must be true or false");
    }
    String kind = (Boolean) isPrivate ? ChannelDirectory.PRIVATE : ChannelDirectory.PUBLIC;
    long creator = user.getLong("id");
    JsonObject request = new JsonObject().put("name", name).put("createdBy", creator).put("kind", kind);
    return token(channelCreates, creator, "new channels", "channel_create")
      .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_CREATE, request, STORE))
      .map(reply -> directory.created(reply.body()));
  }

  /** The session user as stored, with the last channel visited (here, even if not written yet). */
  private Future<?> me(JsonObject user, Message<Inbound> message) {
    long id = user.getLong("id");
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_USER_GET, new JsonObject().put("id", id), STORE)
      .map(reply -> {
        String unwritten = lastChannels.unwritten(id);
        return Shapes.publicUser(reply.body())
          .put("lastChannel", unwritten != null ? unwritten : reply.body().getString("lastChannel"));
      });
  }

  /** A provider's profile at sign-in: the user is created or refreshed. */
  private void signIn(Message<JsonObject> message) {
    vertx.eventBus().<JsonObject>request(Addresses.STORE_USER_UPSERT, message.body(), STORE)
      .onSuccess(reply -> message.reply(reply.body()))
      .onFailure(e -> message.fail(ChatException.codeOf(e), ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE));
  }

  // ---- Membership: the bridge's joins and leaves.

  private void join(Message<Membership.Join> message) {
    Membership.Join join = message.body();
    directory.readable(join.channel(), join.user().getLong("id")).onComplete(channel -> {
      if (channel.failed()) {
        int code = ChatException.codeOf(channel.cause());
        message.fail(code, code == ErrorCodes.NOT_FOUND ? "no channel '" + join.channel() + "'"
          : ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE);
        return;
      }
      lastChannels.visited(join.user().getLong("id"), join.channel());
      message.reply(presence.join(join.channel(), join.socket(), join.user()));
    });
  }

  private void leave(Message<Membership.Leave> message) {
    Membership.Leave leave = message.body();
    presence.leave(leave.channel(), leave.socket(), leave.user());
  }
}
