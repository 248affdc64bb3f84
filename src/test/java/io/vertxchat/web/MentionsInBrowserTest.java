package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.vertxchat.support.TestNodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mentions as people see them, two people on two nodes in Debian's Chromium: "@Bob" is highlighted
 * for Bob as a mention of him, a name of nobody stays plain text, and while his tab is hidden a
 * mention (and only a mention) shows one browser notification. Notifications are recorded by an
 * init script that wraps {@code window.Notification}; the tab's visibility is set by another.
 */
@Timeout(90)
class MentionsInBrowserTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static TestNodes nodes;

  /** Records every notification and permission request; the page is visible until the test says otherwise. */
  private static final String RECORD_NOTIFICATIONS = """
    (() => {
      let visibility = "visible";
      window.__setVisibility = (value) => {
        visibility = value;
        document.dispatchEvent(new Event("visibilitychange"));
      };
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
      Object.defineProperty(document, "hidden", { configurable: true, get: () => visibility === "hidden" });
      window.__notifications = [];
      window.__permissionRequests = 0;
      const Real = window.Notification;
      if (!Real) {
        return;
      }
      class Recording extends Real {
        constructor(title, options) {
          super(title, options);
          window.__notifications.push({ title, body: options && options.body, notification: this });
        }
      }
      Object.defineProperty(Recording, "permission", { get: () => Real.permission });
      Recording.requestPermission = (...args) => {
        window.__permissionRequests += 1;
        return Real.requestPermission(...args);
      };
      window.Notification = Recording;
    })();
    """;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private static Person withRecordedNotifications(Person person, boolean granted) {
    person.page().context().addInitScript(RECORD_NOTIFICATIONS);
    if (granted) {
      person.page().context().grantPermissions(List.of("notifications"));
    }
    return person;
  }

  private static List<Map<String, Object>> notifications(Person person) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list = (List<Map<String, Object>>) person.page()
      .evaluate("() => window.__notifications.map(n => ({ title: n.title, body: n.body }))");
    return list;
  }

  @Test
  void bob_sees_his_mention_highlighted_and_gets_a_notification_only_while_his_tab_is_hidden() {
    String channel = TestNodes.newChannel(nodes.signInOnA("Setup"));
    String other = TestNodes.newChannel(nodes.signInOnA("Setup"));
    Person ann = withRecordedNotifications(BROWSERS.person("Ann"), false).signIn(nodes.a().publicUrl());
    Person bob = withRecordedNotifications(BROWSERS.person("Bob"), true).signIn(nodes.b().publicUrl());
    ann.open(channel);
    bob.open(channel);

    // Nobody is asked for permission on load: Ann (not asked yet) sees the button, Bob (granted) not.
    Locator enable = ann.page().locator("#enable-notifications");
    assertThat(enable).isVisible();
    assertThat(bob.page().locator("#enable-notifications")).isHidden();
    assertEquals(0, ann.page().evaluate("() => window.__permissionRequests"));
    assertEquals(0, bob.page().evaluate("() => window.__permissionRequests"));

    // While Bob's tab is visible: highlighted, no notification.
    ann.say("hello @Bob, the build is green; @nobody knows why");
    Locator mention = bob.message("hello @Bob, the build is green; @nobody knows why");
    assertThat(mention).hasClass(Pattern.compile("\\bmentions-me\\b"));
    Locator spans = mention.locator(".message-text .mention");
    assertThat(spans).hasCount(1);
    assertThat(spans).hasText("@Bob");
    assertThat(spans).hasClass(Pattern.compile("\\bmention-me\\b"));
    Locator annSees = ann.message("hello @Bob, the build is green; @nobody knows why").locator(".mention");
    assertThat(annSees).hasText("@Bob");
    assertThat(annSees).not().hasClass(Pattern.compile("\\bmention-me\\b"));
    assertThat(ann.message("hello @Bob, the build is green; @nobody knows why")).not().hasClass(Pattern.compile("\\bmentions-me\\b"));

    // Hidden: a plain message shows no notification, a mention one, with Ann's name and the text.
    bob.page().evaluate("() => window.__setVisibility('hidden')");
    ann.say("lunch is at noon");
    assertThat(bob.message("lunch is at noon")).isVisible();
    assertThat(bob.message("lunch is at noon")).not().hasClass(Pattern.compile("\\bmentions-me\\b"));
    ann.say("@bob can you look at the release notes?");
    assertThat(bob.message("@bob can you look at the release notes?").locator(".mention-me")).hasText("@bob");
    bob.page().waitForFunction("() => window.__notifications.length > 0");
    List<Map<String, Object>> shown = notifications(bob);
    assertEquals(1, shown.size(), () -> "notifications: " + shown);
    assertEquals("Ann mentioned you in #" + channel, shown.get(0).get("title"));
    assertEquals("@bob can you look at the release notes?", shown.get(0).get("body"));
    bob.screenshot("mentions.png");

    // A click on the notification brings Bob back to the channel.
    bob.page().evaluate("name => { window.location.hash = '#/c/' + name; }", other);
    assertThat(bob.page().locator("#channel-title")).hasText("#" + other);
    bob.page().evaluate("() => window.__notifications[0].notification.onclick()");
    assertThat(bob.page().locator("#channel-title")).hasText("#" + channel);
    assertThat(bob.message("@bob can you look at the release notes?")).isVisible();
    assertEquals(1, notifications(bob).size(), "history loaded on opening notifies nothing");

    // Ann asks for permission by clicking: the one request.
    enable.click();
    ann.page().waitForFunction("() => window.__permissionRequests === 1");
    assertEquals(0, notifications(ann).size(), "Ann's own mention of Bob notifies her nothing");
    assertEquals(List.of(), bob.consoleErrors());
    assertEquals(List.of(), ann.consoleErrors());
    ann.screenshot("mentions-ann.png");
  }
}
