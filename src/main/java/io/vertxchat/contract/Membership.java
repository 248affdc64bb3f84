package io.vertxchat.contract;

import io.vertx.core.json.JsonObject;

/** What the bridge tells the chat verticle about sockets and channels (local, {@link LocalCodec}). */
public final class Membership {
  private Membership() {
  }

  /**
   * A socket asks to join a channel ({@link Addresses#JOIN}). Replies the channel's presence event
   * (for that socket only) once the join is recorded, or fails 404 when the channel does not exist.
   */
  public record Join(String channel, String socket, JsonObject user) {
  }

  /** A socket left a channel or closed ({@link Addresses#LEAVE}); no reply. */
  public record Leave(String channel, String socket, JsonObject user) {
  }
}
