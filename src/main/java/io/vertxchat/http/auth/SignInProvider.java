package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;

import java.util.List;

/**
 * One configured way to sign in: an OAuth2 client and how to read a profile from what it returns.
 *
 * @param id       the provider id in routes and in {@code User.provider}: {@code dev}, {@code oidc}, {@code github}
 * @param openId   true for OpenID Connect (id token with nonce), false for plain OAuth2 (GitHub)
 */
public record SignInProvider(String id, String name, OAuth2Auth oauth2, boolean openId, List<String> scopes) {

  /**
   * The profile of a signed-in user, as the persistence upsert takes it:
   * {@code {"provider","subject","name","avatarUrl","profileUrl","email"}}.
   */
  public Future<JsonObject> profile(User user) {
    if (openId) {
      JsonObject claims = user.attributes().getJsonObject("idToken", new JsonObject());
      if (claims.getString("name") != null || claims.getString("preferred_username") != null) {
        return Future.succeededFuture(fromOidc(claims));
      }
      return oauth2.userInfo(user).map(info -> fromOidc(info.mergeIn(claims)));
    }
    return oauth2.userInfo(user).map(this::fromGithub);
  }

  private JsonObject fromOidc(JsonObject claims) {
    String name = firstNonBlank(claims.getString("name"), claims.getString("preferred_username"),
      claims.getString("email"), claims.getString("sub"));
    return new JsonObject()
      .put("provider", id)
      .put("subject", claims.getString("sub"))
      .put("name", name)
      .put("avatarUrl", claims.getString("picture"))
      .put("profileUrl", claims.getString("profile"))
      .put("email", claims.getString("email"));
  }

  private JsonObject fromGithub(JsonObject info) {
    return new JsonObject()
      .put("provider", id)
      .put("subject", String.valueOf(info.getValue("id")))
      .put("name", firstNonBlank(info.getString("name"), info.getString("login")))
      .put("avatarUrl", info.getString("avatar_url"))
      .put("profileUrl", info.getString("html_url"))
      .put("email", info.getString("email"));
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return "anonymous";
  }
}
