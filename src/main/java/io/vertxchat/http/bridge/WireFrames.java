package io.vertxchat.http.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.ext.web.handler.sockjs.impl.JsonCodec;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;

/**
 * The one place that reaches under Vert.x: complete WebSocket frames built as bytes, written
 * straight to a socket's Netty pipeline without a flush. A fan-out builds each frame once per
 * message and framing and writes a retained duplicate of it to every socket (Vert.x would encode and
 * flush per socket); {@link TurnFlusher} flushes each touched socket once when the loop turn ends.
 *
 * <p>Relies on (pinned by {@code WireFramesTest}, which fails when an upgrade changes them): an
 * HTTP/1 request's connection is an {@link HttpServerConnection} whose Netty channel carries the
 * WebSocket it upgrades to; after the upgrade the pipeline holds a {@link WebSocketFrameEncoder},
 * and bytes written at its context go out as they are (past any TLS handler), in order with what
 * Vert.x wrote before; the channel's write-buffer watermark is what
 * {@link ServerWebSocket#setWriteQueueMaxSize} sets; the SockJS message encoding is
 * {@code JsonCodec}'s (the stock session's own); the upgraded channel's {@code VertxHandler}
 * (named "handler") keeps the connection factory in a field {@code connectionFactory}. Writing at the encoder's context, not the
 * channel's tail, skips the handlers a frame needs no more (Vert.x's, chunked writes, compression
 * of frames: uncompressed frames stay legal with permessage-deflate) and their per-write cost.
 */
final class WireFrames {
  private static final int FIN = 0x80;
  private static final int CONTINUATION = 0x0;
  private static final int TEXT = 0x1;
  private static final int BINARY = 0x2;

  /** The upgraded connection's factory: a lambda that captured the whole upgrade request. */
  private static final Field CONNECTION_FACTORY = connectionFactoryField();

  private WireFrames() {
  }

  private static Field connectionFactoryField() {
    try {
      Field field = VertxHandler.class.getDeclaredField("connectionFactory");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** How a transport puts one bridge message (a JSON text) into a WebSocket frame. */
  enum Framing {
    /** {@code /eventbus/websocket}: the message itself, as the stock raw transport sends it (binary). */
    RAW,
    /** SockJS over WebSocket: a text frame {@code a["<message, SockJS-escaped>"]}. */
    SOCKJS
  }

  /** The Netty channel of a request about to upgrade. */
  static Channel channel(HttpServerRequest request) {
    return ((HttpServerConnection) request.connection()).channelHandlerContext().channel();
  }

  /**
   * Lets go of the HTTP request a WebSocket was upgraded from. Vert.x's handler for the upgraded
   * channel keeps the function that built its connection, and that function captured the request,
   * its response, headers, routing context and the HTTP/1 connection with its 4 KB write queue:
   * about a third of an idle socket's heap. The function is never called again, so it is dropped.
   * True when it was found (WireFramesTest fails if a Vert.x upgrade moves it).
   */
  static boolean releaseUpgradeRequest(Channel channel) {
    if (CONNECTION_FACTORY != null && channel.pipeline().get("handler") instanceof VertxHandler<?> handler) {
      try {
        CONNECTION_FACTORY.set(handler, null);
        return true;
      } catch (IllegalAccessException e) {
        return false;
      }
    }
    return false;
  }

  /** Where an upgraded channel's frames are written: the WebSocket encoder's context, toward the wire. */
  static ChannelHandlerContext frameOutput(Channel channel) {
    ChannelHandlerContext encoder = channel.pipeline().context(WebSocketFrameEncoder.class);
    if (encoder == null) {
      throw new IllegalStateException("no WebSocket encoder in the upgraded pipeline " + channel.pipeline().names()
        + ": Vert.x changed how it upgrades, see WireFrames");
    }
    return encoder;
  }

  /**
   * One bridge message as complete WebSocket frames in {@code framing}, split as Vert.x splits a
   * message longer than the server's frame limit; the caller owns (releases) the buffer.
   */
  static ByteBuf frame(ByteBufAllocator alloc, Framing framing, Buffer message, int maxFrameBytes) {
    return switch (framing) {
      case RAW -> frames(alloc, BINARY, ((BufferInternal) message).getByteBuf(), maxFrameBytes);
      case SOCKJS -> sockJs(alloc, "a" + JsonCodec.encode(new String[] {message.toString(StandardCharsets.UTF_8)}),
        maxFrameBytes);
    };
  }

  /** A SockJS frame ({@code o}, {@code h}, {@code c[code,"reason"]}, {@code a[...]}) as a text message. */
  static ByteBuf sockJs(ByteBufAllocator alloc, String text, int maxFrameBytes) {
    ByteBuf payload = alloc.heapBuffer(text.length()).writeBytes(text.getBytes(StandardCharsets.UTF_8));
    try {
      return frames(alloc, TEXT, payload, maxFrameBytes);
    } finally {
      payload.release();
    }
  }

  /** Unmasked (server-to-client) frames, header then payload each, in one direct buffer. */
  private static ByteBuf frames(ByteBufAllocator alloc, int opcode, ByteBuf payload, int maxFrameBytes) {
    int length = payload.readableBytes();
    ByteBuf out = alloc.directBuffer(length + 10 * (1 + length / maxFrameBytes));
    int offset = 0;
    do {
      int size = Math.min(maxFrameBytes, length - offset);
      boolean last = offset + size == length;
      out.writeByte((last ? FIN : 0) | (offset == 0 ? opcode : CONTINUATION));
      if (size < 126) {
        out.writeByte(size);
      } else if (size <= 0xFFFF) {
        out.writeByte(126).writeShort(size);
      } else {
        out.writeByte(127).writeLong(size);
      }
      out.writeBytes(payload, payload.readerIndex() + offset, size);
      offset += size;
    } while (offset < length);
    return out;
  }

  /**
   * Writes a frame without flushing (the caller has it flushed at the end of the loop turn).
   * Takes ownership of {@code frame}. Must run on the socket's event loop.
   */
  static void write(ChannelHandlerContext output, ByteBuf frame) {
    output.write(frame, output.voidPromise());
  }

  /** True while the socket's unflushed and unsent bytes stay under its write-queue limit. */
  static boolean writable(Channel channel) {
    return channel.isWritable();
  }

  static boolean open(Channel channel) {
    return channel.isActive();
  }
}
