package io.vertxchat.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Blocking on the kit's futures from a test thread (never from an event loop): a failure or a
 * timeout becomes an {@link AssertionError} that says what happened.
 */
public final class Await {
  /** How long a blocking call of the kit waits by default. */
  public static final long TIMEOUT_MS = 30_000;
  private static final long POLL_MS = 50;

  private Await() {
  }

  public static <T> T result(Future<T> future) {
    return result(future, TIMEOUT_MS);
  }

  public static <T> T result(Future<T> future, long timeoutMs) {
    try {
      return future.await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("timed out or failed: " + e, e);
    }
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeoutMs}. */
  public static void until(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      result(vertx.timer(POLL_MS));
    }
  }
}
