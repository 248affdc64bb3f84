package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.providers.GithubAuth;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the sign-in providers this node's configuration enables, in the order they are shown. */
public final class SignInProviders {
  private SignInProviders() {
  }

  public static Future<Map<String, SignInProvider>> create(Vertx vertx, JsonObject auth, DevIdentityProvider dev) {
    List<Future<SignInProvider>> providers = new ArrayList<>();
    if (!auth.getString("oidcIssuer").isEmpty()) {
      OAuth2Options options = new OAuth2Options()
        .setClientId(auth.getString("oidcClientId"))
        .setClientSecret(emptyToNull(auth.getString("oidcClientSecret")))
        .setSite(auth.getString("oidcIssuer"));
      providers.add(OpenIDConnectAuth.discover(vertx, options)
        .map(oauth2 -> new SignInProvider("oidc", "OpenID Connect", oauth2, true, List.of("openid", "profile", "email")))
        .recover(e -> Future.failedFuture(new IllegalStateException(
          "CHAT_OIDC_ISSUER: discovery at " + auth.getString("oidcIssuer") + " failed: " + e.getMessage(), e))));
    }
    if (!auth.getString("githubClientId").isEmpty()) {
      OAuth2Auth github = GithubAuth.create(vertx, auth.getString("githubClientId"), auth.getString("githubClientSecret"));
      providers.add(Future.succeededFuture(new SignInProvider("github", "GitHub", github, false, List.of("read:user"))));
    }
    if (dev != null) {
      OAuth2Options options = new OAuth2Options()
        .setClientId(DevIdentityProvider.CLIENT_ID)
        .setClientSecret(dev.clientSecret())
        .setSite(dev.issuer())
        .setAuthorizationPath("/authorize")
        .setTokenPath("/token")
        .setUserInfoPath("/userinfo")
        .setJwks(List.of(dev.jwk()))
        .setJWTOptions(new JWTOptions().setIssuer(dev.issuer()).setAudience(List.of(DevIdentityProvider.CLIENT_ID)));
      OAuth2Auth oauth2 = OAuth2Auth.create(vertx, options);
      providers.add(Future.succeededFuture(new SignInProvider("dev", "Development (any name)", oauth2, true,
        List.of("openid", "profile"))));
    }
    return Future.all(providers).map(all -> {
      Map<String, SignInProvider> byId = new LinkedHashMap<>();
      for (int i = 0; i < all.size(); i++) {
        SignInProvider provider = all.resultAt(i);
        byId.put(provider.id(), provider);
      }
      return byId;
    });
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
