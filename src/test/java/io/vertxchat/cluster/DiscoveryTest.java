package io.vertxchat.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.ConfigXmlGenerator;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.MulticastConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertxchat.config.ChatConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Hazelcast join configuration each {@code CHAT_CLUSTER_DISCOVERY} produces, read back from
 * Hazelcast's own {@code Config} (and its XML rendering, as an operator would write it). Kubernetes
 * discovery can only run inside a cluster, so it is checked here, by the configuration; TCP and
 * multicast also join for real (the cluster tests and {@link MulticastJoinTest}).
 */
class DiscoveryTest {

  @Test
  void tcp_is_the_default_and_joins_the_seed_list_plus_this_member() {
    JoinConfig join = join(env("CHAT_CLUSTER_MEMBERS", "10.0.0.2:5701, 10.0.0.3:5701",
      "CHAT_CLUSTER_HOST", "10.0.0.1", "CHAT_CLUSTER_PORT", "5701"));
    assertEquals(List.of("tcp-ip"), enabled(join));
    assertEquals(List.of("10.0.0.2:5701", "10.0.0.3:5701", "10.0.0.1:5701"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void multicast_uses_the_group_and_port_on_one_segment_with_no_seed_list() {
    Config hz = hazelcast(env("CHAT_CLUSTER_DISCOVERY", "multicast",
      "CHAT_CLUSTER_MULTICAST_GROUP", "239.1.2.3", "CHAT_CLUSTER_MULTICAST_PORT", "54400"));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertEquals(List.of("multicast"), enabled(join));
    MulticastConfig multicast = join.getMulticastConfig();
    assertEquals("239.1.2.3", multicast.getMulticastGroup());
    assertEquals(54400, multicast.getMulticastPort());
    assertEquals(1, multicast.getMulticastTimeToLive(), "datagrams stay on the local segment");
    assertEquals("true", hz.getProperty("hazelcast.multicast.socket.set.interface"),
      "the group is joined on CHAT_CLUSTER_HOST's interface, loopback included");
  }

  @Test
  void kubernetes_api_mode_reads_the_endpoints_of_the_named_service() {
    Config hz = hazelcast(env("CHAT_CLUSTER_DISCOVERY", "kubernetes", "CHAT_CLUSTER_PORT", "5701",
      "CHAT_CLUSTER_KUBERNETES_NAMESPACE", "chat", "CHAT_CLUSTER_KUBERNETES_SERVICE_NAME", "vertx-chat-hazelcast"));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertEquals(List.of("kubernetes"), enabled(join));
    assertEquals(Map.of("namespace", "chat", "service-name", "vertx-chat-hazelcast", "service-port", "5701",
      "resolve-not-ready-addresses", "true"), join.getKubernetesConfig().getProperties());
    String xml = joinXml(hz);
    assertTrue(xml.contains("<kubernetes enabled=\"true\">"), xml);
    assertTrue(xml.contains("<service-name>vertx-chat-hazelcast</service-name>"), xml);
    assertTrue(xml.contains("<namespace>chat</namespace>"), xml);
  }

  @Test
  void kubernetes_dns_mode_looks_up_the_headless_service_and_needs_no_api_access() {
    Config hz = hazelcast(env("CHAT_CLUSTER_DISCOVERY", "kubernetes", "CHAT_CLUSTER_PORT", "5701",
      "CHAT_CLUSTER_KUBERNETES_SERVICE_DNS", "vertx-chat-hazelcast.chat.svc.cluster.local",
      "CHAT_CLUSTER_KUBERNETES_SERVICE_PORT", "5801"));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertEquals(List.of("kubernetes"), enabled(join));
    KubernetesConfig kubernetes = join.getKubernetesConfig();
    assertEquals(Map.of("service-dns", "vertx-chat-hazelcast.chat.svc.cluster.local", "service-port", "5801"),
      kubernetes.getProperties(), "Hazelcast refuses service-dns together with service-name; the DNS name carries the namespace");
    assertTrue(joinXml(hz).contains("<service-dns>vertx-chat-hazelcast.chat.svc.cluster.local</service-dns>"));
  }

  @Test
  void kubernetes_without_a_namespace_leaves_it_to_hazelcast_which_reads_the_pods_own() {
    Config hz = hazelcast(env("CHAT_CLUSTER_DISCOVERY", "kubernetes",
      "CHAT_CLUSTER_KUBERNETES_SERVICE_NAME", "vertx-chat-hazelcast"));
    assertEquals(null, hz.getNetworkConfig().getJoin().getKubernetesConfig().getProperty("namespace"));
  }

  /** The node's settings with dev sign-in (some provider is required) and clustering on. */
  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("CHAT_DEV_LOGIN", "true");
    env.put("CHAT_CLUSTER", "true");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  /** Hazelcast's configuration as the node starts from it (Vert.x's defaults), with the node's discovery applied. */
  private static Config hazelcast(Map<String, String> env) {
    JsonObject cluster = ChatConfig.load(env).getJsonObject("cluster");
    Config hz = ConfigUtil.loadConfig();
    Discovery.apply(hz, cluster);
    hz.getNetworkConfig().getJoin().verify();
    return hz;
  }

  private static JoinConfig join(Map<String, String> env) {
    return hazelcast(env).getNetworkConfig().getJoin();
  }

  /** Every join method Hazelcast would use: exactly one is the rule. */
  private static List<String> enabled(JoinConfig join) {
    List<String> on = new ArrayList<>();
    if (join.getTcpIpConfig().isEnabled()) {
      on.add("tcp-ip");
    }
    if (join.getMulticastConfig().isEnabled()) {
      on.add("multicast");
    }
    if (join.getAutoDetectionConfig().isEnabled()) {
      on.add("auto-detection");
    }
    if (join.getKubernetesConfig().isEnabled()) {
      on.add("kubernetes");
    }
    if (join.getAwsConfig().isEnabled() || join.getGcpConfig().isEnabled() || join.getAzureConfig().isEnabled()
      || join.getEurekaConfig().isEnabled()) {
      on.add("cloud");
    }
    if (!join.getDiscoveryConfig().getDiscoveryStrategyConfigs().isEmpty()) {
      on.add("discovery-strategies");
    }
    return on;
  }

  /** The {@code <join>} element as Hazelcast renders this configuration in hazelcast.xml. */
  private static String joinXml(Config hz) {
    String xml = new ConfigXmlGenerator(true).generate(hz);
    return xml.substring(xml.indexOf("<join>"), xml.indexOf("</join>") + "</join>".length());
  }
}
