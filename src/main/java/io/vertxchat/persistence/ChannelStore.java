package io.vertxchat.persistence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.contract.ChatException;

import java.util.ArrayList;
import java.util.List;

/**
 * Who is in which channel, and how far each person has read: the members of private channels and
 * direct conversations, read positions, and finding people by name. The chat verticle calls it
 * directly and decides who may do what; this class only stores. The pool is the persistence
 * verticle's.
 */
public final class ChannelStore {
  private final Pool pool;

  ChannelStore(Pool pool) {
    this.pool = pool;
  }

  /** The outcome of a change of members: whether anything changed, and the members since. */
  public record MemberChange(boolean changed, long version, List<Long> members) {
  }

  /**
   * Opens the direct conversation {@code name} of {@code people} (ids, the opener among them), or
   * finds it when it exists; fails 404 when one of them is nobody.
   */
  public Future<JsonObject> openDirect(String name, long opener, List<Long> people) {
    Long[] ids = people.toArray(new Long[0]);
    return pool.preparedQuery(ChannelQueries.USERS_BY_ID).execute(Tuple.tuple().addArrayOfLong(ids))
      .compose(users -> users.size() != people.size()
        ? Future.failedFuture(ChatException.notFound("no such person"))
        : pool.preparedQuery(ChannelQueries.INSERT_DIRECT)
          .execute(Tuple.tuple().addString(name).addLong(opener).addArrayOfLong(ids)))
      .compose(inserted -> pool.preparedQuery(ChannelQueries.CHANNEL_BY_NAME).execute(Tuple.of(name)))
      .map(rows -> Rows.channel(rows.iterator().next()));
  }

  /** Adds {@code user} to the private channel {@code name}; they read on from where it is now. */
  public Future<MemberChange> addMember(String name, long user, long addedBy) {
    return pool.withTransaction(conn -> lockPrivate(conn, name).compose(channel -> conn
      .preparedQuery(ChannelQueries.ADD_MEMBER).execute(Tuple.of(channel.getLong("id"), user, addedBy))
      .compose(added -> added.size() == 0 ? Future.succeededFuture(false)
        : conn.preparedQuery(ChannelQueries.START_READING).execute(Tuple.of(user, channel.getLong("id"), channel.getLong("seq")))
          .map(true))
      .compose(changed -> changed(conn, channel.getLong("id"), changed))));
  }

  /** Removes {@code user} from the private channel {@code name} (leaving, or removed by its creator). */
  public Future<MemberChange> removeMember(String name, long user) {
    return pool.withTransaction(conn -> lockPrivate(conn, name).compose(channel -> conn
      .preparedQuery(ChannelQueries.REMOVE_MEMBER).execute(Tuple.of(channel.getLong("id"), user))
      .compose(removed -> changed(conn, channel.getLong("id"), removed.size() > 0))));
  }

  private static Future<Row> lockPrivate(io.vertx.sqlclient.SqlConnection conn, String name) {
    return conn.preparedQuery(ChannelQueries.LOCK_PRIVATE).execute(Tuple.of(name))
      .compose(rows -> rows.size() == 0 ? Future.failedFuture(ChatException.notFound("no channel '" + name + "'"))
        : Future.succeededFuture(rows.iterator().next()));
  }

  private static Future<MemberChange> changed(io.vertx.sqlclient.SqlConnection conn, long channelId, boolean changed) {
    if (!changed) {
      return Future.succeededFuture(new MemberChange(false, -1, List.of()));
    }
    return conn.preparedQuery(ChannelQueries.BUMP_MEMBERS).execute(Tuple.of(channelId)).map(rows -> {
      Row row = rows.iterator().next();
      return new MemberChange(true, row.getLong("members_version"), List.of(row.getArrayOfLongs("members")));
    });
  }

  /** The members of {@code name} as {@code User}s, by name. */
  public Future<JsonArray> members(String name) {
    return pool.preparedQuery(ChannelQueries.MEMBERS).execute(Tuple.of(name)).map(ChannelStore::users);
  }

  /** Moves {@code user}'s read position in {@code channel} forward to {@code seq}; the position after. */
  public Future<Long> markRead(long user, String channel, long seq) {
    return pool.preparedQuery(ChannelQueries.MARK_READ).execute(Tuple.of(user, channel, seq))
      .compose(rows -> rows.size() == 0 ? Future.failedFuture(ChatException.notFound("no channel '" + channel + "'"))
        : Future.succeededFuture(rows.iterator().next().getLong("seq")));
  }

  /**
   * {@code {"<channel>":{"seq","readSeq","unread"}}} for {@code user} over {@code channels}: see
   * {@link ChannelQueries#UNREAD}.
   */
  public Future<JsonObject> unread(long user, List<String> channels) {
    return pool.preparedQuery(ChannelQueries.UNREAD)
      .execute(Tuple.tuple().addLong(user).addArrayOfString(channels.toArray(new String[0])))
      .map(rows -> {
        JsonObject counts = new JsonObject();
        rows.forEach(row -> counts.put(row.getString("name"), new JsonObject()
          .put("seq", row.getLong("seq"))
          .put("readSeq", row.getLong("read_seq"))
          .put("unread", row.getLong("unread"))));
        return counts;
      });
  }

  /** The people called {@code name} (ignoring case; names are not unique). */
  public Future<JsonArray> usersNamed(String name) {
    return pool.preparedQuery(ChannelQueries.USERS_NAMED).execute(Tuple.of(name)).map(ChannelStore::users);
  }

  /** Up to 20 people whose name starts with {@code prefix}, for invitations and direct messages. */
  public Future<JsonArray> usersStarting(String prefix) {
    String escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return pool.preparedQuery(ChannelQueries.USERS_STARTING).execute(Tuple.of(escaped)).map(ChannelStore::users);
  }

  private static JsonArray users(RowSet<Row> rows) {
    List<JsonObject> users = new ArrayList<>(rows.size());
    rows.forEach(row -> users.add(Rows.user(row)));
    return new JsonArray(new ArrayList<>(users));
  }
}
