package io.vertxchat.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatConfigTest {

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("CHAT_DEV_LOGIN", "true");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void defaults_come_from_conf_config_json() {
    JsonObject config = ChatConfig.load(env());
    assertEquals(8080, config.getJsonObject("http").getInteger("port"));
    assertEquals("http://localhost:8080", config.getJsonObject("http").getString("publicUrl"));
    assertEquals(100, config.getJsonObject("history").getInteger("keep"));
    assertEquals(60, config.getJsonObject("history").getInteger("trimSeconds"));
    assertFalse(config.getJsonObject("cluster").getBoolean("enabled"));
  }

  @Test
  void environment_variables_override_the_file() {
    JsonObject config = ChatConfig.load(env("CHAT_HTTP_PORT", "9090", "CHAT_CLUSTER", "TRUE",
      "CHAT_HISTORY_KEEP", "7", "CHAT_PUBLIC_URL", "https://chat.example/"));
    assertEquals(9090, config.getJsonObject("http").getInteger("port"));
    assertTrue(config.getJsonObject("cluster").getBoolean("enabled"));
    assertEquals(7, config.getJsonObject("history").getInteger("keep"));
    assertEquals("https://chat.example", config.getJsonObject("http").getString("publicUrl"), "trailing slash dropped");
  }

  @Test
  void a_bad_value_names_the_setting() {
    assertMessage("CHAT_HTTP_PORT", env("CHAT_HTTP_PORT", "eighty"));
    assertMessage("CHAT_HTTP_PORT", env("CHAT_HTTP_PORT", "70000"));
    assertMessage("CHAT_CLUSTER", env("CHAT_CLUSTER", "yes"));
    assertMessage("CHAT_PG_URL", env("CHAT_PG_URL", "mysql://x/y"));
    assertMessage("CHAT_PG_URL", env("CHAT_PG_URL", "postgresql://host"));
    assertMessage("CHAT_PUBLIC_URL", env("CHAT_PUBLIC_URL", "localhost:8080"));
    assertMessage("CHAT_HISTORY_KEEP", env("CHAT_HISTORY_KEEP", "0"));
    assertMessage("CHAT_CLUSTER_MEMBERS", env("CHAT_CLUSTER_MEMBERS", "127.0.0.1"));
    assertMessage("CHAT_OIDC_ISSUER", env("CHAT_OIDC_ISSUER", "http://idp.example"));
    assertMessage("CHAT_CLUSTER_DISCOVERY", env("CHAT_CLUSTER_DISCOVERY", "dns"));
    assertMessage("CHAT_CLUSTER_MULTICAST_GROUP", env("CHAT_CLUSTER_MULTICAST_GROUP", "10.0.0.1"));
    assertMessage("CHAT_CLUSTER_MULTICAST_GROUP", env("CHAT_CLUSTER_MULTICAST_GROUP", "224.0.0.256"));
    assertMessage("CHAT_CLUSTER_MULTICAST_PORT", env("CHAT_CLUSTER_MULTICAST_PORT", "0"));
    assertMessage("CHAT_CLUSTER_KUBERNETES_SERVICE_PORT", env("CHAT_CLUSTER_KUBERNETES_SERVICE_PORT", "-1"));
    assertMessage("CHAT_CLUSTER_BUS_PORT and CHAT_CLUSTER_PORT must differ",
      env("CHAT_CLUSTER_PORT", "5701", "CHAT_CLUSTER_BUS_PORT", "5701"));
  }

  @Test
  void discovery_is_tcp_unless_set_and_takes_any_case() {
    assertEquals("tcp", ChatConfig.load(env()).getJsonObject("cluster").getString("discovery"));
    assertEquals("multicast", ChatConfig.load(env("CHAT_CLUSTER_DISCOVERY", "Multicast"))
      .getJsonObject("cluster").getString("discovery"));
  }

  @Test
  void each_discovery_method_needs_its_own_settings_and_no_other() {
    assertMessage("CHAT_CLUSTER_MEMBERS is the seed list of CHAT_CLUSTER_DISCOVERY=tcp",
      env("CHAT_CLUSTER_DISCOVERY", "multicast", "CHAT_CLUSTER_MEMBERS", "127.0.0.1:5701"));
    assertMessage("CHAT_CLUSTER_KUBERNETES_SERVICE_NAME", env("CHAT_CLUSTER_DISCOVERY", "kubernetes"));
    assertMessage("exactly one of", env("CHAT_CLUSTER_DISCOVERY", "kubernetes",
      "CHAT_CLUSTER_KUBERNETES_SERVICE_NAME", "chat-hz", "CHAT_CLUSTER_KUBERNETES_SERVICE_DNS", "chat-hz.chat.svc"));
    JsonObject dns = ChatConfig.load(env("CHAT_CLUSTER_DISCOVERY", "kubernetes",
      "CHAT_CLUSTER_KUBERNETES_SERVICE_DNS", "chat-hz.chat.svc")).getJsonObject("cluster");
    assertEquals("chat-hz.chat.svc", dns.getString("kubernetesServiceDns"));
  }

  @Test
  void a_node_without_any_sign_in_provider_does_not_start() {
    Map<String, String> none = new HashMap<>();
    none.put("CHAT_DEV_LOGIN", "false");
    assertMessage("sign-in provider", none);
  }

  @Test
  void event_bus_tls_takes_its_three_files_together_or_none(@TempDir Path dir) throws IOException {
    String pem = Files.writeString(dir.resolve("node.pem"), "(any file will do here)").toString();
    JsonObject plain = ChatConfig.load(env()).getJsonObject("cluster");
    assertEquals("", plain.getString("tlsCert"), "no TLS by default");

    assertMessage("missing: CHAT_CLUSTER_TLS_KEY", env("CHAT_CLUSTER_TLS_CERT", pem, "CHAT_CLUSTER_TLS_CA", pem));
    assertMessage("missing: CHAT_CLUSTER_TLS_CERT, CHAT_CLUSTER_TLS_CA", env("CHAT_CLUSTER_TLS_KEY", pem));

    JsonObject tls = ChatConfig.load(env("CHAT_CLUSTER_TLS_CERT", pem, "CHAT_CLUSTER_TLS_KEY", pem,
      "CHAT_CLUSTER_TLS_CA", pem)).getJsonObject("cluster");
    assertEquals(pem, tls.getString("tlsCert"));
    assertEquals(pem, tls.getString("tlsKey"));
    assertEquals(pem, tls.getString("tlsCa"));
  }

  @Test
  void a_tls_file_that_is_missing_or_not_a_file_is_named(@TempDir Path dir) throws IOException {
    String pem = Files.writeString(dir.resolve("node.pem"), "x").toString();
    String missing = dir.resolve("no-such.pem").toString();
    assertMessage("CHAT_CLUSTER_TLS_CA (cluster.tlsCa) must be a readable file, got '" + missing + "' (no such file)",
      env("CHAT_CLUSTER_TLS_CERT", pem, "CHAT_CLUSTER_TLS_KEY", pem, "CHAT_CLUSTER_TLS_CA", missing));
    assertMessage("CHAT_CLUSTER_TLS_KEY (cluster.tlsKey) must be a readable file",
      env("CHAT_CLUSTER_TLS_CERT", pem, "CHAT_CLUSTER_TLS_KEY", dir.toString(), "CHAT_CLUSTER_TLS_CA", pem));
  }

  private static void assertMessage(String expected, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(env));
    assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should name " + expected);
    assertFalse(e.getMessage().contains("\n"), "one line");
  }
}
