package io.vertxchat.faults;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A chat node in a process of its own, started from the test classpath with
 * {@code java io.vertxchat.Main} and configured only through environment variables, as an
 * operator would run it. {@link #kill()} is {@code kill -9}.
 */
final class NodeProcess {
  private static final List<String> JVM_FLAGS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
    "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  final String name;
  final int httpPort;
  final Path log;
  private final Process process;

  private NodeProcess(String name, int httpPort, Path log, Process process) {
    this.name = name;
    this.httpPort = httpPort;
    this.log = log;
    this.process = process;
  }

  static NodeProcess start(String name, int httpPort, Map<String, String> env, Path logDir) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.add("-Dlogback.configurationFile=" + logbackFile());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.vertxchat.Main");
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(env);
      return new NodeProcess(name, httpPort, log, builder.start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot start node " + name + ": " + e.getMessage(), e);
    }
  }

  private static String logbackFile() {
    var url = NodeProcess.class.getResource("/logback-test.xml");
    return url == null ? "" : url.getPath();
  }

  String url() {
    return "http://localhost:" + httpPort;
  }

  /** The node's id (its Hazelcast member id), from its "ready" log line; null before it is ready. */
  String nodeId() {
    try {
      for (String line : Files.readAllLines(log)) {
        java.util.regex.Matcher m = READY.matcher(line);
        if (m.find()) {
          return m.group(1);
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private static final java.util.regex.Pattern READY = java.util.regex.Pattern.compile("node (\\S+) ready at ");

  /** The process id, e.g. for a pid file. */
  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits until /health answers 200; fails early if the process exits. */
  void awaitUp(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/health").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(1_000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        process.waitFor(250, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(name + " did not come up in " + timeoutMs + " ms; see " + log);
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, then the exit code (or -1 when it had to be killed). */
  int terminate() throws InterruptedException {
    if (!process.isAlive()) {
      return process.exitValue();
    }
    process.destroy();
    if (process.waitFor(40, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    return -1;
  }
}
