package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real node processes, two people on each, everyone sending steadily to one channel. One
 * node is killed with {@code kill -9} mid-stream. Its people reconnect to the survivors with their
 * cluster-wide session, re-subscribe, ask {@code chat.history} after their last id, and retry any
 * unanswered send with its clientId. At the end every acknowledged message is in PostgreSQL, and
 * every person has received every stored message exactly once after dedupe by id.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KillFailoverTest {
  private static final int NODES = 3;
  private static final int PEOPLE_PER_NODE = 2;
  private static final long SEND_EVERY_MS = 150;
  private static final long STEADY_MS = 10_000;
  private static final long RESUME_LAG_MS = 2_000;
  /** History kept per channel: more than the kill run stores, so only the trim test sees trimming. */
  private static final int KEEP = 5_000;

  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static Vertx vertx;
  private static String database;

  @BeforeAll
  static void startNodes() {
    vertx = Vertx.vertx();
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    String cluster = "chat-kill-" + UUID.randomUUID();
    int[] clusterPorts = new int[NODES];
    int[] httpPorts = new int[NODES];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < NODES; i++) {
      clusterPorts[i] = TestPostgres.freePort();
      httpPorts[i] = TestPostgres.freePort();
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    Path logs = Path.of("target", "kill-failover");
    for (int i = 0; i < NODES; i++) {
      Map<String, String> env = new HashMap<>(TestNodes.baseEnv(pgUrl));
      env.put("CHAT_HTTP_INSTANCES", "1");
      env.put("CHAT_HTTP_PORT", String.valueOf(httpPorts[i]));
      env.put("CHAT_PUBLIC_URL", "http://localhost:" + httpPorts[i]);
      env.put("CHAT_CLUSTER", "true");
      env.put("CHAT_CLUSTER_NAME", cluster);
      env.put("CHAT_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
      env.put("CHAT_CLUSTER_MEMBERS", members.toString());
      env.put("CHAT_HISTORY_KEEP", String.valueOf(KEEP));
      env.put("CHAT_HISTORY_TRIM_SECONDS", "1");
      nodes.add(NodeProcess.start("node-" + i, httpPorts[i], env, logs));
      if (i == 0) {
        // The first one migrates the schema alone; the others then join.
        nodes.get(0).awaitUp(180_000);
      }
    }
    nodes.forEach(n -> n.awaitUp(180_000));
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeProcess node : nodes) {
      int code = node.terminate();
      System.out.println("kill failover: " + node.name + " exit code after SIGTERM: " + code);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** One person: a session, a socket on some node, what they sent and what they received. */
  final class Person {
    final String name;
    final ChatClient http;
    int node;
    volatile BridgeClient socket;
    volatile boolean reconnecting;
    final ArrayDeque<String> unacked = new ArrayDeque<>();
    volatile boolean inFlight;
    final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    int seq;
    final Set<Long> acked = ConcurrentHashMap.newKeySet();
    final Set<Long> received = ConcurrentHashMap.newKeySet();
    final AtomicInteger frames = new AtomicInteger();
    final AtomicLong lastId = new AtomicLong();
    final java.util.concurrent.ConcurrentLinkedDeque<long[]> checkpoints = new java.util.concurrent.ConcurrentLinkedDeque<>();
    volatile long firstId;
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    /** Live events that arrived after a higher id (two nodes publish the same channel). */
    final AtomicInteger outOfOrder = new AtomicInteger();
    volatile boolean sending;
    final String channel;

    Person(String name, int node, String channel) {
      this.name = name;
      this.node = node;
      this.channel = channel;
      this.http = ChatClient.signIn(vertx, nodes.get(node).url(), name);
    }

    void connect() throws Exception {
      socket = BridgeClient.connect(vertx, nodes.get(node).url(), BridgeClient.options()
          .cookie(http.cookieHeader())
          .keepFrames(false)
          .onFrame(this::event))
        .await(20, TimeUnit.SECONDS);
      socket.subscribeAsync(Addresses.channel(channel), 10_000).await(20, TimeUnit.SECONDS);
      BridgeClient mine = socket;
      socket.closed().onComplete(v -> {
        if (mine == socket) {
          reconnectSoon();
        }
      });
    }

    private void event(JsonObject frame) {
      JsonObject body = frame.getJsonObject("body");
      if (body != null && "message".equals(body.getString("type"))) {
        long id = body.getJsonObject("message").getLong("id");
        if (id < lastId.get()) {
          outOfOrder.incrementAndGet();
        }
        receive(id);
      }
    }

    private void receive(long id) {
      frames.incrementAndGet();
      received.add(id);
      long max = lastId.accumulateAndGet(id, Math::max);
      long now = System.currentTimeMillis();
      long[] newest = checkpoints.peekLast();
      if (newest == null || now - newest[0] >= 100) {
        checkpoints.addLast(new long[] {now, max});
        while (checkpoints.size() > 200) {
          checkpoints.pollFirst();
        }
      }
    }

    /**
     * Where to resume after a drop: the highest id seen at least {@link #RESUME_LAG_MS} before it.
     * Two nodes publishing one channel can deliver a lower id a few ms after a higher one, so the
     * very last id seen is not a safe "after"; duplicates from the overlap are dropped by id.
     */
    long resumePoint() {
      long cutoff = System.currentTimeMillis() - RESUME_LAG_MS;
      long point = firstId;
      for (long[] c : checkpoints) {
        if (c[0] <= cutoff) {
          point = Math.max(point, c[1]);
        }
      }
      return point;
    }

    /** On a dead socket: another live node, same session, re-subscribe, history after the last id. */
    private void reconnectSoon() {
      if (reconnecting) {
        return;
      }
      reconnecting = true;
      reconnects.incrementAndGet();
      long started = System.currentTimeMillis();
      // The resume point is fixed before reconnecting: live events on the new socket may arrive
      // before the history reply and must not move it past the gap.
      long resumeFrom = resumePoint();
      journal.add("socket closed, last id " + lastId.get() + ", resuming after " + resumeFrom);
      Thread thread = new Thread(() -> {
        for (int attempt = 0; attempt < 20; attempt++) {
          node = (node + 1) % NODES;
          if (!nodes.get(node).alive()) {
            continue;
          }
          try {
            connect();
            int before = received.size();
            catchUp(resumeFrom);
            journal.add("reconnected to node " + node + " in " + (System.currentTimeMillis() - started) + " ms; history"
              + " after the last id brought " + (received.size() - before));
            reconnecting = false;
            return;
          } catch (Exception e) {
            journal.add("attempt on node " + node + " failed: " + e);
            try {
              vertx.timer(250).await(); // back off before the next node
            } catch (Exception interrupted) {
              return;
            }
          }
        }
        journal.add("gave up reconnecting");
      }, name + "-reconnect");
      thread.setDaemon(true);
      thread.start();
    }

    /** Pages through chat.history after the last id seen until it is exhausted. */
    void catchUp(long after) throws Exception {
      long from = after;
      while (true) {
        JsonObject reply = socket.requestAsync("chat.history", new JsonObject().put("channel", channel)
          .put("after", from).put("limit", 100), 10_000).await(15, TimeUnit.SECONDS);
        if (reply.getValue("failureCode") != null) {
          throw new IllegalStateException("history failed: " + reply);
        }
        JsonArray messages = reply.getJsonObject("body").getJsonArray("messages");
        for (Object m : messages) {
          long id = ((JsonObject) m).getLong("id");
          receive(id);
          from = Math.max(from, id);
        }
        if (messages.size() < 100) {
          return;
        }
      }
    }

    /** One send at a time; an unanswered one is retried with the same clientId before anything new. */
    void tick() {
      if (inFlight || reconnecting || socket == null || socket.isClosed()) {
        return;
      }
      if (unacked.isEmpty()) {
        if (!sending) {
          return;
        }
        unacked.add(name + "-" + (++seq));
      } else {
        retries.incrementAndGet();
      }
      String clientId = unacked.peek();
      inFlight = true;
      socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", "from " + name)
          .put("clientId", clientId), 5_000)
        .onComplete(reply -> {
          inFlight = false;
          if (reply.succeeded() && reply.result().getValue("failureCode") == null) {
            acked.add(reply.result().getJsonObject("body").getLong("id"));
            unacked.remove(clientId);
          } else {
            failures.incrementAndGet();
          }
        });
    }
  }

  @Test
  @Order(1)
  void a_node_killed_mid_stream_loses_no_acknowledged_message() throws Exception {
    ChatClient creator = ChatClient.signIn(vertx, nodes.get(0).url(), "kill-creator");
    String channel = TestNodes.newChannel(creator);
    List<Person> people = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      for (int p = 0; p < PEOPLE_PER_NODE; p++) {
        Person person = new Person("kill-" + n + "-" + p, n, channel);
        person.connect();
        people.add(person);
      }
    }
    awaitEveryoneSees(people, channel);

    people.forEach(p -> p.sending = true);
    long ticker = vertx.setPeriodic(SEND_EVERY_MS, id -> people.forEach(p -> vertx.runOnContext(v -> p.tick())));
    vertx.timer(STEADY_MS).await(STEADY_MS * 3, TimeUnit.MILLISECONDS);
    int ackedBeforeKill = people.stream().mapToInt(p -> p.acked.size()).sum();
    NodeProcess victim = nodes.get(NODES - 1);
    victim.kill();
    long killedAt = System.currentTimeMillis();
    vertx.timer(STEADY_MS).await(STEADY_MS * 3, TimeUnit.MILLISECONDS);
    people.forEach(p -> p.sending = false);

    // Let every unanswered send be retried until acknowledged, then let delivery settle.
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline
      && people.stream().anyMatch(p -> !p.unacked.isEmpty() || p.inFlight || p.reconnecting)) {
      vertx.timer(200).await(5, TimeUnit.SECONDS);
    }
    vertx.cancelTimer(ticker);
    Set<Long> allAcked = new HashSet<>();
    people.forEach(p -> allAcked.addAll(p.acked));
    deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline && people.stream().anyMatch(p -> !p.received.containsAll(allAcked))) {
      vertx.timer(200).await(5, TimeUnit.SECONDS);
    }

    Set<Long> stored = storedIds(channel);
    String duplicates = TestPostgres.get().psql(database,
      "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY author_id, client_id HAVING count(*) > 1) d");
    int sentClientIds = people.stream().mapToInt(p -> p.seq).sum();
    StringBuilder report = new StringBuilder();
    report.append(String.format("kill failover: %d nodes, %d people; sent %d distinct clientIds, acknowledged %d (%d before"
        + " the kill), stored %d, acknowledged-and-stored %d, duplicate rows %s%n", NODES, people.size(), sentClientIds,
      allAcked.size(), ackedBeforeKill, stored.size(), allAcked.stream().filter(stored::contains).count(), duplicates));
    for (Person p : people) {
      Set<Long> missing = new java.util.TreeSet<>(stored);
      missing.removeAll(p.received);
      if (!missing.isEmpty()) {
        p.journal.add("missing ids " + missing);
      }
      report.append(String.format("  %s (started on node %d, now %d): acked %d, received %d distinct in %d events"
          + " (%d duplicates removed), missing %d, reconnects %d, retries %d, failed attempts %d,"
          + " live events after a higher id %d%n", p.name,
        people.indexOf(p) / PEOPLE_PER_NODE, p.node, p.acked.size(), p.received.size(), p.frames.get(),
        p.frames.get() - p.received.size(), missing.size(), p.reconnects.get(), p.retries.get(), p.failures.get(),
        p.outOfOrder.get()));
      p.journal.forEach(line -> report.append("    ").append(line).append('\n'));
    }
    System.out.print(report);

    assertTrue(ackedBeforeKill > 0, "traffic flowed before the kill");
    assertTrue(allAcked.size() > ackedBeforeKill, "traffic flowed after the kill");
    assertTrue(stored.containsAll(allAcked), "every acknowledged message is in PostgreSQL\n" + report);
    assertEquals(sentClientIds, allAcked.size(), "every send was eventually acknowledged (with retries)\n" + report);
    assertEquals(sentClientIds, stored.size(), "each clientId stored once\n" + report);
    assertEquals("0", duplicates);
    for (Person p : people) {
      assertEquals(stored, new HashSet<>(p.received), p.name + " received every stored message\n" + report);
      if (people.indexOf(p) / PEOPLE_PER_NODE == NODES - 1) {
        assertTrue(p.reconnects.get() >= 1, p.name + " reconnected after its node died");
      }
    }
    // Stale subscriptions: survivors stop trying the dead node's event bus once the cluster drops
    // its registrations; if they lingered, every publish for the 10 s after the kill would try it.
    long lastAttempt = lastConnectAttemptAfter(killedAt);
    System.out.println("kill failover: survivors' last attempt to reach the dead node's event bus was " + lastAttempt
      + " ms after the kill; the run ended " + (System.currentTimeMillis() - killedAt) + " ms after it");
    assertTrue(lastAttempt < 5_000, "stale registrations of the dead node lingered " + lastAttempt + " ms");
    people.forEach(p -> p.socket.close());
  }

  @Test
  @Order(2)
  void the_survivors_keep_trimming_history_after_a_node_is_killed() throws Exception {
    NodeProcess victim = nodes.get(NODES - 1);
    if (victim.alive()) {
      victim.kill();
    }
    ChatClient creator = ChatClient.signIn(vertx, nodes.get(0).url(), "kill-trimmer");
    String channel = TestNodes.newChannel(creator);
    int written = KEEP + 500;
    // Rows written straight into PostgreSQL: sending 5,500 messages would only slow the test down.
    String inserted = TestPostgres.get().psql(database, "INSERT INTO messages (channel_id, author_id, client_id, text)"
      + " SELECT c.id, " + creator.me().getLong("id") + ", 'trim-' || n, 'old ' || n"
      + " FROM channels c, generate_series(1, " + written + ") n WHERE c.name = '" + channel + "' RETURNING id");
    List<Long> ids = inserted.lines().filter(l -> l.trim().matches("\\d+")).map(l -> Long.parseLong(l.trim())).sorted().toList();
    assertEquals(written, ids.size());
    Set<Long> kept = storedIds(channel);
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline && kept.size() > KEEP) {
      vertx.timer(250).await(5, TimeUnit.SECONDS);
      kept = storedIds(channel);
    }
    System.out.println("kill failover: after the kill the survivors trimmed " + written + " rows to " + kept.size());
    assertEquals(KEEP, kept.size(), "the survivors trimmed the channel to the newest " + KEEP);
    assertEquals(Set.copyOf(ids.subList(written - KEEP, written)), kept, "the newest messages are the ones kept");
  }

  /** Every socket's registration has reached every node: one message is seen by all. */
  private void awaitEveryoneSees(List<Person> people, String channel) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject reply = people.get(0).socket.requestAsync("chat.send", new JsonObject().put("channel", channel)
        .put("text", "warm-up").put("clientId", "warm-" + UUID.randomUUID()), 10_000).await(15, TimeUnit.SECONDS);
      long id = reply.getJsonObject("body").getLong("id");
      people.get(0).acked.add(id);
      people.get(0).seq++;
      long until = System.currentTimeMillis() + 2_000;
      while (System.currentTimeMillis() < until && !people.stream().allMatch(p -> p.received.contains(id))) {
        vertx.timer(50).await(5, TimeUnit.SECONDS);
      }
      if (people.stream().allMatch(p -> p.received.contains(id))) {
        // Warm-up messages others missed are fetched like after any reconnect.
        for (Person p : people) {
          p.catchUp(p.lastId.get());
          p.firstId = id;
        }
        return;
      }
    }
    throw new AssertionError("registrations did not reach every node in 30 s");
  }

  /** Milliseconds after {@code killedAt} of the survivors' last "Connecting to server ... failed" log line. */
  private static long lastConnectAttemptAfter(long killedAt) throws java.io.IOException {
    java.time.LocalDate today = java.time.LocalDate.now();
    long last = 0;
    for (NodeProcess node : nodes) {
      if (!node.alive()) {
        continue;
      }
      for (String line : java.nio.file.Files.readAllLines(node.log)) {
        if (line.contains("Connecting to server") && line.length() > 12) {
          long at = java.time.LocalTime.parse(line.substring(0, 12)).atDate(today)
            .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
          last = Math.max(last, at - killedAt);
        }
      }
    }
    return last;
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
    return Collections.unmodifiableSet(ids);
  }
}
