package io.vertxchat.http.bridge;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertxchat.http.bridge.WireFrames.Framing;
import io.vertxchat.ops.NodeStats;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our WebSocket transports put on the wire exactly what Vert.x's stock SockJS transports do (the
 * official JS client and any stock-bridge client keep working): the same frames, type and bytes,
 * for the same messages in and out, whether a message is a reply (written alone) or a fan-out
 * (one shared frame), and a message over the frame limit split the same way. Each server echoes
 * every message it receives twice: once as a reply, once as a fan-out.
 */
@Timeout(60)
class StockWireFormatTest {
  /** Messages a chat carries: quotes, escapes, non-ASCII, an emoji (a surrogate pair), a long one. */
  private static final List<String> MESSAGES = List.of(
    "{\"type\":\"rec\",\"address\":\"chat.channel.general\",\"body\":{\"text\":\"hi\"}}",
    "{\"type\":\"rec\",\"body\":{\"text\":\"\\\"quoted\\\" back\\\\slash \\n newline \\t tab </script>\"}}",
    "{\"type\":\"rec\",\"body\":{\"text\":\"grüße, 日本語, 😀\"}}",
    "{\"type\":\"rec\",\"body\":{\"text\":\"" + "long ".repeat(20_000) + "\"}}");

  private static Vertx vertx;
  private static HttpServer server;
  private static WebSocketClient client;
  private static NodeStats stats;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    stats = NodeStats.of(vertx);
    TurnFlusher flusher = new TurnFlusher(stats);
    Router router = Router.router(vertx);
    router.route("/stock/*").subRouter(SockJSHandler.create(vertx).socketHandler(socket ->
      socket.handler(message -> {
        socket.write(message);
        socket.write(message);
      })));
    router.get("/ours/websocket").handler(ctx -> ours(ctx.request(), Framing.RAW, flusher));
    router.getWithRegex("/ours/[^/.]+/[^/.]+/websocket").handler(ctx -> ours(ctx.request(), Framing.SOCKJS, flusher));
    server = Await.result(vertx.createHttpServer()
      .requestHandler(router)
      .listen(0, "127.0.0.1"));
    client = vertx.createWebSocketClient();
  }

  private static void ours(io.vertx.core.http.HttpServerRequest request, Framing framing, TurnFlusher flusher) {
    Channel channel = WireFrames.channel(request);
    request.toWebSocket().onSuccess(ws -> {
      WebSocketBridgeSocket socket = new WebSocketBridgeSocket(ws, channel, framing, flusher, 65_536, null, null);
      socket.handler(message -> {
        socket.write(message);
        MessageFrames frames = new MessageFrames(message);
        socket.deliver(frames);
        frames.release();
      });
    });
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void the_raw_endpoint_sends_the_stock_frames() {
    assertSameFrames("/stock/websocket", "/ours/websocket", MESSAGES, 2 * MESSAGES.size());
  }

  @Test
  void the_sockjs_websocket_transport_sends_the_stock_frames() {
    // A SockJS client sends JSON arrays of strings (one or several messages per frame).
    List<String> sockJsFrames = new ArrayList<>();
    for (String message : MESSAGES) {
      sockJsFrames.add(new io.vertx.core.json.JsonArray().add(message).encode());
    }
    sockJsFrames.add(new io.vertx.core.json.JsonArray().add(MESSAGES.get(0)).add(MESSAGES.get(2)).encode());
    assertSameFrames("/stock/1/a/websocket", "/ours/1/b/websocket", sockJsFrames, 1 + 2 * (MESSAGES.size() + 2));
  }

  @Test
  void messages_that_arrive_in_one_loop_turn_are_flushed_once() {
    List<WebSocketFrame> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect("/ours/websocket", frames);
    double before = stats.registry().get("chat.bridge.flushes").counter().count();
    // 50 messages in one frame would be 50 flushes through Vert.x's write path; here one.
    ws.writeBinaryMessage(Buffer.buffer("x".repeat(10)));
    Await.until(vertx, 10_000, "both echoes", () -> frames.size() == 2);
    assertEquals(1.0, stats.registry().get("chat.bridge.flushes").counter().count() - before, 0.0,
      "a reply and a fan-out written in one turn share one flush");
  }

  private void assertSameFrames(String stockPath, String oursPath, List<String> sent, int expected) {
    List<WebSocketFrame> stock = exchange(stockPath, sent, expected);
    List<WebSocketFrame> ours = exchange(oursPath, sent, expected);
    for (int i = 0; i < expected; i++) {
      WebSocketFrame s = stock.get(i);
      WebSocketFrame o = ours.get(i);
      assertEquals(s.type(), o.type(), "frame " + i + " type");
      assertEquals(s.isFinal(), o.isFinal(), "frame " + i + " fin");
      assertEquals(s.binaryData(), o.binaryData(), "frame " + i + " bytes");
    }
  }

  private List<WebSocketFrame> exchange(String path, List<String> sent, int expected) {
    List<WebSocketFrame> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(path, frames);
    for (String frame : sent) {
      ws.writeTextMessage(frame);
    }
    Await.until(vertx, 20_000, expected + " frames on " + path, () -> frames.size() >= expected);
    ws.close();
    return frames;
  }

  /** Connects with the frame handler set as the socket opens, so no early frame (SockJS's "o") is missed. */
  private static WebSocket connect(String path, List<WebSocketFrame> frames) {
    return Await.result(client.connect(server.actualPort(), "127.0.0.1", path).map(ws -> ws.frameHandler(frames::add)));
  }
}
