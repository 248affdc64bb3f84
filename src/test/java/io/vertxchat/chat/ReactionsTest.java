package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import io.vertxchat.ChatNode;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import io.vertxchat.testkit.SequencedChannel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Emoji reactions, on two clustered nodes with real PostgreSQL: a toggle is a channel event with
 * the channel's next number, live on every node, and every Message (replies, history pages,
 * resume) carries the reactions as they are.
 */
@Timeout(90)
class ReactionsTest {
  private static final String THUMBS = "\uD83D\uDC4D";
  private static final String HEART = "\u2764\uFE0F";
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void a_reaction_on_one_node_reaches_the_other_live_counts_people_toggles_off_and_is_kept_in_history_and_resume()
    throws Exception {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    long aliceId = alice.me().getLong("id");
    long bobId = bob.me().getLong("id");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient aliceSocket = sockets.subscribed(alice, address);
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    nodes.awaitRegistrationPropagation(address, 2);

    long id = send(aliceSocket, channel, "lunch at noon?");
    assertEquals(1, stored(aliceSocket, address, "message").getLong("seq"));
    assertEquals(List.of(), reactionsOf(stored(bobSocket, address, "message").getJsonObject("message")),
      "a new message has no reactions");

    // Bob, on node B, reacts: Alice, on node A, sees it live with count and who.
    JsonObject reply = react(bobSocket, id, THUMBS).getJsonObject("body");
    assertEquals(List.of(THUMBS + " 1 Bob"), reactionsOf(reply));
    JsonObject event = stored(aliceSocket, address, "reaction");
    assertEquals(2, event.getLong("seq"), "a reaction takes the channel's next number");
    assertEquals(id, event.getJsonObject("message").getLong("id"));
    assertEquals(List.of(THUMBS + " 1 Bob"), reactionsOf(event.getJsonObject("message")));
    assertEquals(bobId, event.getJsonObject("message").getJsonArray("reactions").getJsonObject(0)
      .getJsonArray("users").getJsonObject(0).getLong("id"));
    assertEquals(2, stored(bobSocket, address, "reaction").getLong("seq"));

    // Alice adds the same emoji over REST: two people.
    HttpResponse<Buffer> rest = alice.post("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", THUMBS));
    assertEquals(200, rest.statusCode(), rest.bodyAsString());
    assertEquals(List.of(THUMBS + " 2 Bob,Alice"), reactionsOf(rest.bodyAsJsonObject()));
    JsonObject second = stored(bobSocket, address, "reaction");
    assertEquals(3, second.getLong("seq"));
    assertEquals(List.of(THUMBS + " 2 Bob,Alice"), reactionsOf(second.getJsonObject("message")));
    assertEquals(3, stored(aliceSocket, address, "reaction").getLong("seq"));

