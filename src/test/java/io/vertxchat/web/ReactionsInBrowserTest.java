package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.options.AriaRole;
import io.vertxchat.support.TestNodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reactions as people use them, in Debian's Chromium on the shared two-node cluster: one person
 * reacts to the other's message from the picker, the other sees it live and adds the same emoji,
 * the first takes theirs back; a reload shows what is stored.
 */
@Timeout(90)
class ReactionsInBrowserTest {
  private static final String THUMBS = "\uD83D\uDC4D";
  private static final String PARTY = "\uD83C\uDF89";
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void two_people_on_two_nodes_react_to_a_message_toggle_and_see_counts_and_names_live_and_after_a_reload() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person alice = BROWSERS.person("Alice").signIn(nodes.a().publicUrl());
    Person bob = BROWSERS.person("Bob").signIn(nodes.b().publicUrl());
    alice.open(channel);
    bob.open(channel);
    alice.say("Release 1.5 is out");
    bob.say("Changelog is in the wiki");

    // Bob reacts to Alice's message from the picker, with the keyboard for the last step.
    Locator onBob = bob.message("Release 1.5 is out");
    onBob.hover();
    Locator add = onBob.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Add reaction"));
    add.click();
    assertThat(add).hasAttribute("aria-expanded", "true");
    Locator picker = onBob.getByRole(AriaRole.MENU);
    assertThat(picker.getByRole(AriaRole.MENUITEM)).hasCount(8);
    assertThat(picker.getByRole(AriaRole.MENUITEM).first()).isFocused();
    bob.page().keyboard().press("Enter"); // the first is 👍
    assertThat(picker).hasCount(0);
    assertThat(add).isFocused();

    Locator bobsChip = onBob.locator(".reaction-chip[data-emoji='" + THUMBS + "']");
    assertThat(bobsChip).hasCount(1);
    assertThat(bobsChip).hasAttribute("aria-pressed", "true");
    assertThat(bobsChip.locator(".reaction-count")).hasText("1");

    // Alice, on the other node, sees it live: count 1, Bob's name in the title, not pressed.
    Locator onAlice = alice.message("Release 1.5 is out").locator(".reaction-chip[data-emoji='" + THUMBS + "']");
    assertThat(onAlice).hasCount(1);
    assertThat(onAlice.locator(".reaction-emoji")).hasText(THUMBS);
    assertThat(onAlice.locator(".reaction-count")).hasText("1");
    assertThat(onAlice).hasAttribute("title", "Bob reacted with " + THUMBS);
    assertThat(onAlice).hasAttribute("aria-pressed", "false");

    // Alice adds the same emoji by clicking the chip: 2 for both.
    onAlice.click();
    assertThat(onAlice.locator(".reaction-count")).hasText("2");
    assertThat(onAlice).hasAttribute("aria-pressed", "true");
    assertThat(onAlice).hasAttribute("title", "Bob and You reacted with " + THUMBS);
    assertThat(bobsChip.locator(".reaction-count")).hasText("2");
    assertThat(bobsChip).hasAttribute("title", "You and Alice reacted with " + THUMBS);

    // Alice celebrates too, from the picker with the arrow keys: a second chip for both.
    Locator aliceMessage = alice.message("Release 1.5 is out");
    aliceMessage.hover();
    aliceMessage.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Add reaction")).click();
    alice.page().keyboard().press("ArrowRight");
    alice.page().keyboard().press("ArrowRight");
    alice.page().keyboard().press("ArrowRight"); // the fourth is 🎉
    assertThat(aliceMessage.getByRole(AriaRole.MENUITEM, new Locator.GetByRoleOptions().setName("React with " + PARTY))).isFocused();
    alice.page().keyboard().press("Enter");
    assertThat(onBob.locator(".reaction-chip")).hasCount(2);
    assertThat(onBob.locator(".reaction-chip[data-emoji='" + PARTY + "']")).hasAttribute("title", "Alice reacted with " + PARTY);

    // Bob opens the picker on his own message for the screenshot (docs/reactions.png); Escape closes it.
    Locator own = bob.message("Changelog is in the wiki");
    own.hover();
    Locator ownAdd = own.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Add reaction"));
    ownAdd.click();
    assertThat(own.getByRole(AriaRole.MENU)).isVisible();
    bob.screenshot("reactions.png");
    bob.page().keyboard().press("Escape");
    assertThat(own.getByRole(AriaRole.MENU)).hasCount(0);
    assertThat(ownAdd).isFocused();
    assertThat(own.locator(".reaction-chip")).hasCount(0);

    // Bob takes his back, from the keyboard: 1 again, only Alice.
    bobsChip.focus();
    bob.page().keyboard().press("Enter");
    assertThat(bobsChip.locator(".reaction-count")).hasText("1");
    assertThat(bobsChip).hasAttribute("aria-pressed", "false");
    assertThat(bobsChip).hasAttribute("title", "Alice reacted with " + THUMBS);
    assertThat(onAlice.locator(".reaction-count")).hasText("1");
    assertThat(onAlice).hasAttribute("title", "You reacted with " + THUMBS);

    // After a reload the reaction is still there, from the server's history.
    bob.page().reload();
    assertThat(bob.page().locator("#status")).hasAttribute("data-state", "connected");
    assertThat(bob.message("Release 1.5 is out").locator(".reaction-chip")).hasCount(2);
    Locator reloaded = bob.message("Release 1.5 is out").locator(".reaction-chip[data-emoji='" + THUMBS + "']");
    assertThat(reloaded.locator(".reaction-count")).hasText("1");
    assertThat(reloaded).hasAttribute("title", "Alice reacted with " + THUMBS);
    assertThat(bob.message("Changelog is in the wiki").locator(".reaction-chip")).hasCount(0);

    assertEquals(List.of(), alice.consoleErrors());
    assertEquals(List.of(), bob.consoleErrors());
    assertEquals(List.of(), alice.failedResponses());
    assertEquals(List.of(), bob.failedResponses());
  }
}
