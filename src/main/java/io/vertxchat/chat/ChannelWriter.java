package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.contract.StoreMessages.Outcome;
import io.vertxchat.persistence.MessageStore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one writer of messages: routes each validated send to its channel's owner node, stores it
 * there in a group commit and publishes it. Per channel, one batch is in flight at a time; sends
 * that arrive meanwhile wait and go together in the next batch. Because a channel's batches
 * complete one after another on its owner, its messages are published strictly in id order, and
 * each is published before its sender gets the acknowledgement. A batch carries every channel that
 * is waiting when a store slot frees up, so under load many channels share one commit:
 * PostgreSQL's cost is per transaction far more than per row.
 *
 * <p>On the owner a send takes no event-bus hop between validation and storage: the store is
 * called directly. A send for a channel another node owns goes there once, as
 * {@code {"channel","author","text","dedupKey"}} on {@link Addresses#writerOn}.
 */
final class ChannelWriter {
  static final int MAX_BATCH = 500;
  static final int MAX_QUEUED_PER_CHANNEL = 20_000;
  /** To a channel's owner: its own store timeout (5 s) plus the way there and back. */
  private static final DeliveryOptions FORWARD = new DeliveryOptions().setSendTimeout(7_000);

  /** A validated send waiting for its batch, with the request to answer. */
  private record PendingSend(Item item, Message<?> request) {
  }

  private static final class Queue {
    final ArrayDeque<PendingSend> waiting = new ArrayDeque<>();
    boolean storing;
    boolean ready;
  }

  private final Vertx vertx;
  private final String nodeId;
  private final ChannelOwners owners;
  private final MessageStore store;
  private final int maxInFlight;
  private final Map<String, Queue> queues = new HashMap<>();
  /** Channels with sends waiting for a free store slot, oldest first, so every channel gets its turn. */
  private final ArrayDeque<String> ready = new ArrayDeque<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private int inFlight;
  private boolean pumpScheduled;
  private MessageConsumer<JsonObject> forwarded;

  /**
   * @param maxInFlight batches stored at once: about one per pool connection. Many more would
   *                    only queue in the pool and time out (seen with 500 busy channels); waiting
   *                    sends, of any channel, join the next, larger batch instead.
   */
  ChannelWriter(Vertx vertx, String nodeId, MessageStore store, int maxInFlight) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.owners = new ChannelOwners(vertx, nodeId);
    this.store = store;
    this.maxInFlight = maxInFlight;
  }

  /** Starts taking the sends other nodes forward for the channels this node owns. */
  Future<Void> start() {
    forwarded = vertx.eventBus().consumer(Addresses.writerOn(nodeId), message -> {
      JsonObject body = message.body();
      enqueue(new PendingSend(new Item(body.getString("channel"), body.getJsonObject("author"),
        body.getString("text"), body.getString("dedupKey")), message));
    });
    return forwarded.completion();
  }

  /**
   * Writes a validated send and answers {@code request} with the stored {@code Message}: here when
   * this node owns the channel, else on the owner. If the owner is gone the send fails with 503,
   * and a retry with the same clientId reaches the new owner without storing twice.
   */
  void write(Item item, Message<?> request) {
    String owner = owners.ownerOf(item.channel());
    if (owner.equals(nodeId)) {
      enqueue(new PendingSend(item, request));
      return;
    }
    JsonObject forward = new JsonObject()
      .put("channel", item.channel())
      .put("author", item.author())
      .put("text", item.text())
      .put("dedupKey", item.dedupKey());
    vertx.eventBus().<JsonObject>request(Addresses.writerOn(owner), forward, FORWARD).onComplete(reply -> {
      if (reply.succeeded()) {
        request.reply(reply.result().body());
      } else {
        fail(request, ChatException.codeOf(reply.cause()), reply.cause().getMessage());
      }
    });
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

  private void enqueue(PendingSend send) {
    String channel = send.item().channel();
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
    // Start batches after the sends already queued on this event loop arrived too: a burst shares
    // its first commits instead of each early send taking a store slot alone.
    if (!pumpScheduled) {
      pumpScheduled = true;
      vertx.getOrCreateContext().runOnContext(v -> {
        pumpScheduled = false;
        pump();
      });
    }
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

  /** Stores one batch of the sends of {@code channels}; they are marked storing until it ends. */
  private void store(List<String> channels, List<PendingSend> batch) {
    List<Item> items = new ArrayList<>(batch.size());
    batch.forEach(send -> items.add(send.item()));
    store.store(items).onComplete(result -> {
      if (result.succeeded()) {
        publishAndAcknowledge(batch, result.result().outcomes());
      } else {
        batch.forEach(send -> fail(send.request(), ErrorCodes.STORAGE_UNAVAILABLE, null));
      }
      finished(channels);
    });
  }

  /** In batch order, which is each channel's id order: publish, then acknowledge. */
  private void publishAndAcknowledge(List<PendingSend> batch, List<Outcome> outcomes) {
    for (int i = 0; i < batch.size(); i++) {
      PendingSend send = batch.get(i);
      Outcome outcome = outcomes.get(i);
      if (outcome.missingChannel()) {
        send.request().fail(ErrorCodes.NOT_FOUND, "no channel '" + send.item().channel() + "'");
      } else if (outcome.message() == null) {
        send.request().fail(ErrorCodes.STORAGE_UNAVAILABLE, "message was not stored, try again");
      } else {
        if (outcome.stored()) {
          vertx.eventBus().publish(Addresses.channel(send.item().channel()),
            ChannelEvent.of(send.item().channel(), Shapes.messageEvent(outcome.message())));
        }
        send.request().reply(outcome.message());
      }
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

  private static void fail(Message<?> request, int code, String message) {
    request.fail(code, code == ErrorCodes.STORAGE_UNAVAILABLE || message == null
      ? ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE : message);
  }
}
