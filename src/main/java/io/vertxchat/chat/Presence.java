package io.vertxchat.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who is in which channel, across the cluster. Each node knows its own sockets exactly and
 * learns the other nodes' views from their announcements; a view not refreshed within the
 * expiry is dropped, so a node that died (even by kill -9) disappears from presence by itself.
 */
final class Presence {
  private record NodeView(Map<Long, JsonObject> users, long seenAt) {
  }

  private final String nodeId;
  private final long expiryMs;
  /** A channel's local sockets, and per user how many of them (so a join or leave is O(1)). */
  private static final class LocalChannel {
    final Map<String, Long> sockets = new HashMap<>();
    final Map<Long, JsonObject> users = new LinkedHashMap<>();
    final Map<Long, Integer> socketsPerUser = new HashMap<>();
  }

  /** channel -> this node's sockets and users in it. */
  private final Map<String, LocalChannel> local = new HashMap<>();
  /** channel -> node id -> that node's users. */
  private final Map<String, Map<String, NodeView>> remote = new HashMap<>();

  Presence(String nodeId, long expiryMs) {
    this.nodeId = nodeId;
    this.expiryMs = expiryMs;
  }

  /** Records a socket joining or leaving; true when this node's user set for the channel changed. */
  boolean local(String channel, String socket, JsonObject user, boolean joined) {
    long userId = user.getLong("id");
    if (joined) {
      LocalChannel here = local.computeIfAbsent(channel, c -> new LocalChannel());
      if (here.sockets.putIfAbsent(socket, userId) != null) {
        return false;
      }
      here.users.putIfAbsent(userId, user);
      return here.socketsPerUser.merge(userId, 1, Integer::sum) == 1;
    }
    LocalChannel here = local.get(channel);
    if (here == null || here.sockets.remove(socket) == null) {
      return false;
    }
    boolean gone = here.socketsPerUser.merge(userId, -1, (a, b) -> a + b <= 0 ? null : a + b) == null;
    if (gone) {
      here.users.remove(userId);
    }
    if (here.sockets.isEmpty()) {
      local.remove(channel);
    }
    return gone;
  }

  /** This node's distinct users in a channel. */
  Map<Long, JsonObject> localUsers(String channel) {
    LocalChannel here = local.get(channel);
    return here == null ? Map.of() : here.users;
  }

  Set<String> localChannels() {
    return new HashSet<>(local.keySet());
  }

  /** Records another node's announcement; true when the merged set of the channel changed. */
  boolean remote(String node, String channel, JsonArray users, long now) {
    if (nodeId.equals(node)) {
      return false;
    }
    Set<Long> before = merged(channel).keySet();
    Map<Long, JsonObject> view = new LinkedHashMap<>();
    users.forEach(u -> view.put(((JsonObject) u).getLong("id"), (JsonObject) u));
    Map<String, NodeView> nodes = remote.computeIfAbsent(channel, c -> new HashMap<>());
    if (view.isEmpty()) {
      nodes.remove(node);
    } else {
      nodes.put(node, new NodeView(view, now));
    }
    return !before.equals(merged(channel).keySet());
  }

  /** Drops views not refreshed in time; returns the channels whose merged set changed. */
  Set<String> expire(long now) {
    Set<String> changed = new HashSet<>();
    remote.forEach((channel, nodes) -> {
      if (nodes.values().removeIf(v -> now - v.seenAt() > expiryMs)) {
        changed.add(channel);
      }
    });
    remote.values().removeIf(Map::isEmpty);
    return changed;
  }

  /** Everyone in a channel on any node, by user id. */
  Map<Long, JsonObject> merged(String channel) {
    Map<Long, JsonObject> users = new LinkedHashMap<>(localUsers(channel));
    remote.getOrDefault(channel, Map.of()).values().forEach(v -> v.users().forEach(users::putIfAbsent));
    return users;
  }

  static JsonArray toArray(Collection<JsonObject> users) {
    JsonArray array = new JsonArray();
    users.forEach(array::add);
    return array;
  }
}
