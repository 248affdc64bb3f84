package io.vertxchat.chat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertxchat.persistence.SearchQueries;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full-text search on the shared two-node cluster with real PostgreSQL: messages are written
 * through one node and searched through the other. Each test searches for words of its own (a
 * random token), so the other tests' messages in the shared database never match, and each
 * searcher is a person of its own, so the per-user search budget of one test never limits another.
 */
@Timeout(90)
class SearchTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  /** A word no other message contains. */
  private static String token() {
    return "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static ChatClient person(String name, boolean onA) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 6);
    return onA ? nodes.signInOnA(unique) : nodes.signInOnB(unique);
  }

  /** A channel created on node A, once node B's channel directory knows it too (searches on B read it). */
  private static String channelKnownOnBoth(ChatClient creator, ChatClient onB) {
    String channel = TestNodes.newChannel(creator);
    Await.until(nodes.clientVertx(), 10_000, "node B lists " + channel,
      () -> onB.get("/api/channels").bodyAsJsonArray().stream().anyMatch(c -> channel.equals(((JsonObject) c).getString("name"))));
    return channel;
  }

  private JsonObject send(BridgeClient socket, String channel, String text) {
    JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text));
    assertTrue(reply.getJsonObject("body") != null, () -> "send failed: " + reply);
    return reply.getJsonObject("body");
  }

  private static HttpResponse<Buffer> searchOver(ChatClient client, String query) {
    return client.get("/api/search?" + query);
  }

  private static JsonObject search(ChatClient client, String q, String extra) {
    HttpResponse<Buffer> response = searchOver(client, "q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + extra);
    assertEquals(200, response.statusCode(), response::bodyAsString);
    return response.bodyAsJsonObject();
  }

  private static List<Long> ids(JsonObject page) {
    List<Long> ids = new ArrayList<>();
    page.getJsonArray("results").forEach(r -> ids.add(((JsonObject) r).getJsonObject("message").getLong("id")));
    return ids;
  }

  private static String joined(JsonArray snippet) {
    StringBuilder text = new StringBuilder();
    snippet.forEach(p -> text.append(((JsonObject) p).getString("text")));
    return text.toString();
  }

  private static List<String> matches(JsonArray snippet) {
    List<String> words = new ArrayList<>();
    snippet.forEach(p -> {
      if (((JsonObject) p).getBoolean("match")) {
        words.add(((JsonObject) p).getString("text"));
      }
    });
    return words;
  }

  @Test
  void a_message_sent_on_one_node_is_found_from_the_other_over_the_bridge_and_rest() {
    ChatClient alice = person("Alice", true);
    ChatClient bob = person("Bob", false);
    String channel = channelKnownOnBoth(alice, bob);
    String word = token();
    BridgeClient aliceSocket = sockets.of(alice);
    JsonObject sent = send(aliceSocket, channel, "The " + word + " release is tagged");

    BridgeClient bobSocket = sockets.of(bob);
    JsonObject reply = bobSocket.request("chat.search", new JsonObject().put("q", word.toUpperCase())).getJsonObject("body");
    assertEquals(1, reply.getJsonArray("results").size(), reply::encodePrettily);
    assertEquals(0, reply.getInteger("offset"));
    assertFalse(reply.getBoolean("more"));
    JsonObject hit = reply.getJsonArray("results").getJsonObject(0);
    JsonObject message = hit.getJsonObject("message");
    assertEquals(sent.getLong("id"), message.getLong("id"));
    assertEquals(channel, message.getString("channel"));
    assertEquals(sent.getLong("seq"), message.getLong("seq"));
    assertEquals(alice.me().getString("name"), message.getJsonObject("author").getString("name"));
    assertEquals(sent.getString("createdAt"), message.getString("createdAt"));
    assertTrue(hit.getDouble("rank") > 0);
    assertEquals(List.of(word), matches(hit.getJsonArray("snippet")), "the word as stored is marked");

    JsonObject overRest = search(bob, word, "");
    assertEquals(List.of(sent.getLong("id")), ids(overRest));
    assertEquals(hit, overRest.getJsonArray("results").getJsonObject(0), "REST answers as the bridge does");
  }

  @Test
  void a_message_matching_more_of_the_words_ranks_first_and_equal_ranks_are_newest_first() {
    ChatClient alice = person("Alice", true);
    ChatClient bob = person("Bob", false);
    String channel = channelKnownOnBoth(alice, bob);
    String one = token();
    String two = token();
    BridgeClient socket = sockets.of(alice);
    long both = send(socket, channel, one + " and " + two + " together").getLong("id");
    long olderOne = send(socket, channel, "only " + one + " here").getLong("id");
    long newerOne = send(socket, channel, "only " + one + " here").getLong("id");
    long justTwo = send(socket, channel, "then " + two + " alone, at last").getLong("id");

    JsonObject page = search(bob, one + " or " + two, "");
    List<Long> ids = ids(page);
    assertEquals(both, ids.get(0), () -> "both words first: " + page.encodePrettily());
    assertEquals(4, ids.size());
    assertTrue(ids.indexOf(newerOne) < ids.indexOf(olderOne), "equal ranks: the newer first");
    assertTrue(ids.contains(justTwo));
    JsonArray results = page.getJsonArray("results");
    assertTrue(results.getJsonObject(0).getDouble("rank") > results.getJsonObject(1).getDouble("rank"));
    assertEquals(List.of(one, two), matches(results.getJsonObject(0).getJsonArray("snippet")));

    // Web-search syntax: both words (the default), a phrase, an exclusion; never a syntax error.
    assertEquals(List.of(both), ids(search(bob, one + " " + two, "")));
    assertEquals(List.of(newerOne, olderOne), ids(search(bob, "\"only " + one + "\"", "")));
    assertEquals(List.of(newerOne, olderOne), ids(search(bob, one + " -" + two, "")));
    assertEquals(List.of(both), ids(search(bob, one + " & " + two + " ((( :* !", "")));
  }

  @Test
  void snippets_are_text_parts_that_mark_the_matches_and_carry_markup_as_plain_text() {
    ChatClient alice = person("Alice", true);
    ChatClient bob = person("Bob", false);
    String channel = channelKnownOnBoth(alice, bob);
    String word = token();
    BridgeClient socket = sockets.of(alice);
    String markup = "<script>alert(1)</script> " + word + " & <b>bold</b> <img src=x onerror=alert(2)> &amp; \u2063s\u2063";
    send(socket, channel, markup);

    JsonArray snippet = search(bob, word, "").getJsonArray("results").getJsonObject(0).getJsonArray("snippet");
    assertEquals(markup, joined(snippet), "a short message is its whole text, markup and all, unchanged");
    assertEquals(List.of(word), matches(snippet));
    snippet.forEach(p -> assertEquals(Set.of("text", "match"), ((JsonObject) p).fieldNames()));

    // A long message: a window around the first match, cut at words, marked with an ellipsis.
    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      longText.append("filler").append(i).append(' ');
    }
    longText.append(word).append(" in the middle");
    for (int i = 0; i < 60; i++) {
      longText.append(" more").append(i);
    }
    String second = token();
    send(socket, channel, longText.toString().replace(word, second));
    JsonArray cut = search(bob, second, "").getJsonArray("results").getJsonObject(0).getJsonArray("snippet");
    String shown = joined(cut);
    assertEquals(List.of(second), matches(cut));
    assertTrue(shown.startsWith("…") && shown.endsWith("…"), shown);
    assertTrue(shown.length() <= 260, () -> shown.length() + ": " + shown);
    assertTrue(longText.toString().replace(word, second).contains(shown.substring(1, shown.length() - 1)),
      "the window is a piece of the text: " + shown);
  }

  @Test
  void pages_of_results_go_by_offset_and_say_when_there_are_more() {
    ChatClient alice = person("Alice", true);
    ChatClient bob = person("Bob", false);
    String channel = channelKnownOnBoth(alice, bob);
    String word = token();
    BridgeClient socket = sockets.of(alice);
    Set<Long> sent = new HashSet<>();
    for (int i = 0; i < 25; i++) {
      sent.add(send(socket, channel, word + " number " + i).getLong("id"));
    }
    JsonObject first = search(bob, word, "&limit=10");
    JsonObject second = search(bob, word, "&limit=10&offset=10");
    JsonObject third = search(bob, word, "&limit=10&offset=20");
    assertEquals(List.of(10, 10, 5), List.of(ids(first).size(), ids(second).size(), ids(third).size()));
    assertEquals(List.of(true, true, false), List.of(first.getBoolean("more"), second.getBoolean("more"), third.getBoolean("more")));
    assertEquals(20, third.getInteger("offset"));
    Set<Long> found = new HashSet<>(ids(first));
    found.addAll(ids(second));
    found.addAll(ids(third));
    assertEquals(sent, found, "every message once over the pages");
    List<Long> all = new ArrayList<>(ids(first));
    all.addAll(ids(second));
    all.addAll(ids(third));
    List<Long> newestFirst = new ArrayList<>(all);
    newestFirst.sort((x, y) -> Long.compare(y, x));
    assertEquals(newestFirst, all, "equal ranks: newest first, across pages");
    assertEquals(20, ids(search(bob, word, "")).size(), "20 by default");
  }

  @Test
  void a_deleted_message_is_never_found_and_an_edited_one_only_by_its_new_text() {
    ChatClient alice = person("Alice", true);
    ChatClient bob = person("Bob", false);
    String channel = channelKnownOnBoth(alice, bob);
    String gone = token();
    String before = token();
    String after = token();
    BridgeClient socket = sockets.of(alice);
    long deleted = send(socket, channel, "secret " + gone).getLong("id");
    long edited = send(socket, channel, "draft " + before).getLong("id");
    assertEquals(List.of(deleted), ids(search(bob, gone, "")));
    assertEquals(List.of(edited), ids(search(bob, before, "")));

    assertEquals(deleted, socket.request("chat.delete", new JsonObject().put("id", deleted)).getJsonObject("body").getLong("id"));
    socket.request("chat.edit", new JsonObject().put("id", edited).put("text", "final " + after));

    assertEquals(List.of(), ids(search(bob, gone, "")), "deleted: not found");
    assertEquals(List.of(), ids(search(bob, before, "")), "edited: not by its old text");
    JsonObject hit = search(bob, after, "").getJsonArray("results").getJsonObject(0);
    assertEquals(edited, hit.getJsonObject("message").getLong("id"));
    assertEquals("final " + after, hit.getJsonObject("message").getString("text"));
    assertTrue(hit.getJsonObject("message").getString("editedAt") != null);
  }

  @Test
  void a_private_channel_is_searched_for_its_members_only() {
    ChatClient alice = person("Alice", true);
    ChatClient mallory = person("Mallory", false);
    String channel = TestNodes.newPrivateChannel(alice);
    String word = token();
    long id = send(sockets.of(alice), channel, "members only: " + word).getLong("id");

    assertEquals(List.of(id), ids(search(alice, word, "")), "its member finds it");
    assertEquals(List.of(), ids(search(mallory, word, "")), "somebody else does not");
  }

  @Test
  void bad_queries_are_refused_with_400_and_say_why() {
    ChatClient carol = person("Carol", false);
    String longQuery = "a".repeat(201);
    String[][] cases = {
      {"", "q must be a string"},
      {"q=", "q must not be blank"},
      {"q=%20%20%09", "q must not be blank"},
      {"q=" + longQuery, "q is 201 characters; the most is 200"},
      {"q=-excluded", "at least one word"},
      {"q=%22%22%20or%20!!", "at least one word"},
      {"q=x&offset=abc", "offset must be a whole number"},
      {"q=x&limit=1.5", "limit must be a whole number"},
      {"q=x&limit=0", "limit must be a whole number from 1 to 50"},
      {"q=x&limit=51", "limit must be a whole number from 1 to 50"},
      {"q=x&offset=-1", "offset must be a whole number from 0 to 1000"},
      {"q=x&offset=1001", "offset must be a whole number from 0 to 1000"},
    };
    for (String[] c : cases) {
      HttpResponse<Buffer> response = searchOver(carol, c[0]);
      assertEquals(400, response.statusCode(), () -> c[0] + ": " + response.bodyAsString());
      assertEquals("invalid", response.bodyAsJsonObject().getString("error"));
      assertTrue(response.bodyAsJsonObject().getString("message").contains(c[1]), () -> c[0] + ": " + response.bodyAsString());
    }
    assertEquals(200, searchOver(carol, "q=" + "a".repeat(200)).statusCode(), "200 characters are fine");

    BridgeClient socket = sockets.of(carol);
    Object[][] bodies = {
      {new JsonObject().put("q", 42), "q must be a string"},
      {new JsonObject().put("q", new JsonArray().add("x")), "q must be a string"},
      {new JsonObject().put("q", "x").put("offset", "10"), "offset must be a whole number"},
      {new JsonObject().put("q", "x").put("limit", true), "limit must be a whole number"},
      {"just text", "the body must be a JSON object"},
      {new JsonObject().put("q", "x\u0000y"), "without NUL"},
    };
    for (Object[] b : bodies) {
      JsonObject reply = socket.request("chat.search", b[0]);
      assertEquals(400, reply.getInteger("failureCode"), () -> b[0] + ": " + reply);
      assertTrue(reply.getString("message").contains((String) b[1]), () -> b[0] + ": " + reply);
    }
    assertEquals(401, new ChatClient(nodes.clientVertx(), nodes.a().publicUrl()).get("/api/search?q=x").statusCode(),
      "signed out: 401");
  }

  @Test
  void a_flood_of_searches_is_refused_with_429_and_a_retry_hint_on_either_node() {
    String name = "Flooder-" + UUID.randomUUID().toString().substring(0, 6);
    ChatClient onA = nodes.signInOnA(name);
    ChatClient onB = nodes.signInOnB(name);
    int accepted = 0;
    HttpResponse<Buffer> refused = null;
    for (int i = 0; i < 40 && refused == null; i++) {
      HttpResponse<Buffer> response = searchOver(i % 2 == 0 ? onA : onB, "q=flood");
      if (response.statusCode() == 429) {
        refused = response;
      } else {
        assertEquals(200, response.statusCode(), response::bodyAsString);
        accepted++;
      }
    }
    assertTrue(refused != null, "40 searches at once are not all accepted");
    assertTrue(accepted >= 5 && accepted <= 20, "a burst of about 10 is, across both nodes: " + accepted);
    assertEquals("rate_limited", refused.bodyAsJsonObject().getString("error"));
    assertTrue(refused.bodyAsJsonObject().getString("message").matches("too many searches; retry in \\d+ s"),
      refused.bodyAsString());
    JsonObject overBridge = sockets.of(onB).request("chat.search", new JsonObject().put("q", "flood"));
    assertEquals(429, overBridge.getInteger("failureCode"), overBridge::encode);
  }

  @Test
  void the_search_statement_walks_the_gin_index() {
    ChatClient alice = person("Alice", true);
    String channel = TestNodes.newChannel(alice);
    // Enough rows that a sequential scan would cost more, as in any real channel history.
    nodes.sql("INSERT INTO messages (channel_id, author_id, client_id, text, seq)"
      + " SELECT c.id, u.id, 'bulk-' || g, 'filler message number ' || g || ' about nothing much', g"
      + " FROM generate_series(1, 5000) g, channels c, users u"
      + " WHERE c.name = '" + channel + "' AND u.name = '" + alice.me().getString("name") + "'");
    nodes.sql("ANALYZE messages");
    // As for most people: every channel of the (shared, busy) test database is readable. With only
    // one or two channels, the planner may rightly prefer their (channel_id, seq) index instead.
    String readable = nodes.sql("SELECT string_agg(quote_literal(name), ',') FROM channels");
    String plan = nodes.sql("PREPARE search_plan(text[], text, int, int, text) AS " + SearchQueries.SEARCH + ";"
      + " EXPLAIN EXECUTE search_plan(ARRAY[" + readable + "], 'deploy friday', 0, 21, 'HighlightAll=true')");
    assertTrue(plan.contains("Bitmap Index Scan on " + SearchQueries.INDEX), plan);
    assertFalse(plan.contains("Seq Scan on messages"), plan);
  }
}
