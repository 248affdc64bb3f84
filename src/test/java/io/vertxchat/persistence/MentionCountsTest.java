package io.vertxchat.persistence;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertxchat.config.PgUrl;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The count behind a channel's mention badge: for one person and their read position per channel,
 * the messages after it that mention them, leaving out deleted messages and their own.
 */
@Timeout(60)
class MentionCountsTest {
  private static TestNodes nodes;
  private static Pool pool;
  private static MessageStore store;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
    pool = PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(2))
      .connectingTo(PgUrl.parse(nodes.pgUrl()))
      .using(nodes.clientVertx())
      .build();
    store = new MessageStore(pool, NodeStats.of(nodes.clientVertx()));
  }

  @AfterAll
  static void closePool() {
    Await.result(pool.close());
  }

  private static String unique(String name) {
    return name + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
  }

  private static long send(BridgeClient socket, String channel, String text) {
    JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text));
    assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
    return reply.getJsonObject("body").getLong("seq");
  }

  private static Map<String, Integer> counts(long userId, Object... channelAndSeq) {
    Map<String, Long> after = new LinkedHashMap<>();
    for (int i = 0; i < channelAndSeq.length; i += 2) {
      after.put((String) channelAndSeq[i], ((Number) channelAndSeq[i + 1]).longValue());
    }
    return Await.result(store.mentionCounts(userId, after, MessageStore.MENTION_COUNT_CAP));
  }

  @Test
  void counts_the_mentions_after_the_read_position_without_deleted_messages_or_self_mentions() {
    String annName = unique("ann");
    String bobName = unique("bob");
    ChatClient ann = nodes.signInOnA(annName);
    ChatClient bob = nodes.signInOnB(bobName);
    long annId = ann.me().getLong("id");
    long bobId = bob.me().getLong("id");
    String general = TestNodes.newChannel(ann);
    String other = TestNodes.newChannel(ann);
    BridgeClient annSocket = sockets.of(ann);
    BridgeClient bobSocket = sockets.of(bob);

    assertEquals(1, send(annSocket, general, "@" + bobName + " one"));
    assertEquals(2, send(annSocket, general, "plain two"));
    assertEquals(3, send(annSocket, general, "three, @" + bobName + "!"));
    assertEquals(4, send(bobSocket, general, "note to self @" + bobName));
    assertEquals(5, send(annSocket, general, "@" + bobName + " five, soon deleted"));
    long deletedId = Long.parseLong(nodes.sql("SELECT m.id FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + general + "' AND m.seq = 5").trim());
    assertNull(annSocket.request("chat.delete", new JsonObject().put("id", deletedId)).getValue("failureCode"));
    assertEquals(7, send(annSocket, general, "seven for @" + bobName.toUpperCase()));
    assertEquals(1, send(annSocket, other, "@" + bobName + " elsewhere"));
    assertEquals(2, send(annSocket, other, "and @" + annName + " too"));

    assertEquals(Map.of(general, 3, other, 1), counts(bobId, general, 0, other, 0),
      "1, 3 and 7 in general (not 4: his own; not 5: deleted), 1 in the other");
    assertEquals(Map.of(general, 2, other, 0), counts(bobId, general, 1, other, 1), "after the read position only");
    assertEquals(Map.of(general, 1), counts(bobId, general, 3));
    assertEquals(Map.of(general, 0), counts(bobId, general, 7));
    assertEquals(Map.of(general, 0, other, 0), counts(annId, general, 0, other, 0),
      "ann is mentioned in her own message only");
    assertEquals(Map.of("no-such-" + general, 0), counts(bobId, "no-such-" + general, 0), "a missing channel counts 0");
    assertEquals(Map.of(general, 2), Await.result(store.mentionCounts(bobId, Map.of(general, 0L), 2)), "capped");
  }
}
