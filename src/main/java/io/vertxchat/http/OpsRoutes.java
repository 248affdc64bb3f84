package io.vertxchat.http;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.http.auth.Admins;
import io.vertxchat.http.auth.AuthRoutes;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.ops.Readiness;


/**
 * Routes for operators: {@code /metrics} (Prometheus text), {@code /ready} (health checks, 503 with
 * the reason), and the admin-only monitor page {@code /monitor} with its files under
 * {@code /monitor/}. {@code /health} stays with the router as plain liveness.
 */
final class OpsRoutes {
  private static final String PAGE = "webroot/monitor.html";

  private final Vertx vertx;
  private final Admins admins;

  OpsRoutes(Vertx vertx, Admins admins) {
    this.vertx = vertx;
    this.admins = admins;
  }

  /** Routes that need no session: mount before the session handler. */
  void mountProbes(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(NodeStats.of(vertx).registry()));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(Readiness.create(vertx)));
  }

  /** The monitor page and its scripts: admins only; mount after the session handler. */
  void mountMonitor(Router router) {
    router.route("/monitor").handler(this::requireAdmin);
    router.route("/monitor.html").handler(this::requireAdmin);
    router.route("/monitor/*").handler(this::requireAdmin);
    router.get("/monitor").handler(ctx -> ctx.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .putHeader("Cache-Control", "no-store")
      .sendFile(PAGE));
  }

  private void requireAdmin(RoutingContext ctx) {
    JsonObject user = ctx.session() == null ? null : ctx.session().get(AuthRoutes.SESSION_USER);
    if (user == null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_SIGNED_IN, ErrorCodes.SIGN_IN_FIRST);
    } else if (!admins.includes(user)) {
      HttpErrors.send(ctx, ErrorCodes.FORBIDDEN, "the monitor is for admins (CHAT_ADMINS)");
    } else {
      ctx.next();
    }
  }
}
