package io.vertxchat.team;

import io.vertx.core.json.JsonObject;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.Set;

import static io.vertxchat.team.PrivateChannelsTest.id;
import static io.vertxchat.team.PrivateChannelsTest.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Read positions and unread counts, the same for one person in every browser and on every node. */
@Timeout(90)
class UnreadTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private static JsonObject unread(ChatClient client, String channel) {
    return client.get("/api/unread").bodyAsJsonObject().getJsonObject("channels").getJsonObject(channel);
  }

  /** Waits until {@code stream} was told of activity in {@code channel} up to {@code seq}. */
  private static void awaitActivity(BridgeClient stream, String channel, long seq) {
    Set<Long> seen = new HashSet<>();
    while (!seen.contains(seq)) {
      stream.awaitEvent("chat.me", "activity").getJsonObject("body").getJsonArray("events").forEach(e -> {
        JsonObject event = (JsonObject) e;
        if (channel.equals(event.getString("channel"))) {
          seen.add(event.getLong("seq"));
        }
      });
    }
  }

  @Test
  void others_messages_count_until_read_in_any_browser_and_own_sends_never_count() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    String bobName = unique("Bob");
    ChatClient bob = nodes.signInOnB(bobName);
    ChatClient bobElsewhere = nodes.signInOnA(bobName);
    assertEquals(id(bob), id(bobElsewhere), "one person in two browsers");
    String channel = TestNodes.newChannel(ann);
    assertEquals(0, unread(bob, channel).getLong("unread"), "a public channel never opened counts nothing");
    assertNull(unread(bob, channel).getLong("readSeq"));
    assertEquals(0, bob.post("/api/channels/" + channel + "/read", new JsonObject().put("seq", 0)).bodyAsJsonObject().getLong("seq"));

    BridgeClient bobStream = sockets.subscribed(bob, "chat.me");
    BridgeClient otherBrowser = sockets.subscribed(bobElsewhere, "chat.me");
    BridgeClient annSocket = sockets.subscribed(ann, "chat.channel." + channel);
    for (int i = 1; i <= 3; i++) {
      annSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "news " + i));
    }
    awaitActivity(bobStream, channel, 3);
    awaitActivity(otherBrowser, channel, 3);
    assertEquals(3, unread(bob, channel).getLong("unread"));
    assertEquals(3, unread(bob, channel).getLong("seq"));
    assertEquals(0, unread(ann, channel).getLong("unread"), "nobody's own messages are unread");

    // Read up to 2 in one browser: the other is told, and the count is the same on both nodes.
    JsonObject read = bob.post("/api/channels/" + channel + "/read", new JsonObject().put("seq", 2)).bodyAsJsonObject();
    assertEquals(2, read.getLong("seq"));
    JsonObject told = otherBrowser.awaitEvent("chat.me", "read").getJsonObject("body");
    assertEquals(channel, told.getString("channel"));
    assertEquals(2, told.getLong("seq"));
    assertEquals(1, unread(bobElsewhere, channel).getLong("unread"));
    // A position never moves back, nor past the channel's last event.
    assertEquals(2, bob.post("/api/channels/" + channel + "/read", new JsonObject().put("seq", 1)).bodyAsJsonObject().getLong("seq"));
    assertEquals(3, bobStream.request("chat.read", new JsonObject().put("channel", channel).put("seq", 99))
      .getJsonObject("body").getLong("seq"));
    assertEquals(0, unread(bob, channel).getLong("unread"));
  }

  @Test
  void a_direct_message_counts_for_its_people_and_nobody_else_hears_of_it() {
    ChatClient ann = nodes.signInOnA(unique("Ann"));
    ChatClient bob = nodes.signInOnB(unique("Bob"));
    ChatClient eve = nodes.signInOnB(unique("Eve"));
    BridgeClient eveStream = sockets.subscribed(eve, "chat.me");
    BridgeClient bobStream = sockets.subscribed(bob, "chat.me");
    String dm = ann.post("/api/direct", new JsonObject().put("with", new io.vertx.core.json.JsonArray().add(id(bob))))
      .bodyAsJsonObject().getString("name");
    BridgeClient annSocket = sockets.subscribed(ann, "chat.channel." + dm);
    annSocket.request("chat.send", new JsonObject().put("channel", dm).put("text", "psst"));
    awaitActivity(bobStream, dm, 1);
    assertEquals(1, unread(bob, dm).getLong("unread"), "a direct message counts before it was ever opened");
    // Eve hears of a public message sent after the direct one, and never of the direct one.
    String open = TestNodes.newChannel(ann);
    BridgeClient annOpen = sockets.subscribed(ann, "chat.channel." + open);
    annOpen.request("chat.send", new JsonObject().put("channel", open).put("text", "for everybody"));
    awaitActivity(eveStream, open, 1);
    assertTrue(eveStream.frames().stream().noneMatch(f -> f.encode().contains(dm)), "nothing of the conversation reaches Eve");
    assertNull(eve.get("/api/unread").bodyAsJsonObject().getJsonObject("channels").getJsonObject(dm));
    assertEquals(400, bob.post("/api/channels/" + dm + "/read", new JsonObject().put("seq", -1)).statusCode());
    assertEquals(404, eve.post("/api/channels/" + dm + "/read", new JsonObject().put("seq", 1)).statusCode());
  }
}
