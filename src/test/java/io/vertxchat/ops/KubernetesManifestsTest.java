package io.vertxchat.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.config.ChatConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files of {@code ops/kubernetes/} agree with each other and with the node: parsed as YAML
 * (no Kubernetes cluster runs here), the Deployment's environment is loaded by {@link ChatConfig}
 * like a real node's, and the ports, names, selectors and timings the other objects use are
 * checked against it.
 */
class KubernetesManifestsTest {
  private static final Path DIR = Path.of("ops", "kubernetes");
  /** Main.SHUTDOWN_TIMEOUT_S: a node exits at most this long after SIGTERM, drain included. */
  private static final int SHUTDOWN_BOUND_SECONDS = 30;

  private final List<JsonObject> objects = load();
  private final JsonObject deployment = one("Deployment", "vertx-chat");
  private final JsonObject pod = deployment.getJsonObject("spec").getJsonObject("template");
  private final JsonObject container = pod.getJsonObject("spec").getJsonArray("containers").getJsonObject(0);
  /** The node's configuration from the Deployment's environment, as ChatConfig checks it at start. */
  private final JsonObject config = ChatConfig.load(env(container));

  @Test
  void every_object_is_named_in_one_namespace_and_labelled_as_the_app() {
    for (JsonObject object : objects) {
      JsonObject metadata = object.getJsonObject("metadata");
      assertEquals("chat", metadata.getString("namespace"), object.getString("kind") + " " + metadata.getString("name"));
      assertEquals(podLabels(), metadata.getJsonObject("labels").getMap(), metadata.getString("name"));
    }
    assertEquals(Set.of("Deployment", "Service", "PodDisruptionBudget", "ServiceAccount", "Role", "RoleBinding"),
      Set.copyOf(objects.stream().map(o -> o.getString("kind")).toList()));
  }

  @Test
  void the_deployment_runs_clustered_nodes_that_discover_each_other_through_kubernetes() {
    JsonObject cluster = config.getJsonObject("cluster");
    assertTrue(cluster.getBoolean("enabled"));
    assertEquals("kubernetes", cluster.getString("discovery"));
    assertEquals("0.0.0.0", config.getJsonObject("http").getString("host"), "other pods and Services reach HTTP");
    assertEquals("10.1.2.3", cluster.getString("host"), "the member binds the pod's IP (downward API)");
    assertEquals("chat", cluster.getString("kubernetesNamespace"));
    assertEquals(podLabels(), deployment.getJsonObject("spec").getJsonObject("selector").getJsonObject("matchLabels").getMap());
    assertTrue(deployment.getJsonObject("spec").getInteger("replicas") >= 3, "a majority survives one pod down");
  }

  @Test
  void container_ports_are_the_nodes_http_hazelcast_and_event_bus_ports() {
    assertEquals(config.getJsonObject("http").getInteger("port"), containerPort("http"));
    assertEquals(config.getJsonObject("cluster").getInteger("port"), containerPort("hazelcast"));
    assertEquals(config.getJsonObject("cluster").getInteger("busPort"), containerPort("eventbus"));
    assertTrue(containerPort("eventbus") > 0, "a fixed event-bus port, so that it can be declared and allowed");
  }

  @Test
  void probes_ask_ready_for_readiness_and_health_for_liveness_on_the_http_port() {
    assertEquals("/ready", probe("readinessProbe").getString("path"));
    assertEquals("/health", probe("livenessProbe").getString("path"));
    assertEquals("/health", probe("startupProbe").getString("path"));
    for (String name : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertEquals(config.getJsonObject("http").getInteger("port"), containerPort(probe(name).getString("port")), name);
    }
  }

  @Test
  void the_headless_service_is_the_one_the_nodes_look_up_and_lists_pods_before_they_are_ready() {
    String name = config.getJsonObject("cluster").getString("kubernetesServiceName");
    JsonObject spec = one("Service", name).getJsonObject("spec");
    assertEquals("None", spec.getString("clusterIP"));
    assertTrue(spec.getBoolean("publishNotReadyAddresses"), "a pod is ready only after joining: members must see it before");
    assertEquals(podLabels(), spec.getJsonObject("selector").getMap());
    JsonObject port = spec.getJsonArray("ports").getJsonObject(0);
    int hazelcast = config.getJsonObject("cluster").getInteger("port");
    assertEquals(hazelcast, port.getInteger("port"));
    assertEquals(hazelcast, containerPort(port.getValue("targetPort")));
    int lookupPort = config.getJsonObject("cluster").getInteger("kubernetesServicePort");
    assertTrue(lookupPort == 0 || lookupPort == hazelcast, "the discovery looks members up on the Hazelcast port");
  }

  @Test
  void the_http_service_targets_the_http_port_of_the_same_pods() {
    JsonObject spec = one("Service", "vertx-chat").getJsonObject("spec");
    assertEquals(podLabels(), spec.getJsonObject("selector").getMap());
    assertFalse(spec.containsKey("clusterIP"), "an ordinary Service, not headless");
    JsonObject port = spec.getJsonArray("ports").getJsonObject(0);
    assertEquals(config.getJsonObject("http").getInteger("port"), containerPort(port.getValue("targetPort")));
  }

