package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocketRoute;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** History paging and the reconnect-and-resume path, in Chromium against the two-node cluster. */
@Timeout(90)
class HistoryAndReconnectTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void a_reload_shows_the_history_and_scrolling_up_loads_older_pages_until_the_start() {
    ChatClient writer = nodes.signInOnA("Historian");
    String channel = TestNodes.newChannel(writer);
    BridgeClient socket = writer.socket();
    List<String> sent = IntStream.rangeClosed(1, 120).mapToObj(i -> String.format("entry %03d", i)).toList();
    try {
      for (String text : sent) {
        JsonObject reply = socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text));
        assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
      }
    } finally {
      socket.close();
    }

    Person erin = BROWSERS.person("Erin").signIn(nodes.b().publicUrl());
    erin.open(channel);
    assertThat(erin.message("entry 120")).isInViewport();
    erin.page().reload();
    assertThat(erin.page().locator("#status")).hasAttribute("data-state", "connected");
    // The newest page, scrolled to the bottom; older ones are not loaded yet.
    assertThat(erin.message("entry 120")).isInViewport();
    assertThat(erin.messages()).hasCount(50);
    assertEquals(sent.subList(70, 120), erin.texts());

    // Scroll up (mouse wheel over the messages) until the start of the channel is reached.
    erin.page().locator("#messages").hover();
    for (int i = 0; i < 40 && !erin.page().locator("#history-status.at-start").isVisible(); i++) {
      erin.page().mouse().wheel(0, -4000);
      erin.page().locator("#history-status:not(:has-text('Loading older'))").waitFor();
    }
    assertThat(erin.page().locator("#history-status")).hasText("This is the start of #" + channel + ".");
    assertThat(erin.messages()).hasCount(120);
    assertEquals(sent, erin.texts());
    assertEquals(120, new HashSet<>(erin.ids()).size());
    erin.page().locator("#messages").evaluate("box => { box.scrollTop = 0; }");
    erin.screenshot("history-start.png");

    // Scrolled up, a new message does not pull the view down: a marker says it is there.
    BridgeClient again = writer.socket();
    try {
      again.request("chat.send", new JsonObject().put("channel", channel).put("text", "fresh news"));
    } finally {
      again.close();
    }
    Locator marker = erin.page().locator("#new-messages");
    assertThat(marker).hasText("1 new message ↓");
    assertThat(erin.message("fresh news")).hasClass(Pattern.compile("\\bfirst-unread\\b"));
    assertThat(erin.message("fresh news")).not().isInViewport();
    assertThat(erin.page().locator("#announcer")).containsText("Historian: fresh news");
    erin.screenshot("new-messages-marker.png");
    marker.click();
    assertThat(erin.message("fresh news")).isInViewport();
    assertThat(marker).isHidden();
    assertEquals(List.of(), erin.consoleErrors());
  }

  @Test
  void a_dropped_socket_reconnects_by_itself_and_shows_what_was_missed_exactly_once_in_order() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person alice = BROWSERS.person("Alice").signIn(nodes.a().publicUrl());

    // Bob's network between his browser and node B: while it is "down", the open WebSocket is
    // cut on both sides and new connections (SockJS info request and socket) fail.
    Person bob = BROWSERS.person("Bob");
    Page page = bob.page();
    AtomicBoolean down = new AtomicBoolean();
    List<WebSocketRoute> open = new CopyOnWriteArrayList<>();
    page.routeWebSocket(url -> url.contains("/eventbus/"), ws -> {
      if (down.get()) {
        ws.close();
        return;
      }
      ws.connectToServer();
      open.add(ws);
    });
    page.route(url -> url.contains("/eventbus/"), route -> {
      if (down.get()) {
        route.abort("internetdisconnected");
      } else {
        route.resume();
      }
    });
    bob.signIn(nodes.b().publicUrl());
    alice.open(channel);
    bob.open(channel);
    alice.say("before the drop");
    assertThat(bob.message("before the drop")).isVisible();
    assertThat(alice.page().locator("#presence li")).hasCount(2);

    down.set(true);
    open.forEach(WebSocketRoute::close);
    open.clear();
    assertThat(page.locator("#status")).hasAttribute("data-state", "reconnecting");
    // Node B saw the socket close: Bob leaves the channel for Alice.
    assertThat(alice.page().locator("#presence li")).hasCount(1);
    bob.screenshot("reconnecting.png");

    List<String> missed = List.of("missed one", "missed two", "missed three");
    missed.forEach(alice::say);
    assertEquals(List.of("before the drop", "missed one", "missed two", "missed three"), alice.texts());
    assertEquals(List.of("before the drop"), bob.texts());
    // Also while Bob is away: Alice edits the message he saw and deletes one he never saw.
    List<String> aliceIds = alice.ids();
    BridgeClient aliceApi = nodes.signInOnA("Alice").socket();
    try {
      assertNull(aliceApi.request("chat.edit", new JsonObject().put("id", Long.parseLong(aliceIds.get(0)))
        .put("text", "before the drop, edited")).getValue("failureCode"));
      assertNull(aliceApi.request("chat.delete", new JsonObject().put("id", Long.parseLong(aliceIds.get(2))))
        .getValue("failureCode"));
    } finally {
      aliceApi.close();
    }
    assertThat(alice.message("before the drop, edited")).isVisible();

    down.set(false);
    assertThat(page.locator("#status")).hasAttribute("data-state", "connected");
    assertThat(bob.message("missed three")).isVisible();
    assertThat(bob.message("before the drop, edited")).isVisible();
    assertThat(alice.page().locator("#presence li")).hasCount(2);
    // A live message after the resume, so any late duplicate of the catch-up would show by now.
    alice.say("after the return");
    assertThat(bob.message("after the return")).isVisible();
    List<String> expected = List.of("before the drop, edited", "missed one", "missed three", "after the return");
    assertEquals(expected, bob.texts());
    assertEquals(expected, alice.texts());
    assertEquals(alice.ids(), bob.ids());
    List<Long> ids = bob.ids().stream().map(Long::parseLong).collect(Collectors.toList());
    assertTrue(IntStream.range(1, ids.size()).allMatch(i -> ids.get(i - 1) < ids.get(i)), () -> "ids out of order: " + ids);

    // While down, the failed connection attempts are all the browser complained about.
    assertEquals(List.of(), bob.consoleErrors().stream()
      .filter(e -> !e.equals("Failed to load resource: net::ERR_INTERNET_DISCONNECTED"))
      .toList());
    assertEquals(List.of(), alice.consoleErrors());
  }
}
