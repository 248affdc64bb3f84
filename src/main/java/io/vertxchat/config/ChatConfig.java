package io.vertxchat.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the node's configuration: {@code conf/config.json} (or the copy packaged in the jar),
 * then environment variables, the later winning. Every value is checked here, once, so a bad
 * setting stops start-up with one line that names it.
 *
 * <p>The result is one JSON object with a sub-object per concern ({@code http}, {@code pg},
 * {@code cluster}, {@code auth}, {@code history}, {@code limits}); each verticle gets its own.
 */
public final class ChatConfig {

  /**
   * One environment variable and where its value goes in the JSON configuration; {@code choices}
   * are the allowed values of a {@link Kind#CHOICE}.
   */
  private record Setting(String env, String section, String key, Kind kind, long min, long max, List<String> choices) {
    Setting(String env, String section, String key, Kind kind, long min, long max) {
      this(env, section, key, kind, min, max, List.of());
    }

    static Setting choice(String env, String section, String key, String... choices) {
      return new Setting(env, section, key, Kind.CHOICE, 0, 0, List.of(choices));
    }
  }

  private enum Kind { INT, BOOL, STRING, URL, PG_URL, HOST_PORTS, CHOICE, MULTICAST_GROUP, FILE }

  private static final List<Setting> SETTINGS = List.of(
    new Setting("CHAT_HTTP_HOST", "http", "host", Kind.STRING, 0, 0),
    new Setting("CHAT_HTTP_PORT", "http", "port", Kind.INT, 0, 65535),
    new Setting("CHAT_PUBLIC_URL", "http", "publicUrl", Kind.URL, 0, 0),
    new Setting("CHAT_HTTP_INSTANCES", "http", "instances", Kind.INT, 0, 64),
    new Setting("CHAT_SESSION_TIMEOUT_MINUTES", "http", "sessionTimeoutMinutes", Kind.INT, 1, 525600),
    new Setting("CHAT_DRAIN_SECONDS", "http", "drainSeconds", Kind.INT, 0, 300),
    new Setting("CHAT_LOG_JSON", "log", "json", Kind.BOOL, 0, 0),
    new Setting("CHAT_PG_URL", "pg", "url", Kind.PG_URL, 0, 0),
    new Setting("CHAT_PG_POOL_SIZE", "pg", "poolSize", Kind.INT, 1, 200),
    new Setting("CHAT_CLUSTER", "cluster", "enabled", Kind.BOOL, 0, 0),
    new Setting("CHAT_CLUSTER_HOST", "cluster", "host", Kind.STRING, 0, 0),
    new Setting("CHAT_CLUSTER_PORT", "cluster", "port", Kind.INT, 1, 65535),
    new Setting("CHAT_CLUSTER_BUS_PORT", "cluster", "busPort", Kind.INT, 0, 65535),
    new Setting("CHAT_CLUSTER_MEMBERS", "cluster", "members", Kind.HOST_PORTS, 0, 0),
    new Setting("CHAT_CLUSTER_NAME", "cluster", "name", Kind.STRING, 0, 0),
    Setting.choice("CHAT_CLUSTER_DISCOVERY", "cluster", "discovery", "tcp", "multicast", "kubernetes"),
    new Setting("CHAT_CLUSTER_MULTICAST_GROUP", "cluster", "multicastGroup", Kind.MULTICAST_GROUP, 0, 0),
    new Setting("CHAT_CLUSTER_MULTICAST_PORT", "cluster", "multicastPort", Kind.INT, 1, 65535),
    new Setting("CHAT_CLUSTER_KUBERNETES_NAMESPACE", "cluster", "kubernetesNamespace", Kind.STRING, 0, 0),
    new Setting("CHAT_CLUSTER_KUBERNETES_SERVICE_NAME", "cluster", "kubernetesServiceName", Kind.STRING, 0, 0),
    new Setting("CHAT_CLUSTER_KUBERNETES_SERVICE_DNS", "cluster", "kubernetesServiceDns", Kind.STRING, 0, 0),
    new Setting("CHAT_CLUSTER_KUBERNETES_SERVICE_PORT", "cluster", "kubernetesServicePort", Kind.INT, 0, 65535),
    new Setting("CHAT_CLUSTER_TLS_CERT", "cluster", "tlsCert", Kind.FILE, 0, 0),
    new Setting("CHAT_CLUSTER_TLS_KEY", "cluster", "tlsKey", Kind.FILE, 0, 0),
    new Setting("CHAT_CLUSTER_TLS_CA", "cluster", "tlsCa", Kind.FILE, 0, 0),
    new Setting("CHAT_DEV_LOGIN", "auth", "devLogin", Kind.BOOL, 0, 0),
    new Setting("CHAT_OIDC_ISSUER", "auth", "oidcIssuer", Kind.URL, 0, 0),
    new Setting("CHAT_OIDC_CLIENT_ID", "auth", "oidcClientId", Kind.STRING, 0, 0),
    new Setting("CHAT_OIDC_CLIENT_SECRET", "auth", "oidcClientSecret", Kind.STRING, 0, 0),
    new Setting("CHAT_GITHUB_CLIENT_ID", "auth", "githubClientId", Kind.STRING, 0, 0),
    new Setting("CHAT_GITHUB_CLIENT_SECRET", "auth", "githubClientSecret", Kind.STRING, 0, 0),
    new Setting("CHAT_ADMINS", "auth", "admins", Kind.STRING, 0, 0),
    new Setting("CHAT_HISTORY_KEEP", "history", "keep", Kind.INT, 1, 1_000_000),
    new Setting("CHAT_HISTORY_TRIM_SECONDS", "history", "trimSeconds", Kind.INT, 1, 86_400),
    new Setting("CHAT_RATE_SENDS_PER_SECOND", "limits", "sendsPerSecond", Kind.INT, 1, 1_000_000),
    new Setting("CHAT_RATE_SEND_BURST", "limits", "sendBurst", Kind.INT, 1, 1_000_000),
    new Setting("CHAT_RATE_CHANNEL_CREATES_PER_MINUTE", "limits", "channelCreatesPerMinute", Kind.INT, 1, 100_000),
    new Setting("CHAT_RATE_INVITES_PER_MINUTE", "limits", "invitesPerMinute", Kind.INT, 1, 100_000),
    new Setting("CHAT_MAX_SOCKETS_PER_USER", "limits", "socketsPerUser", Kind.INT, 1, 100_000),
    new Setting("CHAT_MAX_REGISTRATIONS_PER_SOCKET", "limits", "registrationsPerSocket", Kind.INT, 1, 1000),
    new Setting("CHAT_MAX_FRAME_BYTES", "limits", "maxFrameBytes", Kind.INT, 1024, 1_048_576),
    new Setting("CHAT_MAX_SOCKET_QUEUE_BYTES", "limits", "socketQueueBytes", Kind.INT, 4096, 16_777_216)
  );

