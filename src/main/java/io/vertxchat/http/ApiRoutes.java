package io.vertxchat.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Inbound;
import io.vertxchat.contract.Shapes;
import io.vertxchat.http.auth.AuthRoutes;

/**
 * The REST routes of the contract. Each one is a thin translation to a request to the chat
 * verticle (never to storage): the rules live there, so HTTP and the bridge validate alike.
 */
final class ApiRoutes {
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(8_000);

  private final Vertx vertx;

  ApiRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Lets signed-in requests through; everything else under /api gets 401 JSON. */
  static void requireUser(RoutingContext ctx) {
    if (user(ctx) == null) {
      HttpErrors.send(ctx, ErrorCodes.NOT_SIGNED_IN, ErrorCodes.SIGN_IN_FIRST);
    } else {
      ctx.next();
    }
  }

  static JsonObject user(RoutingContext ctx) {
    return ctx.session() == null ? null : ctx.session().get(AuthRoutes.SESSION_USER);
  }

  void me(RoutingContext ctx) {
    ask(ctx, Addresses.ME, null).onSuccess(ctx::json);
  }

  void channels(RoutingContext ctx) {
    ask(ctx, Addresses.CHANNELS, null).onSuccess(reply -> ctx.json(reply.getJsonArray("channels")));
  }

  void createChannel(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx, "{\"name\":\"general\"}");
    if (body == null) {
      return;
    }
    ask(ctx, Addresses.CHANNEL_CREATE, body).onSuccess(channel -> ctx.response()
      .setStatusCode(201)
      .putHeader("Content-Type", "application/json")
      .putHeader("Location", "/api/channels/" + channel.getString("name"))
      .end(channel.encode()));
  }

  void messages(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("channel", ctx.pathParam("name"));
    if (wholeNumbers(ctx, request, "before", "after", "afterSeq", "around", "limit")) {
      ask(ctx, Addresses.HISTORY, request).onSuccess(ctx::json);
    }
  }

  /** {@code GET /api/search?q=&offset=&limit=}: the same request as {@code chat.search}. */
  void search(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("q", ctx.request().getParam("q"));
    if (wholeNumbers(ctx, request, "offset", "limit")) {
      ask(ctx, Addresses.SEARCH, request).onSuccess(ctx::json);
    }
  }

  /**
   * Copies the query parameters {@code names} that are present into {@code request} as numbers;
   * false after answering 400 when one is not a whole number.
   */
  private static boolean wholeNumbers(RoutingContext ctx, JsonObject request, String... names) {
    for (String param : names) {
      String value = ctx.request().getParam(param);
      if (value != null) {
        try {
          request.put(param, Long.parseLong(value));
        } catch (NumberFormatException e) {
          HttpErrors.send(ctx, ErrorCodes.INVALID, param + " must be a whole number");
          return false;
        }
      }
    }
    return true;
  }

  void markRead(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx, "{\"seq\":12}");
    if (body != null) {
      ask(ctx, Addresses.READ, body.put("channel", ctx.pathParam("name"))).onSuccess(ctx::json);
    }
  }

  void members(RoutingContext ctx) {
    ask(ctx, Addresses.MEMBERS, new JsonObject().put("channel", ctx.pathParam("name"))).onSuccess(ctx::json);
  }

  void addMember(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx, "{\"name\":\"Ann\"} or {\"user\":12}");
    if (body != null) {
      ask(ctx, Addresses.MEMBER_ADD, body.put("channel", ctx.pathParam("name"))).onSuccess(ctx::json);
    }
  }

  void removeMember(RoutingContext ctx) {
    long user;
    try {
      user = Long.parseLong(ctx.pathParam("user"));
    } catch (NumberFormatException e) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "the user must be a user id");
      return;
    }
    ask(ctx, Addresses.MEMBER_REMOVE, new JsonObject().put("channel", ctx.pathParam("name")).put("user", user))
      .onSuccess(reply -> ctx.response().setStatusCode(204).end());
  }

  void unread(RoutingContext ctx) {
    ask(ctx, Addresses.UNREAD, null).onSuccess(ctx::json);
  }

  void openDirect(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx, "{\"with\":[12]}");
    if (body != null) {
      ask(ctx, Addresses.DIRECT_OPEN, body).onSuccess(ctx::json);
    }
  }

  void users(RoutingContext ctx) {
    ask(ctx, Addresses.USERS, new JsonObject().put("q", ctx.request().getParam("q"))).onSuccess(ctx::json);
  }

  /** {@code POST /api/messages/{id}/reactions {"emoji"}}: toggles the session user's reaction, 200 {@code Message}. */
  void react(RoutingContext ctx) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "the message id must be a whole number");
      return;
    }
    JsonObject body = jsonBody(ctx, "{\"emoji\":\"\uD83D\uDC4D\"}");
    if (body != null) {
      ask(ctx, Addresses.REACT, new JsonObject().put("id", id).put("emoji", body.getValue("emoji"))).onSuccess(ctx::json);
    }
  }

  /** The request's JSON object body, or null after answering 400 (with an example of one). */
  private static JsonObject jsonBody(RoutingContext ctx, String example) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      HttpErrors.send(ctx, ErrorCodes.INVALID, "the body must be a JSON object like " + example);
    }
    return body;
  }

  /**
   * Asks the chat verticle on behalf of the session user, as the bridge does; a failure is answered
   * here with its contract code, so callers only handle success.
   */
  private Future<JsonObject> ask(RoutingContext ctx, String address, JsonObject body) {
    Inbound request = new Inbound(Shapes.publicUser(user(ctx)), body);
    return vertx.eventBus().<JsonObject>request(address, request, OPTIONS)
      .map(Message::body)
      .onFailure(e -> HttpErrors.send(ctx, e));
  }
}
