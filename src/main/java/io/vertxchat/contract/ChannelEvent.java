package io.vertxchat.contract;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * An event on {@code chat.channel.<name>}, encoded once where it is published: the bytes are the
 * stock bridge's {@code {"type":"rec","address","body"}} frame, so every node's bridge writes them
 * to its sockets as they are. Immutable; published with {@link #CODEC}, which carries the bytes
 * between nodes and hands local consumers the same instance.
 */
public final class ChannelEvent {
  private final Buffer frame;

  private ChannelEvent(Buffer frame) {
    this.frame = frame;
  }

  /** The event {@code body} (built by {@link Shapes}) for {@code channel}, encoded now. */
  public static ChannelEvent of(String channel, JsonObject body) {
    return new ChannelEvent(recFrame(Addresses.channel(channel), body));
  }

  /** The stock bridge's delivery frame: {@code {"type":"rec","address","body"}}. */
  public static Buffer recFrame(String address, Object body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body).toBuffer();
  }

  /** The frame bytes; never modify them (every socket of every node shares them). */
  public Buffer frame() {
    return frame;
  }

  /** The event as JSON, decoded on demand (never on the fan-out path). */
  public JsonObject body() {
    return frame.toJsonObject().getJsonObject("body");
  }

  public static void register(EventBus bus) {
    bus.registerDefaultCodec(ChannelEvent.class, CODEC);
  }

  public static final MessageCodec<ChannelEvent, ChannelEvent> CODEC = new MessageCodec<>() {
    @Override
    public void encodeToWire(Buffer buffer, ChannelEvent event) {
      buffer.appendInt(event.frame.length()).appendBuffer(event.frame);
    }

    @Override
    public ChannelEvent decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return new ChannelEvent(buffer.getBuffer(pos + 4, pos + 4 + length));
    }

    @Override
    public ChannelEvent transform(ChannelEvent event) {
      return event;
    }

    @Override
    public String name() {
      return "chat.channel-event";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  };
}
