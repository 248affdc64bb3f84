package io.vertxchat.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two real nodes on 127.0.0.1 find each other by multicast, with no seed list. This needs no set-up
 * of the machine: the loopback interface of a stock Linux (Debian 12 here, without the MULTICAST
 * flag and without a route for 224.0.0.0/4) still delivers a multicast datagram to a socket that
 * joined the group on 127.0.0.1 when it is also sent from 127.0.0.1, which is what
 * {@link Discovery} asks of Hazelcast. A group and port of the test's own, and its own cluster name,
 * keep it apart from any other run on the machine. (Hazelcast binds the multicast socket to the
 * wildcard address: it only takes in datagrams, of the group and port below.)
 */
@Timeout(120)
class MulticastJoinTest {
  private static final List<ChatNode> nodes = new ArrayList<>();
  private static final Vertx client = Vertx.vertx();
  private static final WebClient web = WebClient.create(client);

  @AfterAll
  static void close() throws Exception {
    for (ChatNode node : nodes) {
      node.close().await(30, TimeUnit.SECONDS);
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void two_nodes_on_loopback_form_one_cluster_by_multicast_without_a_member_list() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Map<String, String> common = TestNodes.clusterEnv(TestPostgres.get().newDatabaseUrl(), "chat-mc-" + UUID.randomUUID());
    assertEquals("", common.get("CHAT_CLUSTER_MEMBERS"), "no seed list");
    common.put("CHAT_CLUSTER_DISCOVERY", "multicast");
    common.put("CHAT_CLUSTER_MULTICAST_GROUP", "239.255." + random.nextInt(256) + "." + random.nextInt(1, 255));
    common.put("CHAT_CLUSTER_MULTICAST_PORT", String.valueOf(TestPostgres.freePort()));

    ChatNode a = start(common);
    ChatNode b = start(common);

    for (ChatNode node : List.of(a, b)) {
      Await.until(client, 20_000, node.publicUrl() + "/ready says the cluster has 2 members",
        () -> clusterMembers(node) == 2);
    }
  }

  private static ChatNode start(Map<String, String> common) {
    ChatNode node = TestNodes.start(TestNodes.withNode(common, TestPostgres.freePort()));
    nodes.add(node);
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
