package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.ChatNode;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node killed with {@code kill -9} gives back its sockets' share of the per-user socket limit:
 * a user at the limit with sockets on a node that dies can open as many again on the survivor.
 * Node A runs in this JVM, node B in a process of its own that is killed.
 */
@Timeout(300)
class SocketLimitAfterKillTest {
  private static final int SOCKETS_PER_USER = 3;

  private static Vertx vertx;
  private static ChatNode a;
  private static NodeProcess b;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    int portA = TestPostgres.freePort();
    int portB = TestPostgres.freePort();
    Map<String, String> common = TestNodes.clusterEnv(pgUrl, "chat-limit-kill-" + UUID.randomUUID(), portA, portB);
    common.put("CHAT_MAX_SOCKETS_PER_USER", String.valueOf(SOCKETS_PER_USER));
    a = TestNodes.start(TestNodes.withNode(common, portA));
    Map<String, String> envB = TestNodes.withNode(common, portB);
    envB.put("CHAT_HTTP_INSTANCES", "1");
    b = NodeProcess.start("limit-node-b", Integer.parseInt(envB.get("CHAT_HTTP_PORT")), envB,
      Path.of("target", "socket-limit-kill"));
    b.awaitUp(180_000);
  }

  @AfterAll
  static void stop() throws Exception {
    if (b != null) {
      b.kill();
    }
    a.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_killed_nodes_sockets_stop_counting_against_the_limit() throws Exception {
    ChatClient onA = ChatClient.signIn(vertx, a.publicUrl(), "kill-gina");
    ChatClient onB = ChatClient.signIn(vertx, b.url(), "kill-gina");
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      // At the limit: one socket on A, two on B; a fourth is refused on A.
      for (ChatClient client : List.of(onA, onB, onB)) {
        BridgeClient socket = client.socket();
        sockets.add(socket);
        assertTrue(admitted(socket), "a socket within the limit is admitted");
      }
      BridgeClient refused = onA.socket();
      assertFalse(admitted(refused), "a socket beyond the limit is refused while B is alive");
      assertEquals(BridgeCodes.TOO_MANY_SOCKETS, refused.awaitClosed());

      long killedAt = System.currentTimeMillis();
      b.kill();
      b = null;
      // The survivor drops the dead member's counts once Hazelcast removes it from the cluster.
      List<BridgeClient> onSurvivor = new ArrayList<>();
      Await.until(vertx, 60_000, "a second socket is admitted on A after B was killed", () -> {
        BridgeClient socket = onA.socket();
        if (admitted(socket)) {
          onSurvivor.add(socket);
          return true;
        }
        socket.close();
        return false;
      });
      System.out.printf("socket limit after kill -9: B's sockets released on A after %d ms%n",
        System.currentTimeMillis() - killedAt);
      sockets.addAll(onSurvivor);
      BridgeClient third = onA.socket();
      sockets.add(third);
      assertTrue(admitted(third), "the whole limit is usable on the survivor");
      BridgeClient fourth = onA.socket();
      sockets.add(fourth);
      assertFalse(admitted(fourth), "and the limit still holds there");
      assertEquals(BridgeCodes.TOO_MANY_SOCKETS, fourth.awaitClosed());
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }

  /** True when the socket answers a request, false when the server closes it instead. */
  private static boolean admitted(BridgeClient socket) {
    Future<JsonObject> reply = socket.requestAsync("chat.history", new JsonObject().put("channel", "general").put("limit", 1),
      10_000);
    Await.until(vertx, 15_000, "the socket answers or is closed", () -> reply.isComplete() || socket.isClosed());
    return reply.succeeded() && reply.result().getValue("failureCode") == null;
  }
}
