package io.vertxchat.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM on one of two real node processes: {@code /ready} turns 503, its sockets are closed with
 * 1001 (reconnect), the sends it accepted are stored and answered, it exits 0 quickly, and a
 * client that reconnects to the other node with the same session misses nothing acknowledged.
 */
@Timeout(180)
class ShutdownTest {
  private final List<Process> processes = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Process launch(Map<String, String> env, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
      .filter(a -> a.startsWith("--add-"))
      .forEach(command::add);
    command.addAll(List.of("-Xmx384m", "-cp", System.getProperty("java.class.path"), "io.vertxchat.Main"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  private void awaitUp(Process process, Path log) {
    Await.until(vertx, 90_000, "node process is up (" + log + ")", () -> {
      if (!process.isAlive()) {
        throw new AssertionError("node exited early: " + read(log));
      }
      return read(log).contains("vertx-chat is up");
    });
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (Exception e) {
      return "";
    }
  }

  @Test
  void sigterm_drains_one_node_its_sockets_reconnect_elsewhere_and_nothing_acknowledged_is_lost() throws Exception {
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    Map<String, String>[] env = OpsSupport.clusterEnv(pgUrl, Map.of("CHAT_DRAIN_SECONDS", "2"));
    Path dir = Files.createDirectories(Path.of("target", "shutdown-test"));
    Path victimLog = dir.resolve("victim.log");
    Path survivorLog = dir.resolve("survivor.log");
    // One after the other: two JVMs booting at once on a small machine can miss the join window.
    Process victim = launch(env[0], victimLog);
    awaitUp(victim, victimLog);
    Process survivor = launch(env[1], survivorLog);
    awaitUp(survivor, survivorLog);
    String victimUrl = env[0].get("CHAT_PUBLIC_URL");
    String survivorUrl = env[1].get("CHAT_PUBLIC_URL");

    ChatClient alice = ChatClient.signIn(vertx, victimUrl, "Alice");
    ChatClient bob = ChatClient.signIn(vertx, survivorUrl, "Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient aliceSocket = socket(alice, victimUrl);
    BridgeClient bobSocket = socket(bob, survivorUrl);
    aliceSocket.register(address);
    bobSocket.register(address);
    java.util.concurrent.atomic.AtomicLong firstId = new java.util.concurrent.atomic.AtomicLong();
    // Until Bob's registration has reached the victim, its publishes could miss him: warm up.
    Await.until(vertx, 20_000, "Bob sees Alice's messages across nodes", () -> {
      try {
        JsonObject warm = send(aliceSocket, channel, "warm-up").await(20, TimeUnit.SECONDS);
        firstId.compareAndSet(0, warm.getJsonObject("body").getLong("id"));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return bobSocket.frames().stream().anyMatch(f -> messageText(f).equals("warm-up"));
    });

    // Many sends in flight when SIGTERM arrives.
    List<Future<JsonObject>> inFlight = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      inFlight.add(send(aliceSocket, channel, "m" + i));
    }
    long signalled = System.nanoTime();
    victim.destroy(); // SIGTERM
    WebClient web = WebClient.create(vertx);
    boolean sawNotReady = false;
    while (victim.isAlive() && !sawNotReady) {
      try {
        var ready = web.getAbs(victimUrl + "/ready").send().await(5, TimeUnit.SECONDS);
        sawNotReady = ready.statusCode() == 503 && ready.bodyAsString().contains("shutting down");
      } catch (Exception slowOrClosed) {
        // a loaded machine can be slow to answer; once the server is closed the process exits
      }
    }
    assertTrue(victim.waitFor(40, TimeUnit.SECONDS), "the node exits in bounded time");
    double exitSeconds = (System.nanoTime() - signalled) / 1e9;
    assertEquals(0, victim.exitValue(), () -> "exit status; log:\n" + read(victimLog));
    assertTrue(sawNotReady, "/ready answered 503 while draining");
    assertEquals(BridgeCodes.GOING_AWAY, aliceSocket.closed().await(10, TimeUnit.SECONDS), "sockets are told to reconnect");

    Set<Long> acknowledged = new HashSet<>();
    for (Future<JsonObject> f : inFlight) {
      try {
        JsonObject reply = f.await(25, TimeUnit.SECONDS);
        if (reply.getValue("failureCode") == null) {
          acknowledged.add(reply.getJsonObject("body").getLong("id"));
        }
      } catch (Exception notAnswered) {
        // not acknowledged: the client would resend it with the same clientId
      }
    }
    assertTrue(acknowledged.size() > 0, "some sends were acknowledged");

    // Alice reconnects with the same session to the other node and resumes from history.
    BridgeClient again = socket(alice, survivorUrl);
    Set<Long> stored = new HashSet<>();
    long last = firstId.get();
    while (true) {
      JsonObject reply = again.requestAsync("chat.history", new JsonObject().put("channel", channel).put("limit", 100)
        .put("after", last)).await(20, TimeUnit.SECONDS);
      assertTrue(reply.getValue("failureCode") == null, () -> "history failed: " + reply.encode());
      JsonArray more = reply.getJsonObject("body").getJsonArray("messages");
      if (more.isEmpty()) {
        break;
      }
      collectIds(more, stored);
      last = stored.stream().mapToLong(Long::longValue).max().orElse(0);
    }
    assertTrue(stored.containsAll(acknowledged), "every acknowledged message is in the history");
    Set<Long> seenByBob = new HashSet<>();
    bobSocket.frames().forEach(f -> {
      JsonObject body = f.getJsonObject("body");
      if (body != null && "message".equals(body.getString("type"))) {
        seenByBob.add(body.getJsonObject("message").getLong("id"));
      }
    });
    assertTrue(seenByBob.containsAll(acknowledged), "Bob on the other node got every acknowledged message live");
    System.out.printf("shutdown: %d of %d in-flight sends acknowledged, exit 0 after %.2f s%n",
      acknowledged.size(), inFlight.size(), exitSeconds);
  }

  /** A socket of this person to {@code url} (their cookies work on any node), whose requests give up after 20 s. */
  private static BridgeClient socket(ChatClient person, String url) {
    return Await.result(BridgeClient.connect(person.vertx(), url, BridgeClient.options()
      .cookie(person.cookieHeader())
      .timeout(20_000)));
  }

  private static Future<JsonObject> send(BridgeClient socket, String channel, String text) {
    return socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", text)
      .put("clientId", java.util.UUID.randomUUID().toString()));
  }

  private static String messageText(JsonObject frame) {
    JsonObject body = frame.getJsonObject("body");
    return body != null && "message".equals(body.getString("type")) ? body.getJsonObject("message").getString("text") : "";
  }

  private static void collectIds(JsonArray messages, Set<Long> into) {
    for (int i = 0; i < messages.size(); i++) {
      into.add(messages.getJsonObject(i).getLong("id"));
    }
  }
}
