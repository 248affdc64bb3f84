package io.vertxchat.http.bridge;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertxchat.http.bridge.WireFrames.Framing;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link WireFrames} relies on in Vert.x and Netty, checked against a real server and client:
 * a Vert.x upgrade that changes any of it fails here, loudly, before it garbles a chat.
 */
@Timeout(60)
class WireFramesTest {
  private static Vertx vertx;
  private static HttpServer server;
  private static WebSocketClient client;
  /** Each upgraded connection: its channel, and the request it was upgraded from (weakly held). */
  record Upgraded(Channel channel, WeakReference<HttpServerRequest> request) {
  }

  private static final BlockingQueue<Upgraded> accepted = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = Await.result(vertx.createHttpServer()
      .requestHandler(request -> {
        Channel channel = WireFrames.channel(request);
        WeakReference<HttpServerRequest> weakRequest = new WeakReference<>(request);
        request.toWebSocket().onSuccess(ws -> accepted.add(new Upgraded(channel, weakRequest)));
      })
      .listen(0, "127.0.0.1"));
    client = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void a_pre_built_frame_written_to_the_pipeline_arrives_as_one_websocket_message() throws Exception {
    List<WebSocketFrame> frames = new CopyOnWriteArrayList<>();
    Await.result(client.connect(server.actualPort(), "127.0.0.1", "/").map(ws -> ws.frameHandler(frames::add)));
    Channel channel = accepted.poll(10, TimeUnit.SECONDS).channel();
    io.netty.channel.ChannelHandlerContext output = WireFrames.frameOutput(channel);
    String big = "{\"type\":\"rec\",\"body\":\"" + "é".repeat(200) + "\"}";
    vertx.runOnContext(v -> {
      WireFrames.write(output, WireFrames.frame(channel.alloc(), Framing.RAW, Buffer.buffer("{\"type\":\"rec\"}"), 65_536));
      WireFrames.write(output, WireFrames.frame(channel.alloc(), Framing.SOCKJS, Buffer.buffer("{\"a\":\"\\\"é\\n\"}"), 65_536));
      WireFrames.write(output, WireFrames.frame(channel.alloc(), Framing.RAW, Buffer.buffer(big), 65_536));
      output.flush();
    });
    Await.until(vertx, 10_000, "three frames", () -> frames.size() == 3);
    assertTrue(frames.get(0).isBinary(), "the raw transport sends binary messages, as the stock one does");
    assertEquals("{\"type\":\"rec\"}", frames.get(0).binaryData().toString());
    assertTrue(frames.get(1).isText());
    // SockJS's own encoding: non-ASCII and escapes as \\u and short escapes, inside a["..."].
    assertEquals("a[\"{\\\"a\\\":\\\"\\\\\\\"\\u00e9\\\\n\\\"}\"]", frames.get(1).textData());
    assertEquals(big, frames.get(2).binaryData().toString(), "a payload over 125 bytes gets the 16-bit length");
    assertTrue(frames.stream().allMatch(WebSocketFrame::isFinal));
  }

  @Test
  void the_request_a_websocket_was_upgraded_from_can_be_let_go() throws Exception {
    List<WebSocketFrame> frames = new CopyOnWriteArrayList<>();
    Await.result(client.connect(server.actualPort(), "127.0.0.1", "/").map(ws -> ws.frameHandler(frames::add)));
    Upgraded upgraded = accepted.poll(10, TimeUnit.SECONDS);
    assertTrue(WireFrames.releaseUpgradeRequest(upgraded.channel()),
      "Vert.x's upgraded handler no longer keeps its connection factory where WireFrames looks: idle sockets keep their request");
    Await.until(vertx, 20_000, "the upgrade request collected", () -> {
      System.gc();
      return upgraded.request().get() == null;
    });
    // The socket still works after the release.
    vertx.runOnContext(v -> {
      io.netty.channel.ChannelHandlerContext output = WireFrames.frameOutput(upgraded.channel());
      WireFrames.write(output, WireFrames.frame(upgraded.channel().alloc(), Framing.RAW, Buffer.buffer("{}"), 65_536));
      output.flush();
    });
    Await.until(vertx, 10_000, "a frame after the release", () -> frames.size() == 1);
  }
}
