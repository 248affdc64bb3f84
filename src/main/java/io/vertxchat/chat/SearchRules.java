package io.vertxchat.chat;

import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.ChatException;

import java.util.regex.Pattern;

/** Checks a {@code chat.search} body; every failure is a 400 that says what was wrong. */
final class SearchRules {
  static final int MAX_QUERY_CODE_POINTS = 200;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 50;
  /** Deep pages cost a rank of every hit before them: 1,000 hits are more than anyone reads. */
  static final int MAX_OFFSET = 1000;
  /** Excluded words ({@code -word}, {@code -"a phrase"}) and the operator {@code or}: none finds anything by itself. */
  private static final Pattern NOT_A_TERM = Pattern.compile("-\"[^\"]*\"?|-\\S*|(?i)\\bor\\b");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]");

  private SearchRules() {
  }

  /**
   * The query, trimmed: 1..200 code points of web-search syntax ({@code words}, {@code "a phrase"},
   * {@code or}, {@code -excluded}), with at least one word to find. PostgreSQL's
   * {@code websearch_to_tsquery} accepts any text, so nothing here is a syntax error; a query of
   * only exclusions is refused because it could not use the index (it matches nearly everything).
   */
  static String query(JsonObject body) {
    Object value = body.getValue("q");
    if (!(value instanceof String raw)) {
      throw ChatException.invalid("q must be a string: the words to search for");
    }
    String q = raw.strip();
    int length = q.codePointCount(0, q.length());
    if (length == 0) {
      throw ChatException.invalid("q must not be blank");
    }
    if (length > MAX_QUERY_CODE_POINTS) {
      throw ChatException.invalid("q is " + length + " characters; the most is " + MAX_QUERY_CODE_POINTS);
    }
    if (q.chars().anyMatch(c -> c == 0) || !MessageRules.wellFormed(q)) {
      throw ChatException.invalid("q must be valid Unicode text without NUL characters");
    }
    if (!WORD.matcher(NOT_A_TERM.matcher(q).replaceAll(" ")).find()) {
      throw ChatException.invalid("q needs at least one word to find (letters or digits, not only -excluded words)");
    }
    return q;
  }

  static int offset(JsonObject body) {
    return wholeNumber(body, "offset", 0, 0, MAX_OFFSET);
  }

  static int limit(JsonObject body) {
    return wholeNumber(body, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  }

  private static int wholeNumber(JsonObject body, String field, int absent, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return absent;
    }
    if (value instanceof Number number && (number instanceof Integer || number instanceof Long
      || number.doubleValue() == Math.rint(number.doubleValue())) && number.doubleValue() >= min && number.doubleValue() <= max) {
      return number.intValue();
    }
    throw ChatException.invalid(field + " must be a whole number from " + min + " to " + max);
  }
}
