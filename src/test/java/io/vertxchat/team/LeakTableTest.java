package io.vertxchat.team;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.vertxchat.team.PrivateChannelsTest.id;
import static io.vertxchat.team.PrivateChannelsTest.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No leaks: for every address, route and search, somebody who is not a member of a private
 * channel (or of a direct conversation), and somebody who was removed from it, gets nothing, and
 * the answer is the same as for a channel that does not exist. Then, after every attempt, the
 * members talk on; once a later public event has reached the outsiders, nothing of the private
 * ones has.
 */
@Timeout(120)
class LeakTableTest {
  private static TestNodes nodes;
  private static ChatClient ann;
  private static String secret;
  private static String direct;
  private static String missing;
  private static long rexMessage;
  /** Rex's socket that was subscribed to the private channel when he was removed. */
  private static BridgeClient removedSubscriber;
  private static final long ACTIVITY_TICK_NS = 250_000_000L;
  private static final List<BridgeClient> open = new ArrayList<>();
  /** Each outsider: a client, their own stream, and a socket that tried to register the channels. */
  private static final List<Outsider> outsiders = new ArrayList<>();

  record Outsider(String who, ChatClient client, BridgeClient stream, BridgeClient socket) {
  }

  /** One row of the table: what an outsider tries, on a channel name; answers compared with a missing name's. */
  record Row(String what, Function<Attempt, Object> attempt) {
  }

  record Attempt(Outsider outsider, String channel) {
    ChatClient client() {
      return outsider.client();
    }

    BridgeClient socket() {
      return outsider.socket();
    }
  }

  @BeforeAll
  static void setUp() {
    nodes = TestNodes.shared();
    ann = nodes.signInOnA(unique("Ann"));
    ChatClient bob = nodes.signInOnA(unique("Bob"));
    ChatClient rex = nodes.signInOnB(unique("Rex"));
    ChatClient mallory = nodes.signInOnB(unique("Mallory"));
    secret = TestNodes.newPrivateChannel(ann);
    missing = "nothing-" + UUID.randomUUID().toString().substring(0, 8);
    direct = ann.post("/api/direct", new JsonObject().put("with", new JsonArray().add(id(bob)))).bodyAsJsonObject()
      .getString("name");
    ann.post("/api/channels/" + secret + "/members", new JsonObject().put("user", id(rex)));
    BridgeClient rexSocket = keep(rex.socket());
    rexSocket.subscribe("chat.channel." + secret);
    removedSubscriber = rexSocket;
    rexMessage = rexSocket.request("chat.send", new JsonObject().put("channel", secret).put("text", "rex was here, quokka"))
      .getJsonObject("body").getLong("id");
    keep(ann.socket()).request("chat.send", new JsonObject().put("channel", secret).put("text", "the quokka plan"));
    keep(ann.socket()).request("chat.send", new JsonObject().put("channel", direct).put("text", "quokka between us"));
    assertEquals(204, ann.delete("/api/channels/" + secret + "/members/" + id(rex)).statusCode());
    outsiders.add(outsider("non-member", mallory));
    outsiders.add(outsider("removed member", rex));
  }

  @AfterAll
  static void closeSockets() {
    open.forEach(BridgeClient::close);
  }

  private static BridgeClient keep(BridgeClient socket) {
    open.add(socket);
    return socket;
  }

  private static Outsider outsider(String who, ChatClient client) {
    BridgeClient stream = keep(client.socket());
    stream.subscribe("chat.me");
    return new Outsider(who, client, stream, keep(client.socket()));
  }

  private static int status(ChatClient client, String path) {
    return client.get(path).statusCode();
  }

  /** A reply's failure code and message, with the channel's name made neutral. */
  /** The id of a message in {@code channel}, as an outsider might have kept it. */
  private static long messageIn(String channel) {
    return Long.parseLong(nodes.sql("SELECT max(m.id) FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.name = '"
      + channel + "'"));
  }

  private static String failure(JsonObject reply, String channel) {
    return reply.getInteger("failureCode") + " " + String.valueOf(reply.getString("message")).replace(channel, "<name>");
  }

  private static String httpFailure(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> response, String channel) {
    return response.statusCode() + " " + response.bodyAsString().replace(channel, "<name>");
  }

