package io.vertxchat.http.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.ChannelEvent;
import io.vertxchat.contract.ErrorCodes;

/**
 * The frames of the Vert.x event-bus bridge wire protocol, as the official JS client and the stock
 * bridge speak it, built in one place.
 */
final class BridgeFrames {
  private BridgeFrames() {
  }

  /** A message delivered on {@code address}: {@code {"type":"rec","address","body"}}. */
  static Buffer rec(String address, Object body) {
    return ChannelEvent.recFrame(address, body);
  }

  /** A refusal or protocol error: {@code {"type":"err","body":"access_denied"}} and friends. */
  static Buffer err(String code) {
    return new JsonObject().put("type", "err").put("body", code).toBuffer();
  }

  /** A failure reply to a send: {@code {"type":"err","address":replyAddress,"failureCode","failureType","message"}}. */
  static Buffer failure(String replyAddress, Throwable cause) {
    int code = -1;
    String type = ReplyFailure.RECIPIENT_FAILURE.name();
    if (cause instanceof ReplyException reply) {
      code = reply.failureCode();
      type = reply.failureType().name();
      if (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS) {
        code = ErrorCodes.STORAGE_UNAVAILABLE;
      }
    }
    return new JsonObject()
      .put("type", "err")
      .put("address", replyAddress)
      .put("failureCode", code)
      .put("failureType", type)
      .put("message", cause.getMessage())
      .toBuffer();
  }
}
