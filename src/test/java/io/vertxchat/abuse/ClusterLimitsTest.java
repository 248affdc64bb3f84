package io.vertxchat.abuse;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-user limits hold across the cluster, not per node: a user sending through sockets on two
 * nodes at once gets one cluster-wide rate, channel creations on two nodes share one budget, and
 * sockets beyond the per-user limit are refused on either node until one closes.
 */
@Timeout(180)
class ClusterLimitsTest {
  private static final int SENDS_PER_SECOND = 2;
  private static final int SEND_BURST = 10;
  /** The lease the chat verticle takes from a cluster bucket of this burst: a quarter, at most 10. */
  private static final int LEASE = Math.min(10, SEND_BURST / 4);
  private static final long FLOOD_MS = 3_000;
  private static final int CREATES_PER_MINUTE = 3;
  private static final int SOCKETS_PER_USER = 3;

  private static TestNodes nodes;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    nodes = TestNodes.cluster(TestPostgres.get().newDatabaseUrl(), Map.of(
      "CHAT_RATE_SENDS_PER_SECOND", String.valueOf(SENDS_PER_SECOND),
      "CHAT_RATE_SEND_BURST", String.valueOf(SEND_BURST),
      "CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", String.valueOf(CREATES_PER_MINUTE),
      "CHAT_MAX_SOCKETS_PER_USER", String.valueOf(SOCKETS_PER_USER)));
    vertx = nodes.clientVertx();
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void a_user_sending_through_two_nodes_at_once_is_held_to_one_cluster_wide_rate() {
    ChatClient onA = nodes.signInOnA("limits-dora");
    ChatClient onB = nodes.signInOnB("limits-dora");
    long userId = onA.get("/api/me").bodyAsJsonObject().getLong("id");
    assertEquals(userId, onB.get("/api/me").bodyAsJsonObject().getLong("id"), "one person on two nodes");
    BridgeClient socketA = onA.socket();
    BridgeClient socketB = onB.socket();
    try {
      // Both floods add to it, from the client Vert.x event loops of their sockets.
      List<JsonObject> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
      long started = System.currentTimeMillis();
      long until = started + FLOOD_MS;
      Future<Integer> floodA = flood(socketA, "from A", until, refusals);
      Future<Integer> floodB = flood(socketB, "from B", until, refusals);
      int acceptedA = Await.result(floodA, 60_000);
      int acceptedB = Await.result(floodB, 60_000);
      double seconds = (System.currentTimeMillis() - started) / 1000.0;
      int accepted = acceptedA + acceptedB;
      // One bucket: its burst, its refill over the window (rounded up), and what each node may hold in its lease.
      int bound = SEND_BURST + (int) Math.ceil(SENDS_PER_SECOND * seconds) + 2 * (LEASE - 1);
      // Per-node buckets let each node accept a whole burst and rate of its own.
      int perNode = 2 * (SEND_BURST + (int) (SENDS_PER_SECOND * seconds));
      System.out.printf("cluster-wide rate: accepted %d (A %d, B %d) in %.2f s, refused %d; bound %d, per-node limits would allow %d%n",
        accepted, acceptedA, acceptedB, seconds, refusals.size(), bound, perNode);
      assertTrue(accepted >= SEND_BURST, "the burst went through: " + accepted);
      assertTrue(accepted <= bound, "at most one cluster-wide bucket's worth: " + accepted + " > " + bound);
      assertTrue(accepted < perNode * 3 / 4, "clearly less than per-node limits allow: " + accepted + " vs " + perNode);
      assertFalse(refusals.isEmpty(), "the flood was refused");
      List<JsonObject> unexpected = List.copyOf(refusals).stream().filter(r -> !(r.getInteger("failureCode") == 429
        && r.getString("message").matches("too many messages; retry in \\d+ s"))).toList();
      assertEquals(List.of(), unexpected, "every refusal is a 429 with a retry hint");
      assertEquals(String.valueOf(accepted), nodes.sql("SELECT count(*) FROM messages WHERE author_id = " + userId), "exactly the accepted sends were stored");
    } finally {
      socketA.close();
      socketB.close();
    }
  }

