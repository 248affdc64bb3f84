package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every channel, known on every node without asking PostgreSQL: loaded at start, told of each
 * creation on any node ({@link Addresses#CHANNEL_CREATED}), and reloaded now and then to heal a
 * missed announcement. A join or a channel list never waits on the database; a name the directory
 * does not know yet (created elsewhere a moment ago) is looked up once. Channels are never deleted,
 * so a known name stays valid.
 */
final class ChannelDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelDirectory.class);
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);
  private static final long RELOAD_MS = 60_000;

  private final Vertx vertx;
  /** name -> {@code Channel}, sorted by name as the API lists them. */
  private final Map<String, JsonObject> channels = new TreeMap<>();
  private MessageConsumer<JsonObject> announcements;

  ChannelDirectory(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Loads every channel and starts listening for new ones; completes when the directory is filled. */
  Future<Void> start() {
    announcements = vertx.eventBus().consumer(Addresses.CHANNEL_CREATED, m -> add(m.body()));
    vertx.setPeriodic(RELOAD_MS, id -> load().onFailure(e -> LOG.warn("channel directory reload failed: {}", e.toString())));
    return announcements.completion().compose(v -> load());
  }

  private Future<Void> load() {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNELS, new JsonObject(), STORE)
      .map(reply -> {
        reply.body().getJsonArray("channels").forEach(c -> add((JsonObject) c));
        return null;
      });
  }

  /** The {@code Channel} named {@code name}; fails 404 when there is none. */
  Future<JsonObject> require(String name) {
    JsonObject known = channels.get(name);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNEL_GET, new JsonObject().put("name", name), STORE)
      .map(reply -> {
        add(reply.body());
        return reply.body();
      });
  }

  /**
   * The channel named {@code name} if {@code userId} may read it; fails 404 otherwise, exactly as
   * for a missing channel, so a private name never shows that it exists.
   */
  Future<JsonObject> readable(String name, long userId) {
    return require(name);
  }

  /** The names of every channel {@code userId} may read. */
  List<String> readableNames(long userId) {
    return List.copyOf(channels.keySet());
  }

  /** Every channel, by name. */
  JsonArray list() {
    JsonArray list = new JsonArray();
    channels.values().forEach(list::add);
    return list;
  }

  /** A channel this node just created: known here now, and on every other node soon. */
  void created(JsonObject channel) {
    add(channel);
    vertx.eventBus().publish(Addresses.CHANNEL_CREATED, channel);
  }

  private void add(JsonObject channel) {
    channels.putIfAbsent(channel.getString("name"), channel);
  }
}
