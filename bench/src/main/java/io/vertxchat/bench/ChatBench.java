package io.vertxchat.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.testkit.ChatClient;
import io.vertxchat.testkit.DevSignIn;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The load generator: {@code java -jar chat-bench.jar --subscribers=1000 --channels=1 --publishers=1
 * --rates=100,200 --server-pid=1234}. Signs in its users, creates the channels, opens the sockets,
 * then for each rate (each repeated) warms up, measures a window and prints ONE JSON line per run;
 * a last {@code "kind":"summary"} line gives the last rate whose median run passed. Progress goes
 * to stderr. Idle mode ({@code --mode=idle}) opens the sockets, holds them and reports memory.
 */
public final class ChatBench {
  private static final long TIMEOUT_S = 600;

  private final Options opts;
  private final Vertx vertx;
  /** One HTTP client for every user's sign-in (kept in a field: a collected Vert.x client closes its pool). */
  private final WebClient web;
  private final Load load;
  private final List<ServerProbe> probes = new ArrayList<>();
  private JsonObject setup = new JsonObject();
  /** How often a channel creation met a stale CSRF token and was retried. */
  private int csrfRetries;

  private ChatBench(Options opts) {
    this.opts = opts;
    // One event loop: the generator owns exactly one core (taskset), like the server.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
      .setBlockedThreadCheckInterval(60_000));
    this.web = ChatClient.webClient(vertx);
    this.load = new Load(vertx, opts);
    opts.serverPids.forEach(pid -> probes.add(new ServerProbe(pid)));
  }

  public static void main(String[] args) throws Exception {
    Options opts = Options.parse(args);
    ChatBench bench = new ChatBench(opts);
    int code = 0;
    try {
      bench.run();
    } catch (Exception e) {
      System.err.println("bench failed: " + e);
      code = 1;
    }
    try {
      bench.vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Thousands of sockets may take longer to close; the results are already printed.
    }
    System.exit(code);
  }

  private void run() throws Exception {
    setUp();
    if ("idle".equals(opts.mode)) {
      idle();
    } else {
      rates();
    }
  }

  // ---- Sign-in, channels, sockets

  private void setUp() throws Exception {
    long t0 = System.nanoTime();
    int subUsers = opts.subscribers == 0 ? 0 : (opts.subscribers + opts.socketsPerUser - 1) / opts.socketsPerUser;
    List<Supplier<Future<ChatClient>>> signIns = new ArrayList<>();
    List<ChatClient> subUserSessions = new ArrayList<>();
    List<ChatClient> pubUserSessions = new ArrayList<>();
    for (int u = 0; u < subUsers; u++) {
      String name = opts.userPrefix + "-sub-" + u;
      signIns.add(() -> signIn(opts.subUrl, name).onSuccess(subUserSessions::add));
    }
    for (int p = 0; p < publishersWanted(); p++) {
      String name = opts.userPrefix + "-pub-" + p;
      signIns.add(() -> signIn(opts.url, name).onSuccess(pubUserSessions::add));
    }
    await(load.onLoop(() -> load.bounded(signIns, 8)));
    long signInMs = ms(System.nanoTime() - t0);
    log("signed in %d users in %d ms", signIns.size(), signInMs);

    ChatClient creator = pubUserSessions.isEmpty() ? subUserSessions.get(0) : pubUserSessions.get(0);
    List<Supplier<Future<Void>>> creates = new ArrayList<>();
    for (int c = 0; c < opts.channels; c++) {
      String name = opts.channel(c);
      creates.add(() -> createChannel(creator, name, 5));
    }
    await(load.onLoop(() -> load.bounded(creates, 1)));
    if (csrfRetries > 0) {
      log("%d channel creation(s) met a stale CSRF token (403) and were retried", csrfRetries);
    }

    List<Long> heapBefore = new ArrayList<>();
    List<Long> rssBefore = new ArrayList<>();
    for (ServerProbe probe : probes) {
      heapBefore.add(probe.liveHeapKb());
      rssBefore.add(probe.rssKb());
    }

    long t1 = System.nanoTime();
    List<Supplier<Future<Void>>> connects = new ArrayList<>();
    for (int i = 0; i < opts.subscribers; i++) {
      int id = i;
      connects.add(() -> load.subscribe(opts.subUrl, subUserSessions.get(id / opts.socketsPerUser).cookieHeader(),
        id % opts.channels, id));
    }
    for (int p = 0; p < publishersWanted(); p++) {
      int index = p;
      connects.add(() -> load.publisher(opts.url, pubUserSessions.get(index).cookieHeader(), index,
        channelsOf(index)));
    }
    long progress = vertx.setPeriodic(5_000, id -> log("... %d connected, %d joined", load.connected, load.joined));
    try {
      await(load.onLoop(() -> load.bounded(connects, opts.connectConcurrency)));
    } finally {
      vertx.cancelTimer(progress);
    }
    long connectMs = ms(System.nanoTime() - t1);
    log("%d sockets open and joined in %d ms", connects.size(), connectMs);

    JsonArray servers = new JsonArray();
    for (int i = 0; i < probes.size(); i++) {
      ServerProbe probe = probes.get(i);
      long heapAfter = probe.liveHeapKb();
      long rssAfter = probe.rssKb();
      int sockets = connects.size();
      servers.add(new JsonObject()
        .put("pid", probe.pid())
        .put("liveHeapBeforeKb", heapBefore.get(i))
        .put("liveHeapAfterKb", heapAfter)
        .put("rssBeforeKb", rssBefore.get(i))
        .put("rssAfterKb", rssAfter)
        .put("heapPerConnectionBytes", sockets == 0 ? 0 : (heapAfter - heapBefore.get(i)) * 1024 / sockets)
        .put("rssPerConnectionBytes", sockets == 0 ? 0 : (rssAfter - rssBefore.get(i)) * 1024 / sockets));
    }
    setup = new JsonObject()
      .put("subscribers", opts.subscribers)
      .put("channels", opts.channels)
      .put("publishers", publishersWanted())
      .put("subscriberUsers", subUsers)
      .put("crossNode", !opts.subUrl.equals(opts.url))
      .put("signInMs", signInMs)
      .put("connectMs", connectMs)
      .put("sockets", connects.size())
      .put("servers", servers);
  }

  /** One bench user signed in exactly as a browser does, through the node's dev provider (the test kit's flow). */
  private Future<ChatClient> signIn(String baseUrl, String name) {
    ChatClient user = new ChatClient(vertx, web, baseUrl);
    return DevSignIn.signIn(user, name).map(done -> user);
  }

  /**
   * Creates a channel through the REST API (CSRF double submit); an existing one is fine. The node
   * rotates the CSRF token after each accepted POST but stores the session after the response, so a
   * POST right after another can meet the previous token and get 403 (a race of the node's session
   * store, reported with the results). Refresh the token and retry then.
   */
  private Future<Void> createChannel(ChatClient creator, String name, int attempts) {
    Future<String> token = creator.cookie(ChatClient.CSRF_COOKIE) != null
      ? Future.succeededFuture(creator.cookie(ChatClient.CSRF_COOKIE))
      : creator.send(HttpMethod.GET, "/api/providers", null, Map.of()).map(r -> creator.cookie(ChatClient.CSRF_COOKIE));
    return token
      .compose(csrf -> creator.send(HttpMethod.POST, "/api/channels", new JsonObject().put("name", name).encode(),
        Map.of(ChatClient.CSRF_HEADER, csrf, "Content-Type", "application/json")))
      .compose(r -> {
        if (r.statusCode() == 201 || r.statusCode() == 409) {
          return Future.<Void>succeededFuture();
        }
        if (r.statusCode() == 403 && attempts > 1) {
          csrfRetries++;
          return creator.send(HttpMethod.GET, "/api/providers", null, Map.of())
            .compose(x -> createChannel(creator, name, attempts - 1));
        }
        return Future.failedFuture("creating channel " + name + " answered " + r.statusCode() + ": " + r.bodyAsString());
      });
  }

  private int publishersWanted() {
    return "idle".equals(opts.mode) ? 0 : opts.publishers;
  }

  /** Publisher p sends to channels p, p+P, p+2P, ... (every channel has one publisher when P <= C). */
  private int[] channelsOf(int p) {
    List<Integer> mine = new ArrayList<>();
    for (int c = p % opts.channels; c < opts.channels; c += Math.max(1, opts.publishers)) {
      mine.add(c);
    }
    if (mine.isEmpty()) {
      mine.add(p % opts.channels);
    }
    return mine.stream().mapToInt(Integer::intValue).toArray();
  }

  // ---- Load mode

  private void rates() throws Exception {
    Double lastPassing = null;
    JsonObject lastPassingMedian = null;
    JsonArray points = new JsonArray();
    if (opts.jitWarmupSeconds > 0) {
      warmUp(opts.rates.get(0));
    }
    for (double rate : opts.rates) {
      List<JsonObject> runs = new ArrayList<>();
      for (int r = 0; r < opts.repeat; r++) {
        JsonObject result = runOnce(rate);
        System.out.println(result.encode());
        System.out.flush();
        runs.add(result);
      }
      JsonObject median = median(runs);
      boolean pass = passes(median, runs);
      points.add(median.copy().put("pass", pass));
      log("rate %.1f/s: median deliveries/s %.0f p99 %.2f ms lost %d -> %s", rate,
        median.getDouble("deliveriesPerSecond"), median.getDouble("p99Ms"), median.getLong("lost"),
        pass ? "pass" : "FAIL");
      if (pass) {
        lastPassing = rate;
        lastPassingMedian = median;
      } else if (opts.stopOnFail) {
        break;
      }
    }
    System.out.println(new JsonObject()
      .put("kind", "summary")
      .mergeIn(setup)
      .put("p99LimitMs", opts.p99LimitMs)
      .put("lastPassingRate", lastPassing)
      .put("lastPassingMedian", lastPassingMedian)
      .put("points", points)
      .encode());
  }

  private boolean passes(JsonObject median, List<JsonObject> runs) {
    long lost = runs.stream().mapToLong(r -> r.getLong("lost")).max().orElse(0);
    long failed = runs.stream().mapToLong(r -> r.getLong("failed")).max().orElse(0);
    return median.getDouble("p99Ms") < opts.p99LimitMs && median.getDouble("ackP99Ms") < opts.p99LimitMs
      && lost == 0 && failed == 0;
  }

  /** The run with the median deliveries/s (the median of an odd count is a real run). */
  private static JsonObject median(List<JsonObject> runs) {
    List<JsonObject> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(r -> r.getDouble("p99Ms")));
    JsonObject byP99 = sorted.get(sorted.size() / 2);
    sorted.sort(Comparator.comparingDouble(r -> r.getDouble("deliveriesPerSecond")));
    JsonObject byRate = sorted.get(sorted.size() / 2);
    // Report each headline figure as its own median across the repeats.
    JsonObject m = byRate.copy();
    for (String key : List.of("p50Ms", "p95Ms", "p99Ms", "maxMs", "ackP50Ms", "ackP99Ms", "ackedPerSecond",
      "serverCpuPercent", "serverCpuMicrosPerDelivery", "serverCpuMicrosPerAck", "postgresCpuPercent",
      "postgresCpuMicrosPerAck", "loadAverage1m")) {
      List<Double> values = runs.stream().map(r -> r.getDouble(key)).filter(v -> v != null).sorted().toList();
      if (values.isEmpty()) {
        continue;
      }
      m.put(key, values.get(values.size() / 2));
    }
    m.put("lost", runs.stream().mapToLong(r -> r.getLong("lost")).sorted().toArray()[runs.size() / 2]);
    m.put("repeats", runs.size());
    m.put("medianOfP99Run", byP99.getDouble("p99Ms"));
    return m;
  }

  private boolean profiled;

  /** Sends at {@code rate} for --jit-warmup seconds without measuring: the server's JIT warms up. */
  private void warmUp(double rate) throws Exception {
    log("warming up at %.1f/s for %d s (not measured)", rate, opts.jitWarmupSeconds);
    Load.Step step = await(load.onLoop(() -> Future.succeededFuture(load.startStep(rate, opts.jitWarmupSeconds, 0))));
    sleepUntil(step.windowEnd);
    drain(step);
  }

  /** Waits until every acknowledged message has reached every subscriber, or gives up. */
  private void drain(Load.Step step) throws Exception {
    long deadline = System.nanoTime() + opts.drainSeconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean settled = await(load.onLoop(() -> Future.succeededFuture(
        step.acked + step.failed >= step.sent && step.delivered >= step.expected)));
      if (settled) {
        break;
      }
      Thread.sleep(100);
    }
  }

  private JsonObject runOnce(double rate) throws Exception {
    if (!opts.jfr.isEmpty() && !profiled && !probes.isEmpty()) {
      profiled = true;
      probes.get(0).startJfr(opts.jfr, opts.warmupSeconds + opts.measureSeconds);
      log("JFR recording of pid %d into %s", probes.get(0).pid(), opts.jfr);
    }
    double[] cpu0 = new double[probes.size()];
    ServerProbe pg = opts.pgPid > 0 ? new ServerProbe(opts.pgPid) : null;
    double pg0 = 0;
    Load.Step step = await(load.onLoop(() -> Future.succeededFuture(load.startStep(rate))));
    // Sample server CPU over the measured window only.
    sleepUntil(step.windowStart);
    for (int i = 0; i < probes.size(); i++) {
      cpu0[i] = probes.get(i).cpuSeconds();
    }
    if (pg != null) {
      pg0 = pg.treeCpuSeconds();
    }
    sleepUntil(step.windowEnd);
    double[] cpu1 = new double[probes.size()];
    for (int i = 0; i < probes.size(); i++) {
      cpu1[i] = probes.get(i).cpuSeconds();
    }
    double pgSeconds = pg == null ? Double.NaN : pg.treeCpuSeconds() - pg0;
    drain(step);
    Thread.sleep(300); // late duplicates, if any
    JsonObject result = await(load.onLoop(() -> Future.succeededFuture(result(step))));
    double window = opts.measureSeconds;
    JsonArray servers = new JsonArray();
    double cpuTotal = 0;
    for (int i = 0; i < probes.size(); i++) {
      double pct = (cpu1[i] - cpu0[i]) / window * 100;
      cpuTotal += pct;
      servers.add(new JsonObject().put("pid", probes.get(i).pid())
        .put("cpuPercent", round(pct)).put("rssKb", probes.get(i).rssKb()));
    }
    result.put("serverCpuPercent", round(cpuTotal)).put("serverProcesses", servers).put("loadAverage1m", loadAverage());
    // Other engineers' jobs share these cores, so CPU spent per unit of work is the steadier figure:
    // what one fully available core would sustain at the same cost.
    double cpuSeconds = cpuTotal / 100 * window;
    long delivered = result.getLong("delivered");
    long acked = result.getLong("acknowledged");
    result.put("serverCpuMicrosPerDelivery", delivered == 0 ? null : round(cpuSeconds * 1e6 / delivered));
    result.put("serverCpuMicrosPerAck", acked == 0 ? null : round(cpuSeconds * 1e6 / acked));
    result.put("deliveriesPerCoreSecond", delivered == 0 || cpuSeconds == 0 ? null : Math.round(delivered / cpuSeconds));
    if (pg != null) {
      result.put("postgresCpuPercent", round(pgSeconds / window * 100))
        .put("postgresCpuMicrosPerAck", acked == 0 ? null : round(pgSeconds * 1e6 / acked));
    }
    // Let the server's queues settle before the next point.
    Thread.sleep(1_000);
    return result;
  }

  private JsonObject result(Load.Step s) {
    Histogram h = s.latency;
    Histogram a = s.ackLatency;
    double window = opts.measureSeconds;
    return new JsonObject()
      .put("kind", "run")
      .put("mode", opts.mode)
      .mergeIn(setup.copy().put("servers", null))
      .put("rate", s.rate)
      .put("windowSeconds", opts.measureSeconds)
      .put("warmupSeconds", opts.warmupSeconds)
      .put("sent", s.sent)
      .put("acknowledged", s.acked)
      .put("failed", s.failed)
      .put("firstFailure", s.firstFailure)
      .put("ackedPerSecond", round(s.acked / window))
      .put("expectedDeliveries", s.expected)
      .put("delivered", s.delivered)
      .put("lost", Math.max(0, s.expected - s.delivered))
      .put("duplicates", s.duplicates)
      .put("deliveriesPerSecond", round(s.delivered / window))
      .put("p50Ms", ms(h, 50))
      .put("p95Ms", ms(h, 95))
      .put("p99Ms", ms(h, 99))
      .put("maxMs", round(h.getMaxValue() / 1000.0))
      .put("ackP50Ms", ms(a, 50))
      .put("ackP99Ms", ms(a, 99))
      .put("ackMaxMs", round(a.getMaxValue() / 1000.0))
      .put("openSockets", load.open)
      .put("socketsClosed", load.closedUnexpectedly)
      .put("connectMs", setup.getLong("connectMs"))
      .put("signInMs", setup.getLong("signInMs"))
      .put("memory", setup.getJsonArray("servers"));
  }

  // ---- Idle mode

  private void idle() throws Exception {
    double[] cpu0 = probes.stream().mapToDouble(ServerProbe::cpuSeconds).toArray();
    long t0 = System.nanoTime();
    Thread.sleep(opts.idleSeconds * 1000L);
    double secs = (System.nanoTime() - t0) / 1e9;
    JsonArray cpu = new JsonArray();
    for (int i = 0; i < probes.size(); i++) {
      cpu.add(round((probes.get(i).cpuSeconds() - cpu0[i]) / secs * 100));
    }
    int open = await(load.onLoop(() -> Future.succeededFuture(load.open)));
    int closed = await(load.onLoop(() -> Future.succeededFuture(load.closedUnexpectedly)));
    System.out.println(new JsonObject()
      .put("kind", "run")
      .put("mode", "idle")
      .mergeIn(setup)
      .put("heldSeconds", round(secs))
      .put("openSockets", open)
      .put("socketsClosed", closed)
      .put("idleServerCpuPercent", cpu)
      .put("loadAverage1m", loadAverage())
      .encode());
  }

  // ---- Helpers

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(TIMEOUT_S, TimeUnit.SECONDS);
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  /** Other work on the machine skews a run: the 1-minute load average says how much there was. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (Exception e) {
      return -1;
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(percentile) / 1000.0);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static void log(String format, Object... args) {
    System.err.printf("[bench] " + format + "%n", args);
  }
}
