package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.StoreMessages.Change;
import io.vertxchat.contract.StoreMessages.Fence;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.contract.StoreMessages.Outcome;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.persistence.MessageStore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The one writer of a channel's events: routes each validated send, edit and delete to the
 * channel's owner node, which stores it under its claim on the channel and publishes it.
 *
 * <p>Fenced: before its first write of a channel a node claims it in PostgreSQL (the channel's
 * owner epoch goes up by one), and every write checks that epoch in the statement that locks the
 * channel row. A node whose claim is stale (another node claimed the channel since, while the
 * members' views of the cluster differed) commits nothing; its writes are routed again. So one
 * channel never has two writers, and each event's sequence number (given in the commit) is one
 * more than the last. A new owner first publishes what the previous one may have committed and
 * not published: the events after the number the previous owner recorded as published.
 *
 * <p>Per channel, one write is in flight at a time; sends that arrive meanwhile wait and go
 * together in the next batch, so a channel's events are published strictly in sequence order,
 * each before its requester gets the answer. A batch carries every channel that is waiting when a
 * store slot frees up, so under load many channels share one commit: PostgreSQL's cost is per
 * transaction far more than per row. An edit or a delete is written alone, in its channel's turn.
 *
 * <p>On the owner a write takes no event-bus hop between validation and storage: the store is
 * called directly. A write for a channel another node owns goes there once, as JSON on
 * {@link Addresses#writerOn}.
 */
final class ChannelWriter {
  static final int MAX_BATCH = 500;
  static final int MAX_QUEUED_PER_CHANNEL = 20_000;
  /** Routings of one write (while members' views differ) before it fails with 503. */
  static final int MAX_ATTEMPTS = 4;
  /** The wait before routing again a write whose owner had no writer: a member leaving or joining. */
  private static final long REROUTE_MS = 500;
  /** Events per read when a new owner republishes what its predecessor may not have. */
  private static final int REPUBLISH_PAGE = 100;
  /** To a channel's owner: its own store timeout (5 s) plus the way there and back. */
  private static final DeliveryOptions FORWARD = new DeliveryOptions().setSendTimeout(7_000);

  /** A validated write waiting for its channel's turn: a send or a change, with the request to answer. */
  private record Pending(Item send, Change change, Message<?> request, int attempt) {
    String channel() {
      return send != null ? send.channel() : change.channel();
    }

    Pending again() {
      return new Pending(send, change, request, attempt + 1);
    }
  }

  private static final class Queue {
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** A batch, a change or the claim of this channel is in flight. */
    boolean storing;
    boolean ready;
  }

  /** This node's claim on a channel and the last sequence number it published. */
  private static final class Held {
    final long epoch;
    long published;

    Held(long epoch, long published) {
      this.epoch = epoch;
      this.published = published;
    }
  }

  private final Vertx vertx;
  private final String nodeId;
  private final ChannelOwners owners;
  private final MessageStore store;
  private final NodeStats stats;
  private final int maxInFlight;
  private final Map<String, Queue> queues = new HashMap<>();
  private final Map<String, Held> claims = new HashMap<>();
  /** Channels with writes waiting for a free store slot, oldest first, so every channel gets its turn. */
  private final ArrayDeque<String> ready = new ArrayDeque<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private int inFlight;
  private boolean pumpScheduled;
  private MessageConsumer<JsonObject> forwarded;
  /** Told of each new message once it is published (the unread counts' activity feed). */
  private final Consumer<JsonObject> onStored;

  /**
   * @param maxInFlight batches stored at once: about one per pool connection. Many more would
   *                    only queue in the pool and time out (seen with 500 busy channels); waiting
   *                    sends, of any channel, join the next, larger batch instead.
   */
  ChannelWriter(Vertx vertx, String nodeId, MessageStore store, NodeStats stats, int maxInFlight,
                Consumer<JsonObject> onStored) {
    this.vertx = vertx;
    this.onStored = onStored;
    this.nodeId = nodeId;
    this.owners = new ChannelOwners(vertx, nodeId);
    this.store = store;
    this.stats = stats;
    this.maxInFlight = maxInFlight;
  }

  /** Starts taking the writes other nodes forward for the channels this node owns. */
  Future<Void> start() {
    forwarded = vertx.eventBus().consumer(Addresses.writerOn(nodeId), message -> {
      JsonObject body = message.body();
      int attempt = body.getInteger("attempt", 1);
      if (body.containsKey("sync")) {
        vertx.eventBus().publish(Addresses.channel(body.getString("channel")), body.getString("sync"));
      } else if (body.containsKey("dedupKey")) {
        enqueue(new Pending(new Item(body.getString("channel"), body.getJsonObject("author"),
          body.getString("text"), body.getString("dedupKey"), body.getJsonArray("mentions")), null, message, attempt));
      } else {
        enqueue(new Pending(null, new Change(body.getLong("id"), body.getString("channel"),
          body.getLong("authorId"), body.getString("text"), body.getJsonArray("mentions"), body.getString("emoji")), message, attempt));
      }
    });
    owners.onMemberLeft(this::adoptChannelsOf);
    return forwarded.completion();
  }

  /**
   * A member left (or died): claim now the channels it wrote that this node owns from now on, so
   * that what it committed and never published is published at once, not at the channel's next write.
   */
  private void adoptChannelsOf(String node) {
    store.channelsLeftBy(node).onSuccess(channels -> channels.stream()
      .filter(channel -> owners.ownerOf(channel, node).equals(nodeId))
      .filter(channel -> !queues.containsKey(channel)) // a write in flight finds out, and claims again
      .forEach(channel -> {
        claims.remove(channel); // the departed node claimed it last: any claim held here is stale
        Queue queue = new Queue();
        queue.storing = true;
        queues.put(channel, queue);
        claim(channel);
      }));
  }

  /**
   * Publishes {@code token} on the channel's address from the channel's owner (here, or forwarded
   * there): a new subscription's proof that the owner's events reach it ({@link Addresses#CHANNEL_SYNC}).
   */
  void sync(String channel, String token) {
    String owner = owners.ownerOf(channel);
    if (owner.equals(nodeId)) {
      vertx.eventBus().publish(Addresses.channel(channel), token);
    } else {
      vertx.eventBus().send(Addresses.writerOn(owner), new JsonObject().put("channel", channel).put("sync", token));
    }
  }

  /**
   * Writes a validated send and answers {@code request} with the stored {@code Message}: here when
   * this node owns the channel, else on the owner. If the owner is gone the send fails with 503,
   * and a retry with the same clientId reaches the new owner without storing twice.
   */
  void write(Item item, Message<?> request) {
    route(new Pending(item, null, request, 1));
  }

  /**
   * Writes an edit, a delete or a reaction toggle on the channel's owner; answers the edited (or
   * reacted) {@code Message} or {@code {"id"}}.
   */
  void change(Change change, Message<?> request) {
    route(new Pending(null, change, request, 1));
  }

  private void route(Pending pending) {
    if (pending.attempt() > MAX_ATTEMPTS) {
      pending.request().fail(ErrorCodes.STORAGE_UNAVAILABLE, "the channel is changing owner, try again");
      return;
    }
    String owner = owners.ownerOf(pending.channel());
    if (owner.equals(nodeId)) {
      enqueue(pending);
      return;
    }
    JsonObject forward = new JsonObject().put("channel", pending.channel()).put("attempt", pending.attempt());
    if (pending.send() != null) {
      forward.put("author", pending.send().author()).put("text", pending.send().text())
        .put("dedupKey", pending.send().dedupKey()).put("mentions", pending.send().mentions());
    } else {
      forward.put("id", pending.change().id()).put("authorId", pending.change().authorId())
        .put("text", pending.change().text()).put("mentions", pending.change().mentions())
        .put("emoji", pending.change().emoji());
    }
    Message<?> request = pending.request();
    vertx.eventBus().<JsonObject>request(Addresses.writerOn(owner), forward, FORWARD).onComplete(reply -> {
      if (reply.succeeded()) {
        request.reply(reply.result().body());
      } else if (reply.cause() instanceof ReplyException failure && failure.failureType() == ReplyFailure.NO_HANDLERS) {
        // The owner's writer is gone (the node is leaving) or not there yet (it is joining): ask
        // again once the members agree. It never reached a writer, so nothing was stored.
        vertx.setTimer(REROUTE_MS, t -> route(pending.again()));
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

  private void enqueue(Pending pending) {
    String channel = pending.channel();
    Queue queue = queues.computeIfAbsent(channel, c -> new Queue());
    if (queue.waiting.size() >= MAX_QUEUED_PER_CHANNEL) {
      pending.request().fail(ErrorCodes.STORAGE_UNAVAILABLE, "storage is overloaded, try again");
      return;
    }
    queue.waiting.add(pending);
    if (!queue.storing && !queue.ready) {
      queue.ready = true;
      ready.add(channel);
    }
    pumpSoon();
  }

  /**
   * Starts batches after what else arrives on this event-loop turn: a burst of sends, or claims
   * and stores completing together, share their next commit instead of each taking a slot alone.
   */
  private void pumpSoon() {
    if (!pumpScheduled) {
      pumpScheduled = true;
      vertx.getOrCreateContext().runOnContext(v -> {
        pumpScheduled = false;
        pump();
      });
    }
  }

  /**
   * Starts the next writes while store slots are free: a channel this node holds no claim on is
   * claimed first, a change at the head of a channel's queue goes alone, and the sends of the
   * channels waiting now go together in one batch.
   */
  private void pump() {
    while (inFlight < maxInFlight && !ready.isEmpty()) {
      List<Pending> batch = new ArrayList<>();
      Map<String, Fence> fences = new HashMap<>();
      while (!ready.isEmpty() && batch.size() < MAX_BATCH) {
        String channel = ready.poll();
        Queue queue = queues.get(channel);
        queue.ready = false;
        queue.storing = true;
        Held held = claims.get(channel);
        if (held == null) {
          claim(channel);
        } else if (queue.waiting.peek().change() != null) {
          change(queue.waiting.poll(), held);
        } else {
          fences.put(channel, new Fence(held.epoch, held.published));
          while (!queue.waiting.isEmpty() && queue.waiting.peek().send() != null && batch.size() < MAX_BATCH) {
            batch.add(queue.waiting.poll());
          }
        }
      }
      if (!batch.isEmpty()) {
        inFlight++;
        store(fences, batch);
      }
    }
  }

  /**
   * Claims {@code channel} and publishes what its previous owner may not have (the events after the
   * number it recorded as published; subscribers drop the ones they have by sequence number).
   */
  private void claim(String channel) {
    store.claim(channel, nodeId).compose(claim -> claim == null ? Future.succeededFuture(null)
        : republish(channel, claim.publishedSeq(), claim.seq()).map(claim))
      .onComplete(result -> {
        if (result.succeeded() && result.result() != null) {
          stats.channelClaimed();
          claims.put(channel, new Held(result.result().epoch(), result.result().seq()));
        } else {
          Queue queue = queues.get(channel);
          boolean missing = result.succeeded();
          queue.waiting.forEach(p -> {
            if (missing) {
              p.request().fail(ErrorCodes.NOT_FOUND, "no channel '" + channel + "'");
            } else {
              fail(p.request(), ErrorCodes.STORAGE_UNAVAILABLE, null);
            }
          });
          queue.waiting.clear();
        }
        finished(List.of(channel));
      });
  }

  private Future<Void> republish(String channel, long after, long through) {
    if (after >= through) {
      return Future.succeededFuture();
    }
    return store.eventsAfter(channel, after, REPUBLISH_PAGE).compose(page -> {
      long last = after;
      for (Object event : page.getJsonArray("events")) {
        long seq = ((JsonObject) event).getLong("seq");
        if (seq <= through) {
          stats.eventsRepublished(1);
          vertx.eventBus().publish(Addresses.channel(channel), ChannelEvent.of(channel, (JsonObject) event));
          last = seq;
        }
      }
      return page.getBoolean("more") && last < through ? republish(channel, last, through) : Future.succeededFuture();
    });
  }

  /** Stores one batch of sends; each of its channels is marked storing until it ends. */
  private void store(Map<String, Fence> fences, List<Pending> batch) {
    List<Item> items = new ArrayList<>(batch.size());
    batch.forEach(pending -> items.add(pending.send()));
    store.store(items, fences).onComplete(result -> {
      inFlight--;
      if (result.succeeded()) {
        publishAndAnswer(batch, result.result().outcomes());
      } else {
        batch.forEach(pending -> fail(pending.request(), ErrorCodes.STORAGE_UNAVAILABLE, null));
      }
      finished(fences.keySet());
    });
  }

  /** In batch order, which is each channel's sequence order: publish, then answer. */
  private void publishAndAnswer(List<Pending> batch, List<Outcome> outcomes) {
    Map<String, List<Pending>> stale = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Pending pending = batch.get(i);
      Outcome outcome = outcomes.get(i);
      String channel = pending.channel();
      if (outcome.stale()) {
        stale.computeIfAbsent(channel, c -> new ArrayList<>()).add(pending);
      } else if (outcome.missingChannel()) {
        pending.request().fail(ErrorCodes.NOT_FOUND, "no channel '" + channel + "'");
      } else if (outcome.message() == null) {
        pending.request().fail(ErrorCodes.STORAGE_UNAVAILABLE, "message was not stored, try again");
      } else {
        if (outcome.stored()) {
          publish(channel, Shapes.messageEvent(outcome.message()), outcome.message().getLong("seq"));
          onStored.accept(outcome.message());
        }
        pending.request().reply(outcome.message());
      }
    }
    stale.forEach(this::reroute);
  }

  /** Writes one edit or delete alone, in its channel's turn. */
  private void change(Pending pending, Held held) {
    String channel = pending.channel();
    store.change(pending.change(), held.epoch).onComplete(result -> {
      if (result.failed()) {
        int code = ChatException.codeOf(result.cause());
        fail(pending.request(), code, result.cause().getMessage());
      } else if (result.result().stale()) {
        reroute(channel, List.of(pending));
      } else {
        JsonObject event = result.result().event();
        publish(channel, event, event.getLong("seq"));
        pending.request().reply(result.result().reply());
      }
      finished(List.of(channel));
    });
  }

  private void publish(String channel, JsonObject event, long seq) {
    vertx.eventBus().publish(Addresses.channel(channel), ChannelEvent.of(channel, event));
    Held held = claims.get(channel);
    if (held != null) {
      held.published = Math.max(held.published, seq);
    }
  }

  /**
   * Another node claimed {@code channel} since this node did: nothing of {@code refused} was
   * stored. Drop the claim and route those writes again, with the ones still waiting, in order;
   * while this node's view still names itself the owner it claims the channel back.
   */
  private void reroute(String channel, List<Pending> refused) {
    stats.staleClaim();
    claims.remove(channel);
    List<Pending> again = new ArrayList<>(refused);
    Queue queue = queues.get(channel);
    again.addAll(queue.waiting);
    queue.waiting.clear();
    again.forEach(pending -> route(pending.again()));
  }

  private void finished(Iterable<String> channels) {
    for (String channel : channels) {
      Queue queue = queues.get(channel);
      queue.storing = false;
      if (!queue.waiting.isEmpty()) {
        if (!queue.ready) {
          queue.ready = true;
          ready.add(channel);
        }
      } else {
        queues.remove(channel);
      }
    }
    if (queues.isEmpty() && !idleWaiters.isEmpty()) {
      List<Promise<Void>> waiters = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::tryComplete);
    }
    pumpSoon();
  }

  private static void fail(Message<?> request, int code, String message) {
    request.fail(code, code == ErrorCodes.STORAGE_UNAVAILABLE || message == null
      ? ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE : message);
  }
}
