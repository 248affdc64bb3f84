package io.vertxchat.chat;

import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.vertxchat.support.OpenSockets;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

@Timeout(60)
class EditDeleteTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private BridgeClient socket(ChatClient client, String address) {
    return sockets.subscribed(client, address);
  }

  @Test
  void the_author_edits_and_deletes_and_every_subscriber_sees_it() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient aliceSocket = socket(alice, address);
    BridgeClient bobSocket = socket(bob, address);
    nodes.awaitRegistrationPropagation(address, 2);

    long id = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "helo"))
      .getJsonObject("body").getLong("id");
    // A new channel's events are numbered from 1; an edit and a delete are events too.
    assertEquals(1, bobSocket.awaitEvent(address, "message").getJsonObject("body").getLong("seq"));

    JsonObject edited = aliceSocket.request("chat.edit", new JsonObject().put("id", id).put("text", " hello ")).getJsonObject("body");
    assertEquals("hello", edited.getString("text"));
    assertNotNull(edited.getString("editedAt"));
    JsonObject editEvent = bobSocket.awaitEvent(address, "edit").getJsonObject("body");
    assertEquals(2, editEvent.getLong("seq"));
    JsonObject seenByBob = editEvent.getJsonObject("message");
    assertEquals(id, seenByBob.getLong("id"));
    assertEquals("hello", seenByBob.getString("text"));
    assertNotNull(seenByBob.getString("editedAt"));

    JsonObject deleted = aliceSocket.request("chat.delete", new JsonObject().put("id", id)).getJsonObject("body");
    assertEquals(id, deleted.getLong("id"));
    JsonObject deleteEvent = bobSocket.awaitEvent(address, "delete").getJsonObject("body");
    assertEquals(id, deleteEvent.getLong("id"));
    assertEquals(channel, deleteEvent.getString("channel"));
    assertEquals(3, deleteEvent.getLong("seq"));
    // A delete keeps a tombstone for clients that were away, without the text.
    assertEquals("|t", nodes.sql("SELECT text, deleted_at IS NOT NULL FROM messages WHERE id = " + id).replace(" ", ""));
    JsonObject history = aliceSocket.request("chat.history", new JsonObject().put("channel", channel)).getJsonObject("body");
    assertEquals(0, history.getJsonArray("messages").size(), "a deleted message leaves history");
    assertEquals(3, history.getLong("seq"));
    JsonObject again = aliceSocket.request("chat.edit", new JsonObject().put("id", id).put("text", "back"));
    assertEquals(404, again.getInteger("failureCode"), "a deleted message cannot be edited");
  }

  @Test
  void nobody_else_may_edit_or_delete() {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient mallory = nodes.signInOnB("Mallory");
    String channel = TestNodes.newChannel(alice);
    BridgeClient aliceSocket = socket(alice, "chat.channel." + channel);
    BridgeClient mallorySocket = socket(mallory, "chat.channel." + channel);
    long id = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "mine"))
      .getJsonObject("body").getLong("id");

    JsonObject edit = mallorySocket.request("chat.edit", new JsonObject().put("id", id).put("text", "pwned"));
    assertEquals(403, edit.getInteger("failureCode"));
    JsonObject delete = mallorySocket.request("chat.delete", new JsonObject().put("id", id));
    assertEquals(403, delete.getInteger("failureCode"));
    // Claiming to be Alice in the body or the headers changes nothing.
    JsonObject forged = mallorySocket.request("chat.delete",
      new JsonObject().put("id", id).put("authorId", alice.me().getLong("id")).put("author", alice.me()),
      new JsonObject().put("chat-user", alice.me().encode()));
    assertEquals(403, forged.getInteger("failureCode"));

    assertEquals("mine", nodes.sql("SELECT text FROM messages WHERE id = " + id));
    assertEquals("", nodes.sql("SELECT edited_at FROM messages WHERE id = " + id));
  }
}
