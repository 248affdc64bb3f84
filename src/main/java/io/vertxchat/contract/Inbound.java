package io.vertxchat.contract;

import io.vertx.core.json.JsonObject;

/**
 * A request from a signed-in person to the chat verticle, as the bridge guard or an HTTP route
 * hands it over on the local event bus ({@link LocalCodec}): who asks, from the session only, and
 * what they sent, untouched. {@code body} is whatever JSON value the client sent; the chat rules
 * validate it.
 *
 * @param user the session user's public {@code User}
 * @param body the request body as received (any JSON value, or null)
 */
public record Inbound(JsonObject user, Object body) {
  public long userId() {
    return user.getLong("id");
  }
}
