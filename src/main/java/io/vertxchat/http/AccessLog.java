package io.vertxchat.http;

import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Gives every request an id (a sane incoming {@code X-Request-Id}, else a new one), returns it in
 * the response header and logs one line when the response ends: method, path without the query
 * (it may carry OAuth codes), status and time. Never headers, cookies or bodies. Probes
 * ({@code /health}, {@code /ready}, {@code /metrics}) log at DEBUG.
 */
final class AccessLog {
  static final String REQUEST_ID = "requestId";
  private static final String HEADER = "X-Request-Id";
  private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Logger LOG = LoggerFactory.getLogger("io.vertxchat.http.access");
  private static final java.util.Set<String> PROBES = java.util.Set.of("/health", "/ready", "/metrics");

  private AccessLog() {
  }

  static void handle(RoutingContext ctx) {
    String incoming = ctx.request().getHeader(HEADER);
    String id = incoming != null && SANE_ID.matcher(incoming).matches() ? incoming : newId();
    long started = System.nanoTime();
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader(HEADER, id);
    ctx.addEndHandler(done -> {
      long micros = (System.nanoTime() - started) / 1_000;
      int status = ctx.response().getStatusCode();
      // Probes arrive every second or two from each balancer and scraper: DEBUG, not INFO.
      boolean probe = PROBES.contains(ctx.request().path());
      if (probe ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
        (probe ? LOG.atDebug() : LOG.atInfo())
          .addKeyValue(REQUEST_ID, id)
          .addKeyValue("method", ctx.request().method().name())
          .addKeyValue("path", ctx.request().path())
          .addKeyValue("status", status)
          .addKeyValue("micros", micros)
          .log("request {} {} {} {} {} us", id, ctx.request().method().name(), ctx.request().path(), status, micros);
      }
    });
    ctx.next();
  }

  /** The request id of a context, for other log lines. */
  static String id(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    return id == null ? "-" : id;
  }

  private static String newId() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }
}
