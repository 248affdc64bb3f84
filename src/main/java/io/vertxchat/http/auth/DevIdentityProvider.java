package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;

/**
 * The {@code dev} sign-in provider: a small but real OpenID Connect server (discovery, JWKS,
 * authorization code with PKCE, RS256 id tokens, userinfo) mounted under {@code /dev-oidc} of
 * the node itself. Its login page lets a person type any name, so two browser windows can be two
 * people on a machine with no internet. Only enabled with {@code CHAT_DEV_LOGIN=true}: it trusts
 * whatever name is typed. Codes and tokens live in the cluster-wide map, so any node can finish
 * a sign-in that another node started.
 */
public final class DevIdentityProvider {
  public static final String PATH = "/dev-oidc";
  public static final String CLIENT_ID = "chat-dev";
  private static final String CODES = "chat.dev-oidc.codes";
  private static final String TOKENS = "chat.dev-oidc.tokens";
  private static final long CODE_TTL_MS = 120_000;
  private static final long TOKEN_TTL_MS = 600_000;
  private static final long ID_TOKEN_SECONDS = 600;
  private static final int MAX_NAME = 40;

  private final Vertx vertx;
  private final String issuer;
  private final String publicUrl;
  private final String clientSecret;
  private final PrivateKey privateKey;
  private final JsonObject jwk;

  public DevIdentityProvider(Vertx vertx, String publicUrl, JsonObject secrets) {
    this.vertx = vertx;
    this.publicUrl = publicUrl;
    this.issuer = publicUrl + PATH;
    this.clientSecret = secrets.getString("devClientSecret");
    try {
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      Base64.Decoder b64 = Base64.getDecoder();
      privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(secrets.getString("devPrivateKey"))));
      RSAPublicKey publicKey = (RSAPublicKey) rsa.generatePublic(
        new X509EncodedKeySpec(b64.decode(secrets.getString("devPublicKey"))));
      jwk = new JsonObject()
        .put("kty", "RSA")
        .put("use", "sig")
        .put("alg", "RS256")
        .put("kid", "dev-" + sha256(publicKey.getEncoded()).substring(0, 12))
        .put("n", b64url(unsigned(publicKey.getModulus())))
        .put("e", b64url(unsigned(publicKey.getPublicExponent())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("dev sign-in keys are unusable", e);
    }
  }

  public String issuer() {
    return issuer;
  }

  public String clientSecret() {
    return clientSecret;
  }

  public JsonObject jwk() {
    return jwk;
  }

  public Router router() {
    Router router = Router.router(vertx);
    router.get("/.well-known/openid-configuration").handler(this::discovery);
    router.get("/jwks").handler(ctx -> json(ctx, 200, new JsonObject().put("keys", new JsonArray().add(jwk))));
    router.get("/authorize").handler(this::loginPage);
    router.post("/authorize").handler(BodyHandler.create().setBodyLimit(16_384)).handler(this::login);
    router.post("/token").handler(BodyHandler.create().setBodyLimit(16_384)).handler(this::token);
    router.get("/userinfo").handler(this::userInfo);
    router.get("/users/:name").handler(this::profilePage);
    return router;
  }

