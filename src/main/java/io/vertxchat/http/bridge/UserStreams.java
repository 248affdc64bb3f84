package io.vertxchat.http.bridge;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The sockets of one HTTP verticle instance that registered {@link Addresses#USER_STREAM}, by
 * user: each gets its own user's events ({@link Addresses#USER_EVENTS}: channels that appeared,
 * removals, read marks) and, once per activity tick, the activity of the channels it may read
 * that it did not write itself ({@link Addresses#ACTIVITY}).
 */
final class UserStreams {
  private final Map<Long, Set<BridgeConnection>> byUser = new HashMap<>();

  UserStreams(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer(Addresses.USER_EVENTS, m -> tell(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.ACTIVITY, m -> activity(m.body().getJsonArray("events")));
  }

  void subscribe(BridgeConnection connection) {
    if (connection.addresses.add(Addresses.USER_STREAM)) {
      byUser.computeIfAbsent(connection.user.getLong("id"), id -> new LinkedHashSet<>()).add(connection);
    }
  }

  /** Unsubscribes; false when the socket was not subscribed. */
  boolean unsubscribe(BridgeConnection connection) {
    if (!connection.addresses.remove(Addresses.USER_STREAM)) {
      return false;
    }
    Long user = connection.user.getLong("id");
    Set<BridgeConnection> sockets = byUser.get(user);
    if (sockets != null && sockets.remove(connection) && sockets.isEmpty()) {
      byUser.remove(user);
    }
    return true;
  }

  private void tell(JsonObject body) {
    Buffer frame = BridgeFrames.rec(Addresses.USER_STREAM, body.getJsonObject("event"));
    JsonArray to = body.getJsonArray("to");
    if (to == null) {
      byUser.values().forEach(sockets -> sockets.forEach(c -> c.write(frame)));
      return;
    }
    to.forEach(id -> {
      Set<BridgeConnection> sockets = byUser.get(((Number) id).longValue());
      if (sockets != null) {
        sockets.forEach(c -> c.write(frame));
      }
    });
  }

  /** Whether {@code ids} holds {@code id} (numbers may arrive as Integer or Long). */
  private static boolean holds(JsonArray ids, long id) {
    for (Object value : ids) {
      if (((Number) value).longValue() == id) {
        return true;
      }
    }
    return false;
  }

  /** One frame per socket per tick, with only what its user may read and did not write. */
  private void activity(JsonArray events) {
    byUser.forEach((user, sockets) -> {
      JsonArray theirs = new JsonArray();
      events.forEach(e -> {
        JsonObject event = (JsonObject) e;
        JsonArray members = event.getJsonArray("members");
        if (((Number) event.getValue("author")).longValue() != user && (members == null || holds(members, user))) {
          theirs.add(new JsonObject().put("channel", event.getString("channel")).put("seq", event.getLong("seq"))
            .put("mentioned", holds(event.getJsonArray("mentions"), user)));
        }
      });
      if (!theirs.isEmpty()) {
        Buffer frame = BridgeFrames.rec(Addresses.USER_STREAM, new JsonObject().put("type", "activity").put("events", theirs));
        sockets.forEach(c -> c.write(frame));
      }
    });
  }
}
