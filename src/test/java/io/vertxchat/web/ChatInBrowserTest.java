package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.Page;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat as people use it, in Debian's Chromium against the shared two-node cluster: each
 * person signs in on a different node through the dev provider's page.
 */
@Timeout(90)
class ChatInBrowserTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private static String newChannelName() {
    return "ui-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void two_people_on_different_nodes_talk_both_ways_and_see_each_others_name_and_avatar() {
    Person alice = BROWSERS.person("Alice").signIn(nodes.a().publicUrl(), "");
    Person bob = BROWSERS.person("Bob").signIn(nodes.b().publicUrl());

    // Alice creates the channel in the sidebar; the server's rule for names is shown inline.
    Page page = alice.page();
    page.locator("#new-channel-name").fill("Not A Name!");
    page.locator("#new-channel button").click();
    assertThat(page.locator("#new-channel-error")).containsText("a-z");
    assertThat(page.locator("#new-channel-name")).hasAttribute("aria-invalid", "true");
    String channel = newChannelName();
    page.locator("#new-channel-name").fill(channel);
    page.locator("#new-channel button").click();
    assertThat(page.locator("#channel-title")).hasText("#" + channel);
    assertThat(page.locator("#new-channel-error")).isHidden();
    assertThat(page.locator(".channel-link[aria-current=page]")).hasText("#" + channel);
    assertThat(page.locator("#history-status")).containsText("No messages");

    bob.open(channel);
    // Presence crosses nodes: each sees both people here.
    assertThat(alice.page().locator("#presence li")).hasCount(2);
    assertThat(bob.page().locator("#presence li")).hasCount(2);
    assertThat(bob.page().locator("#presence")).containsText("Alice");

    alice.say("Hi Bob, the build is green");
    Locator fromAlice = bob.message("Hi Bob, the build is green");
    assertThat(fromAlice).isVisible();
    JsonObject aliceUser = nodes.signInOnA("Alice").me();
    assertThat(fromAlice.locator(".author")).hasText("Alice");
    assertThat(fromAlice.locator(".author")).hasAttribute("href", aliceUser.getString("profileUrl"));
    assertThat(fromAlice.locator(".author")).hasAttribute("target", "_blank");
    assertThat(fromAlice.locator(".author")).hasAttribute("rel", "noopener noreferrer");
    assertThat(fromAlice.locator("img.avatar")).hasAttribute("src", aliceUser.getString("avatarUrl"));
    assertThat(fromAlice.locator(".message-head time")).isVisible();
    assertThat(bob.page().locator("#announcer")).containsText("Alice: Hi Bob, the build is green");

    // Bob types: Alice sees it, then his answer.
    bob.composer().pressSequentially("Great", new Locator.PressSequentiallyOptions().setDelay(20));
    assertThat(alice.page().locator("#typing")).hasText("Bob is typing…");
    bob.composer().pressSequentially(", shipping it. Notes: https://example.org/notes");
    bob.composer().press("Enter");
    Locator fromBob = alice.message("Great, shipping it. Notes: https://example.org/notes");
    assertThat(fromBob.locator(".author")).hasText("Bob");
    JsonObject bobUser = nodes.signInOnB("Bob").me();
    assertThat(fromBob.locator("img.avatar")).hasAttribute("src", bobUser.getString("avatarUrl"));
    assertThat(fromBob.locator(".message-text a")).hasAttribute("href", "https://example.org/notes");
    assertThat(alice.page().locator("#typing")).hasText("");

    // Two in a row by one author group under one header.
    alice.say("I'll tag the release");
    alice.say("Done: v1.4.0");
    assertThat(alice.message("Done: v1.4.0")).hasClass(java.util.regex.Pattern.compile("\\bgrouped\\b"));
    assertThat(bob.message("Done: v1.4.0")).isVisible();
    assertEquals(List.of("Hi Bob, the build is green", "Great, shipping it. Notes: https://example.org/notes",
      "I'll tag the release", "Done: v1.4.0"), bob.texts());
    assertEquals(alice.texts(), bob.texts());

