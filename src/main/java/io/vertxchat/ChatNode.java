package io.vertxchat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertxchat.chat.ChatVerticle;
import io.vertxchat.config.ChatConfig;
import io.vertxchat.http.HttpVerticle;
import io.vertxchat.http.auth.ClusterSecrets;
import io.vertxchat.persistence.Migrations;
import io.vertxchat.persistence.PersistenceVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One running node: Vert.x (clustered or not), the schema migrated, and the three verticles
 * deployed in dependency order: persistence, chat, then HTTP. {@link #close()} undeploys in the
 * reverse order, so sockets close before the stores they write to, and then leaves the cluster.
 */
public final class ChatNode {
  private static final Logger LOG = LoggerFactory.getLogger(ChatNode.class);

  private final Vertx vertx;
  private final JsonObject config;
  private final String nodeId;
  private final List<String> deployments;

  private ChatNode(Vertx vertx, JsonObject config, String nodeId, List<String> deployments) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.deployments = deployments;
  }

  /** Starts a node from environment-style settings; must not be called on a Vert.x thread. */
  public static Future<ChatNode> start(Map<String, String> env) {
    JsonObject config = ChatConfig.load(env);
    return vertx(config.getJsonObject("cluster")).compose(vertx -> deploy(vertx, config)
      .recover(e -> vertx.close().transform(v -> Future.failedFuture(e))));
  }

  private static Future<Vertx> vertx(JsonObject cluster) {
    VertxOptions options = new VertxOptions();
    if (!cluster.getBoolean("enabled")) {
      return Future.succeededFuture(Vertx.vertx(options));
    }
    options.setEventBusOptions(new EventBusOptions().setHost(cluster.getString("host")).setPort(0));
    return Vertx.builder()
      .with(options)
      .withClusterManager(new HazelcastClusterManager(hazelcast(cluster)))
      .buildClustered();
  }

  /** Hazelcast over TCP-IP on the configured interface: no multicast, no auto-detection, no phone-home. */
  static Config hazelcast(JsonObject cluster) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.getString("name"));
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(cluster.getInteger("port")).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.getString("host")));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    List<String> members = new ArrayList<>(Arrays.stream(cluster.getString("members").split(","))
      .map(String::trim)
      .filter(s -> !s.isEmpty())
      .toList());
    members.add(cluster.getString("host") + ":" + cluster.getInteger("port"));
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    return hz;
  }

  private static Future<ChatNode> deploy(Vertx vertx, JsonObject config) {
    String nodeId = vertx.isClustered() ? clusterNodeId(vertx) : UUID.randomUUID().toString();
    List<String> deployments = Collections.synchronizedList(new ArrayList<>());
    JsonObject http = config.getJsonObject("http");
    int instances = http.getInteger("instances") > 0 ? http.getInteger("instances")
      : Runtime.getRuntime().availableProcessors();
    return vertx.executeBlocking(() -> {
        Migrations.migrate(config.getJsonObject("pg").getString("url"));
        return null;
      })
      .compose(v -> vertx.deployVerticle(PersistenceVerticle.class.getName(), options(
        new JsonObject().put("pg", config.getJsonObject("pg")).put("history", config.getJsonObject("history")))))
      .compose(id -> {
        deployments.add(id);
        return vertx.deployVerticle(ChatVerticle.class.getName(), options(
          new JsonObject().put("node", nodeId).put("limits", config.getJsonObject("limits"))));
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
      .map(id -> {
        deployments.add(id);
        LOG.info("node {} ready at {} ({} HTTP instance(s), clustered: {})", nodeId, http.getString("publicUrl"),
          instances, vertx.isClustered());
        return new ChatNode(vertx, config, nodeId, deployments);
      });
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

  /** Undeploys HTTP, chat, then persistence, and leaves the cluster. */
  public Future<Void> close() {
    List<String> reverse = new ArrayList<>(deployments);
    Collections.reverse(reverse);
    Future<Void> chain = Future.succeededFuture();
    for (String id : reverse) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    return chain.compose(v -> vertx.close());
  }
}
