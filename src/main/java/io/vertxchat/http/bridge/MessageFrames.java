package io.vertxchat.http.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertxchat.http.bridge.WireFrames.Framing;

/**
 * One outbound bridge message during one fan-out: its JSON text, and its wire frames, each built
 * the first time a socket of that framing asks, then shared (retained duplicates) by the rest.
 * Released when the fan-out ends; the sockets' duplicates live until Netty has sent them.
 */
final class MessageFrames {
  private final Buffer message;
  /** Built frames, by framing ordinal; null until a socket of that framing asks. */
  private final ByteBuf[] built = new ByteBuf[Framing.values().length];

  MessageFrames(Buffer message) {
    this.message = message;
  }

  /** The bridge message, for transports that frame it themselves. */
  Buffer message() {
    return message;
  }

  /** A retained duplicate of the message's frames in {@code framing}; the receiver releases it. */
  ByteBuf frame(Framing framing, ByteBufAllocator alloc, int maxFrameBytes) {
    ByteBuf frame = built[framing.ordinal()];
    if (frame == null) {
      frame = WireFrames.frame(alloc, framing, message, maxFrameBytes);
      built[framing.ordinal()] = frame;
    }
    return frame.retainedDuplicate();
  }

  void release() {
    for (ByteBuf frame : built) {
      if (frame != null) {
        frame.release();
      }
    }
  }
}
