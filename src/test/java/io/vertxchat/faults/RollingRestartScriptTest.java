package io.vertxchat.faults;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@code scripts/rolling-restart.sh} fails: loudly (status 1, one line naming the node and
 * why) when a node does not stop or does not become ready in time, and without touching any node
 * when one is not ready to begin with. The "nodes" are {@code sleep} processes and their
 * {@code /ready} an HTTP server of the test's, so each case takes a second or two;
 * {@link RollingRestartTest} restarts real nodes.
 */
@Timeout(60)
class RollingRestartScriptTest {
  private static final Path RUN = Path.of("target", "rolling-restart-script");
  private static Vertx vertx;
  private static HttpServer readiness;
  private static String readyUrl;
  /** What the test's /ready answers. */
  private static volatile int readyStatus = 200;
  private final List<Path> pidFiles = new ArrayList<>();
  private final List<Process> stubs = new ArrayList<>();

  @BeforeAll
  static void serveReady() throws IOException {
    Files.createDirectories(RUN);
    vertx = Vertx.vertx();
    int port = TestPostgres.freePort();
    readiness = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.response().setStatusCode(readyStatus).end())
      .listen(port, "127.0.0.1"));
    readyUrl = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @AfterEach
  void stopStubs() throws IOException {
    readyStatus = 200;
    stubs.forEach(Process::destroyForcibly);
    for (Path pidFile : pidFiles) {
      if (Files.exists(pidFile)) {
        ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** A stand-in node: a {@code sleep}, TERM ignored or not, with its pid file. */
  private Path stub(String name, boolean ignoresTerm) throws IOException {
    Process stub = new ProcessBuilder("bash", "-c", (ignoresTerm ? "trap '' TERM; " : "") + "exec sleep 300")
      .redirectErrorStream(true).redirectOutput(RUN.resolve(name + ".log").toFile()).start();
    stubs.add(stub);
    Path pidFile = RUN.resolve(name + ".pid");
    Files.writeString(pidFile, stub.pid() + "\n");
    pidFiles.add(pidFile);
    return pidFile;
  }

  private record Run(int status, String output) {
  }

  private static Run script(String... nodes) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", "scripts/rolling-restart.sh"));
    command.addAll(List.of(nodes));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("STOP_TIMEOUT", "1");
    builder.environment().put("READY_TIMEOUT", "2");
    Process script = builder.start();
    assertTrue(script.waitFor(30, TimeUnit.SECONDS), "the script ended");
    return new Run(script.exitValue(), new String(script.getInputStream().readAllBytes()));
  }

  @Test
  void a_node_that_does_not_exit_after_sigterm_stops_the_rollout_with_a_clear_message() throws Exception {
    Path stubborn = stub("stubborn", true);
    Path next = stub("next", false);
    Run run = script(stubborn + "=" + readyUrl, next + "=" + readyUrl);
    assertEquals(1, run.status(), run.output());
    assertTrue(run.output().contains("rolling restart FAILED: " + stubborn + ": pid " + stubs.get(0).pid()
      + " did not exit within 1s of SIGTERM"), run.output());
    assertTrue(stubs.get(1).isAlive(), "the next node was not touched");
  }

  @Test
  void a_node_that_is_not_ready_after_its_restart_stops_the_rollout_with_a_clear_message() throws Exception {
    Path node = stub("unready", false);
    Path next = stub("after-unready", false);
    // The node answers 200 until its process has gone; what the script starts again never does.
    stubs.get(0).onExit().thenRun(() -> readyStatus = 503);
    Run run = script(node + "=" + readyUrl, next + "=" + readyUrl);
    assertEquals(1, run.status(), run.output());
    assertTrue(run.output().contains("rolling restart FAILED: " + node + ": " + readyUrl + "/ready not 200 within 2s"
      + " of the start"), run.output());
    long restarted = Long.parseLong(Files.readString(node).trim());
    assertNotEquals(stubs.get(0).pid(), restarted, "the pid file names the process started again");
    assertTrue(ProcessHandle.of(restarted).map(ProcessHandle::isAlive).orElse(false), "it was started again");
    assertTrue(stubs.get(1).isAlive(), "the next node was not touched");
  }

  @Test
  void nothing_is_touched_when_a_node_is_not_running_or_not_ready_before_the_start() throws Exception {
    Path running = stub("running", false);
    Path gone = RUN.resolve("gone.pid");
    Files.writeString(gone, "999999999\n");
    Run dead = script(running + "=" + readyUrl, gone.toString());
    assertEquals(1, dead.status(), dead.output());
    assertTrue(dead.output().contains("rolling restart FAILED: " + gone + ": pid '999999999' is not a running process"),
      dead.output());

    readyStatus = 503;
    Run unready = script(running + "=" + readyUrl);
    assertEquals(1, unready.status(), unready.output());
    assertTrue(unready.output().contains("/ready does not answer 200; not restarting anything"), unready.output());
    assertTrue(stubs.get(0).isAlive(), "no SIGTERM was sent");
  }
}
