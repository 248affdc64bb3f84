package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.support.BridgeSocket;
import io.vertxchat.support.ChatClient;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live monitor on a two-node cluster of its own (one node is stopped by a test). */
@Timeout(120)
class MonitorTest {
  private static ChatNode a;
  private static ChatNode b;
  private static Vertx client;
  private static WebClient web;

  @BeforeAll
  static void cluster() {
    Map<String, String>[] env = OpsSupport.clusterEnv(TestPostgres.get().newDatabaseUrl(),
      Map.of("CHAT_ADMINS", OpsSupport.devAdmin("Ada") + ", ops@example.org"));
    a = TestNodes.start(env[0]);
    b = TestNodes.start(env[1]);
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    b.close().await(30, TimeUnit.SECONDS);
    a.close().await(30, TimeUnit.SECONDS);
  }

  private static boolean snapshotOf(JsonObject frame, String node) {
    return "rec".equals(frame.getString("type")) && "monitor.stats".equals(frame.getString("address"))
      && node.equals(frame.getJsonObject("body").getString("node"));
  }

  @Test
  void a_non_admin_cannot_register_monitor_stats_nor_open_the_page() {
    ChatClient bob = ChatClient.signIn(client, a.publicUrl(), "Bob");
    BridgeSocket socket = bob.socket();
    try {
      socket.register("monitor.stats");
      JsonObject refused = socket.await(f -> "err".equals(f.getString("type")));
      // The guard refuses the register: the bridge answers "rejected".
      assertEquals("rejected", refused.getString("body"));
      assertEquals(403, bob.get("/monitor").statusCode());
      assertEquals(403, bob.get("/monitor/monitor.js").statusCode());
      assertEquals(401, OpsSupport.get(web, a.publicUrl(), "/monitor").statusCode());
      // Nothing arrives on the refused address.
      socket.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
      assertTrue(socket.frames().stream().noneMatch(f -> "monitor.stats".equals(f.getString("address"))));
    } finally {
      socket.close();
    }
  }

  @Test
  void an_admin_gets_the_page_and_snapshots_from_both_nodes_and_sees_a_stopped_node_go() throws Exception {
    ChatClient ada = ChatClient.signIn(client, a.publicUrl(), "Ada");
    var page = ada.get("/monitor");
    assertEquals(200, page.statusCode());
    assertTrue(page.bodyAsString().contains("/monitor/monitor.js"));
    assertEquals(200, ada.get("/monitor/monitor.js").statusCode());

    BridgeSocket socket = ada.socket();
    try {
      socket.register("monitor.stats");
      JsonObject fromA = socket.await(f -> snapshotOf(f, a.nodeId())).getJsonObject("body");
      JsonObject fromB = socket.await(f -> snapshotOf(f, b.nodeId())).getJsonObject("body");
      for (JsonObject s : new JsonObject[] {fromA, fromB}) {
        for (String key : new String[] {"node", "at", "uptime", "sockets", "channels", "rates", "eventLoopDelayMs",
          "heap", "pg", "members", "draining"}) {
          assertTrue(s.containsKey(key), () -> key + " missing in " + s.encode());
        }
        assertEquals(2, s.getInteger("members"));
      }
      assertTrue(fromA.getInteger("sockets") >= 1, "the admin's own socket is on A");
      assertNotNull(fromA.getJsonObject("heap").getLong("used"));

      b.close().await(30, TimeUnit.SECONDS);
      long fromBSoFar = socket.frames().stream().filter(f -> snapshotOf(f, b.nodeId())).count();
      // Three more seconds of A's snapshots, and none from B.
      for (int i = 0; i < 3; i++) {
        socket.await(f -> snapshotOf(f, a.nodeId()));
      }
      assertEquals(fromBSoFar, socket.frames().stream().filter(f -> snapshotOf(f, b.nodeId())).count(),
        "a stopped node publishes nothing");
      JsonObject after = socket.await(f -> snapshotOf(f, a.nodeId())).getJsonObject("body");
      assertEquals(1, after.getInteger("members"), "A sees B gone from the cluster");
    } finally {
      socket.close();
    }
  }
}
