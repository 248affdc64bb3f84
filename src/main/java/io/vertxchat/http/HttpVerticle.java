package io.vertxchat.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.http.auth.Admins;
import io.vertxchat.http.auth.AuthRoutes;
import io.vertxchat.http.auth.SignedOutSessions;
import io.vertxchat.http.bridge.BridgeEndpoints;
import io.vertxchat.http.bridge.ChatBridge;
import io.vertxchat.http.auth.Avatars;
import io.vertxchat.http.auth.DevIdentityProvider;
import io.vertxchat.http.auth.SignInProviders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The node's HTTP face: static web app, sign-in, REST API and the SockJS event-bus bridge.
 * Deployed once per core; all instances share the port.
 *
 * <p>Config: {@code {"http":{...},"auth":{...},"limits":{...},"secrets":{...},"node"}}.
 */
public class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final String SESSION_COOKIE = "chat.session";

  private HttpServer server;
  private ChatBridge bridge;
  private OpsRoutes ops;

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http");
    JsonObject auth = config().getJsonObject("auth");
    JsonObject limits = config().getJsonObject("limits");
    JsonObject secrets = config().getJsonObject("secrets");
    String publicUrl = http.getString("publicUrl");
    boolean https = publicUrl.startsWith("https:");

    long sessionTimeoutMs = TimeUnit.MINUTES.toMillis(http.getInteger("sessionTimeoutMinutes"));
    // Cluster-wide sessions when clustered (no sticky routing needed); a single node keeps them local.
    // No retry on a missing session: Hazelcast's map is consistent and sign-in stores the session
    // before redirecting, so the store's default (retry for 5 s) only made every stale cookie wait 5 s.
    SessionStore store = vertx.isClustered() ? ClusteredSessionStore.create(vertx, 0) : LocalSessionStore.create(vertx);
    SessionHandler sessions = SessionHandler.create(store)
      .setSessionCookieName(SESSION_COOKIE)
      .setCookieHttpOnlyFlag(true)
      .setCookieSecureFlag(https)
      .setCookieSameSite(CookieSameSite.LAX)
      .setSessionTimeout(sessionTimeoutMs)
      .setNagHttps(false);
    SignedOutSessions signedOut = new SignedOutSessions(vertx, sessionTimeoutMs);
    CsrfGuard csrf = new CsrfGuard(secrets.getString("csrf"), https);
    Admins admins = Admins.parse(auth.getString("admins"));
    bridge = new ChatBridge(vertx, store, Set.of(origin(publicUrl)), admins, limits);
    ops = new OpsRoutes(vertx, admins);
    DevIdentityProvider dev = auth.getBoolean("devLogin") ? new DevIdentityProvider(vertx, publicUrl, secrets) : null;

    return SignInProviders.create(vertx, auth, dev)
      .compose(providers -> {
        AuthRoutes authRoutes = new AuthRoutes(vertx, providers, sessions, signedOut, publicUrl);
        Router router = router(sessions, signedOut, csrf, authRoutes, dev, publicUrl);
        vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_ENDED,
          m -> bridge.sessionEnded(m.body().getString("session")));
        HttpServerOptions options = new HttpServerOptions()
          .setHost(http.getString("host"))
          .setPort(http.getInteger("port"))
          .setMaxWebSocketFrameSize(limits.getInteger("maxFrameBytes"))
          .setMaxWebSocketMessageSize(limits.getInteger("maxFrameBytes"))
          .setCompressionSupported(true)
          .setIdleTimeout(0);
        return vertx.createHttpServer(options)
          .requestHandler(router)
          .listen();
      })
      .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    if (bridge != null) {
      bridge.closeAll(BridgeCodes.GOING_AWAY, "server going away, reconnect");
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  private Router router(SessionHandler sessions, SignedOutSessions signedOut, CsrfGuard csrf, AuthRoutes auth,
                        DevIdentityProvider dev, String publicUrl) {
    int maxFrameBytes = config().getJsonObject("limits").getInteger("maxFrameBytes");
    Router router = Router.router(vertx);
    router.route().handler(AccessLog::handle);
    router.route().handler(HttpVerticle::securityHeaders);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    ops.mountProbes(router);

    if (dev != null) {
      router.route(DevIdentityProvider.PATH + "/*").subRouter(dev.router());
    }
    router.get("/avatars/:file").handler(Avatars::serve);

    router.route().handler(sessions);
    router.route().handler(signedOut::handle);
    BridgeEndpoints.mount(vertx, router, bridge, origin(publicUrl), maxFrameBytes);

    router.route("/api/*").handler(BodyHandler.create().setBodyLimit(16_384));
    router.route("/api/*").handler(csrf);
    router.route("/auth/*").handler(csrf);
    router.get("/api/providers").handler(auth::list);
    router.get("/auth/login/:provider").handler(auth::login);
    router.get("/auth/callback/:provider").handler(auth::callback);
    router.post("/auth/logout").handler(auth::logout);

    ApiRoutes api = new ApiRoutes(vertx);
    router.route("/api/*").handler(ApiRoutes::requireUser);
    router.get("/api/me").handler(api::me);
    router.get("/api/channels").handler(api::channels);
    router.post("/api/channels").handler(api::createChannel);
    router.get("/api/channels/:name/messages").handler(api::messages);
    router.post("/api/channels/:name/read").handler(api::markRead);
    router.get("/api/channels/:name/members").handler(api::members);
    router.post("/api/channels/:name/members").handler(api::addMember);
    router.delete("/api/channels/:name/members/:user").handler(api::removeMember);
    router.get("/api/unread").handler(api::unread);
    router.post("/api/direct").handler(api::openDirect);
    router.get("/api/users").handler(api::users);
    router.route("/api/*").handler(ctx -> HttpErrors.send(ctx, ErrorCodes.NOT_FOUND, "no such API route"));

    ops.mountMonitor(router);
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setCachingEnabled(true));
    router.route().handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    router.route().failureHandler(HttpVerticle::failure);
    return router;
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("X-Frame-Options", "DENY")
      .putHeader("Referrer-Policy", "same-origin");
    ctx.next();
  }

  private static void failure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    if (status >= 500) {
      LOG.error("request {} {} {} failed", AccessLog.id(ctx), ctx.request().method(), ctx.request().path(),
        ctx.failure());
    }
    String message = switch (status) {
      case 403 -> "forbidden: missing or wrong X-XSRF-TOKEN header";
      case 404 -> "not found";
      case 413 -> "request body too large";
      case 400 -> "bad request";
      default -> "internal error";
    };
    HttpErrors.send(ctx, status, message);
  }

  /** {@code scheme://host[:port]} of a URL, as a browser sends it in {@code Origin}. */
  public static String origin(String url) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
  }
}
