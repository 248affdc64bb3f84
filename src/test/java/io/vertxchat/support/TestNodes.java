package io.vertxchat.support;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertxchat.ChatNode;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.ChatClient;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Starts real nodes for tests: each with its own free HTTP port, the dev provider on, a real
 * PostgreSQL database, and (for clusters) real Hazelcast on 127.0.0.1 under a cluster name of its
 * own. {@link #shared()} is one two-node cluster reused by every test class of the run, since
 * joining costs seconds; tests keep apart by using channels of their own.
 */
public final class TestNodes {
  private static TestNodes shared;

  private final String pgUrl;
  private final ChatNode a;
  private final ChatNode b;
  private final Vertx clientVertx;

  private TestNodes(String pgUrl, ChatNode a, ChatNode b) {
    this.pgUrl = pgUrl;
    this.a = a;
    this.b = b;
    this.clientVertx = Vertx.vertx();
  }

  /** The two-node cluster every ordinary test shares; started on first use. */
  public static synchronized TestNodes shared() {
    if (shared == null) {
      shared = pair();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** A two-node cluster of its own, on a database of its own, for a test that stops a node; the caller closes it. */
  public static TestNodes pair() {
    return cluster(TestPostgres.get().newDatabaseUrl(), Map.of());
  }

  /**
   * A two-node cluster of its own (its own cluster name) on {@code pgUrl}, with {@code extra}
   * settings on both nodes (e.g. tight limits); the caller closes it with {@link #close()}.
   */
  public static TestNodes cluster(String pgUrl, Map<String, String> extra) {
    int portA = TestPostgres.freePort();
    int portB = TestPostgres.freePort();
    Map<String, String> common = clusterEnv(pgUrl, "chat-test-" + UUID.randomUUID(), portA, portB);
    common.putAll(extra);
    ChatNode a = start(withNode(common, portA));
    ChatNode b = start(withNode(common, portB));
    return new TestNodes(pgUrl, a, b);
  }

  /** Settings of a clustered test node whose cluster's members listen on these Hazelcast ports. */
  public static Map<String, String> clusterEnv(String pgUrl, String cluster, int... clusterPorts) {
    Map<String, String> env = baseEnv(pgUrl);
    env.put("CHAT_CLUSTER", "true");
    env.put("CHAT_CLUSTER_NAME", cluster);
    StringBuilder members = new StringBuilder();
    for (int port : clusterPorts) {
      members.append(members.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
    }
    env.put("CHAT_CLUSTER_MEMBERS", members.toString());
    return env;
  }

  /** Settings of a test node: dev sign-in, generous rate limits, no trim timer during tests. */
  public static Map<String, String> baseEnv(String pgUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("CHAT_PG_URL", pgUrl);
    env.put("CHAT_DEV_LOGIN", "true");
    env.put("CHAT_HTTP_INSTANCES", "2");
    env.put("CHAT_HISTORY_TRIM_SECONDS", "86400");
    env.put("CHAT_RATE_SENDS_PER_SECOND", "10000");
    env.put("CHAT_RATE_SEND_BURST", "10000");
    env.put("CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", "10000");
    return env;
  }

  /** Adds this node's ports: HTTP on {@code httpPort}, Hazelcast on {@code httpPort}'s own free port. */
  public static Map<String, String> withNode(Map<String, String> common, int clusterPort) {
    Map<String, String> env = new HashMap<>(common);
    int httpPort = TestPostgres.freePort();
    env.put("CHAT_HTTP_PORT", String.valueOf(httpPort));
    env.put("CHAT_PUBLIC_URL", "http://localhost:" + httpPort);
    env.put("CHAT_CLUSTER_PORT", String.valueOf(clusterPort));
    return env;
  }

  /** A single node that is not clustered, with extra settings; the caller closes it. */
  public static ChatNode single(String pgUrl, Map<String, String> extra) {
    Map<String, String> env = baseEnv(pgUrl);
    int httpPort = TestPostgres.freePort();
    env.put("CHAT_HTTP_PORT", String.valueOf(httpPort));
    env.put("CHAT_PUBLIC_URL", "http://localhost:" + httpPort);
    env.putAll(extra);
    return start(env);
  }

  public static ChatNode start(Map<String, String> env) {
    try {
      return ChatNode.start(env).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not start: " + e.getMessage(), e);
    }
  }

  /** Waits until both nodes agree on a non-empty set of nodes with subscribers of {@code address}. */
  public void awaitRegistrationPropagation(String address) {
    Await.until(clientVertx, 10_000, "registrations of " + address + " propagate", () -> {
      Set<String> onA = registrations(a, address);
      return !onA.isEmpty() && onA.equals(registrations(b, address));
    });
  }

  /**
   * Waits until both nodes' event buses agree that {@code nodesWithSubscribers} nodes have
   * subscribers of {@code address}: a publish right after a remote registration can otherwise
   * miss it for a few hundred ms.
   */
  public void awaitRegistrationPropagation(String address, int nodesWithSubscribers) {
    Await.until(clientVertx, 10_000, "registrations of " + address + " propagate", () -> {
      Set<String> onA = registrations(a, address);
      return onA.size() == nodesWithSubscribers && onA.equals(registrations(b, address));
    });
  }

  /** How many event-bus registrations the cluster holds for {@code address}, as {@code node} sees them. */
  public int registrationCount(ChatNode node, String address) {
    return registrationsOf(node, address).size();
  }

  /** Waits until both nodes see subscribers of {@code address} on exactly the {@code expected} nodes. */
  public void awaitRegistrationsOn(String address, ChatNode... expected) {
    Set<String> want = new HashSet<>();
    for (ChatNode node : expected) {
      want.add(node.nodeId());
    }
    Await.until(clientVertx, 10_000, "registrations of " + address + " settle on " + want,
      () -> registrations(a, address).equals(want) && registrations(b, address).equals(want));
  }

  private static Set<String> registrations(ChatNode node, String address) {
    Set<String> nodes = new HashSet<>();
    registrationsOf(node, address).forEach(r -> nodes.add(r.nodeId()));
    return nodes;
  }

  private static List<RegistrationInfo> registrationsOf(ChatNode node, String address) {
    Promise<List<RegistrationInfo>> promise = Promise.promise();
    ((VertxInternal) node.vertx()).clusterManager().getRegistrations(address, promise);
    return Await.result(promise.future());
  }

  public ChatNode a() {
    return a;
  }

  public ChatNode b() {
    return b;
  }

  public String pgUrl() {
    return pgUrl;
  }

  public String database() {
    return TestPostgres.databaseOf(pgUrl);
  }

  /** A person signed in on node A or B. */
  public ChatClient signInOnA(String name) {
    return ChatClient.signIn(clientVertx, a.publicUrl(), name);
  }

  public ChatClient signInOnB(String name) {
    return ChatClient.signIn(clientVertx, b.publicUrl(), name);
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  /** A fresh channel name, created through the API by {@code creator}. */
  public static String newChannel(ChatClient creator) {
    String name = "t-" + UUID.randomUUID().toString().substring(0, 12);
    int status = creator.post("/api/channels", new JsonObject().put("name", name)).statusCode();
    if (status != 201) {
      throw new AssertionError("could not create channel " + name + ": " + status);
    }
    return name;
  }

  /** A fresh private channel's name, created through the API by {@code creator} (its first member). */
  public static String newPrivateChannel(ChatClient creator) {
    String name = "p-" + UUID.randomUUID().toString().substring(0, 12);
    int status = creator.post("/api/channels", new JsonObject().put("name", name).put("private", true)).statusCode();
    if (status != 201) {
      throw new AssertionError("could not create private channel " + name + ": " + status);
    }
    return name;
  }

  /** Runs SQL on the shared database and returns psql's output. */
  public String sql(String sql) {
    return TestPostgres.get().psql(database(), sql);
  }

  /** Stops both nodes (the shared cluster is stopped by a shutdown hook). */
  public void close() {
    try {
      b.close().await(20, TimeUnit.SECONDS);
      a.close().await(20, TimeUnit.SECONDS);
      clientVertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the JVM is exiting anyway
    }
  }
}
