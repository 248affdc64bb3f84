package io.vertxchat.web;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a person sees when the server says no: a node of its own with strict rate limits (one
 * message per second, two channel creations per minute), so the refusals are certain. Being a lone
 * node (not clustered), it also shows the quick start's set-up works in a browser.
 */
@Timeout(90)
class ServerRefusalsTest {
  @RegisterExtension
  static final Browsers BROWSERS = new Browsers();
  private static ChatNode strict;

  @BeforeAll
  static void node() {
    strict = TestNodes.single(TestPostgres.get().newDatabaseUrl(), Map.of(
      "CHAT_RATE_SENDS_PER_SECOND", "1",
      "CHAT_RATE_SEND_BURST", "1",
      "CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    strict.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void rate_limits_and_taken_names_are_explained_in_plain_words_and_nothing_typed_is_lost() {
    Person gina = BROWSERS.person("Gina").signIn(strict.publicUrl());
    Page page = gina.page();
    String channel = "r-" + UUID.randomUUID().toString().substring(0, 8);
    page.locator("#new-channel-name").fill(channel);
    page.locator("#new-channel button").click();
    assertThat(page.locator("#channel-title")).hasText("#" + channel);

    // A name that is taken, then the limit on creating channels.
    page.locator("#new-channel-name").fill(channel);
    page.locator("#new-channel button").click();
    assertThat(page.locator("#new-channel-error")).hasText("A channel named \"" + channel + "\" already exists.");
    page.locator("#new-channel-name").fill(channel + "-2");
    page.locator("#new-channel button").click();
    assertThat(page.locator("#new-channel-error")).containsText("You are going a bit fast.");
    assertThat(page.locator("#new-channel-error")).containsText("retry in");
    assertThat(page.locator("#channel-title")).hasText("#" + channel);

    // Messages faster than one a second: the refused one comes back into the composer.
    Locator error = page.locator("#composer-error");
    String refused = null;
    for (int i = 1; i <= 10 && refused == null; i++) {
      String text = "quick " + i;
      gina.composer().fill(text);
      gina.composer().press("Enter");
      assertThat(page.locator("#message-list .pending")).hasCount(0);
      if (error.isVisible()) {
        refused = text;
      }
    }
    assertTrue(refused != null, "ten messages in a row were all accepted at one a second");
    assertThat(error).containsText("You are going a bit fast.");
    assertThat(gina.composer()).hasValue(refused);
    assertThat(gina.message(refused)).hasCount(0);
    gina.screenshot("rate-limited.png");

    // Sending it again until the limiter has refilled (it refills by the clock, within a second):
    // as a person would, retry; each refused attempt puts the text back into the composer.
    long deadline = System.currentTimeMillis() + 10_000;
    do {
      page.locator("#send").click();
      assertThat(page.locator("#message-list .pending")).hasCount(0);
    } while (gina.message(refused).count() == 0 && System.currentTimeMillis() < deadline);
    assertThat(gina.message(refused)).hasCount(1);
    assertThat(error).isHidden();
    assertEquals(List.of(), gina.consoleErrors().stream()
      .filter(e -> !e.matches("Failed to load resource: the server responded with a status of (409|429) .*"))
      .toList());
  }
}
