package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.http.HttpErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * The authorization-code flow for every provider: {@code /auth/login/{provider}} stores a fresh
 * state, PKCE verifier and nonce in the session and redirects; {@code /auth/callback/{provider}}
 * checks them, exchanges the code, creates or updates the user, rotates the session id and
 * redirects to {@code /}. The session is written before each redirect, since the browser follows
 * at once and may land on another node.
 */
public final class AuthRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AuthRoutes.class);
  /** Session key of the signed-in user's {@code User} JSON (plus subject, for admin checks). */
  public static final String SESSION_USER = "user";
  private static final String SESSION_PENDING = "signin";
  private static final long PENDING_MAX_AGE_MS = 10 * 60_000;

  private final Vertx vertx;
  private final Map<String, SignInProvider> providers;
  private final SessionHandler sessions;
  private final SignedOutSessions signedOut;
  private final String publicUrl;

  public AuthRoutes(Vertx vertx, Map<String, SignInProvider> providers, SessionHandler sessions,
                    SignedOutSessions signedOut, String publicUrl) {
    this.signedOut = signedOut;
    this.vertx = vertx;
    this.providers = providers;
    this.sessions = sessions;
    this.publicUrl = publicUrl;
  }

  /** {@code GET /api/providers}: {@code [{"id","name"}]}. */
  public void list(RoutingContext ctx) {
    JsonArray list = new JsonArray();
    providers.values().forEach(p -> list.add(new JsonObject().put("id", p.id()).put("name", p.name())));
    ctx.json(list);
  }

  public void login(RoutingContext ctx) {
    SignInProvider provider = providers.get(ctx.pathParam("provider"));
    if (provider == null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_FOUND, "no sign-in provider '" + ctx.pathParam("provider") + "'");
      return;
    }
    String state = ClusterSecrets.randomToken(24);
    String verifier = ClusterSecrets.randomToken(48);
    String nonce = ClusterSecrets.randomToken(24);
    ctx.session().put(SESSION_PENDING, new JsonObject()
      .put("provider", provider.id())
      .put("state", state)
      .put("verifier", verifier)
      .put("nonce", nonce)
      .put("at", System.currentTimeMillis()));
    OAuth2AuthorizationURL url = new OAuth2AuthorizationURL()
      .setRedirectUri(callbackUrl(provider))
      .setScopes(provider.scopes())
      .setState(state)
      .setCodeChallenge(challenge(verifier))
      .setCodeChallengeMethod("S256");
    if (provider.openId()) {
      url.putAdditionalParameter("nonce", nonce);
    }
    String location = provider.oauth2().authorizeURL(url);
    sessions.flush(ctx)
      .onSuccess(v -> redirect(ctx, location))
      .onFailure(e -> HttpErrors.send(ctx, ErrorCodes.STORAGE_UNAVAILABLE, "sessions are unavailable, try again"));
  }

  public void callback(RoutingContext ctx) {
    SignInProvider provider = providers.get(ctx.pathParam("provider"));
    if (provider == null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_FOUND, "no sign-in provider '" + ctx.pathParam("provider") + "'");
      return;
    }
    Session session = ctx.session();
    JsonObject pending = session.remove(SESSION_PENDING);
    String state = ctx.request().getParam("state");
    String code = ctx.request().getParam("code");
    if (ctx.request().getParam("error") != null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_SIGNED_IN, "the provider refused sign-in: " + ctx.request().getParam("error"));
      return;
    }
    if (pending == null || !provider.id().equals(pending.getString("provider")) || state == null
      || !MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), pending.getString("state").getBytes(StandardCharsets.UTF_8))
      || System.currentTimeMillis() - pending.getLong("at") > PENDING_MAX_AGE_MS) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "sign-in state does not match this browser; start again");
      return;
    }
    if (code == null || code.isEmpty()) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "the callback carries no code");
      return;
    }
    Oauth2Credentials credentials = new Oauth2Credentials()
      .setFlow(OAuth2FlowType.AUTH_CODE)
      .setCode(code)
      .setRedirectUri(callbackUrl(provider))
      .setCodeVerifier(pending.getString("verifier"));
    provider.oauth2().authenticate(credentials)
      .compose(user -> checkNonce(provider, user, pending.getString("nonce")))
      .compose(provider::profile)
      .compose(profile -> vertx.eventBus().<JsonObject>request(Addresses.SIGN_IN, profile,
        new DeliveryOptions().setSendTimeout(5_000)))
      .compose(reply -> signIn(ctx, reply.body()))
      .onSuccess(v -> redirect(ctx, "/"))
      .onFailure(e -> {
        LOG.warn("sign-in with {} failed: {}", provider.id(), e.getMessage());
        HttpErrors.send(ctx, ErrorCodes.NOT_SIGNED_IN, "sign-in failed: the provider did not accept the code");
      });
  }

  private static Future<User> checkNonce(SignInProvider provider, User user, String nonce) {
    if (!provider.openId()) {
      return Future.succeededFuture(user);
    }
    JsonObject idToken = user.attributes().getJsonObject("idToken");
    if (idToken == null || !nonce.equals(idToken.getString("nonce"))) {
      return Future.failedFuture("the id token's nonce does not match");
    }
    return Future.succeededFuture(user);
  }

  /** A fresh session id at sign-in defeats session fixation; then the session is written before the redirect. */
  private Future<Void> signIn(RoutingContext ctx, JsonObject user) {
    Session session = ctx.session();
    session.regenerateId();
    session.put(SESSION_USER, Shapes.publicUser(user).put("subject", user.getString("subject"))
      .put("email", user.getString("email")));
    LOG.info("user {} signed in with {}", user.getLong("id"), user.getString("provider"));
    io.vertxchat.ops.NodeStats.of(vertx).signIn(user.getString("provider"));
    return sessions.flush(ctx);
  }

  /** {@code POST /auth/logout}: ends the session here and closes its sockets on every node. */
  public void logout(RoutingContext ctx) {
    Session session = ctx.session();
    String id = session.id();
    signedOut.add(id)
      .onFailure(e -> LOG.warn("sign-out of a session not recorded cluster-wide: {}", e.toString()))
      .onComplete(recorded -> {
        vertx.eventBus().publish(Addresses.SESSION_ENDED, new JsonObject().put("session", id));
        session.destroy();
        sessions.flush(ctx).onComplete(v -> ctx.response().setStatusCode(204).end());
      });
  }

  private String callbackUrl(SignInProvider provider) {
    return publicUrl + "/auth/callback/" + provider.id();
  }

  private static void redirect(RoutingContext ctx, String location) {
    ctx.response()
      .setStatusCode(302)
      .putHeader("Location", location)
      .putHeader("Cache-Control", "no-store")
      .end();
  }

  private static String challenge(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
