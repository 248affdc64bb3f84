package io.vertxchat;

import io.vertxchat.config.ConfigException;
import sun.misc.Signal;

import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar target/chat.jar}: starts one node. SIGTERM (or Ctrl-C) drains it (see
 * {@link ChatNode#close()}) and exits 0, within {@link #SHUTDOWN_TIMEOUT_S} seconds at most.
 */
public final class Main {
  static final long SHUTDOWN_TIMEOUT_S = 30;

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
      chooseLogging();
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
    // A signal handler (not only a shutdown hook) so that the exit status is ours: 0 when clean.
    for (String signal : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(signal), s -> new Thread(() -> System.exit(stop(node)), "chat-shutdown").start());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node), "chat-shutdown-hook"));
  }

  private static int stop(ChatNode node) {
    try {
      node.close().await(SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
      return 0;
    } catch (Exception e) {
      System.err.println("shutdown was not clean: " + e.getMessage());
      return 1;
    }
  }

  /**
   * {@code CHAT_LOG_JSON=true}: one JSON object per line. Read straight from the environment,
   * because anything that touches Vert.x (even its JSON) starts logging with the default set-up.
   */
  private static void chooseLogging() {
    if (System.getProperty("logback.configurationFile") == null
      && "true".equalsIgnoreCase(String.valueOf(System.getenv("CHAT_LOG_JSON")).trim())) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
  }
}
