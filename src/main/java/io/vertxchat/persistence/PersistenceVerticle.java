package io.vertxchat.persistence;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import io.vertxchat.config.PgUrl;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChatException;
import io.vertxchat.contract.ErrorCodes;
import io.vertxchat.ops.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Owns PostgreSQL: the pool, every query, and the history trim timer. Other verticles reach it
 * through the local {@code chat.internal.store.*} addresses, except the write path, which calls
 * its {@link MessageStore} directly. Storage faults become 503
 * replies; the pool reconnects by itself when the database is back.
 *
 * <p>Config: {@code {"pg":{"url","poolSize"},"history":{"keep","trimSeconds"}}}.
 */
public class PersistenceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PersistenceVerticle.class);
  /** Advisory lock key for trimming: "chattrim". */
  private static final long TRIM_LOCK_KEY = 0x6368617474726d6dL;
  private static final String UNIQUE_VIOLATION = "23505";

  private Pool pool;
  private MessageStore messages;
  private ChannelStore channels;
  private int keep;
  private NodeStats stats;

  @Override
  public Future<?> start() {
    JsonObject pg = config().getJsonObject("pg");
    JsonObject history = config().getJsonObject("history");
    keep = history.getInteger("keep");
    stats = NodeStats.of(vertx);
    PgConnectOptions connect = PgUrl.parse(pg.getString("url"))
      .setReconnectAttempts(0)
      .setCachePreparedStatements(true)
      .setPipeliningLimit(16);
    PoolOptions poolOptions = new PoolOptions()
      .setMaxSize(pg.getInteger("poolSize"))
      .setName("chat-pg")
      .setConnectionTimeout(3)
      .setConnectionTimeoutUnit(TimeUnit.SECONDS)
      .setMaxWaitQueueSize(10_000);
    pool = PgBuilder.pool()
      .with(poolOptions)
      .with(new NetClientOptions().setConnectTimeout(2_000))
      .connectingTo(connect)
      .using(vertx)
      .build();
    messages = new MessageStore(pool, stats);
    channels = new ChannelStore(pool);

    long trimPeriod = TimeUnit.SECONDS.toMillis(history.getInteger("trimSeconds"));
    vertx.setPeriodic(trimPeriod, trimPeriod, id -> trim());

    return Future.all(List.of(
      consume(Addresses.STORE_HISTORY, this::history),
      consume(Addresses.STORE_CHANNELS, body -> allChannels()),
      consume(Addresses.STORE_CHANNEL_GET, this::channel),
      consume(Addresses.STORE_CHANNEL_CREATE, this::createChannel),
      consume(Addresses.STORE_USER_UPSERT, this::upsertUser),
      consume(Addresses.STORE_USER_GET, this::user),
      consume(Addresses.STORE_LAST_CHANNELS, this::rememberLastChannels),
      consume(Addresses.STORE_TRIM, body -> trim()),
      consume(Addresses.STORE_PING, body -> ping())
    )).compose(all -> ping()).onFailure(e -> LOG.error("PostgreSQL is not reachable at start", e));
  }

  /** The write path's store, on this verticle's pool; set once started. */
  public MessageStore messages() {
    return messages;
  }

  /** Members, direct conversations, read positions and people, on this verticle's pool; set once started. */
  public ChannelStore channelStore() {
    return channels;
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** Registers a local consumer whose handler answers with a future; failures become contract codes. */
  private Future<Void> consume(String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().<JsonObject>localConsumer(address, message -> {
      Future<JsonObject> result;
      try {
        result = handler.apply(message.body() == null ? new JsonObject() : message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(reply -> answer(address, message, reply.result(), reply.cause()));
    }).completion();
  }

  private static void answer(String address, Message<JsonObject> message, JsonObject result, Throwable failure) {
    if (failure == null) {
      message.reply(result);
    } else if (failure instanceof ChatException chat) {
      message.fail(chat.failureCode(), chat.getMessage());
    } else {
      LOG.warn("storage failure on {}: {}", address, failure.toString());
      message.fail(ErrorCodes.STORAGE_UNAVAILABLE, ErrorCodes.STORAGE_UNAVAILABLE_MESSAGE);
    }
  }

  // ---- Messages: writes go through {@link MessageStore}, called by the channel writer.

  private Future<JsonObject> history(JsonObject body) {
    String channel = body.getString("channel");
    int limit = body.getInteger("limit");
    Long afterSeq = body.getLong("afterSeq");
    return afterSeq != null
      ? messages.eventsAfter(channel, afterSeq, limit)
      : messages.history(channel, body.getLong("before"), body.getLong("after"), limit);
  }

  // ---- Channels

  private Future<JsonObject> allChannels() {
    return pool.query(ChannelQueries.CHANNELS)
      .execute()
      .map(rows -> {
        JsonArray channels = new JsonArray();
        rows.forEach(row -> channels.add(Rows.channel(row)));
        return new JsonObject().put("channels", channels);
      });
  }

  private Future<JsonObject> channel(JsonObject body) {
    return requireChannel(body.getString("name"));
  }

  private Future<JsonObject> requireChannel(String name) {
    return pool.preparedQuery(ChannelQueries.CHANNEL_BY_NAME)
      .execute(Tuple.of(name))
      .compose(rows -> rows.size() == 0
        ? Future.failedFuture(ChatException.notFound("no channel '" + name + "'"))
        : Future.succeededFuture(Rows.channel(rows.iterator().next())));
  }

  private Future<JsonObject> createChannel(JsonObject body) {
    String name = body.getString("name");
    return pool.preparedQuery(ChannelQueries.INSERT_CHANNEL)
      .execute(Tuple.of(name, body.getLong("createdBy"), body.getString("kind", "public")))
      .map(rows -> Rows.channel(rows.iterator().next()))
      .recover(e -> Future.failedFuture(e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
        ? new ChatException(ErrorCodes.CONFLICT, "channel '" + name + "' exists already")
        : e));
  }

  // ---- Users

  private Future<JsonObject> upsertUser(JsonObject body) {
    return pool.preparedQuery(SqlQueries.UPSERT_USER)
      .execute(Tuple.of(body.getString("provider"), body.getString("subject"), body.getString("name"),
        body.getString("email"), body.getString("avatarUrl"), body.getString("profileUrl")))
      .map(rows -> Rows.userWithSettings(rows.iterator().next()));
  }

  private Future<JsonObject> user(JsonObject body) {
    return pool.preparedQuery(SqlQueries.USER_BY_ID)
      .execute(Tuple.of(body.getLong("id")))
      .compose(rows -> rows.size() == 0
        ? Future.failedFuture(ChatException.notFound("no user " + body.getLong("id")))
        : Future.succeededFuture(Rows.userWithSettings(rows.iterator().next())));
  }

  private Future<JsonObject> rememberLastChannels(JsonObject body) {
    JsonArray users = body.getJsonArray("users");
    Long[] ids = new Long[users.size()];
    String[] channels = new String[users.size()];
    for (int i = 0; i < users.size(); i++) {
      ids[i] = users.getJsonObject(i).getLong("id");
      channels[i] = users.getJsonObject(i).getString("channel");
    }
    return pool.preparedQuery(SqlQueries.SET_LAST_CHANNELS)
      .execute(Tuple.tuple().addArrayOfLong(ids).addArrayOfString(channels))
      .map(rows -> new JsonObject().put("updated", rows.rowCount()));
  }

  // ---- Health and trimming

  private Future<JsonObject> ping() {
    return pool.query(SqlQueries.PING).execute().map(rows -> new JsonObject().put("ok", true));
  }

  /** Trims every channel to the newest {@code keep} messages, unless another node is trimming now. */
  private Future<JsonObject> trim() {
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.TRY_TRIM_LOCK)
        .execute(Tuple.of(TRIM_LOCK_KEY))
        .compose(lock -> {
          if (!lock.iterator().next().getBoolean("locked")) {
            return Future.succeededFuture(new JsonObject().put("ran", false).put("deleted", 0));
          }
          return conn.preparedQuery(SqlQueries.TRIM_HISTORY)
            .execute(Tuple.of(keep))
            .map(rows -> new JsonObject().put("ran", true).put("deleted", rows.rowCount()));
        }))
      .onSuccess(result -> {
        stats.trimmed(result.getBoolean("ran"), result.getInteger("deleted"));
        if (result.getInteger("deleted") > 0) {
          LOG.info("trimmed {} message(s) to keep {} per channel", result.getInteger("deleted"), keep);
        }
      })
      .onFailure(e -> {
        stats.trimFailed();
        LOG.warn("history trim failed: {}", e.toString());
      });
  }
}
