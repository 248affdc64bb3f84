package io.vertxchat.http.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.LocalMap;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open bridge sockets per user, for the per-user limit: across the cluster when Vert.x is
 * clustered ({@link ClusterSocketCounts}), else on this node. One per node, shared by every HTTP
 * verticle instance.
 */
interface SocketCounts {
  /**
   * Counts one more socket of {@code user} unless it already has {@code limit}; true when counted.
   * Completes on the caller's context; fails when the count could not be reached.
   */
  Future<Boolean> take(long user, int limit);

  /** A counted socket closed. */
  void release(long user);

  static SocketCounts of(Vertx vertx) {
    return Nodes.BY_VERTX.computeIfAbsent(vertx, v -> {
      // Forgotten with its Vert.x instance, so a closed node is not kept alive by this map.
      ((VertxInternal) v).addCloseHook(done -> {
        Nodes.BY_VERTX.remove(v);
        done.succeed();
      });
      return v.isClustered() ? new ClusterSocketCounts(v) : new Local(v);
    });
  }

  /** The node's one instance, by Vert.x instance (tests run several nodes in one JVM). */
  final class Nodes {
    private static final Map<Vertx, SocketCounts> BY_VERTX = new ConcurrentHashMap<>();

    private Nodes() {
    }
  }

  /** The count of a node that is not clustered, in a local map shared by the HTTP verticle instances. */
  final class Local implements SocketCounts {
    private final LocalMap<Long, Integer> socketsByUser;

    Local(Vertx vertx) {
      this.socketsByUser = vertx.sharedData().getLocalMap("chat.sockets-by-user");
    }

    @Override
    public Future<Boolean> take(long user, int limit) {
      int count = socketsByUser.merge(user, 1, Integer::sum);
      if (count > limit) {
        release(user);
        return Future.succeededFuture(false);
      }
      return Future.succeededFuture(true);
    }

    @Override
    public void release(long user) {
      socketsByUser.merge(user, -1, (a, b) -> a + b <= 0 ? null : a + b);
    }
  }
}
