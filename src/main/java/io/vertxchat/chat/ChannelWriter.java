package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores and publishes each channel's messages in order. Per channel, one batch is in flight at
 * a time; sends that arrive meanwhile wait and go together in the next batch (group commit).
 * Because batches of a channel complete one after another, messages are published strictly in id
 * order, and each is published before its sender gets the acknowledgement. A batch carries every
 * channel that is waiting when a store slot frees up, so under load many channels share one
 * commit: PostgreSQL's cost is per transaction far more than per row.
 */
final class ChannelWriter {
  static final int MAX_BATCH = 500;
  static final int MAX_QUEUED_PER_CHANNEL = 20_000;
  private static final long STORE_TIMEOUT_MS = 5_000;

  /** A validated send waiting for its batch. */
  record PendingSend(String channel, JsonObject author, String text, String clientId, Message<?> request) {
  }

  private static final class Queue {
    final ArrayDeque<PendingSend> waiting = new ArrayDeque<>();
    boolean storing;
    boolean ready;
  }

  private final Vertx vertx;
  private final int maxInFlight;
  private final Map<String, Queue> queues = new HashMap<>();
  /** Channels with sends waiting for a free store slot, oldest first, so every channel gets its turn. */
  private final ArrayDeque<String> ready = new ArrayDeque<>();
  private int inFlight;
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private final DeliveryOptions storeOptions = new DeliveryOptions().setSendTimeout(STORE_TIMEOUT_MS);

  /**
   * @param maxInFlight batches stored at once: about one per pool connection. Many more would
   *                    only queue in the pool and time out (seen with 500 busy channels); waiting
   *                    sends, of any channel, join the next, larger batch instead.
   */
  ChannelWriter(Vertx vertx, int maxInFlight) {
    this.vertx = vertx;
    this.maxInFlight = maxInFlight;
  }

  /** Number of sends waiting or being stored, across channels. */
  int backlog() {
    return queues.values().stream().mapToInt(q -> q.waiting.size()).sum();
  }

  /** Completes once no send is waiting or being stored (at once when idle now). */
  Future<Void> idle() {
    if (queues.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    idleWaiters.add(promise);
    return promise.future();
  }

  void submit(PendingSend send) {
    String channel = send.channel();
    Queue queue = queues.computeIfAbsent(channel, c -> new Queue());
    if (queue.waiting.size() >= MAX_QUEUED_PER_CHANNEL) {
      send.request().fail(ErrorCodes.STORAGE_UNAVAILABLE, "storage is overloaded, try again");
      return;
    }
    queue.waiting.add(send);
    if (!queue.storing && !queue.ready) {
      queue.ready = true;
      ready.add(channel);
    }
    pump();
  }

  /** Starts the next batches while store slots are free, each with the channels waiting now. */
  private void pump() {
    while (inFlight < maxInFlight && !ready.isEmpty()) {
      List<PendingSend> batch = new ArrayList<>();
      List<String> channels = new ArrayList<>();
      while (!ready.isEmpty() && batch.size() < MAX_BATCH) {
        String channel = ready.poll();
        Queue queue = queues.get(channel);
        queue.ready = false;
        queue.storing = true;
        channels.add(channel);
        while (!queue.waiting.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(queue.waiting.poll());
        }
      }
      inFlight++;
      store(channels, batch);
    }
  }

  private void finished(List<String> channels) {
    inFlight--;
    for (String channel : channels) {
      Queue queue = queues.get(channel);
      queue.storing = false;
      if (!queue.waiting.isEmpty()) {
        queue.ready = true;
        ready.add(channel);
      } else {
        queues.remove(channel);
      }
    }
    if (queues.isEmpty() && !idleWaiters.isEmpty()) {
      List<Promise<Void>> waiters = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::tryComplete);
    }
    pump();
  }

  /** Stores one batch of the sends of {@code channels}; they are marked storing until it ends. */
  private void store(List<String> channels, List<PendingSend> batch) {
    JsonArray items = new JsonArray();
    for (PendingSend send : batch) {
      items.add(new JsonObject().put("channel", send.channel()).put("author", send.author()).put("text", send.text())
        .put("clientId", send.clientId()));
    }
    vertx.eventBus()
      .<JsonObject>request(Addresses.STORE_MESSAGES, new JsonObject().put("messages", items), storeOptions)
      .onComplete(reply -> {
        if (reply.succeeded()) {
          publishAndAcknowledge(batch, reply.result().body().getJsonArray("results"));
        } else {
          int code = ChatException.codeOf(reply.cause());
          batch.forEach(send -> send.request().fail(code, "storage unavailable, try again"));
        }
        finished(channels);
      });
  }

  /** In batch order, which is each channel's id order: publish, then acknowledge. */
  private void publishAndAcknowledge(List<PendingSend> batch, JsonArray results) {
    for (int i = 0; i < batch.size(); i++) {
      PendingSend send = batch.get(i);
      JsonObject result = results.getJsonObject(i);
      JsonObject message = result.getJsonObject("message");
      Message<?> request = send.request();
      if (result.getBoolean("missingChannel", false)) {
        request.fail(ErrorCodes.NOT_FOUND, "no channel '" + send.channel() + "'");
      } else if (message == null) {
        request.fail(ErrorCodes.STORAGE_UNAVAILABLE, "message was not stored, try again");
      } else {
        if (result.getBoolean("stored")) {
          vertx.eventBus().publish(Addresses.channel(send.channel()), Shapes.messageEvent(message));
        }
        request.reply(message);
      }
    }
  }
}
