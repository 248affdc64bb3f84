package io.vertxchat.chat;

import io.vertx.core.json.JsonObject;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class RateLimitTest {
  private static ChatNode node;
  private static String pgUrl;

  @BeforeAll
  static void start() {
    pgUrl = TestPostgres.get().newDatabaseUrl();
    node = TestNodes.single(pgUrl, Map.of("CHAT_RATE_SENDS_PER_SECOND", "1", "CHAT_RATE_SEND_BURST", "3",
      "CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void sends_beyond_the_burst_get_429_with_a_retry_hint_and_are_not_stored() {
    ChatClient ivan = ChatClient.signIn(node.vertx(), node.publicUrl(), "Ivan");
    BridgeClient socket = ivan.socket();
    try {
      for (int i = 0; i < 3; i++) {
        JsonObject ok = socket.request("chat.send", new JsonObject().put("channel", "general").put("text", "burst " + i));
        assertNull(ok.getValue("failureCode"), ok::encode);
      }
      JsonObject limited = socket.request("chat.send", new JsonObject().put("channel", "general").put("text", "one too many"));
      assertEquals(429, limited.getInteger("failureCode"));
      assertTrue(limited.getString("message").contains("retry in"), limited.getString("message"));
      assertEquals("0", TestPostgres.get().psql(TestPostgres.databaseOf(pgUrl),
        "SELECT count(*) FROM messages WHERE text = 'one too many'"));

      ChatClient judy = ChatClient.signIn(node.vertx(), node.publicUrl(), "Judy");
      BridgeClient other = judy.socket();
      JsonObject unaffected = other.request("chat.send", new JsonObject().put("channel", "general").put("text", "hi"));
      assertNull(unaffected.getValue("failureCode"), "limits are per user");
      other.close();
    } finally {
      socket.close();
    }
  }

  @Test
  void channel_creation_is_rate_limited_too() {
    ChatClient kim = ChatClient.signIn(node.vertx(), node.publicUrl(), "Kim");
    assertEquals(201, kim.post("/api/channels", new JsonObject().put("name", "kim-1")).statusCode());
    assertEquals(201, kim.post("/api/channels", new JsonObject().put("name", "kim-2")).statusCode());
    var limited = kim.post("/api/channels", new JsonObject().put("name", "kim-3"));
    assertEquals(429, limited.statusCode());
    assertEquals("rate_limited", limited.bodyAsJsonObject().getString("error"));
  }
}
