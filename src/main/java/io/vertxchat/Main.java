package io.vertxchat;

import io.vertxchat.config.ConfigException;

import java.util.concurrent.TimeUnit;

/** {@code java -jar target/chat.jar}: starts one node; SIGTERM stops it cleanly and exits 0. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
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
