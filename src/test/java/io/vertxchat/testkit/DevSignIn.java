package io.vertxchat.testkit;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signing in with the node's development OpenID Connect provider exactly as a browser does, one
 * step at a time so that tests can replay or tamper with a step: {@code GET /auth/login/dev} (302 to
 * the provider), {@code GET} the provider's form, {@code POST} it with a name (302 to the callback
 * with code and state), {@code GET} the callback with the session cookie (302 to {@code /}), then
 * {@code GET /api/me} as the web app does (it also renews the CSRF cookie, which is bound to the
 * session id that sign-in changed). The node checks state, PKCE and nonce; there is no shortcut in
 * the product.
 */
public final class DevSignIn {
  public static final String PROVIDER = "dev";

  private DevSignIn() {
  }

  /** Starts sign-in; completes with the provider's authorize URL. */
  public static Future<String> start(ChatClient client) {
    return client.send(HttpMethod.GET, "/auth/login/" + PROVIDER, null, Map.of())
      .compose(r -> location(r, "GET /auth/login/" + PROVIDER));
  }

  /** Fills in the provider's form with {@code name}; completes with the callback URL (code and state). */
  public static Future<String> authorize(ChatClient client, String authorizeUrl, String name) {
    return client.send(HttpMethod.GET, authorizeUrl, null, Map.of())
      .compose(page -> {
        if (page.statusCode() != 200) {
          return Future.failedFuture("the dev provider's form answered " + page.statusCode() + ": " + page.bodyAsString());
        }
        // The form posts the authorize request's parameters back, as hidden fields, with the name.
        MultiMap form = MultiMap.caseInsensitiveMultiMap();
        query(authorizeUrl).forEach(form::add);
        form.add("username", name);
        return client.sendForm(authorizeUrl.split("\\?", 2)[0], form);
      })
      .compose(r -> location(r, "the dev provider's form"));
  }

  /** The whole flow; completes with the callback's response, a 302 to {@code /}, once {@code /api/me} answers. */
  public static Future<HttpResponse<Buffer>> signIn(ChatClient client, String name) {
    return start(client)
      .compose(authorize -> authorize(client, authorize, name))
      .compose(callback -> client.send(HttpMethod.GET, callback, null, Map.of()))
      .compose(done -> {
        if (done.statusCode() != 302 || !"/".equals(done.getHeader("Location"))) {
          return Future.failedFuture("the sign-in callback answered " + done.statusCode() + ": " + done.bodyAsString());
        }
        return client.send(HttpMethod.GET, "/api/me", null, Map.of()).compose(me -> {
          if (me.statusCode() != 200) {
            return Future.failedFuture("/api/me after sign-in answered " + me.statusCode() + ": " + me.bodyAsString());
          }
          client.signedIn(me.bodyAsJsonObject());
          return Future.succeededFuture(done);
        });
      });
  }

  /** The decoded query parameters of a URL, in order. */
  public static Map<String, String> query(String url) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(url).getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  private static Future<String> location(HttpResponse<Buffer> response, String step) {
    String location = response.getHeader("Location");
    if (response.statusCode() != 302 || location == null) {
      return Future.failedFuture(step + ": expected a redirect, got " + response.statusCode() + ": " + response.bodyAsString());
    }
    return Future.succeededFuture(location);
  }
}
