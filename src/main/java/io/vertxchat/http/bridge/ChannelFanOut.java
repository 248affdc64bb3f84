package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * One outbound address on one HTTP verticle instance: a single event-bus consumer, however many
 * local sockets are subscribed, and each message (encoded once, by its publisher) framed once per
 * transport framing and those bytes written to all of them. The stock bridge instead registers a cluster-wide consumer per socket and encodes every
 * frame per socket (vert.x issue 3797).
 *
 * <p>Ready once the channel's events reach it: a new subscription is stored in the cluster at
 * once, but each node routes its publishes by a cached copy that it refreshes later, in the
 * background (seconds late under load). A client that joins and then pages history must not miss
 * what the channel's owner publishes in between, so a channel's fan-out asks the owner to publish
 * a marker ({@link Addresses#CHANNEL_SYNC}) until one arrives here: from then on the owner's
 * publishes come here too.
 */
final class ChannelFanOut {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelFanOut.class);
  /** How long to wait for the owner's marker before asking again. */
  private static final long SYNC_RETRY_MS = 250;
  /** Then the fan-out counts as ready without it: an owner out of reach must not hold joins forever. */
  private static final long SYNC_GIVE_UP_MS = 15_000;

  private final Vertx vertx;
  private final MessageConsumer<Object> consumer;
  private final Set<BridgeConnection> members = new LinkedHashSet<>();
  private final Promise<Void> ready = Promise.promise();
  /** The marker this fan-out waits for, while it is not ready. */
  private final String token = UUID.randomUUID().toString();
  private long syncStarted;
  private long retryTimer = -1;

  ChannelFanOut(Vertx vertx, String address, NodeStats stats) {
    this.vertx = vertx;
    this.consumer = vertx.eventBus().consumer(address, event -> {
      Object body = event.body();
      if (body instanceof String marker) {
        if (marker.equals(token)) {
          becomeReady();
        }
        return;
      }
      if (members.isEmpty()) {
        return;
      }
      long started = System.nanoTime();
      // Channel events arrive encoded once by their publisher; other streams are encoded here, once.
      Buffer message = body instanceof ChannelEvent channelEvent ? channelEvent.frame() : BridgeFrames.rec(address, body);
      // Each framing's wire frame is built once, here, and shared by every member.
      MessageFrames frames = new MessageFrames(message);
      try {
        // Copy: a slow socket may be dropped (and leave the set) while we write.
        for (BridgeConnection member : members.toArray(new BridgeConnection[0])) {
          if (!member.deliver(frames)) {
            stats.socketTooSlow();
          }
        }
      } finally {
        frames.release();
      }
      stats.fanoutDeliveries(members.size());
      stats.fanoutLatency(System.nanoTime() - started);
    });
    String channel = Addresses.channelOf(address);
    consumer.completion().onComplete(registered -> {
      if (registered.failed() || channel == null || !vertx.isClustered()) {
        becomeReady();
      } else {
        syncStarted = System.nanoTime();
        askOwner(channel);
      }
    });
  }

  /** Completes once events published on the address from now on reach this fan-out. */
  Future<Void> ready() {
    return ready.future();
  }

  private void askOwner(String channel) {
    if (ready.future().isComplete()) {
      return;
    }
    if (System.nanoTime() - syncStarted > SYNC_GIVE_UP_MS * 1_000_000) {
      LOG.warn("no marker from the owner of {} within {} ms; its subscribers here may miss events until routes settle",
        channel, SYNC_GIVE_UP_MS);
      becomeReady();
      return;
    }
    vertx.eventBus().send(Addresses.CHANNEL_SYNC, new JsonObject().put("channel", channel).put("token", token));
    retryTimer = vertx.setTimer(SYNC_RETRY_MS, t -> askOwner(channel));
  }

  private void becomeReady() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    ready.tryComplete();
  }

  boolean add(BridgeConnection connection) {
    return members.add(connection);
  }

  /** Removes a socket; true when no local socket is left, so the caller drops the consumer. */
  boolean remove(BridgeConnection connection) {
    members.remove(connection);
    return members.isEmpty();
  }

  void close() {
    becomeReady();
    consumer.unregister();
  }
}
