package io.vertxchat.testkit;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A person at a node over HTTP, as a browser: a cookie jar of its own (which a test may read and
 * plant cookies in, as an attacker would), the dev provider's real sign-in flow ({@link DevSignIn}),
 * the double-submit CSRF header on writes, and bridge sockets that carry its cookies.
 *
 * <p>Methods returning a {@link Future} never block (the load generator calls them on its event
 * loop); the others block with a timeout and are for test threads.
 */
public final class ChatClient {
  public static final String SESSION_COOKIE = "chat.session";
  public static final String CSRF_COOKIE = "XSRF-TOKEN";
  public static final String CSRF_HEADER = "X-XSRF-TOKEN";

  private final Vertx vertx;
  private final WebClient web;
  private final String baseUrl;
  private final Map<String, String> jar = Collections.synchronizedMap(new LinkedHashMap<>());
  private volatile JsonObject me;

  /** A client with a WebClient of its own (kept in a field: a collected Vert.x client closes its pool). */
  public ChatClient(Vertx vertx, String baseUrl) {
    this(vertx, webClient(vertx), baseUrl);
  }

  /** A client sharing {@code web} (from {@link #webClient}) with others, each with its own cookie jar. */
  public ChatClient(Vertx vertx, WebClient web, String baseUrl) {
    this.vertx = vertx;
    this.web = web;
    this.baseUrl = baseUrl;
  }