  @Test
  void channel_creations_on_two_nodes_share_one_budget() {
    ChatClient onA = nodes.signInOnA("limits-erin");
    ChatClient onB = nodes.signInOnB("limits-erin");
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < CREATES_PER_MINUTE + 1; i++) {
      ChatClient client = i % 2 == 0 ? onA : onB;
      statuses.add(client.post("/api/channels", new JsonObject().put("name", "limits-erin-" + i)).statusCode());
    }
    assertEquals(List.of(201, 201, 201, 429), statuses, "three creations a minute in all, whichever node");
    var refused = onA.post("/api/channels", new JsonObject().put("name", "limits-erin-x"));
    assertEquals(429, refused.statusCode());
    assertEquals("rate_limited", refused.bodyAsJsonObject().getString("error"));
  }

  @Test
  void sockets_beyond_the_per_user_limit_are_refused_on_any_node_until_one_closes() {
    ChatClient onA = nodes.signInOnA("limits-finn");
    ChatClient onB = nodes.signInOnB("limits-finn");
    List<BridgeClient> open = new ArrayList<>();
    try {
      // The limit's sockets, spread over both nodes; each is admitted (it answers a request).
      for (ChatClient client : List.of(onA, onB, onA)) {
        BridgeClient socket = client.socket();
        open.add(socket);
        assertTrue(admitted(socket), "a socket within the limit is admitted");
      }
      // One more is refused on either node, with the same close code as on one node.
      for (ChatClient client : List.of(onB, onA)) {
        BridgeClient extra = client.socket();
        assertFalse(admitted(extra), "a socket beyond the limit is refused on " + client.baseUrl());
        assertEquals(BridgeCodes.TOO_MANY_SOCKETS, extra.awaitClosed());
      }
      // The other sockets keep working.
      assertTrue(open.stream().allMatch(ClusterLimitsTest::admitted), "the admitted sockets still answer");

      // One closes on A: one more is accepted, on B (its count is released asynchronously: retry).
      open.remove(0).close();
      BridgeClient replacement = awaitAdmitted(onB);
      open.add(replacement);
      BridgeClient extra = onA.socket();
      assertFalse(admitted(extra), "back at the limit: refused again");
    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  /** Sends one message after another until {@code until}; the number accepted, refusals collected. */
  private static Future<Integer> flood(BridgeClient socket, String text, long until, List<JsonObject> refusals) {
    Promise<Integer> done = Promise.promise();
    AtomicInteger accepted = new AtomicInteger();
    sendNext(socket, text, until, refusals, accepted, done);
    return done.future();
  }

  private static void sendNext(BridgeClient socket, String text, long until, List<JsonObject> refusals, AtomicInteger accepted,
                               Promise<Integer> done) {
    if (System.currentTimeMillis() >= until) {
      done.complete(accepted.get());
      return;
    }
    socket.requestAsync("chat.send", new JsonObject().put("channel", "general").put("text", text + " " + accepted.get()))
      .onSuccess(reply -> {
        if (reply.getValue("failureCode") == null) {
          accepted.incrementAndGet();
        } else {
          synchronized (refusals) {
            refusals.add(reply);
          }
        }
        sendNext(socket, text, until, refusals, accepted, done);
      })
      .onFailure(done::fail);
  }

  /** True when the socket answers a request, false when the server closes it instead. */
  static boolean admitted(BridgeClient socket) {
    Future<JsonObject> reply = socket.requestAsync("chat.history", new JsonObject().put("channel", "general").put("limit", 1),
      10_000);
    Await.until(vertx, 15_000, "the socket answers or is closed", () -> reply.isComplete() || socket.isClosed());
    return reply.succeeded() && reply.result().getValue("failureCode") == null;
  }

  /** Opens sockets until one is admitted (a closed socket's count is released a moment after it closes). */
  private static BridgeClient awaitAdmitted(ChatClient client) {
    BridgeClient[] admitted = new BridgeClient[1];
    Await.until(vertx, 10_000, "a socket is admitted again", () -> {
      BridgeClient socket = client.socket();
      if (admitted(socket)) {
        admitted[0] = socket;
        return true;
      }
      socket.close();
      return false;
    });
    return admitted[0];
  }
}
