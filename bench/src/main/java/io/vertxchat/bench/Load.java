package io.vertxchat.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.testkit.BridgeClient;
import org.HdrHistogram.Histogram;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The sockets and the traffic. Everything here runs on the generator's single event loop, so no
 * field needs a lock; the orchestrating main thread only talks to it through {@link #onLoop}. The
 * sockets are the test kit's {@link BridgeClient}s (the tests' client), in its raw mode: frames
 * reach the handlers here undecoded.
 *
 * <p>Every published text starts with {@code ~B~<publisher>~<seq>~<sendNanos>~}: a subscriber
 * finds it in the raw frame without a JSON parse (the generator must stay cheaper than the server),
 * takes the latency from the timestamp and checks the publisher's sequence for gaps and repeats.
 */
final class Load {
  private static final byte[] MARK = "~B~".getBytes();
  /** Browsers ping every 5 s. */
  private static final long PING_EVERY_MS = 5_000;
  private static final long MAX_LATENCY_US = 120_000_000L;
  private static final long SUBSCRIBE_TIMEOUT_MS = 60_000;
  private static final boolean DEBUG = System.getenv("BENCH_DEBUG") != null;

  /** One subscriber socket: a channel and, per publisher, the last sequence seen. */
  final class Sub {
    final int channel;
    final int[] lastSeq;
    BridgeClient socket;

    Sub(int channel) {
      this.channel = channel;
      this.lastSeq = new int[Math.max(1, opts.publishers)];
      java.util.Arrays.fill(lastSeq, -1);
    }

