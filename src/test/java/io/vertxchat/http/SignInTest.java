package io.vertxchat.http;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sign-in against a standard OpenID Connect provider: mock-oauth2-server, a real OIDC server
 * (discovery, JWKS, code flow) in the test JVM, configured as the generic {@code oidc} provider.
 */
@Timeout(90)
class SignInTest {
  private static MockOAuth2Server idp;
  private static ChatNode node;
  private static Vertx vertx;
  private static WebClient web;

  @BeforeAll
  static void start() throws Exception {
    idp = new MockOAuth2Server(OAuth2Config.Companion.fromJson("{\"interactiveLogin\":true}"));
    idp.start(InetAddress.getByName("127.0.0.1"), TestPostgres.freePort());
    node = TestNodes.single(TestPostgres.get().newDatabaseUrl(), Map.of(
      "CHAT_DEV_LOGIN", "false",
      "CHAT_OIDC_ISSUER", idp.issuerUrl("default").toString(),
      "CHAT_OIDC_CLIENT_ID", "vertx-chat",
      "CHAT_OIDC_CLIENT_SECRET", "test-secret"));
    vertx = Vertx.vertx();
    web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
    idp.shutdown();
  }

  private static HttpResponse<Buffer> get(WebClientSession browser, String url) throws Exception {
    URI uri = URI.create(url.startsWith("http") ? url : node.publicUrl() + url);
    return browser.get(uri.getPort(), uri.getHost(), uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
      .send().await(20, TimeUnit.SECONDS);
  }

  /** Logs in at the provider's form and returns the callback URL it redirects to. */
  private static String authorizeAtProvider(WebClientSession browser, String authorizeUrl, String user) throws Exception {
    URI uri = URI.create(authorizeUrl);
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
      .add("username", user)
      .add("claims", new JsonObject().put("name", user + " Example").put("email", user + "@example.org").encode());
    HttpResponse<Buffer> response = browser.post(uri.getPort(), uri.getHost(), uri.getRawPath() + "?" + uri.getRawQuery())
      .sendForm(form).await(20, TimeUnit.SECONDS);
    assertEquals(302, response.statusCode(), response::bodyAsString);
    return response.getHeader("Location");
  }

  @Test
  void the_provider_list_names_the_configured_provider() throws Exception {
    var providers = get(WebClientSession.create(web), "/api/providers").bodyAsJsonArray();
    assertEquals(1, providers.size());
    assertEquals("oidc", providers.getJsonObject(0).getString("id"));
  }

  @Test
  void a_full_code_flow_ends_in_a_session_and_a_profile() throws Exception {
    WebClientSession browser = WebClientSession.create(web);
    HttpResponse<Buffer> login = get(browser, "/auth/login/oidc");
    assertEquals(302, login.statusCode());
    String authorize = login.getHeader("Location");
    assertTrue(authorize.startsWith(idp.issuerUrl("default").toString()), authorize);
    assertTrue(authorize.contains("state="), "state");
    assertTrue(authorize.contains("code_challenge=") && authorize.contains("code_challenge_method=S256"), "PKCE");
    assertTrue(authorize.contains("nonce="), "nonce");
    String cookieBefore = sessionCookie(browser);

    String callback = authorizeAtProvider(browser, authorize, "erin");
    HttpResponse<Buffer> done = get(browser, callback);
    assertEquals(302, done.statusCode(), done::bodyAsString);
    assertEquals("/", done.getHeader("Location"));
    assertNotEquals(cookieBefore, sessionCookie(browser), "sign-in gives the session a new id");

    HttpResponse<Buffer> me = get(browser, "/api/me");
    assertEquals(200, me.statusCode(), me::bodyAsString);
    JsonObject user = me.bodyAsJsonObject();
    assertEquals("erin Example", user.getString("name"));
    assertEquals("oidc", user.getString("provider"));
    assertNotNull(user.getValue("id"));
    assertTrue(user.containsKey("avatarUrl") && user.containsKey("profileUrl"));

    // Signing in again updates the same user rather than creating another.
    String again = authorizeAtProvider(browser, get(browser, "/auth/login/oidc").getHeader("Location"), "erin");
    assertEquals(302, get(browser, again).statusCode());
    assertEquals(user.getValue("id"), get(browser, "/api/me").bodyAsJsonObject().getValue("id"));
  }

  @Test
  void a_callback_with_a_wrong_state_is_rejected() throws Exception {
    WebClientSession browser = WebClientSession.create(web);
    String authorize = get(browser, "/auth/login/oidc").getHeader("Location");
    String callback = authorizeAtProvider(browser, authorize, "frank");
    String forged = callback.replaceAll("state=[^&]+", "state=forged");
    HttpResponse<Buffer> response = get(browser, forged);
    assertEquals(400, response.statusCode());
    assertEquals("invalid", response.bodyAsJsonObject().getString("error"));
    assertEquals(401, get(browser, "/api/me").statusCode(), "no session came of it");
  }

  @Test
  void a_callback_in_another_browser_is_rejected() throws Exception {
    WebClientSession victim = WebClientSession.create(web);
    String callback = authorizeAtProvider(victim, get(victim, "/auth/login/oidc").getHeader("Location"), "gina");
    WebClientSession attacker = WebClientSession.create(web);
    assertEquals(400, get(attacker, callback).statusCode(), "the state belongs to the session that started");
  }

  @Test
  void api_routes_without_a_session_answer_401_json() throws Exception {
    WebClientSession browser = WebClientSession.create(web);
    for (String path : new String[] {"/api/me", "/api/channels", "/api/channels/general/messages"}) {
      HttpResponse<Buffer> response = get(browser, path);
      assertEquals(401, response.statusCode(), path);
      assertEquals("not_signed_in", response.bodyAsJsonObject().getString("error"), path);
      assertNotNull(response.bodyAsJsonObject().getString("message"), path);
    }
  }

  @Test
  void session_cookies_are_http_only_and_same_site() throws Exception {
    HttpResponse<Buffer> response = get(WebClientSession.create(web), "/auth/login/oidc");
    String setCookie = response.cookies().stream().filter(c -> c.startsWith("chat.session=")).findFirst().orElseThrow();
    assertTrue(setCookie.toLowerCase().contains("httponly"), setCookie);
    assertTrue(setCookie.contains("SameSite=Lax"), setCookie);
  }

  @Test
  void an_unknown_provider_is_a_404() throws Exception {
    assertEquals(404, get(WebClientSession.create(web), "/auth/login/nope").statusCode());
    assertEquals(404, get(WebClientSession.create(web), "/auth/login/dev").statusCode(), "dev is off on this node");
  }

  private static String sessionCookie(WebClientSession browser) {
    for (var cookie : browser.cookieStore().get(false, "localhost", "/")) {
      if (cookie.name().equals("chat.session")) {
        return cookie.value();
      }
    }
    return null;
  }
}
