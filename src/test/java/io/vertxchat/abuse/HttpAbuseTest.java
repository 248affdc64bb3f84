package io.vertxchat.abuse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import io.vertxchat.testkit.DevSignIn;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.vertxchat.abuse.AbuseFixture.counts;
import static io.vertxchat.abuse.AbuseFixture.nodes;
import static io.vertxchat.abuse.AbuseFixture.nodesStillAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and abuse over HTTP: CSRF on state-changing routes, bad API bodies and parameters,
 * path traversal on static files, a tampered OAuth2 callback and session fixation. Every row
 * checks the status and the contract's JSON error, that no row was stored, and that the nodes
 * still answer.
 */
class HttpAbuseTest {
  private static ChatClient alice;
  private static ChatClient bob;
  private static String base;

  @BeforeAll
  static void people() {
    TestNodes nodes = nodes();
    base = nodes.a().publicUrl();
    alice = nodes.signInOnA("http-alice");
    bob = nodes.signInOnA("http-bob");
    alice.csrfToken();
    bob.csrfToken();
  }

  record Row(String name, Runnable check) {
  }

  private static Stream<DynamicTest> run(List<Row> rows) {
    return rows.stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> {
      AbuseFixture.Counts before = counts();
      row.check().run();
      assertEquals(before.messages(), counts().messages(), "no message stored");
      nodesStillAnswer(alice);
    }));
  }

  /** Status and the contract's JSON error shape. */
  static void assertError(int status, HttpResponse<Buffer> response) {
    assertEquals(status, response.statusCode(), () -> "status; body " + response.bodyAsString());
    JsonObject body;
    try {
      body = response.bodyAsJsonObject();
    } catch (RuntimeException e) {
      throw new AssertionError("error body is not JSON: " + response.bodyAsString(), e);
    }
    assertNotNull(body, "an error has a JSON body");
    assertNotNull(body.getString("error"), () -> "error code word in " + body);
    assertNotNull(body.getString("message"), () -> "error message in " + body);
    assertFalse(body.getString("message").isBlank());
  }

  /** A request with alice's cookies and exactly the headers given. */
  static HttpResponse<Buffer> asAlice(HttpMethod method, String path, String body, Map<String, String> headers) {
    var request = AbuseFixture.client().requestAbs(method, base + path).putHeader("Cookie", alice.cookieHeader());
    headers.forEach(request::putHeader);
    return AbuseFixture.await(body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)));
  }

  /** A browser of its own: a cookie jar the row controls, the sign-in flow one step at a time. */
  static ChatClient browser() {
    return new ChatClient(nodes().clientVertx(), base);
  }

  /** The status of {@code GET /api/me}: 200 signed in, 401 not. */
  static int meStatus(ChatClient browser) {
    return browser.get("/api/me").statusCode();
  }

  /** The callback URL with one query parameter replaced (or removed when value is null). */
  static String withParam(String url, String name, String value) {
    URI uri = URI.create(url);
    StringBuilder query = new StringBuilder();
    DevSignIn.query(url).forEach((k, v) -> {
      if (!k.equals(name)) {
        query.append(query.length() == 0 ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    if (value != null) {
      query.append(query.length() == 0 ? "" : "&").append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
    return uri.getScheme() + "://" + uri.getAuthority() + uri.getRawPath() + "?" + query;
  }

  // ---- CSRF

  @TestFactory
  Stream<DynamicTest> state_changing_routes_need_the_csrf_header() {
    List<Row> rows = new ArrayList<>();
    Map<String, Map<String, String>> variants = new java.util.LinkedHashMap<>();
    variants.put("no X-XSRF-TOKEN header", Map.of());
    variants.put("an empty X-XSRF-TOKEN", Map.of("X-XSRF-TOKEN", ""));
    variants.put("a made-up X-XSRF-TOKEN", Map.of("X-XSRF-TOKEN", "abc.def.ghi"));
    variants.put("another user's X-XSRF-TOKEN", Map.of("X-XSRF-TOKEN", "@BOB@"));
    variants.put("the token with one character changed", Map.of("X-XSRF-TOKEN", "@ALICE-1@"));
    variants.put("the token under another header name", Map.of("X-CSRF-TOKEN", "@ALICE@"));
    variants.put("the token as a query parameter only", Map.of());
    for (var variant : variants.entrySet()) {
      rows.add(new Row("POST /api/channels with " + variant.getKey(), () -> {
        String name = "csrf-" + Long.toHexString(System.nanoTime());
        String path = "/api/channels" + (variant.getKey().contains("query") ? "?X-XSRF-TOKEN=" + alice.csrfToken() : "");
        AbuseFixture.Counts before = counts();
        assertError(403, asAlice(HttpMethod.POST, path, new JsonObject().put("name", name).encode(), tokens(variant.getValue())));
        assertEquals(before.channels(), counts().channels(), "no channel created");
      }));
      rows.add(new Row("POST /auth/logout with " + variant.getKey(), () -> {
        String path = "/auth/logout" + (variant.getKey().contains("query") ? "?X-XSRF-TOKEN=" + alice.csrfToken() : "");
        assertError(403, asAlice(HttpMethod.POST, path, null, tokens(variant.getValue())));
        assertEquals(200, alice.get("/api/me").statusCode(), "still signed in");
      }));
    }
    rows.add(new Row("POST /api/channels with a token but no session cookie", () -> {
      var request = AbuseFixture.client().postAbs(base + "/api/channels").putHeader("X-XSRF-TOKEN", alice.csrfToken())
        .putHeader("Cookie", "XSRF-TOKEN=" + alice.csrfToken());
      AbuseFixture.Counts before = counts();
      HttpResponse<Buffer> response = AbuseFixture.await(request.sendBuffer(Buffer.buffer("{\"name\":\"no-session-x\"}")));
      assertTrue(response.statusCode() == 403 || response.statusCode() == 401, () -> "status " + response.statusCode());
      assertError(response.statusCode(), response);
      assertEquals(before.channels(), counts().channels());
    }));
    rows.add(new Row("the right token is accepted (control)", () -> {
      AbuseFixture.Counts before = counts();
      assertEquals(201, alice.post("/api/channels", new JsonObject().put("name", "csrf-ok-" + Long.toHexString(System.nanoTime())))
        .statusCode());
      assertEquals(before.channels() + 1, counts().channels());
    }));
    return run(rows);
  }

  private static Map<String, String> tokens(Map<String, String> headers) {
    Map<String, String> resolved = new java.util.HashMap<>();
    headers.forEach((k, v) -> {
      String token = alice.csrfToken();
      String changed = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
      resolved.put(k, v.replace("@BOB@", bob.csrfToken()).replace("@ALICE-1@", changed).replace("@ALICE@", token));
    });
    return resolved;
  }

  // ---- API bodies and parameters

  @TestFactory
  Stream<DynamicTest> bad_channel_bodies_and_parameters_get_json_errors() {
    List<Row> rows = new ArrayList<>();
    String[][] bodies = {
      {"not JSON", "hello"}, {"truncated JSON", "{\"name\":\"abc"}, {"an array", "[\"abc\"]"}, {"a string", "\"abc\""},
      {"empty object", "{}"}, {"null name", "{\"name\":null}"}, {"numeric name", "{\"name\":5}"},
      {"object name", "{\"name\":{}}"}, {"empty name", "{\"name\":\"\"}"}, {"capitals", "{\"name\":\"General\"}"},
      {"51 characters", "{\"name\":\"" + "a".repeat(51) + "\"}"}, {"spaces", "{\"name\":\"a b\"}"},
      {"traversal", "{\"name\":\"../etc\"}"}, {"SQL", "{\"name\":\"x'); DROP TABLE channels;--\"}"},
      {"accented", "{\"name\":\"caf\u00e9\"}"}, {"leading dash", "{\"name\":\"-x\"}"},
      {"NUL", "{\"name\":\"x\\u0000\"}"}, {"RTL override", "{\"name\":\"\u202eab\"}"},
      {"zero-width", "{\"name\":\"a\u200bb\"}"}, {"astral", "{\"name\":\"\uD83D\uDE00\"}"}
    };
    for (String[] b : bodies) {
      rows.add(new Row("POST /api/channels " + b[0] + " -> 400", () -> {
        AbuseFixture.Counts before = counts();
        assertError(400, alice.post("/api/channels", b[1]));
        assertEquals(before.channels(), counts().channels(), "no channel created");
      }));
    }
    rows.add(new Row("POST /api/channels with a body over 16 KiB -> 413", () -> {
      AbuseFixture.Counts before = counts();
      assertError(413, alice.post("/api/channels", "{\"name\":\"" + "a".repeat(20_000) + "\"}"));
      assertEquals(before.channels(), counts().channels());
    }));
    rows.add(new Row("POST /api/channels for a channel that exists -> 409", () -> {
      AbuseFixture.Counts before = counts();
      assertError(409, alice.post("/api/channels", "{\"name\":\"general\"}"));
      assertEquals(before.channels(), counts().channels());
    }));
    String[][] params = {
      {"limit=0", "400"}, {"limit=101", "400"}, {"limit=abc", "400"}, {"limit=-1", "400"}, {"limit=1.5", "400"},
      {"limit=", "400"}, {"before=abc", "400"}, {"after=x", "400"}, {"after=-1", "400"}, {"before=0", "400"},
      {"after=1%20OR%201=1", "400"}, {"limit=99999999999999999999", "400"}
    };
    for (String[] p : params) {
      rows.add(new Row("GET messages ?" + p[0] + " -> " + p[1],
        () -> assertError(Integer.parseInt(p[1]), alice.get("/api/channels/general/messages?" + p[0]))));
    }
    for (String[] n : new String[][] {{"General", "400"}, {"x'%20OR%20'1'='1", "400"}, {"%2e%2e", "404"},
      {"no-such-channel-h", "404"}, {"a%00b", "400"}}) {
      rows.add(new Row("GET /api/channels/" + n[0] + "/messages -> " + n[1],
        () -> assertError(Integer.parseInt(n[1]), alice.get("/api/channels/" + n[0] + "/messages"))));
    }
    for (String path : new String[] {"/api/me", "/api/channels", "/api/channels/general/messages"}) {
      rows.add(new Row("GET " + path + " without a session -> 401",
        () -> assertError(401, browser().get(path))));
    }
    rows.add(new Row("GET /api/nope -> 404 JSON", () -> assertError(404, alice.get("/api/nope"))));
    rows.add(new Row("GET /auth/login/evil (unknown provider) -> 404", () -> assertError(404, browser().get("/auth/login/evil"))));
    return run(rows);
  }

  // ---- SockJS framed transports (the browser's fallback when WebSockets are blocked)

  @TestFactory
  Stream<DynamicTest> the_sockjs_xhr_transport_works_and_bounds_what_it_reads() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("xhr: open, send a request, poll the reply", () -> {
      String session = "/eventbus/123/" + Long.toHexString(System.nanoTime()) + "abc";
      HttpResponse<Buffer> open = asAlice(HttpMethod.POST, session + "/xhr", null, Map.of("Origin", base));
      assertEquals(200, open.statusCode());
      assertEquals("o", open.bodyAsString().trim());
      String frame = new JsonObject().put("type", "send").put("address", "chat.history").put("replyAddress", "xhr-1")
        .put("body", new JsonObject().put("channel", "general").put("limit", 1)).encode();
      HttpResponse<Buffer> send = asAlice(HttpMethod.POST, session + "/xhr_send",
        new io.vertx.core.json.JsonArray().add(frame).encode(), Map.of("Origin", base, "Content-Type", "text/plain"));
      assertEquals(204, send.statusCode(), () -> "xhr_send: " + send.bodyAsString());
      HttpResponse<Buffer> poll = asAlice(HttpMethod.POST, session + "/xhr", null, Map.of("Origin", base));
      assertTrue(poll.bodyAsString().startsWith("a[") && poll.bodyAsString().contains("xhr-1"), () -> "poll: " + poll.bodyAsString());
    }));
    rows.add(new Row("xhr_send with a body over the frame limit is refused, nothing read into memory", () -> {
      String session = "/eventbus/123/" + Long.toHexString(System.nanoTime()) + "big";
      assertEquals(200, asAlice(HttpMethod.POST, session + "/xhr", null, Map.of("Origin", base)).statusCode());
      String frame = new JsonObject().put("type", "send").put("address", "chat.send")
        .put("body", new JsonObject().put("channel", "general").put("text", "z".repeat(1_000_000))).encode();
      AbuseFixture.Counts before = counts();
      HttpResponse<Buffer> send = asAlice(HttpMethod.POST, session + "/xhr_send",
        new io.vertx.core.json.JsonArray().add(frame).encode(), Map.of("Origin", base, "Content-Type", "text/plain"));
      assertEquals(413, send.statusCode(), () -> "xhr_send: " + send.bodyAsString());
      assertEquals(before.messages(), counts().messages());
    }));
    rows.add(new Row("xhr_send to a session that does not exist -> 404", () -> {
      HttpResponse<Buffer> send = asAlice(HttpMethod.POST, "/eventbus/123/nosuchsession/xhr_send", "[\"{}\"]",
        Map.of("Origin", base, "Content-Type", "text/plain"));
      assertEquals(404, send.statusCode(), () -> "xhr_send: " + send.bodyAsString());
    }));
    return run(rows);
  }

  // ---- Static files

  @TestFactory
  Stream<DynamicTest> path_traversal_never_leaves_the_web_root() {
    String[] paths = {
      "/../pom.xml", "/..%2fpom.xml", "/%2e%2e/pom.xml", "/%2e%2e%2fpom.xml", "/..%5cpom.xml", "/..\\pom.xml",
      "/%252e%252e/pom.xml", "/....//pom.xml", "/.%2e/pom.xml", "/%c0%ae%c0%ae/pom.xml", "/..;/pom.xml",
      "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/webjars/../pom.xml", "/webjars/..%2f..%2f..%2flogback.xml", "/webjars/%2e%2e/%2e%2e/%2e%2e/conf/config.json",
      "/webjars/sockjs-client/1.6.1/../../../../db/migration/V1__users_channels_messages.sql",
      "/avatars/..%2f..%2fpom.xml", "/avatars/../../conf/config.json", "/avatars/%2e%2e%2fconf%2fconfig.json",
      "/conf/config.json", "/webroot/index.html", "/logback.xml", "/META-INF/MANIFEST.MF",
      "/io/vertxchat/Main.class", "/db/migration/V1__users_channels_messages.sql", "/.git/config", "/index.html%00.txt",
      "/dev-oidc/../pom.xml", "/eventbus/../pom.xml", "//etc/passwd", "/%00", "/src/main/java/io/vertxchat/Main.java"
    };
    List<Row> rows = new ArrayList<>();
    for (String path : paths) {
      rows.add(new Row("GET " + path, () -> {
        RawResponse response = raw(path);
        assertTrue(response.status() >= 400 && response.status() < 500 || isIndex(response),
          () -> "status " + response.status() + " for " + path + ": " + response.body());
        for (String secret : new String[] {"<project", "root:x:", "postgresql://", "\"poolSize\"", "<configuration",
          "CREATE TABLE", "[core]", "Main-Class", "package io.vertxchat"}) {
          assertFalse(response.body().contains(secret), () -> path + " leaked " + secret);
        }
      }));
    }
    rows.add(new Row("GET / serves the app (control)", () -> assertTrue(isIndex(raw("/")))));
    return run(rows);
  }

  record RawResponse(int status, String body) {
  }

  private static boolean isIndex(RawResponse response) {
    return response.status() == 200 && response.body().toLowerCase().contains("<!doctype html");
  }

  /** One request with the path byte for byte as given: no client normalises it first. */
  private static RawResponse raw(String path) {
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      int split = text.indexOf("\r\n\r\n");
      return new RawResponse(status, split < 0 ? "" : text.substring(split + 4));
    } catch (IOException e) {
      throw new AssertionError("raw request " + path + " failed: " + e, e);
    }
  }

  // ---- OAuth2 callback and sessions

  @TestFactory
  Stream<DynamicTest> a_tampered_or_replayed_callback_signs_no_one_in() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("callback with a wrong state -> 400, not signed in", () -> {
      ChatClient browser = browser();
      String callback = browser.authorize(browser.startSignIn(), "mallory");
      assertError(400, browser.get(withParam(callback, "state", "not-the-state")));
      assertEquals(401, meStatus(browser));
    }));
    rows.add(new Row("callback without a state -> 400, not signed in", () -> {
      ChatClient browser = browser();
      String callback = browser.authorize(browser.startSignIn(), "mallory");
      assertError(400, browser.get(withParam(callback, "state", null)));
      assertEquals(401, meStatus(browser));
    }));
    rows.add(new Row("callback in a browser that never started sign-in -> 400", () -> {
      ChatClient victim = browser();
      String callback = victim.authorize(victim.startSignIn(), "victim");
      ChatClient other = browser();
      assertError(400, other.get(callback));
      assertEquals(401, meStatus(other));
    }));
    rows.add(new Row("callback with the right state but no code -> 400", () -> {
      ChatClient browser = browser();
      String callback = browser.authorize(browser.startSignIn(), "mallory");
      assertError(400, browser.get(withParam(callback, "code", null)));
      assertEquals(401, meStatus(browser));
    }));
    rows.add(new Row("callback with a made-up code -> 401", () -> {
      ChatClient browser = browser();
      String callback = browser.authorize(browser.startSignIn(), "mallory");
      assertError(401, browser.get(withParam(callback, "code", "made-up-code")));
      assertEquals(401, meStatus(browser));
    }));
    rows.add(new Row("a code used once cannot be used again -> 401", () -> {
      ChatClient first = browser();
      String callback = first.authorize(first.startSignIn(), "reuse-victim");
      assertEquals(302, first.get(callback).statusCode());
      assertEquals(200, meStatus(first));
      ChatClient attacker = browser();
      String own = attacker.authorize(attacker.startSignIn(), "attacker");
      String replay = withParam(own, "code", DevSignIn.query(callback).get("code"));
      assertError(401, attacker.get(replay));
      assertEquals(401, meStatus(attacker));
    }));
    rows.add(new Row("a stolen unused code with the thief's own state fails PKCE -> 401", () -> {
      ChatClient victim = browser();
      String victimCallback = victim.authorize(victim.startSignIn(), "pkce-victim");
      ChatClient thief = browser();
      String own = thief.authorize(thief.startSignIn(), "thief");
      assertError(401, thief.get(withParam(own, "code", DevSignIn.query(victimCallback).get("code"))));
      assertEquals(401, meStatus(thief));
    }));
    rows.add(new Row("callback with error=access_denied -> 401", () -> {
      ChatClient browser = browser();
      browser.startSignIn();
      assertError(401, browser.get("/auth/callback/dev?error=access_denied&state=x"));
      assertEquals(401, meStatus(browser));
    }));
    rows.add(new Row("callback of an unknown provider -> 404", () ->
      assertError(404, browser().get("/auth/callback/evil?code=x&state=y"))));
    rows.add(new Row("replaying a used callback in the same browser -> 400", () -> {
      ChatClient browser = browser();
      String callback = browser.authorize(browser.startSignIn(), "replayer");
      assertEquals(302, browser.get(callback).statusCode());
      assertError(400, browser.get(callback));
    }));
    return run(rows);
  }

  @TestFactory
  Stream<DynamicTest> sign_in_defeats_session_fixation() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("the session cookie changes at sign-in", () -> {
      ChatClient browser = browser();
      String authorize = browser.startSignIn();
      String before = browser.cookie(ChatClient.SESSION_COOKIE);
      assertNotNull(before, "a session exists before sign-in");
      assertEquals(302, browser.get(browser.authorize(authorize, "fixation-1")).statusCode());
      String after = browser.cookie(ChatClient.SESSION_COOKIE);
      assertNotNull(after);
      assertNotEquals(before, after, "a new session id at sign-in");
      assertEquals(200, meStatus(browser));
    }));
    rows.add(new Row("a session cookie planted by an attacker is not signed in after the victim signs in", () -> {
      ChatClient attacker = browser();
      attacker.get("/auth/login/dev");
      String planted = attacker.cookie(ChatClient.SESSION_COOKIE);
      assertNotNull(planted);
      ChatClient victim = browser();
      victim.plant(ChatClient.SESSION_COOKIE, planted);
      assertEquals(302, victim.signIn("fixation-victim").statusCode());
      assertEquals(200, meStatus(victim), "the victim is signed in");
      assertEquals(401, meStatus(attacker), "the attacker's planted session is not");
      BridgeClient socket = AbuseFixture.socket(attacker.cookieHeader(), AbuseFixture.origin());
      try {
        socket.register("chat.channel.general");
        assertEquals(BridgeCodes.REJECTED, socket.await(f -> "err".equals(f.getString("type"))).getValue("body"),
          "nor is a socket opened with it");
      } finally {
        socket.close();
      }
    }));
    rows.add(new Row("a made-up session cookie value is not adopted", () -> {
      ChatClient victim = browser();
      victim.plant(ChatClient.SESSION_COOKIE, "attacker-chosen-session-id-0000000000");
      assertEquals(302, victim.signIn("fixation-victim-2").statusCode());
      assertNotEquals("attacker-chosen-session-id-0000000000", victim.cookie(ChatClient.SESSION_COOKIE));
      ChatClient attacker = browser();
      attacker.plant(ChatClient.SESSION_COOKIE, "attacker-chosen-session-id-0000000000");
      assertEquals(401, meStatus(attacker));
    }));
    rows.add(new Row("after sign-out the old session cookie is dead", () -> {
      ChatClient browser = browser();
      assertEquals(302, browser.signIn("signout-1").statusCode());
      // As the web app does after sign-in: a GET renews the CSRF cookie, bound to the new session id.
      browser.get("/api/providers");
      String old = browser.cookieHeader();
      String token = browser.cookie("XSRF-TOKEN");
      assertEquals(204, browser.request(HttpMethod.POST, "/auth/logout", null, Map.of("X-XSRF-TOKEN", token)).statusCode());
      HttpResponse<Buffer> me = AbuseFixture.await(AbuseFixture.client().getAbs(base + "/api/me").putHeader("Cookie", old).send());
      assertEquals(401, me.statusCode());
    }));
    return run(rows);
  }
}
