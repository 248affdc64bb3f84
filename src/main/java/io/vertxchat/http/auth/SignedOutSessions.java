package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

/**
 * Remembers, cluster-wide and for as long as a session could live, the ids of sessions that
 * signed out, and strips the user from such a session if it shows up again. Needed because the
 * session handler stores a session after the response: a store write from a request that was in
 * flight at sign-out can land after the sign-out's delete and bring the signed-in session back
 * (seen: 2 of 60 sign-outs on the two-node test cluster).
 */
public final class SignedOutSessions {
  private static final String MAP = "chat.signed-out-sessions";

  private final Vertx vertx;
  private final long ttlMs;

  public SignedOutSessions(Vertx vertx, long sessionTimeoutMs) {
    this.vertx = vertx;
    this.ttlMs = sessionTimeoutMs;
  }

  private Future<AsyncMap<String, Boolean>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  /** Records a sign-out; completes once every node will see it. */
  public Future<Void> add(String sessionId) {
    return map().compose(m -> m.put(sessionId, true, ttlMs));
  }

  /** Route handler after the session handler: a signed-out session is signed out again. */
  public void handle(RoutingContext ctx) {
    Session session = ctx.session();
    if (session == null || session.get(AuthRoutes.SESSION_USER) == null) {
      ctx.next();
      return;
    }
    // Paused like the session handler does: a body handler later on must not miss the body.
    ctx.request().pause();
    map().compose(m -> m.get(session.id())).onComplete(signedOut -> {
      ctx.request().resume();
      if (signedOut.failed()) {
        ctx.fail(503, signedOut.cause());
      } else {
        if (Boolean.TRUE.equals(signedOut.result())) {
          session.remove(AuthRoutes.SESSION_USER);
          session.destroy();
        }
        ctx.next();
      }
    });
  }
}
