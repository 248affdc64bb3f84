package io.vertxchat.faults;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL goes away for 10 s under light, steady sending and comes back: sends during the
 * outage fail fast with 503, nothing acknowledged is lost, and the same node serves again without
 * a restart. Failed sends retried with their clientId are stored exactly once.
 */
@Timeout(300)
class StorageOutageTest {
  /** No send may wait longer than this for its answer, outage or not. */
  private static final long ANSWER_BOUND_MS = 12_000;
  private static final long SEND_EVERY_MS = 50;

  private static Vertx vertx;
  private static ChatNode node;
  private static String database;

  /** One send and how it ended. */
  record Outcome(String clientId, long startedMs, long tookMs, Long id, Integer failureCode, String error) {
  }

  @BeforeAll
  static void start() {
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    node = TestNodes.single(pgUrl, Map.of());
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close().await(20, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void sends_fail_fast_with_503_during_an_outage_and_nothing_acknowledged_is_lost() throws Exception {
    ChatClient alice = ChatClient.signIn(vertx, node.publicUrl(), "outage-alice");
    String channel = TestNodes.newChannel(alice);
    BridgeClient socket = BridgeClient.connect(vertx, node.publicUrl(), BridgeClient.options()
        .cookie(alice.cookieHeader())
        .keepFrames(false))
      .await(20, TimeUnit.SECONDS);

    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    long t0 = System.currentTimeMillis();
    long sender = vertx.setPeriodic(SEND_EVERY_MS, id -> {
      String clientId = "outage-" + sent.incrementAndGet();
      long started = System.currentTimeMillis();
      socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", "m " + clientId)
          .put("clientId", clientId), 30_000)
        .onComplete(reply -> {
          long took = System.currentTimeMillis() - started;
          if (reply.failed()) {
            outcomes.add(new Outcome(clientId, started - t0, took, null, null, reply.cause().toString()));
          } else if (reply.result().getValue("failureCode") != null) {
            outcomes.add(new Outcome(clientId, started - t0, took, null, reply.result().getInteger("failureCode"),
              reply.result().getString("message")));
          } else {
            outcomes.add(new Outcome(clientId, started - t0, took, reply.result().getJsonObject("body").getLong("id"),
              null, null));
          }
        });
    });

    long outageStart;
    long outageEnd;
    long recoveredAt;
    try {
      vertx.timer(3_000).await(10, TimeUnit.SECONDS);
      outageStart = System.currentTimeMillis() - t0;
      TestPostgres.get().stop();
      vertx.timer(10_000).await(20, TimeUnit.SECONDS);
    } finally {
      TestPostgres.get().start();
    }
    outageEnd = System.currentTimeMillis() - t0;
    // Service returns by itself: the first send started after the restart that is acknowledged.
    long deadline = System.currentTimeMillis() + 30_000;
    Long firstAckAfter = null;
    while (firstAckAfter == null && System.currentTimeMillis() < deadline) {
      vertx.timer(200).await(5, TimeUnit.SECONDS);
      firstAckAfter = outcomes.stream().filter(o -> o.id() != null && o.startedMs() >= outageEnd)
        .map(Outcome::startedMs).min(Long::compare).orElse(null);
    }
    recoveredAt = firstAckAfter == null ? -1 : firstAckAfter;
    vertx.timer(3_000).await(10, TimeUnit.SECONDS);
    vertx.cancelTimer(sender);
    int total = sent.get();
    long drain = System.currentTimeMillis() + ANSWER_BOUND_MS + 5_000;
    while (outcomes.size() < total && System.currentTimeMillis() < drain) {
      vertx.timer(100).await(5, TimeUnit.SECONDS);
    }

    List<Outcome> all = new ArrayList<>(outcomes);
    List<Outcome> acked = all.stream().filter(o -> o.id() != null).toList();
    List<Outcome> failed = all.stream().filter(o -> o.failureCode() != null).toList();
    List<Outcome> unanswered = all.stream().filter(o -> o.id() == null && o.failureCode() == null).toList();
    long slowest = all.stream().mapToLong(Outcome::tookMs).max().orElse(0);
    long slowestFailure = failed.stream().mapToLong(Outcome::tookMs).max().orElse(0);
    Set<Long> stored = storedIds(channel);
    long ackedStored = acked.stream().filter(o -> stored.contains(o.id())).count();

    // Whoever got no acknowledgement retries with the same clientId: each is stored once.
    List<Outcome> retried = new ArrayList<>();
    for (Outcome o : all) {
      if (o.id() == null) {
        JsonObject reply = socket.requestAsync("chat.send", new JsonObject().put("channel", channel)
          .put("text", "m " + o.clientId()).put("clientId", o.clientId()), 15_000).await(20, TimeUnit.SECONDS);
        assertTrue(reply.getValue("failureCode") == null, () -> "retry after recovery failed: " + reply);
        retried.add(o);
      }
    }
    String duplicates = TestPostgres.get().psql(database,
      "SELECT count(*) FROM (SELECT client_id FROM messages GROUP BY author_id, client_id HAVING count(*) > 1) d");
    String rows = TestPostgres.get().psql(database, "SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + channel + "'");

    System.out.printf("storage outage: sent %d, acknowledged %d (all %d in PostgreSQL), failed %d (codes %s, slowest %d ms),"
        + " unanswered %d, slowest answer %d ms; outage %d..%d ms, first acknowledged send started at %d ms;"
        + " after retrying the %d failed sends with their clientId: %s rows for %d clientIds, %s duplicates%n",
      total, acked.size(), ackedStored, failed.size(),
      failed.stream().map(Outcome::failureCode).collect(Collectors.toSet()), slowestFailure, unanswered.size(), slowest,
      outageStart, outageEnd, recoveredAt, retried.size(), rows, total, duplicates);

    assertEquals(total, all.size(), "every send was answered");
    assertTrue(unanswered.isEmpty(), () -> "sends without an answer: " + unanswered.subList(0, Math.min(5, unanswered.size())));
    assertEquals(acked.size(), ackedStored, "every acknowledged message is in PostgreSQL");
    assertTrue(failed.size() > 0, "sends during the outage failed");
    assertTrue(failed.stream().allMatch(o -> o.failureCode() == 503), () -> "failure codes " + failed);
    assertTrue(slowest <= ANSWER_BOUND_MS, "slowest answer " + slowest + " ms");
    assertTrue(recoveredAt >= 0, "sends succeed again after PostgreSQL is back, without a node restart");
    assertEquals(String.valueOf(total), rows, "after retries each clientId is stored exactly once");
    assertEquals("0", duplicates);
    socket.close();
  }

  private static Set<Long> storedIds(String channel) {
    String out = TestPostgres.get().psql(database, "SELECT m.id FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name = '" + channel + "'");
    Set<Long> ids = new HashSet<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(Long.parseLong(line.trim()));
      }
    }
    return ids;
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.await(30, TimeUnit.SECONDS);
  }
}