    // Bob starts another answer: the screenshot of the chat (also docs/chat.png) shows him typing.
    bob.composer().pressSequentially("Nice, I'll update the changelog", new Locator.PressSequentiallyOptions().setDelay(10));
    assertThat(alice.page().locator("#typing")).hasText("Bob is typing…");
    alice.screenshot("chat.png");
    bob.screenshot("chat-bob.png");
    // The one refused channel name is the only failed request, and nothing else went wrong.
    assertEquals(1, alice.failedResponses().size(), () -> "failed: " + alice.failedResponses());
    assertTrue(alice.failedResponses().get(0).startsWith("400 POST"), () -> "failed: " + alice.failedResponses());
    assertEquals(List.of("Failed to load resource: the server responded with a status of 400 (Bad Request)"),
      alice.consoleErrors());
    assertEquals(List.of(), bob.failedResponses());
    assertEquals(List.of(), bob.consoleErrors());
  }

  @Test
  void the_author_edits_and_deletes_live_for_the_other_who_has_no_controls_on_it() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person alice = BROWSERS.person("Alice").signIn(nodes.a().publicUrl());
    Person bob = BROWSERS.person("Bob").signIn(nodes.b().publicUrl());
    alice.open(channel);
    bob.open(channel);
    alice.say("Lunch at 12?");
    alice.say("Typo here");
    bob.say("Works for me");
    assertThat(alice.message("Works for me")).isVisible();

    // Nobody gets controls on messages that are not theirs (anyone may react: reactions.js).
    assertThat(bob.message("Lunch at 12?").locator("button:not(.reaction-add)")).hasCount(0);
    assertThat(alice.message("Works for me").locator("button:not(.reaction-add)")).hasCount(0);
    assertThat(bob.message("Works for me").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Edit"))).hasCount(1);

    // Alice edits inline with the keyboard: Enter saves.
    Locator mine = alice.message("Lunch at 12?");
    mine.hover();
    mine.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Edit")).click();
    Locator editor = alice.page().locator(".edit-text");
    assertThat(editor).isFocused();
    editor.fill("Lunch at 12:30?");
    alice.screenshot("edit.png");
    editor.press("Enter");
    assertThat(alice.message("Lunch at 12:30?").locator(".edited")).isVisible();
    Locator edited = bob.message("Lunch at 12:30?");
    assertThat(edited).isVisible();
    assertThat(edited.locator(".edited")).hasText("(edited)");
    assertThat(bob.message("Lunch at 12?")).hasCount(0);

    // Delete asks first; Cancel keeps it, Delete removes it for both.
    Locator typo = alice.message("Typo here");
    typo.hover();
    typo.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
    assertThat(typo.locator(".confirm-delete")).containsText("Delete this message?");
    alice.screenshot("delete-confirm.png");
    typo.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Cancel")).click();
    assertThat(typo.locator(".confirm-delete")).hasCount(0);
    assertThat(bob.message("Typo here")).isVisible();
    typo.hover();
    typo.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
    typo.locator(".confirm-delete").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
    assertThat(alice.message("Typo here")).hasCount(0);
    assertThat(bob.message("Typo here")).hasCount(0);
    assertEquals(List.of("Lunch at 12:30?", "Works for me"), bob.texts());

    // After a reload the edit and the deletion are still there, from the server's history.
    bob.page().reload();
    assertThat(bob.page().locator("#status")).hasAttribute("data-state", "connected");
    assertThat(bob.messages()).hasCount(2);
    assertEquals(List.of("Lunch at 12:30?", "Works for me"), bob.texts());
    assertThat(bob.message("Lunch at 12:30?").locator(".edited")).isVisible();
    assertEquals(List.of(), alice.consoleErrors());
    assertEquals(List.of(), bob.consoleErrors());
  }

  @Test
  void markup_in_a_message_shows_as_text_runs_nothing_and_only_http_links_are_clickable() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person mallory = BROWSERS.person("Mallory").signIn(nodes.a().publicUrl());
    Person bob = BROWSERS.person("Bob").signIn(nodes.b().publicUrl());
    mallory.open(channel);
    bob.open(channel);
    String img = "<img src=x onerror=alert(1)>";
    String script = "<script>alert(2)</script><b>bold?</b>";
    String links = "javascript:alert(3) and https://example.com/a?b=1 and ftp://example.com/x";
    mallory.say(img);
    mallory.say(script);
    mallory.say(links);

    for (Person person : List.of(mallory, bob)) {
      assertThat(person.message(links)).isVisible();
      assertEquals(List.of(img, script, links), person.texts());
      Locator texts = person.page().locator("#message-list .message-text");
      assertThat(texts.locator("img")).hasCount(0);
      assertThat(texts.locator("script")).hasCount(0);
      assertThat(texts.locator("b")).hasCount(0);
      Locator anchors = person.message(links).locator(".message-text a");
      assertThat(anchors).hasCount(1);
      assertThat(anchors).hasAttribute("href", "https://example.com/a?b=1");
      assertThat(anchors).hasAttribute("rel", "noopener noreferrer nofollow");
    }
    // A reload renders the stored text the same way.
    bob.page().reload();
    assertThat(bob.message(links)).isVisible();
    assertEquals(List.of(img, script, links), bob.texts());
    assertThat(bob.page().locator("#message-list img:not(.avatar)")).hasCount(0);
    bob.screenshot("xss-as-text.png");
    assertEquals(List.of(), mallory.dialogs());
    assertEquals(List.of(), bob.dialogs());
    assertEquals(List.of(), mallory.consoleErrors());
    assertEquals(List.of(), bob.consoleErrors());
  }

  @Test
  void shift_enter_makes_a_newline_enter_sends_and_2001_characters_cannot_be_sent_on_a_phone() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person dana = BROWSERS.person("Dana", 390, 844).signIn(nodes.b().publicUrl());
    dana.open(channel);
    Locator composer = dana.composer();
    Locator send = dana.page().locator("#send");
    assertThat(send).isDisabled();
    composer.fill("   ");
    assertThat(send).isDisabled();
    composer.press("Enter");
    assertThat(dana.messages()).hasCount(0);

    composer.fill("");
    composer.pressSequentially("first line");
    composer.press("Shift+Enter");
    composer.pressSequentially("second line");
    assertThat(composer).hasValue("first line\nsecond line");
    assertThat(dana.messages()).hasCount(0);
    assertThat(dana.page().locator("#counter")).hasText("22 / 2000");
    assertThat(send).isEnabled();
    composer.press("Enter");
    assertThat(dana.messages()).hasCount(1);
    assertThat(composer).hasValue("");
    assertEquals(List.of("first line\nsecond line"), dana.texts());

    composer.fill("x".repeat(2001));
    assertThat(dana.page().locator("#counter")).hasText("2001 / 2000");
    assertThat(send).isDisabled();
    assertThat(dana.page().locator("#composer-error")).containsText("1 character too long");
    composer.press("Enter");
    assertThat(composer).hasValue("x".repeat(2001));
    composer.press("Backspace");
    assertThat(send).isEnabled();
    composer.press("Enter");
    assertThat(dana.messages()).hasCount(2);
    assertEquals(2000, dana.texts().get(1).length());

    // The phone layout: channels sit behind a button.
    assertThat(dana.page().locator("#sidebar")).not().isInViewport();
    dana.screenshot("chat-phone.png");
    dana.page().getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show channels")).click();
    assertThat(dana.page().locator("#sidebar")).isInViewport();
    dana.screenshot("channels-phone.png");
    dana.page().keyboard().press("Escape");
    assertThat(dana.page().locator("#sidebar")).not().isInViewport();
    assertEquals(List.of(), dana.consoleErrors());
  }

  @Test
  void signing_out_and_back_in_on_the_other_node_reopens_the_last_channel() {
    ChatClient setup = nodes.signInOnA("Setup");
    String first = TestNodes.newChannel(setup);
    String second = TestNodes.newChannel(setup);
    Person frank = BROWSERS.person("Frank " + UUID.randomUUID().toString().substring(0, 6)).signIn(nodes.a().publicUrl());
    frank.open(first);
    frank.open(second);
    assertThat(frank.page().locator("#presence")).containsText(frank.name());
    // A second tab of the same person (a second socket of a user already here) is told who is here too.
    Page secondTab = frank.page().context().newPage();
    secondTab.navigate(nodes.a().publicUrl() + "/#/c/" + second);
    assertThat(secondTab.locator("#channel-title")).hasText("#" + second);
    assertThat(secondTab.locator("#presence li")).hasCount(1);
    assertThat(secondTab.locator("#presence")).containsText(frank.name());
    secondTab.close();

    frank.page().getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
    assertThat(frank.page().locator("#signin")).isVisible();
    assertEquals(401, frank.page().request().get(nodes.a().publicUrl() + "/api/me").status());

    frank.signIn(nodes.b().publicUrl());
    assertThat(frank.page().locator("#channel-title")).hasText("#" + second);
    assertThat(frank.page().locator(".channel-link[aria-current=page]")).hasText("#" + second);
    assertEquals(List.of(), frank.consoleErrors());
  }
}
