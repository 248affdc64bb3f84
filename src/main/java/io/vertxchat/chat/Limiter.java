package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;

/**
 * A per-key token bucket asked from the event loop: {@link RateLimiter} on one node,
 * {@link ClusterRateLimiter} across the cluster.
 */
interface Limiter {
  /**
   * Takes one token for {@code key}: the future succeeds, or fails with a {@link ChatException} 429
   * that names {@code what} ("messages") and a retry hint. Futures of one key complete in the order
   * they were asked for.
   */
  Future<Void> acquire(Object key, String what);

  /** Drops what idle keys hold, so memory follows activity; called now and then. */
  void forgetIdle();

  static ChatException refusal(String what, int retryAfterSeconds) {
    return new ChatException(ErrorCodes.RATE_LIMITED, "too many " + what + "; retry in " + Math.max(1, retryAfterSeconds) + " s");
  }
}
