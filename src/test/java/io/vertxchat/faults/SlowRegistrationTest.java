package io.vertxchat.faults;

import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertxchat.ChatNode;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node learns that another node now has subscribers of an address some time after that
 * subscription is stored in the cluster: each node keeps its own cached route per address and
 * refreshes it from Hazelcast's entry events on one background thread. Under load (a reconnect
 * storm, CI's busy machine) that lag reached seconds, and a client that joined a channel and paged
 * its history at once missed a message the owner published in between: the history came before
 * it, the publish went by the stale route. Here that background thread is held on both nodes,
 * which is the lag made long and certain; the joiner must still get every message sent after its
 * history answer.
 */
@Timeout(120)
class SlowRegistrationTest {
  /** How long the routes stay stale: far longer than a send takes. */
  private static final long HOLD_MS = 3_000;

  private static TestNodes nodes;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.pair();
  }

  @AfterAll
  static void close() {
    nodes.close();
  }

  @Test
  void a_socket_that_joins_while_the_cluster_spreads_its_registration_slowly_gets_every_later_message() throws Exception {
    ChatClient alice = nodes.signInOnA("Alice");
    ChatClient bob = nodes.signInOnB("Bob");
    String channel = TestNodes.newChannel(alice);
    String address = Addresses.channel(channel);
    // A subscriber on A only, and one message: the channel's owner now has a route for the address, to A alone.
    BridgeClient onA = sockets.subscribed(alice, address);
    nodes.awaitRegistrationPropagation(address, 1);
    onA.request(Addresses.SEND, new JsonObject().put("channel", channel).put("text", "before"));
    onA.awaitEvent(address, "message");

    CountDownLatch release = new CountDownLatch(1);
    holdRouteUpdates(nodes.a(), release);
    holdRouteUpdates(nodes.b(), release);
    nodes.clientVertx().setTimer(HOLD_MS, t -> release.countDown());
    try {
      // As a client resumes: register, then page history at once.
      BridgeClient onB = sockets.keep(Await.result(bob.connect(BridgeClient.options().timeout(30_000))));
      onB.register(address);
      JsonObject history = onB.request(Addresses.HISTORY, new JsonObject().put("channel", channel).put("limit", 50));
      assertEquals(1, history.getJsonObject("body").getJsonArray("messages").size(), "history before the send: " + history);

      long sent = onA.request(Addresses.SEND, new JsonObject().put("channel", channel).put("text", "after your history"))
        .getJsonObject("body").getLong("id");
      JsonObject event = Await.result(onB.next(f -> address.equals(f.getString("address"))
        && "message".equals(f.getJsonObject("body").getString("type"))
        && f.getJsonObject("body").getJsonObject("message").getLong("id") == sent, 10_000));
      assertEquals("after your history", event.getJsonObject("body").getJsonObject("message").getString("text"));
    } finally {
      release.countDown();
    }
  }

  /**
   * Holds the node's route refreshes until {@code release}: vertx-hazelcast runs them, one after
   * another, on the single thread of its {@code Throttling} executor; a task that waits there
   * delays every refresh behind it.
   */
  private static void holdRouteUpdates(ChatNode node, CountDownLatch release) throws Exception {
    HazelcastClusterManager cluster = (HazelcastClusterManager) ((VertxInternal) node.vertx()).clusterManager();
    Object subs = field(cluster, "subsMapHelper");
    Object throttling = field(subs, "throttling");
    ExecutorService executor = (ExecutorService) field(throttling, "executorService");
    CountDownLatch held = new CountDownLatch(1);
    executor.execute(() -> {
      held.countDown();
      try {
        release.await(HOLD_MS * 10, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(held.await(10, TimeUnit.SECONDS), "the route refresh thread of " + node.nodeId() + " is held");
  }

  private static Object field(Object owner, String name) throws Exception {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }
}
