package io.vertxchat.http;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.http.auth.AuthRoutes;

/**
 * The REST routes of the contract. Each one is a thin translation to an event-bus request; the
 * rules live in the chat verticle, so HTTP and the bridge validate alike.
 */
final class ApiRoutes {
  private static final long TIMEOUT_MS = 8_000;

  private final Vertx vertx;

  ApiRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Lets signed-in requests through; everything else under /api gets 401 JSON. */
  static void requireUser(RoutingContext ctx) {
    if (user(ctx) == null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_SIGNED_IN, "sign in first");
    } else {
      ctx.next();
    }
  }

  static JsonObject user(RoutingContext ctx) {
    return ctx.session() == null ? null : ctx.session().get(AuthRoutes.SESSION_USER);
  }

  void me(RoutingContext ctx) {
    JsonObject user = user(ctx);
    vertx.eventBus().<JsonObject>request(Addresses.STORE_USER_GET, new JsonObject().put("id", user.getLong("id")),
        options(ctx))
      .onSuccess(reply -> ctx.json(Shapes.publicUser(reply.body()).put("lastChannel", reply.body().getString("lastChannel"))))
      .onFailure(e -> HttpErrors.send(ctx, e));
  }

  void channels(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.STORE_CHANNELS, new JsonObject(), options(ctx))
      .onSuccess(reply -> ctx.json(reply.body().getJsonArray("channels")))
      .onFailure(e -> HttpErrors.send(ctx, e));
  }

  void createChannel(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "the body must be a JSON object like {\"name\":\"general\"}");
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.CHANNEL_CREATE, body, options(ctx))
      .onSuccess(reply -> ctx.response()
        .setStatusCode(201)
        .putHeader("Content-Type", "application/json")
        .putHeader("Location", "/api/channels/" + reply.body().getString("name"))
        .end(reply.body().encode()))
      .onFailure(e -> HttpErrors.send(ctx, e));
  }

  void messages(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("channel", ctx.pathParam("name"));
    for (String param : new String[] {"before", "after", "limit"}) {
      String value = ctx.request().getParam(param);
      if (value != null) {
        try {
          request.put(param, Long.parseLong(value));
        } catch (NumberFormatException e) {
          HttpErrors.send(ctx, ErrorCodes.INVALID, param + " must be a whole number");
          return;
        }
      }
    }
    vertx.eventBus().<JsonObject>request(Addresses.HISTORY, request, options(ctx))
      .onSuccess(reply -> ctx.json(reply.body()))
      .onFailure(e -> HttpErrors.send(ctx, e));
  }

  /** Requests carry the session user the same way the bridge guard stamps it. */
  private static DeliveryOptions options(RoutingContext ctx) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
    JsonObject user = user(ctx);
    if (user != null) {
      options.addHeader(Addresses.USER_HEADER, Shapes.publicUser(user).encode());
    }
    return options;
  }
}
