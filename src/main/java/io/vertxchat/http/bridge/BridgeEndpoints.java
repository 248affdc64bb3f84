package io.vertxchat.http.bridge;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertxchat.http.HttpErrors;
import io.vertxchat.http.HttpVerticle;
import io.vertxchat.http.bridge.WireFrames.Framing;
import io.vertxchat.ops.NodeStats;

/**
 * The bridge's URLs under {@code /eventbus}: the two WebSocket transports (raw
 * {@code /eventbus/websocket} and SockJS {@code /eventbus/<server>/<session>/websocket}) are ours,
 * so fan-out frames are built once and flushed once per loop turn; SockJS's other transports
 * (xhr, EventSource, ...) stay with Vert.x's SockJS handler. All of them end in {@link ChatBridge}.
 */
public final class BridgeEndpoints {
  /** The SockJS path element rule, as the stock handler matches it: no slash, no dot. */
  private static final String SOCKJS_WEBSOCKET = "/eventbus/[^/.]+/[^/.]+/websocket";

  private final ChatBridge bridge;
  private final String allowedOrigin;
  private final TurnFlusher flusher;
  private final int maxFrameBytes;

  private BridgeEndpoints(ChatBridge bridge, String allowedOrigin, NodeStats stats, int maxFrameBytes) {
    this.bridge = bridge;
    this.allowedOrigin = allowedOrigin;
    this.maxFrameBytes = maxFrameBytes;
    this.flusher = new TurnFlusher(stats);
  }

  /**
   * Mounts the bridge on {@code router}, after the session handler; {@code maxFrameBytes} is the
   * server's WebSocket frame limit (longer messages go out split, as Vert.x splits them).
   */
  public static void mount(Vertx vertx, Router router, ChatBridge bridge, String allowedOrigin, int maxFrameBytes) {
    BridgeEndpoints endpoints = new BridgeEndpoints(bridge, allowedOrigin, NodeStats.of(vertx), maxFrameBytes);
    router.get("/eventbus/websocket").handler(ctx -> endpoints.upgrade(ctx, Framing.RAW));
    router.getWithRegex(SOCKJS_WEBSOCKET).handler(ctx -> endpoints.upgrade(ctx, Framing.SOCKJS));
    // SockJS's xhr/jsonp transports read POST bodies through a body handler; bound what they may read
    // (a batch of frames, each JSON-escaped inside a JSON array).
    router.post("/eventbus/*").handler(BodyHandler.create().setBodyLimit(4L * maxFrameBytes));
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions()
      .setOrigin(allowedOrigin)
      .setRegisterWriteHandler(false)
      .setInsertJSESSIONID(false);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, sockJs)
      .socketHandler(socket -> bridge.handle(new SockJSBridgeSocket(socket))));
  }

  /** As the stock transports do: 400 without an upgrade, 403 unless the page is from our origin. */
  private void upgrade(RoutingContext ctx, Framing framing) {
    HttpServerRequest request = ctx.request();
    if (!request.canUpgradeToWebSocket()) {
      HttpErrors.send(ctx, 400, "Can \"Upgrade\" only to \"WebSocket\".");
      return;
    }
    String origin = pageOrigin(request);
    if (!allowedOrigin.equals(origin)) {
      HttpErrors.send(ctx, 403, "origin not allowed: open the socket from " + allowedOrigin);
      return;
    }
    Channel channel = WireFrames.channel(request);
    request.toWebSocket()
      .onSuccess(ws -> bridge.handle(new WebSocketBridgeSocket(ws, channel, framing, flusher, maxFrameBytes, origin,
        ctx.session())))
      .onFailure(ctx::fail);
  }

  /** The Origin header, else the Referer's origin; null when neither says. */
  private static String pageOrigin(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin != null && !origin.isBlank()) {
      return origin;
    }
    String referer = request.getHeader("Referer");
    if (referer == null || referer.isBlank()) {
      return null;
    }
    try {
      return HttpVerticle.origin(referer);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
