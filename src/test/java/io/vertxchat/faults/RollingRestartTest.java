package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rolling restart (issue 14): three clustered node processes are restarted one at a time by
 * {@code scripts/rolling-restart.sh}, given their pid files as an operator would, while people
 * chat. One sender per node sends with a clientId and retries every unanswered send with the same
 * clientId until it is acknowledged; thirty subscriber sockets, ten per node, reconnect to another
 * node when the drain closes theirs, register their channel again and page {@code chat.history}
 * after the last id they had. Every acknowledged message is stored and reached every subscriber of
 * its channel, no clientId is stored twice, never were two nodes out of service at once, every
 * node was stopped by SIGTERM with exit 0, and every client ends on a ready node, caught up. A
 * message that came live twice (a new channel owner publishes again what its predecessor may not
 * have; clients drop it by sequence number) is counted, not failed.
 */
@Timeout(300)
class RollingRestartTest {
  private static final int NODES = 3;
  private static final int CHANNELS = 3;
  private static final int SUBS_PER_NODE = 10;
  private static final int PEOPLE = 5;
  private static final long SEND_EVERY_MS = 200;
  /** Acknowledged messages per channel before the restart, and again after it. */
  private static final int ACKS_AROUND = 5;
  private static final int HISTORY_PAGE = 100;
  private static final long REQUEST_TIMEOUT_MS = 5_000;
  /** Reconnect attempts (250 ms apart) before a client gives up; two of three nodes are always up. */
  private static final int ATTEMPTS = 40;
  private static final Path RUN = Path.of("target", "rolling-restart");
  private static final Pattern RESTARTED = Pattern.compile("(\\S+): ready again as pid (\\d+), restarted in ([0-9.]+) s");

  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static final List<Path> pidFiles = new ArrayList<>();
  private static Vertx vertx;
  private static WebClient web;
  private static String database;
  /** When the script started (System.nanoTime), for the timeline of unanswered sends. */
  private static volatile long restartStarted;
  /** Unanswered sends by whole second since the script started (negative: before it). */
  private final Map<Long, AtomicInteger> failuresBySecond = new java.util.concurrent.ConcurrentSkipListMap<>();
  /** Set before the test closes its sockets: those closes are not drops to recover from. */
  private static volatile boolean finished;

