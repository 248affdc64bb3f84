package io.vertxchat.persistence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.Emoji;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.StoreMessages.Change;
import io.vertxchat.contract.StoreMessages.ChangeOutcome;
import io.vertxchat.contract.StoreMessages.Claim;
import io.vertxchat.contract.StoreMessages.Fence;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.contract.StoreMessages.Outcome;
import io.vertxchat.contract.StoreMessages.Result;
import io.vertxchat.ops.NodeStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages' storage: the channel events (new messages, edits, deletes) that a channel's owner
 * writes under its claim, and the reads of history and of events after a sequence number. The
 * channel writer calls it directly (the hot path takes no event-bus hop to get here); it runs on
 * the caller's context. The pool is the persistence verticle's.
 */
public final class MessageStore {
  /** The most mentions {@link #mentionCounts} counts per channel: a badge shows "100+" beyond. */
  public static final int MENTION_COUNT_CAP = 100;

  private final Pool pool;
  private final NodeStats stats;

  MessageStore(Pool pool, NodeStats stats) {
    this.pool = pool;
    this.stats = stats;
  }

  /** Claims {@code channel} for {@code node}; null when the channel does not exist. */
  public Future<Claim> claim(String channel, String node) {
    return pool.preparedQuery(SqlQueries.CLAIM_CHANNEL).execute(Tuple.of(channel, node)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new Claim(row.getLong("owner_epoch"), row.getLong("seq"), row.getLong("published_seq"));
    });
  }

  /**
   * The channels {@code node} claimed last and may not have published all of (at most a
   * thousand; those beyond wait for their next write).
   */
  public Future<List<String>> channelsLeftBy(String node) {
    return pool.preparedQuery(SqlQueries.CHANNELS_LEFT_BY).execute(Tuple.of(node)).map(rows -> {
      List<String> names = new ArrayList<>(rows.size());
      rows.forEach(row -> names.add(row.getString("name")));
      return names;
    });
  }

  /**
   * Stores {@code batch} under the writer's {@code fences} (one per channel of the batch); fails
   * (storage unavailable) only when the statement itself failed.
   */
  public Future<Result> store(List<Item> batch, Map<String, Fence> fences) {
    // A retry can catch up with its first attempt in one batch: each key goes to PostgreSQL once.
    Map<String, Item> distinct = new LinkedHashMap<>();
    for (Item item : batch) {
      distinct.putIfAbsent(key(item), item);
    }
    int size = distinct.size();
    String[] channels = new String[size];
    Long[] authors = new Long[size];
    String[] texts = new String[size];
    String[] keys = new String[size];
    String[] mentions = new String[size];
    int i = 0;
    for (Item item : distinct.values()) {
      channels[i] = item.channel();
      authors[i] = item.author().getLong("id");
      texts[i] = item.text();
      keys[i] = item.dedupKey();
      mentions[i] = item.mentions() == null ? null : item.mentions().encode();
      i++;
    }
    String[] fenced = fences.keySet().toArray(String[]::new);
    Long[] epochs = new Long[fenced.length];
    Long[] published = new Long[fenced.length];
    for (int f = 0; f < fenced.length; f++) {
      epochs[f] = fences.get(fenced[f]).epoch();
      published[f] = fences.get(fenced[f]).publishedSeq();
    }
    long started = System.nanoTime();
    return pool.preparedQuery(SqlQueries.INSERT_MESSAGES)
      .execute(Tuple.of(channels, authors, texts, keys, fenced, epochs, published, mentions))
      .compose(rows -> {
        stats.storeLatency(System.nanoTime() - started);
        stats.messagesStored(rows.size());
        Map<String, Row> stored = new HashMap<>();
        for (Row row : rows) {
          stored.put(key(row.getLong("author_id"), row.getString("client_id")), row);
        }
        if (stored.size() == size) {
          return resolve(batch, stored, fences, Map.of());
        }
        return pool.preparedQuery(SqlQueries.CHANNEL_EPOCHS)
          .execute(Tuple.of((Object) fenced))
          .compose(existing -> {
            Map<String, Long> epochNow = new HashMap<>();
            existing.forEach(row -> epochNow.put(row.getString("name"), row.getLong("owner_epoch")));
            return resolve(batch, stored, fences, epochNow);
          });
      });
  }

  /**
   * Each item's outcome: its new row; for a repeated key the message stored before; missing or
   * stale when its channel is gone or claimed by another writer. {@code epochNow} holds the
   * channels' epochs; it is only read for items that were not stored.
   */
  private Future<Result> resolve(List<Item> batch, Map<String, Row> stored, Map<String, Fence> fences,
                                 Map<String, Long> epochNow) {
    List<Future<Outcome>> outcomes = new ArrayList<>(batch.size());
    Map<String, JsonObject> fresh = new HashMap<>();
    for (Item item : batch) {
      String key = key(item);
      Row row = stored.remove(key);
      Long epoch = epochNow.get(item.channel());
      JsonObject earlier = fresh.get(key);
      if (row != null) {
        JsonObject message = Shapes.message(row.getLong("id"), item.channel(), row.getLong("seq"), item.author(),
          item.text(), row.getOffsetDateTime("created_at"), null, item.mentions());
        fresh.put(key, message);
        outcomes.add(Future.succeededFuture(Outcome.fresh(message)));
      } else if (earlier != null) {
        outcomes.add(Future.succeededFuture(Outcome.repeat(earlier))); // the same key earlier in this batch
      } else if (epoch == null) {
        outcomes.add(Future.succeededFuture(Outcome.MISSING_CHANNEL));
      } else if (epoch != fences.get(item.channel()).epoch()) {
        outcomes.add(Future.succeededFuture(Outcome.STALE));
      } else {
        outcomes.add(pool.preparedQuery(SqlQueries.MESSAGE_BY_CLIENT_ID)
          .execute(Tuple.of(item.author().getLong("id"), item.dedupKey()))
          .map(rows -> Outcome.repeat(rows.size() == 0 ? null : Rows.message(rows.iterator().next()))));
      }
    }
    return Future.all(outcomes).map(all -> new Result(all.list()));
  }

  /**
   * Where message {@code id} is, for an author who wants to change it: its channel; 404 when there
   * is no such message (or it was deleted), 403 when someone else wrote it.
   */
  public Future<String> channelToChange(long id, long authorId) {
    return pool.preparedQuery(SqlQueries.MESSAGE_PLACE).execute(Tuple.of(id)).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      ChatException refusal = refusal(id, row, authorId);
      return refusal != null ? Future.failedFuture(refusal) : Future.succeededFuture(row.getString("channel"));
    });
  }

  /**
   * Why {@code authorId} may not change message {@code id}, from its row ({@code author_id},
   * {@code deleted}; null or a null author: no such message): 404 gone, 403 someone else's, or
   * null when they may.
   */
  private static ChatException refusal(long id, Row row, long authorId) {
    if (row == null || row.getLong("author_id") == null || row.getBoolean("deleted")) {
      return ChatException.notFound("no message " + id);
    }
    if (row.getLong("author_id") != authorId) {
      return ChatException.forbidden("only the author may change message " + id);
    }
    return null;
  }

  /** Where message {@code id} is, for a reaction: its channel; 404 when there is no such message (or it was deleted). */
  public Future<String> channelOf(long id) {
    return pool.preparedQuery(SqlQueries.MESSAGE_CHANNEL).execute(Tuple.of(id)).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      return row == null || row.getBoolean("deleted") ? Future.failedFuture(ChatException.notFound("no message " + id))
        : Future.succeededFuture(row.getString("channel"));
    });
  }

  /** Stores an edit, a delete or a reaction toggle as the channel's next event, under the writer's claim {@code epoch}. */
  public Future<ChangeOutcome> change(Change change, long epoch) {
    if (change.isReaction()) {
      return toggleReaction(change, epoch);
    }
    Tuple args = Tuple.of(change.id(), change.authorId(), change.channel(), epoch);
    Future<RowSet<Row>> query = change.isDelete()
      ? pool.preparedQuery(SqlQueries.DELETE_MESSAGE).execute(args)
      : pool.preparedQuery(SqlQueries.EDIT_MESSAGE).execute(args.addString(change.text()).addValue(change.mentions()));
    return query.compose(rows -> {
      if (rows.size() == 0) {
        return refused(change, epoch);
      }
      Row row = rows.iterator().next();
      long seq = row.getLong("event_seq");
      if (change.isDelete()) {
        return Future.succeededFuture(new ChangeOutcome(Shapes.deleteEvent(change.id(), change.channel(), seq),
          new JsonObject().put("id", change.id()), false));
      }
      JsonObject message = Rows.message(row);
      return Future.succeededFuture(new ChangeOutcome(Shapes.editEvent(message, seq), message, false));
    });
  }

  /**
   * Toggles a reaction and reads the message as it left it, in one transaction (the channel row
   * stays locked until both are done, so the event's message is exactly the state of its number).
   * 409 over a limit, 404 when the message is gone, stale when the claim is.
   */
  private Future<ChangeOutcome> toggleReaction(Change change, long epoch) {
    Tuple args = Tuple.of(change.id(), change.authorId(), change.channel(), epoch, change.emoji(),
      (long) Emoji.MAX_PER_PERSON, (long) Emoji.MAX_PER_MESSAGE);
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.TOGGLE_REACTION).execute(args).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture((ChangeOutcome) null);
      }
      Row row = rows.iterator().next();
      String outcome = row.getString("outcome");
      if ("too_many_yours".equals(outcome)) {
        return Future.failedFuture(new ChatException(ErrorCodes.CONFLICT,
          "you have " + Emoji.MAX_PER_PERSON + " reactions on this message already; remove one first"));
      }
      if ("too_many_emoji".equals(outcome)) {
        return Future.failedFuture(new ChatException(ErrorCodes.CONFLICT,
          "this message has " + Emoji.MAX_PER_MESSAGE + " different reactions already; add one of those"));
      }
      long seq = row.getLong("event_seq");
      return conn.preparedQuery(SqlQueries.MESSAGE_BY_ID).execute(Tuple.of(change.id())).map(read -> {
        JsonObject message = Rows.message(read.iterator().next());
        return new ChangeOutcome(Shapes.reactionEvent(message, seq), message, false);
      });
    })).compose(done -> done != null ? Future.succeededFuture(done) : reactionRefused(change, epoch));
  }

  /** After a toggle stored nothing: stale when the claim is, else the message is gone (404). */
  private Future<ChangeOutcome> reactionRefused(Change change, long epoch) {
    return pool.preparedQuery(SqlQueries.CHANGE_REFUSED).execute(Tuple.of(change.id(), change.channel())).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      if (row != null && row.getLong("owner_epoch") != epoch) {
        return Future.succeededFuture(ChangeOutcome.STALE);
      }
      return Future.failedFuture(ChatException.notFound("no message " + change.id()));
    });
  }

  // ---- Mentions

  /**
   * The users named by each of {@code candidates} (the names a message's "@name" tokens may stand
   * for), case-insensitively: candidate as written -> its users' {@code {"id","name"}}. Only the
   * candidates that name somebody are keys. One query.
   */
  public Future<Map<String, List<JsonObject>>> usersNamed(List<String> candidates) {
    return pool.preparedQuery(SqlQueries.USERS_NAMED)
      .execute(Tuple.of(candidates.toArray(String[]::new)))
      .map(rows -> {
        Map<String, List<JsonObject>> named = new HashMap<>();
        rows.forEach(row -> named.computeIfAbsent(row.getString("candidate"), c -> new ArrayList<>())
          .add(Shapes.mention(row.getLong("id"), row.getString("name"))));
        return named;
      });
  }

  /**
   * How many messages mention {@code userId} in each channel after the sequence number they have
   * read it through ({@code afterSeq}: channel name -> seq): not deleted, not written by them, at
   * most {@code cap} per channel. Every channel asked is a key (0 for one that does not exist).
   * One query.
   */
  public Future<Map<String, Integer>> mentionCounts(long userId, Map<String, Long> afterSeq, int cap) {
    String[] names = afterSeq.keySet().toArray(String[]::new);
    Long[] seqs = new Long[names.length];
    for (int n = 0; n < names.length; n++) {
      seqs[n] = afterSeq.get(names[n]);
    }
    return pool.preparedQuery(SqlQueries.MENTION_COUNTS)
      .execute(Tuple.of(userId, names, seqs, cap))
      .map(rows -> {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String name : names) {
          counts.put(name, 0);
        }
        rows.forEach(row -> counts.put(row.getString("channel"), row.getLong("mentions").intValue()));
        return counts;
      });
  }

  /** An item's (author, dedup key), as the unique index sees it. */
  private static String key(Item item) {
    return key(item.author().getLong("id"), item.dedupKey());
  }

  private static String key(long author, String dedupKey) {
    return author + "/" + dedupKey;
  }

  /** After a change stored nothing: stale when the claim is, else 404 gone or 403 someone else's. */
  private Future<ChangeOutcome> refused(Change change, long epoch) {
    return pool.preparedQuery(SqlQueries.CHANGE_REFUSED).execute(Tuple.of(change.id(), change.channel())).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      if (row != null && row.getLong("owner_epoch") != epoch) {
        return Future.succeededFuture(ChangeOutcome.STALE);
      }
      ChatException refusal = refusal(change.id(), row, change.authorId());
      return Future.failedFuture(refusal != null ? refusal
        : ChatException.forbidden("only the author may change message " + change.id()));
    });
  }

  /**
   * A history page: {@code after} null for the newest messages before {@code before} (null: the
   * newest of all), else the oldest after {@code after}; with the channel's sequence number. 404
   * when the channel does not exist.
   */
  public Future<JsonObject> history(String channel, Long before, Long after, int limit) {
    Future<RowSet<Row>> query = after == null
      ? pool.preparedQuery(SqlQueries.HISTORY_BEFORE).execute(Tuple.of(channel, before, limit))
      : pool.preparedQuery(SqlQueries.HISTORY_AFTER).execute(Tuple.of(channel, after, before, limit));
    return query.compose(rows -> page(channel, rows, (row, page) -> page.add(Rows.message(row)), page ->
      Shapes.messagesPage(page, rows.iterator().next().getLong("channel_seq"))));
  }

  /**
   * The page around message {@code id}, oldest first: {@code limit - limit / 2} messages up to and
   * with it, {@code limit / 2} after it (25 and 25 of 50), with the channel's sequence number; 404 when the channel does not exist
   * or the message is not in it (deleted, trimmed or never there).
   */
  public Future<JsonObject> around(String channel, long id, int limit) {
    return pool.preparedQuery(SqlQueries.HISTORY_AROUND).execute(Tuple.of(channel, id, limit - limit / 2, limit / 2))
      .compose(rows -> rows.size() > 0 && rows.iterator().next().getLong("target_seq") == null
        ? Future.failedFuture(ChatException.notFound("no message " + id + " in '" + channel + "'"))
        : page(channel, rows, (row, page) -> page.add(Rows.message(row)), page ->
          Shapes.messagesPage(page, rows.iterator().next().getLong("channel_seq"))));
  }

  /** The channel's events after sequence number {@code afterSeq}, at most {@code limit}; 404 when it does not exist. */
  public Future<JsonObject> eventsAfter(String channel, long afterSeq, int limit) {
    return pool.preparedQuery(SqlQueries.EVENTS_AFTER).execute(Tuple.of(channel, afterSeq, limit))
      .compose(rows -> page(channel, rows, (row, page) -> page.add(Rows.event(row)), page -> {
        boolean more = page.size() == limit;
        long through = more ? page.getJsonObject(page.size() - 1).getLong("seq")
          : rows.iterator().next().getLong("channel_seq");
        return Shapes.eventsPage(page, through, more);
      }));
  }

  /** The rows of a history query (one row of nulls: an empty page; none: no channel) as a page. */
  private static Future<JsonObject> page(String channel, RowSet<Row> rows,
                                         java.util.function.BiConsumer<Row, JsonArray> add,
                                         java.util.function.Function<JsonArray, JsonObject> shape) {
    if (rows.size() == 0) {
      return Future.failedFuture(ChatException.notFound("no channel '" + channel + "'"));
    }
    JsonArray page = new JsonArray();
    for (Row row : rows) {
      if (row.getLong("id") != null) {
        add.accept(row, page);
      }
    }
    return Future.succeededFuture(shape.apply(page));
  }
}
