package io.vertxchat.faults;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import io.vertxchat.testkit.SequencedChannel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
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
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real node processes; twelve people, four on each node, over two channels; everyone sends
 * steadily to their channel. The node that owns the first channel is killed with {@code kill -9}
 * mid-stream. Its people reconnect to the survivors with their cluster-wide session, re-register,
 * resume by sequence number ({@code chat.history} {@code afterSeq}, as the README's protocol says,
 * with {@link SequencedChannel}) and retry any unanswered send with its clientId. In every run,
 * every person has applied every acknowledged message of their channel exactly once and in
 * sequence order (1, 2, 3, ... without a gap), every acknowledged message is stored, and no
 * clientId is stored twice. {@code -Dchat.kill.runs=N} repeats the run N times, restarting the
 * killed node in between (the {@code kill-loop} profile runs 20).
 */
@Timeout(7200)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KillFailoverTest {
  private static final int NODES = 3;
  private static final int CHANNELS = 2;
  private static final int PEOPLE_PER_NODE = 4;
  private static final long SEND_EVERY_MS = 150;
  private static final long STEADY_MS = 6_000;
  /** Like the web app: look once more this long after a (re)connect, for a publish that raced the registration. */
  private static final long LOOK_AGAIN_MS = 1_500;
  /** History kept per channel: more than the kill runs store, so only the trim test sees trimming. */
  private static final int KEEP = 5_000;
  private static final int RUNS = Integer.getInteger("chat.kill.runs", 1);

  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static final List<Map<String, String>> envs = new ArrayList<>();
  private static final Path logs = Path.of("target", "kill-failover");
  private static Vertx vertx;
  private static String database;
  private static final List<String> summaries = new ArrayList<>();

  @BeforeAll
  static void startNodes() {
    vertx = Vertx.vertx();
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    String cluster = "chat-kill-" + UUID.randomUUID();
    int[] clusterPorts = new int[NODES];
    int[] httpPorts = new int[NODES];
    for (int i = 0; i < NODES; i++) {
      clusterPorts[i] = TestPostgres.freePort();
      httpPorts[i] = TestPostgres.freePort();
    }
    Map<String, String> common = TestNodes.clusterEnv(pgUrl, cluster, clusterPorts);
    for (int i = 0; i < NODES; i++) {
      Map<String, String> env = new HashMap<>(common);
      env.put("CHAT_HTTP_INSTANCES", "1");
      env.put("CHAT_HTTP_PORT", String.valueOf(httpPorts[i]));
      env.put("CHAT_PUBLIC_URL", "http://localhost:" + httpPorts[i]);
      env.put("CHAT_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
      env.put("CHAT_HISTORY_KEEP", String.valueOf(KEEP));
      env.put("CHAT_HISTORY_TRIM_SECONDS", "1");
      envs.add(env);
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
    summaries.forEach(System.out::println);
    for (NodeProcess node : nodes) {
      int code = node.terminate();
      System.out.println("kill failover: " + node.name + " exit code after SIGTERM: " + code);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** One person: a session, a socket on some node, what they sent and what they were shown. */
  final class Person {
    final String name;
    final ChatClient http;
    final String channel;
    final SequencedChannel shown;
    int node;
    volatile BridgeClient socket;
    volatile boolean reconnecting;
    final ArrayDeque<String> unacked = new ArrayDeque<>();
    volatile boolean inFlight;
    final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    int sent;
    final Set<Long> acked = ConcurrentHashMap.newKeySet();
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    volatile long worstResumeMs;
    volatile boolean sending;

    Person(String name, int node, String channel) {
      this.name = name;
      this.node = node;
      this.channel = channel;
      this.http = ChatClient.signIn(vertx, nodes.get(node).url(), name);
      this.shown = new SequencedChannel(channel, () -> socket);
    }

    void connect() throws Exception {
      BridgeClient fresh = BridgeClient.connect(vertx, nodes.get(node).url(), BridgeClient.options()
          .cookie(http.cookieHeader())
          .keepFrames(false)
          .onFrame(shown::onFrame))
        .await(20, TimeUnit.SECONDS);
      socket = fresh;
      fresh.subscribeAsync(Addresses.channel(channel), 10_000).await(20, TimeUnit.SECONDS);
      fresh.closed().onComplete(v -> {
        if (fresh == socket) {
          reconnectSoon();
        }
      });
    }

    /** On a dead socket: another live node, same session, re-register, resume after the last number. */
    private void reconnectSoon() {
      if (reconnecting) {
        return;
      }
      reconnecting = true;
      reconnects.incrementAndGet();
      long started = System.currentTimeMillis();
      journal.add("socket closed at seq " + shown.seq());
      Thread thread = new Thread(() -> {
        for (int attempt = 0; attempt < 20; attempt++) {
          node = (node + 1) % NODES;
          if (!nodes.get(node).alive()) {
            continue;
          }
          try {
            connect();
            shown.resume().await(20, TimeUnit.SECONDS);
            long took = System.currentTimeMillis() - started;
            worstResumeMs = Math.max(worstResumeMs, took);
            journal.add("resumed on node " + node + " in " + took + " ms, now at seq " + shown.seq());
            vertx.setTimer(LOOK_AGAIN_MS, id -> shown.resume());
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

    /** One send at a time; an unanswered one is retried with the same clientId before anything new. */
    void tick() {
      if (inFlight || reconnecting || socket == null || socket.isClosed()) {
        return;
      }
      if (unacked.isEmpty()) {
        if (!sending) {
          return;
        }
        unacked.add(name + "-" + (++sent));
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

  @TestFactory
  @Order(1)
  Stream<DynamicTest> a_node_killed_mid_stream_loses_no_acknowledged_message() {
    return IntStream.rangeClosed(1, RUNS).mapToObj(run -> DynamicTest.dynamicTest("run " + run, () -> killRun(run)));
  }

  private void killRun(int run) throws Exception {
    for (int i = 0; i < NODES; i++) {
      if (!nodes.get(i).alive()) {
        nodes.set(i, NodeProcess.start("node-" + i, nodes.get(i).httpPort, envs.get(i), logs));
        nodes.get(i).awaitUp(180_000);
        awaitReady(nodes.get(i));
      }
    }
    ChatClient creator = ChatClient.signIn(vertx, nodes.get(0).url(), "kill-creator");
    List<String> channels = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      channels.add(TestNodes.newChannel(creator));
    }
    List<Person> people = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      for (int p = 0; p < PEOPLE_PER_NODE; p++) {
        Person person = new Person("kill-" + run + "-" + n + "-" + p, n, channels.get(p % CHANNELS));
        person.connect();
        people.add(person);
      }
    }
    awaitEveryoneSees(people, channels);

    people.forEach(p -> p.sending = true);
    long ticker = vertx.setPeriodic(SEND_EVERY_MS, id -> people.forEach(p -> vertx.runOnContext(v -> p.tick())));
    vertx.timer(STEADY_MS / 2).await(STEADY_MS * 3, TimeUnit.MILLISECONDS);
    // Kill the node that writes the first channel now, so its handover happens under load.
    String owner = TestPostgres.get().psql(database, "SELECT owner_node FROM channels WHERE name = '" + channels.get(0) + "'").trim();
    NodeProcess victim = nodes.stream().filter(n -> owner.equals(n.nodeId())).findFirst()
      .orElseThrow(() -> new AssertionError("no node process has the owner's id " + owner));
    int ackedBeforeKill = people.stream().mapToInt(p -> p.acked.size()).sum();
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
    Map<String, Set<Long>> ackedByChannel = new HashMap<>();
    people.forEach(p -> ackedByChannel.computeIfAbsent(p.channel, c -> new HashSet<>()).addAll(p.acked));
    deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline && people.stream().anyMatch(p -> !p.shown.idle()
      || !shownIds(p).containsAll(ackedByChannel.get(p.channel)))) {
      vertx.timer(200).await(5, TimeUnit.SECONDS);
    }

    String duplicates = TestPostgres.get().psql(database,
      "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY author_id, client_id HAVING count(*) > 1) d");
    int sentClientIds = people.stream().mapToInt(p -> p.sent).sum();
    int allAcked = ackedByChannel.values().stream().mapToInt(Set::size).sum();
    StringBuilder report = new StringBuilder();
    int missed = 0;
    int repeated = 0;
    int outOfOrder = 0;
    long worstResume = 0;
    Map<String, List<Long>> storedByChannel = new HashMap<>();
    for (String channel : channels) {
      storedByChannel.put(channel, storedSeqs(channel));
    }
    for (Person p : people) {
      List<JsonObject> applied = p.shown.applied();
      List<Long> seqs = applied.stream().map(e -> e.getLong("seq")).toList();
      Set<Long> ids = shownIds(p);
      Set<Long> missing = new java.util.TreeSet<>(ackedByChannel.get(p.channel));
      missing.removeAll(ids);
      int personRepeats = applied.size() - ids.size();
      int personOutOfOrder = 0;
      for (int i = 0; i < seqs.size(); i++) {
        if (seqs.get(i) != i + 1) {
          personOutOfOrder++;
        }
      }
      missed += missing.size();
      repeated += personRepeats;
      outOfOrder += personOutOfOrder;
      worstResume = Math.max(worstResume, p.worstResumeMs);
      if (!missing.isEmpty()) {
        p.journal.add("missing ids " + missing);
      }
      report.append(String.format("  %s (%s, started on node %d, now %d): acked %d, shown %d events up to seq %d,"
          + " missing %d, shown twice %d, out of sequence %d, live repeats dropped %d, gaps filled %d,"
          + " reconnects %d (worst resume %d ms), retries %d, failed attempts %d%n", p.name, p.channel,
        people.indexOf(p) / PEOPLE_PER_NODE, p.node, p.acked.size(), applied.size(), p.shown.seq(), missing.size(),
        personRepeats, personOutOfOrder, p.shown.dropped(), p.shown.gaps(), p.reconnects.get(), p.worstResumeMs,
        p.retries.get(), p.failures.get()));
      p.journal.forEach(line -> report.append("    ").append(line).append('\n'));
    }
    String summary = String.format("kill failover run %d: killed %s (owner of %s); %d people on %d channels; sent %d"
        + " clientIds, acknowledged %d (%d before the kill), stored %s, duplicate rows %s; missed %d, shown twice %d,"
        + " out of sequence %d; worst resume %d ms", run, victim.name, channels.get(0), people.size(), CHANNELS,
      sentClientIds, allAcked, ackedBeforeKill, storedByChannel.values().stream().map(l -> String.valueOf(l.size())).toList(),
      duplicates, missed, repeated, outOfOrder, worstResume);
    summaries.add(summary);
    System.out.println(summary);
    System.out.print(report);

    assertTrue(ackedBeforeKill > 0, "traffic flowed before the kill");
    assertTrue(allAcked > ackedBeforeKill, "traffic flowed after the kill");
    assertEquals(sentClientIds, allAcked, "every send was eventually acknowledged (with retries)\n" + report);
    assertEquals("0", duplicates, "no clientId stored twice");
    for (String channel : channels) {
      List<Long> stored = storedByChannel.get(channel);
      assertEquals(LongStream.rangeClosed(1, stored.size()).boxed().toList(), stored,
        channel + " is numbered 1..n without a hole");
      assertEquals(stored.size(), Set.copyOf(storedIds(channel)).size());
      assertTrue(Set.copyOf(storedIds(channel)).containsAll(ackedByChannel.get(channel)),
        "every acknowledged message is in PostgreSQL\n" + report);
    }
    assertEquals(0, missed, "every person was shown every acknowledged message\n" + report);
    assertEquals(0, repeated, "no message shown twice\n" + report);
    assertEquals(0, outOfOrder, "every person was shown 1, 2, 3, ... in sequence order\n" + report);
    for (Person p : people) {
      if (people.indexOf(p) / PEOPLE_PER_NODE == nodes.indexOf(victim)) {
        assertTrue(p.reconnects.get() >= 1, p.name + " reconnected after its node died");
      }
    }
    // Stale subscriptions: survivors stop trying the dead node's event bus once the cluster drops
    // its registrations; if they lingered, every publish for the 10 s after the kill would try it.
    long lastAttempt = lastConnectAttemptAfter(killedAt);
    System.out.println("kill failover: survivors' last attempt to reach the dead node's event bus was " + lastAttempt
      + " ms after the kill; the run ended " + (System.currentTimeMillis() - killedAt) + " ms after it");
    assertTrue(lastAttempt < 5_000, "stale registrations of the dead node lingered " + lastAttempt + " ms");
    people.forEach(p -> {
      p.sending = false;
      p.reconnecting = true; // no reconnects once the run is over
      p.socket.close();
    });
  }

  @Test
  @Order(2)
  void the_survivors_keep_trimming_history_after_a_node_is_killed() throws Exception {
    if (nodes.stream().allMatch(NodeProcess::alive)) {
      nodes.get(NODES - 1).kill();
    }
    NodeProcess survivor = nodes.stream().filter(NodeProcess::alive).findFirst().orElseThrow();
    ChatClient creator = ChatClient.signIn(vertx, survivor.url(), "kill-trimmer");
    String channel = TestNodes.newChannel(creator);
    int written = KEEP + 500;
    // Rows written straight into PostgreSQL: sending 5,500 messages would only slow the test down.
    String inserted = TestPostgres.get().psql(database, "INSERT INTO messages (channel_id, author_id, client_id, text, seq)"
      + " SELECT c.id, " + creator.me().getLong("id") + ", 'trim-' || n, 'old ' || n, n"
      + " FROM channels c, generate_series(1, " + written + ") n WHERE c.name = '" + channel + "' RETURNING id");
    List<Long> ids = inserted.lines().filter(l -> l.trim().matches("\\d+")).map(l -> Long.parseLong(l.trim())).sorted().toList();
    assertEquals(written, ids.size());
    Set<Long> kept = Set.copyOf(storedIds(channel));
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline && kept.size() > KEEP) {
      vertx.timer(250).await(5, TimeUnit.SECONDS);
      kept = Set.copyOf(storedIds(channel));
    }
    System.out.println("kill failover: after the kill the survivors trimmed " + written + " rows to " + kept.size());
    assertEquals(KEEP, kept.size(), "the survivors trimmed the channel to the newest " + KEEP);
    assertEquals(Set.copyOf(ids.subList(written - KEEP, written)), kept, "the newest messages are the ones kept");
  }

  /** Every socket's registration has reached every node: one message per channel is seen by all its people. */
  private void awaitEveryoneSees(List<Person> people, List<String> channels) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      boolean all = true;
      for (String channel : channels) {
        List<Person> members = people.stream().filter(p -> p.channel.equals(channel)).toList();
        Person first = members.get(0);
        JsonObject reply = first.socket.requestAsync("chat.send", new JsonObject().put("channel", channel)
          .put("text", "warm-up").put("clientId", first.name + "-" + (++first.sent)), 10_000).await(15, TimeUnit.SECONDS);
        long id = reply.getJsonObject("body").getLong("id");
        first.acked.add(id);
        long until = System.currentTimeMillis() + 2_000;
        while (System.currentTimeMillis() < until && !members.stream().allMatch(p -> shownIds(p).contains(id))) {
          vertx.timer(50).await(5, TimeUnit.SECONDS);
        }
        all &= members.stream().allMatch(p -> shownIds(p).contains(id));
      }
      if (all) {
        return;
      }
    }
    throw new AssertionError("registrations did not reach every node in 30 s");
  }

  /** The ids of the messages a person was shown (a message event each). */
  private static Set<Long> shownIds(Person p) {
    Set<Long> ids = new HashSet<>();
    for (JsonObject event : p.shown.applied()) {
      if ("message".equals(event.getString("type"))) {
        ids.add(event.getJsonObject("message").getLong("id"));
      }
    }
    return ids;
  }

  /** Waits until the node answers /ready (a restarted node has joined the cluster). */
  private static void awaitReady(NodeProcess node) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      int status = ChatClient.webClient(vertx).getAbs(node.url() + "/ready").send().await(10, TimeUnit.SECONDS).statusCode();
      if (status == 200) {
        return;
      }
      vertx.timer(250).await(5, TimeUnit.SECONDS);
    }
    throw new AssertionError(node.name + " not ready in 60 s");
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

  private static List<Long> storedSeqs(String channel) {
    return longs("SELECT m.seq FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.name = '" + channel
      + "' ORDER BY m.seq");
  }

  private static List<Long> storedIds(String channel) {
    return longs("SELECT m.id FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.name = '" + channel + "'");
  }

  private static List<Long> longs(String sql) {
    List<Long> out = new ArrayList<>();
    for (String line : TestPostgres.get().psql(database, sql).split("\n")) {
      if (!line.isBlank()) {
        out.add(Long.parseLong(line.trim()));
      }
    }
    return out;
  }
}
