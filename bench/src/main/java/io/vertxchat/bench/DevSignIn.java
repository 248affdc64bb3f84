package io.vertxchat.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One bench user signed in exactly as a browser does with the node's dev provider: GET
 * /auth/login/dev (302 to the provider), GET the provider's form, POST it with a username (302 to
 * the callback), GET the callback with the session cookie (302 to /). No shortcut in the product.
 */
final class DevSignIn {
  private final String baseUrl;
  private final WebClientSession session;

  private DevSignIn(WebClient web, String baseUrl) {
    this.baseUrl = baseUrl;
    this.session = WebClientSession.create(web);
  }

  /** A shared client (keep it referenced: a collected Vert.x client closes its pool). */
  static WebClient client(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setKeepAlive(true));
  }

  static Future<DevSignIn> signIn(WebClient web, String baseUrl, String username) {
    DevSignIn user = new DevSignIn(web, baseUrl);
    return user.flow(username).map(v -> user);
  }

  private Future<Void> flow(String username) {
    return get(baseUrl + "/auth/login/dev")
      .compose(r -> location(r, "login"))
      .compose(authorize -> get(authorize).compose(page -> {
        if (page.statusCode() != 200) {
          return Future.failedFuture("dev login page answered " + page.statusCode());
        }
        MultiMap form = MultiMap.caseInsensitiveMultiMap();
        String query = URI.create(authorize).getRawQuery();
        if (query != null) {
          for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            form.add(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
        form.add("username", username);
        URI uri = absolute(authorize);
        return session.post(uri.getPort(), uri.getHost(), uri.getRawPath()).sendForm(form);
      }))
      .compose(r -> location(r, "provider form"))
      .compose(this::get)
      .compose(done -> done.statusCode() == 302 && "/".equals(done.getHeader("Location"))
        ? Future.succeededFuture()
        : Future.failedFuture("sign-in callback answered " + done.statusCode() + ": " + done.bodyAsString()));
  }

  /** Creates a channel through the REST API (CSRF double submit); an existing one is fine. */
  Future<Void> createChannel(String name) {
    return createChannel(name, 5);
  }

  /**
   * The node rotates the CSRF token after each accepted POST but stores the session after the
   * response, so a POST right after another can meet the previous token and get 403 (a race of
   * the node's session store, reported with the results). Refresh the token and retry then.
   */
  private Future<Void> createChannel(String name, int attempts) {
    Future<String> token = cookie("XSRF-TOKEN") != null ? Future.succeededFuture(cookie("XSRF-TOKEN"))
      : get(baseUrl + "/api/providers").map(r -> cookie("XSRF-TOKEN"));
    return token.compose(csrf -> {
      URI uri = URI.create(baseUrl);
      return session.post(uri.getPort(), uri.getHost(), "/api/channels")
        .putHeader("X-XSRF-TOKEN", csrf)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(new JsonObject().put("name", name).encode()));
    }).compose(r -> {
      if (r.statusCode() == 201 || r.statusCode() == 409) {
        return Future.<Void>succeededFuture();
      }
      if (r.statusCode() == 403 && attempts > 1) {
        csrfRetries++;
        return get(baseUrl + "/api/providers").compose(x -> createChannel(name, attempts - 1));
      }
      return Future.failedFuture("creating channel " + name + " answered " + r.statusCode() + ": " + r.bodyAsString());
    });
  }

  /** How often a channel creation met a stale CSRF token and was retried. */
  static int csrfRetries;

  /** The Cookie header a browser sends with the WebSocket upgrade. */
  String cookieHeader() {
    StringBuilder header = new StringBuilder();
    session.cookieStore().get(false, URI.create(baseUrl).getHost(), "/eventbus/websocket").forEach(c -> {
      if (header.length() > 0) {
        header.append("; ");
      }
      header.append(c.name()).append('=').append(c.value());
    });
    return header.toString();
  }

  private String cookie(String name) {
    for (var c : session.cookieStore().get(false, URI.create(baseUrl).getHost(), "/")) {
      if (c.name().equals(name)) {
        return c.value();
      }
    }
    return null;
  }

  private Future<HttpResponse<Buffer>> get(String url) {
    URI uri = absolute(url);
    return session.get(uri.getPort(), uri.getHost(),
      uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())).send();
  }

  private URI absolute(String url) {
    return URI.create(url.startsWith("http") ? url : baseUrl + url);
  }

  private static Future<String> location(HttpResponse<Buffer> r, String step) {
    String location = r.getHeader("Location");
    if (r.statusCode() != 302 || location == null) {
      return Future.failedFuture(step + " expected a redirect, got " + r.statusCode() + ": " + r.bodyAsString());
    }
    return Future.succeededFuture(location);
  }
}
