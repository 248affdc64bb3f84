package io.vertxchat.abuse;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.vertxchat.abuse.AbuseFixture.await;

/**
 * A browser whose cookie jar the test controls outright: it can plant a cookie, as an attacker
 * would for session fixation, and walk the sign-in flow one step at a time, to replay or mix
 * codes and states.
 */
final class Browser {
  static final String SESSION_COOKIE = "chat.session";

  private final String baseUrl;
  private final WebClient web;
  private final Map<String, String> jar = new LinkedHashMap<>();

  Browser(String baseUrl) {
    this.baseUrl = baseUrl;
    this.web = WebClient.create(AbuseFixture.nodes().clientVertx(), new WebClientOptions().setFollowRedirects(false));
  }

  String cookie(String name) {
    return jar.get(name);
  }

  void plant(String name, String value) {
    jar.put(name, value);
  }

  String cookieHeader() {
    StringBuilder header = new StringBuilder();
    jar.forEach((k, v) -> header.append(header.length() == 0 ? "" : "; ").append(k).append('=').append(v));
    return header.toString();
  }

  HttpResponse<Buffer> get(String pathOrUrl) {
    return request(HttpMethod.GET, pathOrUrl, null, Map.of());
  }

  HttpResponse<Buffer> request(HttpMethod method, String pathOrUrl, String body, Map<String, String> headers) {
    URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : baseUrl + pathOrUrl);
    HttpRequest<Buffer> request = web.request(method, uri.getPort(), uri.getHost(),
      uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    if (!jar.isEmpty()) {
      request.putHeader("Cookie", cookieHeader());
    }
    headers.forEach(request::putHeader);
    HttpResponse<Buffer> response = await(body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)));
    remember(response);
    return response;
  }

  /** Starts sign-in with the dev provider; returns the provider's authorize URL. */
  String startSignIn() {
    HttpResponse<Buffer> login = get("/auth/login/dev");
    return location(login);
  }

  /** Fills the provider's form; returns the callback URL carrying code and state. */
  String authorize(String authorizeUrl, String name) {
    URI uri = URI.create(authorizeUrl);
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    query(authorizeUrl).forEach(form::add);
    form.add("username", name);
    HttpResponse<Buffer> response = await(web.post(uri.getPort(), uri.getHost(), uri.getPath()).sendForm(form));
    return location(response);
  }

  /** The whole flow; returns the callback's response. */
  HttpResponse<Buffer> signIn(String name) {
    return get(authorize(startSignIn(), name));
  }

  int me() {
    return get("/api/me").statusCode();
  }

  private void remember(HttpResponse<Buffer> response) {
    for (String setCookie : response.cookies()) {
      String pair = setCookie.split(";", 2)[0];
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1).trim();
      boolean expired = setCookie.toLowerCase().contains("max-age=0") || value.isEmpty();
      if (expired) {
        jar.remove(name);
      } else {
        jar.put(name, value);
      }
    }
  }

  static String location(HttpResponse<Buffer> response) {
    String location = response.getHeader("Location");
    if (response.statusCode() != 302 || location == null) {
      throw new AssertionError("expected a redirect, got " + response.statusCode() + ": " + response.bodyAsString());
    }
    return location;
  }

  static Map<String, String> query(String url) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(url).getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  /** The callback URL with one query parameter replaced (or removed when value is null). */
  static String withParam(String url, String name, String value) {
    URI uri = URI.create(url);
    StringBuilder query = new StringBuilder();
    query(url).forEach((k, v) -> {
      if (!k.equals(name)) {
        query.append(query.length() == 0 ? "" : "&").append(k).append('=')
          .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    if (value != null) {
      query.append(query.length() == 0 ? "" : "&").append(name).append('=')
        .append(java.net.URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
    return uri.getScheme() + "://" + uri.getAuthority() + uri.getRawPath() + "?" + query;
  }
}