    // A send in between, then Bob toggles his off: numbers stay without holes.
    long other = send(bobSocket, channel, "yes!");
    assertEquals(4, stored(aliceSocket, address, "message").getLong("seq"));
    assertEquals(4, stored(bobSocket, address, "message").getLong("seq"));
    react(aliceSocket, other, HEART);
    assertEquals(5, stored(bobSocket, address, "reaction").getLong("seq"));
    assertEquals(5, stored(aliceSocket, address, "reaction").getLong("seq"));
    JsonObject off = react(bobSocket, id, THUMBS).getJsonObject("body");
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(off));
    JsonObject offEvent = stored(aliceSocket, address, "reaction");
    assertEquals(6, offEvent.getLong("seq"));
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(offEvent.getJsonObject("message")));
    assertEquals(6, stored(bobSocket, address, "reaction").getLong("seq"));
    assertEquals("1", nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + id));
    assertEquals("6", nodes.sql("SELECT seq FROM channels WHERE name = '" + channel + "'"));

    // History pages show them, over the bridge and REST.
    JsonObject page = bobSocket.request("chat.history", new JsonObject().put("channel", channel)).getJsonObject("body");
    assertEquals(6, page.getLong("seq"));
    JsonArray messages = page.getJsonArray("messages");
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(messages.getJsonObject(0)));
    assertEquals(List.of(HEART + " 1 Alice"), reactionsOf(messages.getJsonObject(1)));
    JsonArray restPage = bob.get("/api/channels/" + channel + "/messages").bodyAsJsonObject().getJsonArray("messages");
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(restPage.getJsonObject(0)));

    // Resume: a client that saw through 1 gets the new message and the latest change of the
    // first one, a reaction event with its reactions now.
    JsonObject resumed = bobSocket.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", 1))
      .getJsonObject("body");
    assertEquals(6, resumed.getLong("seq"));
    assertEquals(List.of("4 message " + other + " " + HEART + " 1 Alice", "6 reaction " + id + " " + THUMBS + " 1 Alice"),
      describe(resumed.getJsonArray("events")));

    // A client following the protocol from the start ends up showing the same.
    SequencedChannel follower = new SequencedChannel(channel, () -> bobSocket);
    follower.resume().await(10, TimeUnit.SECONDS);
    assertEquals(6, follower.seq());
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(follower.messages().get(id)));
    assertEquals(List.of(HEART + " 1 Alice"), reactionsOf(follower.messages().get(other)));

    // An edit's reply and event keep the reactions; resume then tells an edit.
    JsonObject edited = aliceSocket.request("chat.edit", new JsonObject().put("id", id).put("text", "lunch at one?"))
      .getJsonObject("body");
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(edited));
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(stored(bobSocket, address, "edit").getJsonObject("message")));
    JsonObject afterEdit = bobSocket.request("chat.history", new JsonObject().put("channel", channel).put("afterSeq", 6))
      .getJsonObject("body");
    assertEquals(List.of("7 edit " + id + " " + THUMBS + " 1 Alice"), describe(afterEdit.getJsonArray("events")));

    // Search results are Messages too.
    JsonArray results = bobSocket.request("chat.search", new JsonObject().put("q", "lunch").put("limit", 50))
      .getJsonObject("body").getJsonArray("results");
    JsonObject found = results.stream().map(r -> ((JsonObject) r).getJsonObject("message"))
      .filter(m -> m.getLong("id") == id).findFirst().orElseThrow(() -> new AssertionError("not found: " + results));
    assertEquals(List.of(THUMBS + " 1 Alice"), reactionsOf(found));
    assertTrue(aliceId != bobId);
  }

  @Test
  void anything_but_one_emoji_is_refused_with_400_and_nothing_is_stored() {
    ChatClient carol = nodes.signInOnA("Carol");
    String channel = TestNodes.newChannel(carol);
    BridgeClient socket = sockets.of(carol);
    long id = send(socket, channel, "react to me");

    String longSequence = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67\u200D\uD83D\uDC66\u200D\uD83D\uDC68\u200D\uD83D\uDC69";
    List<Object> bad = List.of("hello", "", " ", THUMBS + THUMBS, THUMBS + " ", "a" + THUMBS, longSequence,
      "\uD83C\uDFFD" /* a lone skin tone */, "\u200D", "\uFE0F", "1", "\uD83C\uDDEB" /* half a flag */,
      THUMBS + "\u200D", "\uD83D", 42, true, new JsonObject(), new JsonArray().add(THUMBS));
    for (Object emoji : bad) {
      JsonObject refused = react(socket, id, emoji);
      assertEquals(400, refused.getInteger("failureCode"), () -> "emoji " + emoji + ": " + refused);
    }
    JsonObject noEmoji = socket.request("chat.react", new JsonObject().put("id", id));
    assertEquals(400, noEmoji.getInteger("failureCode"), noEmoji::encode);
    JsonObject noId = socket.request("chat.react", new JsonObject().put("emoji", THUMBS));
    assertEquals(400, noId.getInteger("failureCode"), noId::encode);
    JsonObject textId = socket.request("chat.react", new JsonObject().put("id", "1").put("emoji", THUMBS));
    assertEquals(400, textId.getInteger("failureCode"), textId::encode);
    JsonObject notAnObject = socket.request("chat.react", new JsonArray().add(id));
    assertEquals(400, notAnObject.getInteger("failureCode"), notAnObject::encode);

    HttpResponse<Buffer> restText = carol.post("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", "ok"));
    assertEquals(400, restText.statusCode());
    assertEquals("invalid", restText.bodyAsJsonObject().getString("error"));
    assertTrue(restText.bodyAsJsonObject().getString("message").contains("one emoji"), restText.bodyAsString());
    assertEquals(400, carol.post("/api/messages/abc/reactions", new JsonObject().put("emoji", THUMBS)).statusCode());
    assertEquals(400, carol.post("/api/messages/" + id + "/reactions", new JsonArray().add(THUMBS)).statusCode());
    assertEquals(403, carol.postWithoutCsrf("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", THUMBS))
      .statusCode(), "a state-changing route needs the CSRF header");

    assertEquals("0", nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + id));
    assertEquals("1", nodes.sql("SELECT seq FROM channels WHERE name = '" + channel + "'"), "no number was taken");

    // What one emoji is: a flag, a keycap, skin tones, joined sequences, a tag flag, a heart.
    List<String> good = List.of("\uD83D\uDC4D\uD83C\uDFFD", "\uD83D\uDC69\u200D\uD83D\uDCBB", "\uD83C\uDDEB\uD83C\uDDF7",
      "1\uFE0F\u20E3", HEART, "\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62\uDB40\uDC73\uDB40\uDC63\uDB40\uDC74\uDB40\uDC7F",
      "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67\u200D\uD83D\uDC66");
    for (String emoji : good) {
      JsonObject ok = react(socket, id, emoji);
      assertNull(ok.getValue("failureCode"), () -> emoji + ": " + ok);
    }
    assertEquals(String.valueOf(good.size()), nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + id));
  }

  @Test
  void a_deleted_or_missing_message_gets_404_and_a_person_has_at_most_ten_reactions_on_a_message() {
    ChatClient dave = nodes.signInOnB("Dave");
    ChatClient erin = nodes.signInOnA("Erin");
    String channel = TestNodes.newChannel(dave);
    BridgeClient daveSocket = sockets.of(dave);
    BridgeClient erinSocket = sockets.of(erin);
    long id = send(daveSocket, channel, "soon gone");
    daveSocket.request("chat.delete", new JsonObject().put("id", id));
    JsonObject gone = react(erinSocket, id, THUMBS);
    assertEquals(404, gone.getInteger("failureCode"), gone::encode);
    assertEquals(404, erin.post("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", THUMBS)).statusCode());
    assertEquals(404, react(erinSocket, id + 1_000_000_000L, THUMBS).getInteger("failureCode"));
    assertEquals("0", nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + id));
    assertEquals("2", nodes.sql("SELECT seq FROM channels WHERE name = '" + channel + "'"));

    long kept = send(daveSocket, channel, "react a lot");
    int[] emoji = {0x1F600, 0x1F601, 0x1F602, 0x1F603, 0x1F604, 0x1F605, 0x1F606, 0x1F607, 0x1F608, 0x1F609, 0x1F60A};
    for (int i = 0; i < 10; i++) {
      JsonObject ok = react(erinSocket, kept, Character.toString(emoji[i]));
      assertNull(ok.getValue("failureCode"), ok::encode);
    }
    JsonObject tooMany = react(erinSocket, kept, Character.toString(emoji[10]));
    assertEquals(409, tooMany.getInteger("failureCode"), tooMany::encode);
    assertEquals("10", nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + kept));
    assertEquals("13", nodes.sql("SELECT seq FROM channels WHERE name = '" + channel + "'"), "a refused toggle takes no number");
    // Someone else still may; and taking one back frees a place.
    assertNull(react(daveSocket, kept, Character.toString(emoji[10])).getValue("failureCode"));
    assertNull(react(erinSocket, kept, Character.toString(emoji[0])).getValue("failureCode"));
    assertNull(react(erinSocket, kept, Character.toString(emoji[10])).getValue("failureCode"));
  }

  @Test
  void a_person_who_may_not_read_the_channel_gets_404_as_for_a_missing_message_and_nothing_is_stored() {
    ChatClient gina = nodes.signInOnA("Gina");
    ChatClient mallory = nodes.signInOnB("Mallory");
    String channel = TestNodes.newPrivateChannel(gina);
    String address = "chat.channel." + channel;
    BridgeClient ginaSocket = sockets.subscribed(gina, address);
    BridgeClient mallorySocket = sockets.of(mallory);
    long id = send(ginaSocket, channel, "members only");
    assertEquals(1, stored(ginaSocket, address, "message").getLong("seq"));

    JsonObject refused = react(mallorySocket, id, THUMBS);
    JsonObject missing = react(mallorySocket, id + 1_000_000_000L, THUMBS);
    assertEquals(404, refused.getInteger("failureCode"), refused::encode);
    assertEquals(missing.getString("message").replace(String.valueOf(id + 1_000_000_000L), "N"),
      refused.getString("message").replace(String.valueOf(id), "N"), "the same answer as for a missing message");
    HttpResponse<Buffer> rest = mallory.post("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", THUMBS));
    assertEquals(404, rest.statusCode(), rest.bodyAsString());
    assertEquals("0", nodes.sql("SELECT count(*) FROM reactions WHERE message_id = " + id));
    assertEquals("1", nodes.sql("SELECT seq FROM channels WHERE name = '" + channel + "'"));
    // A member may: the channel's next event.
    assertNull(react(ginaSocket, id, THUMBS).getValue("failureCode"));
    assertEquals(2, stored(ginaSocket, address, "reaction").getLong("seq"));
  }

  @Test
  void a_flood_of_reactions_gets_429_and_what_was_refused_is_not_stored() throws Exception {
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    String database = TestPostgres.databaseOf(pgUrl);
    ChatNode node = TestNodes.single(pgUrl, Map.of("CHAT_RATE_SENDS_PER_SECOND", "1", "CHAT_RATE_SEND_BURST", "5"));
    try {
      ChatClient frank = ChatClient.signIn(nodes.clientVertx(), node.publicUrl(), "Frank");
      BridgeClient socket = sockets.of(frank);
      long id = send(socket, "general", "flood me");
      List<Future<JsonObject>> replies = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        replies.add(socket.requestAsync("chat.react", new JsonObject().put("id", id).put("emoji", THUMBS)));
      }
      Future.all(replies).await(30, TimeUnit.SECONDS);
      int accepted = 0;
      int limited = 0;
      for (Future<JsonObject> reply : replies) {
        Integer code = reply.result().getInteger("failureCode");
        if (code == null) {
          accepted++;
        } else {
          assertEquals(429, code, reply.result()::encode);
          limited++;
        }
      }
      assertTrue(limited >= 20, "most of the flood is refused: " + limited + " of 30");
      assertTrue(accepted >= 3, "the rest of the burst went through: " + accepted);
      // REST shares the bucket: the bucket refills one a second, so a few more tries meet a 429.
      int restAccepted = 0;
      HttpResponse<Buffer> rest = null;
      for (int i = 0; i < 5 && (rest == null || rest.statusCode() != 429); i++) {
        rest = frank.post("/api/messages/" + id + "/reactions", new JsonObject().put("emoji", HEART));
        if (rest.statusCode() == 200) {
          restAccepted++;
        }
      }
      assertEquals(429, rest.statusCode(), rest.bodyAsString());
      assertEquals("rate_limited", rest.bodyAsJsonObject().getString("error"));
      // Each accepted toggle is one event; a refused one took no number and stored nothing.
      assertEquals(String.valueOf(1 + accepted + restAccepted),
        TestPostgres.get().psql(database, "SELECT seq FROM channels WHERE name = 'general'"));
      assertEquals(String.valueOf(accepted % 2 + restAccepted % 2), TestPostgres.get().psql(database, "SELECT count(*) FROM reactions"));
    } finally {
      node.close().await(20, TimeUnit.SECONDS);
    }
  }

  /** The socket's next stored event of the channel (any type, in arrival order), which must be of {@code type}. */
  private static JsonObject stored(BridgeClient socket, String address, String type) {
    JsonObject body = socket.await(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && f.getJsonObject("body").getValue("seq") != null).getJsonObject("body");
    assertEquals(type, body.getString("type"), body::encode);
    return body;
  }

  private static long send(BridgeClient socket, String channel, String text) {
    JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text));
    assertNull(reply.getValue("failureCode"), reply::encode);
    return reply.getJsonObject("body").getLong("id");
  }

  private static JsonObject react(BridgeClient socket, long id, Object emoji) {
    return socket.request("chat.react", new JsonObject().put("id", id).put("emoji", emoji));
  }

  /** A message's reactions as "emoji count Name,Name" (people in the order they reacted). */
  private static List<String> reactionsOf(JsonObject message) {
    List<String> out = new ArrayList<>();
    for (Object r : message.getJsonArray("reactions")) {
      JsonObject reaction = (JsonObject) r;
      List<String> names = reaction.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("name")).toList();
      out.add(reaction.getString("emoji") + " " + reaction.getInteger("count") + " " + String.join(",", names));
    }
    return out;
  }

  private static List<String> describe(JsonArray events) {
    List<String> out = new ArrayList<>();
    for (Object e : events) {
      JsonObject event = (JsonObject) e;
      JsonObject message = event.getJsonObject("message");
      out.add(event.getLong("seq") + " " + event.getString("type") + " " + message.getLong("id") + " "
        + String.join(";", reactionsOf(message)));
    }
    return out;
  }
}
