package io.vertxchat.abuse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.config.PgUrl;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What every abuse case needs: the shared cluster, row counts to prove nothing was stored that
 * should not be, and a check that both nodes still answer afterwards.
 */
final class AbuseFixture {
  private static WebClient web;
  private static Pool pool;

  private AbuseFixture() {
  }

  static TestNodes nodes() {
    return TestNodes.shared();
  }

  /** Rows of the tables an attacker might try to write: messages, channels, users. */
  record Counts(long messages, long channels, long users) {
    Counts plusMessages(int n) {
      return new Counts(messages + n, channels, users);
    }

    Counts plusChannels(int n) {
      return new Counts(messages, channels + n, users);
    }
  }

  static Counts counts() {
    Row row = await(pg().query("SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM channels) AS c,"
      + " (SELECT count(*) FROM users) AS u").execute()).iterator().next();
    return new Counts(row.getLong("m"), row.getLong("c"), row.getLong("u"));
  }

  /** A small pool of our own on the shared database: much quicker than a psql process per query. */
  static synchronized Pool pg() {
    if (pool == null) {
      pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(2))
        .connectingTo(PgUrl.parse(nodes().pgUrl()))
        .using(nodes().clientVertx())
        .build();
    }
    return pool;
  }

  static String scalar(String sql, Object... params) {
    RowSet<Row> rows = await(pg().preparedQuery(sql).execute(Tuple.from(params)));
    return rows.size() == 0 ? null : String.valueOf(rows.iterator().next().getValue(0));
  }

  /** Both nodes answer /health, and a signed-in request through the bus still works. */
  static void nodesStillAnswer(ChatClient probe) {
    for (String url : new String[] {nodes().a().publicUrl(), nodes().b().publicUrl()}) {
      HttpResponse<Buffer> health = await(client().getAbs(url + "/health").send());
      assertEquals(200, health.statusCode(), url + " /health after the case");
    }
    assertEquals(200, probe.get("/api/channels").statusCode(), "the API still answers after the case");
  }

  static synchronized WebClient client() {
    if (web == null) {
      // A fresh connection per request: a case may leave a connection the server is closing.
      web = WebClient.create(nodes().clientVertx(), new io.vertx.ext.web.client.WebClientOptions().setKeepAlive(false));
    }
    return web;
  }

  static BridgeClient socket(String cookie, String origin) {
    return BridgeClient.open(nodes().clientVertx(), nodes().a().publicUrl(), cookie, origin);
  }

  static String origin() {
    return nodes().a().publicUrl();
  }

  /** md5 of a string's UTF-8 bytes, as PostgreSQL's md5(text) computes it. */
  static String md5(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String storedMd5(long id) {
    return scalar("SELECT md5(text) FROM messages WHERE id = $1", id);
  }

  static long storedAuthor(long id) {
    return Long.parseLong(scalar("SELECT author_id FROM messages WHERE id = $1", id));
  }

  static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("timed out or failed: " + e, e);
    }
  }

  static JsonObject json(String text) {
    return new JsonObject(text);
  }
}
