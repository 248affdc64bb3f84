package io.vertxchat.web;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium driven by Playwright, one Playwright per test class (each one unpacks its
 * driver, ~134 MB). People opened during a test are closed after it; when a test fails, each
 * person's page is saved under {@code target/screenshots/failures/} first.
 *
 * <p>Use as a static {@code @RegisterExtension} field.
 */
final class Browsers implements BeforeAllCallback, AfterAllCallback, AfterTestExecutionCallback, AfterEachCallback {
  static final Path SCREENSHOTS = Paths.get("target", "screenshots");
  private static final String CHROMIUM = "/usr/bin/chromium";

  private Playwright playwright;
  private Browser browser;
  private final List<Person> people = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    if (!Files.isExecutable(Paths.get(CHROMIUM))) {
      throw new IllegalStateException(CHROMIUM + " is missing: run ./scripts/test.sh (installs Debian's chromium)"
        + " or apt-get install -y chromium");
    }
    Files.createDirectories(SCREENSHOTS);
    playwright = Playwright.create(new Playwright.CreateOptions()
      .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
      .setExecutablePath(Paths.get(CHROMIUM))
      .setHeadless(true)
      .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")));
    PlaywrightAssertions.setDefaultAssertionTimeout(15_000);
  }

  /** A new person (own cookies, own window) at desktop size. */
  Person person(String name) {
    return person(name, 1280, 800);
  }

  Person person(String name, int width, int height) {
    Person person = new Person(browser, name, width, height);
    people.add(person);
    return person;
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    if (context.getExecutionException().isEmpty()) {
      return;
    }
    Path dir = SCREENSHOTS.resolve("failures");
    for (Person person : people) {
      try {
        Files.createDirectories(dir);
        person.screenshot(dir.resolve(context.getRequiredTestMethod().getName() + "-" + person.name() + ".png"));
      } catch (RuntimeException | IOException e) {
        // a page that crashed cannot be photographed; the assertion already says what failed
      }
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    people.forEach(Person::close);
    people.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (browser != null) {
      browser.close();
    }
    if (playwright != null) {
      playwright.close();
    }
  }
}
