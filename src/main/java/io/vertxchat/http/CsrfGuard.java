package io.vertxchat.http;

import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.http.auth.ClusterSecrets;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Set;

/**
 * Double-submit CSRF check with vertx-web CSRFHandler's names: the {@code XSRF-TOKEN} cookie's
 * value must come back in the {@code X-XSRF-TOKEN} header of every state-changing request,
 * otherwise 403. The token is bound to the session id by an HMAC with the cluster-wide secret,
 * so it is checked on any node without writing the session (vertx-web's CSRFHandler stores the
 * token in the session, and a clustered session written after the response races the next
 * request). A new session id (sign-in) gets a new token on the next request.
 */
final class CsrfGuard implements Handler<RoutingContext> {
  static final String COOKIE = "XSRF-TOKEN";
  static final String HEADER = "X-XSRF-TOKEN";
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final byte[] secret;
  private final boolean secureCookie;

  CsrfGuard(String secret, boolean secureCookie) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.secureCookie = secureCookie;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String sessionId = ctx.session() == null ? "" : ctx.session().id();
    Cookie cookie = ctx.request().getCookie(COOKIE);
    String token = cookie == null ? null : cookie.getValue();
    boolean valid = token != null && validFor(token, sessionId);
    if (!SAFE.contains(ctx.request().method())) {
      String header = ctx.request().getHeader(HEADER);
      if (!valid || header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8))) {
        HttpErrors.send(ctx, ErrorCodes.FORBIDDEN, "missing or wrong " + HEADER + " header (copy the " + COOKIE
          + " cookie's value)");
        return;
      }
    }
    if (!valid) {
      issue(ctx, sessionId);
    }
    ctx.next();
  }

  private void issue(RoutingContext ctx, String sessionId) {
    String nonce = ClusterSecrets.randomToken(18);
    Cookie cookie = Cookie.cookie(COOKIE, nonce + "." + mac(nonce, sessionId))
      .setPath("/")
      .setHttpOnly(false)
      .setSecure(secureCookie)
      .setSameSite(CookieSameSite.STRICT);
    ctx.response().addCookie(cookie);
  }

  private boolean validFor(String token, String sessionId) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    String expected = mac(token.substring(0, dot), sessionId);
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
      token.substring(dot + 1).getBytes(StandardCharsets.UTF_8));
  }

  private String mac(String nonce, String sessionId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(nonce.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      mac.update(sessionId.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
