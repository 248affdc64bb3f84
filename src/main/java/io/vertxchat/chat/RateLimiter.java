package io.vertxchat.chat;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/**
 * Token buckets per key (a user, or a user and a channel), refilled continuously. Used from one
 * event loop only. Full buckets are dropped by {@link #forgetIdle()} so memory follows activity.
 * The limiter of a node that is not clustered, and the per-node limiter of typing hints.
 */
final class RateLimiter implements Limiter {
  private final double perSecond;
  private final double burst;
  private final Map<Object, double[]> buckets = new HashMap<>();

  RateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Answers at once, from this node's bucket. */
  @Override
  public Future<Void> acquire(Object key, String what) {
    return tryAcquire(key) ? Future.succeededFuture() : Future.failedFuture(Limiter.refusal(what, retryAfterSeconds(key)));
  }

  /** Takes one token; false when the key has none left. */
  boolean tryAcquire(Object key) {
    long now = System.nanoTime();
    double[] bucket = buckets.computeIfAbsent(key, k -> new double[] {burst, now});
    double tokens = Math.min(burst, bucket[0] + (now - bucket[1]) / 1e9 * perSecond);
    bucket[1] = now;
    if (tokens < 1) {
      bucket[0] = tokens;
      return false;
    }
    bucket[0] = tokens - 1;
    return true;
  }

  /** Seconds until the key has a token again, rounded up; a retry hint for 429 replies. */
  int retryAfterSeconds(Object key) {
    double[] bucket = buckets.get(key);
    if (bucket == null || bucket[0] >= 1) {
      return 0;
    }
    return (int) Math.ceil((1 - bucket[0]) / perSecond);
  }

  @Override
  public void forgetIdle() {
    long now = System.nanoTime();
    buckets.values().removeIf(b -> b[0] + (now - b[1]) / 1e9 * perSecond >= burst);
  }
}