  @Test
  void the_disruption_budget_covers_the_pods_and_leaves_a_majority() {
    JsonObject spec = one("PodDisruptionBudget", "vertx-chat").getJsonObject("spec");
    assertEquals(podLabels(), spec.getJsonObject("selector").getJsonObject("matchLabels").getMap());
    int replicas = deployment.getJsonObject("spec").getInteger("replicas");
    assertTrue(spec.getInteger("maxUnavailable") * 2 < replicas, "a majority of the members stays up");
  }

  @Test
  void the_api_lookup_may_read_endpoints_and_pods_as_the_pods_service_account() {
    String account = pod.getJsonObject("spec").getString("serviceAccountName");
    one("ServiceAccount", account);
    JsonObject binding = objects.stream().filter(o -> o.getString("kind").equals("RoleBinding")).findFirst().orElseThrow();
    JsonObject subject = binding.getJsonArray("subjects").getJsonObject(0);
    assertEquals("ServiceAccount", subject.getString("kind"));
    assertEquals(account, subject.getString("name"));
    assertEquals("chat", subject.getString("namespace"));
    JsonObject role = one("Role", binding.getJsonObject("roleRef").getString("name"));
    Map<String, List<String>> granted = new HashMap<>();
    for (Object r : role.getJsonArray("rules")) {
      JsonObject rule = (JsonObject) r;
      for (Object resource : rule.getJsonArray("resources")) {
        granted.put((String) resource, rule.getJsonArray("verbs").stream().map(String::valueOf).toList());
      }
    }
    for (String resource : List.of("endpoints", "endpointslices", "pods")) {
      assertTrue(granted.getOrDefault(resource, List.of()).containsAll(List.of("get", "list")), resource);
    }
    assertFalse(granted.values().stream().flatMap(List::stream).anyMatch(v -> !v.equals("get") && !v.equals("list")),
      "read-only");
  }

  @Test
  void a_stopping_pod_drains_and_exits_within_its_grace_period() {
    JsonObject spec = pod.getJsonObject("spec");
    int grace = spec.getInteger("terminationGracePeriodSeconds");
    int preStop = container.getJsonObject("lifecycle").getJsonObject("preStop").getJsonObject("sleep").getInteger("seconds");
    int drain = config.getJsonObject("http").getInteger("drainSeconds");
    JsonObject readiness = container.getJsonObject("readinessProbe");
    assertTrue(preStop > 0, "traffic stops coming before the node stops accepting it");
    assertTrue(readiness.getInteger("periodSeconds") * readiness.getInteger("failureThreshold") < drain,
      "the readiness probe sees /ready 503 before the sockets are closed");
    assertTrue(drain < SHUTDOWN_BOUND_SECONDS, "the drain leaves time for the rest of the shutdown");
    assertTrue(preStop + SHUTDOWN_BOUND_SECONDS < grace, "preStop + the shutdown bound fit in the grace period: no SIGKILL");
  }

  /** Every object of every file, as JSON (SnakeYAML gives maps and lists). */
  private static List<JsonObject> load() {
    List<JsonObject> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object document : new Yaml().loadAll(Files.readString(file))) {
          if (document != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) document;
            all.add(new JsonObject(map));
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read " + DIR + ": " + e, e);
    }
    assertFalse(all.isEmpty(), "no manifests in " + DIR);
    return all;
  }

  private JsonObject one(String kind, String name) {
    List<JsonObject> found = objects.stream()
      .filter(o -> o.getString("kind").equals(kind) && o.getJsonObject("metadata").getString("name").equals(name))
      .toList();
    assertEquals(1, found.size(), "one " + kind + " named " + name);
    return found.get(0);
  }

  private Map<String, Object> podLabels() {
    return pod.getJsonObject("metadata").getJsonObject("labels").getMap();
  }

  /** The container port with this name, or this number if it is declared. */
  private int containerPort(Object nameOrNumber) {
    for (Object p : container.getJsonArray("ports")) {
      JsonObject port = (JsonObject) p;
      if (nameOrNumber.equals(port.getString("name")) || nameOrNumber.equals(port.getInteger("containerPort"))) {
        return port.getInteger("containerPort");
      }
    }
    throw new AssertionError("no container port " + nameOrNumber);
  }

  private JsonObject probe(String name) {
    JsonObject probe = container.getJsonObject(name);
    assertNotNull(probe, name);
    return probe.getJsonObject("httpGet");
  }

  /**
   * The container's environment as the node would see it: downward-API fields and Secret keys get
   * sample values (the Secret is created by the operator, never stored here).
   */
  private static Map<String, String> env(JsonObject container) {
    Map<String, String> samples = Map.of(
      "status.podIP", "10.1.2.3",
      "metadata.namespace", "chat",
      "pg-url", "postgresql://chat:secret@postgres.chat.svc:5432/chat",
      "oidc-client-secret", "sample-secret");
    Map<String, String> env = new HashMap<>();
    JsonArray vars = container.getJsonArray("env");
    for (Object v : vars) {
      JsonObject var = (JsonObject) v;
      String name = var.getString("name");
      if (var.containsKey("value")) {
        env.put(name, var.getString("value"));
        continue;
      }
      JsonObject from = var.getJsonObject("valueFrom");
      String key = from.containsKey("fieldRef")
        ? from.getJsonObject("fieldRef").getString("fieldPath")
        : from.getJsonObject("secretKeyRef").getString("key");
      assertTrue(samples.containsKey(key), name + " comes from " + key + ", which the test does not know");
      env.put(name, samples.get(key));
    }
    return env;
  }
}
