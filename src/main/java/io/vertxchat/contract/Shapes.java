package io.vertxchat.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/**
 * The one place where the contract's JSON shapes are built: {@code User}, {@code Channel},
 * {@code Message} and the channel events. Handlers never assemble these by hand.
 */
public final class Shapes {
  private Shapes() {
  }

  /** A {@code User} without anything but the contract's fields (drops e.g. {@code lastChannel}). */
  public static JsonObject publicUser(JsonObject user) {
    return new JsonObject()
      .put("id", user.getValue("id"))
      .put("name", user.getString("name"))
      .put("avatarUrl", user.getString("avatarUrl"))
      .put("profileUrl", user.getString("profileUrl"))
      .put("provider", user.getString("provider"));
  }

  public static JsonObject channel(String name, OffsetDateTime createdAt, Long createdBy) {
    return new JsonObject()
      .put("name", name)
      .put("createdAt", iso(createdAt))
      .put("createdBy", createdBy);
  }

  public static JsonObject message(long id, String channel, JsonObject author, String text,
                                   OffsetDateTime createdAt, OffsetDateTime editedAt) {
    return new JsonObject()
      .put("id", id)
      .put("channel", channel)
      .put("author", publicUser(author))
      .put("text", text)
      .put("createdAt", iso(createdAt))
      .put("editedAt", iso(editedAt));
  }

  public static JsonObject messagesPage(JsonArray messages) {
    return new JsonObject().put("messages", messages);
  }

  // ---- Events on chat.channel.<name>

  public static JsonObject user(long id, String name, String avatarUrl, String profileUrl, String provider) {
    return new JsonObject()
      .put("id", id)
      .put("name", name)
      .put("avatarUrl", avatarUrl)
      .put("profileUrl", profileUrl)
      .put("provider", provider);
  }

  public static JsonObject messageEvent(JsonObject message) {
    return new JsonObject().put("type", "message").put("message", message);
  }

  public static JsonObject editEvent(JsonObject message) {
    return new JsonObject().put("type", "edit").put("message", message);
  }

  public static JsonObject deleteEvent(long id, String channel) {
    return new JsonObject().put("type", "delete").put("id", id).put("channel", channel);
  }

  public static JsonObject presenceEvent(JsonArray users) {
    return new JsonObject().put("type", "presence").put("users", users);
  }

  public static JsonObject typingEvent(JsonObject user) {
    return new JsonObject().put("type", "typing").put("user", publicUser(user));
  }

  /** The HTTP error body: {@code {"error":"<code>","message":"<human text>"}}. */
  public static JsonObject error(int status, String message) {
    return new JsonObject().put("error", ErrorCodes.word(status)).put("message", message);
  }

  /** ISO-8601 UTC, e.g. {@code 2026-12-01T18:00:00.123456Z}; null stays null. */
  public static String iso(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
