package io.vertxchat.chat;

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

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that was away resumes by sequence number: {@code chat.history} with {@code afterSeq}
 * brings every stored event it missed, edits and deletes of older messages included, in sequence
 * order, and says through which number it has now seen the channel.
 */
@Timeout(60)
class ResumeBySequenceTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void edits_and_deletes_made_while_a_client_was_away_reach_it_on_resume_in_order() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient aliceSocket = sockets.of(alice);
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    nodes.awaitRegistrationPropagation(address);

    long first = send(aliceSocket, channel, "first");
    long second = send(aliceSocket, channel, "second");
    JsonObject seen = bobSocket.awaitEvent(address, "message").getJsonObject("body");
    assertEquals(1, seen.getLong("seq"));
    long resumeAfter = 2;
    bobSocket.close();

    // While Bob is away: an edit of an old message, new messages, a delete of an old one, a new
    // message deleted again, and an edit of a new one.
    aliceSocket.request("chat.edit", new JsonObject().put("id", first).put("text", "first, edited"));     // 3
    long third = send(aliceSocket, channel, "third");                                                       // 4
    aliceSocket.request("chat.delete", new JsonObject().put("id", second));                                // 5
    long fourth = send(aliceSocket, channel, "fourth");                                                     // 6
    aliceSocket.request("chat.delete", new JsonObject().put("id", fourth));                                // 7
    aliceSocket.request("chat.edit", new JsonObject().put("id", third).put("text", "third, edited"));     // 8

    BridgeClient back = sockets.subscribed(bob, address);
    JsonObject page = back.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", resumeAfter))
      .getJsonObject("body");
    assertEquals(8, page.getLong("seq"), "seen through the channel's last event");
    assertFalse(page.getBoolean("more"));
    List<String> events = describe(page.getJsonArray("events"));
    // The new message shows its current text; the one deleted again is not shown at all.
    assertEquals(List.of("3 edit " + first + " first, edited", "4 message " + third + " third, edited",
      "5 delete " + second), events);

    // Paged: one event at a time, each page saying how far it got.
    List<String> paged = new ArrayList<>();
    long after = resumeAfter;
    boolean more = true;
    while (more) {
      JsonObject onePage = back.request("chat.history", new JsonObject().put("channel", channel)
        .put("afterSeq", after).put("limit", 1)).getJsonObject("body");
      paged.addAll(describe(onePage.getJsonArray("events")));
      assertTrue(onePage.getLong("seq") > after || !onePage.getBoolean("more"), "every page but the last moves on");
      after = onePage.getLong("seq");
      more = onePage.getBoolean("more");
    }
    assertEquals(8, after);
    assertTrue(paged.containsAll(events), "paging brings the same events: " + paged);

    // Over HTTP too.
    JsonObject rest = bob.get("/api/channels/" + channel + "/messages?afterSeq=" + resumeAfter).bodyAsJsonObject();
    assertEquals(events, describe(rest.getJsonArray("events")));

    // After the resume the next live event follows on.
    send(aliceSocket, channel, "fifth");
    assertEquals(9, back.awaitEvent(address, "message").getJsonObject("body").getLong("seq"));
  }

  @Test
  void history_pages_tell_the_sequence_number_they_were_read_at() {
    ChatClient alice = nodes.signInOnA("Alice");
    String channel = TestNodes.newChannel(alice);
    BridgeClient socket = sockets.of(alice);
    JsonObject empty = socket.request("chat.history", new JsonObject().put("channel", channel)).getJsonObject("body");
    assertEquals(0, empty.getLong("seq"));
    assertEquals(0, empty.getJsonArray("messages").size());
    long one = send(socket, channel, "one");
    send(socket, channel, "two");
    JsonObject page = socket.request("chat.history", new JsonObject().put("channel", channel)).getJsonObject("body");
    assertEquals(2, page.getLong("seq"));
    assertEquals(List.of(1L, 2L), page.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("seq")).toList());
    JsonObject after = socket.request("chat.history", new JsonObject().put("channel", channel).put("after", one))
      .getJsonObject("body");
    assertEquals(1, after.getJsonArray("messages").size());

    JsonObject missing = socket.request("chat.history", new JsonObject().put("channel", "no-such-" + channel).put("afterSeq", 0));
    assertEquals(404, missing.getInteger("failureCode"));
    JsonObject mixed = socket.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", 0).put("after", 1));
    assertEquals(400, mixed.getInteger("failureCode"));
    JsonObject negative = socket.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", -1));
    assertEquals(400, negative.getInteger("failureCode"));
  }

  private static long send(BridgeClient socket, String channel, String text) {
    return socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text))
      .getJsonObject("body").getLong("id");
  }

  /** "seq type id [text]" per event. */
  private static List<String> describe(JsonArray events) {
    List<String> out = new ArrayList<>();
    for (Object e : events) {
      JsonObject event = (JsonObject) e;
      String type = event.getString("type");
      out.add(event.getLong("seq") + " " + type + " " + (type.equals("delete") ? event.getLong("id")
        : event.getJsonObject("message").getLong("id") + " " + event.getJsonObject("message").getString("text")));
    }
    return out;
  }
}
