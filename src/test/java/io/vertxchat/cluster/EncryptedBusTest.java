package io.vertxchat.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertxchat.ChatNode;
import io.vertxchat.support.OpenSockets;
import io.vertxchat.support.TestCerts;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event bus between nodes runs over TLS with client certificates: two nodes whose certificates
 * come from the cluster's CAs exchange chat messages; a node with a certificate of another CA, or
 * with no TLS at all, still joins Hazelcast (its open-source member protocol authenticates nobody)
 * but no event-bus message crosses between it and the others, in either direction. Node A's
 * certificate comes from the cluster's CA and node B's from the next one, both trusted: the middle
 * of a CA change.
 */
@Timeout(90)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptedBusTest {
  /** How long a message that must not arrive is given to arrive anyway. */
  private static final long NEVER_MS = 3_000;

  @TempDir
  static Path dir;
  private static TestCerts foreignCa;
  private static Map<String, String> common;
  private static int strangerPort;
  private static int plainPort;
  private static ChatNode a;
  private static ChatNode b;
  private static Vertx clientVertx;
  @RegisterExtension
  final OpenSockets sockets = new OpenSockets();

  @BeforeAll
  static void cluster() {
    TestCerts clusterCa = TestCerts.authority(dir, "cluster");
    TestCerts nextCa = TestCerts.authority(dir, "cluster-next");
    foreignCa = TestCerts.authority(dir, "foreign");
    Path trusted = TestCerts.bundle(dir.resolve("trusted.pem"), clusterCa, nextCa);
    int portA = TestPostgres.freePort();
    int portB = TestPostgres.freePort();
    strangerPort = TestPostgres.freePort();
    plainPort = TestPostgres.freePort();
    common = TestNodes.clusterEnv(TestPostgres.get().newDatabaseUrl(), "chat-tls-" + UUID.randomUUID(),
      portA, portB, strangerPort, plainPort);
    a = TestNodes.start(TestNodes.withNode(with(TestCerts.env(clusterCa.node("node-a"), trusted)), portA));
    b = TestNodes.start(TestNodes.withNode(with(TestCerts.env(nextCa.node("node-b"), trusted)), portB));
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    b.close().await(20, TimeUnit.SECONDS);
    a.close().await(20, TimeUnit.SECONDS);
    clientVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Map<String, String> with(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(extra);
    return env;
  }

  @Test
  @Order(1)
  void a_chat_message_sent_on_one_node_reaches_a_socket_on_the_other_over_tls() {
    ChatClient alice = ChatClient.signIn(clientVertx, a.publicUrl(), "Alice");
    ChatClient bob = ChatClient.signIn(clientVertx, b.publicUrl(), "Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    BridgeClient aliceSocket = sockets.of(alice);
    awaitRegistrations(address, Set.of(b.nodeId()), a, b);

    JsonObject reply = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "over tls"));
    assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
    JsonObject message = bobSocket.awaitEvent(address, "message").getJsonObject("body").getJsonObject("message");
    assertEquals("over tls", message.getString("text"));
    assertEquals("Alice", message.getJsonObject("author").getString("name"));
  }

  @Test
  @Order(2)
  void a_node_with_a_certificate_of_another_ca_joins_hazelcast_but_exchanges_no_event_bus_message() {
    TestCerts.NodeCert stranger = foreignCa.node("stranger");
    assertCutOff(with(TestCerts.env(stranger, foreignCa.caFile())), strangerPort);
  }

  @Test
  @Order(3)
  void a_node_without_tls_joins_hazelcast_but_exchanges_no_event_bus_message() {
    assertCutOff(with(Map.of()), plainPort);
  }

  /** Starts an outsider with {@code env}; checks that it is a Hazelcast member and that nothing crosses the bus. */
  private void assertCutOff(Map<String, String> env, int clusterPort) {
    ChatNode outsider = TestNodes.start(TestNodes.withNode(env, clusterPort));
    try {
      // Membership is not protected: Hazelcast open source checks the cluster name only.
      Await.until(clientVertx, 10_000, "the outsider is a member on every node",
        () -> members(a) == 3 && members(b) == 3 && members(outsider) == 3);

      // A chat message sent on A: Bob's socket on B gets it, Carol's socket on the outsider does not.
      BridgeClient carolSocket = sendUntilStored(outsider);

      // Raw event-bus traffic both ways, over one bounded wait. From the good nodes: B (the
      // witness) gets A's publish, the outsider gets nothing. From the outsider: neither its
      // publish nor its request reaches A or B.
      String toAll = "test.tls." + UUID.randomUUID();
      String toGood = "test.tls." + UUID.randomUUID();
      List<String> onB = consume(List.of(b), toAll);
      List<String> onOutsider = consume(List.of(outsider), toAll);
      List<String> onGoodNodes = consume(List.of(a, b), toGood);
      awaitRegistrations(toAll, Set.of(b.nodeId(), outsider.nodeId()), a, b, outsider);
      awaitRegistrations(toGood, Set.of(a.nodeId(), b.nodeId()), a, b, outsider);
      long sentAt = System.currentTimeMillis();
      a.vertx().eventBus().publish(toAll, "published by A");
      a.vertx().eventBus().send(toAll, "sent by A");
      a.vertx().eventBus().send(toAll, "sent by A, again");
      outsider.vertx().eventBus().publish(toGood, "published by the outsider");
      Future<?> request = outsider.vertx().eventBus().request(toGood, "a request from the outsider",
        new DeliveryOptions().setSendTimeout(NEVER_MS));
      Await.until(clientVertx, 10_000, "B gets A's publish", () -> onB.contains("published by A"));
      Await.until(clientVertx, NEVER_MS + 5_000, "the outsider's request fails", request::failed);
      long left = sentAt + NEVER_MS - System.currentTimeMillis();
      if (left > 0) {
        Await.result(clientVertx.timer(left));
      }

      assertEquals(List.of(), onOutsider, "nothing from the good nodes reaches the outsider");
      assertEquals(List.of(), onGoodNodes, "nothing from the outsider reaches A or B");
      // (Carol does get the presence her own node makes, which names her alone.)
      assertEquals(List.of(), carolSocket.frames().stream()
          .filter(f -> "rec".equals(f.getString("type")) && "message".equals(f.getJsonObject("body").getString("type")))
          .toList(),
        "no chat message reaches a socket on the outsider");
    } finally {
      Await.result(outsider.close(), 30_000);
    }
  }

  /**
   * Alice on A sends to a fresh channel that Bob (on B) and Carol (on the outsider) subscribe;
   * returns Carol's socket. The outsider is a Hazelcast member, so it owns about a third of the
   * channels, and A cannot forward a send to it (503): the first send finds a channel that A or B
   * owns. Carol's register is not proven with a round trip: her node holds her socket's frames
   * until the owner's marker crosses the bus, which it never does; her node's registration is
   * what shows that she is subscribed.
   */
  private BridgeClient sendUntilStored(ChatNode outsider) {
    ChatClient alice = ChatClient.signIn(clientVertx, a.publicUrl(), "Alice");
    ChatClient bob = ChatClient.signIn(clientVertx, b.publicUrl(), "Bob");
    ChatClient carol = ChatClient.signIn(clientVertx, outsider.publicUrl(), "Carol");
    BridgeClient aliceSocket = sockets.of(alice);
    String channel = null;
    for (int attempt = 1; channel == null; attempt++) {
      String candidate = TestNodes.newChannel(alice);
      JsonObject reply = aliceSocket.request("chat.send", new JsonObject().put("channel", candidate).put("text", "first"));
      if (reply.getValue("failureCode") == null) {
        channel = candidate;
      } else {
        assertEquals(503, reply.getInteger("failureCode"), () -> "a send to a channel the outsider owns: " + reply);
        assertTrue(attempt < 5, "five channels in a row owned by the outsider");
      }
    }
    String address = "chat.channel." + channel;
    BridgeClient bobSocket = sockets.subscribed(bob, address);
    BridgeClient carolSocket = sockets.keep(carol.socket());
    carolSocket.register(address);
    awaitRegistrations(address, Set.of(b.nodeId(), outsider.nodeId()), a, b, outsider);

    JsonObject reply = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "members only"));
    assertNull(reply.getValue("failureCode"), () -> "send failed: " + reply);
    assertEquals("members only", bobSocket.awaitEvent(address, "message").getJsonObject("body")
      .getJsonObject("message").getString("text"));
    return carolSocket;
  }

  /** Messages that arrive at {@code address} on any of {@code nodes}, once the consumers are registered. */
  private static List<String> consume(List<ChatNode> nodes, String address) {
    List<String> received = Collections.synchronizedList(new ArrayList<>());
    for (ChatNode node : nodes) {
      MessageConsumer<String> consumer = node.vertx().eventBus().consumer(address, message -> {
        received.add(message.body());
        message.reply("got it");
      });
      Await.result(consumer.completion());
    }
    return received;
  }

  private static int members(ChatNode node) {
    return ((VertxInternal) node.vertx()).clusterManager().getNodes().size();
  }

  /** Waits until every one of {@code views} sees subscribers of {@code address} on exactly {@code nodes}. */
  private static void awaitRegistrations(String address, Set<String> nodes, ChatNode... views) {
    Await.until(clientVertx, 10_000, "registrations of " + address + " propagate", () -> {
      for (ChatNode view : views) {
        Promise<List<RegistrationInfo>> promise = Promise.promise();
        ((VertxInternal) view.vertx()).clusterManager().getRegistrations(address, promise);
        Set<String> seen = new HashSet<>();
        Await.result(promise.future()).forEach(r -> seen.add(r.nodeId()));
        if (!seen.equals(nodes)) {
          return false;
        }
      }
      return true;
    });
  }
}
