package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.vertxchat.ops.OpsSupport.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(90)
class MetricsTest {
  private static ChatNode node;
  private static Vertx client;
  private static WebClient web;

  @BeforeAll
  static void node() {
    // A node of its own, with a small send burst so that rate limiting can be seen.
    node = TestNodes.single(TestPostgres.get().newDatabaseUrl(), Map.of(
      "CHAT_RATE_SENDS_PER_SECOND", "1",
      "CHAT_RATE_SEND_BURST", "5"));
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    node.close().await(30, TimeUnit.SECONDS);
  }

  private String metrics() {
    var response = OpsSupport.get(web, node.publicUrl(), "/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(response.getHeader("Content-Type").startsWith("text/plain"), response.getHeader("Content-Type"));
    return response.bodyAsString();
  }

  @Test
  void product_counters_and_event_bus_metrics_move_after_traffic() throws Exception {
    String before = metrics();
    double signInsBefore = Math.max(0, sample(before, "chat_signins_total", "provider=\"dev\""));
    double storedBefore = Math.max(0, sample(before, "chat_messages_stored_total"));

    ChatClient alice = ChatClient.signIn(client, node.publicUrl(), "Alice");
    ChatClient bob = ChatClient.signIn(client, node.publicUrl(), "Bob");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    BridgeClient aliceSocket = alice.socket();
    BridgeClient bobSocket = bob.socket();
    try {
      aliceSocket.subscribe(address);
      bobSocket.subscribe(address);
      int accepted = 0;
      int limited = 0;
      for (int i = 0; i < 8; i++) {
        JsonObject reply = aliceSocket.request("chat.send", new JsonObject().put("channel", channel).put("text", "m" + i));
        if (reply.getValue("failureCode") == null) {
          accepted++;
        } else if (reply.getInteger("failureCode") == 429) {
          limited++;
        }
      }
      assertTrue(accepted >= 5 && limited >= 1, "accepted " + accepted + ", limited " + limited);
      for (int i = 0; i < accepted; i++) {
        bobSocket.awaitEvent(address, "message");
      }
      // A non-admin asks for the monitor stream: refused, and counted by reason.
      bobSocket.register("monitor.stats");
      bobSocket.await(f -> "err".equals(f.getString("type")));

      // One trim run (the timer is off in tests), as the persistence verticle's timer would do.
      node.vertx().eventBus().request("chat.internal.store.trim", new JsonObject()).await(10, TimeUnit.SECONDS);

      String after = metrics();
      java.nio.file.Files.writeString(java.nio.file.Path.of("target/metrics-sample.txt"), after);
      assertEquals(signInsBefore + 2, sample(after, "chat_signins_total", "provider=\"dev\""));
      assertEquals(storedBefore + accepted, sample(after, "chat_messages_stored_total"));
      assertTrue(sample(after, "chat_rate_limited_total", "action=\"send\"") >= limited);
      assertTrue(sample(after, "chat_bridge_rejected_total", "reason=\"not_admin\"") >= 1);
      assertTrue(sample(after, "chat_fanout_deliveries_total") >= 2 * accepted, "both sockets got every message");
      assertTrue(sample(after, "chat_store_latency_seconds_count") >= 1);
      // Both latencies as histograms (Prometheus computes p50/p99 across nodes and windows).
      assertEquals(sample(after, "chat_store_latency_seconds_count"),
        sample(after, "chat_store_latency_seconds_bucket", "le=\"+Inf\""), "store buckets count every batch");
      assertTrue(sample(after, "chat_fanout_latency_seconds_bucket", "le=\"+Inf\"") >= accepted,
        "every message fanned out is timed");
      // Counters that alerts watch exist at zero before their first event.
      assertEquals(0, sample(after, "chat_bridge_too_slow_total"));
      assertEquals(0, sample(after, "chat_rate_limited_total", "action=\"edit\""));
      assertEquals(1, sample(after, "chat_trim_runs_total", "result=\"ran\""));
      assertTrue(sample(after, "chat_trim_rows_total") >= 0);
      assertEquals(2, sample(after, "chat_bridge_sockets"));
      assertEquals(1, sample(after, "chat_bridge_channels"));
      // Event-bus metrics per address, with every channel under one bounded label.
      assertTrue(sample(after, "vertx_eventbus_published_total", "address=\"chat.channel.*\"") >= accepted);
      assertTrue(sample(after, "vertx_eventbus_processed_total", "address=\"chat.channel.*\"") >= 2 * accepted);
      assertTrue(sample(after, "vertx_eventbus_received_total", "address=\"chat.send\"") >= 8);
      // The write path calls the store directly; the other store addresses keep their own label.
      assertTrue(sample(after, "vertx_eventbus_handlers", "address=\"chat.internal.store.history\"") >= 1);
      assertFalse(after.contains(channel), "no label carries a channel name");
      // HTTP server (by route, never raw path), SockJS sockets as WebSockets, and the PG pool.
      assertTrue(sample(after, "vertx_http_server_requests_total", "route=\"/metrics\"") >= 1);
      assertTrue(sample(after, "vertx_http_server_requests_total", "code=\"201\"", "method=\"POST\"") >= 1);
      assertTrue(sample(after, "vertx_http_server_active_ws_connections") >= 2);
      assertTrue(sample(after, "vertx_pool_completed_total", "pool_name=\"chat-pg\"") >= 1, after);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  }
}
