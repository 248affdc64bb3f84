package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.ChatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every channel and who may read it, known on every node without asking PostgreSQL: loaded at
 * start, told of each creation ({@link Addresses#CHANNEL_CREATED}) and each change of a private
 * channel's members ({@link Addresses#CHANNEL_MEMBERS}) on any node, and reloaded now and then to
 * heal a missed announcement. A join, a send or a channel list never waits on the database; a name
 * the directory does not know yet (created elsewhere a moment ago), or a private channel a person
 * is not a member of yet (added elsewhere a moment ago), is looked up again at most once a second.
 * Whenever it learns that people may now read a channel, or no longer may, it tells their sockets
 * on this node ({@link Addresses#USER_EVENTS_HERE}).
 *
 * <p>The one rule of reading: a public channel is anybody's; a private or direct one is its
 * members'. Everybody else is told 404, exactly as for a channel that does not exist.
 */
final class ChannelDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelDirectory.class);
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final long RELOAD_MS = 60_000;
  private static final long RECHECK_MS = 1_000;
  static final String PUBLIC = "public";
  static final String PRIVATE = "private";
  static final String DIRECT = "direct";
  /** Names of direct conversations; nobody may create a channel named so. */
  static final String DIRECT_PREFIX = "dm-";

  /** A channel as the API shows it, and its members (empty for a public channel). */
  private record Entry(JsonObject channel, Set<Long> members, long version, long checkedAt) {
    String kind() {
      return channel.getString("kind");
    }

    boolean readableBy(long user) {
      return PUBLIC.equals(kind()) || members.contains(user);
    }
  }

  private final Vertx vertx;
  /** name -> entry, sorted by name as the API lists them. */
  private final Map<String, Entry> channels = new TreeMap<>();

  ChannelDirectory(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Loads every channel and starts listening for changes; completes when the directory is filled. */
  Future<Void> start() {
    var created = vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_CREATED, m -> put(m.body()));
    var members = vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_MEMBERS, m -> membersChanged(m.body()));
    vertx.setPeriodic(RELOAD_MS, id -> load().onFailure(e -> LOG.warn("channel directory reload failed: {}", e.toString())));
    return Future.all(created.completion(), members.completion()).compose(v -> load());
  }

  private Future<Void> load() {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNELS, new JsonObject(), STORE)
      .map(reply -> {
        reply.body().getJsonArray("channels").forEach(c -> put((JsonObject) c));
        return null;
      });
  }

  /** The {@code Channel} named {@code name}, whoever may read it; fails 404 when there is none. */
  Future<JsonObject> require(String name) {
    Entry known = channels.get(name);
    return known != null ? Future.succeededFuture(known.channel()) : fetch(name).map(Entry::channel);
  }

  /**
   * The channel named {@code name} if {@code userId} may read it; fails 404 otherwise, exactly as
   * for a missing channel, so a private name never shows that it exists.
   */
  Future<JsonObject> readable(String name, long userId) {
    Entry known = channels.get(name);
    if (known != null && (known.readableBy(userId) || System.currentTimeMillis() - known.checkedAt() < RECHECK_MS)) {
      return known.readableBy(userId) ? Future.succeededFuture(known.channel()) : Future.failedFuture(missing(name));
    }
    return fetch(name).compose(entry -> entry.readableBy(userId) ? Future.succeededFuture(entry.channel())
      : Future.failedFuture(missing(name)));
  }

  /** Whether {@code userId} may read {@code name} as far as this node knows now (no lookup). */
  boolean readableNow(String name, long userId) {
    Entry known = channels.get(name);
    return known != null && known.readableBy(userId);
  }

  static ChatException missing(String name) {
    return ChatException.notFound("no channel '" + name + "'");
  }

  /** The names of every channel {@code userId} may read. */
  List<String> readableNames(long userId) {
    List<String> names = new ArrayList<>();
    channels.forEach((name, entry) -> {
      if (entry.readableBy(userId)) {
        names.add(name);
      }
    });
    return names;
  }

  /** Every channel {@code userId} may read, by name. */
  JsonArray listFor(long userId) {
    JsonArray list = new JsonArray();
    channels.values().forEach(entry -> {
      if (entry.readableBy(userId)) {
        list.add(entry.channel());
      }
    });
    return list;
  }

  /** The members of a private or direct channel, or null for a public (or unknown) one. */
  Set<Long> membersOf(String name) {
    Entry known = channels.get(name);
    return known == null || PUBLIC.equals(known.kind()) ? null : known.members();
  }

  /**
   * A channel this node just created or opened: known here now, and on every other node soon.
   * Returns it as the API shows it.
   */
  JsonObject created(JsonObject stored) {
    Entry entry = put(stored);
    vertx.eventBus().publish(Addresses.CHANNEL_CREATED, stored);
    return entry.channel();
  }

  /** A private channel's members changed here: known here now, and on every other node soon. */
  void membersChanged(String name, long version, List<Long> members, List<Long> removed) {
    JsonObject change = new JsonObject().put("channel", name).put("version", version)
      .put("members", new JsonArray(new ArrayList<>(members))).put("removed", new JsonArray(new ArrayList<>(removed)));
    membersChanged(change);
    vertx.eventBus().publish(Addresses.CHANNEL_MEMBERS, change);
  }

  private void membersChanged(JsonObject change) {
    Entry known = channels.get(change.getString("channel"));
    long version = change.getLong("version");
    if (known != null && version > known.version()) {
      Entry entry = new Entry(known.channel(), ids(change.getJsonArray("members")), version, System.currentTimeMillis());
      channels.put(change.getString("channel"), entry);
      tellChanges(known, entry);
    }
  }

  private Future<Entry> fetch(String name) {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_GET, new JsonObject().put("name", name), STORE)
      .map(reply -> put(reply.body()));
  }

  /** Keeps a stored channel (with {@code memberIds} and {@code membersVersion}) unless a newer one is known. */
  private Entry put(JsonObject stored) {
    JsonObject channel = stored.copy();
    Set<Long> members = ids((JsonArray) channel.remove("memberIds"));
    Object stamp = channel.remove("membersVersion");
    long version = stamp instanceof Number n ? n.longValue() : 0L;
    Entry known = channels.get(channel.getString("name"));
    if (known != null && known.version() > version) {
      return known;
    }
    if (known != null && known.version() == version) {
      // Nothing new: only remember that it was checked now.
      Entry checked = new Entry(known.channel(), known.members(), version, System.currentTimeMillis());
      channels.put(channel.getString("name"), checked);
      return checked;
    }
    Entry entry = new Entry(channel, members, version, System.currentTimeMillis());
    channels.put(channel.getString("name"), entry);
    if (known == null) {
      tellHere(PUBLIC.equals(entry.kind()) ? null : members, appeared(channel));
    } else {
      tellChanges(known, entry);
    }
    return entry;
  }

  /**
   * Tells this node's sockets of the people who can now read a channel, or no longer can. The
   * directory of each node tells its own sockets once it knows, so a person told of a channel
   * finds it in the channel list of any node they ask next.
   */
  private void tellChanges(Entry before, Entry after) {
    Set<Long> added = new HashSet<>(after.members());
    added.removeAll(before.members());
    Set<Long> removed = new HashSet<>(before.members());
    removed.removeAll(after.members());
    if (!added.isEmpty()) {
      tellHere(added, appeared(after.channel()));
    }
    if (!removed.isEmpty()) {
      tellHere(removed, new JsonObject().put("type", "removed").put("channel", after.channel().getString("name")));
    }
  }

  private static JsonObject appeared(JsonObject channel) {
    return new JsonObject().put("type", "channel").put("channel", channel);
  }

  private void tellHere(Set<Long> to, JsonObject event) {
    vertx.eventBus().publish(Addresses.USER_EVENTS_HERE, Shapes.userEvent(to, event), LOCAL);
  }

  private static Set<Long> ids(JsonArray array) {
    return array == null ? Set.of() : array.stream().map(id -> ((Number) id).longValue()).collect(Collectors.toUnmodifiableSet());
  }

  /** The name of the direct conversation of {@code people} (user ids): the same set, the same name. */
  static String directName(Set<Long> people) {
    String ids = people.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(ids.getBytes(StandardCharsets.UTF_8));
      return DIRECT_PREFIX + HexFormat.of().formatHex(digest, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