  private static final List<Row> ROWS = List.of(
    new Row("register chat.channel.<name>", a -> {
      a.socket().clearFrames();
      a.socket().register("chat.channel." + a.channel());
      JsonObject refusal = a.socket().await(f -> "err".equals(f.getString("type")));
      return refusal.getString("body");
    }),
    new Row("chat.history, newest page", a -> failure(a.socket().request("chat.history",
      new JsonObject().put("channel", a.channel())), a.channel())),
    new Row("chat.history afterSeq (resume)", a -> failure(a.socket().request("chat.history",
      new JsonObject().put("channel", a.channel()).put("afterSeq", 0)), a.channel())),
    new Row("chat.history around a message", a -> failure(a.socket().request("chat.history",
      new JsonObject().put("channel", a.channel()).put("around", rexMessage)), a.channel()).replace(String.valueOf(rexMessage), "<id>")),
    new Row("GET /api/channels/<name>/messages", a -> httpFailure(a.client().get("/api/channels/" + a.channel() + "/messages"),
      a.channel())),
    new Row("GET /api/channels/<name>/messages?afterSeq=0", a -> status(a.client(), "/api/channels/" + a.channel()
      + "/messages?afterSeq=0")),
    new Row("chat.send", a -> failure(a.socket().request("chat.send",
      new JsonObject().put("channel", a.channel()).put("text", "let me in")), a.channel())),
    new Row("chat.typing", a -> a.socket().request("chat.typing", new JsonObject().put("channel", a.channel()))
      .getJsonObject("body").encode()),
    new Row("chat.read", a -> failure(a.socket().request("chat.read",
      new JsonObject().put("channel", a.channel()).put("seq", 1)), a.channel())),
    new Row("POST /api/channels/<name>/read", a -> httpFailure(a.client().post("/api/channels/" + a.channel() + "/read",
      new JsonObject().put("seq", 1)), a.channel())),
    new Row("GET /api/channels/<name>/members", a -> httpFailure(a.client().get("/api/channels/" + a.channel() + "/members"),
      a.channel())),
    new Row("POST /api/channels/<name>/members (add oneself)", a -> httpFailure(a.client().post("/api/channels/" + a.channel()
      + "/members", new JsonObject().put("user", id(a.client()))), a.channel())),
    new Row("DELETE /api/channels/<name>/members/<creator>", a -> httpFailure(a.client().delete("/api/channels/" + a.channel()
      + "/members/" + id(ann)), a.channel())),
    new Row("listed in GET /api/channels", a -> a.client().get("/api/channels").bodyAsString().contains(a.channel())),
    new Row("counted in GET /api/unread", a -> a.client().get("/api/unread").bodyAsString().contains(a.channel())),
    new Row("chat.search finds its words", a -> a.socket().request("chat.search", new JsonObject().put("q", "quokka"))
      .getJsonObject("body").getJsonArray("results").stream()
      .anyMatch(r -> a.channel().equals(((JsonObject) r).getJsonObject("message").getString("channel")))),
    new Row("chat.react to a message there", a -> failure(a.socket().request("chat.react",
      new JsonObject().put("id", a.channel().equals(missing) ? rexMessage + 1_000_000 : messageIn(a.channel())).put("emoji", "👍")),
      a.channel()).replaceAll("\\d+", "<id>")),
    new Row("GET /api/search finds its words", a -> a.client().get("/api/search?q=quokka").bodyAsString().contains(a.channel()))
  );

  @TestFactory
  Stream<DynamicTest> an_outsider_gets_what_a_missing_channel_gives_and_nothing_more() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Outsider outsider : outsiders) {
      for (String channel : List.of(secret, direct)) {
        String kind = channel.equals(secret) ? "private channel" : "direct conversation";
        for (Row row : ROWS) {
          tests.add(DynamicTest.dynamicTest(outsider.who() + ", " + kind + ": " + row.what(), () -> {
            Object asMissing = row.attempt().apply(new Attempt(outsider, missing));
            Object answer = row.attempt().apply(new Attempt(outsider, channel));
            assertEquals(asMissing, answer, "the same answer as for a channel that does not exist");
          }));
        }
      }
    }
    tests.add(DynamicTest.dynamicTest("removed member: editing or deleting what they wrote there", () -> {
      BridgeClient socket = outsiders.get(1).socket();
      assertEquals(404, socket.request("chat.edit", new JsonObject().put("id", rexMessage).put("text", "changed"))
        .getInteger("failureCode"));
      assertEquals(404, socket.request("chat.delete", new JsonObject().put("id", rexMessage)).getInteger("failureCode"));
      assertEquals("rex was here, quokka", nodes.sql("SELECT text FROM messages WHERE id = " + rexMessage));
    }));
    tests.add(DynamicTest.dynamicTest("a member still finds and reads it all", () -> {
      assertTrue(ann.get("/api/search?q=quokka").bodyAsString().contains(secret));
      assertEquals(200, status(ann, "/api/channels/" + secret + "/messages"));
    }));
    tests.add(DynamicTest.dynamicTest("after all that, no event of theirs reached an outsider", () -> {
      BridgeClient member = keep(ann.socket());
      member.subscribe("chat.channel." + secret);
      member.request("chat.send", new JsonObject().put("channel", secret).put("text", "still secret"));
      member.request("chat.typing", new JsonObject().put("channel", secret));
      member.request("chat.send", new JsonObject().put("channel", direct).put("text", "still between us"));
      // Public events after the private ones, until two activity ticks have passed since: once those
      // reached the outsiders, anything of the private ones would have too.
      long sent = System.nanoTime();
      String open = TestNodes.newChannel(ann);
      BridgeClient opener = keep(ann.socket());
      opener.subscribe("chat.channel." + open);
      for (int seq = 1; seq == 1 || System.nanoTime() - sent < 2 * ACTIVITY_TICK_NS; seq++) {
        opener.request("chat.send", new JsonObject().put("channel", open).put("text", "for everybody"));
        long expected = seq;
        for (Outsider outsider : outsiders) {
          outsider.stream().await(f -> "activity".equals(f.getJsonObject("body").getString("type"))
            && f.getJsonObject("body").getJsonArray("events").stream()
              .anyMatch(e -> open.equals(((JsonObject) e).getString("channel")) && ((JsonObject) e).getLong("seq") == expected));
        }
      }
      for (Outsider outsider : outsiders) {
        for (BridgeClient socket : List.of(outsider.stream(), outsider.socket(), removedSubscriber)) {
          assertFalse(socket.frames().stream().anyMatch(f -> f.encode().contains("still")),
            outsider.who() + " received " + socket.frames());
          if (socket != removedSubscriber) {
            assertFalse(socket.frames().stream().anyMatch(f -> f.encode().contains(secret) || f.encode().contains(direct)),
              outsider.who() + " heard of the channels: " + socket.frames());
          }
        }
      }
      assertEquals("0", nodes.sql("SELECT count(*) FROM messages WHERE text = 'let me in'"), "nothing an outsider sent was stored");
    }));
    return tests.stream();
  }
}
