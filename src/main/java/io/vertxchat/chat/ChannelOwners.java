package io.vertxchat.chat;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Which node writes a channel: each channel has one owner among the cluster's members, chosen by
 * rendezvous hashing, so every node agrees without talking and a member joining or leaving moves
 * only its share of channels. Writing and publishing a channel on one node is what keeps its
 * events in id order for every subscriber: two nodes each publishing their own commits could
 * deliver a lower id after a higher one.
 */
final class ChannelOwners {
  private final String self;
  private final ClusterManager cluster;

  ChannelOwners(Vertx vertx, String self) {
    this.self = self;
    this.cluster = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
  }

  String ownerOf(String channel) {
    if (cluster == null) {
      return self;
    }
    List<String> nodes = cluster.getNodes();
    String owner = self;
    long best = Long.MIN_VALUE;
    for (String node : nodes) {
      long weight = weight(channel, node);
      if (weight > best || (weight == best && node.compareTo(owner) < 0)) {
        best = weight;
        owner = node;
      }
    }
    return owner;
  }

  private static long weight(String channel, String node) {
    CRC32 crc = new CRC32();
    crc.update(node.getBytes(StandardCharsets.UTF_8));
    crc.update(0);
    crc.update(channel.getBytes(StandardCharsets.UTF_8));
    // Spread the 32-bit checksum so that nearby values do not favour one node.
    long x = crc.getValue() * 0x9E3779B97F4A7C15L;
    return x ^ (x >>> 29);
  }
}
