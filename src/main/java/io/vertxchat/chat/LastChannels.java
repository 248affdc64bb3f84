package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each user's last visited channel, written behind: joins only note it here, and one statement
 * writes every change of the last {@link #FLUSH_MS} (the newest channel per user). Thousands of
 * sockets joining at once cost one write, not one pool connection each. Best effort: a failed
 * write is logged and dropped (the user reopens an older channel next time).
 */
final class LastChannels {
  private static final Logger LOG = LoggerFactory.getLogger(LastChannels.class);
  static final long FLUSH_MS = 200;
  private static final int MAX_PER_WRITE = 1_000;
  private static final int REMEMBERED = 10_000;
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);

  private final Vertx vertx;
  private Map<Long, String> pending = new LinkedHashMap<>();
  /** What was written last per user (bounded), so a user rejoining the same channel writes nothing. */
  private final Map<Long, String> written = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
      return size() > REMEMBERED;
    }
  };
  private boolean scheduled;

  LastChannels(Vertx vertx) {
    this.vertx = vertx;
  }

  void visited(long userId, String channel) {
    if (channel.equals(pending.get(userId)) || (!pending.containsKey(userId) && channel.equals(written.get(userId)))) {
      return;
    }
    pending.put(userId, channel);
    if (!scheduled) {
      scheduled = true;
      vertx.setTimer(FLUSH_MS, id -> flush());
    }
  }

  /** The channel a user visited here but that is not written yet, or null. */
  String unwritten(long userId) {
    return pending.get(userId);
  }

  /** Writes what is pending now; completes when written (or failed, which is logged). */
  Future<Void> flush() {
    scheduled = false;
    if (pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, String> batch = pending;
    pending = new LinkedHashMap<>();
    List<Future<?>> writes = new ArrayList<>();
    Map<Long, String> chunk = new HashMap<>();
    for (Map.Entry<Long, String> entry : batch.entrySet()) {
      chunk.put(entry.getKey(), entry.getValue());
      if (chunk.size() == MAX_PER_WRITE) {
        writes.add(write(chunk));
        chunk = new HashMap<>();
      }
    }
    if (!chunk.isEmpty()) {
      writes.add(write(chunk));
    }
    return Future.join(writes).mapEmpty();
  }

  private Future<?> write(Map<Long, String> chunk) {
    JsonArray users = new JsonArray();
    chunk.forEach((id, channel) -> users.add(new JsonObject().put("id", id).put("channel", channel)));
    return vertx.eventBus().request(Addresses.STORE_LAST_CHANNELS, new JsonObject().put("users", users), STORE)
      .onSuccess(reply -> written.putAll(chunk))
      .onFailure(e -> LOG.warn("last channels of {} user(s) not written: {}", users.size(), e.toString()));
  }
}
