package io.vertxchat.chat;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A per-user token bucket held by the whole cluster: Bucket4j's bucket in the Hazelcast map
 * {@value #MAP} (one entry per user and limit, updated by an entry processor on the key's
 * partition owner, so concurrent takes from every node are atomic), and on each node a small
 * lease of tokens taken from it, so most acquisitions answer at once without a cluster round trip.
 *
 * <p>How it answers: a node with leased tokens for the key spends one, synchronously. Without,
 * it takes up to {@code leaseTokens} from the cluster bucket in one asynchronous entry-processor
 * call ({@code tryConsumeAsMuchAsPossible}); callers of the same key meanwhile queue behind that
 * call, so their futures complete in order. An empty answer is remembered for the time one token
 * takes to refill (at most a second), so a flood is refused locally. Leased tokens unused after
 * {@value #LEASE_MS} ms are given back to the cluster bucket ({@code addTokens}, capped at its
 * capacity). If the cluster cannot answer (timeout, member leaving), the key falls back to a
 * per-node bucket for {@value #DEGRADED_MS} ms and a warning is logged: the chat keeps working.
 *
 * <p>Bound: every accepted token was consumed from the one cluster bucket, except tokens a node
 * held in its lease when a window began; a node holds at most {@code leaseTokens - 1} of them per
 * key. So over any window of T seconds, a user is accepted at most
 * {@code burst + rate * T + N * (leaseTokens - 1)} times across N nodes (the per-node limiters
 * allowed {@code N * (burst + rate * T)}). The other side: a user may be refused early by up to
 * {@code (N - 1) * (leaseTokens - 1)} tokens that sit in other nodes' leases, for at most about
 * two lease periods, until they are given back.
 *
 * <p>Memory: Bucket4j writes each entry with a time to live of the time its bucket takes to
 * refill to full plus {@value #EXPIRY_MARGIN_S} s (a full bucket is the same as none), so idle
 * users leave the map; leases are dropped locally once given back.
 *
 * <p>Used from one event loop (the chat verticle's); Hazelcast's answers are brought back onto it.
 */
final class ClusterRateLimiter implements Limiter {
  static final String MAP = "chat.rate-buckets";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRateLimiter.class);
  private static final long LEASE_MS = 5_000;
  private static final long DEGRADED_MS = 10_000;
  private static final long EXPIRY_MARGIN_S = 10;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final Context context;
  private final String prefix;
  private final BucketConfiguration configuration;
  private final long leaseTokens;
  private final double perSecond;
  private final long emptyMs;
  private final RateLimiter fallback;
  private final Map<Object, Lease> leases = new HashMap<>();
  private Future<AsyncProxyManager<String>> buckets;

  /** What this node holds of one key's cluster bucket. */
  private static final class Lease {
    long tokens;
    long takenAt;
    long emptyUntil;
    long degradedUntil;
    /** The cluster call in flight for this key; later callers wait behind it. */
    Future<Void> pending;
  }

  /**
   * @param name the limit's name, part of each bucket's key ({@code "send:42"})
   * @param burst the bucket's capacity
   * @param refillTokens tokens added back every {@code refillPeriod}, continuously
   * @param leaseTokens at most this many tokens taken from the cluster at once (1: no lease)
   */
  private ClusterRateLimiter(Vertx vertx, String name, long burst, long refillTokens, Duration refillPeriod, long leaseTokens) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.prefix = name + ":";
    this.configuration = BucketConfiguration.builder()
      .addLimit(limit -> limit.capacity(burst).refillGreedy(refillTokens, refillPeriod))
      .build();
    this.leaseTokens = Math.max(1, leaseTokens);
    this.perSecond = refillTokens * 1e9 / refillPeriod.toNanos();
    this.emptyMs = Math.min(1_000, (long) Math.ceil(1_000 / perSecond));
    this.fallback = new RateLimiter(perSecond, burst);
    vertx.setPeriodic(LEASE_MS, id -> giveBackIdle());
  }

  /**
   * The limiter for this node: cluster-wide when Vert.x is clustered (Hazelcast), else this node's
   * own {@link RateLimiter}. Call it from the event loop that will ask it.
   */
  static Limiter forNode(Vertx vertx, String name, long burst, long refillTokens, Duration refillPeriod, long leaseTokens) {
    if (!vertx.isClustered()) {
      return new RateLimiter(refillTokens * 1e9 / refillPeriod.toNanos(), burst);
    }
    return new ClusterRateLimiter(vertx, name, burst, refillTokens, refillPeriod, leaseTokens);
  }

  @Override
  public Future<Void> acquire(Object key, String what) {
    Lease lease = leases.computeIfAbsent(key, k -> new Lease());
    if (lease.pending != null) {
      return lease.pending.transform(done -> acquire(key, what));
    }
    if (lease.tokens > 0) {
      lease.tokens--;
      return Future.succeededFuture();
    }
    long now = System.currentTimeMillis();
    if (now < lease.degradedUntil) {
      return fallback.acquire(key, what);
    }
    if (now < lease.emptyUntil) {
      return Future.failedFuture(Limiter.refusal(what, retryAfterSeconds()));
    }
    // Set before the call and cleared when it ends, also when it ends at once (a partition on
    // this node can answer before take returns): a completed future left here recursed forever.
    Promise<Void> taking = Promise.promise();
    lease.pending = taking.future();
    take(key, lease).onComplete(done -> {
      lease.pending = null;
      taking.complete();
    });
    return taking.future().transform(done -> acquire(key, what));
  }

  /** Leases up to {@code leaseTokens} from the cluster bucket; always succeeds, having updated the lease. */
  private Future<Void> take(Object key, Lease lease) {
    return buckets()
      .compose(manager -> Future.fromCompletionStage(
        manager.builder().build(prefix + key, () -> CompletableFuture.completedFuture(configuration))
          .tryConsumeAsMuchAsPossible(leaseTokens), context))
      .transform(taken -> {
        long now = System.currentTimeMillis();
        if (taken.succeeded()) {
          lease.tokens = taken.result();
          lease.takenAt = now;
          lease.emptyUntil = taken.result() == 0 ? now + emptyMs : 0;
        } else {
          LOG.warn("rate limit {}{}: the cluster bucket did not answer ({}); this node limits alone for {} ms",
            prefix, key, taken.cause().toString(), DEGRADED_MS);
          lease.degradedUntil = now + DEGRADED_MS;
        }
        return Future.succeededFuture();
      });
  }

  /** Gives unused leased tokens back to the cluster and forgets leases that hold nothing. */
  private void giveBackIdle() {
    long now = System.currentTimeMillis();
    for (Iterator<Map.Entry<Object, Lease>> it = leases.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Object, Lease> entry = it.next();
      Lease lease = entry.getValue();
      if (lease.pending != null || now - lease.takenAt < LEASE_MS || now < lease.emptyUntil || now < lease.degradedUntil) {
        continue;
      }
      it.remove();
      if (lease.tokens > 0) {
        long unused = lease.tokens;
        String key = prefix + entry.getKey();
        buckets()
          .compose(manager -> Future.fromCompletionStage(
            manager.builder().build(key, () -> CompletableFuture.completedFuture(configuration)).addTokens(unused), context))
          .onFailure(e -> LOG.debug("could not give {} token(s) back to {}: {}", unused, key, e.toString()));
      }
    }
    fallback.forgetIdle();
  }

  /** Nothing to do: leases are given back and dropped by this limiter's own timer. */
  @Override
  public void forgetIdle() {
  }

  private int retryAfterSeconds() {
    return (int) Math.ceil(1 / perSecond);
  }

  /** Bucket4j's proxy manager over the map; getting the map may block, so it is done once, on a worker. */
  private Future<AsyncProxyManager<String>> buckets() {
    if (buckets == null || buckets.failed()) {
      HazelcastInstance hazelcast = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
      buckets = vertx.executeBlocking(() -> Bucket4jHazelcast.<String>entryProcessorBasedBuilder(hazelcast.getMap(MAP))
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(EXPIRY_MARGIN_S)))
        .requestTimeout(REQUEST_TIMEOUT)
        .build()
        .asAsync());
    }
    return buckets;
  }
}
