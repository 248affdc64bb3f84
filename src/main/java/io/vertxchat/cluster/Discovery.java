package io.vertxchat.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a member finds the others ({@code CHAT_CLUSTER_DISCOVERY}): the join part of the Hazelcast
 * configuration, built from the node's {@code cluster} settings, with exactly one join method
 * enabled (Hazelcast refuses to start with two).
 * <ul>
 *   <li>{@code tcp}: the seed list {@code CHAT_CLUSTER_MEMBERS}, plus this member itself;</li>
 *   <li>{@code multicast}: a UDP group on the interface of {@code CHAT_CLUSTER_HOST}, one LAN segment;</li>
 *   <li>{@code kubernetes}: Hazelcast's built-in Kubernetes discovery, the endpoints of a headless
 *   service read through the Kubernetes API ({@code service-name}) or its DNS records
 *   ({@code service-dns}).</li>
 * </ul>
 */
public final class Discovery {
  public static final String TCP = "tcp";
  public static final String MULTICAST = "multicast";
  public static final String KUBERNETES = "kubernetes";

  /** Multicast datagrams stay on the local segment: no router forwards them. */
  private static final int MULTICAST_TTL = 1;
  /** How long a multicast joiner waits for a master's answer before becoming the first member. */
  private static final int MULTICAST_TIMEOUT_SECONDS = 2;

  private Discovery() {
  }

  /** Sets the join method of {@code hz} from the {@code cluster} settings (already checked by ChatConfig). */
  public static void apply(Config hz, JsonObject cluster) {
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    String method = cluster.getString("discovery");
    switch (method) {
      case TCP -> tcp(join, cluster);
      case MULTICAST -> multicast(hz, join, cluster);
      case KUBERNETES -> kubernetes(join, cluster);
      default -> throw new IllegalArgumentException("unknown discovery method '" + method + "'");
    }
  }

  private static void tcp(JoinConfig join, JsonObject cluster) {
    List<String> members = new ArrayList<>(Arrays.stream(cluster.getString("members").split(","))
      .map(String::trim)
      .filter(s -> !s.isEmpty())
      .toList());
    members.add(cluster.getString("host") + ":" + cluster.getInteger("port"));
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
  }

  private static void multicast(Config hz, JoinConfig join, JsonObject cluster) {
    join.getMulticastConfig()
      .setEnabled(true)
      .setMulticastGroup(cluster.getString("multicastGroup"))
      .setMulticastPort(cluster.getInteger("multicastPort"))
      .setMulticastTimeToLive(MULTICAST_TTL)
      .setMulticastTimeoutSeconds(MULTICAST_TIMEOUT_SECONDS)
      // Members on one host (tests, scripts/cluster.sh) hear each other's datagrams.
      .setLoopbackModeEnabled(true);
    // Send and join the group on CHAT_CLUSTER_HOST's interface. Hazelcast does so by default except
    // on a loopback address, where the group would then be joined on the default route's interface
    // and members bound to 127.0.0.1 would not hear each other.
    hz.setProperty("hazelcast.multicast.socket.set.interface", "true");
  }

  private static void kubernetes(JoinConfig join, JsonObject cluster) {
    KubernetesConfig kubernetes = join.getKubernetesConfig().setEnabled(true);
    int port = cluster.getInteger("kubernetesServicePort");
    kubernetes.setProperty("service-port", String.valueOf(port > 0 ? port : cluster.getInteger("port")));
    String dns = cluster.getString("kubernetesServiceDns");
    if (!dns.isEmpty()) {
      kubernetes.setProperty("service-dns", dns);
      return;
    }
    kubernetes.setProperty("service-name", cluster.getString("kubernetesServiceName"));
    // Empty: Hazelcast takes the pod's own namespace (its service account's namespace file).
    String namespace = cluster.getString("kubernetesNamespace");
    if (!namespace.isEmpty()) {
      kubernetes.setProperty("namespace", namespace);
    }
    // Members must find each other before /ready (which needs the cluster) lets a pod be ready.
    kubernetes.setProperty("resolve-not-ready-addresses", "true");
  }
}
