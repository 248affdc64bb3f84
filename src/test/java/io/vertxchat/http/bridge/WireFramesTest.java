package io.vertxchat.http.bridge;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertxchat.http.bridge.WireFrames.Framing;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

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
  private static final CompletableFuture<Channel> accepted = new CompletableFuture<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = Await.result(vertx.createHttpServer()
      .requestHandler(request -> {
        Channel channel = WireFrames.channel(request);
        request.toWebSocket().onSuccess(ws -> accepted.complete(channel));
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
    Channel channel = accepted.get();
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
}
