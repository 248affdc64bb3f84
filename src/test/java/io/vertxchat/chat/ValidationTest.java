package io.vertxchat.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(60)
class ValidationTest {
  private static TestNodes nodes;
  private static ChatClient alice;
  private static BridgeClient socket;
  private static String channel;

  @BeforeAll
  static void setUp() {
    nodes = TestNodes.shared();
    alice = nodes.signInOnA("Alice");
    channel = TestNodes.newChannel(alice);
    socket = alice.socket();
  }

  @AfterAll
  static void tearDown() {
    socket.close();
  }

  static Stream<Arguments> badSends() {
    String ok = "placeholder";
    return Stream.of(
      Arguments.of("blank text", new JsonObject().put("channel", ok).put("text", "   \n\t "), 400),
      Arguments.of("empty text", new JsonObject().put("channel", ok).put("text", ""), 400),
      Arguments.of("2001 characters", new JsonObject().put("channel", ok).put("text", "x".repeat(2001)), 400),
      Arguments.of("2001 astral characters", new JsonObject().put("channel", ok).put("text", "😀".repeat(2001)), 400),
      Arguments.of("text is a number", new JsonObject().put("channel", ok).put("text", 42), 400),
      Arguments.of("text is an object", new JsonObject().put("channel", ok).put("text", new JsonObject()), 400),
      Arguments.of("text missing", new JsonObject().put("channel", ok), 400),
      Arguments.of("channel missing", new JsonObject().put("text", "hi"), 400),
      Arguments.of("channel is a number", new JsonObject().put("channel", 7).put("text", "hi"), 400),
      Arguments.of("channel with capitals", new JsonObject().put("channel", "General").put("text", "hi"), 400),
      Arguments.of("channel with a space", new JsonObject().put("channel", "a b").put("text", "hi"), 400),
      Arguments.of("channel starting with -", new JsonObject().put("channel", "-x").put("text", "hi"), 400),
      Arguments.of("channel of 51 characters", new JsonObject().put("channel", "a".repeat(51)).put("text", "hi"), 400),
      Arguments.of("channel with a dot", new JsonObject().put("channel", "a.b").put("text", "hi"), 400),
      Arguments.of("unknown channel", new JsonObject().put("channel", "no-such-channel-zz").put("text", "hi"), 404),
      Arguments.of("clientId is a number", new JsonObject().put("channel", ok).put("text", "hi").put("clientId", 5), 400),
      Arguments.of("clientId too long", new JsonObject().put("channel", ok).put("text", "hi").put("clientId", "c".repeat(101)), 400)
    );
  }

  @ParameterizedTest(name = "chat.send refuses {0} with {2}")
  @MethodSource("badSends")
  void bad_sends_get_the_contract_code_and_store_nothing(String what, JsonObject body, int code) {
    if ("placeholder".equals(body.getValue("channel"))) {
      body.put("channel", channel);
    }
    String before = storedCount();
    JsonObject reply = socket.request("chat.send", body);
    assertEquals(code, reply.getInteger("failureCode"), () -> what + ": " + reply);
    assertNotNull(reply.getString("message"), "the failure says why");
    assertEquals(before, storedCount(), "nothing was stored");
  }

  @Test
  void a_body_that_is_not_an_object_is_refused() {
    String before = storedCount();
    assertEquals(400, socket.request("chat.send", "hello").getInteger("failureCode"));
    assertEquals(400, socket.request("chat.send", new JsonArray().add(1)).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.history", 12).getInteger("failureCode"));
    assertEquals(before, storedCount());
  }

  @Test
  void exactly_2000_characters_are_accepted_counting_code_points() {
    JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", "😀".repeat(2000)));
    assertNull(reply.getValue("failureCode"), reply::encode);
    assertEquals(4000, reply.getJsonObject("body").getString("text").length(), "2000 astral code points, 4000 chars");
  }

  @Test
  void bad_edit_delete_and_history_requests_are_refused() {
    assertEquals(400, socket.request("chat.edit", new JsonObject().put("id", "1").put("text", "x")).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.edit", new JsonObject().put("id", -3).put("text", "x")).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.edit", new JsonObject().put("id", 1.5).put("text", "x")).getInteger("failureCode"));
    assertEquals(404, socket.request("chat.edit", new JsonObject().put("id", Long.MAX_VALUE).put("text", "x")).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.delete", new JsonObject()).getInteger("failureCode"));
    assertEquals(404, socket.request("chat.delete", new JsonObject().put("id", Long.MAX_VALUE)).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.history", new JsonObject().put("channel", channel).put("limit", 0)).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.history", new JsonObject().put("channel", channel).put("limit", 101)).getInteger("failureCode"));
    assertEquals(400, socket.request("chat.history", new JsonObject().put("channel", channel).put("before", "x")).getInteger("failureCode"));
    assertEquals(404, socket.request("chat.history", new JsonObject().put("channel", "no-such-channel-zz")).getInteger("failureCode"));
  }

  @Test
  void channel_creation_validates_names_and_refuses_duplicates() {
    var bad = alice.post("/api/channels", new JsonObject().put("name", "Bad Name"));
    assertEquals(400, bad.statusCode());
    assertEquals("invalid", bad.bodyAsJsonObject().getString("error"));
    assertNotNull(bad.bodyAsJsonObject().getString("message"));
    assertEquals(400, alice.post("/api/channels", "{not json").statusCode());
    assertEquals(400, alice.post("/api/channels", new JsonObject().put("name", 3)).statusCode());
    var taken = alice.post("/api/channels", new JsonObject().put("name", channel));
    assertEquals(409, taken.statusCode());
    assertEquals("conflict", taken.bodyAsJsonObject().getString("error"));

    JsonArray channels = alice.get("/api/channels").bodyAsJsonArray();
    JsonObject listed = channels.stream().map(JsonObject.class::cast)
      .filter(c -> channel.equals(c.getString("name"))).findFirst().orElseThrow();
    assertNotNull(listed.getString("createdAt"));
    assertEquals(alice.me().getLong("id"), listed.getLong("createdBy"));
  }

  private static String storedCount() {
    return nodes.sql("SELECT count(*) FROM messages");
  }
}
