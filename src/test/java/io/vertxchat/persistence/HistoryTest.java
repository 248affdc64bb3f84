package io.vertxchat.persistence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(90)
class HistoryTest {
  private static TestNodes nodes;
  private static ChatClient alice;
  private BridgeClient socket;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
    alice = nodes.signInOnA("Alice");
  }

  @AfterEach
  void close() {
    if (socket != null) {
      socket.close();
    }
  }

  /** Sends n messages "m0".."m(n-1)" and returns their ids. */
  private List<Long> sendMessages(String channel, int n) {
    socket = alice.socket();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", "m" + i));
      ids.add(reply.getJsonObject("body").getLong("id"));
    }
    return ids;
  }

  private static List<Long> ids(JsonArray messages) {
    List<Long> ids = new ArrayList<>();
    messages.forEach(m -> ids.add(((JsonObject) m).getLong("id")));
    return ids;
  }

  private JsonArray page(String channel, String query) {
    var response = alice.get("/api/channels/" + channel + "/messages" + query);
    assertEquals(200, response.statusCode(), response::bodyAsString);
    return response.bodyAsJsonObject().getJsonArray("messages");
  }

  @Test
  void history_pages_ascending_with_before_after_and_limit() {
    String channel = TestNodes.newChannel(alice);
    List<Long> ids = sendMessages(channel, 30);

    assertEquals(ids.subList(0, 30), ids(page(channel, "")), "default page: all 30, oldest first");
    assertEquals(ids.subList(20, 30), ids(page(channel, "?limit=10")), "the newest 10");
    assertEquals(ids.subList(10, 20), ids(page(channel, "?limit=10&before=" + ids.get(20))), "10 before");
    assertEquals(ids.subList(0, 3), ids(page(channel, "?limit=10&before=" + ids.get(3))), "start of the channel");
    assertEquals(ids.subList(6, 11), ids(page(channel, "?limit=5&after=" + ids.get(5))), "5 after, oldest first");
    assertEquals(ids.subList(6, 9), ids(page(channel, "?after=" + ids.get(5) + "&before=" + ids.get(9))), "between");
    assertEquals(List.of(), ids(page(channel, "?after=" + ids.get(29))), "nothing after the last");
    assertEquals(ids.subList(0, 4), ids(page(channel, "?limit=4&after=0")), "after 0: from the start");

    JsonObject viaBridge = socket.request("chat.history",
      new JsonObject().put("channel", channel).put("before", ids.get(29)).put("limit", 2)).getJsonObject("body");
    assertEquals(ids.subList(27, 29), ids(viaBridge.getJsonArray("messages")));
    JsonObject first = page(channel, "?limit=1&before=" + ids.get(1)).getJsonObject(0);
    assertEquals("m0", first.getString("text"));
    assertEquals("Alice", first.getJsonObject("author").getString("name"));
  }

  @Test
  void a_page_around_a_message_holds_it_with_older_and_newer_ones_and_the_channel_seq() {
    String channel = TestNodes.newChannel(alice);
    List<Long> ids = sendMessages(channel, 30);

    JsonObject around = alice.get("/api/channels/" + channel + "/messages?around=" + ids.get(10) + "&limit=6").bodyAsJsonObject();
    assertEquals(ids.subList(8, 14), ids(around.getJsonArray("messages")), "it and 2 older, then 3 newer");
    assertEquals(30, around.getLong("seq"), "the channel's last number, as for any page");
    assertEquals(ids.subList(0, 26), ids(page(channel, "?around=" + ids.get(0))), "at the start: 25 newer by default");
    assertEquals(ids.subList(5, 30), ids(page(channel, "?around=" + ids.get(29))), "at the end: it and 24 older");

    JsonObject viaBridge = socket.request("chat.history",
      new JsonObject().put("channel", channel).put("around", ids.get(20)).put("limit", 3)).getJsonObject("body");
    assertEquals(ids.subList(19, 22), ids(viaBridge.getJsonArray("messages")));

    socket.request("chat.delete", new JsonObject().put("id", ids.get(5)));
    var gone = alice.get("/api/channels/" + channel + "/messages?around=" + ids.get(5));
    assertEquals(404, gone.statusCode(), "a deleted message has no page around it");
    String other = TestNodes.newChannel(alice);
    assertEquals(404, alice.get("/api/channels/" + other + "/messages?around=" + ids.get(6)).statusCode(),
      "nor one of another channel");
    var mixed = alice.get("/api/channels/" + channel + "/messages?around=" + ids.get(6) + "&before=" + ids.get(9));
    assertEquals(400, mixed.statusCode());
    assertTrue(mixed.bodyAsJsonObject().getString("message").contains("around goes alone"));
  }

  @Test
  void limit_outside_1_to_100_and_unknown_channels_are_refused() {
    String channel = TestNodes.newChannel(alice);
    assertEquals(400, alice.get("/api/channels/" + channel + "/messages?limit=0").statusCode());
    assertEquals(400, alice.get("/api/channels/" + channel + "/messages?limit=101").statusCode());
    assertEquals(400, alice.get("/api/channels/" + channel + "/messages?before=abc").statusCode());
    var missing = alice.get("/api/channels/no-such-channel-x/messages");
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", missing.bodyAsJsonObject().getString("error"));
  }

  @Test
  void trimming_keeps_exactly_the_newest_messages_of_each_channel() throws Exception {
    int keep = nodes.a().config().getJsonObject("history").getInteger("keep");
    String big = TestNodes.newChannel(alice);
    String small = TestNodes.newChannel(alice);
    List<Long> bigIds = sendMessages(big, keep + 15);
    socket.close();
    List<Long> smallIds = sendMessages(small, 3);

    JsonObject result = trimOn(nodes.b());
    assertTrue(result.getBoolean("ran"));
    assertTrue(result.getInteger("deleted") >= 15);

    assertEquals(String.valueOf(keep), nodes.sql(count(big)));
    assertEquals(bigIds.get(15) + "", nodes.sql("SELECT min(m.id) FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + big + "'"), "the oldest 15 went");
    assertEquals("3", nodes.sql(count(small)), "a channel under the limit keeps everything");
    assertEquals(smallIds, ids(page(small, "")));
  }

  @Test
  void only_one_node_trims_at_a_time() throws Exception {
    String channel = TestNodes.newChannel(alice);
    int keep = nodes.a().config().getJsonObject("history").getInteger("keep");
    sendMessages(channel, keep + 5);
    // Another node's trim holds the lock: here a connection of our own takes the same key.
    String jdbc = "jdbc:postgresql://127.0.0.1:" + TestPostgres.get().port() + "/" + nodes.database();
    try (Connection holder = DriverManager.getConnection(jdbc, "postgres", "")) {
      try (Statement statement = holder.createStatement()) {
        statement.execute("SELECT pg_advisory_lock(" + 0x6368617474726d6dL + ")");
      }
      JsonObject skipped = trimOn(nodes.a());
      assertFalse(skipped.getBoolean("ran"), "a node does not trim while another holds the lock");
      assertEquals(String.valueOf(keep + 5), nodes.sql(count(channel)));
      try (Statement statement = holder.createStatement()) {
        statement.execute("SELECT pg_advisory_unlock(" + 0x6368617474726d6dL + ")");
      }
    }
    JsonObject ran = trimOn(nodes.a());
    assertTrue(ran.getBoolean("ran"), "the lock is free again once the other trim ended");
    assertEquals(String.valueOf(keep), nodes.sql(count(channel)));
  }

  private static String count(String channel) {
    return "SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.name = '" + channel + "'";
  }

  private static JsonObject trimOn(io.vertxchat.ChatNode node) throws Exception {
    return node.vertx().eventBus().<JsonObject>request(Addresses.STORE_TRIM, new JsonObject())
      .await(20, TimeUnit.SECONDS).body();
  }
}
