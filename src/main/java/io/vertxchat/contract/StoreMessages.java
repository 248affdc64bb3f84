package io.vertxchat.contract;

import io.vertx.core.json.JsonArray;
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
   * @param mentions the members the text mentions, {@code [{"id","name"}]} as the chat verticle
   *                 found them; null when none
   */
  public record Item(String channel, JsonObject author, String text, String dedupKey, JsonArray mentions) {
    public Item(String channel, JsonObject author, String text, String dedupKey) {
      this(channel, author, text, dedupKey, null);
    }

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
   * @param stale          true when the writer's claim on the channel is stale: another node has
   *                       claimed it since, and nothing was stored
   */
  public record Outcome(JsonObject message, boolean stored, boolean missingChannel, boolean stale) {
    public static Outcome fresh(JsonObject message) {
      return new Outcome(message, true, false, false);
    }

    public static Outcome repeat(JsonObject message) {
      return new Outcome(message, false, false, false);
    }

    public static final Outcome MISSING_CHANNEL = new Outcome(null, false, true, false);
    public static final Outcome STALE = new Outcome(null, false, false, true);
  }

  /**
   * A writer's claim on one channel, as every write of it checks: the owner epoch it holds and the
   * last sequence number it has published (recorded with the write, for the next owner).
   */
  public record Fence(long epoch, long publishedSeq) {
  }

  /**
   * What claiming a channel found: the new epoch, the channel's last sequence number, and the last
   * one its previous owner had recorded as published (what lies between may never have been).
   */
  public record Claim(long epoch, long seq, long publishedSeq) {
  }

  /**
   * An edit ({@code text} set), a delete ({@code text} null) or a reaction toggle ({@code emoji}
   * set) of message {@code id} in {@code channel}: a channel event, written by the channel's owner.
   * {@code authorId} is the person asking: the author for an edit or delete, the one who reacts for
   * a reaction. An edit's {@code mentions} replace the message's ({@code [{"id","name"}]}, null: none).
   */
  public record Change(long id, String channel, long authorId, String text, JsonArray mentions, String emoji) {
    public Change(long id, String channel, long authorId, String text, JsonArray mentions) {
      this(id, channel, authorId, text, mentions, null);
    }

    public Change(long id, String channel, long authorId, String text) {
      this(id, channel, authorId, text, null);
    }

    public static Change reaction(long id, String channel, long userId, String emoji) {
      return new Change(id, channel, userId, null, null, emoji);
    }

    public boolean isDelete() {
      return text == null && emoji == null;
    }

    public boolean isReaction() {
      return emoji != null;
    }
  }

  /**
   * A stored change: its event, to publish, and the reply for the requester; or stale, when the
   * writer's claim was.
   */
  public record ChangeOutcome(JsonObject event, JsonObject reply, boolean stale) {
    public static final ChangeOutcome STALE = new ChangeOutcome(null, null, true);
  }

  /** The outcomes, one per item of the batch, in its order. */
  public record Result(List<Outcome> outcomes) {
  }
}
