package io.vertxchat.faults;

import io.vertx.core.json.JsonObject;
import io.vertxchat.ChatNode;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An owner that committed and never published: when it leaves the cluster, the node that owns the
 * channel next claims it at once and publishes what lies after the point its predecessor recorded
 * as published; a subscriber that never disconnected gets the event live, with no further send.
 */
@Timeout(120)
class HandoverTest {
  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.pair();
  }

  @AfterAll
  static void close() {
    nodes.close();
  }

  @Test
  void the_next_owner_publishes_what_a_departed_owner_committed_and_never_published() throws Exception {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient onA = sockets.subscribed(alice, address);
    BridgeClient onB = sockets.subscribed(bob, address);
    nodes.awaitRegistrationPropagation(address, 2);
    onA.request("chat.send", new JsonObject().put("channel", channel).put("text", "first"));
    String owner = nodes.sql("SELECT owner_node FROM channels WHERE name = '" + channel + "'").trim();
    boolean aOwns = owner.equals(nodes.a().nodeId());
    ChatNode departing = aOwns ? nodes.a() : nodes.b();
    BridgeClient staying = aOwns ? onB : onA;
    staying.awaitEvent(address, "message");

    // What the owner would have done had it died between its commit and its publish.
    nodes.sql("WITH c AS (UPDATE channels SET seq = seq + 1 WHERE name = '" + channel + "' RETURNING id, seq)"
      + " INSERT INTO messages (channel_id, author_id, client_id, text, seq)"
      + " SELECT c.id, " + alice.me().getLong("id") + ", 'c:never-published', 'committed, never published', c.seq FROM c");
    departing.close().await(30, TimeUnit.SECONDS);

    // It may repeat number 1 too (what was published is recorded one write late); clients drop it.
    JsonObject event = staying.await(f -> address.equals(f.getString("address"))
      && f.getJsonObject("body").getLong("seq", 0L) >= 2).getJsonObject("body");
    assertEquals(2, event.getLong("seq"));
    assertEquals("message", event.getString("type"));
    assertEquals("committed, never published", event.getJsonObject("message").getString("text"));
  }
}
