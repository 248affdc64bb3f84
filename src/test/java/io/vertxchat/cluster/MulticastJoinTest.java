package io.vertxchat.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two real nodes on 127.0.0.1 find each other by multicast, with no seed list, and talk over an
 * event bus on the fixed port {@code CHAT_CLUSTER_BUS_PORT}.
 *
 * <p>No set-up of the machine is needed: on Linux (Debian 12 here, as root or not) the loopback
 * interface delivers a multicast datagram sent from 127.0.0.1 to a socket that joined the group on
 * 127.0.0.1, although {@code lo} has no MULTICAST flag and no route for 224.0.0.0/4; {@link Discovery}
 * makes Hazelcast join and send on CHAT_CLUSTER_HOST's interface. A group, a port and a cluster
 * name of the test's own keep it apart from any other run on the machine.
 */
@Timeout(120)
class MulticastJoinTest {
  private static final List<ChatNode> nodes = new ArrayList<>();
  private static final Vertx client = Vertx.vertx();
  private static final WebClient web = WebClient.create(client);

  private static ChatNode a;
  private static ChatNode b;
  private static final Map<ChatNode, Integer> busPorts = new HashMap<>();

  @BeforeAll
  static void nodes() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Map<String, String> common = TestNodes.clusterEnv(TestPostgres.get().newDatabaseUrl(), "chat-mc-" + UUID.randomUUID());
    common.put("CHAT_CLUSTER_DISCOVERY", "multicast");
    common.put("CHAT_CLUSTER_MULTICAST_GROUP", "239.255." + random.nextInt(256) + "." + random.nextInt(1, 255));
    common.put("CHAT_CLUSTER_MULTICAST_PORT", String.valueOf(TestPostgres.freePort()));
    a = start(common);
    b = start(common);
  }

  @AfterAll
  static void close() throws Exception {
    for (ChatNode node : nodes) {
      node.close().await(30, TimeUnit.SECONDS);
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void two_nodes_on_loopback_form_one_cluster_by_multicast_without_a_member_list() {
    assertEquals("", a.config().getJsonObject("cluster").getString("members"), "no seed list");
    for (ChatNode node : List.of(a, b)) {
      Await.until(client, 20_000, node.publicUrl() + "/ready says the cluster has 2 members",
        () -> clusterMembers(node) == 2);
    }
  }

  @Test
  void the_event_bus_between_them_listens_on_the_fixed_bus_port() {
    for (ChatNode node : List.of(a, b)) {
      assertEquals(busPorts.get(node), ((VertxInternal) node.vertx()).clusterManager().getNodeInfo().port(),
        "CHAT_CLUSTER_BUS_PORT is the port the other members connect to");
    }
    String address = "test.bus." + UUID.randomUUID();
    Await.result(b.vertx().eventBus().<String>consumer(address, m -> m.reply("pong from B")).completion());
    Await.until(client, 20_000, "a request from A is answered by B over the event bus", () -> {
      try {
        return "pong from B".equals(a.vertx().eventBus().request(address, "ping").await(2, TimeUnit.SECONDS).body());
      } catch (Exception notYet) {
        return false;   // B's registration has not reached A yet
      }
    });
  }

  private static ChatNode start(Map<String, String> common) {
    Map<String, String> env = TestNodes.withNode(common, TestPostgres.freePort());
    int busPort = TestPostgres.freePort();
    env.put("CHAT_CLUSTER_BUS_PORT", String.valueOf(busPort));
    ChatNode node = TestNodes.start(env);
    nodes.add(node);
    busPorts.put(node, busPort);
    return node;
  }

  /** The cluster size the node reports on {@code /ready}, as an operator sees it; -1 before it is ready. */
  private static int clusterMembers(ChatNode node) {
    HttpResponse<Buffer> ready = Await.result(web.getAbs(node.publicUrl() + "/ready").send(), 10_000);
    if (ready.statusCode() != 200) {
      return -1;
    }
    for (Object check : ready.bodyAsJsonObject().getJsonArray("checks")) {
      JsonObject c = (JsonObject) check;
      if ("cluster".equals(c.getString("id"))) {
        return c.getJsonObject("data").getInteger("members");
      }
    }
    return -1;
  }
}
