package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertxchat.contract.Addresses;
import io.vertxchat.ops.NodeStats;

import java.util.HashMap;
import java.util.Map;

/**
 * The outbound subscriptions of one HTTP verticle instance: per address one {@link ChannelFanOut}
 * (one event-bus consumer however many local sockets), created with the first socket and dropped
 * with the last.
 */
final class FanOuts {
  private final Vertx vertx;
  private final NodeStats stats;
  private final Map<String, ChannelFanOut> byAddress = new HashMap<>();

  FanOuts(Vertx vertx) {
    this.vertx = vertx;
    this.stats = NodeStats.of(vertx);
  }

  /** Subscribes; completes once the address's events reach this node (at once when they already did). */
  Future<Void> subscribe(BridgeConnection connection, String address) {
    ChannelFanOut fanOut = byAddress.computeIfAbsent(address, a -> new ChannelFanOut(vertx, a, stats));
    if (connection.addresses.add(address)) {
      fanOut.add(connection);
      String channel = Addresses.channelOf(address);
      if (channel != null) {
        stats.subscribed(channel);
      }
    }
    return fanOut.ready();
  }

  /** Unsubscribes; false when the socket was not subscribed to the address. */
  boolean unsubscribe(BridgeConnection connection, String address) {
    if (!connection.addresses.remove(address)) {
      return false;
    }
    String channel = Addresses.channelOf(address);
    if (channel != null) {
      stats.unsubscribed(channel);
    }
    ChannelFanOut fanOut = byAddress.get(address);
    if (fanOut != null && fanOut.remove(connection)) {
      byAddress.remove(address);
      fanOut.close();
    }
    return true;
  }
}
