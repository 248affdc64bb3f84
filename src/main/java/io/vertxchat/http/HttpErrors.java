package io.vertxchat.http;

import io.vertx.ext.web.RoutingContext;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;

/** Writes the contract's JSON errors: {@code {"error":"<code>","message":"<human text>"}}. */
public final class HttpErrors {
  private HttpErrors() {
  }

  public static void send(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
      .setStatusCode(status)
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .end(Shapes.error(status, message).encode());
  }

  /** An event-bus failure as HTTP: its contract code, or 503 when storage did not answer. */
  public static void send(RoutingContext ctx, Throwable failure) {
    int code = ChatException.codeOf(failure);
    send(ctx, code, code == ErrorCodes.STORAGE_UNAVAILABLE ? ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE : failure.getMessage());
  }
}
