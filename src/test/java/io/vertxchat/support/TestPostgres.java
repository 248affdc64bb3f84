package io.vertxchat.support;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server from Debian's package, started once per test JVM in a temporary
 * directory on a free port of 127.0.0.1 and stopped when the JVM exits. Each test class takes a
 * fresh database from {@link #newDatabaseUrl()}. {@link #stop()} and {@link #start()} let outage
 * tests take the server away and bring it back on the same port with the same data.
 */
public final class TestPostgres {
  private static TestPostgres instance;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final Path binDir;
  private final Path dataDir;
  private final int port;
  private final boolean root;

  private TestPostgres(Path binDir, Path dataDir, int port) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
    this.root = "root".equals(System.getProperty("user.name"));
  }

  public static synchronized TestPostgres get() {
    if (instance == null) {
      try {
        instance = boot();
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException("cannot start the test PostgreSQL: " + e.getMessage(), e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> instance.pgCtl("stop", "-m", "immediate")));
    }
    return instance;
  }

  private static TestPostgres boot() throws IOException, InterruptedException {
    Path bin = findBinDir();
    Path data = Files.createTempDirectory("chat-pg-");
    TestPostgres pg = new TestPostgres(bin, data.resolve("data"), freePort());
    if (pg.root) {
      pg.run(List.of("chown", "-R", "postgres:postgres", data.toString()));
    }
    pg.run(pg.asPostgres(List.of(bin.resolve("initdb").toString(), "-D", pg.dataDir.toString(), "-U", "postgres",
      "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")));
    pg.start();
    return pg;
  }

  private static Path findBinDir() {
    File[] versions = new File("/usr/lib/postgresql").listFiles();
    if (versions == null || versions.length == 0) {
      throw new IllegalStateException("PostgreSQL is not installed: apt-get install -y postgresql (scripts/test.sh does it)");
    }
    Arrays.sort(versions);
    return versions[versions.length - 1].toPath().resolve("bin");
  }

  public synchronized void start() {
    pgCtl("start", "-w", "-l", dataDir.resolveSibling("server.log").toString(), "-o",
      "-p " + port + " -k " + dataDir.getParent() + " -c listen_addresses=127.0.0.1 -c fsync=off"
        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
  }

  public synchronized void stop() {
    pgCtl("stop", "-w", "-m", "fast");
  }

  public int port() {
    return port;
  }

  /** A new empty database; the URL in the form {@code CHAT_PG_URL} takes. */
  public String newDatabaseUrl() {
    String name = "chat_test_" + DATABASES.incrementAndGet();
    psql("CREATE DATABASE " + name);
    return "postgresql://postgres@127.0.0.1:" + port + "/" + name;
  }

  /** Runs SQL as the superuser against a database and returns psql's unaligned output. */
  public String psql(String database, String sql) {
    return run(List.of(binDir.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
      "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql));
  }

  private String psql(String sql) {
    return psql("postgres", sql);
  }

  /** The database name of a URL from {@link #newDatabaseUrl()}. */
  public static String databaseOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  private void pgCtl(String... args) {
    List<String> command = new ArrayList<>(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString()));
    command.addAll(List.of(args));
    run(asPostgres(command));
  }

  private List<String> asPostgres(List<String> command) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
      return output.trim();
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() {
    // Below Linux's ephemeral range (32768-60999): a port the kernel hands out for port 0 or an
    // outgoing connection could be taken between this check and the node's bind (seen once: a
    // Hazelcast port already in use). Each port is handed out once per test JVM.
    for (int tries = 0; tries < 1_000; tries++) {
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), LAST_PORT - FIRST_PORT);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // the next one
      }
    }
    throw new IllegalStateException("no free port in " + FIRST_PORT + "-" + LAST_PORT);
  }

  private static final int FIRST_PORT = 20_000;
  private static final int LAST_PORT = 32_700;
  private static final AtomicInteger NEXT_PORT =
    new AtomicInteger(new Random().nextInt(LAST_PORT - FIRST_PORT));
}
