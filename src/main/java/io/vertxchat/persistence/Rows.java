package io.vertxchat.persistence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertxchat.contract.Shapes;

import java.util.List;

/** Rows of {@link SqlQueries} as the contract's JSON: the one place that knows the column aliases. */
final class Rows {
  private Rows() {
  }

  /** {@code User} from the columns {@code u_id, u_name, u_avatar_url, u_profile_url, u_provider}. */
  static JsonObject user(Row row) {
    return Shapes.user(row.getLong("u_id"), row.getString("u_name"), row.getString("u_avatar_url"),
      row.getString("u_profile_url"), row.getString("u_provider"));
  }

  /** {@code User} with what only the server sees: subject, email and the last visited channel. */
  static JsonObject userWithSettings(Row row) {
    return user(row)
      .put("subject", row.getString("subject"))
      .put("email", row.getString("email"))
      .put("lastChannel", row.getString("last_channel"));
  }

  /**
   * {@code Channel} from the columns of {@link ChannelQueries}, with what only the server keeps:
   * {@code memberIds} (null for a public channel) and {@code membersVersion}.
   */
  static JsonObject channel(Row row) {
    Object people = row.getValue("member_users");
    JsonArray members = people == null ? null : people instanceof JsonArray array ? array : new JsonArray(people.toString());
    Long[] ids = row.getArrayOfLongs("members");
    return Shapes.channel(row.getString("name"), row.getOffsetDateTime("created_at"), row.getLong("created_by"),
        row.getString("kind"), members)
      .put("memberIds", ids == null ? null : new JsonArray(List.of((Object[]) ids)))
      .put("membersVersion", row.getLong("members_version"));
  }

  /** {@code Message} from {@code id, channel, seq, text, created_at, edited_at, mentions}, the author and reaction columns. */
  static JsonObject message(Row row) {
    return Shapes.withReactions(Shapes.message(row.getLong("id"), row.getString("channel"), row.getLong("seq"), user(row),
      row.getString("text"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("edited_at"),
      row.getJsonArray("mentions")), row.getJsonArray("reactions"));
  }

  /**
   * The channel event a row of {@code EVENTS_AFTER} stands for: the message's creation when its
   * number is the event's, else its latest edit, reaction or its delete.
   */
  static JsonObject event(Row row) {
    long seq = row.getLong("event_seq");
    if (seq == row.getLong("seq")) {
      return Shapes.messageEvent(message(row));
    }
    if (row.getOffsetDateTime("deleted_at") != null) {
      return Shapes.deleteEvent(row.getLong("id"), row.getString("channel"), seq);
    }
    Long reacted = row.getLong("reacted_seq");
    return reacted != null && reacted == seq ? Shapes.reactionEvent(message(row), seq) : Shapes.editEvent(message(row), seq);
  }
}
