package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.vertxchat.support.TestNodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Private channels, unread counts and direct messages as three people use them, in Chromium on
 * the shared two-node cluster: invite, see a channel appear and its count go up and down (in two
 * browsers of one person), open a direct message from an avatar, be removed.
 */
@Timeout(150)
class TeamChatInBrowserTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private static Locator link(Person person, String channel) {
    return person.page().locator(".channel-link[data-channel='" + channel + "']");
  }

  @Test
  void invite_count_unread_in_two_browsers_write_directly_and_be_removed() {
    String suffix = UUID.randomUUID().toString().substring(0, 4);
    String annName = "Ann" + suffix;
    String bobName = "Bob" + suffix;
    Person ann = BROWSERS.person(annName).signIn(nodes.a().publicUrl());
    Person bob = BROWSERS.person(bobName).signIn(nodes.b().publicUrl());
    Person bobAtWork = BROWSERS.person(bobName).signIn(nodes.a().publicUrl());
    Person cat = BROWSERS.person("Cat" + suffix).signIn(nodes.b().publicUrl());
    bob.open("general");
    bobAtWork.open("general");

    // Ann creates a private channel in the sidebar and adds Bob by name.
    String channel = "plans-" + suffix;
    Page page = ann.page();
    page.locator("#new-channel-name").fill(channel);
    page.locator("#new-channel-private").check();
    page.locator("#new-channel button").click();
    assertThat(page.locator("#channel-title")).hasText("#" + channel);
    assertThat(link(ann, channel).locator(".lock")).isVisible();
    page.locator("#show-members").click();
    page.locator("#invite-name").fill(bobName);
    page.locator("#invite button").click();
    assertThat(page.locator("#member-list li")).hasCount(2);
    page.locator("#close-members").click();

    // It appears for Bob in both his browsers without a reload; never for Cat.
    assertThat(link(bob, channel)).isVisible();
    assertThat(link(bobAtWork, channel)).isVisible();

    ann.say("Kick-off on Monday");
    ann.say("Bring the numbers");
    assertThat(link(bob, channel).locator(".badge.unread")).hasText("2");
    assertThat(link(bobAtWork, channel).locator(".badge.unread")).hasText("2");
    assertThat(link(cat, channel)).hasCount(0);

    // Bob reads it on one node: the "New messages" line is where he left off, and both browsers clear.
    link(bob, channel).click();
    assertThat(bob.page().locator("#channel-title")).hasText("#" + channel);
    assertThat(bob.message("Kick-off on Monday")).hasClass(java.util.regex.Pattern.compile("first-unread"));
    assertThat(link(bob, channel).locator(".badge")).hasCount(0);
    assertThat(link(bobAtWork, channel).locator(".badge")).hasCount(0);
    bob.say("Count me in");
    assertThat(link(ann, channel).locator(".badge")).hasCount(0); // own sends never count

    // A direct message from Ann's avatar: it opens for Bob and counts for Ann in its own list.
    ann.open("general");
    bob.message("Kick-off on Monday").locator(".avatar-link").click();
    assertThat(bob.page().locator("#channel-title")).hasText("@" + annName);
    bob.say("Can we talk numbers first?");
    Locator dmForAnn = ann.page().locator("#direct-list .channel-link");
    assertThat(dmForAnn).hasText(java.util.regex.Pattern.compile(bobName));
    assertThat(dmForAnn.locator(".badge.unread")).hasText("1");
    dmForAnn.click();
    assertThat(ann.page().locator("#channel-title")).hasText("@" + bobName);
    assertThat(ann.message("Can we talk numbers first?")).isVisible();
    ann.say("Sure, 10 minutes");
    assertThat(bob.message("Sure, 10 minutes")).isVisible();
    ann.screenshot("direct-message.png");

    // Back in #general, Bob sees a mention of him counted apart, and the direct message counted.
    bob.open("general");
    ann.open(channel);
    ann.say("@" + bobName + " the numbers are in the sheet");
    dmForAnn.click();
    assertThat(ann.page().locator("#channel-title")).hasText("@" + bobName);
    ann.say("ping me when you have read it");
    assertThat(link(bob, channel).locator(".badge.mention")).hasText("@1");
    assertThat(link(bob, channel).locator(".badge.unread")).hasText("1");
    assertThat(bob.page().locator("#direct-list .channel-link .badge.unread")).hasText("1");
    bob.screenshot("sidebar-unread.png");

    // Ann removes Bob: the channel leaves his sidebar in both browsers, and its page if open.
    bobAtWork.open(channel);
    ann.open(channel);
    ann.page().locator("#show-members").click();
    ann.page().locator("#member-list li", new Page.LocatorOptions().setHasText(bobName)).locator(".remove-member").click();
    assertThat(ann.page().locator("#member-list li")).hasCount(1);
    ann.page().locator("#close-members").click();
    assertThat(link(bob, channel)).hasCount(0);
    assertThat(link(bobAtWork, channel)).hasCount(0);
    assertThat(bobAtWork.page().locator("#channel-title")).hasText("#general");
    ann.say("Now without Bob");
    assertThat(cat.page().locator(".channel-link[data-channel='" + channel + "']")).hasCount(0);

    for (Person person : new Person[] {ann, bob, bobAtWork, cat}) {
      assertEquals(java.util.List.of(), person.consoleErrors(), person.name() + "'s console");
    }
  }
}