  @BeforeAll
  static void startNodes() throws IOException {
    vertx = Vertx.vertx();
    web = ChatClient.webClient(vertx);
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    int[] clusterPorts = new int[NODES];
    int[] httpPorts = new int[NODES];
    for (int i = 0; i < NODES; i++) {
      clusterPorts[i] = TestPostgres.freePort();
      httpPorts[i] = TestPostgres.freePort();
    }
    Map<String, String> common = TestNodes.clusterEnv(pgUrl, "chat-rolling-" + UUID.randomUUID(), clusterPorts);
    Files.createDirectories(RUN);
    for (int i = 0; i < NODES; i++) {
      Map<String, String> env = new HashMap<>(common);
      env.put("CHAT_HTTP_INSTANCES", "1");
      env.put("CHAT_HTTP_PORT", String.valueOf(httpPorts[i]));
      env.put("CHAT_PUBLIC_URL", "http://localhost:" + httpPorts[i]);
      env.put("CHAT_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
      env.put("CHAT_DRAIN_SECONDS", "1");
      nodes.add(NodeProcess.start("node-" + i, httpPorts[i], env, RUN));
      if (i == 0) {
        // The first one migrates the schema alone; the others then join.
        nodes.get(0).awaitUp(180_000);
      }
    }
    nodes.forEach(n -> n.awaitUp(180_000));
    for (int i = 0; i < NODES; i++) {
      Path pidFile = RUN.resolve("node-" + i + ".pid");
      Files.writeString(pidFile, nodes.get(i).pid() + "\n");
      pidFiles.add(pidFile);
    }
  }

  @AfterAll
  static void stopNodes() throws Exception {
    finished = true;
    // The processes the script started are not this JVM's children: stopped through their pid files.
    for (Path pidFile : pidFiles) {
      Optional<ProcessHandle> node = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
      if (node.isPresent() && node.get().destroy()) {
        try {
          node.get().onExit().get(40, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          node.get().destroyForcibly();
        }
      }
    }
    for (NodeProcess node : nodes) {
      node.terminate();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** A client's socket: when a node closes it, it reconnects to another node with the same session. */
  abstract class Link {
    final int index;
    final ChatClient person;
    volatile int node;
    volatile BridgeClient socket;
    /** True from a drop until the new socket has done what {@link #opened} asks. */
    volatile boolean reconnecting = true;
    volatile boolean gaveUp;
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger failedAttempts = new AtomicInteger();
    /** When the last drop was seen, and the longest a drop took to be resumed from. */
    volatile long droppedAt;
    volatile long worstResumeMs;

    Link(int index, ChatClient person) {
      this.index = index;
      this.person = person;
    }

    /** What the client does on a fresh socket before it counts as connected (register, catch up). */
    abstract Future<Void> opened(BridgeClient s);

    abstract void frame(JsonObject frame);

    Future<Void> open(int target) {
      return BridgeClient.connect(vertx, nodes.get(target).url(), BridgeClient.options()
          .cookie(person.cookieHeader())
          .keepFrames(false)
          .timeout(REQUEST_TIMEOUT_MS)
          .onFrame(this::frame))
        .compose(s -> {
          node = target;
          socket = s;
          s.closed().onComplete(code -> dropped(s));
          return opened(s).onFailure(e -> s.close());
        })
        .onSuccess(v -> {
          if (droppedAt != 0) {
            worstResumeMs = Math.max(worstResumeMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - droppedAt));
          }
          reconnecting = false;
          // A close that came while it was still catching up was ignored: go on from it now.
          if (socket.isClosed()) {
            dropped(socket);
          }
        });
    }

    private void dropped(BridgeClient s) {
      synchronized (this) {
        if (s != socket || finished || reconnecting) {
          return;
        }
        reconnecting = true;
      }
      droppedAt = System.nanoTime();
      reconnects.incrementAndGet();
      reconnect(node, 0);
    }

    /** One of the other nodes, spread by index, the other one on the next attempt. */
    private void reconnect(int from, int attempt) {
      int target = (from + 1 + (index + attempt) % (NODES - 1)) % NODES;
      open(target).onFailure(e -> {
        failedAttempts.incrementAndGet();
        if (finished) {
          return;
        }
        if (attempt + 1 >= ATTEMPTS) {
          gaveUp = true;
          return;
        }
        vertx.setTimer(250, t -> reconnect(from, attempt + 1));
      });
    }

    boolean connected() {
      return !reconnecting && socket != null && !socket.isClosed();
    }
  }

  /** A subscriber of one channel: what came live and what came from history, kept apart. */
  final class Sub extends Link {
    final String channel;
    final String address;
    // Guarded by this.
    final List<Long> live = new ArrayList<>();
    final List<Long> history = new ArrayList<>();
    /** The resume point: the highest id got either way. */
    long last;

    Sub(int index, ChatClient person, String channel) {
      super(index, person);
      this.channel = channel;
      this.address = Addresses.channel(channel);
    }

    @Override
    void frame(JsonObject frame) {
      JsonObject body = frame.getJsonObject("body");
      if (body != null && address.equals(frame.getString("address")) && "message".equals(body.getString("type"))) {
        long id = body.getJsonObject("message").getLong("id");
        synchronized (this) {
          live.add(id);
          last = Math.max(last, id);
        }
      }
    }

    /** As a client resumes: register (proven by the bridge), then every message after the last id, page by page. */
    @Override
    Future<Void> opened(BridgeClient s) {
      long from;
      synchronized (this) {
        from = last;
      }
      return s.subscribeAsync(address, REQUEST_TIMEOUT_MS).compose(v -> page(s, from));
    }

    private Future<Void> page(BridgeClient s, long after) {
      return s.requestAsync(Addresses.HISTORY, new JsonObject().put("channel", channel).put("after", after)
          .put("limit", HISTORY_PAGE), REQUEST_TIMEOUT_MS)
        .compose(reply -> {
          if (reply.getValue("failureCode") != null) {
            return Future.failedFuture("history: " + reply.getValue("failureCode") + " " + reply.getValue("message"));
          }
          JsonArray messages = reply.getJsonObject("body").getJsonArray("messages");
          long next = after;
          synchronized (this) {
            for (Object m : messages) {
              long id = ((JsonObject) m).getLong("id");
              history.add(id);
              last = Math.max(last, id);
              next = Math.max(next, id);
            }
          }
          return messages.size() < HISTORY_PAGE ? Future.succeededFuture() : page(s, next);
        });
    }

    synchronized Set<Long> got() {
      Set<Long> got = new HashSet<>(live);
      got.addAll(history);
      return got;
    }

    /**
     * Ids that came live twice: expected around a handover, where a channel's new owner publishes
     * again what its predecessor may not have published; clients drop the repeat by its sequence
     * number (README, "Ordering and resume").
     */
    synchronized int liveRepeats() {
      return live.size() - new HashSet<>(live).size();
    }

    /** Ids that history gave twice: resuming after the last id got must never page one again. */
    synchronized int historyRepeats() {
      return history.size() - new HashSet<>(history).size();
    }
  }

  /** A sender: one send in flight; an unanswered one is retried with its clientId before anything new. */
  final class Sender extends Link {
    final String name;
    final List<String> channels;
    final Map<String, Set<Long>> acked;
    final Map<String, Long> idOfClientId;
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger conflicts = new AtomicInteger();
    /** Why sends went unanswered (then retried), by reason. */
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    volatile boolean sending = true;
    // Guarded by this.
    int seq;
    String clientId;
    String channel;
    long firstTried;
    long worstAckMs;
    boolean inFlight;
    String lastFailure;

    Sender(int index, ChatClient person, String name, List<String> channels, Map<String, Set<Long>> acked,
           Map<String, Long> idOfClientId) {
      super(index, person);
      this.name = name;
      this.channels = channels;
      this.acked = acked;
      this.idOfClientId = idOfClientId;
    }

    @Override
    Future<Void> opened(BridgeClient s) {
      return Future.succeededFuture();
    }

    @Override
    void frame(JsonObject frame) {
    }

    synchronized void tick() {
      if (inFlight || !connected()) {
        return;
      }
      if (clientId == null) {
        if (!sending) {
          return;
        }
        seq++;
        clientId = name + "-" + seq;
        firstTried = System.nanoTime();
        channel = channels.get((index + seq) % channels.size());
      } else {
        retries.incrementAndGet();
      }
      inFlight = true;
      String id = clientId;
      String to = channel;
      socket.requestAsync(Addresses.SEND, new JsonObject().put("channel", to).put("text", "rolling " + id)
          .put("clientId", id), REQUEST_TIMEOUT_MS)
        .onComplete(reply -> answered(id, to, reply.succeeded() && reply.result().getValue("failureCode") == null
          ? reply.result().getJsonObject("body") : null, reply.succeeded() ? reply.result().encode() : String.valueOf(reply.cause())));
    }

    private synchronized void answered(String id, String to, JsonObject message, String answer) {
      inFlight = false;
      if (message == null) {
        lastFailure = answer;
        failures.computeIfAbsent(answer.replaceAll("\"address\":\"[^\"]*\",", ""), k -> new AtomicInteger())
          .incrementAndGet();
        if (restartStarted != 0) {
          failuresBySecond.computeIfAbsent(Math.floorDiv(System.nanoTime() - restartStarted, 1_000_000_000L),
            k -> new AtomicInteger()).incrementAndGet();
        }
        return;
      }
      Long before = idOfClientId.putIfAbsent(id, message.getLong("id"));
      if (before != null && !before.equals(message.getLong("id"))) {
        conflicts.incrementAndGet();
      }
      acked.get(to).add(message.getLong("id"));
      worstAckMs = Math.max(worstAckMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstTried));
      clientId = null;
    }

    synchronized boolean settled() {
      return clientId == null && !inFlight;
    }

    @Override
    public synchronized String toString() {
      return name + (settled() ? " settled" : " waiting on " + clientId + (inFlight ? " (in flight)" : ""))
        + ", node " + node + (connected() ? "" : ", not connected") + ", last failure: " + lastFailure;
    }
  }

  @Test
  void a_rolling_restart_by_the_script_loses_no_acknowledged_message_and_every_client_ends_caught_up() throws Exception {
    long testStarted = System.nanoTime();
    ChatClient creator = ChatClient.signIn(vertx, nodes.get(0).url(), "rolling-creator");
    List<String> channels = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      channels.add(TestNodes.newChannel(creator));
    }
    List<ChatClient> people = new ArrayList<>();
    for (int p = 0; p < PEOPLE; p++) {
      people.add(ChatClient.signIn(vertx, nodes.get(p % NODES).url(), "rolling-" + p));
    }
    List<Sub> subs = new ArrayList<>();
    List<Future<Void>> opening = new ArrayList<>();
    for (int i = 0; i < NODES * SUBS_PER_NODE; i++) {
      Sub sub = new Sub(i, people.get(i % PEOPLE), channels.get(i % CHANNELS));
      subs.add(sub);
      opening.add(sub.open(i % NODES));
    }
    Await.result(Future.all(opening), 30_000);

    Map<String, Set<Long>> acked = new HashMap<>();
    channels.forEach(c -> acked.put(c, ConcurrentHashMap.newKeySet()));
    Map<String, Long> idOfClientId = new ConcurrentHashMap<>();
    List<Sender> senders = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      String name = "rolling-sender-" + n;
      Sender sender = new Sender(n, ChatClient.signIn(vertx, nodes.get(n).url(), name), name, channels, acked, idOfClientId);
      Await.result(sender.open(n));
      senders.add(sender);
    }
    List<Link> links = new ArrayList<>(subs);
    links.addAll(senders);

    long ticker = vertx.setPeriodic(SEND_EVERY_MS, id -> senders.forEach(Sender::tick));
    Await.until(vertx, 60_000, "every channel has " + ACKS_AROUND + " acknowledged messages before the restart",
      () -> acked.values().stream().allMatch(a -> a.size() >= ACKS_AROUND));
    int ackedBefore = acked.values().stream().mapToInt(Set::size).sum();

    // The restart, through the script, with /ready of every node watched meanwhile.
    AtomicInteger mostOut = new AtomicInteger();
    long watcher = watchReadiness(mostOut);
    restartStarted = System.nanoTime();
    Path scriptLog = RUN.resolve("rolling-restart.out");
    List<String> command = new ArrayList<>(List.of("bash", "scripts/rolling-restart.sh"));
    pidFiles.forEach(p -> command.add(p.toString()));
    ProcessBuilder script = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(scriptLog.toFile());
    script.environment().put("READY_TIMEOUT", "90");
    Process restart = script.start();
    boolean ended = restart.waitFor(240, TimeUnit.SECONDS);
    if (!ended) {
      restart.destroyForcibly();
    }
    long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartStarted);
    vertx.cancelTimer(watcher);
    String scriptOutput = Files.readString(scriptLog);
    System.out.print(scriptOutput);
    assertTrue(ended, "the script ended within 240 s:\n" + scriptOutput);
    assertEquals(0, restart.exitValue(), "the script's exit status:\n" + scriptOutput);
    int ackedDuring = acked.values().stream().mapToInt(Set::size).sum() - ackedBefore;