    void frame(Buffer buffer) {
      ByteBuf buf = ((BufferInternal) buffer).getByteBuf();
      if (DEBUG) {
        System.err.println("[frame] " + buffer.toString());
      }
      int at = indexOf(buf, MARK);
      if (at < 0) {
        otherFrames++;
        return;
      }
      long[] nums = new long[3];
      int pos = at + MARK.length;
      for (int k = 0; k < 3; k++) {
        long v = 0;
        byte b;
        while ((b = buf.getByte(buf.readerIndex() + pos++)) != '~') {
          v = v * 10 + (b - '0');
        }
        nums[k] = v;
      }
      long now = System.nanoTime();
      int pub = (int) nums[0];
      int seq = (int) nums[1];
      long sentAt = nums[2];
      Step s = step;
      boolean repeat = seq <= lastSeq[pub];
      if (!repeat) {
        lastSeq[pub] = seq;
      }
      if (s == null || sentAt < s.windowStart || sentAt >= s.windowEnd) {
        otherDeliveries++;
        return;
      }
      if (repeat) {
        s.duplicates++;
        return;
      }
      s.delivered++;
      s.latency.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, (now - sentAt) / 1000)));
    }
  }

  /** One publisher socket: sends to its channels in turn, one sequence over all of them. */
  final class Pub {
    final int index;
    final int[] channels;
    BridgeClient socket;
    int seq;
    long sentInStep;
    int next;

    Pub(int index, int[] channels) {
      this.index = index;
      this.channels = channels;
    }

    void send(Step s) {
      int ch = channels[next++ % channels.length];
      int sq = ++seq;
      long now = System.nanoTime();
      StringBuilder text = new StringBuilder(opts.textBytes + 40)
        .append("~B~").append(index).append('~').append(sq).append('~').append(now).append('~');
      while (text.length() < opts.textBytes) {
        text.append('x');
      }
      // Written by hand, cheaper than a JsonObject; the reply address carries what the reply is timed by.
      String frame = "{\"type\":\"send\",\"address\":\"" + Addresses.SEND + "\",\"replyAddress\":\"bench.r." + index + "."
        + sq + "." + ch + "." + now + "\",\"body\":{\"channel\":\"" + opts.channel(ch) + "\",\"text\":\"" + text + "\"}}";
      socket.writeText(frame);
      sentInStep++;
      if (now >= s.windowStart && now < s.windowEnd) {
        s.sent++;
      }
    }

    void frame(Buffer buffer) {
      JsonObject frame = buffer.toJsonObject();
      String address = frame.getString("address", "");
      if (!address.startsWith("bench.r.")) {
        return;
      }
      String[] parts = address.split("\\.");
      int ch = Integer.parseInt(parts[4]);
      long sentAt = Long.parseLong(parts[5]);
      Step s = step;
      if (s == null || sentAt < s.windowStart || sentAt >= s.windowEnd) {
        return;
      }
      if (frame.containsKey("failureCode") || "err".equals(frame.getString("type"))) {
        s.failed++;
        if (s.firstFailure == null) {
          s.firstFailure = frame.getValue("failureCode") + " " + frame.getString("message");
        }
        return;
      }
      s.acked++;
      s.expected += subsPerChannel[ch];
      s.ackLatency.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, (System.nanoTime() - sentAt) / 1000)));
    }
  }

  /** One measured point: a rate, its warm-up and its window. */
  static final class Step {
    final double rate;
    final long start;
    final long windowStart;
    final long windowEnd;
    final Histogram latency = new Histogram(MAX_LATENCY_US, 3);
    final Histogram ackLatency = new Histogram(MAX_LATENCY_US, 3);
    long sent;
    long acked;
    long failed;
    long expected;
    long delivered;
    long duplicates;
    String firstFailure;
    boolean sending = true;

    Step(double rate, long start, long warmupNanos, long measureNanos) {
      this.rate = rate;
      this.start = start;
      this.windowStart = start + warmupNanos;
      this.windowEnd = windowStart + measureNanos;
    }
  }

  private final Vertx vertx;
  private final Options opts;
  /** One client for every socket (kept in a field: a collected Vert.x client closes its pool). */
  private final WebSocketClient client;
  final List<Sub> subs = new ArrayList<>();
  final List<Pub> pubs = new ArrayList<>();
  final int[] subsPerChannel;
  volatile Step step;
  long otherFrames;
  long otherDeliveries;
  int open;
  int connected;
  int joined;
  int closedUnexpectedly;

  Load(Vertx vertx, Options opts) {
    this.vertx = vertx;
    this.opts = opts;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxConnections(1_000_000)
      .setConnectTimeout(30_000)
      .setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 22)
      .setTryUsePerMessageCompression(opts.deflate));
    this.subsPerChannel = new int[Math.max(1, opts.channels)];
  }

  /** Runs a task on the generator's event loop and returns its result to the calling thread. */
  <T> Future<T> onLoop(Supplier<Future<T>> task) {
    Promise<T> promise = Promise.promise();
    vertx.runOnContext(v -> task.get().onComplete(promise));
    return promise.future();
  }

  /** A signed-in socket that pings like a browser (spread out: each from its own connect time). */
  private Future<BridgeClient> connect(String baseUrl, String cookie, Handler<Buffer> frames) {
    return BridgeClient.connect(vertx, baseUrl, BridgeClient.options()
        .client(client)
        .cookie(cookie)
        .pingEvery(PING_EVERY_MS)
        .onRawFrame(frames))
      .onSuccess(socket -> {
        open++;
        socket.closed().onComplete(v -> {
          open--;
          closedUnexpectedly++;
        });
      });
  }

  /** Opens a subscriber: connect, then register its channel, proven by a round trip (the kit's subscribe). */
  Future<Void> subscribe(String baseUrl, String cookie, int channel, int id) {
    Sub sub = new Sub(channel);
    subs.add(sub);
    subsPerChannel[channel]++;
    String name = opts.channel(channel);
    return connect(baseUrl, cookie, sub::frame).compose(socket -> {
      sub.socket = socket;
      connected++;
      Future<?> join = System.getenv("BENCH_NO_REGISTER") == null
        ? socket.subscribeAsync(Addresses.channel(name), SUBSCRIBE_TIMEOUT_MS)
        : socket.requestAsync(Addresses.HISTORY, new JsonObject().put("channel", name).put("limit", 1), SUBSCRIBE_TIMEOUT_MS);
      return join.transform(r -> {
        if (r.failed()) {
          return Future.failedFuture("socket " + id + " was not joined to " + name + ": " + r.cause().getMessage()
            + " (closed: " + socket.isClosed() + ")");
        }
        joined++;
        return Future.<Void>succeededFuture();
      });
    });
  }

  Future<Void> publisher(String baseUrl, String cookie, int index, int[] channels) {
    Pub pub = new Pub(index, channels);
    pubs.add(pub);
    return connect(baseUrl, cookie, pub::frame).map(socket -> {
      pub.socket = socket;
      return null;
    });
  }

  /** Runs tasks with at most {@code limit} in flight; fails on the first failure. */
  <T> Future<Void> bounded(List<Supplier<Future<T>>> tasks, int limit) {
    Promise<Void> done = Promise.promise();
    ArrayDeque<Supplier<Future<T>>> queue = new ArrayDeque<>(tasks);
    int[] running = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (running[0] < limit && !queue.isEmpty() && !done.future().isComplete()) {
        running[0]++;
        queue.poll().get().onComplete(r -> {
          running[0]--;
          if (r.failed()) {
            done.tryFail(r.cause());
          } else if (queue.isEmpty() && running[0] == 0) {
            done.tryComplete();
          } else {
            pump[0].run();
          }
        });
      }
    };
    if (tasks.isEmpty()) {
      done.complete();
    } else {
      pump[0].run();
    }
    return done.future();
  }

  /** Starts sending at {@code rate} messages/s over all publishers on a fixed schedule. */
  Step startStep(double rate) {
    return startStep(rate, opts.warmupSeconds, opts.measureSeconds);
  }

  Step startStep(double rate, int warmupSeconds, int measureSeconds) {
    long now = System.nanoTime();
    Step s = new Step(rate, now, warmupSeconds * 1_000_000_000L, measureSeconds * 1_000_000_000L);
    pubs.forEach(p -> p.sentInStep = 0);
    step = s;
    double perPub = rate / Math.max(1, pubs.size());
    vertx.setPeriodic(1, id -> {
      if (!s.sending || step != s) {
        vertx.cancelTimer(id);
        return;
      }
      long t = System.nanoTime();
      if (t >= s.windowEnd) {
        s.sending = false;
        vertx.cancelTimer(id);
        return;
      }
      double elapsed = (t - s.start) / 1e9;
      long due = (long) (elapsed * perPub);
      for (Pub p : pubs) {
        while (p.sentInStep < due) {
          p.send(s);
        }
      }
    });
    return s;
  }

  private static int indexOf(ByteBuf buf, byte[] needle) {
    int from = buf.readerIndex();
    int to = buf.writerIndex() - needle.length;
    for (int i = from; i <= to; i++) {
      if (buf.getByte(i) == needle[0] && buf.getByte(i + 1) == needle[1] && buf.getByte(i + 2) == needle[2]) {
        return i - from;
      }
    }
    return -1;
  }
}
