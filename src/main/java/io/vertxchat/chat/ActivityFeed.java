package io.vertxchat.chat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What this node stored lately, told to every node's bridge for the unread counts of people who
 * are not looking at the channel: at most one publish per {@link #TICK_MS}, however busy, so the
 * cost is one small cluster message per tick and one frame per socket per tick, never one per
 * message per socket. Each entry says who wrote it and whom it mentions; a private or direct
 * channel's entries carry its members, and the bridges tell only them.
 */
final class ActivityFeed {
  static final long TICK_MS = 250;

  private final Vertx vertx;
  private final ChannelDirectory directory;
  private JsonArray pending = new JsonArray();
  private boolean scheduled;

  ActivityFeed(Vertx vertx, ChannelDirectory directory) {
    this.vertx = vertx;
    this.directory = directory;
  }

  /** A new message was stored and published. */
  void stored(JsonObject message) {
    String channel = message.getString("channel");
    JsonObject entry = new JsonObject()
      .put("channel", channel)
      .put("seq", message.getLong("seq"))
      .put("author", message.getJsonObject("author").getLong("id"))
      .put("mentions", mentionedIds(message));
    pending.add(entry);
    if (!scheduled) {
      scheduled = true;
      vertx.setTimer(TICK_MS, id -> flush());
    }
  }

  private static JsonArray mentionedIds(JsonObject message) {
    JsonArray ids = new JsonArray();
    JsonArray mentions = message.getJsonArray("mentions");
    if (mentions != null) {
      mentions.forEach(m -> ids.add(m instanceof JsonObject user ? user.getValue("id") : m));
    }
    return ids;
  }

  private void flush() {
    scheduled = false;
    JsonArray events = pending;
    pending = new JsonArray();
    // Members as they are now, not when the message was stored: somebody removed meanwhile is not
    // told. Listed once per channel per tick, shared by its entries.
    Map<String, JsonArray> membersOf = new HashMap<>();
    events.forEach(e -> {
      JsonObject entry = (JsonObject) e;
      JsonArray members = membersOf.computeIfAbsent(entry.getString("channel"), this::membersNow);
      if (members != null) {
        entry.put("members", members);
      }
    });
    vertx.eventBus().publish(Addresses.ACTIVITY, new JsonObject().put("events", events));
  }

  /** A private or direct channel's members; null for a public one. */
  private JsonArray membersNow(String channel) {
    Set<Long> members = directory.membersOf(channel);
    return members == null ? null : new JsonArray(new ArrayList<>(members));
  }
}
