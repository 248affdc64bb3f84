package io.vertxchat.persistence;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.contract.Shapes;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.contract.StoreMessages.Outcome;
import io.vertxchat.contract.StoreMessages.Result;
import io.vertxchat.ops.NodeStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The write path's storage: a batch of sends, of one or several channels, in one statement and one
 * commit. The channel writer calls it directly (the hot path takes no event-bus hop to get here);
 * it runs on the caller's context. The pool is the persistence verticle's.
 */
public final class MessageStore {
  private final Pool pool;
  private final NodeStats stats;

  MessageStore(Pool pool, NodeStats stats) {
    this.pool = pool;
    this.stats = stats;
  }

  /** Stores {@code batch}; fails (storage unavailable) only when the statement itself failed. */
  public Future<Result> store(List<Item> batch) {
    int size = batch.size();
    String[] channels = new String[size];
    Long[] authors = new Long[size];
    String[] texts = new String[size];
    String[] keys = new String[size];
    for (int i = 0; i < size; i++) {
      Item item = batch.get(i);
      channels[i] = item.channel();
      authors[i] = item.author().getLong("id");
      texts[i] = item.text();
      keys[i] = item.dedupKey();
    }
    long started = System.nanoTime();
    return pool.preparedQuery(SqlQueries.INSERT_MESSAGES)
      .execute(Tuple.of(channels, authors, texts, keys))
      .compose(rows -> {
        stats.storeLatency(System.nanoTime() - started);
        stats.messagesStored(rows.size());
        Map<String, Row> stored = new HashMap<>();
        for (Row row : rows) {
          stored.put(row.getLong("author_id") + "/" + row.getString("client_id"), row);
        }
        if (stored.size() == size) {
          return resolve(batch, stored, Set.of());
        }
        return pool.preparedQuery(SqlQueries.EXISTING_CHANNELS)
          .execute(Tuple.of((Object) channels))
          .compose(existing -> {
            Set<String> names = new HashSet<>();
            existing.forEach(row -> names.add(row.getString("name")));
            return resolve(batch, stored, names);
          });
      });
  }

  /**
   * Each item's outcome: its new row, or for a repeated key the message stored before. {@code existing}
   * names the channels that exist; it is only read for items that were not stored.
   */
  private Future<Result> resolve(List<Item> batch, Map<String, Row> stored, Set<String> existing) {
    List<Future<Outcome>> outcomes = new ArrayList<>(batch.size());
    for (Item item : batch) {
      Row row = stored.remove(item.author().getLong("id") + "/" + item.dedupKey());
      if (row != null) {
        outcomes.add(Future.succeededFuture(Outcome.fresh(Shapes.message(row.getLong("id"), item.channel(),
          item.author(), item.text(), row.getOffsetDateTime("created_at"), null))));
      } else if (!existing.contains(item.channel())) {
        outcomes.add(Future.succeededFuture(Outcome.MISSING_CHANNEL));
      } else {
        outcomes.add(pool.preparedQuery(SqlQueries.MESSAGE_BY_CLIENT_ID)
          .execute(Tuple.of(item.author().getLong("id"), item.dedupKey()))
          .map(rows -> Outcome.repeat(rows.size() == 0 ? null : Rows.message(rows.iterator().next()))));
      }
    }
    return Future.all(outcomes).map(all -> new Result(all.list()));
  }
}
