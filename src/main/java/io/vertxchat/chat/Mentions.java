package io.vertxchat.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The "@name" tokens of a message's text, and which users they mention. The rule (the README's):
 * <ul>
 *   <li>a token is an {@code @} at the start of the text, after white space or after an opening
 *   bracket or quote ({@value #OPENERS}), followed by a user's name, compared case-insensitively
 *   (PostgreSQL's {@code lower()}); so {@code ann@example.org} and {@code https://host/@bob} hold
 *   no token;</li>
 *   <li>names may contain spaces and punctuation: the name must end at the end of the text, before
 *   a character that is not a letter, digit or {@code _}, or with such a character itself; of the
 *   names that fit, the longest wins ({@code @Ann Lee} mentions "Ann Lee" when there is one, else
 *   "Ann");</li>
 *   <li>only members of the channel may be mentioned; a name of nobody (or of a non-member) stays
 *   plain text; users who share the name are all mentioned.</li>
 * </ul>
 * Limits keep the one lookup per message small: {@value #MAX_TOKENS} tokens, names of up to
 * {@value #MAX_NAME} characters (Unicode code points), {@value #MAX_MENTIONS} users mentioned.
 */
final class Mentions {
  static final int MAX_TOKENS = 20;
  static final int MAX_NAME = 64;
  static final int MAX_MENTIONS = 20;
  /** Besides white space, what may stand right before the {@code @} of a token. */
  static final String OPENERS = "([{<\"'\u201c\u2018\u00ab";

  /** One {@code @}: its place in the text and the names it may stand for, shortest first, as written. */
  record Token(int at, List<String> candidates) {
  }

  private Mentions() {
  }

  /** The text's tokens; empty when it has no {@code @} that may start one (then nothing is looked up). */
  static List<Token> tokens(String text) {
    List<Token> tokens = new ArrayList<>();
    int at = text.indexOf('@');
    while (at >= 0 && tokens.size() < MAX_TOKENS) {
      if (at == 0 || mayPrecede(text.codePointBefore(at))) {
        List<String> candidates = candidates(text, at + 1);
        if (!candidates.isEmpty()) {
          tokens.add(new Token(at, candidates));
        }
      }
      at = text.indexOf('@', at + 1);
    }
    return tokens;
  }

  /** Every name that may start at {@code start}: ends at a boundary, within {@value #MAX_NAME} code points, one line. */
  private static List<String> candidates(String text, int start) {
    List<String> candidates = new ArrayList<>();
    if (start >= text.length() || Character.isWhitespace(text.codePointAt(start))) {
      return candidates;
    }
    int end = start;
    for (int n = 0; n < MAX_NAME && end < text.length(); n++) {
      int cp = text.codePointAt(end);
      if (cp == '\n' || cp == '\r') {
        break;
      }
      end += Character.charCount(cp);
      boolean boundary = end == text.length() || !nameChar(cp) || !nameChar(text.codePointAt(end));
      if (boundary && !Character.isWhitespace(cp)) {
        candidates.add(text.substring(start, end));
      }
    }
    return candidates;
  }

  /** Every candidate name of {@code tokens}, once each, for the one lookup. */
  static List<String> candidates(List<Token> tokens) {
    Set<String> all = new LinkedHashSet<>();
    tokens.forEach(token -> all.addAll(token.candidates()));
    return new ArrayList<>(all);
  }

  /**
   * The mentions, in the text's order, each user once: per token, the users of its longest
   * candidate that names a member ({@code members}: candidate -> its users who may be mentioned).
   * Null when there is none, as stored.
   */
  static JsonArray resolve(List<Token> tokens, Map<String, List<JsonObject>> members) {
    Map<Long, JsonObject> mentioned = new LinkedHashMap<>();
    int coveredTo = 0;
    for (Token token : tokens) {
      if (token.at() < coveredTo) {
        continue; // an '@' inside the name matched before it
      }
      List<String> candidates = token.candidates();
      for (int c = candidates.size() - 1; c >= 0; c--) {
        List<JsonObject> users = members.get(candidates.get(c));
        if (users != null && !users.isEmpty()) {
          users.forEach(user -> mentioned.putIfAbsent(user.getLong("id"), user));
          coveredTo = token.at() + 1 + candidates.get(c).length();
          break;
        }
      }
    }
    if (mentioned.isEmpty()) {
      return null;
    }
    JsonArray array = new JsonArray();
    mentioned.values().stream().limit(MAX_MENTIONS).forEach(array::add);
    return array;
  }

  private static boolean mayPrecede(int cp) {
    return Character.isWhitespace(cp) || OPENERS.indexOf(cp) >= 0;
  }

  private static boolean nameChar(int cp) {
    return Character.isLetterOrDigit(cp) || cp == '_';
  }
}
