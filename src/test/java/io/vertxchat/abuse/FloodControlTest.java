package io.vertxchat.abuse;

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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flood control on a node with tight limits: sends beyond the per-user token bucket and channel
 * creations beyond the per-minute limit get 429 with a retry hint and store nothing, other users
 * keep their own budget, and the caps on sockets per user and registrations per socket hold.
 */
@Timeout(120)
class FloodControlTest {
  private static final int SEND_BURST = 5;
  private static final int FLOOD = 12;
  private static final int CHANNEL_CREATES_PER_MINUTE = 3;

  private static ChatNode node;
  private static Vertx vertx;
  private static String database;

  @BeforeAll
  static void start() {
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    node = TestNodes.single(pgUrl, Map.of(
      "CHAT_RATE_SENDS_PER_SECOND", "1",
      "CHAT_RATE_SEND_BURST", String.valueOf(SEND_BURST),
      "CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", String.valueOf(CHANNEL_CREATES_PER_MINUTE),
      "CHAT_MAX_SOCKETS_PER_USER", "2",
      "CHAT_MAX_REGISTRATIONS_PER_SOCKET", "2"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String sql(String query) {
    return TestPostgres.get().psql(database, query);
  }

  @Test
  void a_burst_of_sends_beyond_the_bucket_gets_429_with_a_retry_hint_is_not_stored_and_limits_only_its_sender() {
    ChatClient alice = ChatClient.signIn(vertx, node.publicUrl(), "flood-alice");
    BridgeClient socket = alice.socket();
    try {
      long storedBefore = Long.parseLong(sql("SELECT count(*) FROM messages"));
      // The whole burst goes through, and the send right after it is refused.
      for (int i = 0; i < SEND_BURST; i++) {
        JsonObject ok = socket.request("chat.send", new JsonObject().put("channel", "general").put("text", "flood " + i));
        assertNull(ok.getValue("failureCode"), ok::encode);
      }
      JsonObject first = socket.request("chat.send", new JsonObject().put("channel", "general").put("text", "one too many"));
      assertEquals(429, first.getInteger("failureCode"));
      assertTrue(first.getString("message").contains("retry in"), first.getString("message"));
      assertEquals("0", sql("SELECT count(*) FROM messages WHERE text = 'one too many'"));

      // The rest of the flood: the bucket refills at one a second, so hardly any more get through.
      int ok = SEND_BURST;
      List<JsonObject> limited = new ArrayList<>(List.of(first));
      for (int i = SEND_BURST + 1; i < FLOOD; i++) {
        JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", "general").put("text", "flood " + i));
        if (reply.getValue("failureCode") == null) {
          ok++;
        } else {
          limited.add(reply);
        }
      }
      int accepted = ok;
      assertTrue(accepted >= SEND_BURST && accepted <= SEND_BURST + 2, "the burst of 5 (plus refill) went through: " + accepted);
      assertTrue(limited.stream().allMatch(r -> r.getInteger("failureCode") == 429), () -> "codes " + limited);
      assertTrue(limited.get(0).getString("message").matches(".*retry in \\d+ s.*"), limited.get(0).getString("message"));
      assertEquals(String.valueOf(storedBefore + accepted), sql("SELECT count(*) FROM messages"));

      ChatClient judy = ChatClient.signIn(vertx, node.publicUrl(), "flood-judy");
      BridgeClient other = judy.socket();
      try {
        JsonObject unaffected = other.request("chat.send", new JsonObject().put("channel", "general").put("text", "hi"));
        assertNull(unaffected.getValue("failureCode"), "limits are per user");
      } finally {
        other.close();
      }
    } finally {
      socket.close();
    }
  }

  @Test
  void creating_channels_beyond_the_limit_gets_429_json() {
    ChatClient bob = ChatClient.signIn(vertx, node.publicUrl(), "flood-bob");
    int created = 0;
    int limited = 0;
    for (int i = 0; i < 2 * CHANNEL_CREATES_PER_MINUTE; i++) {
      var response = bob.post("/api/channels", new JsonObject().put("name", "flood-" + i));
      if (i < CHANNEL_CREATES_PER_MINUTE) {
        assertEquals(201, response.statusCode(), () -> "creation within the limit: " + response.bodyAsString());
        created++;
      } else {
        assertEquals(429, response.statusCode(), response.bodyAsString());
        assertEquals("rate_limited", response.bodyAsJsonObject().getString("error"));
        limited++;
      }
    }
    assertEquals(3, created);
    assertEquals(3, limited);
  }

  @Test
  void sockets_and_registrations_are_capped() {
    ChatClient carol = ChatClient.signIn(vertx, node.publicUrl(), "flood-carol");
    for (String name : new String[] {"cap-a", "cap-b", "cap-c"}) {
      ChatClient.signIn(vertx, node.publicUrl(), "flood-creator-" + name).post("/api/channels", new JsonObject().put("name", name));
    }
    List<BridgeClient> three = List.of(carol.socket(), carol.socket(), carol.socket());
    try {
      // One socket of three is refused and closed with 4429. Usually the third, but the server admits
      // a socket only after its handshake has completed, so two opened back to back on two event
      // loops can be admitted in either order.
      Await.until(vertx, 30_000, "one of three sockets refused", () -> three.stream().anyMatch(BridgeClient::isClosed));
      List<BridgeClient> open = three.stream().filter(s -> !s.isClosed()).toList();
      BridgeClient refused = three.stream().filter(BridgeClient::isClosed).findFirst().orElseThrow();
      assertEquals(2, open.size(), "two sockets of the user stay open");
      assertEquals(BridgeCodes.TOO_MANY_SOCKETS, refused.awaitClosed());
      BridgeClient first = open.get(0);
      BridgeClient second = open.get(1);
      first.register("chat.channel.cap-a");
      first.register("chat.channel.cap-b");
      JsonObject probe = first.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
      assertNull(probe.getValue("failureCode"));
      first.register("chat.channel.cap-c");
      assertEquals(BridgeCodes.REJECTED, first.await(f -> "err".equals(f.getString("type"))).getValue("body"),
        "a third registration on one socket is refused");
      assertNull(second.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1))
        .getValue("failureCode"), "the second socket works");
    } finally {
      three.forEach(BridgeClient::close);
    }
  }
}
