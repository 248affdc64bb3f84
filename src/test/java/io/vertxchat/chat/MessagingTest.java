package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.vertxchat.support.OpenSockets;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class MessagingTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private BridgeClient socket(ChatClient client) {
    return sockets.of(client);
  }

  @Test
  void a_sent_message_is_stored_acknowledged_and_delivered_on_both_nodes() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;

    BridgeClient aliceSocket = socket(alice);
    BridgeClient bobSocket = socket(bob);
    aliceSocket.subscribe(address);
    bobSocket.subscribe(address);
    nodes.awaitRegistrationPropagation(address, 2);

    JsonObject reply = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "  hello  "));
    assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
    JsonObject stored = reply.getJsonObject("body");
    long id = stored.getLong("id");
    assertTrue(id > 0);
    assertEquals("hello", stored.getString("text"), "text is trimmed");
    assertEquals(channel, stored.getString("channel"));
    assertEquals("Alice", stored.getJsonObject("author").getString("name"));
    assertEquals("dev", stored.getJsonObject("author").getString("provider"));
    assertNotNull(stored.getString("createdAt"));
    assertNull(stored.getValue("editedAt"));

    JsonObject onA = aliceSocket.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message");
    JsonObject onB = bobSocket.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message");
    assertEquals(id, onA.getLong("id"));
    assertEquals(id, onB.getLong("id"));
    assertEquals("hello", onB.getString("text"));
    assertEquals("Alice", onB.getJsonObject("author").getString("name"));

    assertEquals("1", nodes.sql("SELECT count(*) FROM messages WHERE id = " + id + " AND text = 'hello'"));
  }

  @Test
  void a_burst_over_many_channels_shares_commits_and_keeps_each_channel_in_order() {
    ChatClient alice = nodes.signInOnA("Alice");
    BridgeClient socket = socket(alice);
    List<String> channels = new ArrayList<>();
    for (int c = 0; c < 40; c++) {
      String channel = TestNodes.newChannel(alice);
      channels.add(channel);
      socket.subscribe("chat.channel." + channel);
    }
    channels.forEach(channel -> nodes.awaitRegistrationPropagation("chat.channel." + channel));
    // A first message per channel: its owner claims it (one statement per channel, once).
    for (String channel : channels) {
      assertNull(socket.request("chat.send", new JsonObject().put("channel", channel).put("text", "first"))
        .getValue("failureCode"));
      socket.awaitEvent("chat.channel." + channel, "message");
    }
    long commitsBefore = nodes.a().stats().storeTimer().count() + nodes.b().stats().storeTimer().count();

    // Every frame is written before any reply is read: the sends meet in the channel writers.
    int perChannel = 2;
    String missing = "no-such-channel-burst";
    Map<String, List<Future<JsonObject>>> replies = new LinkedHashMap<>();
    for (int i = 0; i < perChannel; i++) {
      for (String channel : channels) {
        replies.computeIfAbsent(channel, c -> new ArrayList<>()).add(socket.requestAsync("chat.send",
          new JsonObject().put("channel", channel).put("text", "burst " + i), null));
      }
      replies.computeIfAbsent(missing, c -> new ArrayList<>()).add(socket.requestAsync("chat.send",
        new JsonObject().put("channel", missing).put("text", "lost " + i), null));
    }

    for (var reply : replies.remove(missing)) {
      JsonObject refused = Await.result(reply);
      assertEquals(404, refused.getInteger("failureCode"), () -> "send to a missing channel: " + refused);
    }
    for (String channel : channels) {
      List<Long> acked = new ArrayList<>();
      for (var reply : replies.get(channel)) {
        JsonObject answer = Await.result(reply);
        assertNull(answer.getValue("failureCode"), () -> "send failed: " + answer);
        acked.add(answer.getJsonObject("body").getLong("id"));
      }
      List<Long> delivered = new ArrayList<>();
      for (int i = 0; i < perChannel; i++) {
        delivered.add(socket.awaitEvent("chat.channel." + channel, "message").getJsonObject("body")
          .getJsonObject("message").getLong("id"));
      }
      assertEquals(acked.stream().sorted().toList(), acked, channel + ": ids follow the send order");
      assertEquals(acked, delivered, channel + ": delivered in id order");
      assertEquals(String.valueOf(perChannel + 1), nodes.sql("SELECT count(*) FROM messages m JOIN channels c"
        + " ON c.id = m.channel_id WHERE c.name = '" + channel + "'"));
    }
    long commits = nodes.a().stats().storeTimer().count() + nodes.b().stats().storeTimer().count() - commitsBefore;
    // One commit per channel at least if each batch held one channel; a node has 8 store slots.
    assertTrue(commits < channels.size(), "channels share commits: " + commits + " commits for "
      + channels.size() * perChannel + " messages in " + channels.size() + " channels");
  }

  @Test
  void a_retry_with_the_same_client_id_stores_nothing_new() {
    ChatClient alice = nodes.signInOnA("Alice");
    String channel = TestNodes.newChannel(alice);
    BridgeClient socket = socket(alice);
    JsonObject body = new JsonObject().put("channel", channel).put("text", "once").put("clientId", "retry-1");

    long first = socket.request("chat.send", body).getJsonObject("body").getLong("id");
    long second = socket.request("chat.send", body).getJsonObject("body").getLong("id");

    assertEquals(first, second, "the retry answers with the message stored the first time");
    assertEquals("1", nodes.sql("SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + channel + "'"));
  }

  @Test
  void messages_of_a_channel_arrive_in_id_order() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient reader = socket(bob);
    reader.subscribe(address);
    nodes.awaitRegistrationPropagation(address, 1);

    BridgeClient writer = socket(alice);
    int count = 200;
    for (int i = 0; i < count; i++) {
      writer.write(new JsonObject().put("type", "send").put("address", "chat.send").put("replyAddress", "r" + i)
        .put("body", new JsonObject().put("channel", channel).put("text", "m" + i)));
    }
    long last = 0;
    for (int i = 0; i < count; i++) {
      long id = reader.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message").getLong("id");
      assertTrue(id > last, "id " + id + " arrived after " + last);
      last = id;
    }
  }

  @Test
  void many_sockets_on_a_node_share_its_event_bus_registrations() {
    ChatClient alice = nodes.signInOnA("Alice");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    List<BridgeClient> subscribers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      BridgeClient socket = socket(alice);
      socket.subscribe(address);
      subscribers.add(socket);
    }
    nodes.awaitRegistrationPropagation(address, 1);
    int instances = nodes.a().config().getJsonObject("http").getInteger("instances");
    int registrations = nodes.registrationCount(nodes.a(), address);
    assertTrue(registrations <= instances, registrations + " registrations for 12 sockets on " + instances + " instances");

    long id = subscribers.get(0).request("chat.send", new JsonObject().put("channel", channel).put("text", "to all"))
      .getJsonObject("body").getLong("id");
    for (BridgeClient socket : subscribers) {
      assertEquals(id, socket.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message").getLong("id"));
    }
  }

  @Test
  void writers_on_both_nodes_still_deliver_one_channel_in_id_order_everywhere() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient readerA = socket(alice);
    BridgeClient readerB = socket(bob);
    readerA.subscribe(address);
    readerB.subscribe(address);
    nodes.awaitRegistrationPropagation(address, 2);

    BridgeClient writerA = socket(alice);
    BridgeClient writerB = socket(bob);
    int each = 150;
    for (int i = 0; i < each; i++) {
      for (BridgeClient writer : new BridgeClient[] {writerA, writerB}) {
        writer.write(new JsonObject().put("type", "send").put("address", "chat.send").put("replyAddress", "r" + i)
          .put("body", new JsonObject().put("channel", channel).put("text", "m" + i)));
      }
    }
    for (BridgeClient reader : new BridgeClient[] {readerA, readerB}) {
      long last = 0;
      for (int i = 0; i < 2 * each; i++) {
        long id = reader.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message").getLong("id");
        assertTrue(id > last, "id " + id + " arrived after " + last + " (message " + i + ")");
        last = id;
      }
    }
  }
}
