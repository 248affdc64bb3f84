package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Inbound;
import io.vertxchat.persistence.ChannelStore;
import io.vertxchat.persistence.MessageStore;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of private channels, direct conversations and read positions: who may invite, leave,
 * remove, open a conversation with whom, and mark what as read. Every request comes with the
 * session user (an {@link Inbound} handled by the chat verticle); {@link ChannelDirectory} says who
 * may read what (and tells the people concerned when that changes), {@link ChannelStore} keeps it.
 */
final class TeamChannels {
  /** People in a direct conversation, the opener included. */
  static final int MAX_DIRECT_PEOPLE = 8;
  private static final int MAX_QUERY = 50;
  /** Mention counts stop here, as unread counts do (the app shows "99+"). */
  private static final int MENTION_CAP = 100;

  private final Vertx vertx;
  private final ChannelDirectory directory;
  private final ChannelStore store;
  private final MessageStore messages;
  private final Limiter invites;
  private final RateLimiter reads;

  TeamChannels(Vertx vertx, ChannelDirectory directory, ChannelStore store, MessageStore messages, Limiter invites,
               RateLimiter reads) {
    this.vertx = vertx;
    this.directory = directory;
    this.store = store;
    this.messages = messages;
    this.invites = invites;
    this.reads = reads;
  }

  /** Tells {@code to} (user ids; null: everybody) an event on their own stream, on every node. */
  void tell(List<Long> to, JsonObject event) {
    vertx.eventBus().publish(Addresses.USER_EVENTS, Shapes.userEvent(to, event));
  }

  /** {@code {"with":[user id]}}: the direct conversation of the session user and those people. */
  Future<?> openDirect(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    long me = user.getLong("id");
    Set<Long> people = new LinkedHashSet<>();
    people.add(me);
    if (!(body.getValue("with") instanceof JsonArray with) || with.isEmpty()) {
      throw ChatException.invalid("\"with\" must be a list of 1 to " + (MAX_DIRECT_PEOPLE - 1) + " user ids");
    }
    for (Object id : with) {
      if (!(id instanceof Number number) || number.doubleValue() != number.longValue() || number.longValue() < 1) {
        throw ChatException.invalid("\"with\" must hold user ids (whole numbers)");
      }
      people.add(number.longValue());
    }
    if (people.size() < 2 || people.size() > MAX_DIRECT_PEOPLE) {
      throw ChatException.invalid("a direct conversation has 2 to " + MAX_DIRECT_PEOPLE + " people, you included");
    }
    String name = ChannelDirectory.directName(people);
    if (directory.readableNow(name, me)) {
      return directory.require(name);
    }
    return invites.acquire(me, "invitations")
      .compose(v -> store.openDirect(name, me, List.copyOf(people)))
      .map(directory::created);
  }

  /** {@code {"channel"}}: the members of a private or direct channel, for its members. */
  Future<?> members(JsonObject user, Message<Inbound> message) {
    String channel = MessageRules.channel(MessageRules.body(message.body().body()));
    return directory.readable(channel, user.getLong("id"))
      .compose(found -> ChannelDirectory.PUBLIC.equals(found.getString("kind"))
        ? Future.failedFuture(ChatException.invalid("a public channel has no members list: anybody may read it"))
        : store.members(channel))
      .map(members -> new JsonObject().put("members", members));
  }

  /** {@code {"channel","user"|"name"}}: a member adds somebody to a private channel. */
  Future<?> addMember(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    String channel = MessageRules.channel(body);
    long me = user.getLong("id");
    Object id = body.getValue("user");
    Object name = body.getValue("name");
    if (id == null && !(name instanceof String text && !text.isBlank() && text.length() <= MAX_QUERY)) {
      throw ChatException.invalid("say whom to add: {\"user\": id} or {\"name\": \"their name\"}");
    }
    Long invited = id == null ? null : MessageRules.wholeNumber(body, "user", 1);
    return privateChannel(channel, me)
      .compose(found -> invites.acquire(me, "invitations"))
      .compose(v -> invited != null ? Future.succeededFuture(invited) : onlyOneNamed(((String) name).trim()))
      .compose(person -> store.addMember(channel, person, me).map(change -> {
        if (change.changed()) {
          directory.membersChanged(channel, change.version(), change.members(), List.of());
        }
        return change;
      }))
      // An id of nobody breaks the members' foreign key.
      .recover(e -> Future.failedFuture(e instanceof PgException ? ChatException.notFound("no such person") : e))
      .compose(change -> store.members(channel))
      .map(members -> new JsonObject().put("members", members));
  }

