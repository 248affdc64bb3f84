package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
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

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shipped monitoring files against a real Prometheus (Debian's package) scraping the two
 * clustered test nodes each second while two signed-in people chat through the bridge: every
 * query of the Grafana dashboard and every alert of {@code alerts.yml} returns series for both
 * nodes, and promtool accepts the config, the rules and the rules' unit tests.
 */
@Timeout(120)
class PrometheusStackTest {
  private static final Path OPS = Path.of("ops");
  private static final Path CONFIG = OPS.resolve("prometheus/prometheus.yml");
  private static final Path ALERTS = OPS.resolve("prometheus/alerts.yml");
  private static final Path ALERTS_TEST = OPS.resolve("prometheus/alerts_test.yml");
  private static final Path DASHBOARD = OPS.resolve("grafana/vertx-chat.json");
  /** The alerts an operator was promised (docs/operations.md); losing one fails here. */
  private static final Set<String> ALERT_NAMES = Set.of("ChatNodeDown", "ChatNodeNotReady", "ChatPostgresUnavailable",
    "ChatStoreLatencyHigh", "ChatEventLoopDelayHigh", "ChatSocketsDroppedTooSlow", "ChatRateLimitingSurging");
  /**
   * What Grafana puts for {@code $__rate_interval}: at least four scrape intervals (here 1 s);
   * 10 s leaves room for a scrape that comes late on a busy machine.
   */
  private static final String RATE_INTERVAL = "10s";
  /** An alert expression: one signal compared with a threshold (the convention alerts.yml states). */
  private static final Pattern SIGNAL_AND_THRESHOLD = Pattern.compile("^(.*\\S)\\s*(==|!=|>=|<=|>|<)\\s*(-?[0-9.]+)$",
    Pattern.DOTALL);
  private static final long TRAFFIC_EVERY_MS = 200;
  private static final int MAX_SENDS = 400;

  private static TestNodes nodes;
  private static Vertx client;
  private static WebClient web;
  private static Path work;
  private static Process prometheus;
  private static String prometheusUrl;
  private static List<String> instances;
  private static BridgeClient aliceSocket;
  private static BridgeClient bobSocket;
  private static long traffic = -1;
  private static final AtomicInteger sends = new AtomicInteger();

  @BeforeAll
  static void stack() throws Exception {
    String prometheusBinary = binary("prometheus");
    nodes = TestNodes.shared();
    client = Vertx.vertx();
    web = WebClient.create(client);
    instances = List.of(instance(nodes.a()), instance(nodes.b()));
    startTraffic();

    // The shipped config as it is, but scraping and evaluating each second, with a target list
    // (file_sd, as an operator's) naming the two test nodes.
    work = Files.createTempDirectory("prometheus-test");
    String config = Files.readString(CONFIG);
    for (String interval : new String[] {"scrape_interval: 15s", "evaluation_interval: 15s"}) {
      assertTrue(config.contains(interval), CONFIG + " no longer says '" + interval + "': update this test");
      config = config.replace(interval, interval.replace("15s", "1s"));
    }
    Files.writeString(work.resolve("prometheus.yml"), config);
    Files.copy(ALERTS, work.resolve("alerts.yml"));
    Files.createDirectories(work.resolve("targets"));
    Files.writeString(work.resolve("targets/test.yml"), "- targets: [\"" + String.join("\", \"", instances) + "\"]\n"
      + "  labels:\n    cluster: chat-test\n");

    int port = TestPostgres.freePort();
    prometheusUrl = "http://127.0.0.1:" + port;
    prometheus = new ProcessBuilder(prometheusBinary,
      "--config.file=" + work.resolve("prometheus.yml"),
      "--storage.tsdb.path=" + work.resolve("data"),
      "--web.listen-address=127.0.0.1:" + port,
      "--log.level=warn")
      .redirectErrorStream(true)
      .redirectOutput(work.resolve("prometheus.log").toFile())
      .start();
    awaitNoProblems("Prometheus answers /-/ready", 20_000, () -> {
      if (!prometheus.isAlive()) {
        return List.of("prometheus exited with " + prometheus.exitValue() + ": " + log());
      }
      try {
        return get("/-/ready").statusCode() == 200 ? List.of() : List.of("not ready yet");
      } catch (RuntimeException e) {
        return List.of(e.toString());
      }
    });
  }

  /** Alice on node A and Bob on node B, both subscribed to one channel, each sending every 200 ms (bounded). */
  private static void startTraffic() {
    ChatClient alice = nodes.signInOnA("prom-alice");
    ChatClient bob = nodes.signInOnB("prom-bob");
    String channel = TestNodes.newChannel(alice);
    aliceSocket = alice.socket();
    bobSocket = bob.socket();
    Await.result(aliceSocket.subscribeAsync(Addresses.channel(channel)));
    Await.result(bobSocket.subscribeAsync(Addresses.channel(channel)));
    nodes.awaitRegistrationsOn(Addresses.channel(channel), nodes.a(), nodes.b());
    traffic = client.setPeriodic(TRAFFIC_EVERY_MS, id -> {
      if (sends.addAndGet(2) > MAX_SENDS) {
        client.cancelTimer(id);
        return;
      }
      for (BridgeClient socket : new BridgeClient[] {aliceSocket, bobSocket}) {
        socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", "scraped " + sends.get()));
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.cancelTimer(traffic);
    }
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    for (BridgeClient socket : new BridgeClient[] {aliceSocket, bobSocket}) {
      if (socket != null) {
        socket.close();
      }
    }
    if (client != null) {
      client.close().await(10, TimeUnit.SECONDS);
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void promtool_accepts_the_config_the_rules_and_the_rules_unit_tests() {
    promtool("check", "config", CONFIG.toString());
    promtool("check", "rules", ALERTS.toString());
    promtool("test", "rules", ALERTS_TEST.toString());
  }

  @Test
  void every_dashboard_query_returns_series_for_both_nodes() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    assertTrue(dashboard.getInteger("schemaVersion") >= 36, "schemaVersion " + dashboard.getInteger("schemaVersion"));
    JsonArray variables = dashboard.getJsonObject("templating").getJsonArray("list");
    assertTrue(variables.stream().map(JsonObject.class::cast)
      .anyMatch(v -> "DS_PROMETHEUS".equals(v.getString("name")) && "datasource".equals(v.getString("type"))), "a DS_PROMETHEUS datasource variable");
    assertTrue(variables.stream().map(JsonObject.class::cast)
      .anyMatch(v -> "instance".equals(v.getString("name")) && "query".equals(v.getString("type"))), "an instance variable");

    Map<String, String> queries = new LinkedHashMap<>();
    for (Object item : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) item;
      if ("row".equals(panel.getString("type"))) {
        continue;
      }
      String title = panel.getString("title");
      assertEquals("${DS_PROMETHEUS}", panel.getJsonObject("datasource").getString("uid"), title);
      JsonArray targets = panel.getJsonArray("targets");
      assertTrue(targets != null && !targets.isEmpty(), title + " has no query");
      for (Object t : targets) {
        JsonObject target = (JsonObject) t;
        assertEquals("${DS_PROMETHEUS}", target.getJsonObject("datasource").getString("uid"), title);
        queries.put(title + " / " + target.getString("refId"), grafana(target.getString("expr")));
      }
    }
    // The panels the dashboard promises, by the metrics they need.
    String all = String.join("\n", queries.values());
    for (String metric : new String[] {"chat_fanout_deliveries_total", "chat_messages_stored_total", "chat_bridge_sockets",
        "chat_bridge_channels", "chat_store_latency_seconds_bucket", "chat_fanout_latency_seconds_bucket",
        "vertx_eventbus_published_total", "vertx_pool_in_use", "vertx_pool_queue_pending", "jvm_memory_used_bytes",
        "jvm_gc_pause_seconds", "jvm_threads_live_threads", "chat_eventloop_delay_seconds"}) {
      assertTrue(all.contains(metric), "no panel shows " + metric);
    }

    awaitNoProblems("every dashboard query returns series for both nodes", 40_000, () -> {
      List<String> problems = new ArrayList<>();
      queries.forEach((panel, query) -> {
        Set<String> got = instancesOf(query(query));
        if (!got.containsAll(instances)) {
          problems.add(panel + ": " + query + " returned series for " + got);
        }
      });
      return problems;
    });

    // The figures move with the traffic: both nodes deliver to their subscribed socket, and the
    // store latency has a value where the channel's owner stores.
    awaitNoProblems("the traffic shows on the dashboard", 20_000, () -> {
      List<String> problems = new ArrayList<>();
      JsonArray deliveries = query(queries.get("Deliveries/s / A"));
      for (Object series : deliveries) {
        if (!(value((JsonObject) series) > 0)) {
          problems.add("no deliveries/s on " + series);
        }
      }
      JsonArray sockets = query(queries.get("Sockets / A"));
      for (Object series : sockets) {
        if (!(value((JsonObject) series) >= 1)) {
          problems.add("no socket on " + series);
        }
      }
      JsonArray storeP99 = query(queries.get("Store latency (one batch) / B"));
      if (storeP99.stream().noneMatch(s -> value((JsonObject) s) > 0)) {
        problems.add("no store p99 on any node: " + storeP99);
      }
      return problems;
    });
  }

  /**
   * An alert expression is "signal op threshold" and returns series only while it fires, so on a
   * healthy fleet it rightly returns nothing. What must hold for every node is its signal (the
   * expression without the comparison): if that returned nothing, the alert could never fire (a
   * metric renamed, a label that does not exist). So for each alert: Prometheus loaded and
   * evaluated it without error, the whole expression evaluates, and its signal has a series for
   * both nodes. The availability alerts are also quiet for these healthy nodes.
   */
  @Test
  void every_alert_evaluates_and_its_signal_covers_both_nodes() {
    awaitNoProblems("Prometheus evaluated every alert rule without error", 20_000, () -> {
      List<String> problems = new ArrayList<>();
      for (JsonObject rule : alertRules()) {
        if (!"ok".equals(rule.getString("health"))) {
          problems.add(rule.getString("name") + ": health " + rule.getString("health") + " " + rule.getString("lastError", ""));
        }
      }
      return problems;
    });
    List<JsonObject> rules = alertRules();
    Set<String> names = new TreeSet<>();
    for (JsonObject rule : rules) {
      String name = rule.getString("name");
      names.add(name);
      assertTrue(rule.getLong("duration", 0L) > 0, name + " has no for:");
      assertTrue(rule.getJsonObject("labels").containsKey("severity"), name + " has no severity label");
      assertTrue(rule.getJsonObject("annotations").containsKey("summary"), name + " has no summary");
      assertTrue(rule.getJsonObject("annotations").containsKey("action"), name + " does not say what to do");
    }
    assertEquals(new TreeSet<>(ALERT_NAMES), names);

    awaitNoProblems("every alert's signal returns series for both nodes", 30_000, () -> {
      List<String> problems = new ArrayList<>();
      for (JsonObject rule : rules) {
        String expr = rule.getString("query");
        query(expr);
        Matcher parts = SIGNAL_AND_THRESHOLD.matcher(expr.trim());
        if (!parts.matches()) {
          problems.add(rule.getString("name") + ": not '<signal> <op> <threshold>': " + expr);
          continue;
        }
        Set<String> got = instancesOf(query(parts.group(1)));
        if (!got.containsAll(instances)) {
          problems.add(rule.getString("name") + ": signal " + parts.group(1) + " returned series for " + got);
        }
      }
      return problems;
    });
    for (JsonObject rule : rules) {
      if (Set.of("ChatNodeDown", "ChatNodeNotReady", "ChatPostgresUnavailable").contains(rule.getString("name"))) {
        JsonArray firing = query(rule.getString("query"));
        assertTrue(firing.isEmpty(), rule.getString("name") + " holds for healthy nodes: " + firing);
      }
    }
  }

  // ---- Prometheus

  /** A dashboard query as Grafana sends it with every node selected. */
  private static String grafana(String expr) {
    String query = expr
      .replace("$__rate_interval", RATE_INTERVAL)
      .replace("$instance", String.join("|", instances));
    assertTrue(!query.contains("$"), "a dashboard variable this test does not know: " + expr);
    return query;
  }

  /** The result vector of an instant query; fails when Prometheus refuses the query. */
  private static JsonArray query(String promql) {
    HttpResponse<Buffer> response;
    try {
      response = web.getAbs(prometheusUrl + "/api/v1/query").addQueryParam("query", promql).send()
        .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("query " + promql + " failed: " + e, e);
    }
    JsonObject body = response.bodyAsJsonObject();
    if (response.statusCode() != 200 || !"success".equals(body.getString("status"))) {
      fail("Prometheus refused " + promql + ": " + response.statusCode() + " " + body.encode());
    }
    JsonObject data = body.getJsonObject("data");
    assertEquals("vector", data.getString("resultType"), promql);
    return data.getJsonArray("result");
  }

  private static List<JsonObject> alertRules() {
    JsonObject body = get("/api/v1/rules?type=alert").bodyAsJsonObject();
    List<JsonObject> rules = new ArrayList<>();
    for (Object group : body.getJsonObject("data").getJsonArray("groups")) {
      ((JsonObject) group).getJsonArray("rules").forEach(r -> rules.add((JsonObject) r));
    }
    return rules;
  }

  private static Set<String> instancesOf(JsonArray result) {
    Set<String> got = new TreeSet<>();
    result.forEach(s -> got.add(((JsonObject) s).getJsonObject("metric").getString("instance", "(no instance label)")));
    return got;
  }

  /** A sample's value; NaN (no observations in the window) stays NaN. */
  private static double value(JsonObject series) {
    return Double.parseDouble(series.getJsonArray("value").getString(1));
  }

  private static HttpResponse<Buffer> get(String path) {
    try {
      return web.getAbs(prometheusUrl + path).send().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("GET " + path + " failed: " + e, e);
    }
  }

  /** Polls until {@code problems} is empty; fails listing the last problems and Prometheus's log. */
  private static void awaitNoProblems(String what, long timeoutMs, Supplier<List<String>> problems) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    List<String> last = problems.get();
    while (!last.isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        fail("not within " + timeoutMs + " ms: " + what + ":\n  " + String.join("\n  ", last) + "\nprometheus log: " + log());
      }
      Await.result(client.timer(500));
      last = problems.get();
    }
  }

  private static String log() {
    try {
      String log = Files.readString(work.resolve("prometheus.log"));
      return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    } catch (IOException | RuntimeException e) {
      return "(no log: " + e + ")";
    }
  }

  // ---- promtool and the binaries

  private static void promtool(String... args) {
    List<String> command = new ArrayList<>(List.of(binary("promtool")));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
      assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
    } catch (IOException e) {
      throw new AssertionError(String.join(" ", command) + " could not run: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code name} on the PATH; missing, the test fails saying how to install it (never skips). */
  private static String binary(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(name + " is not installed: run scripts/test.sh, which installs Debian's prometheus"
      + " package (it brings promtool), or apt-get install -y prometheus");
  }

  /** The node's scrape target: Prometheus dials 127.0.0.1, where the node listens. */
  private static String instance(ChatNode node) {
    return "127.0.0.1:" + URI.create(node.publicUrl()).getPort();
  }
}
