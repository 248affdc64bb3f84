package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconnect storm (issue 12): three clustered node processes; 2,000 bridge sockets of a
 * handful of signed-in people sit on one node, subscribed to a few channels, while senders on the
 * other two nodes keep sending (with clientId, retrying until acknowledged). That node is killed
 * with {@code kill -9}. Every socket reconnects at once to a survivor (spread over both), registers
 * its channel again and pages {@code chat.history} after the last message it had, then goes on
 * live. Nothing may be refused (no failed handshake, no refused registration or history request),
 * and every socket ends with every acknowledged message of its channel, none twice the same way:
 * what came live and what came from history are counted apart, never merged by id, so a duplicate
 * cannot hide; a message that came both live and in the resume's history is the overlap that
 * resuming by id cannot avoid, reported apart (see {@link #tally}).
 */
@Timeout(300)
class ReconnectStormTest {
  private static final int NODES = 3;
  private static final int VICTIM = NODES - 1;
  private static final int PEOPLE = 10;
  private static final int SOCKETS_PER_PERSON = 200;
  private static final int SOCKETS = PEOPLE * SOCKETS_PER_PERSON;
  private static final int CHANNELS = 5;
  /** Sockets opening at a time while the crowd first gathers on the victim. */
  private static final int OPENING = 250;
  private static final int SENDERS_PER_SURVIVOR = 2;
  private static final long SEND_EVERY_MS = 300;
  /** Acknowledged messages per channel before the kill, and again after the last socket resumed. */
  private static final int ACKS_BEFORE_KILL = 5;
  private static final int ACKS_AFTER_RESUME = 5;
  private static final int HISTORY_PAGE = 100;
  private static final long REQUEST_TIMEOUT_MS = 12_000;

  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static Vertx vertx;
  private static WebSocketClient sockets;
  private static String database;

  @BeforeAll
  static void startNodes() {
    vertx = Vertx.vertx();
    String pgUrl = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(pgUrl);
    String cluster = "chat-storm-" + UUID.randomUUID();
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
      // Exactly what one person holds on the victim: the storm must fit the limit on every node it lands on.
      env.put("CHAT_MAX_SOCKETS_PER_USER", String.valueOf(SOCKETS_PER_PERSON));
      nodes.add(NodeProcess.start("node-" + i, httpPorts[i], env, Path.of("target", "reconnect-storm")));
      if (i == 0) {
        // The first one migrates the schema alone; the others then join.
        nodes.get(0).awaitUp(180_000);
      }
    }
    nodes.forEach(n -> n.awaitUp(180_000));
    // One client for every storm socket; its pool must not queue the storm's handshakes.
    sockets = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxConnections(4 * SOCKETS)
      .setConnectTimeout(10_000)
      .setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 22));
  }

  @AfterAll
  static void stopNodes() throws Exception {
    finished = true;
    for (NodeProcess node : nodes) {
      node.terminate();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  // ---- The resume protocol's keys: message ids today, the per-channel sequence when events carry one

  /** What a socket resumes after and counts by: the message id (the channel's {@code seq} once events carry it). */
  private static long key(JsonObject message) {
    return message.getLong("id");
  }

  /** The history request that resumes after {@code key} ({@code afterSeq} once history answers it). */
  private static JsonObject historyAfter(String channel, long key) {
    return new JsonObject().put("channel", channel).put("after", key).put("limit", HISTORY_PAGE);
  }

  /**
   * What one socket got against what its channel acknowledged. {@code duplicates}: a key that came
   * twice the same way (twice live, or twice in history), which no resume explains; {@code overlap}:
   * a key that came both live and in the resume's history, which resuming by id cannot avoid (the
   * client must drop the second copy, the README says); {@code lateOverlap}: of those, the ones
   * whose live copy came after history had already brought it (a publish that lagged its commit).
   */
  record Tally(int live, int history, int missing, int duplicates, int overlap, int lateOverlap, int unacknowledged,
               Set<Long> missingKeys) {
  }

  /**
   * The one judgement of a socket's stream: every key it got live and every key history gave it, in
   * the order they came (nothing dropped, nothing merged), against the acknowledged keys of its
   * channel. When events carry the channel's sequence, the keys are sequence numbers and a gap
   * check ({@code next == previous + 1}) can join this.
   */
  static Tally tally(Collection<Long> acknowledged, List<Long> live, List<Long> history, int lateOverlap) {
    Map<Long, Integer> liveTimes = new HashMap<>();
    live.forEach(k -> liveTimes.merge(k, 1, Integer::sum));
    Map<Long, Integer> historyTimes = new HashMap<>();
    history.forEach(k -> historyTimes.merge(k, 1, Integer::sum));
    int duplicates = liveTimes.values().stream().mapToInt(n -> n - 1).sum()
      + historyTimes.values().stream().mapToInt(n -> n - 1).sum();
    int overlap = (int) liveTimes.keySet().stream().filter(historyTimes::containsKey).count();
    Set<Long> got = new HashSet<>(liveTimes.keySet());
    got.addAll(historyTimes.keySet());
    Set<Long> missing = new TreeSet<>(acknowledged);
    missing.removeAll(got);
    Set<Long> acked = new HashSet<>(acknowledged);
    int unacknowledged = (int) got.stream().filter(k -> !acked.contains(k)).count();
    return new Tally(live.size(), history.size(), missing.size(), duplicates, overlap, lateOverlap, unacknowledged,
      missing);
  }

  // ---- What the storm counts

  private final AtomicInteger handshakesRefused = new AtomicInteger();
  private final AtomicInteger closedBeforeResumed = new AtomicInteger();
  private final AtomicInteger registrationsRefused = new AtomicInteger();
  private final AtomicInteger historyFailed = new AtomicInteger();
  private final AtomicInteger droppedAgain = new AtomicInteger();
  private final AtomicInteger droppedBeforeKill = new AtomicInteger();
  private final AtomicInteger gaveUp = new AtomicInteger();
  private final Map<String, AtomicInteger> refusalReasons = new ConcurrentHashMap<>();
  private final AtomicLong killedAt = new AtomicLong();
  /** Set before the test closes its sockets: those closes are not drops to recover from. */
  private static volatile boolean finished;

  private void refused(AtomicInteger counter, String kind, Throwable cause) {
    counter.incrementAndGet();
    String why = String.valueOf(cause.getMessage());
    refusalReasons.computeIfAbsent(kind + ": " + (why.length() > 120 ? why.substring(0, 120) : why),
      k -> new AtomicInteger()).incrementAndGet();
  }

  /** One storm socket: on the victim, then on a survivor after the kill. */
  final class Sub {
    final int index;
    final ChatClient person;
    final String channel;
    final String address;
    volatile BridgeClient socket;
    volatile int node = VICTIM;
    // Guarded by this.
    final List<Long> live = new ArrayList<>();
    final List<Long> history = new ArrayList<>();
    final Set<Long> fromHistory = new HashSet<>();
    /** The resume point: the highest key got either way. */
    long last;
    long lastLive;
    boolean resuming;
    boolean registerRefused;
    int lateOverlap;
    int outOfOrder;
    int attempts;
    long resumedAt;
    int resumes;
    /** When the first reconnect after the kill saw the drop, finished its handshake, its registration, its history. */
    final long[] phases = new long[4];

    Sub(int index, ChatClient person, String channel) {
      this.index = index;
      this.person = person;
      this.channel = channel;
      this.address = Addresses.channel(channel);
    }

    /**
     * As a client resumes: opens a socket to {@code target}, registers the channel and pages
     * {@code chat.history} after {@code from}. The bridge decides a register before it reads the
     * next frame, so the first history reply also proves the registration (a refusal comes first,
     * as an {@code err} frame without address). Fails on any refusal.
     */
    Future<List<Long>> open(int target, long from) {
      node = target;
      return BridgeClient.connect(vertx, nodes.get(target).url(), BridgeClient.options()
          .client(sockets)
          .cookie(person.cookieHeader())
          .keepFrames(false)
          .timeout(REQUEST_TIMEOUT_MS)
          .onFrame(this::frame))
        .recover(e -> {
          refused(handshakesRefused, "handshake", e);
          return Future.failedFuture(e);
        })
        .compose(s -> {
          mark(1);
          synchronized (this) {
            registerRefused = false;
          }
          socket = s;
          s.closed().onComplete(code -> dropped(s, code.result()));
          s.register(address);
          return catchUp(s, from).recover(e -> {
            if (s.isClosed()) {
              refused(closedBeforeResumed, "closed by the server (code " + s.closed().result() + ")", e);
            } else {
              refused(historyFailed, "history", e);
              s.close();
            }
            return Future.failedFuture(e);
          });
        });
    }

    private void frame(JsonObject frame) {
      if ("err".equals(frame.getString("type")) && frame.getValue("address") == null) {
        synchronized (this) {
          registerRefused = true;
        }
        return;
      }
      JsonObject body = frame.getJsonObject("body");
      if (body == null || !address.equals(frame.getString("address")) || !"message".equals(body.getString("type"))) {
        return;
      }
      long k = key(body.getJsonObject("message"));
      synchronized (this) {
        if (k < lastLive) {
          outOfOrder++;
        }
        if (!resuming && fromHistory.contains(k)) {
          lateOverlap++;
        }
        live.add(k);
        lastLive = Math.max(lastLive, k);
        last = Math.max(last, k);
      }
    }

    /** After the warm-up: nothing got yet, resume after {@code baseline}. */
    synchronized void startFrom(long baseline) {
      live.clear();
      history.clear();
      fromHistory.clear();
      last = baseline;
      lastLive = baseline;
      outOfOrder = 0;
    }

    private void dropped(BridgeClient s, Integer code) {
      if (s != socket || finished) {
        return;
      }
      if (killedAt.get() == 0) {
        droppedBeforeKill.incrementAndGet();
        return;
      }
      long from;
      synchronized (this) {
        if (resumes > 0) {
          droppedAgain.incrementAndGet();
        }
        if (resuming) {
          return;
        }
        resuming = true;
        from = last;
      }
      mark(0);
      resume(from, 0);
    }

    /** The first time this socket reached {@code phase} after the kill. */
    private synchronized void mark(int phase) {
      if (killedAt.get() != 0 && resumes == 0 && phases[phase] == 0) {
        phases[phase] = System.nanoTime();
      }
    }

    /** Reconnects to a survivor (spread by index, the other one on a retry), registers, pages history. */
    private void resume(long from, int attempt) {
      synchronized (this) {
        attempts++;
      }
      open(survivor(index + attempt), from)
        .onSuccess(v -> {
          mark(3);
          synchronized (this) {
            resuming = false;
            if (resumes++ == 0) {
              resumedAt = System.nanoTime();
            }
          }
        })
        .onFailure(e -> {
          if (finished) {
            return;
          }
          if (attempt >= 20) {
            gaveUp.incrementAndGet();
            return;
          }
          // A client's back-off before trying the other survivor.
          vertx.setTimer(250, t -> resume(from, attempt + 1));
        });
    }

    /** Every message after {@code from}, page by page, kept in the order history gave them. */
    private Future<List<Long>> catchUp(BridgeClient s, long from) {
      Promise<List<Long>> done = Promise.promise();
      page(s, from, true, new ArrayList<>(), done);
      return done.future();
    }

    private void page(BridgeClient s, long from, boolean first, List<Long> got, Promise<List<Long>> done) {
      s.requestAsync(Addresses.HISTORY, historyAfter(channel, from), REQUEST_TIMEOUT_MS).onComplete(reply -> {
        if (reply.failed()) {
          done.fail(reply.cause());
          return;
        }
        JsonObject frame = reply.result();
        if (frame.getValue("failureCode") != null) {
          done.fail(frame.getValue("failureCode") + " " + frame.getValue("message"));
          return;
        }
        if (first) {
          synchronized (this) {
            if (registerRefused) {
              refused(registrationsRefused, "register", new IllegalStateException("rejected"));
              s.close();
              done.fail("registering " + address + " was refused");
              return;
            }
          }
          mark(2);
        }
        JsonArray messages = frame.getJsonObject("body").getJsonArray("messages");
        long next = from;
        synchronized (this) {
          for (Object m : messages) {
            long k = key((JsonObject) m);
            got.add(k);
            history.add(k);
            fromHistory.add(k);
            last = Math.max(last, k);
            next = Math.max(next, k);
          }
        }
        if (messages.size() < HISTORY_PAGE) {
          done.complete(got);
        } else {
          page(s, next, false, got, done);
        }
      });
    }

    synchronized boolean resumed() {
      return resumes > 0 && !resuming;
    }

    synchronized boolean hasAll(Set<Long> acked) {
      if (resuming) {
        return false;
      }
      Set<Long> got = new HashSet<>(live);
      got.addAll(history);
      return got.containsAll(acked);
    }

    synchronized Tally tallied(Set<Long> acked) {
      return tally(acked, new ArrayList<>(live), new ArrayList<>(history), lateOverlap);
    }
  }

  private static int survivor(int i) {
    return Math.floorMod(i, NODES - 1) >= VICTIM ? Math.floorMod(i, NODES - 1) + 1 : Math.floorMod(i, NODES - 1);
  }

  /** One sender on a survivor: one send in flight, an unanswered one retried with its clientId. */
  final class Sender {
    final String name;
    final BridgeClient socket;
    final List<String> channels;
    final Map<String, Set<Long>> acked;
    final Map<String, Long> idOfClientId;
    int seq;
    String clientId;
    String channel;
    boolean inFlight;
    volatile boolean sending = true;
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger conflicts = new AtomicInteger();
    volatile String lastFailure;

    Sender(String name, BridgeClient socket, List<String> channels, Map<String, Set<Long>> acked,
           Map<String, Long> idOfClientId) {
      this.name = name;
      this.socket = socket;
      this.channels = channels;
      this.acked = acked;
      this.idOfClientId = idOfClientId;
    }

    synchronized void tick() {
      if (inFlight) {
        return;
      }
      if (clientId == null) {
        if (!sending) {
          return;
        }
        seq++;
        clientId = name + "-" + seq;
        channel = channels.get(Math.floorMod(name.hashCode() + seq, channels.size()));
      }
      inFlight = true;
      String id = clientId;
      String to = channel;
      socket.requestAsync(Addresses.SEND, new JsonObject().put("channel", to).put("text", "storm " + id)
          .put("clientId", id), REQUEST_TIMEOUT_MS)
        .onComplete(reply -> answered(id, to, reply.succeeded() && reply.result().getValue("failureCode") == null
          ? reply.result().getJsonObject("body") : null,
          reply.succeeded() ? String.valueOf(reply.result()) : String.valueOf(reply.cause())));
    }

    private synchronized void answered(String id, String to, JsonObject message, String answer) {
      inFlight = false;
      if (message == null) {
        failures.incrementAndGet();
        lastFailure = answer;
        return;
      }
      long key = key(message);
      Long before = idOfClientId.putIfAbsent(id, key);
      if (before != null && before != key) {
        conflicts.incrementAndGet();
      }
      acked.get(to).add(key);
      clientId = null;
    }

    synchronized boolean settled() {
      return clientId == null && !inFlight;
    }

    @Override
    public synchronized String toString() {
      return name + (settled() ? " settled" : " waiting on " + clientId + " to " + channel + (inFlight ? " (in flight)" : ""))
        + ", socket " + (socket.isClosed() ? "closed" : "open") + ", " + failures + " failures, last: " + lastFailure;
    }
  }

  @Test
  void two_thousand_sockets_of_a_killed_node_all_reconnect_to_the_survivors_and_resume_without_loss() throws Exception {
    long testStarted = System.nanoTime();
    ChatClient creator = ChatClient.signIn(vertx, nodes.get(0).url(), "storm-creator");
    List<String> channels = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      channels.add(TestNodes.newChannel(creator));
    }
    List<ChatClient> people = new ArrayList<>();
    for (int p = 0; p < PEOPLE; p++) {
      people.add(ChatClient.signIn(vertx, nodes.get(VICTIM).url(), "storm-" + p));
    }
    List<Sub> subs = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      subs.add(new Sub(i, people.get(i % PEOPLE), channels.get(i % CHANNELS)));
    }

    // The crowd gathers on the victim.
    long gathering = System.nanoTime();
    for (int from = 0; from < SOCKETS; from += OPENING) {
      List<Future<List<Long>>> wave = subs.subList(from, Math.min(SOCKETS, from + OPENING)).stream()
        .map(s -> s.open(VICTIM, 0)).toList();
      Await.result(Future.join(new ArrayList<>(wave)), 60_000);
    }
    long gatheredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gathering);
    assertEquals(0, handshakesRefused.get() + closedBeforeResumed.get() + registrationsRefused.get(),
      "refusals while the crowd gathered on the victim: " + refusalReasons);

    // Senders on the survivors; the acknowledgements are the truth every socket is held to.
    Map<String, Set<Long>> acked = new HashMap<>();
    channels.forEach(c -> acked.put(c, ConcurrentHashMap.newKeySet()));
    Map<String, Long> idOfClientId = new ConcurrentHashMap<>();
    List<Sender> senders = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      if (n == VICTIM) {
        continue;
      }
      for (int s = 0; s < SENDERS_PER_SURVIVOR; s++) {
        String name = "storm-sender-" + n + "-" + s;
        ChatClient sender = ChatClient.signIn(vertx, nodes.get(n).url(), name);
        BridgeClient socket = Await.result(sender.connect(BridgeClient.options().keepFrames(false)
          .timeout(REQUEST_TIMEOUT_MS)));
        senders.add(new Sender(name, socket, channels, acked, idOfClientId));
      }
    }
    warmUp(senders.get(0).socket, channels, subs);

    long ticker = vertx.setPeriodic(SEND_EVERY_MS, id -> senders.forEach(Sender::tick));
    Await.until(vertx, 60_000, "every channel has " + ACKS_BEFORE_KILL + " acknowledged messages before the kill",
      () -> acked.values().stream().allMatch(a -> a.size() >= ACKS_BEFORE_KILL));
    int ackedBeforeKill = acked.values().stream().mapToInt(Set::size).sum();
    assertEquals(0, droppedBeforeKill.get(), "storm sockets dropped before the kill");

    killedAt.set(System.nanoTime());
    nodes.get(VICTIM).kill();
    Await.until(vertx, 120_000, "every socket resumed on a survivor", () -> {
      long resumed = subs.stream().filter(Sub::resumed).count();
      if (resumed == SOCKETS) {
        return true;
      }
      // A socket that gave up reconnecting would keep this waiting for nothing.
      assertEquals(0, gaveUp.get(), "sockets gave up reconnecting: " + refusalReasons);
      return false;
    });
    long allResumedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt.get());

    // Live after the storm, then every unanswered send retried until acknowledged.
    Map<String, Integer> ackedAtResume = new HashMap<>();
    acked.forEach((c, a) -> ackedAtResume.put(c, a.size()));
    Await.until(vertx, 60_000, "every channel has " + ACKS_AFTER_RESUME + " more acknowledged messages after the storm",
      () -> acked.entrySet().stream().allMatch(e -> e.getValue().size() >= ackedAtResume.get(e.getKey()) + ACKS_AFTER_RESUME));
    senders.forEach(s -> s.sending = false);
    try {
      Await.until(vertx, 60_000, "every send acknowledged", () -> senders.stream().allMatch(Sender::settled));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + senders, e);
    }
    vertx.cancelTimer(ticker);
    try {
      Await.until(vertx, 30_000, "every socket has every acknowledged message of its channel",
        () -> subs.stream().allMatch(s -> s.hasAll(acked.get(s.channel))));
    } catch (AssertionError e) {
      List<String> lacking = subs.stream().filter(s -> !s.hasAll(acked.get(s.channel))).limit(10)
        .map(s -> "socket " + s.index + " (" + s.channel + ", node " + s.node + ", " + s.resumes + " resumes): missing "
          + s.tallied(acked.get(s.channel)).missingKeys())
        .toList();
      throw new AssertionError(e.getMessage() + "; e.g. " + lacking, e);
    }

    // The figures.
    List<Long> resumeMs = subs.stream().map(s -> TimeUnit.NANOSECONDS.toMillis(s.resumedAt - killedAt.get())).sorted().toList();
    String[] phaseNames = {"drop seen", "handshake done", "registered", "history done"};
    StringBuilder phaseReport = new StringBuilder();
    for (int phase = 0; phase < 4; phase++) {
      int p = phase;
      List<Long> at = subs.stream().map(s -> TimeUnit.NANOSECONDS.toMillis(s.phases[p] - killedAt.get())).sorted().toList();
      phaseReport.append(String.format(" %s %d/%d/%d;", phaseNames[p], at.get(0), at.get(SOCKETS / 2), at.get(SOCKETS - 1)));
    }
    Map<Integer, Integer> onNode = new HashMap<>();
    subs.forEach(s -> onNode.merge(s.node, 1, Integer::sum));
    int missing = 0;
    int duplicates = 0;
    int unacknowledged = 0;
    int overlap = 0;
    int lateOverlap = 0;
    int outOfOrder = 0;
    int live = 0;
    int history = 0;
    StringBuilder worst = new StringBuilder();
    for (Sub s : subs) {
      Tally t = s.tallied(acked.get(s.channel));
      missing += t.missing();
      duplicates += t.duplicates();
      unacknowledged += t.unacknowledged();
      overlap += t.overlap();
      lateOverlap += t.lateOverlap();
      live += t.live();
      history += t.history();
      synchronized (s) {
        outOfOrder += s.outOfOrder;
      }
      if ((t.missing() > 0 || t.duplicates() > 0 || t.lateOverlap() > 0) && worst.length() < 2_000) {
        worst.append(String.format("  socket %d (%s, node %d): %s%n", s.index, s.channel, s.node, t));
      }
    }
    int totalAcked = acked.values().stream().mapToInt(Set::size).sum();
    Set<Long> allAcked = new HashSet<>();
    acked.values().forEach(allAcked::addAll);
    Set<Long> stored = storedIds(channels);
    stored.removeIf(id -> id <= baseline);
    String storedTwice = TestPostgres.get().psql(database,
      "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY author_id, client_id HAVING count(*) > 1) d");
    String report = String.format("reconnect storm: %d sockets of %d people on %d channels on node %d, killed with kill -9"
        + " (gathered in %d ms, %d opening at a time)%n"
        + "  refused: %d handshakes, %d closed by the server before resuming, %d registrations, %d history requests %s%n"
        + "  resumed: all %d in %d ms after the kill; per socket median %d ms, p90 %d ms, worst %d ms, first %d ms;"
        + " spread over nodes %s; %d reconnect attempts; %d dropped again after resuming%n"
        + "  ms after the kill (first/median/worst):%s%n"
        + "  messages: %d acknowledged (%d before the kill), %d stored after the warm-up, %d clientIds stored twice,"
        + " %d ids answered twice for one clientId, %d send failures retried%n"
        + "  delivery: %d live + %d from history; %d missing, %d duplicates, %d not acknowledged; %d came both live"
        + " and in the resume's history (%d of them live after history), %d live events after a higher id%n%s"
        + "  run: %d ms from the first sign-in",
      SOCKETS, PEOPLE, CHANNELS, VICTIM, gatheredMs, OPENING,
      handshakesRefused.get(), closedBeforeResumed.get(), registrationsRefused.get(), historyFailed.get(), refusalReasons,
      SOCKETS, allResumedMs, resumeMs.get(SOCKETS / 2), resumeMs.get(SOCKETS * 9 / 10), resumeMs.get(SOCKETS - 1),
      resumeMs.get(0), onNode, subs.stream().mapToInt(s -> s.attempts).sum(), droppedAgain.get(), phaseReport,
      totalAcked, ackedBeforeKill, stored.size(), Long.parseLong(storedTwice.trim()),
      senders.stream().mapToInt(s -> s.conflicts.get()).sum(), senders.stream().mapToInt(s -> s.failures.get()).sum(),
      live, history, missing, duplicates, unacknowledged, overlap, lateOverlap, outOfOrder, worst,
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - testStarted));
    System.out.println(report);

    assertEquals(0, handshakesRefused.get(), "failed handshakes\n" + report);
    assertEquals(0, closedBeforeResumed.get(), "sockets closed by the server before resuming\n" + report);
    assertEquals(0, registrationsRefused.get(), "refused registrations\n" + report);
    assertEquals(0, historyFailed.get(), "failed history requests\n" + report);
    assertTrue(onNode.keySet().stream().noneMatch(n -> n == VICTIM), "every socket is on a survivor\n" + report);
    assertTrue(totalAcked > ackedBeforeKill, "traffic flowed after the kill\n" + report);
    assertTrue(stored.containsAll(allAcked), "every acknowledged message is stored\n" + report);
    assertEquals(allAcked, stored, "every stored message was acknowledged (all sends retried until answered)\n" + report);
    assertEquals("0", storedTwice.trim(), "a clientId stored twice\n" + report);
    assertEquals(0, missing, "acknowledged messages a socket never got\n" + report);
    assertEquals(0, duplicates, "messages a socket got twice\n" + report);
    finished = true;
    subs.forEach(s -> s.socket.close());
    senders.forEach(s -> s.socket.close());
  }

  private long baseline;

  /**
   * One message per channel that every socket of the channel gets live: the victim's registrations
   * have reached every node. Each socket then starts counting after it (the baseline).
   */
  private void warmUp(BridgeClient writer, List<String> channels, List<Sub> subs) {
    long highest = 0;
    for (String channel : channels) {
      List<Sub> mine = subs.stream().filter(s -> s.channel.equals(channel)).toList();
      long deadline = System.currentTimeMillis() + 30_000;
      long seen = -1;
      while (seen < 0) {
        assertTrue(System.currentTimeMillis() < deadline, "registrations on the victim did not reach every node in 30 s");
        JsonObject reply = Await.result(writer.requestAsync(Addresses.SEND, new JsonObject().put("channel", channel)
          .put("text", "warm-up").put("clientId", "warm-" + UUID.randomUUID()), REQUEST_TIMEOUT_MS));
        long id = key(reply.getJsonObject("body"));
        try {
          Await.until(vertx, 2_000, "warm-up " + id + " seen",
            () -> mine.stream().allMatch(s -> {
              synchronized (s) {
                return s.live.contains(id);
              }
            }));
          seen = id;
        } catch (AssertionError notYet) {
          // Another warm-up message: the registrations were still on their way.
        }
      }
      highest = Math.max(highest, seen);
      for (Sub s : mine) {
        s.startFrom(seen);
      }
    }
    baseline = highest;
  }

  private static Set<Long> storedIds(List<String> channels) {
    String names = String.join("','", channels);
    String out = TestPostgres.get().psql(database, "SELECT m.id FROM messages m JOIN channels c ON c.id = m.channel_id"
      + " WHERE c.name IN ('" + names + "')");
    Set<Long> ids = new HashSet<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(Long.parseLong(line.trim()));
      }
    }
    return ids;
  }
}
