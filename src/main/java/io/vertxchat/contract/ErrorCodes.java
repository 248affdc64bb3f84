package io.vertxchat.contract;

/**
 * Failure codes of event-bus replies and HTTP statuses; part of the public contract.
 * Named integers, never enum ordinals, so they cannot shift.
 */
public final class ErrorCodes {
  private ErrorCodes() {
  }

  public static final int INVALID = 400;
  public static final int NOT_SIGNED_IN = 401;
  public static final int FORBIDDEN = 403;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int RATE_LIMITED = 429;
  public static final int STORAGE_UNAVAILABLE = 503;

  /** The one message of a 503, whatever failed underneath (the pool, a timeout, a node gone). */
  public static final String STORAGE_UNAVAILABLE_MESSAGE = "storage unavailable, try again";
  public static final String SIGN_IN_FIRST = "sign in first";

  /** The JSON error code word for a status, as in {@code {"error":"<code>","message":...}}. */
  public static String word(int code) {
    return switch (code) {
      case INVALID -> "invalid";
      case NOT_SIGNED_IN -> "not_signed_in";
      case FORBIDDEN -> "forbidden";
      case NOT_FOUND -> "not_found";
      case CONFLICT -> "conflict";
      case RATE_LIMITED -> "rate_limited";
      case STORAGE_UNAVAILABLE -> "unavailable";
      default -> "error";
    };
  }
}
