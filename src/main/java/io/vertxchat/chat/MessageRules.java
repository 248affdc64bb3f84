package io.vertxchat.chat;

import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.ChatException;

/** Checks inbound bodies field by field; every failure is a 400 that says what was wrong. */
final class MessageRules {
  static final int MAX_TEXT_CODE_POINTS = 2000;
  static final int MAX_CLIENT_ID_LENGTH = 100;
  static final int DEFAULT_HISTORY_LIMIT = 50;
  static final int MAX_HISTORY_LIMIT = 100;

  private MessageRules() {
  }

  static JsonObject body(Object body) {
    if (body instanceof JsonObject json) {
      return json;
    }
    throw ChatException.invalid("the body must be a JSON object");
  }

  static String channel(JsonObject body) {
    Object value = body.getValue("channel");
    if (!(value instanceof String name)) {
      throw ChatException.invalid("channel must be a string");
    }
    if (!Addresses.CHANNEL_NAME.matcher(name).matches()) {
      throw ChatException.invalid("channel must match " + Addresses.CHANNEL_NAME_REGEX);
    }
    return name;
  }

  /** The trimmed text: 1..2000 Unicode code points. */
  static String text(JsonObject body) {
    Object value = body.getValue("text");
    if (!(value instanceof String raw)) {
      throw ChatException.invalid("text must be a string");
    }
    String text = raw.strip();
    int length = text.codePointCount(0, text.length());
    if (length == 0) {
      throw ChatException.invalid("text must not be blank");
    }
    if (length > MAX_TEXT_CODE_POINTS) {
      throw ChatException.invalid("text is " + length + " characters; the most is " + MAX_TEXT_CODE_POINTS);
    }
    if (text.chars().anyMatch(c -> c == 0)) {
      throw ChatException.invalid("text must not contain NUL characters");
    }
    if (!wellFormed(text)) {
      // PostgreSQL would store a '?' in its place: what was acknowledged would not be what was stored.
      throw ChatException.invalid("text must be valid Unicode (no unpaired surrogates)");
    }
    return text;
  }

  /** The optional client id of a send, or null. */
  static String clientId(JsonObject body) {
    Object value = body.getValue("clientId");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String id) || id.isEmpty() || id.length() > MAX_CLIENT_ID_LENGTH
      || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f) || !wellFormed(id)) {
      throw ChatException.invalid("clientId must be a string of 1.." + MAX_CLIENT_ID_LENGTH + " printable characters");
    }
    return id;
  }

  /** A message id: a positive whole number. */
  static long id(JsonObject body) {
    Long id = optionalId(body, "id");
    if (id == null) {
      throw ChatException.invalid("id must be a positive whole number");
    }
    return id;
  }

  static Long optionalId(JsonObject body, String field) {
    return optionalId(body, field, 1);
  }

  /** History's {@code after}: 0 is allowed too, for a client that has seen nothing yet. */
  static Long after(JsonObject body) {
    return optionalId(body, "after", 0);
  }

  /** History's {@code afterSeq}: the events after this channel sequence number (0: from the start). */
  static Long afterSeq(JsonObject body) {
    Long afterSeq = optionalId(body, "afterSeq", 0);
    if (afterSeq != null && (body.getValue("after") != null || body.getValue("before") != null)) {
      throw ChatException.invalid("afterSeq goes alone: not with after or before");
    }
    return afterSeq;
  }

  /** A required whole number {@code >= min} in {@code field}, else 400 naming the field. */
  static long wholeNumber(JsonObject body, String field, long min) {
    Long value = optionalId(body, field, min);
    if (value == null) {
      throw ChatException.invalid(field + (min > 0 ? " must be a positive whole number" : " must be a whole number >= 0"));
    }
    return value;
  }

  private static Long optionalId(JsonObject body, String field, long min) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Number number && isWhole(number) && number.longValue() >= min) {
      return number.longValue();
    }
    throw ChatException.invalid(field + (min > 0 ? " must be a positive whole number" : " must be a whole number >= 0"));
  }

  static int limit(JsonObject body) {
    Object value = body.getValue("limit");
    if (value == null) {
      return DEFAULT_HISTORY_LIMIT;
    }
    if (value instanceof Number number && isWhole(number)
      && number.longValue() >= 1 && number.longValue() <= MAX_HISTORY_LIMIT) {
      return number.intValue();
    }
    throw ChatException.invalid("limit must be a whole number from 1 to " + MAX_HISTORY_LIMIT);
  }

  /** Whether every UTF-16 surrogate is part of a pair, so the string encodes to UTF-8 unchanged. */
  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWhole(Number number) {
    if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9e15;
    }
    return number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte;
  }
}
