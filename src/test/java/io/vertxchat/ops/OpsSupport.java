package io.vertxchat.ops;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.support.TestPostgres;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers of the operations tests: plain HTTP probes, Prometheus parsing, dev admins, cluster settings. */
final class OpsSupport {
  private OpsSupport() {
  }

  static HttpResponse<Buffer> get(WebClient web, String baseUrl, String path) {
    try {
      return web.getAbs(baseUrl + path).send().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " failed: " + e, e);
    }
  }

  /** The sum of every sample of {@code metric} whose labels contain all of {@code labels} ("k=\"v\""). */
  static double sample(String metrics, String metric, String... labels) {
    double sum = 0;
    boolean found = false;
    Pattern line = Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE);
    Matcher m = line.matcher(metrics);
    while (m.find()) {
      String tags = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= tags.contains(label);
      }
      if (all) {
        found = true;
        sum += Double.parseDouble(m.group(2));
      }
    }
    return found ? sum : -1;
  }

  /** The {@code CHAT_ADMINS} entry of a dev-provider user: {@code dev:<subject>}. */
  static String devAdmin(String name) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.toLowerCase().getBytes(StandardCharsets.UTF_8));
      return "dev:" + HexFormat.of().formatHex(hash).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Settings for the two members of a cluster of their own. */
  static Map<String, String>[] clusterEnv(String pgUrl, Map<String, String> extra) {
    String cluster = "chat-ops-" + UUID.randomUUID();
    int portA = TestPostgres.freePort();
    int portB = TestPostgres.freePort();
    @SuppressWarnings("unchecked")
    Map<String, String>[] envs = new Map[2];
    int[] clusterPorts = {portA, portB};
    for (int i = 0; i < 2; i++) {
      Map<String, String> env = new HashMap<>(io.vertxchat.support.TestNodes.baseEnv(pgUrl));
      int http = TestPostgres.freePort();
      env.put("CHAT_CLUSTER", "true");
      env.put("CHAT_CLUSTER_NAME", cluster);
      env.put("CHAT_CLUSTER_MEMBERS", "127.0.0.1:" + portA + ",127.0.0.1:" + portB);
      env.put("CHAT_CLUSTER_PORT", String.valueOf(clusterPorts[i]));
      env.put("CHAT_HTTP_PORT", String.valueOf(http));
      env.put("CHAT_PUBLIC_URL", "http://localhost:" + http);
      env.putAll(extra);
      envs[i] = env;
    }
    return envs;
  }
}
