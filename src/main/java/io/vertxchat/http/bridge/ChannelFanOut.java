package io.vertxchat.http.bridge;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.ops.NodeStats;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One outbound address on one HTTP verticle instance: a single event-bus consumer, however many
 * local sockets are subscribed, and each message (encoded once, by its publisher) framed once per
 * transport framing and those bytes written to all of them. The stock bridge instead registers a cluster-wide consumer per socket and encodes every
 * frame per socket (vert.x issue 3797).
 */
final class ChannelFanOut {
  private final MessageConsumer<Object> consumer;
  private final Set<BridgeConnection> members = new LinkedHashSet<>();

  ChannelFanOut(Vertx vertx, String address, NodeStats stats) {
    this.consumer = vertx.eventBus().consumer(address, event -> {
      if (members.isEmpty()) {
        return;
      }
      long started = System.nanoTime();
      // Channel events arrive encoded once by their publisher; other streams are encoded here, once.
      Object body = event.body();
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
    consumer.unregister();
  }
}
