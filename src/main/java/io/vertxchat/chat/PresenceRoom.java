package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.Shapes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Presence across the cluster: this node's joins and leaves, its announcements to the other nodes
 * ({@link Addresses#PRESENCE_NODE}, at each change and every {@link #ANNOUNCE_MS}), theirs, and the
 * channel-wide lists, coalesced to one per channel per {@link #COALESCE_MS}.
 */
final class PresenceRoom {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceRoom.class);
  private static final long ANNOUNCE_MS = 5_000;
  private static final long EXPIRY_MS = 15_000;
  private static final long COALESCE_MS = 250;

  private final Vertx vertx;
  private final String nodeId;
  private final Presence presence;
  private final Set<String> scheduled = new HashSet<>();
  private MessageConsumer<JsonObject> views;

  PresenceRoom(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.presence = new Presence(nodeId, EXPIRY_MS);
  }

  Future<Void> start() {
    vertx.setPeriodic(ANNOUNCE_MS, id -> announce());
    views = vertx.eventBus().consumer(Addresses.PRESENCE_NODE, m -> remote(m.body()));
    return views.completion();
  }

  /** Tells the other nodes at once that this node's users are gone, rather than waiting for expiry. */
  void stop() {
    presence.localChannels().forEach(channel ->
      vertx.eventBus().publish(Addresses.PRESENCE_NODE, nodeView(channel, new JsonArray())));
  }

  /**
   * Records a socket joining; returns the channel's presence event for that socket alone: a
   * channel-wide list per join would send every subscriber a list per joiner.
   */
  JsonObject join(String channel, String socket, JsonObject user) {
    changed(channel, presence.local(channel, socket, user, true));
    return Shapes.presenceEvent(Presence.toArray(presence.merged(channel).values()));
  }

  void leave(String channel, String socket, JsonObject user) {
    changed(channel, presence.local(channel, socket, user, false));
  }

  private void changed(String channel, boolean changed) {
    if (changed) {
      vertx.eventBus().publish(Addresses.PRESENCE_NODE,
        nodeView(channel, Presence.toArray(presence.localUsers(channel).values())));
      schedule(channel);
    }
  }

  /** Publishes a channel's list once per {@link #COALESCE_MS}, however many joins and leaves happened. */
  private void schedule(String channel) {
    if (scheduled.add(channel)) {
      vertx.setTimer(COALESCE_MS, id -> {
        scheduled.remove(channel);
        vertx.eventBus().publish(Addresses.channel(channel), ChannelEvent.of(channel,
          Shapes.presenceEvent(Presence.toArray(presence.merged(channel).values()))));
      });
    }
  }

  private void remote(JsonObject view) {
    String channel = view.getString("channel");
    if (presence.remote(view.getString("node"), channel, view.getJsonArray("users"), System.currentTimeMillis())
      && !presence.localUsers(channel).isEmpty()) {
      // Every node with local subscribers publishes the merged set; identical repeats are harmless.
      schedule(channel);
    }
  }

  private void announce() {
    Set<String> expired = presence.expire(System.currentTimeMillis());
    for (String channel : presence.localChannels()) {
      vertx.eventBus().publish(Addresses.PRESENCE_NODE,
        nodeView(channel, Presence.toArray(presence.localUsers(channel).values())));
    }
    expired.stream().filter(c -> !presence.localUsers(c).isEmpty()).forEach(this::schedule);
    if (!expired.isEmpty()) {
      LOG.info("presence: dropped stale views of {} channel(s)", expired.size());
    }
  }

  private JsonObject nodeView(String channel, JsonArray users) {
    return new JsonObject().put("node", nodeId).put("channel", channel).put("users", users);
  }
}
