package io.vertxchat.faults;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.support.TestPostgres;
import io.vertxchat.testkit.Await;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 10,000 sockets register one channel at once while messages flow into it: every registration is
 * accepted (none answered {@code rejected}: joins never wait on PostgreSQL) and every socket gets
 * the message sent after the burst. The node runs in its own process: 10,000 sockets on each side
 * would not fit one process's file limit.
 */
@Timeout(300)
class JoinBurstTest {
  private static final int SOCKETS = 10_000;
  /** Sockets opening at a time, as a crowd reconnecting after a deploy would. */
  private static final int CONNECTING = 500;

  private static Vertx vertx;
  private static NodeProcess node;
  private static WebSocketClient client;

  @BeforeAll
  static void startNode() {
    vertx = Vertx.vertx();
    int port = TestPostgres.freePort();
    Map<String, String> env = new HashMap<>(TestNodes.baseEnv(TestPostgres.get().newDatabaseUrl()));
    env.put("CHAT_HTTP_INSTANCES", "1");
    env.put("CHAT_HTTP_PORT", String.valueOf(port));
    env.put("CHAT_PUBLIC_URL", "http://localhost:" + port);
    env.put("CHAT_MAX_SOCKETS_PER_USER", String.valueOf(SOCKETS + 10));
    node = NodeProcess.start("join-burst", port, env, Path.of("target", "join-burst"));
    node.awaitUp(180_000);
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(SOCKETS + 10));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.terminate();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void ten_thousand_registrations_on_one_channel_are_all_accepted_while_messages_flow() {
    ChatClient alice = ChatClient.signIn(vertx, node.url(), "burst-alice");
    String channel = TestNodes.newChannel(alice);
    String address = "chat.channel." + channel;
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger gotLast = new AtomicInteger();
    String last = "after the burst";
    // Ten messages a second go into the channel while the crowd joins.
    AtomicInteger flowing = new AtomicInteger();
    WebSocket writer = Await.result(connect(alice));
    long sender = vertx.setPeriodic(100, id -> writer.writeTextMessage(send(channel, "flowing " + flowing.incrementAndGet())));

    List<WebSocket> sockets = new ArrayList<>();
    // Like any bridge client, every socket pings (the server closes sockets silent for 10 s).
    long pinger = vertx.setPeriodic(4_000, id -> {
      synchronized (sockets) {
        sockets.forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}"));
      }
      writer.writeTextMessage("{\"type\":\"ping\"}");
    });
    long started = System.nanoTime();
    Future<Void> opened = Future.succeededFuture();
    for (int batch = 0; batch < SOCKETS / CONNECTING; batch++) {
      opened = opened.compose(v -> {
        List<Future<WebSocket>> wave = new ArrayList<>();
        for (int i = 0; i < CONNECTING; i++) {
          wave.add(connect(alice).onSuccess(ws -> {
            boolean[] answered = new boolean[1];
            ws.handler(buffer -> {
              JsonObject frame = buffer.toJsonObject();
              if ("err".equals(frame.getString("type"))) {
                if (!answered[0]) {
                  answered[0] = true;
                  refused.incrementAndGet();
                }
                return;
              }
              JsonObject body = frame.getJsonObject("body");
              if (body == null || !address.equals(frame.getString("address"))) {
                return;
              }
              if (!answered[0] && "presence".equals(body.getString("type"))) {
                // The join's answer: the channel's presence, on this socket alone.
                answered[0] = true;
                accepted.incrementAndGet();
              } else if ("message".equals(body.getString("type")) && last.equals(body.getJsonObject("message").getString("text"))) {
                gotLast.incrementAndGet();
              }
            });
            ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
            synchronized (sockets) {
              sockets.add(ws);
            }
          }));
        }
        return Future.all(wave).mapEmpty();
      });
    }
    Await.result(opened, 240_000);
    Await.until(vertx, 120_000, "10,000 registrations answered (" + accepted + " accepted, " + refused + " refused)",
      () -> accepted.get() + refused.get() == SOCKETS);
    long burstMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    vertx.cancelTimer(sender);
    assertEquals(0, refused.get(), "registrations refused during the burst");
    assertEquals(SOCKETS, accepted.get());

    writer.writeTextMessage(send(channel, last));
    Await.until(vertx, 60_000, "every socket got the message sent after the burst (" + gotLast + ")",
      () -> gotLast.get() == SOCKETS);
    vertx.cancelTimer(pinger);
    System.out.println("join burst: " + SOCKETS + " sockets registered one channel, " + accepted + " accepted, "
      + refused + " refused, all answered " + burstMs + " ms after the first opened (" + CONNECTING + " opening at a time), "
      + flowing + " messages flowed in meanwhile; every socket got the next one");
  }

  private static Future<WebSocket> connect(ChatClient user) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost("localhost")
      .setPort(node.httpPort)
      .setURI("/eventbus/websocket")
      .addHeader("Cookie", user.cookieHeader())
      .addHeader("Origin", user.origin());
    return client.connect(options);
  }

  private static String send(String channel, String text) {
    return new JsonObject().put("type", "send").put("address", "chat.send").put("replyAddress", "r")
      .put("body", new JsonObject().put("channel", channel).put("text", text)).encode();
  }
}
