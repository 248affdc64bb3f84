package io.vertxchat.web;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ScreenshotAnimations;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * One person in their own browser window: signs in through the app's sign-in screen and the dev
 * provider's "type a name" page, like anybody would. Keeps every console error, page error and
 * dialog the page produced, so tests can assert there were none.
 */
final class Person {
  private final String name;
  private final BrowserContext context;
  private final Page page;
  private final List<String> consoleErrors = Collections.synchronizedList(new ArrayList<>());
  private final List<String> dialogs = Collections.synchronizedList(new ArrayList<>());
  private final List<String> failedResponses = Collections.synchronizedList(new ArrayList<>());

  Person(Browser browser, String name, int width, int height) {
    this.name = name;
    this.context = browser.newContext(new Browser.NewContextOptions()
      .setViewportSize(width, height)
      .setLocale("en-GB")
      .setTimezoneId("Europe/Paris"));
    this.page = context.newPage();
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type())) {
        consoleErrors.add(m.text());
      }
    });
    page.onPageError(e -> consoleErrors.add("page error: " + e));
    page.onResponse(r -> {
      if (r.status() >= 400) {
        failedResponses.add(r.status() + " " + r.request().method() + " " + r.url());
      }
    });
    page.onDialog(d -> {
      dialogs.add(d.type() + ": " + d.message());
      d.dismiss();
    });
  }

  String name() {
    return name;
  }

  Page page() {
    return page;
  }

  List<String> consoleErrors() {
    return List.copyOf(consoleErrors);
  }

  /** Responses with status 400 or more, as "status METHOD url". */
  List<String> failedResponses() {
    return List.copyOf(failedResponses);
  }

  List<String> dialogs() {
    return List.copyOf(dialogs);
  }

  /** Opens the app on a node, signs in with the dev provider and waits until the socket is up. */
  Person signIn(String baseUrl) {
    return signIn(baseUrl, null);
  }

  /** As {@link #signIn(String)}, saving the sign-in screens as screenshots when a prefix is given. */
  Person signIn(String baseUrl, String screenshotPrefix) {
    page.navigate(baseUrl + "/");
    Locator dev = page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(Pattern.compile("Sign in with Development")));
    assertThat(dev).isVisible();
    if (screenshotPrefix != null) {
      screenshot(screenshotPrefix + "signin.png");
    }
    dev.click();
    Locator username = page.locator("input[name=username]");
    assertThat(username).isVisible();
    username.fill(name);
    if (screenshotPrefix != null) {
      screenshot(screenshotPrefix + "dev-login.png");
    }
    page.locator("button[type=submit]").click();
    assertThat(page.locator("#status")).hasAttribute("data-state", "connected");
    assertThat(page.locator("#me-name")).hasText(name);
    return this;
  }

  /** Goes to a channel by its address in the app (as a shared link would). */
  void open(String channel) {
    page.evaluate("name => { window.location.hash = '#/c/' + name; }", channel);
    assertThat(page.locator("#channel-title")).hasText("#" + channel);
    assertThat(page.locator("#history-status")).not().hasText("Loading messages…");
  }

  Locator composer() {
    return page.locator("#composer-text");
  }

  /** Types a message and presses Enter, then waits until it is stored (no longer pending). */
  void say(String text) {
    composer().fill(text);
    composer().press("Enter");
    assertThat(page.locator("#message-list .pending")).hasCount(0);
  }

  Locator messages() {
    return page.locator("#message-list li.message:not(.pending)");
  }

  Locator message(String text) {
    return page.locator("#message-list li.message").filter(new Locator.FilterOptions()
      .setHas(page.locator(".message-text").getByText(text, new Locator.GetByTextOptions().setExact(true))));
  }

  /** The texts of the shown messages, top to bottom. */
  List<String> texts() {
    return messages().locator(".message-text").allTextContents();
  }

  List<String> ids() {
    return castList(messages().evaluateAll("els => els.map(e => e.dataset.id)"));
  }

  @SuppressWarnings("unchecked")
  private static List<String> castList(Object value) {
    return (List<String>) value;
  }

  void screenshot(String file) {
    screenshot(Browsers.SCREENSHOTS.resolve(file));
  }

  void screenshot(Path path) {
    page.screenshot(new Page.ScreenshotOptions().setPath(path).setAnimations(ScreenshotAnimations.DISABLED));
  }

  void close() {
    context.close();
  }
}
