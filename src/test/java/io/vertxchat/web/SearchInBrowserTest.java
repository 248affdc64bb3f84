package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Search as people use it, in Debian's Chromium on the shared two-node cluster: Alice wrote in a
 * channel on node A long ago (more than a page of messages since), Bob on node B searches, sees the
 * highlighted snippets, opens a hit and lands at that message with its neighbours, and the channel
 * stays live: scrolling down reaches the newest messages, and new ones keep arriving.
 */
@Timeout(120)
class SearchInBrowserTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void bob_finds_an_old_message_opens_it_in_its_context_and_the_channel_stays_live() {
    ChatClient aliceClient = nodes.signInOnA("Alice");
    String channel = "ui-" + UUID.randomUUID().toString().substring(0, 8);
    assertEquals(201, aliceClient.post("/api/channels", new JsonObject().put("name", channel)).statusCode());
    ChatClient bobClient = nodes.signInOnB("Bob");
    Await.until(nodes.clientVertx(), 10_000, "node B knows " + channel, () -> bobClient.get("/api/channels")
      .bodyAsJsonArray().stream().anyMatch(c -> channel.equals(((JsonObject) c).getString("name"))));

    // Alice's history: the message Bob will look for, then 70 more (more than the newest page of 50).
    String target = "Quokka migration plan: the <b>quokka</b> database moves on Friday, not before";
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      texts.add("warm-up note " + i);
    }
    texts.add(target);
    for (int i = 0; i < 70; i++) {
      texts.add(i == 30 ? "Did the quokka move? <script>alert(1)</script>" : i == 60 ? "quokka done, thanks all" : "note " + i);
    }
    BridgeClient socket = aliceClient.socket();
    for (String text : texts) {
      assertTrue(socket.request("chat.send", new JsonObject().put("channel", channel).put("text", text))
        .getJsonObject("body") != null);
    }
    socket.close();

    Person alice = BROWSERS.person("Alice").signIn(nodes.a().publicUrl());
    alice.open(channel);
    Person bob = BROWSERS.person("Bob").signIn(nodes.b().publicUrl());
    Page page = bob.page();
    bob.open("general");

    // Bob searches with the keyboard: the message with both words ranks first, every match is
    // marked, and markup stays text.
    Locator box = page.getByRole(com.microsoft.playwright.options.AriaRole.SEARCHBOX,
      new Page.GetByRoleOptions().setName("Search messages"));
    box.fill("quokka or migration");
    box.press("Enter");
    Locator hits = page.locator("#search-list .search-hit");
    assertThat(hits).hasCount(3);
    assertThat(page.locator("#search-status")).hasText("3 results");
    Locator first = hits.first();
    assertThat(first.locator(".search-channel")).hasText("#" + channel);
    assertThat(first.locator(".search-author")).hasText("Alice");
    assertThat(first.locator("time")).isVisible();
    assertThat(first.locator(".search-snippet")).hasText(target);
    assertEquals(List.of("Quokka", "migration", "quokka"), first.locator("mark").allTextContents());
    assertThat(hits.nth(1).locator(".search-snippet")).hasText("quokka done, thanks all");
    assertThat(hits.nth(2).locator(".search-snippet")).hasText("Did the quokka move? <script>alert(1)</script>");
    assertThat(page.locator("#search-list script, #search-list b")).hasCount(0);
    bob.screenshot("search.png");

    // Down arrow to the first hit, Enter opens it: the channel at that message, highlighted, in view,
    // with the messages before and after it, but not the whole channel.
    box.press("ArrowDown");
    assertThat(first).isFocused();
    page.keyboard().press("Enter");
    assertThat(page.locator("#search-panel")).isHidden();
    assertThat(page.locator("#channel-title")).hasText("#" + channel);
    Locator jumped = page.locator("#message-list li.message.jumped");
    assertThat(jumped).hasCount(1);
    assertThat(jumped.locator(".message-text")).hasText(target);
    assertThat(jumped).isInViewport();
    assertThat(bob.message("warm-up note 3")).isInViewport();
    assertThat(bob.message("note 0")).isInViewport();
    assertThat(bob.message("note 20")).isAttached();
    assertThat(bob.message("quokka done, thanks all")).hasCount(0);
    assertTrue(bob.texts().size() < texts.size(), "only the page around it is loaded");
    bob.screenshot("search-jump.png");

    // Alice writes now: Bob, reading older messages, is told; scrolling down loads the newer pages
    // up to the newest, his one included, with nothing missing in between.
    alice.say("Live after the jump");
    assertThat(page.locator("#new-messages")).hasText("1 new message ↓");
    page.waitForFunction("text => { const box = document.getElementById('messages');"
      + " box.scrollTop = box.scrollHeight;"
      + " return [...document.querySelectorAll('#message-list .message-text')].some(e => e.textContent === text); }",
      "Live after the jump", new Page.WaitForFunctionOptions().setTimeout(15_000));
    List<String> expected = new ArrayList<>(texts);
    expected.add("Live after the jump");
    List<String> shown = bob.texts();
    assertEquals(expected.subList(expected.size() - shown.size(), expected.size()), shown,
      "from the first shown to the newest, every message once, in order");
    assertThat(jumped).hasCount(1);

    // The channel is live as usual now, both ways.
    alice.say("And one more");
    assertThat(bob.message("And one more")).isVisible();
    bob.say("Found it, thanks");
    assertThat(alice.message("Found it, thanks")).isVisible();
    assertThat(page.locator("#new-messages")).isHidden();

    // Back at the old message from another channel, Bob answers: he writes at the newest, so the
    // channel opens there, with his answer last for both.
    bob.open("general");
    box.fill("quokka migration");
    box.press("Enter");
    assertThat(hits).hasCount(1);
    hits.first().click();
    assertThat(jumped.locator(".message-text")).hasText(target);
    assertThat(bob.message("And one more")).hasCount(0);
    bob.say("Replying from the past");
    assertThat(bob.message("Replying from the past")).isInViewport();
    List<String> last = bob.texts().subList(bob.texts().size() - 3, bob.texts().size());
    assertEquals(List.of("And one more", "Found it, thanks", "Replying from the past"), last);
    assertThat(alice.message("Replying from the past")).isVisible();

    // A search that finds nothing says so; Escape closes the panel.
    box.fill("zebra-" + UUID.randomUUID().toString().substring(0, 6));
    box.press("Enter");
    assertThat(page.locator("#search-status")).hasText(Pattern.compile("No messages match"));
    box.press("Escape");
    assertThat(page.locator("#search-panel")).isHidden();
    assertEquals(List.of(), bob.consoleErrors());
    assertEquals(List.of(), bob.failedResponses());
    assertEquals(List.of(), alice.consoleErrors());
  }
}