  /** A WebClient as a browser tab uses it here: redirects are the test's to follow, connections kept. */
  public static WebClient webClient(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setKeepAlive(true));
  }

  /** A person signed in through the node's dev provider with {@code name}, blocking. */
  public static ChatClient signIn(Vertx vertx, String baseUrl, String name) {
    ChatClient client = new ChatClient(vertx, baseUrl);
    client.signIn(name);
    return client;
  }

  public String baseUrl() {
    return baseUrl;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The node's origin, as its own page would send it. */
  public String origin() {
    return BridgeClient.originOf(baseUrl);
  }

  // ---- HTTP, never blocking

  /**
   * One request with the jar's cookies and {@code headers} (an explicit {@code Cookie} replaces the
   * jar's); the cookies it sets are remembered before the future completes.
   */
  public Future<HttpResponse<Buffer>> send(HttpMethod method, String pathOrUrl, String body, Map<String, String> headers) {
    URI uri = absolute(pathOrUrl);
    HttpRequest<Buffer> request = web.request(method, uri.getPort(), uri.getHost(), pathAndQuery(uri));
    String cookies = cookieHeader();
    if (!cookies.isEmpty()) {
      request.putHeader("Cookie", cookies);
    }
    headers.forEach(request::putHeader);
    Future<HttpResponse<Buffer>> response = body == null ? request.send() : request.sendBuffer(Buffer.buffer(body));
    return response.map(this::remember);
  }

  /** A form POST with the jar's cookies, as a browser submits a page's form. */
  Future<HttpResponse<Buffer>> sendForm(String url, MultiMap form) {
    URI uri = absolute(url);
    HttpRequest<Buffer> request = web.post(uri.getPort(), uri.getHost(), pathAndQuery(uri));
    String cookies = cookieHeader();
    if (!cookies.isEmpty()) {
      request.putHeader("Cookie", cookies);
    }
    return request.sendForm(form).map(this::remember);
  }

  void signedIn(JsonObject user) {
    me = user;
  }

  // ---- Sign-in, blocking (steps of DevSignIn)

  /** The whole dev sign-in; returns the callback's response (302 to {@code /}). */
  public HttpResponse<Buffer> signIn(String name) {
    return Await.result(DevSignIn.signIn(this, name));
  }

  /** {@link DevSignIn#start}: the provider's authorize URL. */
  public String startSignIn() {
    return Await.result(DevSignIn.start(this));
  }

  /** {@link DevSignIn#authorize}: the callback URL, with code and state. */
  public String authorize(String authorizeUrl, String name) {
    return Await.result(DevSignIn.authorize(this, authorizeUrl, name));
  }

  /** {@code GET /api/me}, once: the signed-in user. */
  public JsonObject me() {
    if (me == null) {
      me = get("/api/me").bodyAsJsonObject();
    }
    return me;
  }

  // ---- HTTP, blocking

  public HttpResponse<Buffer> get(String pathOrUrl) {
    return request(HttpMethod.GET, pathOrUrl, null, Map.of());
  }

  /** A state-changing request with the double-submit CSRF header; {@code json} may be any text. */
  public HttpResponse<Buffer> post(String path, Object json) {
    String token = csrfToken();
    return request(HttpMethod.POST, path, text(json), token == null ? Map.of() : Map.of(CSRF_HEADER, token));
  }

  /** A DELETE with the double-submit CSRF header. */
  public HttpResponse<Buffer> delete(String path) {
    String token = csrfToken();
    return request(HttpMethod.DELETE, path, null, token == null ? Map.of() : Map.of(CSRF_HEADER, token));
  }

  /** A state-changing request without the CSRF header, to see it refused. */
  public HttpResponse<Buffer> postWithoutCsrf(String path, Object json) {
    return request(HttpMethod.POST, path, text(json), Map.of());
  }

  public HttpResponse<Buffer> request(HttpMethod method, String pathOrUrl, String body, Map<String, String> headers) {
    return Await.result(send(method, pathOrUrl, body, headers));
  }

  /** A GET with an explicit Cookie header and without this jar: another browser's cookies, as if it reached this node. */
  public HttpResponse<Buffer> getWithCookie(String path, String cookie) {
    URI uri = absolute(path);
    return Await.result(web.get(uri.getPort(), uri.getHost(), pathAndQuery(uri)).putHeader("Cookie", cookie).send());
  }

  /** The CSRF token: the cookie's value, after a GET that issues one if there is none yet. */
  public String csrfToken() {
    String token = cookie(CSRF_COOKIE);
    if (token == null) {
      get("/api/providers");
      token = cookie(CSRF_COOKIE);
    }
    return token;
  }

  // ---- Cookies

  public String cookie(String name) {
    return jar.get(name);
  }

  /** Puts a cookie in the jar, as an attacker planting one would. */
  public void plant(String name, String value) {
    jar.put(name, value);
  }

  /** The Cookie header this browser sends to the node, also with a WebSocket upgrade. */
  public String cookieHeader() {
    StringBuilder header = new StringBuilder();
    synchronized (jar) {
      jar.forEach((name, value) -> header.append(header.length() == 0 ? "" : "; ").append(name).append('=').append(value));
    }
    return header.toString();
  }

  private HttpResponse<Buffer> remember(HttpResponse<Buffer> response) {
    for (String setCookie : response.cookies()) {
      String pair = setCookie.split(";", 2)[0];
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String name = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1).trim();
      if (value.isEmpty() || setCookie.toLowerCase().contains("max-age=0")) {
        jar.remove(name);
      } else {
        jar.put(name, value);
      }
    }
    return response;
  }

  // ---- Bridge sockets with this browser's cookies and the node's own Origin

  /** A socket to this node, blocking. */
  public BridgeClient socket() {
    return Await.result(connect(BridgeClient.options()));
  }

  /** A socket to this node with these options plus this browser's cookies. */
  public Future<BridgeClient> connect(BridgeClient.Options options) {
    return BridgeClient.connect(vertx, baseUrl, options.cookie(cookieHeader()));
  }

  // ---- URLs

  private URI absolute(String pathOrUrl) {
    return URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : baseUrl + pathOrUrl);
  }

  private static String pathAndQuery(URI uri) {
    return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  private static String text(Object json) {
    return json == null ? null : json instanceof JsonObject o ? o.encode() : String.valueOf(json);
  }
}
