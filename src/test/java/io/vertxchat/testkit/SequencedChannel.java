package io.vertxchat.testkit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The client side of the sequence protocol (README, "Ordering and resume"), as any client should
 * implement it: a channel's stored events are applied in sequence order, each once. A live event
 * that skips numbers waits while the gap is fetched with {@code chat.history {"afterSeq"}}; one at
 * or below the last applied number is dropped. After a reconnect the same fetch resumes.
 * Thread-safe: events and replies may arrive on any thread.
 */
public final class SequencedChannel {
  private static final int PAGE = 100;

  private final String channel;
  private final Supplier<BridgeClient> socket;
  private long seq;
  private final TreeMap<Long, JsonObject> waiting = new TreeMap<>();
  private boolean filling;
  /** Applied events in the order applied: what a user was shown. */
  private final List<JsonObject> applied = new ArrayList<>();
  private int dropped;
  private int gaps;
  private int fetchFailures;

  /** @param socket the client's current socket (it changes on reconnect) */
  public SequencedChannel(String channel, Supplier<BridgeClient> socket) {
    this.channel = channel;
    this.socket = socket;
  }

  /** A live frame of the socket; channel events with a sequence number are taken, others ignored. */
  public void onFrame(JsonObject frame) {
    JsonObject body = frame.getJsonObject("body");
    if (body == null || body.getValue("seq") == null || !("chat.channel." + channel).equals(frame.getString("address"))) {
      return;
    }
    boolean fetch;
    synchronized (this) {
      long n = body.getLong("seq");
      if (n <= seq) {
        dropped++;
        return;
      }
      if (n == seq + 1 && !filling) {
        apply(body);
        drain();
        return;
      }
      waiting.put(n, body);
      if (!filling) {
        gaps++;
      }
      fetch = !filling;
      filling = true;
    }
    if (fetch) {
      fetchFrom().onComplete(done -> fetchDone(done.succeeded()));
    }
  }

  /** Fetches what was missed (after a reconnect, or to look again); completes when caught up. */
  public Future<Void> resume() {
    synchronized (this) {
      if (filling) {
        return Future.succeededFuture(); // a fetch is on its way and will drain
      }
      filling = true;
    }
    return fetchFrom().andThen(done -> fetchDone(done.succeeded())).mapEmpty();
  }

  private Future<Void> fetchFrom() {
    long from;
    synchronized (this) {
      from = seq;
    }
    BridgeClient s = socket.get();
    if (s == null || s.isClosed()) {
      return Future.failedFuture("no socket");
    }
    return s.requestAsync("chat.history", new JsonObject().put("channel", channel).put("afterSeq", from).put("limit", PAGE),
      10_000).compose(reply -> {
        if (reply.getValue("failureCode") != null) {
          return Future.failedFuture("history failed: " + reply);
        }
        JsonObject page = reply.getJsonObject("body");
        synchronized (this) {
          for (Object e : page.getJsonArray("events")) {
            JsonObject event = (JsonObject) e;
            if (event.getLong("seq") > seq) {
              applied.add(event);
            }
          }
          seq = Math.max(seq, page.getLong("seq"));
        }
        return page.getBoolean("more") ? fetchFrom() : Future.succeededFuture();
      });
  }

  private void fetchDone(boolean ok) {
    boolean again;
    synchronized (this) {
      filling = false;
      if (!ok) {
        fetchFailures++;
        return; // the next event or resume asks again
      }
      drain();
      again = !waiting.isEmpty();
      filling = again;
    }
    if (again) {
      fetchFrom().onComplete(done -> fetchDone(done.succeeded()));
    }
  }

  /** Applies the waiting events that follow on; drops the ones already covered. */
  private void drain() {
    while (!waiting.isEmpty()) {
      long first = waiting.firstKey();
      if (first <= seq) {
        waiting.pollFirstEntry();
        dropped++;
      } else if (first == seq + 1) {
        apply(waiting.pollFirstEntry().getValue());
      } else {
        return;
      }
    }
  }

  private void apply(JsonObject event) {
    applied.add(event);
    seq = event.getLong("seq");
  }

  public synchronized long seq() {
    return seq;
  }

  public synchronized boolean idle() {
    return !filling && waiting.isEmpty();
  }

  /** The applied events, in the order applied. */
  public synchronized List<JsonObject> applied() {
    return List.copyOf(applied);
  }

  /**
   * What a user is shown now, by message id, from the applied events: a message event adds its
   * message; an edit or a reaction event (both carry the whole message as that event left it,
   * reactions included) replaces it; a delete removes it.
   */
  public synchronized Map<Long, JsonObject> messages() {
    Map<Long, JsonObject> shown = new LinkedHashMap<>();
    for (JsonObject event : applied) {
      switch (event.getString("type")) {
        case "message", "edit", "reaction" -> shown.put(event.getJsonObject("message").getLong("id"), event.getJsonObject("message"));
        case "delete" -> shown.remove(event.getLong("id"));
        default -> {
        }
      }
    }
    return shown;
  }

  /** Live events dropped because their number had been applied already. */
  public synchronized int dropped() {
    return dropped;
  }

  /** Gaps seen in the live stream (each one fetched). */
  public synchronized int gaps() {
    return gaps;
  }

  public synchronized int fetchFailures() {
    return fetchFailures;
  }
}
