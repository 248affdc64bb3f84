package io.vertxchat.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line options, {@code --name=value}; every one has a default. */
final class Options {
  /** Node that publishers (and, unless {@link #subUrl} is set, subscribers) use. */
  final String url;
  /** Node the subscribers connect to (cross-node runs); defaults to {@link #url}. */
  final String subUrl;
  final int subscribers;
  final int channels;
  final int publishers;
  /** Publish rates to try, in messages per second over all publishers, lowest first. */
  final List<Double> rates;
  final int repeat;
  final int warmupSeconds;
  /** Unmeasured sending at the first rate before the first point, so no point measures the JIT. */
  final int jitWarmupSeconds;
  final int measureSeconds;
  final int drainSeconds;
  /** Sockets a subscriber user may own; fewer users means fewer sign-ins and presence changes. */
  final int socketsPerUser;
  final int textBytes;
  final String channelPrefix;
  final String userPrefix;
  /** Server JVM pids to sample (CPU, RSS, heap); empty for none. */
  final List<Long> serverPids;
  /** PostgreSQL's postmaster pid: its CPU and its backends' is reported apart; 0 for none. */
  final long pgPid;
  /** {@code load} (publish and measure) or {@code idle} (connect, hold, measure memory). */
  final String mode;
  final int idleSeconds;
  final int connectConcurrency;
  /** Stop raising the rate once a point fails (p99 over the limit or a loss). */
  final boolean stopOnFail;
  final double p99LimitMs;
  final boolean deflate;
  /** Record a JFR profile of the first server over the first measured run into this file. */
  final String jfr;

  private Options(Map<String, String> a) {
    url = a.getOrDefault("url", "http://127.0.0.1:8080");
    subUrl = a.getOrDefault("sub-url", url);
    subscribers = Integer.parseInt(a.getOrDefault("subscribers", "1000"));
    channels = Integer.parseInt(a.getOrDefault("channels", "1"));
    publishers = Integer.parseInt(a.getOrDefault("publishers", "1"));
    rates = new ArrayList<>();
    for (String r : a.getOrDefault("rates", "100").split(",")) {
      rates.add(Double.parseDouble(r.trim()));
    }
    repeat = Integer.parseInt(a.getOrDefault("repeat", "3"));
    warmupSeconds = Integer.parseInt(a.getOrDefault("warmup", "5"));
    jitWarmupSeconds = Integer.parseInt(a.getOrDefault("jit-warmup", "20"));
    measureSeconds = Integer.parseInt(a.getOrDefault("duration", "10"));
    drainSeconds = Integer.parseInt(a.getOrDefault("drain", "10"));
    socketsPerUser = Integer.parseInt(a.getOrDefault("sockets-per-user", "1000"));
    textBytes = Integer.parseInt(a.getOrDefault("text-bytes", "60"));
    channelPrefix = a.getOrDefault("channel-prefix", "bench");
    userPrefix = a.getOrDefault("user-prefix", "bench");
    serverPids = new ArrayList<>();
    for (String p : a.getOrDefault("server-pid", "").split(",")) {
      if (!p.isBlank()) {
        serverPids.add(Long.parseLong(p.trim()));
      }
    }
    pgPid = Long.parseLong(a.getOrDefault("pg-pid", "0"));
    mode = a.getOrDefault("mode", "load");
    idleSeconds = Integer.parseInt(a.getOrDefault("idle", "15"));
    connectConcurrency = Integer.parseInt(a.getOrDefault("connect-concurrency", "100"));
    stopOnFail = Boolean.parseBoolean(a.getOrDefault("stop-on-fail", "true"));
    p99LimitMs = Double.parseDouble(a.getOrDefault("p99-limit-ms", "100"));
    deflate = Boolean.parseBoolean(a.getOrDefault("deflate", "false"));
    jfr = a.getOrDefault("jfr", "");
  }

  static Options parse(String[] args) {
    Map<String, String> map = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("options look like --name=value, got '" + arg + "'; known: "
          + Arrays.toString(new String[]{"url", "sub-url", "subscribers", "channels", "publishers", "rates", "repeat",
          "warmup", "jit-warmup", "duration", "drain", "sockets-per-user", "text-bytes", "channel-prefix", "user-prefix",
          "server-pid", "pg-pid", "mode", "idle", "connect-concurrency", "stop-on-fail", "p99-limit-ms", "deflate", "jfr"}));
      }
      int eq = arg.indexOf('=');
      map.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return new Options(map);
  }

  String channel(int index) {
    return channelPrefix + "-" + index;
  }
}
