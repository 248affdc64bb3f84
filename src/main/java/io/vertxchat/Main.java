package io.vertxchat;

import io.vertxchat.config.ConfigException;

import java.util.concurrent.TimeUnit;

/** {@code java -jar target/chat.jar}: starts one node; SIGTERM stops it cleanly and exits 0. */
public final class Main {
  private Main() {
  }

  /**
   * Hazelcast completes its async calls on {@code ForkJoinPool.commonPool()}, but when that pool
   * has a parallelism of 1 (a node given one core: container limit, taskset) it starts a NEW
   * THREAD for every callback instead (ConcurrencyUtil). The bridge reads the cluster-wide session
   * on every socket upgrade and keep-alive, so a one-core node was creating thousands of threads
   * (seen in the benchmark's JFR profile). A common pool of at least two avoids that.
   */
  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() < 3) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
    ChatNode node;
    try {
      node = ChatNode.start(System.getenv()).await(120, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("config error: " + e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      Throwable cause = e.getCause() instanceof ConfigException ? e.getCause() : e;
      System.err.println((cause instanceof ConfigException ? "config error: " : "start failed: ") + cause.getMessage());
      System.exit(cause instanceof ConfigException ? 2 : 1);
      return;
    }
    System.out.println("vertx-chat is up: " + node.publicUrl() + "  (node " + node.nodeId() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown was not clean: " + e.getMessage());
      }
    }, "chat-shutdown"));
  }
}
