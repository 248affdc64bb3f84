package io.vertxchat;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertxchat.chat.ChatVerticle;
import io.vertxchat.cluster.BusTls;
import io.vertxchat.cluster.Discovery;
import io.vertxchat.config.ChatConfig;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.Inbound;
import io.vertxchat.contract.LocalCodec;
import io.vertxchat.contract.Membership;
import io.vertxchat.http.HttpVerticle;
import io.vertxchat.http.auth.ClusterSecrets;
import io.vertxchat.ops.MetricsSetup;
import io.vertxchat.ops.MonitorVerticle;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.persistence.Migrations;
import io.vertxchat.persistence.PersistenceVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One running node: Vert.x (clustered or not), the schema migrated, and the three verticles
 * deployed in dependency order: persistence, chat, then HTTP. {@link #close()} undeploys in the
 * reverse order, so sockets close before the stores they write to, and then leaves the cluster.
 */
public final class ChatNode {
  private static final Logger LOG = LoggerFactory.getLogger(ChatNode.class);
  /** Longest wait for one shutdown step (in-flight stores, each verticle). */
  private static final long STEP_TIMEOUT_MS = 10_000;
  /** First Hazelcast serializer type id of Bucket4j's (it takes a few consecutive ids). */
  private static final int BUCKET4J_TYPE_ID_BASE = 10_000;

  private final Vertx vertx;
  private final JsonObject config;
  private final String nodeId;
  private final List<String> deployments;
  private final NodeStats stats;
  private Future<Void> closing;

  private ChatNode(Vertx vertx, JsonObject config, String nodeId, List<String> deployments, NodeStats stats) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.deployments = deployments;
    this.stats = stats;
  }

  /** Starts a node from environment-style settings; must not be called on a Vert.x thread. */
  public static Future<ChatNode> start(Map<String, String> env) {
    JsonObject config = ChatConfig.load(env);
    NodeStats stats = new NodeStats("chat-" + UUID.randomUUID());
    // The result is bound to no Vert.x context: after a failed start, Vert.x is closed, and a
    // callback on one of its event loops would be rejected and leave the caller waiting.
    Promise<ChatNode> result = Promise.promise();
    vertx(config.getJsonObject("cluster"), stats).onComplete(built -> {
      if (built.failed()) {
        result.fail(built.cause());
        return;
      }
      Vertx vertx = built.result();
      stats.bind(vertx);
      deploy(vertx, config, stats).onComplete(deployed -> {
        if (deployed.succeeded()) {
          result.complete(deployed.result());
        } else {
          stats.unbind(vertx);
          new Thread(() -> vertx.close().onComplete(v -> result.fail(deployed.cause())), "chat-close").start();
        }
      });
    });
    return result.future();
  }

  /**
   * Vert.x with metrics into this node's own registry (never the global one), on Netty's epoll
   * transport where it loads (Linux), else NIO.
   */
  private static Future<Vertx> vertx(JsonObject cluster, NodeStats stats) {
    VertxOptions options = new VertxOptions()
      .setMetricsOptions(MetricsSetup.options(stats))
      .setPreferNativeTransport(true);
    if (!cluster.getBoolean("enabled")) {
      return Future.succeededFuture(Vertx.builder()
        .with(options)
        .withMetrics(MetricsSetup.factory(stats))
        .build());
    }
    // Node to node over TLS with client certificates when CHAT_CLUSTER_TLS_* name the files.
    options.setEventBusOptions(BusTls.apply(
      new EventBusOptions().setHost(cluster.getString("host")).setPort(cluster.getInteger("busPort")), cluster));
    return Vertx.builder()
      .with(options)
      .withMetrics(MetricsSetup.factory(stats))
      .withClusterManager(new HazelcastClusterManager(hazelcast(cluster)))
      .buildClustered();
  }

  /**
   * Hazelcast on the configured interface and port, joining by {@code CHAT_CLUSTER_DISCOVERY}
   * ({@link Discovery}); no phone-home, no shutdown hook of its own (the node leaves on close).
   */
  static Config hazelcast(JsonObject cluster) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.getString("name"));
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Bucket4j's entry processors (the cluster-wide rate limits) in its compact form, not Java serialization.
    HazelcastProxyManager.addCustomSerializers(hz.getSerializationConfig(), BUCKET4J_TYPE_ID_BASE);
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(cluster.getInteger("port")).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.getString("host")));
    Discovery.apply(hz, cluster);
    return hz;
  }

  private static Future<ChatNode> deploy(Vertx vertx, JsonObject config, NodeStats stats) {
    String nodeId = vertx.isClustered() ? clusterNodeId(vertx) : UUID.randomUUID().toString();
    List<String> deployments = Collections.synchronizedList(new ArrayList<>());
    registerCodecs(vertx.eventBus());
    PersistenceVerticle persistence = new PersistenceVerticle();
    JsonObject http = config.getJsonObject("http");
    int instances = http.getInteger("instances") > 0 ? http.getInteger("instances")
      : Runtime.getRuntime().availableProcessors();
    return vertx.executeBlocking(() -> {
        Migrations.migrate(config.getJsonObject("pg").getString("url"));
        return null;
      })
      .compose(v -> vertx.deployVerticle(persistence, options(
        new JsonObject().put("pg", config.getJsonObject("pg")).put("history", config.getJsonObject("history")))))
      .compose(id -> {
        deployments.add(id);
        return vertx.deployVerticle(new ChatVerticle(persistence.messages(), persistence.channelStore()), options(
          new JsonObject()
            .put("node", nodeId)
            // One batch per pool connection: under load the channels waiting meanwhile share the
            // next batch's commit, and the pool's queue stays short enough never to time out.
            .put("storeConcurrency", config.getJsonObject("pg").getInteger("poolSize"))
            .put("limits", config.getJsonObject("limits"))));
      })
      .compose(id -> {
        deployments.add(id);
        return ClusterSecrets.obtain(vertx);
      })
      .compose(secrets -> vertx.deployVerticle(HttpVerticle.class.getName(), options(new JsonObject()
          .put("node", nodeId)
          .put("http", http)
          .put("auth", config.getJsonObject("auth"))
          .put("limits", config.getJsonObject("limits"))
          .put("secrets", secrets))
        .setInstances(instances)))
      .compose(id -> {
        deployments.add(id);
        return vertx.deployVerticle(MonitorVerticle.class.getName(), options(new JsonObject().put("node", nodeId)));
      })
      .map(id -> {
        deployments.add(id);
        LOG.info("node {} ready at {} ({} HTTP instance(s), clustered: {}, epoll transport: {})", nodeId,
          http.getString("publicUrl"), instances, vertx.isClustered(), vertx.isNativeTransportEnabled());
        return new ChatNode(vertx, config, nodeId, deployments, stats);
      });
  }

  /** Channel events travel pre-encoded between nodes; local requests travel as records, by reference. */
  private static void registerCodecs(EventBus bus) {
    ChannelEvent.register(bus);
    LocalCodec.register(bus, Inbound.class);
    LocalCodec.register(bus, Membership.Join.class);
    LocalCodec.register(bus, Membership.Leave.class);
  }

  private static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.EVENT_LOOP);
  }

  private static String clusterNodeId(Vertx vertx) {
    return ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId();
  }

  public Vertx vertx() {
    return vertx;
  }

  public JsonObject config() {
    return config;
  }

  public String nodeId() {
    return nodeId;
  }

  public String publicUrl() {
    return config.getJsonObject("http").getString("publicUrl");
  }

  /** The node's metrics and live figures. */
  public NodeStats stats() {
    return stats;
  }

  /**
   * Drains and stops the node, in bounded time: {@code /ready} turns 503 and new sockets are
   * refused; after {@code CHAT_DRAIN_SECONDS} (time for a load balancer to notice) the stores in
   * flight finish and their senders get their answers; then the monitor, HTTP (open sockets are
   * closed with 1001 "going away", which browsers take as "reconnect", and land on another node),
   * chat and persistence verticles stop, and the node leaves the cluster. Calling it again returns
   * the same future.
   */
  public synchronized Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    stats.startDraining();
    long grace = TimeUnit.SECONDS.toMillis(config.getJsonObject("http").getInteger("drainSeconds"));
    LOG.info("node {} draining: not ready, refusing new sockets", nodeId);
    List<String> reverse = new ArrayList<>(deployments);
    Collections.reverse(reverse);
    Future<Void> chain = (grace > 0 ? vertx.timer(grace).<Void>mapEmpty() : Future.<Void>succeededFuture())
      .compose(v -> vertx.eventBus().request(Addresses.CHAT_DRAIN, new JsonObject(),
          new DeliveryOptions().setSendTimeout(STEP_TIMEOUT_MS))
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("node {}: stores still in flight after {} ms", nodeId, STEP_TIMEOUT_MS);
          return Future.succeededFuture();
        }));
    for (String id : reverse) {
      chain = chain.compose(v -> vertx.undeploy(id)
        .timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(e -> {
          LOG.warn("node {}: verticle {} did not stop cleanly: {}", nodeId, id, e.toString());
          return Future.succeededFuture();
        }));
    }
    // Vert.x is closed from a thread of its own, and the result is a promise bound to no context:
    // a callback on one of the event loops being shut down would be rejected.
    Promise<Void> done = Promise.promise();
    chain.onComplete(v -> new Thread(() -> vertx.close().onComplete(closed -> {
      stats.unbind(vertx);
      LOG.info("node {} stopped", nodeId);
      done.handle(closed);
    }), "chat-close").start());
    closing = done.future();
    return closing;
  }
}
