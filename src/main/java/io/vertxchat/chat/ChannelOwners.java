package io.vertxchat.chat;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

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
  /** Where vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final Vertx vertx;
  private final String self;
  private final ClusterManager cluster;

  ChannelOwners(Vertx vertx, String self) {
    this.vertx = vertx;
    this.self = self;
    this.cluster = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
  }

  String ownerOf(String channel) {
    return ownerOf(channel, null);
  }

  /** The owner among the members but {@code gone} (a member that is leaving, or null). */
  String ownerOf(String channel, String gone) {
    if (cluster == null) {
      return self;
    }
    List<String> nodes = cluster.getNodes();
    String owner = self;
    long best = Long.MIN_VALUE;
    for (String node : nodes) {
      if (node.equals(gone)) {
        continue;
      }
      long weight = weight(channel, node);
      if (weight > best || (weight == best && node.compareTo(owner) < 0)) {
        best = weight;
        owner = node;
      }
    }
    return owner;
  }

  /** Calls {@code handler}, on the caller's context, with the id of each member that leaves the cluster. */
  void onMemberLeft(Handler<String> handler) {
    if (cluster instanceof HazelcastClusterManager hazelcast) {
      Context context = vertx.getOrCreateContext();
      hazelcast.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          // Vert.x's node id is a member attribute, not the member's UUID.
          String node = event.getMember().getAttribute(VERTX_NODE_ID);
          if (node != null) {
            context.runOnContext(v -> handler.handle(node));
          }
        }
      });
    }
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
