package io.vertxchat.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ChatNode#close()} in one JVM: what a draining node does, step by step. */
@Timeout(90)
class DrainTest {
  private final Vertx vertx = Vertx.vertx();
  private final WebClient web = WebClient.create(vertx);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A socket whose requests give up after 20 s and that keeps what it receives. */
  private static BridgeClient socket(ChatClient person) {
    return Await.result(person.connect(BridgeClient.options().timeout(20_000)));
  }

  @Test
  void a_draining_node_is_not_ready_refuses_new_sockets_then_tells_open_ones_to_reconnect() throws Exception {
    ChatNode node = TestNodes.single(TestPostgres.get().newDatabaseUrl(), Map.of("CHAT_DRAIN_SECONDS", "2"));
    ChatClient alice = ChatClient.signIn(vertx, node.publicUrl(), "Alice");
    BridgeClient open = socket(alice);
    assertEquals(200, OpsSupport.get(web, node.publicUrl(), "/ready").statusCode());

    Future<Void> closing = node.close();
    var ready = OpsSupport.get(web, node.publicUrl(), "/ready");
    assertEquals(503, ready.statusCode());
    assertTrue(ready.bodyAsString().contains("shutting down"), ready.bodyAsString());
    // Refused: the server closes it at once (maybe before the client could listen; the kit notices that too).
    BridgeClient late = socket(alice);
    late.closed().await(5, TimeUnit.SECONDS);
    assertTrue(!open.closed().isComplete(), "open sockets stay while the balancer catches up");

    closing.await(30, TimeUnit.SECONDS);
    assertEquals(BridgeCodes.GOING_AWAY, open.closed().await(5, TimeUnit.SECONDS));
    assertTrue(node.close().isComplete(), "closing twice is the same close");
  }

  @Test
  void sends_in_flight_when_the_node_stops_are_stored_and_every_acknowledged_one_is_kept() throws Exception {
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    ChatNode node = TestNodes.single(pgUrl, Map.of());
    ChatClient alice = ChatClient.signIn(vertx, node.publicUrl(), "Alice");
    String channel = TestNodes.newChannel(alice);
    BridgeClient socket = socket(alice);
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sends.add(socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", "m" + i)
        .put("clientId", UUID.randomUUID().toString())));
    }
    node.close().await(30, TimeUnit.SECONDS);

    int acknowledged = 0;
    int failed = 0;
    List<Long> ids = new ArrayList<>();
    for (Future<JsonObject> send : sends) {
      try {
        JsonObject reply = send.await(20, TimeUnit.SECONDS);
        if (reply.getValue("failureCode") == null) {
          acknowledged++;
          ids.add(reply.getJsonObject("body").getLong("id"));
        } else {
          failed++;
        }
      } catch (Exception closedFirst) {
        // the socket closed before this reply: not acknowledged, a client resends it
      }
    }
    assertEquals(0, failed, "no accepted send fails because the node stops");
    String database = TestPostgres.databaseOf(pgUrl);
    long stored = Long.parseLong(TestPostgres.get().psql(database, "SELECT count(*) FROM messages"));
    assertTrue(stored >= acknowledged, stored + " stored, " + acknowledged + " acknowledged");
    if (!ids.isEmpty()) {
      String list = ids.stream().map(String::valueOf).reduce((x, y) -> x + "," + y).orElseThrow();
      assertEquals(String.valueOf(ids.size()),
        TestPostgres.get().psql(database, "SELECT count(*) FROM messages WHERE id IN (" + list + ")"));
    }
    System.out.printf("drain: %d of 1000 acknowledged, %d stored%n", acknowledged, stored);
  }
}
