package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A browser that stops reading while 10,000 messages go to its channel: the server caps that
 * socket's write queue and drops it, instead of buffering every event; a reader on the other node
 * keeps getting everything, with a p99 latency within twice the undisturbed run's.
 */
@Timeout(420)
class SlowConsumerTest {
  private static final int MESSAGES = 10_000;
  private static final int PER_TICK = 20;
  private static final long TICK_MS = 10;
  private static final int WINDOW = 100;
  private static final String PADDING = "x".repeat(400);

  private static TestNodes nodes;
  private static Vertx vertx;
  private static ChatClient alice;
  private static ChatClient bob;
  private static ChatClient carol;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
    vertx = Vertx.vertx();
    alice = nodes.signInOnA("slow-alice");
    bob = nodes.signInOnB("slow-bob");
    carol = nodes.signInOnA("slow-carol");
  }

  @AfterAll
  static void done() {
    vertx.close();
  }

  /** What one publishing run measured at the fast reader. */
  record Run(int acked, int received, long p50Ms, long p99Ms, long maxMs) {
  }

  @Test
  void a_socket_that_stops_reading_is_dropped_and_others_keep_their_latency() throws Exception {
    String channel = TestNodes.newChannel(alice);
    Run undisturbed = publishAndMeasure(channel, null);

    AtomicInteger slowFrames = new AtomicInteger();
    BridgeClient slow = await(BridgeClient.connect(vertx, nodes.a().publicUrl(), BridgeClient.options()
      .cookie(carol.cookieHeader())
      .receiveBuffer(16 * 1024)
      .keepFrames(false)
      .onFrame(f -> slowFrames.incrementAndGet())));
    await(slow.subscribeAsync(Addresses.channel(channel)));
    nodes.awaitRegistrationsOn("chat.channel." + channel, nodes.a());
    slow.pause();
    double droppedBefore = tooSlowCount();
    long heapBefore = heapAfterGc();

    Run disturbed = publishAndMeasure(channel, slow);
    long heapAfter = heapAfterGc();

    // Now let it read what reached it: the server closed it long before the 10,000th event.
    slow.resume();
    Integer code;
    boolean closed;
    try {
      code = slow.closed().await(30, TimeUnit.SECONDS);
      closed = true;
    } catch (Exception stillOpen) {
      code = null;
      closed = false;
    }
    System.out.printf("slow consumer: undisturbed %s; with a stalled socket %s; the stalled socket got %d of %d events"
        + " before the server closed it (code %d); heap after GC %d MiB -> %d MiB%n",
      undisturbed, disturbed, slowFrames.get(), MESSAGES, code, heapBefore >> 20, heapAfter >> 20);

    assertEquals(MESSAGES, undisturbed.acked());
    assertEquals(MESSAGES, disturbed.acked(), "every send acknowledged");
    assertEquals(MESSAGES, disturbed.received(), "the reading socket got every message");
    assertTrue(closed, "the server closed the stalled socket");
    assertTrue(tooSlowCount() >= droppedBefore + 1, "node A counted the drop in chat_bridge_too_slow_total");
    assertTrue(slowFrames.get() < MESSAGES, "the stalled socket was dropped, not fed everything: " + slowFrames.get());
    assertTrue(disturbed.p99Ms() <= 2 * undisturbed.p99Ms() + 50,
      "p99 " + disturbed.p99Ms() + " ms with a stalled socket vs " + undisturbed.p99Ms() + " ms undisturbed");
    assertTrue(heapAfter - heapBefore < 64L << 20, "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MiB");
    slow.close();
  }

  /** Sends {@link #MESSAGES} paced messages from A; a socket on B reads them and times each one. */
  private Run publishAndMeasure(String channel, BridgeClient slow) throws Exception {
    long[] latencies = new long[MESSAGES];
    AtomicInteger received = new AtomicInteger();
    Promise<Void> all = Promise.promise();
    BridgeClient reader = await(BridgeClient.connect(vertx, nodes.b().publicUrl(), BridgeClient.options()
      .cookie(bob.cookieHeader())
      .keepFrames(false)
      .onFrame(frame -> {
        JsonObject body = frame.getJsonObject("body");
        if (body == null || !"message".equals(body.getString("type"))) {
          return;
        }
        String text = body.getJsonObject("message").getString("text");
        long sentAt = Long.parseLong(text.substring(0, text.indexOf(' ')));
        int n = received.getAndIncrement();
        if (n < MESSAGES) {
          latencies[n] = System.nanoTime() - sentAt;
        }
        if (n + 1 == MESSAGES) {
          all.tryComplete();
        }
      })));
    BridgeClient publisher = await(BridgeClient.connect(vertx, nodes.a().publicUrl(), BridgeClient.options()
      .cookie(alice.cookieHeader())
      .keepFrames(false)));
    try {
      await(reader.subscribeAsync(Addresses.channel(channel)));
      if (slow == null) {
        nodes.awaitRegistrationsOn("chat.channel." + channel, nodes.b());
      } else {
        nodes.awaitRegistrationsOn("chat.channel." + channel, nodes.a(), nodes.b());
      }

      AtomicInteger sent = new AtomicInteger();
      AtomicInteger acked = new AtomicInteger();
      AtomicInteger inFlight = new AtomicInteger();
      List<Future<JsonObject>> replies = new ArrayList<>();
      Promise<Void> sending = Promise.promise();
      // Paced, with at most WINDOW unanswered sends: steady traffic that adapts to a loaded machine.
      vertx.setPeriodic(TICK_MS, id -> {
        for (int i = 0; i < PER_TICK && sent.get() < MESSAGES && inFlight.get() < WINDOW; i++) {
          sent.incrementAndGet();
          inFlight.incrementAndGet();
          Future<JsonObject> reply = publisher.requestAsync("chat.send",
            new JsonObject().put("channel", channel).put("text", System.nanoTime() + " " + PADDING), 30_000)
            .onComplete(r -> {
              inFlight.decrementAndGet();
              if (r.succeeded() && r.result().getValue("failureCode") == null) {
                acked.incrementAndGet();
              }
            });
          replies.add(reply);
        }
        if (sent.get() >= MESSAGES) {
          vertx.cancelTimer(id);
          sending.complete();
        }
      });
      long started = System.nanoTime();
      await(sending.future().timeout(180, TimeUnit.SECONDS));
      await(Future.join(new ArrayList<>(replies)).otherwiseEmpty());
      long sentMs = ms(System.nanoTime() - started);
      try {
        all.future().await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the reader got " + received.get() + " of " + MESSAGES + "; acked " + acked.get()
          + "; sending took " + sentMs + " ms", e);
      }
      long[] sorted = Arrays.copyOf(latencies, Math.min(received.get(), MESSAGES));
      Arrays.sort(sorted);
      return new Run(acked.get(), received.get(), ms(sorted[sorted.length / 2]), ms(sorted[(int) (sorted.length * 0.99)]),
        ms(sorted[sorted.length - 1]));
    } finally {
      reader.close();
      publisher.close();
    }
  }

  /** Node A's count of sockets closed as too slow (what the ChatSocketsDroppedTooSlow alert watches). */
  private static double tooSlowCount() {
    return NodeStats.of(nodes.a().vertx()).registry().get("chat.bridge.too.slow").counter().count();
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(120, TimeUnit.SECONDS);
  }
}
