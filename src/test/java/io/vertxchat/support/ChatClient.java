package io.vertxchat.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A person using a node over HTTP, as a browser would: follows the real sign-in redirects of a
 * provider's authorization-code flow, keeps cookies, and sends the CSRF header on writes.
 * Methods block with a timeout; call them from the test thread, never from an event loop.
 */
public final class ChatClient {
  private static final long TIMEOUT_S = 30;

  private final Vertx vertx;
  private final String baseUrl;
  private final WebClient web;
  private final WebClientSession session;
  private JsonObject me;

  public ChatClient(Vertx vertx, String baseUrl) {
    this.vertx = vertx;
    this.baseUrl = baseUrl;
    this.web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setKeepAlive(true));
    this.session = WebClientSession.create(web);
  }

  /** Signs in through the node's dev provider with the given name and returns the client. */
  public static ChatClient signIn(Vertx vertx, String baseUrl, String name) {
    ChatClient client = new ChatClient(vertx, baseUrl);
    client.signInWithDev(name);
    return client;
  }

  public String baseUrl() {
    return baseUrl;
  }

  public Vertx vertx() {
    return vertx;
  }

  public JsonObject me() {
    if (me == null) {
      me = get("/api/me").bodyAsJsonObject();
    }
    return me;
  }

  /** The dev provider's code flow: login redirect, the provider's form, the callback. */
  public void signInWithDev(String name) {
    String authorize = location(get("/auth/login/dev"));
    HttpResponse<Buffer> page = send(HttpMethod.GET, authorize, null, null);
    if (page.statusCode() != 200) {
      throw new AssertionError("dev login page answered " + page.statusCode() + ": " + page.bodyAsString());
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    queryOf(authorize).forEach(form::add);
    form.add("username", name);
    String callback = location(sendForm(URI.create(authorize).getPath(), authorize, form));
    HttpResponse<Buffer> done = send(HttpMethod.GET, callback, null, null);
    if (done.statusCode() != 302 || !"/".equals(done.getHeader("Location"))) {
      throw new AssertionError("sign-in callback answered " + done.statusCode() + ": " + done.bodyAsString());
    }
    // As the web app does after sign-in: load the profile, which also renews the CSRF cookie
    // (it is bound to the session id, and sign-in gave the session a new id).
    me = null;
    me();
  }

  /** A GET with an explicit Cookie header: another client's cookies, as if the same browser reached this node. */
  public HttpResponse<Buffer> getWithCookie(String path, String cookie) {
    return await(web.get(URI.create(baseUrl).getPort(), URI.create(baseUrl).getHost(), path)
      .putHeader("Cookie", cookie)
      .send());
  }

  public HttpResponse<Buffer> get(String path) {
    return send(HttpMethod.GET, path, null, null);
  }

  /** A state-changing request with the double-submit CSRF header. */
  public HttpResponse<Buffer> post(String path, Object json) {
    String token = csrfToken();
    return send(HttpMethod.POST, path, json, token);
  }

  /** A state-changing request without the CSRF header, to see it refused. */
  public HttpResponse<Buffer> postWithoutCsrf(String path, Object json) {
    return send(HttpMethod.POST, path, json, null);
  }

  public String csrfToken() {
    String token = cookie("XSRF-TOKEN");
    if (token == null) {
      get("/api/providers");
      token = cookie("XSRF-TOKEN");
    }
    return token;
  }

  public String cookie(String name) {
    for (var c : session.cookieStore().get(false, URI.create(baseUrl).getHost(), "/")) {
      if (c.name().equals(name)) {
        return c.value();
      }
    }
    return null;
  }

  /** The Cookie header a browser would send with a WebSocket upgrade to this node. */
  public String cookieHeader() {
    StringBuilder header = new StringBuilder();
    session.cookieStore().get(false, URI.create(baseUrl).getHost(), "/eventbus/websocket").forEach(c -> {
      if (header.length() > 0) {
        header.append("; ");
      }
      header.append(c.name()).append('=').append(c.value());
    });
    return header.toString();
  }

  /** A raw event-bus bridge socket with this client's cookies and the node's own Origin. */
  public BridgeSocket socket() {
    return BridgeSocket.connect(vertx, baseUrl, cookieHeader(), origin());
  }

  public String origin() {
    URI uri = URI.create(baseUrl);
    return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
  }

  private HttpResponse<Buffer> send(HttpMethod method, String pathOrUrl, Object json, String csrf) {
    URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : baseUrl + pathOrUrl);
    var request = session.request(method, uri.getPort(), uri.getHost(),
      uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    if (csrf != null) {
      request.putHeader("X-XSRF-TOKEN", csrf);
    }
    Future<HttpResponse<Buffer>> response = json == null ? request.send()
      : request.sendBuffer(Buffer.buffer(json instanceof JsonObject o ? o.encode() : String.valueOf(json)));
    return await(response);
  }

  private HttpResponse<Buffer> sendForm(String path, String url, MultiMap form) {
    URI uri = URI.create(url);
    return await(session.post(uri.getPort(), uri.getHost(), path).sendForm(form));
  }

  private static String location(HttpResponse<Buffer> response) {
    String location = response.getHeader("Location");
    if (response.statusCode() != 302 || location == null) {
      throw new AssertionError("expected a redirect, got " + response.statusCode() + ": " + response.bodyAsString());
    }
    return location;
  }

  private static Map<String, String> queryOf(String url) {
    Map<String, String> params = new LinkedHashMap<>();
    String query = URI.create(url).getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("timed out or failed: " + e, e);
    }
  }
}
