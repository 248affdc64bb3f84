package io.vertxchat.contract;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The write path's request and reply with storage, declared once: the channel writer hands a batch
 * to the message store and gets one outcome per item back, in the batch's order.
 */
public final class StoreMessages {
  private StoreMessages() {
  }

  /**
   * One validated send.
   *
   * @param channel  an existing channel's name (a missing one comes back as {@link Outcome#missingChannel})
   * @param author   the author's public {@code User}
   * @param text     the validated text
   * @param dedupKey unique per author: {@code c:<clientId>} when the client gave one, so a retry
   *                 stores nothing new, else {@code s:<uuid>}
   */
  public record Item(String channel, JsonObject author, String text, String dedupKey) {
    public static String clientKey(String clientId) {
      return "c:" + clientId;
    }
  }

  /**
   * What became of one item.
   *
   * @param message        the stored {@code Message} (for a repeated key, the one stored before); null
   *                       when missing or when a repeated key's row is gone (trimmed)
   * @param stored         true when this batch stored it (publish it), false for a repeat
   * @param missingChannel true when the channel does not exist
   */
  public record Outcome(JsonObject message, boolean stored, boolean missingChannel) {
    public static Outcome fresh(JsonObject message) {
      return new Outcome(message, true, false);
    }

    public static Outcome repeat(JsonObject message) {
      return new Outcome(message, false, false);
    }

    public static final Outcome MISSING_CHANNEL = new Outcome(null, false, true);
  }

  /** The outcomes, one per item of the batch, in its order. */
  public record Result(List<Outcome> outcomes) {
  }
}
