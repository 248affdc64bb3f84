package io.vertxchat.persistence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.contract.Shapes;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Full-text search in PostgreSQL ({@link SearchQueries#SEARCH}): one statement per page, over the
 * channels the chat verticle says the user may read. Each result's snippet comes back as parts
 * (text, and whether it is a match), split here from markers that are random per query, so no
 * stored text can fake a match and a browser never needs to parse markup.
 */
final class MessageSearch {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;

  MessageSearch(Pool pool) {
    this.pool = pool;
  }

  /**
   * {@code {"channels":[name],"q","offset","limit"}} (validated by the chat verticle) replies
   * {@code {"results":[{"message","snippet","rank"}],"offset","more"}}.
   */
  Future<JsonObject> search(JsonObject body) {
    String[] channels = body.getJsonArray("channels").stream().map(String.class::cast).toArray(String[]::new);
    int offset = body.getInteger("offset");
    int limit = body.getInteger("limit");
    String marker = HexFormat.of().formatHex(bytes());
    String start = "\u2063s" + marker + "\u2063";
    String stop = "\u2063e" + marker + "\u2063";
    String options = "HighlightAll=true, StartSel=\"" + start + "\", StopSel=\"" + stop + "\"";
    return pool.preparedQuery(SearchQueries.SEARCH)
      .execute(Tuple.tuple().addArrayOfString(channels).addString(body.getString("q")).addInteger(offset)
        .addInteger(limit + 1).addString(options))
      .map(rows -> {
        JsonArray results = new JsonArray();
        for (Row row : rows) {
          if (results.size() == limit) {
            break;
          }
          results.add(Shapes.searchResult(Rows.message(row),
            Snippets.of(row.getString("marked"), start, stop), row.getDouble("rank")));
        }
        return Shapes.searchPage(results, offset, rows.size() > limit);
      });
  }

  private static byte[] bytes() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
