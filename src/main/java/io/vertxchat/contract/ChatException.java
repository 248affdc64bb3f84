package io.vertxchat.contract;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** A failure with one of the contract's {@link ErrorCodes}; travels as an event-bus failure reply. */
public class ChatException extends ReplyException {
  public ChatException(int code, String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, code, message);
  }

  public static ChatException invalid(String message) {
    return new ChatException(ErrorCodes.INVALID, message);
  }

  public static ChatException notFound(String message) {
    return new ChatException(ErrorCodes.NOT_FOUND, message);
  }

  public static ChatException forbidden(String message) {
    return new ChatException(ErrorCodes.FORBIDDEN, message);
  }

  /** The contract code of any failure: a reply's own code, else 503 for timeouts and storage faults. */
  public static int codeOf(Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
      && reply.failureCode() >= 400 && reply.failureCode() < 600) {
      return reply.failureCode();
    }
    return ErrorCodes.STORAGE_UNAVAILABLE;
  }
}
