package io.vertxchat.faults;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded soak with mixed traffic on the shared two-node cluster: sends, edits, deletes,
 * history, typing, and sockets that come and go. For each 30 s window it records the p99 of send
 * to delivery and the heap after a full GC; neither may trend up. Off by default:
 * {@code mvn -Psoak test -Dtest=SoakTest} (10 minutes; {@code -Dchat.soak.minutes=N} to change).
 */
@EnabledIfSystemProperty(named = "chat.soak", matches = "true")
@Timeout(value = 90, unit = TimeUnit.MINUTES)
class SoakTest {
  private static final long WINDOW_MS = 30_000;
  private static final int PEOPLE = 6;
  private static final long SEND_EVERY_MS = 200;

  record Window(int index, int sends, int received, long p99Ms, long heapMiB, int openSockets) {
  }

  @Test
  void heap_after_gc_and_p99_do_not_trend_up() throws Exception {
    int minutes = Integer.getInteger("chat.soak.minutes", 10);
    TestNodes nodes = TestNodes.shared();
    Vertx vertx = Vertx.vertx();
    try {
      ChatClient creator = nodes.signInOnA("soak-creator");
      String channel = TestNodes.newChannel(creator);
      List<ChatClient> people = new ArrayList<>();
      List<BridgeClient> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      AtomicInteger sends = new AtomicInteger();
      AtomicInteger received = new AtomicInteger();
      for (int i = 0; i < PEOPLE; i++) {
        ChatClient person = i % 2 == 0 ? nodes.signInOnA("soak-" + i) : nodes.signInOnB("soak-" + i);
        people.add(person);
        sockets.add(open(vertx, person, channel, latencies, received));
      }
      nodes.awaitRegistrationPropagation("chat.channel." + channel);

      long[] lastOwn = new long[PEOPLE];
      long ticker = vertx.setPeriodic(SEND_EVERY_MS, id -> {
        for (int i = 0; i < PEOPLE; i++) {
          BridgeClient socket = sockets.get(i);
          if (socket.isClosed()) {
            continue;
          }
          int n = sends.incrementAndGet();
          int who = i;
          socket.requestAsync("chat.send", new JsonObject().put("channel", channel).put("text", System.nanoTime() + " soak " + n),
            10_000).onSuccess(r -> {
              JsonObject body = r.getJsonObject("body");
              if (body != null && body.getValue("id") != null) {
                lastOwn[who] = body.getLong("id");
              }
            });
          if (n % 10 == 0 && lastOwn[i] > 0) {
            socket.requestAsync("chat.edit", new JsonObject().put("id", lastOwn[i]).put("text", "edited"), 10_000);
          }
          if (n % 25 == 0 && lastOwn[i] > 0) {
            socket.requestAsync("chat.delete", new JsonObject().put("id", lastOwn[i]), 10_000);
          }
          if (n % 15 == 0) {
            socket.requestAsync("chat.history", new JsonObject().put("channel", channel).put("limit", 50), 10_000);
          }
          if (n % 7 == 0) {
            socket.requestAsync("chat.typing", new JsonObject().put("channel", channel), 10_000);
          }
        }
      });
      // Socket churn: every 20 s one person's socket closes and a new one opens.
      AtomicInteger churn = new AtomicInteger();
      long churner = vertx.setPeriodic(20_000, id -> {
        int i = churn.getAndIncrement() % PEOPLE;
        sockets.get(i).close();
        // Future.await may not run on a Vert.x thread: reopen from a plain one.
        Thread reopen = new Thread(() -> {
          try {
            sockets.set(i, open(vertx, people.get(i), channel, latencies, received));
          } catch (Exception e) {
            System.out.println("soak: reopening failed: " + e);
          }
        }, "soak-reopen");
        reopen.setDaemon(true);
        reopen.start();
      });

      List<Window> windows = new ArrayList<>();
      long end = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(minutes);
      int index = 0;
      while (System.currentTimeMillis() < end) {
        int sendsBefore = sends.get();
        int receivedBefore = received.get();
        vertx.timer(WINDOW_MS).await(WINDOW_MS * 3, TimeUnit.MILLISECONDS);
        List<Long> window = new ArrayList<>();
        Long l;
        while ((l = latencies.poll()) != null) {
          window.add(l);
        }
        long[] sorted = window.stream().mapToLong(Long::longValue).sorted().toArray();
        long p99 = sorted.length == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(sorted[(int) (sorted.length * 0.99)]);
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
        Window w = new Window(index++, sends.get() - sendsBefore, received.get() - receivedBefore, p99, heap,
          (int) sockets.stream().filter(s -> !s.isClosed()).count());
        windows.add(w);
        System.out.println("soak: " + w);
      }
      vertx.cancelTimer(ticker);
      vertx.cancelTimer(churner);
      sockets.forEach(BridgeClient::close);

      // Skip the first window (warm-up, JIT); compare the first and last thirds of the rest.
      List<Window> steady = windows.subList(Math.min(1, windows.size()), windows.size());
      assertTrue(steady.size() >= 3, "too short to judge a trend: " + windows.size() + " windows");
      int third = Math.max(1, steady.size() / 3);
      double heapEarly = steady.subList(0, third).stream().mapToLong(Window::heapMiB).average().orElse(0);
      double heapLate = steady.subList(steady.size() - third, steady.size()).stream().mapToLong(Window::heapMiB).average().orElse(0);
      long[] p99s = steady.stream().mapToLong(Window::p99Ms).sorted().toArray();
      long p99Median = p99s[p99s.length / 2];
      double p99Late = steady.subList(steady.size() - third, steady.size()).stream().mapToLong(Window::p99Ms).average().orElse(0);
      System.out.printf("soak: %d windows; heap after GC early %.0f MiB, late %.0f MiB; p99 median %d ms, late %.0f ms; %s%n",
        windows.size(), heapEarly, heapLate, p99Median, p99Late, Arrays.toString(p99s));
      assertTrue(heapLate <= heapEarly * 1.25 + 32, "heap after GC grew from " + heapEarly + " to " + heapLate + " MiB");
      assertTrue(p99Late <= 2 * p99Median + 50, "p99 rose from a median of " + p99Median + " to " + p99Late + " ms");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static BridgeClient open(Vertx vertx, ChatClient person, String channel,
                                   ConcurrentLinkedQueue<Long> latencies, AtomicInteger received) throws Exception {
    BridgeClient socket = BridgeClient.connect(vertx, person.baseUrl(), BridgeClient.options()
      .cookie(person.cookieHeader())
      .keepFrames(false)
      .onFrame(frame -> {
        JsonObject body = frame.getJsonObject("body");
        if (body != null && "message".equals(body.getString("type"))) {
          String text = body.getJsonObject("message").getString("text");
          int space = text.indexOf(' ');
          if (space > 0) {
            latencies.add(System.nanoTime() - Long.parseLong(text.substring(0, space)));
          }
          received.incrementAndGet();
        }
      })).await(20, TimeUnit.SECONDS);
    socket.subscribeAsync(Addresses.channel(channel)).await(20, TimeUnit.SECONDS);
    return socket;
  }
}
