package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two owners forced onto one channel: two nodes that are not clustered share one database, so each
 * believes it owns every channel, the worst a split view of the cluster can do. Their writes are
 * refused whenever the other has claimed the channel since, and routed again under a new claim:
 * every send is stored once, the numbers are 1..n without a hole or a repeat, and what each node
 * publishes is in sequence order (repeats aside).
 */
@Timeout(120)
class TwoWritersTest {
  private static final int SENDS_PER_NODE = 40;
  private static ChatNode a;
  private static ChatNode b;
  private static String database;
  private static Vertx vertx;

  @BeforeAll
  static void nodes() {
    String url = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(url);
    a = TestNodes.single(url, Map.of());
    b = TestNodes.single(url, Map.of());
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    Future.join(a.close(), b.close()).await(30, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_writer_with_a_stale_claim_is_refused_and_nothing_interleaves() throws Exception {
    ChatClient alice = ChatClient.signIn(vertx, a.publicUrl(), "Alice");
    ChatClient bob = ChatClient.signIn(vertx, b.publicUrl(), "Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    List<Long> seenOnA = new CopyOnWriteArrayList<>();
    List<Long> seenOnB = new CopyOnWriteArrayList<>();
    BridgeClient aliceSocket = subscribed(alice, address, seenOnA);
    BridgeClient bobSocket = subscribed(bob, address, seenOnB);

    // Both at once, each waiting for its previous answer: the claim goes back and forth. A send
    // that keeps meeting the other's newer claim fails with 503, and is retried as clients do.
    List<Future<JsonObject>> all = new ArrayList<>();
    Future<JsonObject> fromA = Future.succeededFuture();
    Future<JsonObject> fromB = Future.succeededFuture();
    java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
    for (int i = 0; i < SENDS_PER_NODE; i++) {
      int n = i;
      fromA = fromA.compose(r -> sendUntilStored(aliceSocket, channel, "a-" + n, retries));
      fromB = fromB.compose(r -> sendUntilStored(bobSocket, channel, "b-" + n, retries));
      all.add(fromA);
      all.add(fromB);
    }
    Future.all(all).await(60, TimeUnit.SECONDS);
    for (Future<JsonObject> reply : all) {
      assertEquals(null, reply.result().getValue("failureCode"), "every send is stored: " + reply.result());
    }

    int n = 2 * SENDS_PER_NODE;
    String numbers = TestPostgres.get().psql(database, "SELECT string_agg(m.seq::text, ',' ORDER BY m.seq),"
      + " count(DISTINCT m.client_id), max(c.seq) FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + channel + "'").trim();
    String expected = String.join(",", LongStream.rangeClosed(1, n).mapToObj(Long::toString).toList());
    assertEquals(expected + "|" + n + "|" + n, numbers, "numbers 1.." + n + ", each clientId once");

    long refusedA = staleClaims(alice);
    long refusedB = staleClaims(bob);
    System.out.println("two writers: " + n + " sends, refused as stale and routed again: " + refusedA + " on a, "
      + refusedB + " on b; 503 and retried by the client " + retries + "; seen live on a " + seenOnA.size()
      + ", on b " + seenOnB.size());
    assertTrue(refusedA + refusedB > 0, "the forced second owner was refused at least once");
    assertIncreasing(seenOnA);
    assertIncreasing(seenOnB);
  }

  private static Future<JsonObject> sendUntilStored(BridgeClient socket, String channel, String clientId,
                                                    java.util.concurrent.atomic.AtomicInteger retries) {
    return socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", clientId)
      .put("clientId", clientId), 10_000).compose(reply -> {
        if (Integer.valueOf(503).equals(reply.getInteger("failureCode")) && retries.incrementAndGet() < 200) {
          return sendUntilStored(socket, channel, clientId, retries);
        }
        return Future.succeededFuture(reply);
      });
  }

  private BridgeClient subscribed(ChatClient client, String address, List<Long> seen) throws Exception {
    BridgeClient socket = BridgeClient.connect(vertx, client.baseUrl(), BridgeClient.options()
      .cookie(client.cookieHeader())
      .keepFrames(false)
      .onFrame(frame -> {
        JsonObject body = frame.getJsonObject("body");
        if (body != null && "message".equals(body.getString("type"))) {
          seen.add(body.getLong("seq"));
        }
      })).await(20, TimeUnit.SECONDS);
    socket.subscribeAsync(address, 10_000).await(20, TimeUnit.SECONDS);
    return socket;
  }

  /**
   * A node publishes its channel in sequence order: a number lower than one it published before
   * is only ever a repeat (a new claim republishes what its predecessor may not have; subscribers
   * drop what they have). Gaps are the other node's writes: these nodes share no event bus.
   */
  private static void assertIncreasing(List<Long> seqs) {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    long max = 0;
    for (long seq : seqs) {
      assertTrue(seq > max || seen.contains(seq), "published in sequence order: " + seqs);
      seen.add(seq);
      max = Math.max(max, seq);
    }
  }

  private static long staleClaims(ChatClient client) {
    String metrics = client.get("/metrics").bodyAsString();
    Matcher m = Pattern.compile("(?m)^chat_channel_stale_claims_total(?:\\{[^}]*})? ([0-9.E]+)").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
