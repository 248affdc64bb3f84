package io.vertxchat.http.bridge;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Open sockets per user across the cluster, in the Hazelcast map {@value #MAP}: one entry per user
 * with at least one socket, holding a count per node (the Hazelcast member's UUID). A take and a
 * release are entry processors, run one at a time on the key's partition owner, so the limit
 * holds exactly: two nodes asking for a user's last slot at the same instant get one yes and one
 * no. A take costs one cluster round trip per socket opened (not per frame).
 *
 * <p>Counts do not outlive their node: a node's sockets release their counts as they close, and
 * when a member leaves the cluster (stopped, or killed with {@code kill -9}) every survivor drops
 * that member's counts from every entry (idempotent, so all may do it). While Hazelcast has not
 * yet declared a killed member gone, its sockets still count: a socket over the limit waits up to
 * {@link #SLOT_WAIT_MS} for a slot before it is refused, so a reconnect storm from a dead node is
 * let in (the bound: a member undetected for longer than that, and a refusal that takes that long). If the map does not
 * answer, {@link BridgeSockets} admits the socket uncounted (logged): a cluster fault must not
 * lock people out.
 */
final class ClusterSocketCounts implements SocketCounts {
  static final String MAP = "chat.sockets-per-user";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterSocketCounts.class);

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String node;
  private final CompletionStage<IMap<Long, HashMap<String, Integer>>> map;

  ClusterSocketCounts(Vertx vertx) {
    this.vertx = vertx;
    this.hazelcast = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
    this.node = hazelcast.getCluster().getLocalMember().getUuid().toString();
    // Getting a map may block (proxy creation is a cluster call): once, on a worker.
    this.map = vertx.executeBlocking(() -> hazelcast.<Long, HashMap<String, Integer>>getMap(MAP)).toCompletionStage();
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        dropNode(event.getMember().getUuid().toString());
      }
    });
  }

  /**
   * A "no" is asked again for this long before it is final: a member killed with kill -9 still
   * counts until Hazelcast declares it gone (under a second on a LAN, seen 0.65 s here), and its
   * sockets reconnect to the survivors at once: they must not be refused for its stale counts.
   */
  static final long SLOT_WAIT_MS = 3_000;
  private static final long SLOT_RETRY_MS = 200;

  @Override
  public Future<Boolean> take(long user, int limit) {
    // Answered on the caller's event loop (each HTTP verticle instance keeps its own sockets).
    return take(user, limit, vertx.getOrCreateContext(), System.currentTimeMillis() + SLOT_WAIT_MS);
  }

  private Future<Boolean> take(long user, int limit, Context context, long deadline) {
    return Future.fromCompletionStage(map.thenCompose(sockets -> sockets.submitToKey(user, new Take(node, limit))), context)
      .compose(taken -> {
        if (taken || System.currentTimeMillis() >= deadline) {
          return Future.succeededFuture(taken);
        }
        return vertx.timer(SLOT_RETRY_MS).compose(t -> take(user, limit, context, deadline));
      });
  }

  @Override
  public void release(long user) {
    map.thenCompose(sockets -> sockets.submitToKey(user, new Release(node)))
      .exceptionally(e -> {
        LOG.debug("could not release a socket of user {}: {}", user, e.toString());
        return null;
      });
  }

  private void dropNode(String gone) {
    vertx.executeBlocking(() -> map.toCompletableFuture().join().executeOnEntries(new DropNode(gone)))
      .onSuccess(v -> LOG.info("socket counts of the departed member {} dropped", gone))
      .onFailure(e -> {
        // A node that is itself leaving has nothing left to clean; the remaining members do it.
        if (hazelcast.getLifecycleService().isRunning()) {
          LOG.warn("could not drop the socket counts of the departed member {}: {}", gone, e.toString());
        }
      });
  }

  private static int total(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** One more socket on {@code node}, unless the user has {@code limit} on all nodes together. */
  static final class Take implements EntryProcessor<Long, HashMap<String, Integer>, Boolean> {
    private final String node;
    private final int limit;

    Take(String node, int limit) {
      this.node = node;
      this.limit = limit;
    }

    @Override
    public Boolean process(Map.Entry<Long, HashMap<String, Integer>> entry) {
      HashMap<String, Integer> counts = entry.getValue() == null ? new HashMap<>() : entry.getValue();
      if (total(counts) >= limit) {
        return false;
      }
      counts.merge(node, 1, Integer::sum);
      entry.setValue(counts);
      return true;
    }
  }

  /** One socket fewer on {@code node}; the entry goes when the user has none left. */
  static final class Release implements EntryProcessor<Long, HashMap<String, Integer>, Void> {
    private final String node;

    Release(String node) {
      this.node = node;
    }

    @Override
    public Void process(Map.Entry<Long, HashMap<String, Integer>> entry) {
      HashMap<String, Integer> counts = entry.getValue();
      if (counts == null) {
        return null;
      }
      counts.computeIfPresent(node, (k, n) -> n <= 1 ? null : n - 1);
      entry.setValue(counts.isEmpty() ? null : counts);
      return null;
    }
  }

  /** Forgets a departed member's sockets. */
  static final class DropNode implements EntryProcessor<Long, HashMap<String, Integer>, Void> {
    private final String node;

    DropNode(String node) {
      this.node = node;
    }

    @Override
    public Void process(Map.Entry<Long, HashMap<String, Integer>> entry) {
      HashMap<String, Integer> counts = entry.getValue();
      if (counts != null && counts.remove(node) != null) {
        entry.setValue(counts.isEmpty() ? null : counts);
      }
      return null;
    }
  }
}