    // Live after the restart, then every unanswered send retried until acknowledged.
    Map<String, Integer> ackedAtEnd = new HashMap<>();
    acked.forEach((c, a) -> ackedAtEnd.put(c, a.size()));
    Await.until(vertx, 60_000, "every channel has " + ACKS_AROUND + " more acknowledged messages after the restart",
      () -> acked.entrySet().stream().allMatch(e -> e.getValue().size() >= ackedAtEnd.get(e.getKey()) + ACKS_AROUND));
    senders.forEach(s -> s.sending = false);
    try {
      Await.until(vertx, 30_000, "every send acknowledged", () -> senders.stream().allMatch(Sender::settled));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + senders, e);
    }
    vertx.cancelTimer(ticker);
    Await.until(vertx, 30_000, "every client connected and every subscriber caught up", () -> {
      assertTrue(links.stream().noneMatch(l -> l.gaveUp), "a client gave up reconnecting");
      return links.stream().allMatch(Link::connected)
        && subs.stream().allMatch(s -> s.got().containsAll(acked.get(s.channel)));
    });

    // The figures.
    Set<Long> allAcked = new HashSet<>();
    acked.values().forEach(allAcked::addAll);
    Set<Long> stored = storedIds(channels);
    String storedTwice = TestPostgres.get().psql(database,
      "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY author_id, client_id HAVING count(*) > 1) d").trim();
    Set<Integer> readyNodes = readyNodes();
    Map<Integer, Integer> onNode = new TreeMap<>();
    links.forEach(l -> onNode.merge(l.node, 1, Integer::sum));
    int missing = 0;
    int repeats = 0;
    int historyRepeats = 0;
    int overlap = 0;
    int live = 0;
    int fromHistory = 0;
    StringBuilder worst = new StringBuilder();
    for (Sub s : subs) {
      Set<Long> lost = new TreeSet<>(acked.get(s.channel));
      lost.removeAll(s.got());
      missing += lost.size();
      repeats += s.liveRepeats();
      historyRepeats += s.historyRepeats();
      synchronized (s) {
        live += s.live.size();
        fromHistory += s.history.size();
        overlap += (int) new HashSet<>(s.live).stream().filter(s.history::contains).count();
      }
      if (!lost.isEmpty() && worst.length() < 2_000) {
        worst.append(String.format("  subscriber %d (%s, node %d, %d reconnects) never got %s%n", s.index, s.channel,
          s.node, s.reconnects.get(), lost));
      }
    }
    Map<String, Integer> reasons = new TreeMap<>();
    senders.forEach(s -> s.failures.forEach((why, n) -> reasons.merge(why, n.get(), Integer::sum)));
    List<String> restarts = new ArrayList<>();
    Matcher m = RESTARTED.matcher(scriptOutput);
    while (m.find()) {
      restarts.add(Path.of(m.group(1)).getFileName() + " " + m.group(3) + " s");
    }
    String report = String.format("rolling restart: %d nodes restarted one at a time by scripts/rolling-restart.sh in %d ms"
        + " (per node, SIGTERM to ready again: %s); at most %d node(s) out of service at once%n"
        + "  clients: %d subscribers on %d channels and %d senders; %d reconnects (%d of subscribers), %d failed"
        + " attempts; the slowest resume took %d ms from the drop; now on nodes %s%n"
        + "  messages: %d acknowledged (%d before the restart, %d during it), %d stored, %d clientIds stored twice,"
        + " %d ids answered twice for one clientId; %d sends retried, for %s, at these seconds of the restart %s;"
        + " the slowest acknowledgement took %d ms from the first try%n"
        + "  delivery: %d live + %d from history; %d missing; %d repeated live after a handover (dropped by seq),"
        + " %d given twice by history, %d both live and in a resume's history%n%s"
        + "  run: %d ms from the first sign-in",
      NODES, restartMs, restarts, mostOut.get(), subs.size(), CHANNELS, senders.size(),
      links.stream().mapToInt(l -> l.reconnects.get()).sum(), subs.stream().mapToInt(l -> l.reconnects.get()).sum(),
      links.stream().mapToInt(l -> l.failedAttempts.get()).sum(), links.stream().mapToLong(l -> l.worstResumeMs).max().orElse(0),
      onNode,
      allAcked.size(), ackedBefore, ackedDuring, stored.size(), Long.parseLong(storedTwice),
      senders.stream().mapToInt(s -> s.conflicts.get()).sum(), senders.stream().mapToInt(s -> s.retries.get()).sum(),
      reasons, failuresBySecond, senders.stream().mapToLong(s -> {
        synchronized (s) {
          return s.worstAckMs;
        }
      }).max().orElse(0),
      live, fromHistory, missing, repeats, historyRepeats, overlap, worst,
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - testStarted));
    System.out.println(report);

    assertEquals(NODES, restarts.size(), "the script restarted every node\n" + scriptOutput);
    for (int i = 0; i < NODES; i++) {
      assertEquals(0, nodes.get(i).terminate(), nodes.get(i).name + " exited 0 after the script's SIGTERM");
      long pid = Long.parseLong(Files.readString(pidFiles.get(i)).trim());
      assertNotEquals(nodes.get(i).pid(), pid, "the pid file holds the new process");
      assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "node " + i + "'s new process runs");
    }
    assertEquals(1, mostOut.get(), "never two nodes out of service at once (and one was, while it restarted)\n" + report);
    assertTrue(ackedDuring > 0, "traffic flowed during the restart\n" + report);
    // PostgreSQL never went away: a refusal while owners change must not say it did.
    assertTrue(reasons.keySet().stream().noneMatch(r -> r.contains(ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE)),
      "sends refused as if storage were down\n" + report);
    assertTrue(stored.containsAll(allAcked), "every acknowledged message is stored\n" + report);
    assertEquals(allAcked, stored, "every stored message was acknowledged (all sends retried until answered)\n" + report);
    assertEquals("0", storedTwice, "a clientId stored twice\n" + report);
    assertEquals(0, missing, "acknowledged messages a subscriber never got\n" + report);
    assertEquals(0, historyRepeats, "messages history gave a subscriber twice\n" + report);
    assertEquals(Set.of(0, 1, 2), readyNodes, "every node ready at the end\n" + report);
    assertTrue(subs.stream().allMatch(s -> s.reconnects.get() >= 1), "every subscriber was moved at least once\n" + report);
    finished = true;
    links.forEach(l -> l.socket.close());
  }

  /** Every 250 ms, how many nodes do not answer /ready 200; the most at once goes to {@code mostOut}. */
  private static long watchReadiness(AtomicInteger mostOut) {
    java.util.concurrent.atomic.AtomicBoolean asking = new java.util.concurrent.atomic.AtomicBoolean();
    return vertx.setPeriodic(250, id -> {
      if (!asking.compareAndSet(false, true)) {
        return;
      }
      readyNodesAsync().onComplete(ready -> {
        mostOut.accumulateAndGet(NODES - ready.result().size(), Math::max);
        asking.set(false);
      });
    });
  }

  private static Set<Integer> readyNodes() {
    return Await.result(readyNodesAsync());
  }

  private static Future<Set<Integer>> readyNodesAsync() {
    Set<Integer> ready = ConcurrentHashMap.newKeySet();
    List<Future<?>> asks = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      int n = i;
      Promise<Void> asked = Promise.promise();
      web.getAbs(nodes.get(i).url() + "/ready").timeout(1_000).send().onComplete(r -> {
        if (r.succeeded() && r.result().statusCode() == 200) {
          ready.add(n);
        }
        asked.complete();
      });
      asks.add(asked.future());
    }
    return Future.all(asks).map(v -> ready);
  }

  private static Set<Long> storedIds(List<String> channels) {
    String out = TestPostgres.get().psql(database, "SELECT m.id FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name IN ('" + String.join("','", channels) + "')");
    Set<Long> ids = new HashSet<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(Long.parseLong(line.trim()));
      }
    }
    return ids;
  }
}
