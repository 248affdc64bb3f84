package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live monitor on a two-node cluster of its own: the last test stops node B, and both the
 * admin's socket and the page in a real browser (opened by the test before) see it go.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitorTest {
  private static final Path SCREENSHOT = Paths.get("target", "screenshots", "monitor.png");
  private static ChatNode a;
  private static ChatNode b;
  private static Vertx client;
  private static WebClient web;
  private static Playwright playwright;
  private static Page page;

  @BeforeAll
  static void cluster() {
    Map<String, String>[] env = OpsSupport.clusterEnv(TestPostgres.get().newDatabaseUrl(),
      Map.of("CHAT_ADMINS", OpsSupport.devAdmin("Ada") + ", ops@example.org"));
    a = TestNodes.start(env[0]);
    b = TestNodes.start(env[1]);
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void close() throws Exception {
    if (playwright != null) {
      playwright.close();
    }
    client.close().await(10, TimeUnit.SECONDS);
    b.close().await(30, TimeUnit.SECONDS);
    a.close().await(30, TimeUnit.SECONDS);
  }

  private static boolean snapshotOf(JsonObject frame, String node) {
    return "rec".equals(frame.getString("type")) && "monitor.stats".equals(frame.getString("address"))
      && node.equals(frame.getJsonObject("body").getString("node"));
  }

  @Test
  @Order(1)
  void a_non_admin_cannot_register_monitor_stats_nor_open_the_page() {
    ChatClient bob = ChatClient.signIn(client, a.publicUrl(), "Bob");
    BridgeClient socket = bob.socket();
    try {
      socket.register("monitor.stats");
      JsonObject refused = socket.await(f -> "err".equals(f.getString("type")));
      // The bridge refuses the register: not an admin.
      assertEquals(BridgeCodes.REJECTED, refused.getString("body"));
      assertEquals(403, bob.get("/monitor").statusCode());
      assertEquals(403, bob.get("/monitor/monitor.js").statusCode());
      assertEquals(401, OpsSupport.get(web, a.publicUrl(), "/monitor").statusCode());
      // Nothing arrives on the refused address.
      socket.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
      assertTrue(socket.frames().stream().noneMatch(f -> "monitor.stats".equals(f.getString("address"))));
    } finally {
      socket.close();
    }
  }

  @Test
  @Order(2)
  void the_page_in_a_browser_shows_both_members_with_live_figures() throws Exception {
    // Some traffic on both nodes, so that the charts have something to show.
    ChatClient ann = ChatClient.signIn(client, a.publicUrl(), "Ann");
    ChatClient ben = ChatClient.signIn(client, b.publicUrl(), "Ben");
    List<BridgeClient> sockets = new ArrayList<>();
    List<String> channels = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String channel = TestNodes.newChannel(ann);
      channels.add(channel);
      for (ChatClient person : List.of(ann, ben)) {
        BridgeClient socket = person.socket();
        socket.subscribe("chat.channel." + channel);
        sockets.add(socket);
      }
    }
    Files.createDirectories(SCREENSHOT.getParent());
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
      .setExecutablePath(Paths.get("/usr/bin/chromium"))
      .setHeadless(true)
      .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")));
    page = browser.newContext(new Browser.NewContextOptions().setViewportSize(1360, 900)).newPage();
    List<String> pageErrors = new ArrayList<>();
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type())) {
        pageErrors.add(m.text());
      }
    });
    page.onPageError(e -> pageErrors.add("page error: " + e));
    page.navigate(a.publicUrl() + "/auth/login/dev");
    page.fill("#username", "Ada");
    page.click("button[type=submit]");
    page.waitForURL(a.publicUrl() + "/**");
    page.navigate(a.publicUrl() + "/monitor");
    page.waitForSelector("article.node[data-node='" + a.nodeId() + "']");
    page.waitForSelector("article.node[data-node='" + b.nodeId() + "']");
    // Traffic in rounds of a few sends until the page has taken in a dozen rounds from the nodes'
    // snapshots (one a second); it goes on while the page is checked, so the last snapshot is busy too.
    AtomicInteger round = new AtomicInteger();
    long traffic = client.setPeriodic(400, id -> {
      int r = round.getAndIncrement();
      for (int i = 0; i < 3 + r % 4; i++) {
        BridgeClient from = sockets.get((r + i) % sockets.size());
        from.requestAsync("chat.send", new JsonObject().put("channel", channels.get(i % channels.size())).put("text", "hi " + i));
      }
    });
    try {
      int dozenRounds = IntStream.range(0, 12).map(r -> 3 + r % 4).sum();
      page.waitForCondition(() -> Long.parseLong(page.textContent("#sum-stored")) >= dozenRounds
          && page.textContent("#addresses").contains("chat.channel.*"),
        new Page.WaitForConditionOptions().setTimeout(60_000));
      assertEquals(2, page.locator("article.node").count());
      assertEquals("2", page.textContent("#sum-nodes"));
      assertTrue(page.textContent("#addresses").contains("chat.channel.*"));
      page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOT).setFullPage(true));
    } finally {
      client.cancelTimer(traffic);
    }
    assertEquals("live", page.textContent("#link"));
    // The page's modules, its own under /monitor/ and the app's under /js/, load without an error.
    assertEquals(List.of(), pageErrors);
    sockets.forEach(BridgeClient::close);
  }

  @Test
  @Order(3)
  void an_admin_gets_the_page_and_snapshots_from_both_nodes_and_sees_a_stopped_node_go() throws Exception {
    ChatClient ada = ChatClient.signIn(client, a.publicUrl(), "Ada");
    var html = ada.get("/monitor");
    assertEquals(200, html.statusCode());
    assertTrue(html.bodyAsString().contains("/monitor/monitor.js"));
    assertEquals(200, ada.get("/monitor/monitor.js").statusCode());

    BridgeClient socket = ada.socket();
    try {
      socket.register("monitor.stats");
      JsonObject fromA = socket.await(f -> snapshotOf(f, a.nodeId())).getJsonObject("body");
      JsonObject fromB = socket.await(f -> snapshotOf(f, b.nodeId())).getJsonObject("body");
      for (JsonObject s : new JsonObject[] {fromA, fromB}) {
        for (String key : new String[] {"node", "at", "uptime", "sockets", "channels", "rates", "eventLoopDelayMs",
          "heap", "pg", "members", "draining"}) {
          assertTrue(s.containsKey(key), () -> key + " missing in " + s.encode());
        }
        assertEquals(2, s.getInteger("members"));
      }
      assertTrue(fromA.getInteger("sockets") >= 1, "the admin's own socket is on A");
      assertNotNull(fromA.getJsonObject("heap").getLong("used"));

      b.close().await(30, TimeUnit.SECONDS);
      long fromBSoFar = socket.frames().stream().filter(f -> snapshotOf(f, b.nodeId())).count();
      // Three more seconds of A's snapshots, and none from B.
      for (int i = 0; i < 3; i++) {
        socket.await(f -> snapshotOf(f, a.nodeId()));
      }
      assertEquals(fromBSoFar, socket.frames().stream().filter(f -> snapshotOf(f, b.nodeId())).count(),
        "a stopped node publishes nothing");
      JsonObject after = socket.await(f -> snapshotOf(f, a.nodeId())).getJsonObject("body");
      assertEquals(1, after.getInteger("members"), "A sees B gone from the cluster");
      if (page != null) {
        // The page drops a member without a snapshot for 3 s.
        page.waitForSelector("article.node[data-node='" + b.nodeId() + "']",
          new Page.WaitForSelectorOptions().setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED)
            .setTimeout(6_000));
        assertEquals(1, page.locator("article.node").count());
        assertTrue(page.textContent("#events").contains("left"));
      }
    } finally {
      socket.close();
    }
  }
}