  private void discovery(RoutingContext ctx) {
    json(ctx, 200, new JsonObject()
      .put("issuer", issuer)
      .put("authorization_endpoint", issuer + "/authorize")
      .put("token_endpoint", issuer + "/token")
      .put("userinfo_endpoint", issuer + "/userinfo")
      .put("jwks_uri", issuer + "/jwks")
      .put("response_types_supported", new JsonArray().add("code"))
      .put("subject_types_supported", new JsonArray().add("public"))
      .put("id_token_signing_alg_values_supported", new JsonArray().add("RS256"))
      .put("code_challenge_methods_supported", new JsonArray().add("S256"))
      .put("scopes_supported", new JsonArray().add("openid").add("profile").add("email"))
      .put("token_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post")));
  }

  /** Checks the authorization request; null when it is fine, else the reason. */
  private String checkAuthorizeRequest(RoutingContext ctx) {
    if (!"code".equals(param(ctx, "response_type"))) {
      return "response_type must be code";
    }
    if (!CLIENT_ID.equals(param(ctx, "client_id"))) {
      return "unknown client_id";
    }
    String redirect = param(ctx, "redirect_uri");
    if (redirect == null || !redirect.equals(publicUrl + "/auth/callback/dev")) {
      return "redirect_uri is not registered";
    }
    if (param(ctx, "code_challenge") == null || !"S256".equals(param(ctx, "code_challenge_method"))) {
      return "PKCE with S256 is required";
    }
    return null;
  }

  private void loginPage(RoutingContext ctx) {
    String problem = checkAuthorizeRequest(ctx);
    if (problem != null) {
      json(ctx, 400, new JsonObject().put("error", "invalid_request").put("error_description", problem));
      return;
    }
    StringBuilder hidden = new StringBuilder();
    for (String name : new String[] {"response_type", "client_id", "redirect_uri", "state", "nonce",
      "code_challenge", "code_challenge_method", "scope"}) {
      String value = param(ctx, name);
      if (value != null) {
        hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
          .append(Html.escape(value)).append("\">");
      }
    }
    String page = """
      <!doctype html><html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Dev sign-in</title><link rel="stylesheet" href="/dev-login.css"></head>
      <body><main class="dev-login"><h1>Development sign-in</h1>
      <p>Type any name. Anyone can be anyone here: this provider exists for local development only.</p>
      <form method="post" action="%s/authorize">%s
      <label for="username">Your name</label>
      <input id="username" name="username" required maxlength="%d" autocomplete="nickname" autofocus>
      <button type="submit">Sign in</button></form></main></body></html>
      """.formatted(PATH, hidden, MAX_NAME);
    ctx.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .putHeader("Cache-Control", "no-store")
      .putHeader("Content-Security-Policy", "default-src 'self'; form-action 'self' " + publicUrl)
      .end(page);
  }

  private void login(RoutingContext ctx) {
    String problem = checkAuthorizeRequest(ctx);
    String name = param(ctx, "username") == null ? "" : param(ctx, "username").strip();
    if (problem == null && (name.isEmpty() || name.codePointCount(0, name.length()) > MAX_NAME)) {
      problem = "a name of 1 to " + MAX_NAME + " characters is required";
    }
    if (problem != null) {
      json(ctx, 400, new JsonObject().put("error", "invalid_request").put("error_description", problem));
      return;
    }
    String code = ClusterSecrets.randomToken(32);
    JsonObject grant = new JsonObject()
      .put("sub", subjectOf(name))
      .put("name", name)
      .put("nonce", param(ctx, "nonce"))
      .put("challenge", param(ctx, "code_challenge"))
      .put("redirect", param(ctx, "redirect_uri"));
    String state = param(ctx, "state");
    String location = param(ctx, "redirect_uri") + "?code=" + code
      + (state == null ? "" : "&state=" + java.net.URLEncoder.encode(state, StandardCharsets.UTF_8));
    map(CODES)
      .compose(codes -> codes.put(code, grant, CODE_TTL_MS))
      .onSuccess(v -> ctx.response().setStatusCode(302).putHeader("Location", location).end())
      .onFailure(ctx::fail);
  }

  private void token(RoutingContext ctx) {
    if (!clientAuthenticated(ctx)) {
      json(ctx, 401, new JsonObject().put("error", "invalid_client"));
      return;
    }
    if (!"authorization_code".equals(param(ctx, "grant_type"))) {
      json(ctx, 400, new JsonObject().put("error", "unsupported_grant_type"));
      return;
    }
    String code = param(ctx, "code");
    if (code == null) {
      json(ctx, 400, new JsonObject().put("error", "invalid_grant"));
      return;
    }
    map(CODES)
      .compose(codes -> codes.remove(code))
      .compose(grant -> {
        String verifier = param(ctx, "code_verifier");
        if (grant == null || verifier == null || !grant.getString("redirect").equals(param(ctx, "redirect_uri"))
          || !grant.getString("challenge").equals(b64url(sha256Bytes(verifier.getBytes(StandardCharsets.US_ASCII))))) {
          json(ctx, 400, new JsonObject().put("error", "invalid_grant"));
          return Future.succeededFuture();
        }
        JsonObject claims = claimsOf(grant);
        String accessToken = ClusterSecrets.randomToken(32);
        return map(TOKENS)
          .compose(tokens -> tokens.put(accessToken, claims, TOKEN_TTL_MS))
          .onSuccess(v -> json(ctx, 200, new JsonObject()
            .put("access_token", accessToken)
            .put("token_type", "Bearer")
            .put("expires_in", TOKEN_TTL_MS / 1000)
            .put("scope", "openid profile")
            .put("id_token", idToken(claims, grant.getString("nonce")))));
      })
      .onFailure(ctx::fail);
  }

  private void userInfo(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      json(ctx, 401, new JsonObject().put("error", "invalid_token"));
      return;
    }
    map(TOKENS)
      .compose(tokens -> tokens.get(header.substring(7)))
      .onSuccess(claims -> {
        if (claims == null) {
          json(ctx, 401, new JsonObject().put("error", "invalid_token"));
        } else {
          json(ctx, 200, claims);
        }
      })
      .onFailure(ctx::fail);
  }

  private void profilePage(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    ctx.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .end("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Html.escape(name)
        + "</title></head><body><h1>" + Html.escape(name) + "</h1><p>A development identity.</p></body></html>");
  }

  private boolean clientAuthenticated(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String id = param(ctx, "client_id");
    String secret = param(ctx, "client_secret");
    if (header != null && header.startsWith("Basic ")) {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon > 0) {
        id = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
        secret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
      }
    }
    return CLIENT_ID.equals(id) && secret != null
      && MessageDigest.isEqual(clientSecret.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8));
  }

  private JsonObject claimsOf(JsonObject grant) {
    String name = grant.getString("name");
    String sub = grant.getString("sub");
    return new JsonObject()
      .put("sub", sub)
      .put("name", name)
      .put("preferred_username", name)
      .put("picture", publicUrl + "/avatars/" + sub + ".svg?i="
        + java.net.URLEncoder.encode(Avatars.initials(name), StandardCharsets.UTF_8))
      .put("profile", publicUrl + PATH + "/users/" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)
        .replace("+", "%20"));
  }

  private String idToken(JsonObject claims, String nonce) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject payload = claims.copy()
      .put("iss", issuer)
      .put("aud", CLIENT_ID)
      .put("azp", CLIENT_ID)
      .put("iat", now)
      .put("exp", now + ID_TOKEN_SECONDS);
    if (nonce != null) {
      payload.put("nonce", nonce);
    }
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", jwk.getString("kid"));
    String signingInput = b64url(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
      + b64url(payload.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(privateKey);
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64url(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a dev id token", e);
    }
  }

  /** The same typed name is the same person: a stable subject from the lower-cased name. */
  static String subjectOf(String name) {
    return sha256(name.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)).substring(0, 24);
  }

  private Future<AsyncMap<String, JsonObject>> map(String name) {
    return vertx.sharedData().getAsyncMap(name);
  }

  private static String param(RoutingContext ctx, String name) {
    String value = ctx.request().getFormAttribute(name);
    return value != null ? value : ctx.request().getParam(name);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
      .setStatusCode(status)
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .end(body.encode());
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      return trimmed;
    }
    return bytes;
  }

  private static String b64url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] sha256Bytes(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] input) {
    return String.format("%064x", new BigInteger(1, sha256Bytes(input)));
  }
}
