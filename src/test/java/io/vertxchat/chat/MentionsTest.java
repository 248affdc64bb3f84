package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mentions are found by the server, on two clustered nodes: an "@name" of a user is stored with
 * the message and shown in every Message (reply, live event, history, resume), a name of nobody
 * stays plain text, the client's own claims are ignored, and an edit replaces them.
 */
@Timeout(60)
class MentionsTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  /** A name nobody else in the shared database has, e.g. "bob3f2a9c". */
  private static String unique(String name) {
    return name + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
  }

  private static JsonArray mentionOf(JsonObject user) {
    return new JsonArray().add(new JsonObject().put("id", user.getLong("id")).put("name", user.getString("name")));
  }

  private static JsonObject sent(BridgeClient socket, JsonObject body) {
    JsonObject reply = socket.request("chat.send", body);
    assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
    return reply.getJsonObject("body");
  }

  private static JsonObject historyMessage(BridgeClient socket, String channel, long id) {
    JsonArray messages = socket.request("chat.history", new JsonObject().put("channel", channel))
      .getJsonObject("body").getJsonArray("messages");
    return messages.stream().map(JsonObject.class::cast).filter(m -> m.getLong("id") == id).findFirst()
      .orElseThrow(() -> new AssertionError("message " + id + " not in history " + messages));
  }

  private static JsonObject eventAfter(BridgeClient socket, String channel, long afterSeq) {
    JsonArray events = socket.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", afterSeq))
      .getJsonObject("body").getJsonArray("events");
    return events.getJsonObject(0);
  }

  @Test
  void a_mention_of_a_member_is_in_the_reply_the_live_event_on_the_other_node_history_and_resume() {
    String annName = unique("ann");
    String bobName = unique("bob");
    ChatClient ann = nodes.signInOnA(annName);
    ChatClient bob = nodes.signInOnB(bobName);
    JsonObject annUser = ann.me();
    JsonObject bobUser = bob.me();
    String channel = TestNodes.newChannel(ann);
    String address = "chat.channel." + channel;
    BridgeClient annSocket = sockets.subscribed(ann, address);
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    nodes.awaitRegistrationPropagation(address, 2);

    // Written on node A (in lower case), answered from node B: one of the two is written by the
    // channel's owner on the other node, so the forwarded write keeps mentions too.
    JsonObject fromAnn = sent(annSocket, new JsonObject().put("channel", channel)
      .put("text", "hello @" + bobName.toLowerCase() + ", the build is green"));
    assertEquals(mentionOf(bobUser), fromAnn.getJsonArray("mentions"), "the reply names bob as stored");
    JsonObject live = bobSocket.awaitEvent(address, "message").getJsonObject("body");
    assertEquals(mentionOf(bobUser), live.getJsonObject("message").getJsonArray("mentions"), "live on node B");
    annSocket.awaitEvent(address, "message"); // her own, on node A

    JsonObject fromBob = sent(bobSocket, new JsonObject().put("channel", channel).put("text", "@" + annName + " thanks!"));
    assertEquals(mentionOf(annUser), fromBob.getJsonArray("mentions"));
    assertEquals(mentionOf(annUser), annSocket.awaitEvent(address, "message").getJsonObject("body")
      .getJsonObject("message").getJsonArray("mentions"), "live on node A");

    assertEquals(mentionOf(bobUser), historyMessage(bobSocket, channel, fromAnn.getLong("id")).getJsonArray("mentions"));
    assertEquals(mentionOf(annUser), historyMessage(annSocket, channel, fromBob.getLong("id")).getJsonArray("mentions"));
    JsonObject resumed = eventAfter(bobSocket, channel, live.getLong("seq") - 1);
    assertEquals(fromAnn.getLong("id"), resumed.getJsonObject("message").getLong("id"));
    assertEquals(mentionOf(bobUser), resumed.getJsonObject("message").getJsonArray("mentions"), "afterSeq events");
    assertEquals(mentionOf(bobUser), new JsonArray(nodes.sql("SELECT mentions FROM messages WHERE id = "
      + fromAnn.getLong("id")).trim()), "stored as [{id, name}]");
  }

  @Test
  void a_name_of_nobody_an_address_and_a_mention_the_client_claims_stay_plain_text() {
    String annName = unique("ann");
    String bobName = unique("bob");
    ChatClient ann = nodes.signInOnA(annName);
    JsonObject bobUser = nodes.signInOnB(bobName).me();
    String channel = TestNodes.newChannel(ann);
    BridgeClient socket = sockets.of(ann);

    JsonObject plain = sent(socket, new JsonObject().put("channel", channel).put("text", "hi @nobody" + bobName));
    assertEquals(new JsonArray(), plain.getJsonArray("mentions"), "a name of nobody mentions nobody");
    JsonObject address = sent(socket, new JsonObject().put("channel", channel).put("text", "mail x@" + bobName + " or me"));
    assertEquals(new JsonArray(), address.getJsonArray("mentions"), "an @ inside a word starts no mention");
    JsonObject link = sent(socket, new JsonObject().put("channel", channel).put("text", "see https://example.org/@" + bobName));
    assertEquals(new JsonArray(), link.getJsonArray("mentions"), "nor does one inside a link");
    JsonObject quoted = sent(socket, new JsonObject().put("channel", channel).put("text", "(\"@" + bobName + "\")"));
    assertEquals(mentionOf(bobUser), quoted.getJsonArray("mentions"), "after an opening bracket or quote it does");

    JsonObject claimed = sent(socket, new JsonObject().put("channel", channel).put("text", "no mention here")
      .put("mentions", mentionOf(bobUser)));
    assertEquals(new JsonArray(), claimed.getJsonArray("mentions"), "the client's mentions are ignored");
    assertEquals(new JsonArray(), historyMessage(socket, channel, claimed.getLong("id")).getJsonArray("mentions"));
    assertEquals("1", nodes.sql("SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + channel + "' AND m.mentions IS NOT NULL").trim(), "only the quoted one stored mentions");
  }

  @Test
  void a_name_with_a_space_is_matched_longest_first_and_each_person_is_mentioned_once() {
    String first = unique("Carol");
    ChatClient ann = nodes.signInOnA(unique("ann"));
    JsonObject carol = nodes.signInOnA(first).me();
    JsonObject carolAnn = nodes.signInOnB(first + " Ann Lee").me();
    String channel = TestNodes.newChannel(ann);
    BridgeClient socket = sockets.of(ann);

    JsonObject both = sent(socket, new JsonObject().put("channel", channel)
      .put("text", "@" + first + " Ann Lee: and @" + first + ", and again @" + first.toUpperCase() + "!"));
    JsonArray expected = mentionOf(carolAnn).addAll(mentionOf(carol));
    assertEquals(expected, both.getJsonArray("mentions"), "the longest name first, then the short one once");
    JsonObject shorter = sent(socket, new JsonObject().put("channel", channel).put("text", "@" + first + " Ann, hi"));
    assertEquals(mentionOf(carol), shorter.getJsonArray("mentions"), "a name must end at a word's end");
  }

  @Test
  void in_a_private_channel_only_its_members_can_be_mentioned() {
    String bobName = unique("bob");
    String carolName = unique("carol");
    ChatClient ann = nodes.signInOnA(unique("ann"));
    JsonObject bobUser = nodes.signInOnB(bobName).me();
    JsonObject carolUser = nodes.signInOnB(carolName).me();
    String channel = TestNodes.newPrivateChannel(ann);
    BridgeClient socket = sockets.of(ann);
    assertEquals(200, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("name", bobName)).statusCode());

    JsonObject sent = sent(socket, new JsonObject().put("channel", channel).put("text", "@" + bobName + " and @" + carolName));
    assertEquals(mentionOf(bobUser), sent.getJsonArray("mentions"), "carol is no member: plain text, no notification");

    assertEquals(200, ann.post("/api/channels/" + channel + "/members", new JsonObject().put("name", carolName)).statusCode());
    JsonObject after = sent(socket, new JsonObject().put("channel", channel).put("text", "now @" + carolName));
    assertEquals(mentionOf(carolUser), after.getJsonArray("mentions"), "once invited, she can be");
  }

  @Test
  void sends_with_and_without_mentions_keep_their_order() {
    String bobName = unique("bob");
    ChatClient ann = nodes.signInOnA(unique("ann"));
    nodes.signInOnB(bobName);
    String channel = TestNodes.newChannel(ann);
    BridgeClient socket = sockets.of(ann);

    // Every frame is written before any reply is read: a plain send must not overtake the send
    // before it while that one's mentions are looked up.
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String text = i % 2 == 0 ? "@" + bobName + " number " + i : "plain number " + i;
      replies.add(socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", text), null));
    }
    List<String> stored = new ArrayList<>();
    long last = 0;
    for (Future<JsonObject> reply : replies) {
      JsonObject message = Await.result(reply).getJsonObject("body");
      assertTrue(message.getLong("id") > last, () -> "sent in this order, stored as " + stored + " then " + message);
      last = message.getLong("id");
      stored.add(message.getString("text"));
    }
  }

  @Test
  void an_edit_removes_and_adds_mentions_for_everyone() {
    String annName = unique("ann");
    String bobName = unique("bob");
    ChatClient ann = nodes.signInOnA(annName);
    ChatClient bob = nodes.signInOnB(bobName);
    JsonObject bobUser = bob.me();
    String channel = TestNodes.newChannel(ann);
    String address = "chat.channel." + channel;
    BridgeClient annSocket = sockets.subscribed(ann, address);
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    nodes.awaitRegistrationPropagation(address, 2);

    long id = sent(annSocket, new JsonObject().put("channel", channel).put("text", "@" + bobName + " can you look?"))
      .getLong("id");
    bobSocket.awaitEvent(address, "message");

    JsonObject removed = annSocket.request("chat.edit", new JsonObject().put("id", id).put("text", "never mind"))
      .getJsonObject("body");
    assertEquals(new JsonArray(), removed.getJsonArray("mentions"), "the edit reply");
    JsonObject editEvent = bobSocket.awaitEvent(address, "edit").getJsonObject("body");
    assertEquals(new JsonArray(), editEvent.getJsonObject("message").getJsonArray("mentions"), "the edit event on node B");
    assertEquals(new JsonArray(), historyMessage(bobSocket, channel, id).getJsonArray("mentions"));
    assertEquals(new JsonArray(), eventAfter(bobSocket, channel, editEvent.getLong("seq") - 1)
      .getJsonObject("message").getJsonArray("mentions"), "afterSeq replays the edit without the mention");

    JsonObject added = annSocket.request("chat.edit", new JsonObject().put("id", id).put("text", "@" + bobName + " after all"))
      .getJsonObject("body");
    assertEquals(mentionOf(bobUser), added.getJsonArray("mentions"));
    assertEquals(mentionOf(bobUser), bobSocket.awaitEvent(address, "edit").getJsonObject("body")
      .getJsonObject("message").getJsonArray("mentions"));
  }
}
