package io.vertxchat.http.bridge;

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

  void subscribe(BridgeConnection connection, String address) {
    if (connection.addresses.add(address)) {
      byAddress.computeIfAbsent(address, a -> new ChannelFanOut(vertx, a, stats)).add(connection);
      String channel = Addresses.channelOf(address);
      if (channel != null) {
        stats.subscribed(channel);
      }
    }
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