  private ChatConfig() {
  }

  /** Reads {@code conf/config.json} from the working directory, else the packaged default. */
  public static JsonObject load(Map<String, String> env) {
    return load(readDefaults(), env);
  }

  /** Applies {@code env} over {@code defaults} and checks every setting. */
  public static JsonObject load(JsonObject defaults, Map<String, String> env) {
    JsonObject config = defaults.copy();
    for (Setting setting : SETTINGS) {
      JsonObject section = config.getJsonObject(setting.section());
      if (section == null) {
        section = new JsonObject();
        config.put(setting.section(), section);
      }
      String raw = env.get(setting.env());
      Object value = raw != null ? raw.trim() : section.getValue(setting.key());
      section.put(setting.key(), check(setting, value));
    }
    checkProviders(config.getJsonObject("auth"));
    checkCluster(config.getJsonObject("cluster"));
    checkClusterTls(config.getJsonObject("cluster"));
    return config;
  }

  private static Object check(Setting setting, Object value) {
    String name = setting.env() + " (" + setting.section() + "." + setting.key() + ")";
    String text = value == null ? "" : String.valueOf(value);
    switch (setting.kind()) {
      case INT -> {
        long number;
        try {
          number = Long.parseLong(text);
        } catch (NumberFormatException e) {
          throw new ConfigException(name + " must be a whole number, got '" + text + "'");
        }
        if (number < setting.min() || number > setting.max()) {
          throw new ConfigException(name + " must be between " + setting.min() + " and " + setting.max()
            + ", got " + number);
        }
        return (int) number;
      }
      case BOOL -> {
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
          throw new ConfigException(name + " must be true or false, got '" + text + "'");
        }
        return Boolean.parseBoolean(text);
      }
      case URL -> {
        if (!text.isEmpty() && !isHttpUrl(text)) {
          throw new ConfigException(name + " must be an http(s) URL, got '" + text + "'");
        }
        return stripTrailingSlash(text);
      }
      case PG_URL -> {
        try {
          PgUrl.parse(text);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(name + " " + e.getMessage());
        }
        return text;
      }
      case HOST_PORTS -> {
        for (String member : text.split(",")) {
          String m = member.trim();
          if (!m.isEmpty() && !m.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
            throw new ConfigException(name + " must be a comma list of host:port, got '" + m + "'");
          }
        }
        return text;
      }
      case CHOICE -> {
        String choice = text.toLowerCase(Locale.ROOT);
        if (!setting.choices().contains(choice)) {
          throw new ConfigException(name + " must be one of " + String.join(", ", setting.choices())
            + ", got '" + text + "'");
        }
        return choice;
      }
      case MULTICAST_GROUP -> {
        if (!isIpv4Multicast(text)) {
          throw new ConfigException(name + " must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255), got '"
            + text + "'");
        }
        return text;
      }
      case FILE -> {
        Path path = Path.of(text);
        if (!text.isEmpty() && !(Files.isRegularFile(path) && Files.isReadable(path))) {
          throw new ConfigException(name + " must be a readable file, got '" + text + "'"
            + (Files.exists(path) ? "" : " (no such file)"));
        }
        return text;
      }
      default -> {
        return text;
      }
    }
  }

  /**
   * The member and the event bus need ports of their own; each discovery method has the settings it
   * needs, and no seed list it would silently ignore.
   */
  private static void checkCluster(JsonObject cluster) {
    if (cluster.getInteger("busPort").equals(cluster.getInteger("port"))) {
      throw new ConfigException("CHAT_CLUSTER_BUS_PORT and CHAT_CLUSTER_PORT must differ, both are "
        + cluster.getInteger("port"));
    }
    String discovery = cluster.getString("discovery");
    if (!discovery.equals("tcp") && !cluster.getString("members").isBlank()) {
      throw new ConfigException("CHAT_CLUSTER_MEMBERS is the seed list of CHAT_CLUSTER_DISCOVERY=tcp; leave it empty with "
        + discovery);
    }
    if (discovery.equals("kubernetes")) {
      boolean byName = !cluster.getString("kubernetesServiceName").isEmpty();
      boolean byDns = !cluster.getString("kubernetesServiceDns").isEmpty();
      if (byName == byDns) {
        throw new ConfigException("CHAT_CLUSTER_DISCOVERY=kubernetes needs exactly one of "
          + "CHAT_CLUSTER_KUBERNETES_SERVICE_NAME (lookup through the Kubernetes API) or "
          + "CHAT_CLUSTER_KUBERNETES_SERVICE_DNS (DNS lookup of a headless service)");
      }
    }
  }

  private static boolean isIpv4Multicast(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (!part.matches("\\d{1,3}") || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    int first = Integer.parseInt(parts[0]);
    return first >= 224 && first <= 239;
  }

  private static void checkProviders(JsonObject auth) {
    boolean oidcIssuer = !auth.getString("oidcIssuer").isEmpty();
    boolean oidcClient = !auth.getString("oidcClientId").isEmpty();
    if (oidcIssuer != oidcClient) {
      throw new ConfigException("CHAT_OIDC_ISSUER and CHAT_OIDC_CLIENT_ID must be set together");
    }
    boolean githubId = !auth.getString("githubClientId").isEmpty();
    boolean githubSecret = !auth.getString("githubClientSecret").isEmpty();
    if (githubId != githubSecret) {
      throw new ConfigException("CHAT_GITHUB_CLIENT_ID and CHAT_GITHUB_CLIENT_SECRET must be set together");
    }
    if (!oidcIssuer && !githubId && !auth.getBoolean("devLogin")) {
      throw new ConfigException("no sign-in provider: set CHAT_OIDC_ISSUER/CHAT_OIDC_CLIENT_ID, "
        + "CHAT_GITHUB_CLIENT_ID/CHAT_GITHUB_CLIENT_SECRET, or CHAT_DEV_LOGIN=true");
    }
  }

  /** Event-bus TLS needs this node's certificate, its key and the CA of every member: all three or none. */
  private static void checkClusterTls(JsonObject cluster) {
    List<String> missing = new ArrayList<>();
    if (cluster.getString("tlsCert").isEmpty()) {
      missing.add("CHAT_CLUSTER_TLS_CERT");
    }
    if (cluster.getString("tlsKey").isEmpty()) {
      missing.add("CHAT_CLUSTER_TLS_KEY");
    }
    if (cluster.getString("tlsCa").isEmpty()) {
      missing.add("CHAT_CLUSTER_TLS_CA");
    }
    if (!missing.isEmpty() && missing.size() < 3) {
      throw new ConfigException("CHAT_CLUSTER_TLS_CERT, CHAT_CLUSTER_TLS_KEY and CHAT_CLUSTER_TLS_CA must be set "
        + "together (missing: " + String.join(", ", missing) + ")");
    }
  }

  private static boolean isHttpUrl(String text) {
    try {
      URI uri = new URI(text);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String stripTrailingSlash(String text) {
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  private static JsonObject readDefaults() {
    Path file = Path.of("conf", "config.json");
    try {
      if (Files.isRegularFile(file)) {
        return new JsonObject(Files.readString(file));
      }
      try (InputStream in = ChatConfig.class.getResourceAsStream("/conf/config.json")) {
        if (in == null) {
          throw new ConfigException("conf/config.json not found (neither in the working directory nor in the jar)");
        }
        return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException | DecodeException e) {
      throw new ConfigException("conf/config.json cannot be read: " + e.getMessage());
    }
  }
}
