package io.vertxchat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertxchat.ChatNode;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(90)
class ReadinessTest {
  private static ChatNode node;
  private static Vertx client;
  private static WebClient web;

  @BeforeAll
  static void node() {
    node = TestNodes.single(TestPostgres.get().newDatabaseUrl(), Map.of());
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    node.close().await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> ready() {
    return OpsSupport.get(web, node.publicUrl(), "/ready");
  }

  /** A gauge of {@code /metrics}, as Prometheus would scrape it. */
  private double gauge(String metric) {
    return OpsSupport.sample(OpsSupport.get(web, node.publicUrl(), "/metrics").bodyAsString(), metric);
  }

  @Test
  void ready_turns_503_with_the_reason_while_postgres_is_down_and_200_when_it_is_back() {
    HttpResponse<Buffer> up = ready();
    assertEquals(200, up.statusCode(), up.bodyAsString());
    assertEquals("UP", up.bodyAsJsonObject().getString("status"));
    // What Prometheus sees (the monitor checks each second): ready, PostgreSQL reachable.
    Await.until(client, 10_000, "chat_node_ready and chat_pg_up are 1",
      () -> gauge("chat_node_ready") == 1 && gauge("chat_pg_up") == 1);

    TestPostgres.get().stop();
    try {
      Await.until(client, 20_000, "/ready reports PostgreSQL down", () -> ready().statusCode() == 503);
      HttpResponse<Buffer> down = ready();
      assertEquals(503, down.statusCode());
      JsonObject body = down.bodyAsJsonObject();
      assertEquals("DOWN", body.getString("status"));
      assertTrue(body.encode().contains("PostgreSQL is not reachable"), body.encode());
      // Liveness does not depend on the database.
      assertEquals(200, OpsSupport.get(web, node.publicUrl(), "/health").statusCode());
      // The gauges the alerts ChatNodeNotReady and ChatPostgresUnavailable watch.
      Await.until(client, 10_000, "chat_node_ready and chat_pg_up are 0",
        () -> gauge("chat_node_ready") == 0 && gauge("chat_pg_up") == 0);
    } finally {
      TestPostgres.get().start();
    }
    Await.until(client, 30_000, "/ready is 200 again", () -> ready().statusCode() == 200);
    Await.until(client, 10_000, "chat_node_ready and chat_pg_up are 1 again",
      () -> gauge("chat_node_ready") == 1 && gauge("chat_pg_up") == 1);
  }

  @Test
  void ready_names_every_check_in_its_json_body() {
    JsonObject body = ready().bodyAsJsonObject();
    String checks = body.getJsonArray("checks").encode();
    assertTrue(checks.contains("\"postgres\"") && checks.contains("\"node\""), checks);
  }
}
