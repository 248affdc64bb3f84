package io.vertxchat.team;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Private channels and direct conversations on two clustered nodes: who is in, and who is told. */
@Timeout(90)
class PrivateChannelsTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  static String unique(String name) {
    return name + UUID.randomUUID().toString().substring(0, 6);
  }

  static long id(ChatClient client) {
    return client.me().getLong("id");
  }

  static boolean lists(ChatClient client, String channel) {
    return client.get("/api/channels").bodyAsJsonArray().stream()
      .anyMatch(c -> channel.equals(((JsonObject) c).getString("name")));
  }

  private BridgeClient stream(ChatClient client) {
    return sockets.subscribed(client, "chat.me");
  }

  @Test
  void a_member_invites_by_name_and_the_invited_sees_it_appear_and_reads_it_on_the_other_node() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    String bobName = unique("Bob");
    ChatClient bob = nodes.signInOnB(bobName);
    String channel = TestNodes.newPrivateChannel(ann);
    BridgeClient bobStream = stream(bob);
    assertFalse(lists(bob, channel), "a private channel is not listed to others");
    assertTrue(lists(ann, channel));

    JsonObject added = ann.post("/api/channels/" + channel + "/members", new JsonObject().put("name", bobName)).bodyAsJsonObject();
    assertEquals(2, added.getJsonArray("members").size());
    JsonObject appeared = bobStream.awaitEvent("chat.me", "channel").getJsonObject("body").getJsonObject("channel");
    assertEquals(channel, appeared.getString("name"));
    assertEquals("private", appeared.getString("kind"));
    assertTrue(lists(bob, channel));

    BridgeClient bobSocket = sockets.subscribed(bob, "chat.channel." + channel);
    BridgeClient annSocket = sockets.subscribed(ann, "chat.channel." + channel);
    nodes.awaitRegistrationPropagation("chat.channel." + channel, 2);
    annSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "welcome"));
    assertEquals("welcome", bobSocket.awaitEvent("chat.channel." + channel, "message").getJsonObject("body")
      .getJsonObject("message").getString("text"));
    JsonArray members = bob.get("/api/channels/" + channel + "/members").bodyAsJsonObject().getJsonArray("members");
    assertEquals(2, members.size());
    // Adding somebody twice changes nothing.
    assertEquals(200, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("user", id(bob))).statusCode());
    assertEquals("2", nodes.sql("SELECT count(*) FROM channel_members cm JOIN channels c ON c.id = cm.channel_id WHERE c.name = '"
      + channel + "'"));
  }

  @Test
  void the_creator_removes_a_member_whose_sockets_stop_receiving_at_once_on_every_node() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    ChatClient bob = nodes.signInOnB(unique("Bob"));
    ChatClient cat = nodes.signInOnB(unique("Cat"));
    String channel = TestNodes.newPrivateChannel(ann);
    String address = "chat.channel." + channel;
    ann.post("/api/channels/" + channel + "/members", new JsonObject().put("user", id(bob)));
    ann.post("/api/channels/" + channel + "/members", new JsonObject().put("user", id(cat)));
    BridgeClient bobStream = stream(bob);
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    BridgeClient catSocket = sockets.subscribed(cat, address);
    BridgeClient annSocket = sockets.subscribed(ann, address);
    nodes.awaitRegistrationPropagation(address, 2);

    // Only the creator removes; a member may not remove another.
    assertEquals(403, cat.delete("/api/channels/" + channel + "/members/" + id(bob)).statusCode());
    assertEquals(204, ann.delete("/api/channels/" + channel + "/members/" + id(bob)).statusCode());
    assertEquals(channel, bobStream.awaitEvent("chat.me", "removed").getJsonObject("body").getString("channel"));

    annSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "after bob left"));
    assertEquals("after bob left", catSocket.awaitEvent(address, "message").getJsonObject("body")
      .getJsonObject("message").getString("text"));
    // Cat, on Bob's node, got it: Bob's socket there did not.
    assertTrue(bobSocket.frames().stream().noneMatch(f -> address.equals(f.getString("address"))
      && "message".equals(f.getJsonObject("body").getString("type"))), "a removed member receives nothing more");
    assertEquals(404, bobSocket.request("chat.history", new JsonObject().put("channel", channel)).getInteger("failureCode"));
    assertFalse(lists(bob, channel));

    // Anybody may leave; then the channel is gone for them too.
    assertEquals(204, cat.delete("/api/channels/" + channel + "/members/" + id(cat)).statusCode());
    assertEquals(404, cat.get("/api/channels/" + channel + "/messages").statusCode());
    assertEquals(404, ann.delete("/api/channels/" + channel + "/members/" + id(cat)).statusCode(), "not a member any more");
  }

  @Test
  void a_direct_conversation_is_the_same_whoever_opens_it_and_only_its_people_read_it() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    ChatClient bob = nodes.signInOnB(unique("Bob"));
    ChatClient eve = nodes.signInOnB(unique("Eve"));
    BridgeClient bobStream = stream(bob);

    JsonObject opened = ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add(id(bob)))).bodyAsJsonObject();
    String name = opened.getString("name");
    assertEquals("direct", opened.getString("kind"));
    assertEquals(2, opened.getJsonArray("members").size());
    assertTrue(name.startsWith("dm-"));
    assertEquals(name, bobStream.awaitEvent("chat.me", "channel").getJsonObject("body").getJsonObject("channel").getString("name"));
    JsonObject fromBob = bob.post("/api/direct", new JsonObject().put("with", new JsonArray().add(id(ann)))).bodyAsJsonObject();
    assertEquals(name, fromBob.getString("name"), "the same two people have one conversation");

    BridgeClient annSocket = sockets.subscribed(ann, "chat.channel." + name);
    annSocket.request("chat.send", new JsonObject().put("channel", name).put("text", "just us"));
    assertEquals(1, bob.get("/api/channels/" + name + "/messages").bodyAsJsonObject().getJsonArray("messages").size());
    assertEquals(404, eve.get("/api/channels/" + name + "/messages").statusCode());
    assertFalse(lists(eve, name));
    // Its people are fixed; nobody may create a channel in its namespace.
    assertEquals(400, ann.post("/api/channels/" + name + "/members", new JsonObject().put("user", id(eve))).statusCode());
    assertEquals(400, ann.post("/api/channels", new JsonObject().put("name", "dm-mine")).statusCode());

    JsonObject group = ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add(id(bob)).add(id(eve))))
      .bodyAsJsonObject();
    assertEquals(3, group.getJsonArray("members").size());
    assertTrue(lists(eve, group.getString("name")));
  }

  @Test
  void bad_requests_are_refused_with_a_clear_error_and_change_nothing() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    String channel = TestNodes.newPrivateChannel(ann);
    String before = nodes.sql("SELECT count(*) FROM channel_members");
    assertEquals(400, ann.post("/api/channels", new JsonObject().put("name", unique("x")).put("private", "yes")).statusCode());
    assertEquals(400, ann.post("/api/channels/" + channel + "/members", new JsonObject()).statusCode());
    assertEquals(400, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("user", "me")).statusCode());
    assertEquals(404, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("name", unique("Nobody"))).statusCode());
    assertEquals(404, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("user", 99_999_999)).statusCode());
    assertEquals(400, ann.post("/api/channels/general/members", new JsonObject().put("user", id(ann))).statusCode());
    assertEquals(400, ann.post("/api/direct", new JsonObject().put("with", new JsonArray())).statusCode());
    assertEquals(400, ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add("bob"))).statusCode());
    assertEquals(400, ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add(id(ann)))).statusCode());
    JsonArray nine = new JsonArray();
    for (int i = 1; i <= 9; i++) {
      nine.add(id(ann) + 1000 + i);
    }
    assertEquals(400, ann.post("/api/direct", new JsonObject().put("with", nine)).statusCode());
    assertEquals(404, ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add(99_999_999))).statusCode());
    assertEquals(400, ann.delete("/api/channels/" + channel + "/members/abc").statusCode());
    assertEquals(403, ann.postWithoutCsrf("/api/channels/" + channel + "/members", new JsonObject().put("user", 1)).statusCode());
    assertEquals(before, nodes.sql("SELECT count(*) FROM channel_members"));
    JsonObject error = ann.post("/api/channels/" + channel + "/members", new JsonObject()).bodyAsJsonObject();
    assertEquals("invalid", error.getString("error"));
    assertFalse(error.getString("message").isBlank());
  }
}