  private Future<Long> onlyOneNamed(String name) {
    return store.usersNamed(name).compose(users -> switch (users.size()) {
      case 0 -> Future.failedFuture(ChatException.notFound("nobody is called '" + name + "'"));
      case 1 -> Future.succeededFuture(users.getJsonObject(0).getLong("id"));
      default -> Future.failedFuture(new ChatException(ErrorCodes.CONFLICT,
        users.size() + " people are called '" + name + "': add one of them by id"));
    });
  }

  /**
   * {@code {"channel","user"}}: a member leaves a private channel (their own id), or its creator
   * removes somebody. Their sockets stop receiving it at once, on every node.
   */
  Future<?> removeMember(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    String channel = MessageRules.channel(body);
    long me = user.getLong("id");
    long removed = MessageRules.wholeNumber(body, "user", 1);
    return privateChannel(channel, me)
      .compose(found -> removed == me || me == found.getLong("createdBy", -1L) ? store.removeMember(channel, removed)
        : Future.failedFuture(ChatException.forbidden("only the channel's creator removes people; anybody may leave")))
      .compose(change -> {
        if (!change.changed()) {
          return Future.failedFuture(ChatException.notFound("that person is not a member of '" + channel + "'"));
        }
        directory.membersChanged(channel, change.version(), change.members(), List.of(removed));
        return Future.succeededFuture(new JsonObject());
      });
  }

  /** A private channel the user is a member of: 404 when not (as if missing), 400 for another kind. */
  private Future<JsonObject> privateChannel(String channel, long user) {
    return directory.readable(channel, user).compose(found -> ChannelDirectory.PRIVATE.equals(found.getString("kind"))
      ? Future.succeededFuture(found)
      : Future.failedFuture(ChatException.invalid(ChannelDirectory.DIRECT.equals(found.getString("kind"))
        ? "a direct conversation's people are fixed: open another one with everybody you want"
        : "a public channel has no members: anybody may read it")));
  }

  /** {@code {"channel","seq"}}: the session user has read the channel up to {@code seq}. */
  Future<?> read(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    String channel = MessageRules.channel(body);
    long seq = MessageRules.wholeNumber(body, "seq", 0);
    long me = user.getLong("id");
    return directory.readable(channel, me)
      .compose(found -> reads.acquire(me, "read marks"))
      .compose(v -> store.markRead(me, channel, seq))
      .map(position -> {
        JsonObject read = new JsonObject().put("channel", channel).put("seq", position);
        tell(List.of(me), read.copy().put("type", "read"));
        return read;
      });
  }

  /**
   * The session user's unread counts in every channel they may read, and the mentions of them
   * among those (in a channel never opened: every mention of them still kept).
   */
  Future<?> unread(JsonObject user, Message<Inbound> message) {
    long me = user.getLong("id");
    return store.unread(me, directory.readableNames(me)).compose(counts -> {
      Map<String, Long> readTo = new HashMap<>();
      counts.forEach(entry -> {
        Long read = ((JsonObject) entry.getValue()).getLong("readSeq");
        readTo.put(entry.getKey(), read == null ? 0L : read);
      });
      return messages.mentionCounts(me, readTo, MENTION_CAP).map(mentions -> {
        mentions.forEach((channel, n) -> {
          JsonObject count = counts.getJsonObject(channel);
          if (count != null) {
            count.put("mentions", n);
          }
        });
        return new JsonObject().put("channels", counts);
      });
    });
  }

  /** {@code {"q"}}: people whose name starts with {@code q}, to invite or write to. */
  Future<?> users(JsonObject user, Message<Inbound> message) {
    JsonObject body = MessageRules.body(message.body().body());
    if (!(body.getValue("q") instanceof String q) || q.isBlank() || q.length() > MAX_QUERY) {
      throw ChatException.invalid("q must be 1 to " + MAX_QUERY + " characters of a name");
    }
    return store.usersStarting(q.trim()).map(users -> new JsonObject().put("users", users));
  }
}
