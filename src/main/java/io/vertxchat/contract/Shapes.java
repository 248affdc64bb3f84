package io.vertxchat.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;

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

  /** @param members a direct conversation's people ({@code User}s); null for other kinds */
  public static JsonObject channel(String name, OffsetDateTime createdAt, Long createdBy, String kind, JsonArray members) {
    JsonObject channel = new JsonObject()
      .put("name", name)
      .put("createdAt", iso(createdAt))
      .put("createdBy", createdBy)
      .put("kind", kind);
    if (members != null) {
      channel.put("members", members);
    }
    return channel;
  }

  /** @param seq the channel sequence number of the message's creation event */
  public static JsonObject message(long id, String channel, long seq, JsonObject author, String text,
                                   OffsetDateTime createdAt, OffsetDateTime editedAt) {
    return message(id, channel, seq, author, text, createdAt, editedAt, null);
  }

  /**
   * @param mentions the members its text mentions, {@code [{"id","name"}]} as the server found
   *                 them ({@link #mention}); null: none (the shape then has an empty array)
   */
  public static JsonObject message(long id, String channel, long seq, JsonObject author, String text,
                                   OffsetDateTime createdAt, OffsetDateTime editedAt, JsonArray mentions) {
    return new JsonObject()
      .put("id", id)
      .put("channel", channel)
      .put("seq", seq)
      .put("author", publicUser(author))
      .put("text", text)
      .put("createdAt", iso(createdAt))
      .put("editedAt", iso(editedAt))
      .put("mentions", mentions == null ? new JsonArray() : mentions)
      .put("reactions", new JsonArray());
  }

  /** One mention of a {@code Message}: {@code {"id","name"}} of the user mentioned. */
  public static JsonObject mention(long id, String name) {
    return new JsonObject().put("id", id).put("name", name);
  }

  /**
   * The message with its {@code reactions}: {@code [{"emoji","count","users":[{"id","name"}]}]},
   * first reacted first (as {@code SqlQueries} reads them); null or none: {@code []}.
   */
  public static JsonObject withReactions(JsonObject message, JsonArray reactions) {
    return message.put("reactions", reactions == null ? new JsonArray() : reactions);
  }

  /**
   * A history page. {@code seq} is the channel's last sequence number in the same snapshot: a
   * client that shows this page has seen the channel through {@code seq}.
   */
  public static JsonObject messagesPage(JsonArray messages, long seq) {
    return new JsonObject().put("messages", messages).put("seq", seq);
  }

  /**
   * The channel's events after a sequence number, oldest first, each as it was published live
   * (edits and deletes of older messages included; a message changed since shows its current
   * text). {@code seq}: the client has now seen the channel through it; {@code more}: ask again
   * after {@code seq} for the rest.
   */
  public static JsonObject eventsPage(JsonArray events, long seq, boolean more) {
    return new JsonObject().put("events", events).put("seq", seq).put("more", more);
  }

  /**
   * One search hit: the {@code Message}, its {@code snippet} as parts {@code [{"text","match"}]}
   * (plain text, joined a piece of the message's text) and its {@code rank} (higher is better).
   */
  public static JsonObject searchResult(JsonObject message, JsonArray snippet, double rank) {
    return new JsonObject().put("message", message).put("snippet", snippet).put("rank", rank);
  }

  /** A page of search hits, best first; {@code more}: ask again at {@code offset + results.size()}. */
  public static JsonObject searchPage(JsonArray results, int offset, boolean more) {
    return new JsonObject().put("results", results).put("offset", offset).put("more", more);
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

  // Stored events carry the channel's sequence number "seq": one more than the channel's last.

  public static JsonObject messageEvent(JsonObject message) {
    return new JsonObject().put("type", "message").put("seq", message.getLong("seq")).put("message", message);
  }

  public static JsonObject editEvent(JsonObject message, long seq) {
    return new JsonObject().put("type", "edit").put("seq", seq).put("message", message);
  }

  /**
   * What {@link Addresses#USER_EVENTS} and {@link Addresses#USER_EVENTS_HERE} carry: {@code event}
   * for the user streams of {@code to} (user ids), or of everybody when null.
   */
  public static JsonObject userEvent(Collection<Long> to, JsonObject event) {
    return new JsonObject().put("to", to == null ? null : new JsonArray(new ArrayList<>(to))).put("event", event);
  }

  /** A reaction added or removed: the message with its reactions now. */
  public static JsonObject reactionEvent(JsonObject message, long seq) {
    return new JsonObject().put("type", "reaction").put("seq", seq).put("message", message);
  }

  public static JsonObject deleteEvent(long id, String channel, long seq) {
    return new JsonObject().put("type", "delete").put("seq", seq).put("id", id).put("channel", channel);
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
