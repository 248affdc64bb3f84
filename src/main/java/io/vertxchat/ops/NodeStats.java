package io.vertxchat.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One node's operational state, shared by its verticles: the node's own Prometheus registry
 * (never the global one, so two nodes in one JVM keep apart), the product's counters and timers,
 * the live figures the monitor snapshot shows, and whether the node is draining.
 *
 * <p>Verticles reach it with {@link #of(Vertx)}; {@code ChatNode} creates it before Vert.x and
 * binds it to the Vert.x instance it built.
 *
 * <p>Product meters (Prometheus names): {@code chat_messages_stored_total},
 * {@code chat_fanout_deliveries_total}, {@code chat_bridge_flushes_total}, {@code chat_store_latency_seconds},
 * {@code chat_trim_runs_total{result}}, {@code chat_trim_rows_total}, {@code chat_signins_total{provider}},
 * {@code chat_bridge_rejected_total{reason}}, {@code chat_rate_limited_total{action}},
 * {@code chat_bridge_sockets}, {@code chat_bridge_channels}, {@code chat_eventloop_delay_seconds},
 * {@code chat_pg_ping_seconds}, {@code chat_node_draining}, {@code chat_fanout_latency_seconds},
 * {@code chat_bridge_too_slow_total}, {@code chat_node_ready}, {@code chat_pg_up}.
 *
 * <p>The two latency timers also publish fixed histogram buckets, so that Prometheus can compute
 * percentiles over any window and across nodes ({@code histogram_quantile}); counters that alerts
 * watch are registered at zero, so their series exist before the first event.
 */
public final class NodeStats {
  private static final Map<Vertx, NodeStats> BY_VERTX = new ConcurrentHashMap<>();
  /** Every {@code action} of {@link #rateLimited}: registered at zero. */
  private static final String[] RATE_LIMITED_ACTIONS = {"send", "edit", "delete", "react", "channel_create", "search"};
  /** Histogram buckets of one batch store: group commit takes milliseconds, a struggling database seconds. */
  private static final Duration[] STORE_BUCKETS = millis(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000);
  /** Histogram buckets of one event's local fan-out: microseconds for a few sockets, more for thousands. */
  private static final Duration[] FANOUT_BUCKETS = millis(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100);

  private final PrometheusMeterRegistry registry;
  private final String registryName;
  private final long startedAt = System.currentTimeMillis();
  private final Counter messagesStored;
  private final Counter fanoutDeliveries;
  private final Counter bridgeFlushes;
  private final Timer storeLatency;
  private final Timer fanoutLatency;
  private final Counter tooSlow;
  private final Counter trimRows;
  private final Timer pgPing;
  private final AtomicInteger sockets = new AtomicInteger();
  /** Local bridge registrations per channel name; a channel leaves the map at zero. */
  private final Map<String, AtomicInteger> channelSubscribers = new ConcurrentHashMap<>();
  private final AtomicLong eventLoopDelayNanos = new AtomicLong();
  private final AtomicReference<JsonObject> lastTrim = new AtomicReference<>();
  private volatile boolean draining;
  private volatile boolean ready;
  private volatile boolean pgUp;

  public NodeStats(String registryName) {
    this.registryName = registryName;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(AddressLabels.filter());
    messagesStored = Counter.builder("chat.messages.stored")
      .description("Messages written to PostgreSQL (retries with a known clientId excluded)")
      .register(registry);
    fanoutDeliveries = Counter.builder("chat.fanout.deliveries")
      .description("Channel events written to a browser socket of this node")
      .register(registry);
    bridgeFlushes = Counter.builder("chat.bridge.flushes")
      .description("WebSocket flushes: one per socket per event-loop turn that wrote to it, however many frames")
      .register(registry);
    storeLatency = Timer.builder("chat.store.latency")
      .description("Time to store one batch of messages in PostgreSQL")
      .publishPercentiles(0.5, 0.99)
      .serviceLevelObjectives(STORE_BUCKETS)
      .register(registry);
    fanoutLatency = Timer.builder("chat.fanout.latency")
      .description("Time to write one event to every subscribed socket of one HTTP verticle instance, framing included")
      .serviceLevelObjectives(FANOUT_BUCKETS)
      .register(registry);
    tooSlow = Counter.builder("chat.bridge.too.slow")
      .description("Sockets closed because they stopped reading and their write queue was full")
      .register(registry);
    trimRows = Counter.builder("chat.trim.rows")
      .description("History rows deleted by the trim timer")
      .register(registry);
    pgPing = Timer.builder("chat.pg.ping")
      .description("Round trip of the monitor's PostgreSQL ping")
      .register(registry);
    for (String result : new String[] {"ran", "skipped", "failed"}) {
      trimRuns(result);
    }
    for (String action : RATE_LIMITED_ACTIONS) {
      rateLimitedCounter(action);
    }
    Gauge.builder("chat.bridge.sockets", sockets, AtomicInteger::get)
      .description("Open SockJS bridge sockets on this node")
      .register(registry);
    Gauge.builder("chat.bridge.channels", channelSubscribers, Map::size)
      .description("Channels with at least one subscriber on this node")
      .register(registry);
    Gauge.builder("chat.eventloop.delay", eventLoopDelayNanos, n -> n.get() / 1e9)
      .description("Longest time a task waited for an event loop in the last probe")
      .baseUnit("seconds")
      .register(registry);
    Gauge.builder("chat.node.draining", this, s -> s.draining ? 1 : 0)
      .description("1 while the node shuts down")
      .register(registry);
    Gauge.builder("chat.node.ready", this, s -> s.ready && !s.draining ? 1 : 0)
      .description("1 while GET /ready passes, as the monitor last checked it (each second)")
      .register(registry);
    Gauge.builder("chat.pg.up", this, s -> s.pgUp ? 1 : 0)
      .description("1 when the monitor's last PostgreSQL ping (each second) was answered")
      .register(registry);
  }

  private static Duration[] millis(double... values) {
    Duration[] durations = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      durations[i] = Duration.ofNanos(Math.round(values[i] * 1e6));
    }
    return durations;
  }

  /** The stats bound to {@code vertx}; a node that was not built by ChatNode gets fresh ones. */
  public static NodeStats of(Vertx vertx) {
    return BY_VERTX.computeIfAbsent(vertx, v -> new NodeStats("chat-" + System.identityHashCode(v)));
  }

  public void bind(Vertx vertx) {
    BY_VERTX.put(vertx, this);
  }

  public void unbind(Vertx vertx) {
    BY_VERTX.remove(vertx, this);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String registryName() {
    return registryName;
  }

  public long startedAt() {
    return startedAt;
  }

  // ---- Product counters

  public void messagesStored(int count) {
    messagesStored.increment(count);
  }

  /** One message written to {@code sockets} local sockets. */
  public void fanoutDeliveries(int sockets) {
    fanoutDeliveries.increment(sockets);
  }

  /** How long one event took to reach every local socket of one HTTP verticle instance. */
  public void fanoutLatency(long nanos) {
    fanoutLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A socket closed because it stopped reading (its write queue was full). */
  public void socketTooSlow() {
    tooSlow.increment();
  }

  public void bridgeFlushes(int sockets) {
    bridgeFlushes.increment(sockets);
  }

  public void storeLatency(long nanos) {
    storeLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  public Timer storeTimer() {
    return storeLatency;
  }

  private Counter trimRuns(String result) {
    return Counter.builder("chat.trim.runs").tag("result", result)
      .description("Trim runs by result; skipped when another node holds the trim lock")
      .register(registry);
  }

  public void trimmed(boolean ran, int rows) {
    trimRuns(ran ? "ran" : "skipped").increment();
    trimRows.increment(rows);
    lastTrim.set(new JsonObject().put("at", System.currentTimeMillis()).put("ran", ran).put("deleted", rows));
  }

  public void trimFailed() {
    trimRuns("failed").increment();
    lastTrim.set(new JsonObject().put("at", System.currentTimeMillis()).put("ran", false).put("failed", true));
  }

  public JsonObject lastTrim() {
    return lastTrim.get();
  }

  public void signIn(String provider) {
    Counter.builder("chat.signins").tag("provider", provider)
      .description("Completed sign-ins by provider")
      .register(registry).increment();
  }

  /** A refused bridge event; {@code reason} is one of a few fixed words (bounded label). */
  public void bridgeRejected(String reason) {
    Counter.builder("chat.bridge.rejected").tag("reason", reason)
      .description("Bridge events refused by the guard, by reason")
      .register(registry).increment();
  }

  /** This node claimed a channel's writing (its first write of it, or after another node had it). */
  public void channelClaimed() {
    Counter.builder("chat.channel.claims")
      .description("Channels this node claimed for writing (owner epoch raised)")
      .register(registry).increment();
  }

  /** A write refused because another node had claimed the channel since this node did. */
  public void staleClaim() {
    Counter.builder("chat.channel.stale.claims")
      .description("Writes refused by the owner-epoch fence and routed again")
      .register(registry).increment();
  }

  /** Events a new owner published again because its predecessor may not have. */
  public void eventsRepublished(int count) {
    Counter.builder("chat.channel.republished")
      .description("Events republished by a channel's new owner")
      .register(registry).increment(count);
  }

  /** A request refused by a rate limit; {@code action} is send, edit, delete or channel_create. */
  public void rateLimited(String action) {
    rateLimitedCounter(action).increment();
  }

  private Counter rateLimitedCounter(String action) {
    return Counter.builder("chat.rate.limited").tag("action", action)
      .description("Requests refused with 429, by action")
      .register(registry);
  }

  public void pgPing(long nanos) {
    pgPing.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The monitor's last PostgreSQL ping was answered (true) or failed. */
  public void pgUp(boolean up) {
    pgUp = up;
  }

  /** The monitor's last run of the readiness checks passed (true) or not. */
  public void ready(boolean passed) {
    ready = passed;
  }

  // ---- Live figures

  public void socketOpened() {
    sockets.incrementAndGet();
  }

  public void socketClosed() {
    sockets.decrementAndGet();
  }

  public int sockets() {
    return sockets.get();
  }

  public void subscribed(String channel) {
    channelSubscribers.computeIfAbsent(channel, c -> new AtomicInteger()).incrementAndGet();
  }

  public void unsubscribed(String channel) {
    channelSubscribers.computeIfPresent(channel, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** Channel name to number of local subscribers. */
  public Map<String, Integer> channels() {
    Map<String, Integer> copy = new java.util.TreeMap<>();
    channelSubscribers.forEach((c, n) -> copy.put(c, n.get()));
    return copy;
  }

  public void eventLoopDelay(long nanos) {
    eventLoopDelayNanos.set(nanos);
  }

  public long eventLoopDelayNanos() {
    return eventLoopDelayNanos.get();
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }
}
