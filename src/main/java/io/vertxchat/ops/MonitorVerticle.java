package io.vertxchat.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertxchat.contract.Addresses;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes this node's {@code monitor.stats} snapshot cluster-wide every second (see
 * {@link #snapshot()} for the shape), probes event-loop delay, pings PostgreSQL for the
 * query latency and runs the readiness checks for the {@code chat_node_ready} gauge (so that
 * Prometheus sees what {@code GET /ready} would answer). Admins see the snapshots through the
 * bridge; nothing else consumes them.
 *
 * <p>Config: {@code {"node"}}.
 */
public class MonitorVerticle extends VerticleBase {
  static final long PERIOD_MS = 1_000;
  private static final int TOP_CHANNELS = 10;
  private static final DeliveryOptions PING = new DeliveryOptions().setSendTimeout(2_000);

  private String nodeId;
  private NodeStats stats;
  private HealthChecks readiness;
  private final AtomicLong loopDelayMax = new AtomicLong();
  private Map<String, double[]> lastCounts = new HashMap<>();
  private long lastAt = System.nanoTime();
  private Double pgPingMs;
  private String pgError;

  @Override
  public Future<?> start() {
    nodeId = config().getString("node");
    stats = NodeStats.of(vertx);
    readiness = Readiness.create(vertx);
    vertx.setPeriodic(PERIOD_MS, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    // The probe of the last second is complete by now: publish it, then start the next one.
    stats.eventLoopDelay(loopDelayMax.getAndSet(0));
    vertx.eventBus().publish(Addresses.MONITOR_STATS, snapshot());
    probeEventLoops();
    pingPostgres();
    checkReadiness();
  }

  private void checkReadiness() {
    readiness.checkStatus().onComplete(result -> stats.ready(result.succeeded() && result.result().getUp()));
  }

  /** Times how long a task waits on each event loop; the longest wait is the node's delay. */
  private void probeEventLoops() {
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      long queued = System.nanoTime();
      loop.execute(() -> loopDelayMax.accumulateAndGet(System.nanoTime() - queued, Math::max));
    }
  }

  private void pingPostgres() {
    long started = System.nanoTime();
    vertx.eventBus().request(Addresses.STORE_PING, new JsonObject(), PING).onComplete(reply -> {
      long took = System.nanoTime() - started;
      if (reply.succeeded()) {
        stats.pgPing(took);
        stats.pgUp(true);
        pgPingMs = took / 1e6;
        pgError = null;
      } else {
        stats.pgUp(false);
        pgPingMs = null;
        pgError = reply.cause().getMessage();
      }
    });
  }

  /**
   * {@code {"node","at","uptime" (s),"clustered","members","draining","sockets","channels" (with
   * local subscribers),"topChannels":[{"name","subscribers"}],"rates":{address:{"published",
   * "received","delivered" (per second),"pending"}},"eventLoopDelayMs","heap":{"used","max"}
   * (bytes),"pg":{"pingMs","error","poolInUse","poolWaiting","storeP50Ms","storeP99Ms"},
   * "messagesStored","fanoutDeliveries","lastTrim":{"at","ran","deleted"}}}.
   */
  JsonObject snapshot() {
    VertxInternal internal = (VertxInternal) vertx;
    Map<String, Integer> channels = stats.channels();
    JsonArray top = new JsonArray();
    channels.entrySet().stream()
      .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
      .limit(TOP_CHANNELS)
      .forEach(e -> top.add(new JsonObject().put("name", e.getKey()).put("subscribers", e.getValue())));
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    JsonObject trim = stats.lastTrim();
    return new JsonObject()
      .put("node", nodeId)
      .put("at", Instant.now().toString())
      .put("uptime", (System.currentTimeMillis() - stats.startedAt()) / 1000)
      .put("clustered", vertx.isClustered())
      .put("members", vertx.isClustered() ? internal.clusterManager().getNodes().size() : 1)
      .put("draining", stats.draining())
      .put("sockets", stats.sockets())
      .put("channels", channels.size())
      .put("topChannels", top)
      .put("rates", rates())
      .put("eventLoopDelayMs", round(stats.eventLoopDelayNanos() / 1e6))
      .put("heap", new JsonObject().put("used", heap.getUsed()).put("max", heap.getMax()))
      .put("pg", pg())
      .put("messagesStored", counterTotal("chat.messages.stored"))
      .put("fanoutDeliveries", counterTotal("chat.fanout.deliveries"))
      .put("lastTrim", trim == null ? null : trim.copy().put("at", Instant.ofEpochMilli(trim.getLong("at")).toString()));
  }

  /** Per-address message rates since the last snapshot, from the Vert.x event-bus counters. */
  private JsonObject rates() {
    Map<String, double[]> counts = new TreeMap<>();
    Map<String, Double> pending = new HashMap<>();
    for (Meter meter : stats.registry().getMeters()) {
      String name = meter.getId().getName();
      String address = meter.getId().getTag("address");
      if (address == null || !name.startsWith("vertx.eventbus.")) {
        continue;
      }
      int slot = switch (name) {
        case "vertx.eventbus.published" -> 0;
        case "vertx.eventbus.received" -> 1;
        case "vertx.eventbus.delivered" -> 2;
        default -> -1;
      };
      if (slot >= 0 && meter instanceof Counter counter) {
        counts.computeIfAbsent(address, a -> new double[3])[slot] += counter.count();
      } else if ("vertx.eventbus.pending".equals(name) && meter instanceof Gauge gauge) {
        pending.merge(address, gauge.value(), Double::sum);
      }
    }
    long now = System.nanoTime();
    double seconds = Math.max(0.001, (now - lastAt) / 1e9);
    JsonObject rates = new JsonObject();
    counts.forEach((address, total) -> {
      double[] before = lastCounts.getOrDefault(address, new double[3]);
      rates.put(address, new JsonObject()
        .put("published", round((total[0] - before[0]) / seconds))
        .put("received", round((total[1] - before[1]) / seconds))
        .put("delivered", round((total[2] - before[2]) / seconds))
        .put("pending", pending.getOrDefault(address, 0.0).longValue()));
    });
    lastCounts = counts;
    lastAt = now;
    return rates;
  }

  private JsonObject pg() {
    JsonObject pg = new JsonObject().put("pingMs", pgPingMs == null ? null : round(pgPingMs)).put("error", pgError);
    for (Meter meter : stats.registry().getMeters()) {
      if (!"chat-pg".equals(meter.getId().getTag("pool_name")) || !(meter instanceof Gauge gauge)) {
        continue;
      }
      switch (meter.getId().getName()) {
        case "vertx.pool.in.use" -> pg.put("poolInUse", (long) gauge.value());
        case "vertx.pool.queue.pending" -> pg.put("poolWaiting", (long) gauge.value());
        default -> {
        }
      }
    }
    Timer store = stats.storeTimer();
    for (ValueAtPercentile p : store.takeSnapshot().percentileValues()) {
      pg.put(p.percentile() < 0.9 ? "storeP50Ms" : "storeP99Ms", round(p.value(TimeUnit.MILLISECONDS)));
    }
    return pg;
  }

  private double counterTotal(String name) {
    Counter counter = stats.registry().find(name).counter();
    return counter == null ? 0 : counter.count();
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
