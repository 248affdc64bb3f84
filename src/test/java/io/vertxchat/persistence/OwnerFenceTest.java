package io.vertxchat.persistence;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertxchat.config.PgUrl;
import io.vertxchat.contract.StoreMessages.Change;
import io.vertxchat.contract.StoreMessages.ChangeOutcome;
import io.vertxchat.contract.StoreMessages.Claim;
import io.vertxchat.contract.StoreMessages.Fence;
import io.vertxchat.contract.StoreMessages.Item;
import io.vertxchat.contract.StoreMessages.Outcome;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner-epoch fence on real PostgreSQL, with two writers forced onto one channel: each claim
 * fences the ones before it, a writer whose claim is stale stores nothing (no message, no edit, no
 * number used), and numbers have no holes, also with repeated clientIds in a batch.
 */
@Timeout(60)
class OwnerFenceTest {
  private static Vertx vertx;
  private static Pool pool;
  private static MessageStore store;
  private static String database;
  private static JsonObject author;

  @BeforeAll
  static void database() {
    String url = TestPostgres.get().newDatabaseUrl();
    database = TestPostgres.databaseOf(url);
    Migrations.migrate(url);
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(PgUrl.parse(url)).using(vertx).build();
    store = new MessageStore(pool, new NodeStats("fence-test-" + UUID.randomUUID()));
    long id = Long.parseLong(psql("INSERT INTO users (provider, subject, name) VALUES ('dev', 'fence', 'Fence')"
      + " RETURNING id").lines().findFirst().orElseThrow().trim());
    author = new JsonObject().put("id", id).put("name", "Fence");
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_writer_whose_claim_is_stale_stores_nothing() throws Exception {
    String channel = newChannel();
    Claim a = await(store.claim(channel, "node-a"));
    Claim b = await(store.claim(channel, "node-b"));
    assertEquals(a.epoch() + 1, b.epoch(), "each claim raises the epoch");
    assertEquals("node-b", psql("SELECT owner_node FROM channels WHERE name = '" + channel + "'").trim());

    Outcome refused = await(store.store(List.of(item(channel, "a-1")), Map.of(channel, new Fence(a.epoch(), 0))))
      .outcomes().get(0);
    assertTrue(refused.stale(), "node a's claim is stale");
    assertEquals("0|0", psql("SELECT count(*), (SELECT seq FROM channels WHERE name = '" + channel + "')"
      + " FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.name = '" + channel + "'").trim());

    Outcome stored = await(store.store(List.of(item(channel, "b-1")), Map.of(channel, new Fence(b.epoch(), 0))))
      .outcomes().get(0);
    assertTrue(stored.stored());
    assertEquals(1, stored.message().getLong("seq"));
    long id = stored.message().getLong("id");

    ChangeOutcome staleEdit = await(store.change(new Change(id, channel, author.getLong("id"), "from a"), a.epoch()));
    assertTrue(staleEdit.stale());
    ChangeOutcome staleDelete = await(store.change(new Change(id, channel, author.getLong("id"), null), a.epoch()));
    assertTrue(staleDelete.stale());
    assertEquals("hello b-1|1|f", psql("SELECT m.text, c.seq, m.deleted_at IS NOT NULL FROM messages m"
      + " JOIN channels c ON c.id = m.channel_id WHERE m.id = " + id).trim());

    ChangeOutcome edit = await(store.change(new Change(id, channel, author.getLong("id"), "from b"), b.epoch()));
    assertFalse(edit.stale());
    assertEquals(2, edit.event().getLong("seq"));
    assertEquals("from b", edit.reply().getString("text"));
  }

  @Test
  void a_new_owner_learns_what_its_predecessor_may_not_have_published() throws Exception {
    String channel = newChannel();
    Claim a = await(store.claim(channel, "node-a"));
    await(store.store(List.of(item(channel, "p-1"), item(channel, "p-2"), item(channel, "p-3")),
      Map.of(channel, new Fence(a.epoch(), 0))));
    // Its next batch records that it had published through 3; then it dies before publishing 4.
    await(store.store(List.of(item(channel, "p-4")), Map.of(channel, new Fence(a.epoch(), 3))));
    Claim b = await(store.claim(channel, "node-b"));
    assertEquals(4, b.seq());
    assertEquals(3, b.publishedSeq(), "the new owner republishes what lies after 3");
    JsonObject tail = await(store.eventsAfter(channel, b.publishedSeq(), 100));
    assertEquals(1, tail.getJsonArray("events").size());
    assertEquals(4, tail.getJsonArray("events").getJsonObject(0).getLong("seq"));
  }

  @Test
  void repeated_client_ids_leave_no_hole_in_the_numbers() throws Exception {
    String channel = newChannel();
    Claim a = await(store.claim(channel, "node-a"));
    Fence fence = new Fence(a.epoch(), 0);
    await(store.store(List.of(item(channel, "r-1")), Map.of(channel, fence)));
    // r-1 again (stored before), r-2 twice in one batch (a retry that caught up), then r-3.
    List<Outcome> outcomes = await(store.store(List.of(item(channel, "r-1"), item(channel, "r-2"),
      item(channel, "r-2"), item(channel, "r-3")), Map.of(channel, fence))).outcomes();
    assertFalse(outcomes.get(0).stored());
    assertEquals(1, outcomes.get(0).message().getLong("seq"));
    assertEquals(2, outcomes.get(1).message().getLong("seq"));
    assertEquals(2, outcomes.get(2).message().getLong("seq"), "the repeat in the batch answers the same message");
    assertEquals(3, outcomes.get(3).message().getLong("seq"));
    assertEquals("1,2,3|3", psql("SELECT string_agg(m.seq::text, ',' ORDER BY m.seq), max(c.seq) FROM messages m"
      + " JOIN channels c ON c.id = m.channel_id WHERE c.name = '" + channel + "'").trim());
  }

  @Test
  void a_missing_channel_cannot_be_claimed() throws Exception {
    assertNull(await(store.claim("no-such-channel", "node-a")));
  }

  private static Item item(String channel, String clientId) {
    return new Item(channel, author, "hello " + clientId, Item.clientKey(clientId));
  }

  private static String newChannel() {
    String name = "fence-" + UUID.randomUUID().toString().substring(0, 8);
    psql("INSERT INTO channels (name) VALUES ('" + name + "')");
    return name;
  }

  private static String psql(String sql) {
    return TestPostgres.get().psql(database, sql);
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.await(20, TimeUnit.SECONDS);
  }
}
