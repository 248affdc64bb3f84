package io.vertxchat.http;

import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.vertxchat.support.OpenSockets;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BridgeGuardTest {
  private static TestNodes nodes;
  private static ChatClient alice;
  private static String channel;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
    alice = nodes.signInOnA("Alice");
    channel = TestNodes.newChannel(alice);
  }

  private BridgeClient keep(BridgeClient socket) {
    return sockets.keep(socket);
  }

  private BridgeClient anonymous() {
    return keep(BridgeClient.open(nodes.clientVertx(), nodes.a().publicUrl(), null, alice.origin()));
  }

  /** The bridge's refusal frame: {@code access_denied} (not permitted) or {@code rejected} (the guard said no). */
  private static boolean accessDenied(JsonObject frame) {
    return "err".equals(frame.getString("type"))
      && (BridgeCodes.ACCESS_DENIED.equals(frame.getString("body")) || BridgeCodes.REJECTED.equals(frame.getString("body")));
  }

  @Test
  void a_socket_without_a_session_can_neither_register_nor_send() {
    BridgeClient socket = anonymous();
    socket.register("chat.channel." + channel);
    socket.await(BridgeGuardTest::accessDenied);
    socket.write(new JsonObject().put("type", "send").put("address", "chat.send").put("replyAddress", "r1")
      .put("body", new JsonObject().put("channel", channel).put("text", "let me in")));
    socket.await(BridgeGuardTest::accessDenied);
    socket.write(new JsonObject().put("type", "send").put("address", "chat.history").put("replyAddress", "r2")
      .put("body", new JsonObject().put("channel", channel)));
    socket.await(BridgeGuardTest::accessDenied);
    assertEquals("0", nodes.sql("SELECT count(*) FROM messages WHERE text = 'let me in'"));
  }

  @Test
  void an_anonymous_socket_receives_nothing_from_a_channel() {
    BridgeClient spy = anonymous();
    spy.register("chat.channel." + channel);
    spy.await(BridgeGuardTest::accessDenied);
    BridgeClient aliceSocket = keep(alice.socket());
    aliceSocket.subscribe("chat.channel." + channel);
    aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "secret"));
    aliceSocket.awaitEvent("chat.channel." + channel, "message");
    // Alice's own socket has the event; the spy, registered on the same node before, has none.
    assertTrue(spy.frames().stream().noneMatch(f -> "rec".equals(f.getString("type"))), spy.frames()::toString);
  }

  @Test
  void a_signed_in_socket_cannot_publish_to_a_channel() {
    BridgeClient socket = keep(alice.socket());
    socket.subscribe("chat.channel." + channel);
    socket.publish("chat.channel." + channel, new JsonObject().put("type", "message")
      .put("message", new JsonObject().put("id", 1).put("text", "fake")));
    socket.await(BridgeGuardTest::accessDenied);
    socket.write(new JsonObject().put("type", "send").put("address", "chat.channel." + channel)
      .put("body", new JsonObject().put("type", "message")));
    socket.await(BridgeGuardTest::accessDenied);
    socket.register("chat.internal.store.messages");
    socket.await(BridgeGuardTest::accessDenied);
    socket.write(new JsonObject().put("type", "send").put("address", "chat.internal.store.channel.create")
      .put("replyAddress", "r3").put("body", new JsonObject().put("name", "sneaky")));
    socket.await(BridgeGuardTest::accessDenied);
    assertEquals("0", nodes.sql("SELECT count(*) FROM channels WHERE name = 'sneaky'"));
  }

  @Test
  void a_forged_author_or_forged_headers_are_ignored() {
    ChatClient mallory = nodes.signInOnA("Mallory");
    BridgeClient socket = keep(mallory.socket());
    JsonObject aliceUser = alice.me();
    JsonObject reply = socket.request("chat.send",
      new JsonObject().put("channel", channel).put("text", "I am Alice").put("author", aliceUser).put("authorId", aliceUser.getLong("id")),
      new JsonObject().put("chat-user", aliceUser.encode()).put("user", aliceUser.encode()));
    JsonObject stored = reply.getJsonObject("body");
    assertEquals("Mallory", stored.getJsonObject("author").getString("name"));
    assertNotEquals(aliceUser.getLong("id"), stored.getJsonObject("author").getLong("id"));
    assertEquals(String.valueOf(mallory.me().getLong("id")),
      nodes.sql("SELECT author_id FROM messages WHERE id = " + stored.getLong("id")));
  }

  @Test
  void registering_an_unknown_channel_is_refused() {
    BridgeClient socket = keep(alice.socket());
    socket.register("chat.channel.never-created-zz");
    socket.await(BridgeGuardTest::accessDenied);
  }

  @Test
  void a_socket_from_another_origin_is_refused() {
    AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
      () -> keep(BridgeClient.open(nodes.clientVertx(), nodes.a().publicUrl(), alice.cookieHeader(), "https://evil.example")));
    assertTrue(refused.getMessage().contains("403"), refused::getMessage);
  }

  @Test
  void a_socket_closes_when_its_session_signs_out() {
    ChatClient carol = nodes.signInOnA("Carol");
    BridgeClient onB = keep(BridgeClient.open(nodes.clientVertx(), nodes.b().publicUrl(), carol.cookieHeader(),
      nodes.b().publicUrl()));
    onB.subscribe("chat.channel." + channel);
    assertEquals(204, carol.post("/auth/logout", null).statusCode());
    onB.awaitClosed();
    assertEquals(401, carol.get("/api/me").statusCode());
  }
}
