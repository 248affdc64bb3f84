package io.vertxchat.persistence;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertxchat.contract.Shapes;

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

  /** {@code Channel} from {@code name, created_at, created_by}. */
  static JsonObject channel(Row row) {
    return Shapes.channel(row.getString("name"), row.getOffsetDateTime("created_at"), row.getLong("created_by"));
  }

  /** {@code Message} from {@code id, channel, seq, text, created_at, edited_at, mentions} and the author columns. */
  static JsonObject message(Row row) {
    return Shapes.message(row.getLong("id"), row.getString("channel"), row.getLong("seq"), user(row),
      row.getString("text"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("edited_at"),
      row.getJsonArray("mentions"));
  }

  /**
   * The channel event a row of {@code EVENTS_AFTER} stands for: the message's creation when its
   * number is the event's, else its latest edit or its delete.
   */
  static JsonObject event(Row row) {
    long seq = row.getLong("event_seq");
    if (seq == row.getLong("seq")) {
      return Shapes.messageEvent(message(row));
    }
    return row.getOffsetDateTime("deleted_at") != null
      ? Shapes.deleteEvent(row.getLong("id"), row.getString("channel"), seq)
      : Shapes.editEvent(message(row), seq);
  }
}
