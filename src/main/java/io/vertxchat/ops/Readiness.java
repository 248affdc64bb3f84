package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertxchat.contract.Addresses;

/**
 * The checks behind {@code GET /ready}: the node is not draining, PostgreSQL answers a query
 * (through the persistence verticle's local ping), and, when clustered, the cluster manager is
 * active with this node a member. A failed check carries a {@code reason}.
 */
public final class Readiness {
  private static final long PING_TIMEOUT_MS = 2_000;
  private static final long CHECK_TIMEOUT_MS = 3_000;

  private Readiness() {
  }

  public static HealthChecks create(Vertx vertx) {
    NodeStats stats = NodeStats.of(vertx);
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("node", CHECK_TIMEOUT_MS, promise -> promise.complete(stats.draining()
      ? Status.KO(reason("the node is shutting down"))
      : Status.OK()));
    checks.register("postgres", CHECK_TIMEOUT_MS, promise -> vertx.eventBus()
      .request(Addresses.STORE_PING, new JsonObject(), new DeliveryOptions().setSendTimeout(PING_TIMEOUT_MS))
      .onComplete(reply -> promise.complete(reply.succeeded()
        ? Status.OK()
        : Status.KO(reason("PostgreSQL is not reachable: " + reply.cause().getMessage())))));
    if (vertx.isClustered()) {
      checks.register("cluster", CHECK_TIMEOUT_MS, promise -> {
        ClusterManager cluster = ((VertxInternal) vertx).clusterManager();
        promise.complete(cluster.isActive()
          ? Status.OK(new JsonObject().put("members", cluster.getNodes().size()))
          : Status.KO(reason("not a member of the cluster")));
      });
    }
    return checks;
  }

  private static JsonObject reason(String text) {
    return new JsonObject().put("reason", text);
  }
}
